"""runnerlink: a local emulator of AWS App Runner and its private networking."""

__version__ = "0.1.0"
