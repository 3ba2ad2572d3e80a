"""A small writer of LINDI files (``.lindi.json``, ``.lindi.tar``) from HDF5 files, for tests.

LINDI's format is documented (its ``docs/special_zarr_annotations.md`` and ``docs/tar.md``): a
kerchunk version-1 reference JSON (``{"version": 1, "refs": {...}}``) of a Zarr format 2 store,
with LINDI's annotations for what Zarr 2 cannot say (``_SCALAR``, ``_SOFT_LINK``,
``_REFERENCE``, ``_COMPOUND_DTYPE``, ``_EXTERNAL_ARRAY_LINK``), and a tar form whose first
member ``.tar_entry.json`` says where ``.tar_index.json`` is, which lists ``lindi.json`` and
the blobs (chunks kept in the tar, referenced as ``./blobs/NAME``).

This writer follows that text, reading the HDF5 file with h5py, so that the LINDI tests run
from a fresh clone (the ``lindi`` package needs zarr < 3). Chunks of chunked or contiguous
numeric datasets larger than ``inline_bytes`` are byte-range references ``[url, offset,
size]`` into the HDF5 file (gzip and shuffle as numcodecs filters); smaller ones, and every
text, reference and compound dataset, are inline.
"""

from __future__ import annotations

import base64
import io
import json
import math
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import h5py
import numcodecs
import numpy as np

JSON_CODEC = numcodecs.JSON()
SESSION_ROWS, SESSION_CHANNELS, SESSION_CHUNK_ROWS = 40_000, 8, 16_384
ENTRY_BYTES = 1024  # .tar_entry.json is always 1024 bytes (padded with spaces)


class _Writer:
    def __init__(
        self,
        f: h5py.File,
        url: str,
        inline_bytes: int,
        external_chunks: int | None,
        blobs: bool,
    ) -> None:
        self.f = f
        self.url = url
        self.inline_bytes = inline_bytes
        self.external_chunks = external_chunks
        self.blobs = blobs
        self.refs: dict[str, Any] = {}
        self.blob_data: dict[str, bytes] = {}
        self.root_id = str(f.attrs.get("object_id", ""))

    # ----- values
    def reference(self, ref: Any) -> dict[str, Any]:
        target = self.f[ref]
        return {
            "_REFERENCE": {
                "object_id": _text(target.attrs.get("object_id")),
                "path": target.name,
                "source": ".",
                "source_object_id": self.root_id,
            }
        }

    def attr_value(self, value: Any) -> Any:
        if isinstance(value, h5py.Reference):
            return self.reference(value)
        if isinstance(value, bytes):
            return value.decode("utf-8")
        if isinstance(value, np.ndarray):
            return [self.attr_value(v) for v in value.tolist()]
        if isinstance(value, np.generic):
            return value.item()
        return value

    def put_json(self, key: str, value: Any) -> None:
        self.refs[key] = json.dumps(value, sort_keys=True)

    def put_bytes(self, key: str, data: bytes) -> None:
        if self.blobs and len(data) > 64:
            name = f"blobs/{key.replace('/', '_')}"
            self.blob_data[name] = data
            self.refs[key] = [f"./{name}", 0, len(data)]
            return
        try:
            text = data.decode("ascii")
            self.refs[key] = text if not text.startswith("base64:") else _b64(data)
        except UnicodeDecodeError:
            self.refs[key] = _b64(data)

    # ----- nodes
    def group(self, group: h5py.Group, key: str) -> None:
        self.put_json(_k(key, ".zgroup"), {"zarr_format": 2})
        attrs = {n: self.attr_value(v) for n, v in group.attrs.items()}
        if attrs:
            self.put_json(_k(key, ".zattrs"), attrs)
        for name in group:
            link = group.get(name, getlink=True)
            child = f"{key}/{name}" if key else name
            if isinstance(link, h5py.SoftLink):
                self.put_json(_k(child, ".zgroup"), {"zarr_format": 2})
                self.put_json(_k(child, ".zattrs"), {"_SOFT_LINK": {"path": link.path}})
                continue
            if isinstance(link, h5py.ExternalLink):
                continue  # LINDI does not represent external links
            node = group[name]
            if isinstance(node, h5py.Group):
                self.group(node, child)
            else:
                self.dataset(node, child)

    def dataset(self, ds: h5py.Dataset, key: str) -> None:
        attrs = {n: self.attr_value(v) for n, v in ds.attrs.items()}
        scalar = ds.shape == ()
        shape = [1] if scalar else list(ds.shape)
        if scalar:
            attrs["_SCALAR"] = True
        kind = _kind(ds)
        if kind == "numeric" and self._virtual(ds, key, shape, attrs):
            return
        values = ds[()]
        if kind == "numeric":
            arr = np.asarray(values).reshape(shape)
            zarray = _zarray(shape, arr.dtype.str, None, [], arr.dtype.type(ds.fillvalue).item())
            self._inline_chunk(key, arr.tobytes(), zarray, attrs)
            return
        flat = np.asarray(values, dtype=object).reshape(-1)
        if kind == "compound":
            names = ds.dtype.names or ()
            attrs["_COMPOUND_DTYPE"] = [
                [n, "<REFERENCE>" if _is_ref(ds.dtype[n]) else ds.dtype[n].str] for n in names
            ]
            items: list[Any] = [[self.attr_value(row[n]) for n in names] for row in ds[()]]
        else:
            items = [self.attr_value(v) for v in flat]
        obj = np.empty(len(items), dtype=object)
        obj[:] = items
        zarray = _zarray(shape, "|O", None, [JSON_CODEC.get_config()], 0)
        self._inline_chunk(key, JSON_CODEC.encode(obj), zarray, attrs)

    def _inline_chunk(
        self, key: str, data: bytes, zarray: dict[str, Any], attrs: dict[str, Any]
    ) -> None:
        zarray["chunks"] = list(zarray["shape"]) or [1]
        self.put_json(_k(key, ".zarray"), zarray)
        self.put_json(_k(key, ".zattrs"), attrs)
        if math.prod(zarray["shape"]):
            self.put_bytes(_k(key, ".".join("0" for _ in zarray["shape"])), data)

    def _virtual(self, ds: h5py.Dataset, key: str, shape: list[int], attrs: dict[str, Any]) -> bool:
        """Byte-range references (or an external array link) for a chunked/contiguous dataset."""
        plist = ds.id.get_create_plist()
        if ds.shape == () or plist.get_layout() not in (h5py.h5d.CHUNKED, h5py.h5d.CONTIGUOUS):
            return False
        filters = _filters(ds)
        if filters is None:
            return False
        fill = ds.dtype.type(ds.fillvalue).item()
        if plist.get_layout() == h5py.h5d.CONTIGUOUS:
            offset = ds.id.get_offset()
            if offset is None or ds.nbytes <= self.inline_bytes:
                return False
            self.put_json(_k(key, ".zarray"), _zarray(shape, ds.dtype.str, shape, [], fill))
            self.put_json(_k(key, ".zattrs"), attrs)
            self.refs[_k(key, ".".join("0" for _ in shape))] = [self.url, offset, ds.nbytes]
            return True
        chunks = list(ds.chunks)
        count = ds.id.get_num_chunks()
        if self.external_chunks is not None and count > self.external_chunks:
            attrs["_EXTERNAL_ARRAY_LINK"] = {
                "link_type": "hdf5_dataset",
                "url": self.url,
                "name": ds.name.lstrip("/"),  # as LINDI 0.4.6 writes it
            }
            self.put_json(_k(key, ".zarray"), _zarray(shape, ds.dtype.str, chunks, filters, fill))
            self.put_json(_k(key, ".zattrs"), attrs)
            return True
        self.put_json(_k(key, ".zarray"), _zarray(shape, ds.dtype.str, chunks, filters, fill))
        self.put_json(_k(key, ".zattrs"), attrs)
        for i in range(count):
            info = ds.id.get_chunk_info(i)
            index = ".".join(str(o // c) for o, c in zip(info.chunk_offset, chunks, strict=True))
            if info.size > self.inline_bytes:
                self.refs[_k(key, index)] = [self.url, info.byte_offset, info.size]
            else:
                _mask, raw = ds.id.read_direct_chunk(info.chunk_offset)
                self.put_bytes(_k(key, index), bytes(raw))
        return True


def _k(key: str, leaf: str) -> str:
    return f"{key}/{leaf}" if key else leaf


def _b64(data: bytes) -> str:
    return "base64:" + base64.b64encode(data).decode()


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def _is_ref(dtype: np.dtype[Any]) -> bool:
    return h5py.check_dtype(ref=dtype) is not None


def _kind(ds: h5py.Dataset) -> str:
    if ds.dtype.names is not None:
        return "compound"
    if ds.dtype.kind in "biuf" and h5py.check_dtype(vlen=ds.dtype) is None:
        return "numeric"
    return "object"  # text, references


def _filters(ds: h5py.Dataset) -> list[dict[str, Any]] | None:
    """The numcodecs filters that decode the dataset's stored chunks, None if there are none."""
    out: list[dict[str, Any]] = []
    plist = ds.id.get_create_plist()
    for i in range(plist.get_nfilters()):
        code, _flags, values, _name = plist.get_filter(i)
        if code == h5py.h5z.FILTER_SHUFFLE:
            out.append({"id": "shuffle", "elementsize": ds.dtype.itemsize})
        elif code == h5py.h5z.FILTER_DEFLATE:
            out.append({"id": "zlib", "level": int(values[0]) if values else 4})
        else:
            return None
    return out


def _zarray(
    shape: list[int], dtype: str, chunks: list[int] | None, filters: list[Any], fill: Any
) -> dict[str, Any]:
    return {
        "chunks": chunks if chunks is not None else (list(shape) or [1]),
        "compressor": None,
        "dtype": dtype,
        "fill_value": fill,
        "filters": filters or None,
        "order": "C",
        "shape": shape,
        "zarr_format": 2,
    }


def write_lindi(
    h5path: Path,
    out: Path,
    *,
    url: str | None = None,
    inline_bytes: int = 4096,
    external_chunks: int | None = None,
) -> Path:
    """Write the LINDI index of the HDF5 file ``h5path`` at ``out`` (``.lindi.json`` or
    ``.lindi.tar``); chunk references name ``url`` (default: the file's name, relative)."""
    tar = out.name.endswith(".tar")
    with h5py.File(h5path, "r") as f:
        writer = _Writer(f, url or h5path.name, inline_bytes, external_chunks, blobs=tar)
        writer.group(f["/"], "")
    document = {
        "generation_metadata": {"generated_by": "nwbzarr tests (support.lindi_files)"},
        "refs": writer.refs,
        "version": 1,
    }
    text = json.dumps(document, indent=2, sort_keys=True).encode()
    if tar:
        _write_tar(out, text, writer.blob_data)
    else:
        out.write_bytes(text)
    return out


def _write_tar(out: Path, lindi_json: bytes, blobs: dict[str, bytes]) -> None:
    """LINDI's tar: ``.tar_entry.json`` first (1024 bytes), then ``.tar_index.json``,
    ``lindi.json`` and the blobs; the index gives each member's data offset and size."""
    names = ["lindi.json", *blobs]
    sizes = {"lindi.json": len(lindi_json), **{n: len(b) for n, b in blobs.items()}}
    index_size = 8192
    while True:
        offsets = {".tar_entry.json": (0, ENTRY_BYTES), ".tar_index.json": (1536, index_size)}
        position = 1536 + 512 + _padded(index_size)
        for name in names:
            offsets[name] = (position, sizes[name])
            position += 512 + _padded(sizes[name])
        files = [{"n": n, "o": o, "d": o + 512, "s": s} for n, (o, s) in offsets.items()]
        index = json.dumps({"files": files}, indent=2).encode()
        if len(index) <= index_size:
            break
        index_size *= 2
    entry = json.dumps({"index": {"n": ".tar_index.json", "o": 1536, "d": 2048, "s": index_size}})
    contents = {
        ".tar_entry.json": entry.encode().ljust(ENTRY_BYTES),
        ".tar_index.json": index.ljust(index_size),
        "lindi.json": lindi_json,
        **blobs,
    }
    with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


def write_session(path: Path) -> Path:
    """A pynwb file: gzip+shuffle chunked ephys (byte-range references), an electrodes table
    (a reference column), trials with a timeseries column (compound with references), a
    many-chunk series (LINDI's external array link), soft links, scalars and text."""
    import pynwb
    from hdmf.backends.hdf5.h5_utils import H5DataIO
    from pynwb.testing.mock.ecephys import mock_ElectricalSeries, mock_electrodes
    from pynwb.testing.mock.file import mock_NWBFile

    rng = np.random.default_rng(3)
    data = np.cumsum(
        rng.integers(-9, 10, (SESSION_ROWS, SESSION_CHANNELS), dtype=np.int16),
        axis=0,
        dtype=np.int16,
    )
    nwb = mock_NWBFile(
        session_description="LINDI test",
        identifier="lindi-test",
        session_start_time=datetime(2024, 5, 1, tzinfo=UTC),
    )
    region = mock_electrodes(nwbfile=nwb, n_electrodes=SESSION_CHANNELS)
    series = mock_ElectricalSeries(
        name="ElectricalSeries",  # mock names count up within a process
        nwbfile=nwb,
        data=H5DataIO(
            data, chunks=(SESSION_CHUNK_ROWS, SESSION_CHANNELS), compression="gzip", shuffle=True
        ),
        rate=30000.0,
        electrodes=region,
    )
    many = pynwb.TimeSeries(
        name="many_chunks",
        data=H5DataIO(np.arange(2_000, dtype=np.float64), chunks=(20,)),
        unit="m",
        timestamps=np.linspace(0.0, 1.0, 2_000),
    )
    nwb.add_acquisition(many)
    nwb.add_acquisition(
        pynwb.TimeSeries(name="linked", data=many, unit="m", timestamps=many)  # soft links
    )
    nwb.add_trial_column("kind", "trial kind")
    nwb.add_trial(start_time=0.0, stop_time=0.5, kind="a", timeseries=[series])
    nwb.add_trial(start_time=0.5, stop_time=1.0, kind="b", timeseries=[series, many])
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path


def _padded(n: int) -> int:
    return -(-n // 512) * 512


__all__ = ["SESSION_CHANNELS", "write_lindi", "write_session"]
