"""The HTTP edge: one port for every emulated service."""
