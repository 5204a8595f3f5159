"""``server.enhanced_context_server``: Framework0's context server, served by f0-plugin-server.

Command line: ``python -m server.enhanced_context_server [--host H] [--port P] [--debug]``.
"""

from __future__ import annotations

from f0_compat.context_server import DEFAULT_HOST, DEFAULT_PORT, EnhancedContextServer, main

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "EnhancedContextServer", "main"]

if __name__ == "__main__":
    raise SystemExit(main())
