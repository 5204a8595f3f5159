"""Kernel-internal plugins, registered before any entry point (``DEFAULT_PLUGINS``)."""
