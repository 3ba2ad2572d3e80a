"""Exceptions of nwbzarr.

Every error subclasses both :class:`NwbZarrError` and the builtin that matches what went wrong,
so callers can catch either (``except KeyError`` or ``except nwbzarr.NwbZarrError``). Messages
name the file, the path inside it and the offending value.
"""

from __future__ import annotations


class NwbZarrError(Exception):
    """Base class of every error raised by nwbzarr."""


class NodeNotFoundError(NwbZarrError, KeyError):
    """A group, array or attribute that was asked for does not exist."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable.
        return str(self.args[0]) if self.args else ""


class FormatError(NwbZarrError, OSError):
    """A file or store cannot be read: truncated, corrupt, or not HDF5/Zarr at all."""


class IncompleteFileError(FormatError):
    """A destination whose writing did not finish (killed or failed half-way)."""


class UnsupportedFeatureError(NwbZarrError, ValueError):
    """The source uses a feature the destination cannot carry (for example an HDF5 filter)."""


class LinkError(NwbZarrError, KeyError):
    """A link cannot be followed: missing target, a cycle, or refused by policy."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class LinkPolicyError(LinkError, PermissionError):
    """A link was refused by the link policy of the file that holds it."""


class UnsafeContentError(NwbZarrError, ValueError):
    """Content that would need unsafe decoding (for example a pickle that would run code)."""


class DestinationExistsError(NwbZarrError, FileExistsError):
    """A write would overwrite an existing destination and ``overwrite=True`` was not given."""


class ReadOnlyError(NwbZarrError, PermissionError):
    """A write was attempted on a file or node opened read-only."""


class ValidationError(NwbZarrError, ValueError):
    """A value given to a typed container does not satisfy the NWB schema."""


class SchemaError(NwbZarrError, ValueError):
    """An NWB specification (schema) document cannot be used: it does not parse, or is
    inconsistent (a type that includes an unknown type); names the file and the namespace."""


class CommitConflictError(NwbZarrError, RuntimeError):
    """A versioned repository's branch moved while this writer wrote: another writer
    committed first, and nothing of this write was committed."""


class VersionNotFoundError(NwbZarrError, LookupError):
    """A branch, tag or snapshot that a versioned repository does not have."""


class UnknownTypeError(NwbZarrError, KeyError):
    """A neurodata type that no loaded namespace defines."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


__all__ = [
    "CommitConflictError",
    "VersionNotFoundError",
    "DestinationExistsError",
    "FormatError",
    "IncompleteFileError",
    "LinkError",
    "LinkPolicyError",
    "NodeNotFoundError",
    "NwbZarrError",
    "ReadOnlyError",
    "SchemaError",
    "UnknownTypeError",
    "UnsafeContentError",
    "UnsupportedFeatureError",
    "ValidationError",
]
