"""This project's own scriptlets (Framework0 layout: scriptlets/<area>.py)."""
