"""Structure-aware mutations: what a real disk or a broken upload does to a file or store.

HDF5: truncation at every structure boundary (superblock, object headers, B-tree nodes, heaps,
global heap collections), zeroed pages (512 and 4096 bytes), bit flips in the headers of those
structures, and addresses redirected to another structure (cycles in B-trees and headers).
Zarr (v3, v2 and hdmf-zarr 0.13 consolidated documents): a value of the wrong type (or deleted)
at any key of any document, and chunk files deleted or duplicated under other chunks' names.

The structures of a seed are found once, on the healthy seed: signatures by search, object
headers (which have none in version 1) through h5py.
"""

from __future__ import annotations

import functools
import json
import random
import shutil
import struct
from pathlib import Path
from typing import Any

from nwbzarr.testing.fuzz.mutations import METADATA_NAMES, Mutation

SIGNATURES = (
    b"\x89HDF\r\n\x1a\n",  # superblock
    b"TREE",  # version 1 B-tree node
    b"HEAP",  # local heap
    b"SNOD",  # symbol table node
    b"GCOL",  # global heap collection
    b"OHDR",  # version 2 object header
    b"OCHK",  # its continuation chunk
    b"FRHP",  # fractal heap
    b"FHDB",  # its direct block
    b"FHIB",  # its indirect block
    b"BTHD",  # version 2 B-tree header
    b"BTIN",  # its internal node
    b"BTLF",  # its leaf
    b"FSHD",  # free-space manager
    b"FSSE",  # its section list
)
WRONG_TYPES: list[Any] = ["x", {"a": 1}, [1], [[]], 1.5, -1, None, True, "NaN", {}, []]


@functools.lru_cache(maxsize=64)
def hdf5_structures(path: Path) -> tuple[tuple[str, int], ...]:
    """``(kind, offset)`` of every structure of the healthy HDF5 file at ``path``."""
    data = path.read_bytes()
    found: set[tuple[str, int]] = set()
    for signature in SIGNATURES:
        at = data.find(signature)
        while at >= 0:
            found.add((signature[:4].decode("latin-1").strip("\x89"), at))
            at = data.find(signature, at + 1)
    found.update(("object", at) for at in _object_headers(path))
    return tuple(sorted(found, key=lambda s: s[1]))


def _object_headers(path: Path) -> set[int]:
    import h5py

    addresses: set[int] = set()
    try:
        with h5py.File(path, "r") as f:
            addresses.add(h5py.h5o.get_info(f.id).addr)

            def add(_name: str, obj: Any) -> None:
                addresses.add(h5py.h5o.get_info(obj.id).addr)

            f.visititems(add)
    except (OSError, RuntimeError, ValueError, KeyError):
        pass  # a seed h5py cannot walk: signatures only
    return addresses


def mutate_hdf5_structure(path: Path, seed: Path, rng: random.Random, m: Mutation) -> None:
    """One structure-aware mutation of the HDF5 file at ``path`` (a copy of ``seed``)."""
    data = bytearray(path.read_bytes())
    if not data:
        return
    structures = hdf5_structures(seed.resolve())
    if not structures:
        structures = (("start", 0),)
    kind, at = rng.choice(structures)
    choice = rng.random()
    if choice < 0.25:
        cut = min(len(data), at + rng.choice([0, 0, 1, 8, 16, 24, 64]))
        del data[cut:]
        m.steps.append(f"{path.name}: truncate at {kind} boundary {cut}")
    elif choice < 0.5:
        page = rng.choice([512, 4096])
        start = (at // page) * page if rng.random() < 0.7 else rng.randrange(0, len(data), page)
        data[start : start + page] = bytes(len(data[start : start + page]))
        m.steps.append(f"{path.name}: zero {page}-byte page at {start} ({kind} at {at})")
    elif choice < 0.8:
        flips = []
        for _ in range(rng.randint(1, 3)):
            pos = min(len(data) - 1, at + rng.randrange(96))
            bit = rng.randrange(8)
            data[pos] ^= 1 << bit
            flips.append(f"{pos}.{bit}")
        m.steps.append(f"{path.name}: flip bits {','.join(flips)} in {kind} at {at}")
    else:
        _redirect(data, structures, kind, at, rng, m, path.name)
    path.write_bytes(bytes(data))


def _redirect(
    data: bytearray,
    structures: tuple[tuple[str, int], ...],
    kind: str,
    at: int,
    rng: random.Random,
    m: Mutation,
    name: str,
) -> None:
    """Point an address inside a structure at another structure (makes cycles)."""
    known = {offset for _, offset in structures if offset}
    window = bytes(data[at : at + 512])
    fields = [
        i
        for i in range(0, max(0, len(window) - 7))
        if struct.unpack_from("<Q", window, i)[0] in known
    ]
    if not fields:
        data[at : at + 8] = b"\xff" * 8
        m.steps.append(f"{name}: undefined address at {at} ({kind})")
        return
    pos = at + rng.choice(fields)
    target = rng.choice([at, *sorted(known)])
    data[pos : pos + 8] = struct.pack("<Q", target)
    m.steps.append(f"{name}: address at {pos} in {kind} at {at} -> {target}")


# ------------------------------------------------------------------------------------------------
# Zarr
# ------------------------------------------------------------------------------------------------
def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value[:16]):
            out.extend(_paths(v, (*prefix, i)))
    return out


def garble_key(doc_path: Path, rng: random.Random, m: Mutation, rel: str) -> None:
    """A value of the wrong type (or none) at one key of a JSON document."""
    try:
        doc = json.loads(doc_path.read_bytes())
    except ValueError:
        return
    paths = [p for p in _paths(doc) if p]
    if not paths:
        return
    path = rng.choice(paths)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    if rng.random() < 0.2 and isinstance(parent, dict):
        del parent[path[-1]]
        m.steps.append(f"{rel}: delete {'/'.join(map(str, path))}")
    else:
        value = rng.choice(WRONG_TYPES)
        parent[path[-1]] = value
        m.steps.append(f"{rel}: {'/'.join(map(str, path))} = {json.dumps(value)}")
    doc_path.write_text(json.dumps(doc))


def mutate_zarr_structure(store: Path, rng: random.Random, m: Mutation) -> None:
    """One structure-aware mutation of a Zarr store: a garbled key or a duplicated chunk."""
    files = sorted(p for p in store.rglob("*") if p.is_file())
    meta = [p for p in files if p.name in METADATA_NAMES]
    chunks = [p for p in files if p.name not in METADATA_NAMES]
    if meta and (rng.random() < 0.6 or len(chunks) < 2):
        root = [p for p in meta if p.parent == store]
        target = rng.choice(root if root and rng.random() < 0.5 else meta)
        garble_key(target, rng, m, str(target.relative_to(store)))
        return
    if len(chunks) < 2:
        return
    src, dst = rng.sample(chunks, 2)
    if rng.random() < 0.3:  # a chunk beyond the grid (a stale file of a larger array)
        dst = src.parent / f"{src.name}9999"
    shutil.copyfile(src, dst)
    m.steps.append(f"duplicate {src.relative_to(store)} as {dst.relative_to(store)}")


__all__ = ["hdf5_structures", "mutate_hdf5_structure", "mutate_zarr_structure"]
