"""Exact failure cases: damaged files, hostile content, unfinished writes.

Each error is the package's own type (also the matching builtin) and its message names the
file, and the path inside it where there is one. Nothing is left behind by a failed conversion,
and a source is never modified.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import os
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np
import pytest
import zarr
from support.corpus import third_party_param

import nwbzarr
from nwbzarr import (
    Array,
    FormatError,
    IncompleteFileError,
    NwbZarrError,
    Reference,
    UnsafeContentError,
    safe_pickle,
)

ELECTRODE_GROUP = "general/extracellular_ephys/electrodes/group"


def as_array(node: object) -> Array:
    assert isinstance(node, Array), node
    return node


def escaped(path: Path) -> str:
    return re.escape(str(path))


# ------------------------------------------------------------------------------------------------
# damaged files
# ------------------------------------------------------------------------------------------------
def test_truncated_hdf5(corpus_file: Callable[[str], Path], tmp_path: Path) -> None:
    path = corpus_file("pynwb42/basic_ecephys.nwb")
    os.truncate(path, path.stat().st_size // 2)
    with pytest.raises(FormatError, match=rf"^{escaped(path)}: cannot open as HDF5") as info:
        nwbzarr.open(path)
    assert isinstance(info.value, OSError)
    assert "truncated file" in str(info.value)
    dst = tmp_path / "out.nwb.zarr"
    with pytest.raises(FormatError, match=rf"^{escaped(path)}: "):
        nwbzarr.convert(path, dst)
    assert not dst.exists()


def test_not_hdf5_at_all(tmp_path: Path) -> None:
    path = tmp_path / "notes.nwb"
    path.write_bytes(b"just text, no signature")
    with pytest.raises(FormatError, match=rf"^{escaped(path)}: not an HDF5 file \(signature"):
        nwbzarr.open(path)


def test_family_member_opened_alone(corpus_copy: Path) -> None:
    member = corpus_copy / "pynwb42" / "family_1.nwb"
    pattern = re.escape(str(member.parent / "family_%d.nwb"))
    with pytest.raises(FormatError, match=rf"one member of an HDF5 family: open '{pattern}'"):
        nwbzarr.open(member)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{garbage", r"zarr\.json is not valid JSON"),
        (b"[1, 2]", r"zarr\.json holds list, not an object"),
        (b'{"zarr_format": 3, "node_type": "array"}', r"the root zarr\.json is not a group"),
    ],
)
def test_damaged_root_zarr_json(
    new_path: Callable[..., Path], content: bytes, message: str
) -> None:
    store = new_path("zarr")
    with nwbzarr.open(store, "w") as root:
        root.create_array("x", np.arange(4))
    (store / "zarr.json").write_bytes(content)
    with pytest.raises(FormatError, match=rf"^{escaped(store)}: {message}") as info:
        nwbzarr.open(store)
    assert isinstance(info.value, OSError)


@pytest.mark.parametrize(
    "key", [".zgroup", ".zattrs", "acquisition/.zattrs", "acquisition/ts_a/data/.zarray"]
)
def test_damaged_zarr_v2_metadata(corpus_file: Callable[[str], Path], key: str) -> None:
    store = corpus_file("hdmfzarr013/ext_a.nwb.zarr")
    (store / key).write_bytes(b"{garbage")
    with (
        pytest.raises(FormatError, match=rf"^{escaped(store)}: {re.escape(key)} is not valid JSON"),
        nwbzarr.open(store) as root,
    ):
        as_array(root["acquisition/ts_a/data"])[...]


def test_damaged_array_metadata_without_consolidation(tmp_path: Path) -> None:
    store = tmp_path / "plain.zarr"
    group = zarr.open_group(store, mode="w", zarr_format=3)
    group.create_array("x", shape=(4,), dtype="int32")
    (store / "x" / "zarr.json").write_bytes(b"{garbage")
    with pytest.raises(FormatError, match=rf"^{escaped(store)}: malformed Zarr metadata"):
        nwbzarr.open(store)


def test_missing_chunk_in_a_store_written_by_nwbzarr(
    new_path: Callable[..., Path], tmp_path: Path
) -> None:
    store = new_path("zarr")
    with nwbzarr.open(store, "w") as root:
        root.create_array("grp/x", np.arange(40, dtype="int32"), chunks=(10,))
    (store / "grp" / "x" / "c" / "2").unlink()
    with nwbzarr.open(store) as root:
        x = as_array(root["grp/x"])
        np.testing.assert_array_equal(x[:20], np.arange(20))  # other chunks still read
        with pytest.raises(FormatError, match=rf"^{escaped(store)}:/grp/x: a chunk is missing"):
            x[...]
    dst = tmp_path / "out.nwb"
    with pytest.raises(FormatError, match=rf"{escaped(store)}:/grp/x: a chunk is missing") as info:
        nwbzarr.convert(store, dst)
    assert any(f"nothing was kept at {dst}" in note for note in info.value.__notes__)
    assert not dst.exists()


# ------------------------------------------------------------------------------------------------
# hostile pickles (hdmf-zarr 0.13 stored object references with numcodecs.Pickle)
# ------------------------------------------------------------------------------------------------
class RunsCommand:
    """Unpickling this calls os.system: what a hostile store would hold."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (self.command,))


def hostile_array(marker: Path, n: int = 4) -> np.ndarray[Any, np.dtype[np.object_]]:
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = RunsCommand(f"touch {marker}")
    return out


def test_pickled_reference_array_that_runs_code(
    corpus_file: Callable[[str], Path], tmp_path: Path
) -> None:
    store = corpus_file("hdmfzarr013/basic_ecephys.nwb.zarr")
    marker = tmp_path / "payload_ran"
    chunk = store / ELECTRODE_GROUP / "0"
    payload = pickle.dumps(hostile_array(marker), protocol=5)
    # the store's own pipeline: Pickle filter, then Blosc
    chunk.write_bytes(numcodecs.Blosc(cname="lz4", clevel=5, shuffle=1).encode(payload))
    with nwbzarr.open(store) as root:
        # the rest of the table reads
        assert (
            list(as_array(root["general/extracellular_ephys/electrodes/location"])[...])
            == ["CA1"] * 4
        )
        with pytest.raises(
            UnsafeContentError,
            match=rf"^{escaped(store)}:/{ELECTRODE_GROUP}: refusing to unpickle posix\.system",
        ) as info:
            as_array(root[ELECTRODE_GROUP])[...]
        assert isinstance(info.value, ValueError | NwbZarrError)
    dst = tmp_path / "out.nwb"
    with pytest.raises(UnsafeContentError, match=r"refusing to unpickle posix\.system"):
        nwbzarr.convert(store, dst)
    assert not dst.exists()
    assert not marker.exists(), "the pickled payload ran"


@pytest.mark.parametrize(
    "rel",
    [
        third_party_param("hdmfzarr013/basic_ecephys.nwb.zarr"),
        third_party_param("hdmfzarr013/basic_ecephys_jsoncodec.nwb.zarr"),
        "pynwb42/basic_ecephys.nwb",
        "hdmfzarr014/basic_ecephys.nwb.zarr",
    ],
)
def test_genuine_pickled_references_still_decode(rel: str, corpus_copy: Path) -> None:
    """The same column as written with the JSON codec, by pynwb to HDF5, by hdmf-zarr 0.14."""
    expected = [Reference("/general/extracellular_ephys/shank0")] * 4
    with nwbzarr.open(corpus_copy / rel) as root:
        assert list(as_array(root[ELECTRODE_GROUP])[...]) == expected


def _reduce_payload(func: Any, *args: Any) -> bytes:
    class Payload:
        def __reduce__(self) -> tuple[Any, ...]:
            return (func, args)

    return pickle.dumps(np.array([Payload()], dtype=object), protocol=5)


def _raw_global(module: str, name: str, arg: str) -> bytes:
    """A protocol-0 pickle calling ``module.name(arg)`` with no numpy wrapper at all."""
    return f"c{module}\n{name}\n(V{arg}\ntR.".encode()


HOSTILE: dict[str, Callable[[Path], bytes]] = {
    "os.system": lambda m: _reduce_payload(os.system, f"touch {m}"),
    "builtins.exec": lambda m: _reduce_payload(exec, f"open({str(m)!r}, 'w').close()"),
    "builtins.eval": lambda m: _raw_global("builtins", "eval", f"open({str(m)!r}, 'w')"),
    "subprocess": lambda m: _raw_global("subprocess", "getoutput", f"touch {m}"),
    "nested in a reference dict": lambda m: pickle.dumps(
        np.array([{"source": ".", "path": RunsCommand(f"touch {m}")}], dtype=object), protocol=5
    ),
    "extension opcode": lambda m: b"\x80\x02\x82\x01\x00.",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_restricted_unpickler_refuses(kind: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(UnsafeContentError):
        safe_pickle.loads(HOSTILE[kind](marker))
    assert not marker.exists()


def test_restricted_unpickler_decodes_plain_references() -> None:
    refs = np.empty(2, dtype=object)
    refs[0] = {"source": ".", "path": "/a", "object_id": None, "source_object_id": None}
    refs[1] = {"source": ".", "path": "/b"}
    out = safe_pickle.loads(pickle.dumps(refs, protocol=5))
    assert [safe_pickle.plain(v) for v in out] == [
        {"source": ".", "path": "/a", "object_id": None, "source_object_id": None},
        {"source": ".", "path": "/b"},
    ]
    with pytest.raises(UnsafeContentError, match="malformed pickle payload"):
        safe_pickle.loads(b"\x80\x05not a pickle")
    with pytest.raises(UnsafeContentError, match="pickle payload is a dict, not an array"):
        safe_pickle.loads(pickle.dumps({"a": 1}))
    buf = io.BytesIO()
    pickle.dump(np.arange(3), buf)  # numbers are not object arrays: refused, not guessed
    with pytest.raises(UnsafeContentError):
        safe_pickle.loads(buf.getvalue())


# ------------------------------------------------------------------------------------------------
# unfinished writes
# ------------------------------------------------------------------------------------------------
def test_aborted_write_is_refused(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    root = nwbzarr.open(path, "w")
    root.create_array("x", np.arange(3))
    root.file.abort()
    with pytest.raises(IncompleteFileError, match=rf"^{escaped(path)}: incomplete") as info:
        nwbzarr.open(path)
    assert isinstance(info.value, FormatError | OSError)


def test_store_without_root_zarr_json_is_incomplete(new_path: Callable[..., Path]) -> None:
    store = new_path("zarr")
    with nwbzarr.open(store, "w") as root:
        root.create_array("grp/x", np.arange(3))
    (store / "zarr.json").unlink()  # the root document is written last
    with pytest.raises(
        IncompleteFileError,
        match=rf"^{escaped(store)}: incomplete Zarr store: it has content but no root zarr\.json",
    ):
        nwbzarr.open(store)


@pytest.mark.parametrize("mode", ["r+", "a"])
def test_incomplete_file_is_not_made_complete_by_modifying_it(
    fmt: str, mode: str, new_path: Callable[..., Path]
) -> None:
    path = new_path(fmt)
    root = nwbzarr.open(path, "w")
    root.create_array("x", np.arange(3))
    root.file.abort()
    with pytest.raises(IncompleteFileError, match="incomplete"):
        nwbzarr.open(path, mode).close()
    with pytest.raises(IncompleteFileError, match="incomplete"):
        nwbzarr.open(path)


def _failing_copy(exc: BaseException) -> Callable[[Any], None]:
    def copy_data(self: Any) -> None:
        raise exc

    return copy_data


@pytest.mark.parametrize("dst_fmt", ["hdf5", "zarr"])
def test_failed_conversion_leaves_nothing(
    dst_fmt: str,
    new_path: Callable[..., Path],
    full_tree: Callable[[Path], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    src = full_tree(new_path("hdf5", "src"))
    dst = new_path(dst_fmt, "dst")
    module = importlib.import_module("nwbzarr.convert")
    monkeypatch.setattr(module.TreeCopier, "copy_data", _failing_copy(OSError("disk full")))
    with pytest.raises(OSError, match="disk full") as info:
        nwbzarr.convert(src, dst)
    assert info.value.__notes__ == [f"while converting {src} to {dst}; nothing was kept at {dst}"]
    assert not dst.exists()


@pytest.mark.parametrize("dst_fmt", ["hdf5", "zarr"])
def test_interrupted_conversion_leaves_an_incomplete_file(
    dst_fmt: str,
    new_path: Callable[..., Path],
    full_tree: Callable[[Path], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    src = full_tree(new_path("hdf5", "src"))
    dst = new_path(dst_fmt, "dst")
    module = importlib.import_module("nwbzarr.convert")
    copy_data = module.TreeCopier.copy_data

    def interrupted_after_copy(self: Any) -> None:  # every chunk written, metadata not final
        copy_data(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(module.TreeCopier, "copy_data", interrupted_after_copy)
    with pytest.raises(KeyboardInterrupt):
        nwbzarr.convert(src, dst)
    assert dst.exists()  # kept, for inspection, but refused as incomplete
    with pytest.raises(IncompleteFileError, match=rf"^{escaped(dst)}: incomplete"):
        nwbzarr.open(dst)
    monkeypatch.undo()
    nwbzarr.convert(src, dst, overwrite=True)  # and replaced by a new conversion
    with nwbzarr.open(dst) as root:
        assert "arrays" in root


def test_incomplete_message_offers_only_real_remedies(new_path: Callable[..., Path]) -> None:
    from nwbzarr.cli import build_parser

    path = new_path("hdf5")
    root = nwbzarr.open(path, "w")
    root.file.abort()
    with pytest.raises(IncompleteFileError) as info:
        nwbzarr.open(path)
    if "--resume" in str(info.value):
        build_parser().parse_args(["convert", "a.nwb", "b.nwb.zarr", "--resume"])


# ------------------------------------------------------------------------------------------------
# sources are never modified
# ------------------------------------------------------------------------------------------------
def digest(path: Path) -> dict[str, str]:
    """The SHA-256 of every file at or below ``path`` (and the modification times)."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    out = {}
    for p in files:
        stat = p.stat()
        out[str(p)] = f"{hashlib.sha256(p.read_bytes()).hexdigest()} {stat.st_mtime_ns}"
    return out


@pytest.mark.parametrize(
    "rel",
    [
        "pynwb42/basic_ecephys.nwb",
        "pynwb42/external_linkdataset.nwb",
        "hdmfzarr014/basic_ecephys.nwb.zarr",
        "hdmfzarr014/ext_b.nwb.zarr",
        third_party_param("hdmfzarr013/basic_ecephys.nwb.zarr"),
        third_party_param("hdmfzarr013/ext_b.nwb.zarr"),
    ],
)
def test_convert_never_modifies_the_source(
    rel: str, corpus_file: Callable[[str], Path], tmp_path: Path
) -> None:
    src = corpus_file(rel)  # writable copy: a write would succeed, so it would show
    before = digest(src.parent)
    out = tmp_path / "out"
    out.mkdir()
    fmt_suffix = ".nwb" if rel.endswith(".zarr") else ".nwb.zarr"
    nwbzarr.convert(src, out / f"a{fmt_suffix}")
    nwbzarr.convert(
        out / f"a{fmt_suffix}", out / f"b{'.nwb.zarr' if fmt_suffix == '.nwb' else '.nwb'}"
    )
    with nwbzarr.open(src) as root:
        list(root.walk())
    assert digest(src.parent) == before


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1])
def test_integer_attribute_beyond_its_type_is_refused_when_set(
    fmt: str, new_path: Callable[..., Path], value: int
) -> None:
    """Both formats refuse it when set (Zarr used to store it and fail on reading)."""
    path = new_path(fmt)
    with nwbzarr.open(path, "w") as root:
        with pytest.raises(nwbzarr.ValidationError) as err:
            root.attrs["big"] = value
        assert str(err.value) == (
            f"{path}:/ attribute 'big': {value} does not fit int64: "
            "Python int too large to convert to C long"
        )
        root.attrs.set("u", 2**64 - 1, np.dtype("uint64"))
    with nwbzarr.open(path) as root:
        assert "big" not in root.attrs
        assert root.attrs["u"] == 2**64 - 1 and root.attrs.type_of("u") == np.dtype("uint64")


def test_zarr_json_integer_beyond_int64_reads_as_uint64_or_fails_by_name(
    new_path: Callable[..., Path],
) -> None:
    """Another writer's JSON integers: up to 2**64 - 1 read as uint64, larger ones fail."""
    path = new_path("zarr")
    with nwbzarr.open(path, "w") as root:
        root.attrs["x"] = 1
    doc_path = path / "zarr.json"
    doc = json.loads(doc_path.read_text())
    doc["attributes"].update(wide=2**64 - 1, wider=2**64)
    doc_path.write_text(json.dumps(doc))
    with nwbzarr.open(path) as root:
        assert root.attrs["wide"] == 2**64 - 1
        assert root.attrs.type_of("wide") == np.dtype("uint64")
        with pytest.raises(FormatError, match=r"attribute 'wider' = 18446744073709551616 does"):
            root.attrs["wider"]
