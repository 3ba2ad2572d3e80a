"""Worker of ``bench_index``: build indexes of HDF5 files with one tool, check their values.

Run as a script by any of the benchmark's interpreters (nwbzarr's, and the separate
environments of VirtualiZarr 2.8 and LINDI 0.4.6, which needs zarr < 3), so it imports only
the tool it is asked for::

    python index_tools.py corpus TOOL OUT_DIR SRC...    # JSON lines: one per file
    python index_tools.py read TOOL URL ENDPOINT START STOP

``corpus`` builds the index of each file (timed), measures its size, and compares every
dataset read through the index with h5py's values. ``read`` opens an index on the local S3
endpoint, walks the tree, reads rows ``START:STOP`` of the ElectricalSeries, and prints the
wall-clock marks (the parent splits the server's request log with them) and the window's sum.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np

ES_PATH = "acquisition/ElectricalSeries/data"
TOOLS = ("nwbzarr", "kerchunk", "icechunk", "virtualizarr", "virtualizarr-lr", "lindi")
SUFFIX = {
    "nwbzarr": ".index.nwb.zarr",
    "kerchunk": ".kerchunk.json",
    "icechunk": ".index.icechunk",
    "virtualizarr": ".vz.icechunk",
    "virtualizarr-lr": ".vzlr.icechunk",
    "lindi": ".lindi.json",
}


# --------------------------------------------------------------------------------- building
def build(tool: str, src: str, dst: str, url: str | None = None) -> None:
    """Index ``src`` at ``dst``; ``url``: where LINDI's references point (default ``src``)."""
    if tool in ("nwbzarr", "kerchunk", "icechunk"):
        import nwbzarr

        nwbzarr.index(src, dst, format=tool)
    elif tool.startswith("virtualizarr"):
        _build_virtualizarr(src, dst, links_and_references=tool.endswith("-lr"))
    elif tool == "lindi":
        import lindi

        f = lindi.LindiH5pyFile.from_hdf5_file(src, url=url or src)
        f.write_lindi_file(dst)
        f.close()
    else:
        raise ValueError(f"unknown tool {tool!r}")


def _build_virtualizarr(src: str, dst: str, *, links_and_references: bool) -> None:
    import icechunk
    from obspec_utils.registry import ObjectStoreRegistry
    from obstore.store import LocalStore
    from virtualizarr import open_virtual_datatree
    from virtualizarr.parsers import HDFParser

    url = Path(src).resolve().as_uri()
    registry = ObjectStoreRegistry({"file://": LocalStore()})
    parser = HDFParser(links_and_references=links_and_references)
    tree = open_virtual_datatree(url=url, registry=registry, parser=parser, loadable_variables=[])
    config = icechunk.RepositoryConfig.default()
    prefix = f"file://{Path(src).resolve().parent}/"
    config.set_virtual_chunk_container(
        icechunk.VirtualChunkContainer(prefix, icechunk.local_filesystem_store(prefix[7:]))
    )
    repo = icechunk.Repository.create(icechunk.local_filesystem_storage(dst), config)
    session = repo.writable_session("main")
    tree.vz.to_icechunk(session.store)
    session.commit("virtualizarr")


# --------------------------------------------------------------------------------- checking
def _h5_datasets(f: Any) -> list[str]:
    names: list[str] = []

    def visit(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset):
            names.append(name)

    f.visititems(visit)
    return names


def _same(expected: Any, got: Any) -> bool:
    exp = np.asarray(expected)
    if exp.dtype.names:  # compound: field by field (LINDI reads compounds by field only)
        return all(_same(exp[n], got[n]) for n in exp.dtype.names)
    arr = np.asarray(got)
    if exp.dtype.names or exp.dtype.kind not in "biuf":
        flat_e = [_text(v) for v in exp.reshape(-1).tolist()]
        flat_g = [_text(v) for v in arr.reshape(-1).tolist()]
        return exp.size == arr.size and flat_e == flat_g
    return exp.shape == arr.shape and bool(
        np.array_equal(exp, arr, equal_nan=exp.dtype.kind == "f")
    )


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, tuple | list):
        return [_text(v) for v in value]
    if isinstance(value, h5py.Reference) or type(value).__name__ in (
        "Reference",
        "LindiH5pyReference",
    ):
        return "<ref>"  # references compared by presence (each tool has its own form)
    if isinstance(value, dict) and "_REFERENCE" in value:
        return "<ref>"
    return value


def _reader(tool: str, index: str) -> tuple[Callable[[str], Any], Callable[[], None]]:
    if tool in ("nwbzarr", "kerchunk", "icechunk"):
        import nwbzarr

        root = nwbzarr.open(index)
        return (lambda name: root.array(name)[()]), root.file.close
    if tool == "lindi":
        import lindi

        f = lindi.LindiH5pyFile.from_lindi_file(index)

        def read(name: str) -> Any:
            ds = f[name]
            if ds.dtype.names:
                return {n: ds[n] for n in ds.dtype.names}
            return ds[()]

        return read, f.close
    import icechunk
    import zarr

    repo = icechunk.Repository.open(
        icechunk.local_filesystem_storage(index),
        authorize_virtual_chunk_access=icechunk.containers_credentials(
            {c: None for c in _containers(index)}
        ),
    )
    group = zarr.open_group(repo.readonly_session("main").store, mode="r")
    return (lambda name: np.asarray(group[name])), (lambda: None)


def _containers(index: str) -> list[str]:
    import icechunk

    repo = icechunk.Repository.open(icechunk.local_filesystem_storage(index))
    return list(repo.config.virtual_chunk_containers or {})


def check(tool: str, src: str, index: str) -> dict[str, Any]:
    """Every dataset of ``src`` read through ``index`` against h5py's values."""
    read, close = _reader(tool, index)
    differ: list[str] = []
    with h5py.File(src, "r") as f:
        names = _h5_datasets(f)
        for name in names:
            try:
                if not _same(f[name][()], read(name)):
                    differ.append(name)
            except Exception as err:
                differ.append(f"{name} ({type(err).__name__})")
    close()
    return {"datasets": len(names), "differ": differ}


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def corpus(tool: str, out_dir: str, sources: list[str]) -> None:
    for src in sources:
        dst = Path(out_dir) / (Path(src).name + SUFFIX[tool])
        record: dict[str, Any] = {"tool": tool, "src": src}
        t0 = time.perf_counter()
        try:
            build(tool, src, str(dst))
            record["seconds"] = time.perf_counter() - t0
            record["bytes"] = _size(dst)
            record.update(check(tool, src, str(dst)))
        except Exception as err:
            record["error"] = (
                f"{type(err).__name__}: {str(err).splitlines()[0][:160] if str(err) else ''}"
            )
        print(json.dumps(record), flush=True)


# ---------------------------------------------------------------------------------- reading
def read(tool: str, url: str, endpoint: str, start: int, stop: int) -> None:
    options = {"key": "testing", "secret": "testing", "client_kwargs": {"endpoint_url": endpoint}}
    marks = {"t0": time.time()}
    if tool == "lindi":
        import lindi

        f = lindi.LindiH5pyFile.from_lindi_file(url)
        count = [_walk(f, lindi.LindiH5pyGroup)]
        marks["t1"] = time.time()
        window = f[ES_PATH][start:stop]
    else:
        import nwbzarr

        root = nwbzarr.open(url, storage_options=options)
        count = [len(list(root.walk()))]
        marks["t1"] = time.time()
        window = root.array(ES_PATH)[start:stop]
    marks["t2"] = time.time()
    print(
        json.dumps(
            {
                "marks": marks,
                "nodes": count[0],
                "sum": int(np.asarray(window, dtype=np.int64).sum()),
            }
        )
    )


def _walk(group: Any, group_type: type) -> int:
    """Nodes below ``group``, attributes read (a tree walk as the other readers do)."""
    count = 0
    for name in group:
        node = group[name]
        dict(node.attrs)
        count += 1 + (_walk(node, group_type) if isinstance(node, group_type) else 0)
    return count


def main(argv: list[str]) -> int:
    command, tool = argv[0], argv[1]
    if command == "corpus":
        corpus(tool, argv[2], argv[3:])
    elif command == "read":
        read(tool, argv[2], argv[3], int(argv[4]), int(argv[5]))
    else:
        raise SystemExit(f"unknown command {command!r}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    sys.exit(main(sys.argv[1:]))
