"""The version of nwbzarr (a module of its own: the CLI reads it without the package's exports)."""

__version__ = "0.1.0"
