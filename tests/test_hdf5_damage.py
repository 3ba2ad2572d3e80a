"""Damaged HDF5 files: libhdf5's errors become FormatError naming file and path; structures that
would make libhdf5 (or our walk) loop are refused; compressed chunks are bounded.

Reads that could hang run in the fuzz worker (a subprocess with a deadline), so that a
regression fails the test instead of stalling the suite.
"""

from __future__ import annotations

import re
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import nwbzarr
from nwbzarr import FormatError, SoftLink
from nwbzarr.backends.hdf5 import H5File, heaps
from nwbzarr.testing.fuzz import Worker, read_everything


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    with Worker(timeout=20.0) as w:
        yield w


def _text_file(path: Path) -> Path:
    """A small file of variable-length text, as NWB files are made of."""
    with h5py.File(path, "w", libver="earliest") as f:
        f.attrs["namespace"] = "core"
        f.attrs["neurodata_type"] = "NWBFile"
        group = f.create_group("acquisition/ts")
        group.attrs["description"] = "a series"
        group.create_dataset("data", data=np.arange(10.0))
        f.create_dataset("notes", data=np.array(["a", "bb", "ccc"], dtype=h5py.string_dtype()))
    return path


def _free_object(data: bytes, at: int) -> int:
    """Offset of the free-space object (index 0) of the global heap collection at ``at``."""
    size = struct.unpack_from("<Q", data, at + 8)[0]
    p = at + 16
    while p + 16 <= at + size:
        index, length = (
            struct.unpack_from("<H", data, p)[0],
            struct.unpack_from("<Q", data, p + 8)[0],
        )
        if index == 0:
            return p
        p += 16 + ((length + 7) & ~7)
    raise AssertionError("no free-space object")


@pytest.mark.parametrize("size", [0, 2**64 - 1, 2**64 - 16])
def test_global_heap_that_would_loop_is_refused(tmp_path: Path, worker: Worker, size: int) -> None:
    """A free-space object of size 0 (what a zeroed block inside a collection makes), or of a
    size that wraps libhdf5's 64-bit pointer arithmetic (what 0xFF bytes make), would send
    libhdf5 into an endless loop on the first text value read: refused, naming the byte."""
    path = _text_file(tmp_path / "heap.nwb")
    data = bytearray(path.read_bytes())
    at = data.find(heaps.SIGNATURE)
    free = _free_object(bytes(data), at)
    data[free + 8 : free + 16] = size.to_bytes(8, "little")
    path.write_bytes(bytes(data))
    assert heaps.stalled_object(bytes(data), at) == free
    answer = worker.request({"op": "read", "path": str(path)})
    assert answer["outcome"] == "clean:FormatError", answer
    expected = f"global heap collection at byte {at} holds an object of size {size} at byte"
    assert expected in answer["message"]
    with nwbzarr.open(path) as root:  # numbers still read; every text read is refused
        assert list(root.array("acquisition/ts/data")[:3]) == [0.0, 1.0, 2.0]
        for _ in range(2):
            with pytest.raises(FormatError, match=rf"^{re.escape(str(path))}: damaged HDF5"):
                root.attrs["namespace"]


def test_healthy_heaps_pass(tmp_path: Path) -> None:
    path = _text_file(tmp_path / "ok.nwb")
    data = path.read_bytes()
    at = data.find(heaps.SIGNATURE)
    assert at > 0 and heaps.stalled_object(data, at) is None
    assert read_everything(str(path))["attrs"] == 3


class _Boom:
    """Stands in for one h5py low-level function: raises what h5py raises on damage."""

    def __init__(self, err: BaseException) -> None:
        self.err = err

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise self.err


LIBHDF5_FAILURES = [
    KeyError("Can't synchronously determine if attribute exists by name (dataspace dim 0 size "
             "of 5 is greater than maxdim size of 2)"),
    RuntimeError("Can't retrieve object name (bad symbol table node signature)"),
    RuntimeError("Get failed (bad flag combination for message)"),
    OSError("Unable to synchronously open object (message not aligned)"),
    ValueError("Unable to read attribute (gap found in early version of file format)"),
    SystemError("error return without exception set"),
    OverflowError("Python int too large to convert to C long"),
]  # fmt: skip


@pytest.mark.parametrize("err", LIBHDF5_FAILURES, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize(
    ("target", "touch"),
    [
        ("h5a.exists", lambda root: "x" in root.attrs),
        ("h5a.open", lambda root: root.attrs["namespace"]),
        ("h5o.open", lambda root: root["acquisition"]),
        ("h5a.iterate", lambda root: list(root.attrs)),
        ("h5r.get_name", None),
    ],
    ids=["h5a.exists", "h5a.open", "h5o.open", "h5a.iterate", "h5r.get_name"],
)
def test_libhdf5_errors_become_format_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    err: BaseException,
    target: str,
    touch: Callable[[Any], Any] | None,
) -> None:
    """Whatever h5py raises from a low-level call on a read path: FormatError naming the file
    and the path inside it, chained to h5py's error."""
    path = _text_file(tmp_path / "f.nwb")
    if touch is None:  # a reference column: its target names are looked up through h5r
        with h5py.File(path, "a") as f:
            f.create_dataset("refs", data=np.array([f["notes"].ref], dtype=h5py.ref_dtype))

        def touch(root: Any) -> Any:
            return root.array("refs")[...]

    module, name = target.split(".")
    # attributes decoded from object headers skip libhdf5: these calls are its fallback
    monkeypatch.setattr(H5File, "node_header", lambda self, node: None)
    monkeypatch.setattr(H5File, "has_attribute", lambda self, *args: None)
    with nwbzarr.open(path) as root:
        monkeypatch.setattr(getattr(h5py, module), name, _Boom(err))
        with pytest.raises(FormatError, match=rf"^{re.escape(str(path))}:/") as info:
            touch(root)
    assert info.value.__cause__ is err
    assert str(err).split(" (")[0] in str(info.value)


def test_damaged_symbol_table_names_file_and_group(tmp_path: Path) -> None:
    """A real damaged structure (the signature of a symbol table node): listing the group
    fails with FormatError naming the file and the group."""
    path = _text_file(tmp_path / "f.nwb")
    data = bytearray(path.read_bytes())
    for at in [m.start() for m in re.finditer(b"SNOD", bytes(data))]:
        data[at : at + 4] = b"XXXX"
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match=rf"^{re.escape(str(path))}:/") as info:
        read_everything(str(path))
    assert "symbol table" in str(info.value) or "signature" in str(info.value)


def test_hard_link_cycle_is_a_soft_link(tmp_path: Path) -> None:
    """A hard link back to a group above: the walk ends, the member reads as a soft link."""
    path = tmp_path / "cycle.nwb"
    with h5py.File(path, "w") as f:
        inner = f.create_group("a/b")
        inner["up"] = f["a"]
        inner["root"] = f["/"]
        inner.create_dataset("x", data=[1, 2])
    with nwbzarr.open(path) as root:
        paths = [p for p, _ in root.walk()]
        assert paths == ["/a", "/a/b", "/a/b/root", "/a/b/up", "/a/b/x"]
        assert root.get_link("a/b/up") == SoftLink("/a")
        assert root.get_link("a/b/root") == SoftLink("/")
        assert list(root.array("a/b/up/b/x")[...]) == [1, 2]
    assert read_everything(str(path))["arrays"] == 1


def _deflate_bomb(nbytes: int) -> bytes:
    """A zlib stream of ``nbytes`` zeros, about nbytes / 1000 long."""
    block = 64 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = comp.compress(bytes(block)) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush(zlib.Z_FINISH)
    count = max(1, nbytes // block)
    adler = ((count * block) % 65521) << 16 | 1
    return b"\x78\xda" + piece * count + tail + adler.to_bytes(4, "big")


@pytest.mark.parametrize("shuffle", [False, True])
def test_hdf5_deflate_bomb_refused(tmp_path: Path, worker: Worker, shuffle: bool) -> None:
    """A 1 MiB deflate chunk of an 8 kB array that inflates to 1 GiB: refused in well under a
    second, naming the chunk, and nothing near 1 GiB is allocated (the worker has 2 GiB)."""
    path = tmp_path / "bomb.nwb"
    with h5py.File(path, "w") as f:
        data = np.arange(2000, dtype="int64")
        f.create_dataset("x", data=data, chunks=(1000,), compression="gzip", shuffle=shuffle)
    bomb = _deflate_bomb(1 << 30)
    assert len(bomb) < 1_100_000
    with h5py.File(path, "r+") as f:
        f["x"].id.write_direct_chunk((1000,), bomb)
    args = {"path": str(path), "array_path": "x", "n": 10}
    first = worker.request({"op": "window", "args": args})
    assert first["window"] == [float(i) for i in range(10)]  # chunk 0 is healthy
    t0 = time.perf_counter()
    with nwbzarr.open(path) as root:
        with pytest.raises(FormatError, match=r"x chunk \(1,\): damaged or hostile chunk: its "
                           r"deflate data decodes to more than 8\d* bytes"):  # fmt: skip
            root.array("x")[995:1005]
        assert list(root.array("x")[:3]) == [0, 1, 2]
    assert time.perf_counter() - t0 < 2.0
    answer = worker.request({"op": "read", "path": str(path)})
    assert answer["outcome"] == "clean:FormatError", answer


def test_healthy_compressed_chunks_read(tmp_path: Path) -> None:
    """Large healthy deflate chunks (checked before their first read) read back equal."""
    path = tmp_path / "big.nwb"
    rng = np.random.default_rng(0)
    data = rng.integers(0, 50, size=(40_000, 16)).astype("int32")
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=data, chunks=(20_000, 16), compression="gzip", shuffle=True)
    with nwbzarr.open(path) as root:
        array = root.array("x")
        assert np.array_equal(array[...], data)
        assert np.array_equal(array[19_990:20_010, 3], data[19_990:20_010, 3])
        assert np.array_equal(array[[0, 39_999], :], data[[0, 39_999], :])


def test_damaged_text_length_is_refused_before_allocation(tmp_path: Path, worker: Worker) -> None:
    """A variable-length value whose stored length is damaged (2**31 - 1): libhdf5 would
    allocate that much before finding the value's address bad; refused, naming the dataset."""
    path = _text_file(tmp_path / "len.nwb")
    with h5py.File(path, "r") as f:
        offset = f["notes"].id.get_offset()
    data = bytearray(path.read_bytes())
    data[offset + 16 : offset + 20] = (2**31 - 1).to_bytes(4, "little")  # the second value
    path.write_bytes(bytes(data))
    answer = worker.request({"op": "read", "path": str(path)})
    assert answer["outcome"] == "clean:FormatError", answer
    assert answer["seconds"] < 5.0
    message = r"notes: damaged variable-length value: 2147483647"
    with nwbzarr.open(path) as root, pytest.raises(FormatError, match=message):
        root.array("notes")[...]


def _heap_id_offsets(path: Path) -> list[int]:
    """Offsets of every stored heap ID (length field) naming a collection of the file."""
    data = path.read_bytes()
    collections = heaps.check_file(str(path), str(path))
    found = []
    for address in collections:
        needle = struct.pack("<Q", address)
        at = data.find(needle)
        while at >= 0:
            if not any(a <= at < a + n for a, n in collections.items()):  # not heap contents
                found.append(at - 4)
            at = data.find(needle, at + 1)
    return sorted(found)


def _damage_length(path: Path, at: int, length: int = 2**31 - 1) -> None:
    data = bytearray(path.read_bytes())
    data[at : at + 4] = length.to_bytes(4, "little")
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("libver", ["earliest", "latest"])
def test_damaged_text_attribute_length_is_refused(
    tmp_path: Path, worker: Worker, libver: str
) -> None:
    """A text attribute whose stored length is damaged lives in an object header (version 1,
    in a continuation chunk or not): read there and refused, naming the attribute, before
    libhdf5 allocates it. Version 2 headers carry a checksum, which libhdf5 checks first."""
    path = tmp_path / "attr.nwb"
    with h5py.File(path, "w", libver=libver) as f:
        group = f.create_group("acquisition/ts")
        group.attrs["neurodata_type"] = "TimeSeries"
        for i in range(6):  # enough to need a continuation chunk
            group.attrs[f"note{i}"] = "x" * (40 * i + 1)
        group.attrs["description"] = "the damaged one"
        description = h5py.h5a.open(group.id, b"description")
    healthy = path.read_bytes()
    with h5py.File(path, "r") as f:
        header = h5py.h5o.get_info(f["acquisition/ts"].id).addr
    del description
    # the heap ID of 'description': the one of its collection whose object holds its text
    for at in _heap_id_offsets(path):
        path.write_bytes(healthy)
        _damage_length(path, at)
        answer = worker.request({"op": "read", "path": str(path)})
        assert answer["outcome"].startswith("clean:"), answer
        assert answer["seconds"] < 5.0
    path.write_bytes(healthy)
    target = [at for at in _heap_id_offsets(path) if at > header][-1]
    _damage_length(path, target)
    message = (
        r"acquisition/ts attribute 'description': damaged variable-length value: 2147483647"
        if libver == "earliest"
        else r"acquisition/ts: cannot open: .*incorrect metadata checksum"  # version 2 headers
    )
    with nwbzarr.open(path) as root, pytest.raises(FormatError, match=message):
        root["acquisition/ts"].attrs["description"]


def test_damaged_length_in_a_chunk_is_refused(tmp_path: Path) -> None:
    """Heap IDs of a chunked (unfiltered) text dataset are checked in its chunks."""
    path = tmp_path / "chunked.nwb"
    with h5py.File(path, "w") as f:
        values = np.array(["abc", "defg"] * 10, dtype=object)
        f.create_dataset("t", data=values, dtype=h5py.string_dtype(), chunks=(5,), maxshape=(None,))
    _damage_length(path, _heap_id_offsets(path)[7])
    with nwbzarr.open(path) as root, pytest.raises(FormatError, match=r"t: damaged variable"):
        root.array("t")[...]


def test_header_parser_finds_every_text_attribute(corpus: Path) -> None:
    """On healthy files of every writer, the header parser finds exactly the variable-length
    attributes h5py lists, and none of them damaged (no false alarm)."""
    from nwbzarr.backends.hdf5 import headers

    checked = 0
    generated = sorted(p for p in (corpus / "pynwb42").glob("*.nwb") if "family" not in p.name)
    third_party = sorted((corpus / "hdf5").glob("*.nwb"))[::3]  # absent without ../shared
    for path in [*generated, *third_party]:
        collections = heaps.check_file(str(path), str(path))
        with h5py.File(path, "r") as f:
            fd, size = f.id.get_vfd_handle(), f.id.get_filesize()
            names: list[str] = []
            f.visit(names.append)
            for obj in [f, *(f[name] for name in names)]:
                address = h5py.h5o.get_info(obj.id).addr
                found = headers.variable_length_attributes(fd, address, size)
                assert found is not None, (path.name, obj.name)
                expected = {
                    name
                    for name in obj.attrs
                    if h5py.h5a.open(obj.id, name.encode()).get_type().get_class()
                    in (h5py.h5t.VLEN, h5py.h5t.STRING)
                    and h5py.check_vlen_dtype(obj.attrs.get_id(name).dtype) is not None
                }
                assert set(found) == expected, (path.name, obj.name)
                assert headers.damaged_attributes(fd, address, size, collections) == {}
                checked += len(found)
    assert checked > 100
