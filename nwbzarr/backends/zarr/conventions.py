"""Names of the NWB-Zarr convention and of nwbzarr's own record, shared by the Zarr modules."""

from __future__ import annotations

from typing import Any

from nwbzarr.tree import Reference

# nwbzarr's reserved attribute: what Zarr cannot say but HDF5 can (see the package docstring)
RECORD = "_NWBZARR"
SPECLOC = ".specloc"
# written first into a new store, removed once its root document exists
INCOMPLETE_KEY = "nwbzarr.incomplete"
# attributes of the conventions (NWB-Zarr v3, hdmf-zarr 0.13, LINDI): not user attributes
RESERVED = {
    "_LINKS",
    "_DTYPE",
    "_REFERENCE_FIELDS",
    "zarr_link",
    "zarr_dtype",
    RECORD,
    "_ARRAY_DIMENSIONS",
    "_SCALAR",
    "_COMPOUND_DTYPE",
    "_SOFT_LINK",
    "_EXTERNAL_ARRAY_LINK",
}
DEFAULT_CHUNK_BYTES = 2 << 20
SHARD_THRESHOLD = 512 << 20
SHARD_BYTES = 64 << 20


def node_key(path: str) -> str:
    """The store key of a node path (``/a/b`` -> ``a/b``; the root is ``""``)."""
    return path.strip("/")


def record_of(doc: dict[str, Any]) -> dict[str, Any]:
    """The nwbzarr record of a node document (empty if it has none)."""
    found: dict[str, Any] = doc.get("attributes", {}).get(RECORD, {})
    return found


def reference_from_json(value: Any) -> Reference:
    """A reference stored as JSON: NWB-Zarr v3, hdmf-zarr 0.13 or a bare path."""
    if isinstance(value, dict) and ("_REFERENCE" in value or "value" in value):
        inner = value["_REFERENCE" if "_REFERENCE" in value else "value"]  # or hdmf-zarr 0.13's
        if not isinstance(inner, dict):
            raise ValueError(f"malformed object reference {value!r}: expected path and source")
        return Reference(str(inner.get("path", "")), str(inner.get("source", ".")))
    if isinstance(value, dict) and "path" in value:
        return Reference(str(value["path"]), str(value.get("source", ".")))
    return Reference(str(value))
