"""Emulated AWS services: one package per service, handlers named after operations."""
