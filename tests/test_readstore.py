"""The stores of indexes (virtual index, reference file) share one base: partial reads are
their own ``get``, run concurrently, and a reference file refuses writes and deletes."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import numpy as np
import pytest
from zarr.abc.store import ByteRequest, OffsetByteRequest, RangeByteRequest, SuffixByteRequest
from zarr.buffer import default_buffer_prototype

import nwbzarr
from nwbzarr.backends.readstore import ReadOnlyStore, ServedStore
from nwbzarr.backends.references import ReferenceStore, parse_references
from nwbzarr.backends.virtual import VirtualStore
from nwbzarr.storage import resolve

RANGES: list[ByteRequest | None] = [
    None,
    RangeByteRequest(2, 5),
    OffsetByteRequest(3),
    SuffixByteRequest(2),
]


def _partial(store: ServedStore, keys: list[str]) -> list[bytes | None]:
    async def run() -> list[bytes | None]:
        pairs = [(key, rng) for key in keys for rng in RANGES]
        prototype = default_buffer_prototype()
        got = await store.get_partial_values(prototype, pairs)
        one_by_one = [await store.get(key, prototype, rng) for key, rng in pairs]
        values = [None if b is None else b.to_bytes() for b in got]
        assert values == [None if b is None else b.to_bytes() for b in one_by_one]
        return values

    return asyncio.run(run())


def test_reference_store_reads_parts_and_refuses_changes(tmp_path: Path) -> None:
    loc = resolve(tmp_path / "x.kerchunk.json")
    document = {"version": 1, "refs": {".zgroup": '{"zarr_format": 2}', "a/0": "base64:AAECAwQF"}}
    store = ReferenceStore(parse_references(loc, document), resolve)
    assert isinstance(store, ReadOnlyStore) and not store.supports_writes
    values = _partial(store, ["a/0", "missing"])
    assert values[:4] == [bytes(range(6)), b"\x02\x03\x04", b"\x03\x04\x05", b"\x04\x05"]
    assert values[4:] == [None] * 4
    message = f"{loc}: a reference file is read-only (writing 'a/0')"
    with pytest.raises(PermissionError, match=re.escape(message)):
        asyncio.run(store.set("a/0", default_buffer_prototype().buffer.from_bytes(b"")))
    message = f"{loc}: a reference file is read-only (deleting 'a/0')"
    with pytest.raises(PermissionError, match=re.escape(message)):
        asyncio.run(store.delete("a/0"))


def test_virtual_store_reads_parts_of_chunks_from_the_hdf5_file(tmp_path: Path) -> None:
    src = tmp_path / "raw.nwb"
    data = np.arange(4000, dtype=np.int32).reshape(1000, 4)
    with nwbzarr.open(src, "w") as root:
        root.create_array("acquisition/raw/data", data, chunks=(250, 4))
    dst = tmp_path / "raw.nwb.zarr"
    nwbzarr.index(src, dst)
    with nwbzarr.open(dst) as root:
        store = root.file.store  # type: ignore[attr-defined]
        assert isinstance(store, VirtualStore) and not store.is_index_key(
            "acquisition/raw/data/c/1/0"
        )
        values = _partial(store, ["acquisition/raw/data/c/1/0", "acquisition/raw/data/c/9/0"])
        np.testing.assert_array_equal(root.array("acquisition/raw/data")[...], data)
    chunk = data[250:500].tobytes()
    assert values[:4] == [chunk, chunk[2:5], chunk[3:], chunk[-2:]]
    assert values[4:] == [None] * 4
