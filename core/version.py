"""The installed version of veracity, importable from every layer."""

__version__ = "0.1.0"
