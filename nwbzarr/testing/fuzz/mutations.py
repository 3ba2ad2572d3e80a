"""Mutations of seed files and stores: bit flips, truncation, overwrites, garbled JSON."""

from __future__ import annotations

import contextlib
import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# ------------------------------------------------------------------------------------------------
# mutations
# ------------------------------------------------------------------------------------------------
INTERESTING_BYTES = [
    b"\xff" * 8,
    b"\x00" * 8,
    b"\x7f\xff\xff\xff\xff\xff\xff\xff",
    b"\x80\x00\x00\x00",
    b"\xff\xff\xff\x7f",
    b"\x01",
]
INTERESTING_JSON: list[Any] = [
    None,
    True,
    0,
    -1,
    2**63,
    10**15,
    [10**15],
    [10**15, 10**15],
    -(10**15),
    1e308,
    "",
    "..",
    "/",
    "../../outside",
    "/etc/passwd",
    "x" * 10_000,
    "\udcff",
    [],
    {},
    [[[[]]]],
    {"name": "..", "source": "..", "path": "/.."},
    "int64",
    "object",
    "|O",
    "<f8",
    ">i2",
    "variable_length_utf8",
]
METADATA_NAMES = ("zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata")


@dataclass
class Mutation:
    """What was done to an input: one line per step, for the report and for reproducing it."""

    steps: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(self.steps)


def _offset(rng: random.Random, size: int) -> int:
    if size <= 1:
        return 0
    if rng.random() < 0.4:  # superblock, root group and first object headers
        return rng.randrange(min(size, 4096))
    return rng.randrange(size)


def mutate_bytes(data: bytearray, rng: random.Random, m: Mutation, name: str) -> bytearray:
    """One byte-level mutation of ``data`` (in place where possible)."""
    size = len(data)
    kind = rng.choice(["bitflip", "bitflip", "overwrite", "interesting", "truncate", "zero"])
    if size == 0:
        kind = "overwrite"
    if kind == "bitflip":
        flips = []
        for _ in range(rng.randint(1, 8)):
            at, bit = _offset(rng, size), rng.randrange(8)
            data[at] ^= 1 << bit
            flips.append(f"{at}.{bit}")
        m.steps.append(f"{name}: flip bits {','.join(flips)}")
    elif kind == "overwrite":
        at = _offset(rng, max(size, 1))
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        data[at : at + len(junk)] = junk
        m.steps.append(f"{name}: overwrite {len(junk)} bytes at {at}")
    elif kind == "interesting":
        at = _offset(rng, size)
        value = rng.choice(INTERESTING_BYTES)
        data[at : at + len(value)] = value
        m.steps.append(f"{name}: write {value.hex()} at {at}")
    elif kind == "truncate":
        at = rng.randrange(size)
        del data[at:]
        m.steps.append(f"{name}: truncate to {at} bytes")
    else:
        at = _offset(rng, size)
        n = rng.choice([64, 512, 4096])
        data[at : at + n] = bytes(min(n, size - at))
        m.steps.append(f"{name}: zero {n} bytes at {at}")
    return data


def _json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _json_paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:64]):
            yield from _json_paths(v, (*prefix, i))


def _set_path(doc: Any, path: tuple[Any, ...], value: Any, delete: bool = False) -> Any:
    if not path:
        return value
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


def garble_json(text: bytes, rng: random.Random, m: Mutation, name: str) -> bytes:
    """A structural mutation of a JSON document (a value replaced or deleted, a shape blown up),
    or a textual one when the document does not parse."""
    try:
        doc = json.loads(text)
    except ValueError:
        return bytes(mutate_bytes(bytearray(text), rng, m, name))
    choice = rng.random()
    if choice < 0.15:
        cut = rng.randrange(max(len(text), 1))
        m.steps.append(f"{name}: JSON text cut at {cut}")
        return text[:cut]
    paths = list(_json_paths(doc))
    shapes = [p for p in paths if p and p[-1] in ("shape", "chunks", "chunk_shape")]
    if choice < 0.35 and shapes:
        path = rng.choice(shapes)
        value = rng.choice([[10**15], [10**15] * 2, [2**62, 3], [0], [-5], [1] * 40])
        m.steps.append(f"{name}: {'/'.join(map(str, path))} = {value}")
        doc = _set_path(doc, path, value)
    elif choice < 0.5 and len(paths) > 1:
        path = rng.choice(paths[1:])
        m.steps.append(f"{name}: delete {'/'.join(map(str, path))}")
        doc = _set_path(doc, path, None, delete=True)
    elif choice < 0.6 and len(paths) > 1:  # swap a subtree into another place
        src, dst = rng.choice(paths[1:]), rng.choice(paths[1:])
        value = doc
        for part in src:
            value = value[part]
        m.steps.append(f"{name}: {'/'.join(map(str, dst))} = copy of {'/'.join(map(str, src))}")
        with contextlib.suppress(KeyError, IndexError, TypeError):
            doc = _set_path(doc, dst, json.loads(json.dumps(value)))
    else:
        path = rng.choice(paths)
        value = rng.choice(INTERESTING_JSON)
        m.steps.append(f"{name}: {'/'.join(map(str, path)) or '<root>'} = {str(value)[:40]!r}")
        doc = _set_path(doc, path, value)
    return json.dumps(doc).encode("utf-8", "surrogatepass")


def mutate_file(path: Path, rng: random.Random, rounds: int = 1) -> Mutation:
    """Mutate an HDF5 file in place."""
    m = Mutation()
    data = bytearray(path.read_bytes())
    for _ in range(rounds):
        data = mutate_bytes(data, rng, m, path.name)
    path.write_bytes(bytes(data))
    return m


def mutate_store(store: Path, rng: random.Random, rounds: int = 1) -> Mutation:
    """Mutate a Zarr store (a directory) in place."""
    m = Mutation()
    for _ in range(rounds):
        files = sorted(p for p in store.rglob("*") if p.is_file())
        if not files:
            break
        meta = [p for p in files if p.name in METADATA_NAMES]
        chunks = [p for p in files if p.name not in METADATA_NAMES]
        choice = rng.random()
        if choice < 0.45 and meta:
            # the root document (consolidated metadata) is what opening reads: weight it
            target = store / "zarr.json" if (store / "zarr.json").exists() else rng.choice(meta)
            if rng.random() < 0.5:
                target = rng.choice(meta)
            rel = str(target.relative_to(store))
            target.write_bytes(garble_json(target.read_bytes(), rng, m, rel))
        elif choice < 0.75 and chunks:
            target = rng.choice(chunks)
            rel = str(target.relative_to(store))
            target.write_bytes(bytes(mutate_bytes(bytearray(target.read_bytes()), rng, m, rel)))
        elif choice < 0.9:
            target = rng.choice(chunks or files)
            target.unlink()
            m.steps.append(f"delete {target.relative_to(store)}")
        else:
            dirs = sorted(p for p in store.rglob("*") if p.is_dir())
            if dirs:
                target = rng.choice(dirs)
                shutil.rmtree(target)
                m.steps.append(f"delete directory {target.relative_to(store)}")
    return m
