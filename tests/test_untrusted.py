"""Untrusted content: hostile pickles, keys and links that escape the store, odd attributes.

Complements tests/test_errors.py: every pickle here names something that would run code; the
restricted unpickler refuses it with UnsafeContentError and the side effect never happens.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import pickle
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np
import pytest
import zarr

import nwbzarr
from nwbzarr import FormatError, LinkError, LinkPolicyError, UnsafeContentError, safe_pickle
from nwbzarr.testing import values_equal

ELECTRODE_GROUP = "general/extracellular_ephys/electrodes/group"


# ------------------------------------------------------------------------------------------------
# pickles
# ------------------------------------------------------------------------------------------------
def _global(proto: int, module: str, name: str, arg: str) -> bytes:
    """A pickle that calls ``module.name(arg)`` via GLOBAL/STACK_GLOBAL + REDUCE."""
    if proto == 0:
        return f"c{module}\n{name}\n(V{arg}\ntR.".encode()
    head = b"\x80" + bytes([proto])
    if proto >= 4:

        def u(s: str) -> bytes:
            b = s.encode()
            return b"\x8c" + bytes([len(b)]) + b

        return head + u(module) + u(name) + b"\x93" + u(arg) + b"\x85R."
    return (
        head
        + f"c{module}\n{name}\n".encode()
        + b"X"
        + len(arg).to_bytes(4, "little")
        + arg.encode()
        + b"\x85R."
    )


class _Reduce:
    def __init__(self, func: Any, *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.func, self.args)


def _in_array(obj: Any, proto: int = 5) -> bytes:
    out = np.empty(1, dtype=object)
    out[0] = obj
    return pickle.dumps(out, protocol=proto)


def payloads(marker: Path) -> dict[str, bytes]:
    touch = f"touch {marker}"
    py = f"open({str(marker)!r}, 'w').close()"
    out = {
        "os.system in array": _in_array(_Reduce(os.system, touch)),
        "builtins.eval in array": _in_array(_Reduce(eval, py)),
        "subprocess.Popen in array": _in_array(_Reduce(subprocess.Popen, ["touch", str(marker)])),
        # a REDUCE on a class the unpickler allows: dict(...) with a code-running argument
        "allowed class, hostile argument": _in_array(_Reduce(dict, _Reduce(os.system, touch))),
        "allowed reconstructor, hostile class": _in_array(
            _Reduce(np.core.multiarray._reconstruct, _Reduce(os.system, touch), (0,), b"b")
        ),
    }
    for proto in (0, 2, 5):
        out[f"posix.system proto {proto}"] = _global(proto, "posix", "system", touch)
        out[f"builtins.eval proto {proto}"] = _global(proto, "builtins", "eval", py)
    return out


@pytest.mark.parametrize("kind", sorted(payloads(Path("/x"))))
def test_hostile_pickles_refused(kind: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(UnsafeContentError):
        safe_pickle.loads(payloads(marker)[kind])
    assert not marker.exists(), "the payload ran"


@pytest.fixture
def pickled_store(corpus_file: Callable[[str], Path]) -> Path:
    """hdmf-zarr 0.13's store, which pickles references (third-party: skips when absent)."""
    return corpus_file("hdmfzarr013/basic_ecephys.nwb.zarr")


@pytest.mark.parametrize(
    "kind",
    [
        "posix.system proto 0",
        "posix.system proto 2",
        "subprocess.Popen in array",
        "allowed class, hostile argument",
    ],
)
def test_hostile_pickle_in_a_store(kind: str, pickled_store: Path, tmp_path: Path) -> None:
    """Read and convert: refused, nothing runs, the rest of the file reads."""
    marker = tmp_path / "ran"
    chunk = pickled_store / ELECTRODE_GROUP / "0"
    chunk.write_bytes(
        numcodecs.Blosc(cname="lz4", clevel=5, shuffle=1).encode(payloads(marker)[kind])
    )
    with nwbzarr.open(pickled_store) as root:
        with pytest.raises(UnsafeContentError):
            root.array(ELECTRODE_GROUP)[...]
        assert len(root.array("general/extracellular_ephys/electrodes/location")[...]) == 4
    with pytest.raises(UnsafeContentError):
        nwbzarr.convert(pickled_store, tmp_path / "out.nwb")
    assert not marker.exists(), "the payload ran"


def test_plain_values_only() -> None:
    """What the unpickler builds is made of dicts, lists, strings and numbers."""
    refs = np.empty(1, dtype=object)
    refs[0] = {"source": ".", "path": "/a", "object_id": None}
    out = safe_pickle.loads(pickle.dumps(refs, protocol=5))
    value = safe_pickle.plain(out[0])
    assert type(value) is dict and value == {"source": ".", "path": "/a", "object_id": None}


# ------------------------------------------------------------------------------------------------
# keys and links that try to escape the store
# ------------------------------------------------------------------------------------------------
def _small_store(path: Path) -> Path:
    with nwbzarr.open(path, "w") as root:
        root.create_array("grp/x", np.arange(4))
    return path


@pytest.mark.parametrize("key", ["../evil", "grp/../../evil", "grp//x", ".", "grp/./x", "a/.."])
def test_consolidated_keys_that_escape(key: str, tmp_path: Path) -> None:
    store = _small_store(tmp_path / "s.nwb.zarr")
    doc = json.loads((store / "zarr.json").read_text())
    meta = doc["consolidated_metadata"]["metadata"]
    meta[key] = meta["grp/x"]
    (store / "zarr.json").write_text(json.dumps(doc))
    with pytest.raises(FormatError, match=r"escapes the store|refusing"):
        nwbzarr.open(store)


def test_leading_slash_key_stays_inside(tmp_path: Path) -> None:
    """'/abs' names the node 'abs' of this store (never a path of the file system)."""
    store = _small_store(tmp_path / "s.nwb.zarr")
    doc = json.loads((store / "zarr.json").read_text())
    doc["consolidated_metadata"]["metadata"]["/abs"] = doc["consolidated_metadata"]["metadata"][
        "grp/x"
    ]
    (store / "zarr.json").write_text(json.dumps(doc))
    try:
        root = nwbzarr.open(store)
    except FormatError:
        return
    with root, pytest.raises(FormatError, match="chunk is missing"):
        root.array("abs")[...]  # its chunks would be at <store>/abs/c/..., which is empty


def test_v2_consolidated_keys_that_escape(tmp_path: Path) -> None:
    """hdmf-zarr 0.13 .zmetadata (used for remote stores): a '..' key is refused."""
    import fsspec

    fs = fsspec.filesystem("memory")
    base = "/untrusted-v2.zarr"
    fs.pipe(f"{base}/.zgroup", b'{"zarr_format": 2}')
    zarray = {
        "zarr_format": 2,
        "shape": [3],
        "chunks": [3],
        "dtype": "<i8",
        "compressor": None,
        "fill_value": 0,
        "filters": None,
        "order": "C",
    }
    meta = {
        "zarr_consolidated_format": 1,
        "metadata": {
            ".zgroup": {"zarr_format": 2},
            "../evil/.zarray": zarray,
            "../evil/.zattrs": {},
        },
    }
    fs.pipe(f"{base}/.zmetadata", json.dumps(meta).encode())
    with pytest.raises(FormatError, match=r"escapes the store|refusing"):
        nwbzarr.open(f"memory://{base}")


def _store_with_link(path: Path, source: str, target: str = "/x") -> Path:
    with nwbzarr.open(path, "w") as root:
        root.create_group("g")
        root.set_link("g/l", nwbzarr.ExternalLink(source, target))
    return path


@pytest.mark.parametrize("source", ["../../../../etc", "/etc", "file:///etc/passwd"])
def test_links_refused_by_policy_none(source: str, tmp_path: Path) -> None:
    store = _store_with_link(tmp_path / "s.nwb.zarr", source)
    with nwbzarr.open(store, links="none") as root, pytest.raises(LinkPolicyError):
        root["g/l"]


@pytest.mark.parametrize(
    "source",
    [
        "../../../../outside.nwb.zarr",
        "/etc/passwd",
        "file:///etc/passwd",
        "https://elsewhere.example/x.nwb",
    ],
)
def test_links_from_a_url_that_escape(source: str, tmp_path: Path) -> None:
    """A store opened from a URL may not link to local files, other hosts or above its bucket."""
    import fsspec

    local = _store_with_link(tmp_path / "s.nwb.zarr", source)
    fs = fsspec.filesystem("memory")
    remote = f"/bucket{abs(hash(source))}/s.nwb.zarr"
    fs.put(str(local), remote, recursive=True)
    with nwbzarr.open(f"memory://{remote}") as root, pytest.raises(LinkPolicyError):
        root["g/l"]


@pytest.mark.parametrize("path", ["/../../etc", "/..", "/g/../../x"])
def test_soft_links_with_dots(path: str, tmp_path: Path) -> None:
    for fmt in ("f.nwb", "f.nwb.zarr"):
        with nwbzarr.open(tmp_path / fmt, "w") as root:
            root.create_group("g")
            root.set_link("l", nwbzarr.SoftLink(path))
        with nwbzarr.open(tmp_path / fmt) as root, pytest.raises(LinkError):
            root["l"]


# ------------------------------------------------------------------------------------------------
# attribute values that are not JSON-safe
# ------------------------------------------------------------------------------------------------
ODD: dict[str, Any] = {
    "nan": float("nan"),
    "inf": float("inf"),
    "-inf": float("-inf"),
    "np.float64 nan": np.float64("nan"),
    "np.int64": np.int64(-(2**62)),
    "np.uint64 max": np.uint64(2**64 - 1),
    "np.bool_": np.bool_(False),
    "bytes": b"\x00\xffraw",
    "float array with nan": np.array([1.0, np.nan, np.inf]),
    "int list": [1, 2, 3],
    "text list": ["a", "b"],
    "unicode": "μV \u2603",
}


@pytest.mark.parametrize("kind", sorted(ODD))
@pytest.mark.parametrize("fmt", ["hdf5", "zarr"])
def test_odd_attribute_values(fmt: str, kind: str, tmp_path: Path) -> None:
    """Stored and read back equal (or refused cleanly at set time); on Zarr, a non-finite float
    is the float token zarr-python and hdmf-zarr write, so they read it back as a float."""
    value = ODD[kind]
    path = tmp_path / ("f.nwb" if fmt == "hdf5" else "f.nwb.zarr")
    with nwbzarr.open(path, "w") as root:
        try:
            root.attrs["v"] = value
        except (nwbzarr.NwbZarrError, ValueError, TypeError):
            stored = False
        else:
            stored = True
    if fmt == "zarr":
        _check_zarr_document(path, value if stored else None)
    with nwbzarr.open(path) as root:
        if not stored:
            assert "v" not in root.attrs
            return
        got = root.attrs["v"]
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(float(got))
        else:
            assert values_equal(np.asarray(got), np.asarray(value)), (got, value)


def _check_zarr_document(path: Path, value: Any) -> None:
    """The document parses as JSON; only a non-finite float may use the NaN/Infinity tokens
    (what zarr-python itself writes for such attributes), and zarr-python reads it as a float."""
    allowed = isinstance(value, float | np.floating) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "f"
    )

    def constant(name: str) -> float:
        assert allowed, f"zarr.json holds the constant {name} for {value!r}"
        return float(name.replace("Infinity", "inf"))

    json.loads((path / "zarr.json").read_text(), parse_constant=constant)
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        got = zarr.open_group(path, mode="r").attrs["v"]
        assert isinstance(got, float), got
        assert (math.isnan(got) and math.isnan(value)) or got == value


def test_nested_attribute_values(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Dicts and ragged lists: refused at set time (never at close, which loses the file)."""
    for fmt in ("f.nwb", "f.nwb.zarr"):
        path = tmp_path / fmt
        with nwbzarr.open(path, "w") as root:
            for i, value in enumerate([{"a": 1}, [[1, 2], [3]], [1, "a"], [b"x"]]):
                with contextlib.suppress(nwbzarr.NwbZarrError, ValueError, TypeError):
                    root.attrs[f"v{i}"] = value
        with nwbzarr.open(path) as root:
            assert all(root.attrs[k] is not None for k in root.attrs)


def test_float32_nan_attribute(tmp_path: Path) -> None:
    path = tmp_path / "f.nwb.zarr"
    with nwbzarr.open(path, "w") as root:
        root.attrs["v"] = np.float32("nan")
    _check_zarr_document(path, np.float32("nan"))
    with nwbzarr.open(path) as root:
        assert math.isnan(root.attrs["v"]) and root.attrs.type_of("v") == np.dtype("float32")
