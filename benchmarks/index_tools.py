"""Worker of ``bench_index``: build indexes of HDF5 files with one tool, check their values.

Run as a script by any of the benchmark's interpreters (nwbzarr's, and the separate
environments of VirtualiZarr 2.8 and LINDI 0.4.6, which needs zarr < 3), so it imports only
the tool it is asked for::

    python index_tools.py corpus TOOL OUT_DIR SRC...    # JSON lines: one per file
    python index_tools.py cloud-build TOOL SRC_URL DST_URL ENDPOINT
    python index_tools.py read TOOL URL ENDPOINT ARRAY START STOP H5FILE

``corpus`` builds the index of each file (timed), measures its size, and compares every
dataset read through the index with h5py's values. ``cloud-build`` builds VirtualiZarr's
index of a file on the local S3 endpoint as an Icechunk repository stored there too.
``read`` opens an index on the local S3 endpoint, walks the tree, reads rows ``START:STOP``
of ``ARRAY``, and prints the wall-clock marks (the parent splits the server's request log with
them), the window's sum and whether it equals h5py's rows of the local copy ``H5FILE``.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np

ES_GROUP = "acquisition/ElectricalSeries"
ES_PATH = f"{ES_GROUP}/data"
TOOLS = ("nwbzarr", "kerchunk", "icechunk", "virtualizarr", "virtualizarr-lr", "lindi")
KEY, SECRET, REGION = "testing", "testing", "us-east-1"  # the local S3 endpoint's
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


def _build_virtualizarr(
    src: str, dst: str, *, links_and_references: bool, endpoint: str | None = None
) -> str:
    """VirtualiZarr's index of ``src`` as an Icechunk repository at ``dst``; returns its scope.

    Local (``endpoint`` None): ``src`` a path, ``dst`` a directory, the whole file or an error.
    On the S3 ``endpoint``: ``src`` and ``dst`` are ``s3://`` URLs; when the whole file cannot
    be indexed, the ElectricalSeries group alone (without its ``electrodes`` region, whose
    phony dimension clashes with the data's), as a user who needs that series would do.
    """
    import icechunk
    from obspec_utils.registry import ObjectStoreRegistry
    from virtualizarr import open_virtual_dataset, open_virtual_datatree
    from virtualizarr.parsers import HDFParser

    url, registry, container = _vz_source(src, endpoint)
    scope = "whole file"
    try:
        parser = HDFParser(links_and_references=links_and_references)
        tree: Any = open_virtual_datatree(
            url=url, registry=ObjectStoreRegistry(registry), parser=parser, loadable_variables=[]
        )
    except Exception as err:
        if endpoint is None:
            raise
        scope = f"{ES_GROUP} only (whole file: {type(err).__name__}: {str(err)[:70]})"
        parser = HDFParser(
            group=ES_GROUP, drop_variables=["electrodes"], links_and_references=links_and_references
        )
        tree = open_virtual_dataset(
            url=url, registry=ObjectStoreRegistry(registry), parser=parser, loadable_variables=[]
        )
    config = icechunk.RepositoryConfig.default()
    config.set_virtual_chunk_container(container)
    repo = icechunk.Repository.create(
        _ic_storage(dst, endpoint),
        config,
        authorize_virtual_chunk_access=_ic_access(container.url_prefix, endpoint),
    )
    session = repo.writable_session("main")
    tree.vz.to_icechunk(session.store)
    session.commit("virtualizarr")
    return scope


def _vz_source(src: str, endpoint: str | None) -> tuple[str, dict[str, Any], Any]:
    """URL, object-store registry and Icechunk virtual-chunk container of ``src``."""
    import icechunk

    if endpoint is None:
        from obstore.store import LocalStore

        prefix = f"file://{Path(src).resolve().parent}/"
        local = icechunk.local_filesystem_store(prefix[len("file://") :])
        container = icechunk.VirtualChunkContainer(prefix, local)
        return Path(src).resolve().as_uri(), {"file://": LocalStore()}, container
    from obstore.store import S3Store

    bucket = _bucket(src)
    s3 = S3Store(
        bucket,
        endpoint=endpoint,
        access_key_id=KEY,
        secret_access_key=SECRET,
        region=REGION,
        client_options={"allow_http": True},
        virtual_hosted_style_request=False,
    )
    store = icechunk.s3_store(
        region=REGION, endpoint_url=endpoint, allow_http=True, s3_compatible=True,
        force_path_style=True,
    )  # fmt: skip
    return src, {f"s3://{bucket}": s3}, icechunk.VirtualChunkContainer(f"s3://{bucket}/", store)


def _bucket(url: str) -> str:
    return url.removeprefix("s3://").partition("/")[0]


def _ic_storage(location: str, endpoint: str | None) -> Any:
    """Icechunk storage of a local directory, or of ``s3://bucket/prefix`` on ``endpoint``."""
    import icechunk

    if endpoint is None:
        return icechunk.local_filesystem_storage(location)
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    return icechunk.s3_storage(
        bucket=bucket, prefix=prefix, region=REGION, endpoint_url=endpoint, allow_http=True,
        force_path_style=True, access_key_id=KEY, secret_access_key=SECRET,
    )  # fmt: skip


def _ic_access(prefix: str, endpoint: str | None) -> Any:
    """The credentials a reader gives Icechunk for the virtual chunks under ``prefix``."""
    import icechunk

    if endpoint is None:
        return icechunk.containers_credentials({prefix: icechunk.credentials.LocalFileSystemAccess})
    creds = icechunk.s3_static_credentials(access_key_id=KEY, secret_access_key=SECRET)
    return icechunk.containers_credentials({prefix: creds})


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
            {c: icechunk.credentials.LocalFileSystemAccess for c in _containers(index)}
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
Opened = tuple[int, Callable[[int, int], Any]]
"""What an opener returns: the nodes its walk of the tree listed, and a window reader."""


def _open_nwbzarr(url: str, endpoint: str, array: str) -> Opened:
    import nwbzarr

    options = {"key": KEY, "secret": SECRET, "client_kwargs": {"endpoint_url": endpoint}}
    root = nwbzarr.open(url, storage_options=options)
    return len(list(root.walk())), lambda a, b: root.array(array)[a:b]


def _open_lindi(url: str, endpoint: str, array: str) -> Opened:
    import lindi

    f = lindi.LindiH5pyFile.from_lindi_file(url)
    return _walk(f, lindi.LindiH5pyGroup), lambda a, b: f[array][a:b]


def _open_icechunk_xarray(url: str, endpoint: str, array: str) -> Opened:
    """An Icechunk + xarray user's read: the repository on S3, the virtual chunks of the
    file's bucket (beside the index here) authorized, the whole tree by ``open_datatree``."""
    import icechunk
    import xarray as xr

    prefix = f"s3://{_bucket(url)}/"
    repo = icechunk.Repository.open(
        _ic_storage(url, endpoint), authorize_virtual_chunk_access=_ic_access(prefix, endpoint)
    )
    store: Any = repo.readonly_session("main").store  # a zarr store, which xarray takes
    tree = xr.open_datatree(store, engine="zarr", consolidated=False)
    nodes = sum(1 + len(node.variables) for node in tree.subtree)
    group, _, name = array.rpartition("/")
    series: Any = tree[group][name] if group else tree[name]
    return nodes, lambda a, b: series[a:b].values


_OPENERS: dict[str, tuple[Callable[[str, str, str], Opened], tuple[str, ...]]] = {
    # tool -> (opener, modules imported before the clock starts)
    "lindi": (_open_lindi, ("lindi",)),
    "virtualizarr": (_open_icechunk_xarray, ("icechunk", "zarr", "xarray")),
    "virtualizarr-lr": (_open_icechunk_xarray, ("icechunk", "zarr", "xarray")),
    "icechunk-xarray": (_open_icechunk_xarray, ("icechunk", "zarr", "xarray")),
}
_NWBZARR = (_open_nwbzarr, ("nwbzarr", "zarr", "obstore", "icechunk", "nwbzarr.virtual"))


def read(tool: str, url: str, endpoint: str, array: str, span: tuple[int, int], h5: str) -> None:
    """Open ``url`` as ``tool``'s user would, walk it, read rows ``span`` of ``array``; print
    the marks, the window's sum and whether it equals rows ``span`` of ``h5``'s series."""
    opener, modules = _OPENERS.get(tool, _NWBZARR)
    for module in modules:  # imports are not part of the timed operations
        importlib.import_module(module)
    marks = {"t0": time.time()}
    nodes, window_of = opener(url, endpoint, array)
    marks["t1"] = time.time()
    window = np.asarray(window_of(*span))
    marks["t2"] = time.time()
    with h5py.File(h5, "r") as f:
        expected = f[ES_PATH][span[0] : span[1]]
    record = {
        "marks": marks,
        "nodes": nodes,
        "sum": int(window.astype(np.int64).sum()),
        "h5py_sum": int(expected.astype(np.int64).sum()),
        "equal": window.dtype == expected.dtype and bool(np.array_equal(window, expected)),
    }
    print(json.dumps(record), flush=True)


def cloud_build(tool: str, src: str, dst: str, endpoint: str) -> None:
    """Build ``tool``'s index of ``src`` (on S3) at ``dst`` (on S3); print its scope."""
    lr = tool.endswith("-lr")
    scope = _build_virtualizarr(src, dst, links_and_references=lr, endpoint=endpoint)
    array = ES_PATH if scope == "whole file" else "data"
    print(json.dumps({"tool": tool, "url": dst, "array": array, "scope": scope}), flush=True)


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
    elif command == "cloud-build":
        cloud_build(tool, argv[2], argv[3], argv[4])
    elif command == "read":
        read(tool, argv[2], argv[3], argv[4], (int(argv[5]), int(argv[6])), argv[7])
    else:
        raise SystemExit(f"unknown command {command!r}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    sys.exit(main(sys.argv[1:]))
