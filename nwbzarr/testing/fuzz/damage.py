"""Damage as storage and transfers make it, written independently of :mod:`.mutations` and
:mod:`.structure` (a second opinion: different choices of where and how much).

HDF5 files: byte ranges of any length overwritten with random bytes, 0xFF or 0x00; truncation
at a random offset; bit flips spread over the whole file; two blocks swapped; a block copied
over another (a misdirected write); bytes inserted or removed (a shifted upload).

Zarr stores (v3, v2, hdmf-zarr 0.13): a JSON value of any document changed in type or value
(numbers, strings, lists and objects swapped, keys renamed or added, values moved between
keys); chunk files truncated, emptied, deleted, extended with junk, or replaced by another
chunk (of the same array or another one); shard indexes (the table at the end of a shard file
that says where each inner chunk is) overwritten with wrong offsets, lengths or "empty" marks.
"""

from __future__ import annotations

import json
import random
import shutil
import struct
from pathlib import Path
from typing import Any

from nwbzarr.testing.fuzz.mutations import METADATA_NAMES, Mutation

_FILLS = ("random", "ff", "00")
_JSON_SWAPS: list[Any] = [0, 1, -1, 2**31, 2**64, 0.5, -1e300, "", "0", "1", "abc", "<u8", "|b1"]
_JSON_SWAPS += [[], [0], [1, 1], [-1], {}, {"name": "bytes"}, None, True, False]


def _fill(rng: random.Random, kind: str, n: int) -> bytes:
    if kind == "ff":
        return b"\xff" * n
    if kind == "00":
        return bytes(n)
    return rng.randbytes(n)


def _length(rng: random.Random, most: int) -> int:
    """A length between 1 and ``most``, log-uniform (small damage more often than large)."""
    if most <= 1:
        return 1
    return max(1, min(most, int(2 ** rng.uniform(0, max(1.0, most.bit_length())))))


# ------------------------------------------------------------------------------------------------
# files
# ------------------------------------------------------------------------------------------------
def damage_bytes(data: bytearray, rng: random.Random, m: Mutation, name: str) -> bytearray:
    """One kind of damage to the bytes of a file (in place where possible)."""
    size = len(data)
    if size < 2:
        m.steps.append(f"{name}: left as is ({size} bytes)")
        return data
    kind = rng.choice(["range", "range", "truncate", "flips", "swap", "copy", "shift"])
    if kind == "range":
        n = _length(rng, min(size, 4096))
        at = rng.randrange(size - n + 1)
        fill = rng.choice(_FILLS)
        data[at : at + n] = _fill(rng, fill, n)
        m.steps.append(f"{name}: {n} bytes at {at} set to {fill}")
    elif kind == "truncate":
        at = rng.randrange(1, size)
        del data[at:]
        m.steps.append(f"{name}: truncated to {at} bytes")
    elif kind == "flips":
        count = rng.randint(1, 64)
        for _ in range(count):
            data[rng.randrange(size)] ^= 1 << rng.randrange(8)
        m.steps.append(f"{name}: {count} bit flips over the file")
    elif kind in ("swap", "copy"):
        n = _length(rng, min(size // 2, 4096))
        a, b = rng.randrange(size - n + 1), rng.randrange(size - n + 1)
        first, second = bytes(data[a : a + n]), bytes(data[b : b + n])
        data[b : b + n] = first
        if kind == "swap":
            data[a : a + n] = second
        m.steps.append(f"{name}: {kind} {n} bytes at {a} {'with' if kind == 'swap' else 'to'} {b}")
    else:
        n = _length(rng, 64)
        at = rng.randrange(size)
        if rng.random() < 0.5:
            data[at:at] = rng.randbytes(n)
            m.steps.append(f"{name}: {n} bytes inserted at {at}")
        else:
            del data[at : at + n]
            m.steps.append(f"{name}: {n} bytes removed at {at}")
    return data


def damage_file(path: Path, rng: random.Random, m: Mutation) -> None:
    """One kind of damage to the file at ``path``."""
    path.write_bytes(bytes(damage_bytes(bytearray(path.read_bytes()), rng, m, path.name)))


# ------------------------------------------------------------------------------------------------
# stores
# ------------------------------------------------------------------------------------------------
def _nodes(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, sub in value.items():
            out.extend(_nodes(sub, (*prefix, key)))
    elif isinstance(value, list):
        for i, sub in enumerate(value[:32]):
            out.extend(_nodes(sub, (*prefix, i)))
    return out


def _changed(value: Any, rng: random.Random) -> Any:
    """``value`` changed in type or in value."""
    choice = rng.random()
    if isinstance(value, bool) or choice < 0.4:
        return rng.choice(_JSON_SWAPS)
    if isinstance(value, int | float) and choice < 0.8:
        return rng.choice([-value, value * 1000 + 1, float(value) + 0.5, str(value), [value]])
    if isinstance(value, str) and choice < 0.8:
        return rng.choice([value[::-1], value.upper(), value + "x", value[:1], {"name": value}])
    if isinstance(value, list) and choice < 0.8:
        return rng.choice([value[:-1], [*value, *value], value[::-1], {"0": value}])
    if isinstance(value, dict) and choice < 0.8:
        return rng.choice([list(value.values()), {k: None for k in value}, {"x": value}])
    return rng.choice(_JSON_SWAPS)


def damage_json(doc: Any, rng: random.Random) -> tuple[Any, str]:
    """``doc`` with one value changed, a key renamed or added, or two values swapped."""
    nodes = [p for p in _nodes(doc) if p]
    if not nodes:
        return rng.choice(_JSON_SWAPS), "<root> replaced"
    path = rng.choice(nodes)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    where = "/".join(map(str, path))
    choice = rng.random()
    if choice < 0.15 and isinstance(parent, dict):
        parent[f"{key}_"] = parent.pop(key)
        return doc, f"{where}: key renamed"
    if choice < 0.25 and isinstance(parent, dict):
        parent[rng.choice(["must_understand", "codecs", "shape", "zarr_format", "x"])] = rng.choice(
            _JSON_SWAPS
        )
        return doc, f"{where}: a key added beside it"
    if choice < 0.4:
        other = rng.choice(nodes)
        source: Any = doc
        for part in other:
            source = source[part]
        parent[key] = json.loads(json.dumps(source))
        return doc, f"{where}: set to the value at {'/'.join(map(str, other))}"
    parent[key] = _changed(parent[key], rng)
    return doc, f"{where}: changed to {json.dumps(parent[key])[:40]}"


def _damage_document(path: Path, rng: random.Random, m: Mutation, rel: str) -> None:
    try:
        doc = json.loads(path.read_bytes())
    except ValueError:
        damage_file(path, rng, m)
        return
    doc, what = damage_json(doc, rng)
    path.write_text(json.dumps(doc))
    m.steps.append(f"{rel}: {what}")


def _shard_index(path: Path, rng: random.Random, m: Mutation, rel: str) -> bool:
    """Overwrite entries of a shard's index (16 bytes per inner chunk, then a 4-byte CRC32C,
    at the end of the file): False if the file is too small to hold one."""
    data = bytearray(path.read_bytes())
    if len(data) < 20:
        return False
    entries = max(1, min((len(data) - 4) // 16, 1 << rng.randrange(1, 8)))
    start = len(data) - 4 - 16 * rng.randrange(entries)
    start = max(0, start - 16)
    offset, length = rng.choice(
        [
            (2**64 - 1, 2**64 - 1),  # the "empty chunk" mark
            (0, 2**40),
            (len(data) - 8, 64),
            (rng.randrange(len(data)), rng.randrange(1, 2 * len(data) + 2)),
            (2**63, 16),
        ]
    )
    data[start : start + 16] = struct.pack("<QQ", offset, length)
    path.write_bytes(bytes(data))
    m.steps.append(f"{rel}: shard index entry at {start} = ({offset}, {length})")
    return True


def damage_store(store: Path, rng: random.Random, m: Mutation) -> None:
    """One kind of damage to the Zarr store (a directory) at ``store``."""
    files = sorted(p for p in store.rglob("*") if p.is_file())
    if not files:
        return
    meta = [p for p in files if p.name in METADATA_NAMES]
    chunks = [p for p in files if p.name not in METADATA_NAMES]
    choice = rng.random()
    if meta and (choice < 0.45 or not chunks):
        target = rng.choice(meta)
        _damage_document(target, rng, m, str(target.relative_to(store)))
        return
    if not chunks:
        return
    target = rng.choice(chunks)
    rel = str(target.relative_to(store))
    kind = rng.choice(["truncate", "empty", "delete", "junk", "replace", "shard", "bytes"])
    if kind == "shard" and _shard_index(target, rng, m, rel):
        return
    if kind == "truncate" and target.stat().st_size > 1:
        cut = rng.randrange(1, target.stat().st_size)
        with target.open("r+b") as f:
            f.truncate(cut)
        m.steps.append(f"{rel}: truncated to {cut} bytes")
    elif kind == "empty":
        target.write_bytes(b"")
        m.steps.append(f"{rel}: emptied")
    elif kind == "delete":
        target.unlink()
        m.steps.append(f"{rel}: deleted")
    elif kind == "junk":
        n = _length(rng, 4096)
        with target.open("ab") as f:
            f.write(rng.randbytes(n))
        m.steps.append(f"{rel}: {n} junk bytes appended")
    elif kind == "replace" and len(chunks) > 1:
        other = rng.choice([c for c in chunks if c != target])
        shutil.copyfile(other, target)
        m.steps.append(f"{rel}: replaced by {other.relative_to(store)}")
    else:
        target.write_bytes(bytes(damage_bytes(bytearray(target.read_bytes()), rng, m, rel)))


def damage(path: Path, rng: random.Random, m: Mutation) -> None:
    """One kind of damage to a file or a store."""
    if path.is_dir():
        damage_store(path, rng, m)
    else:
        damage_file(path, rng, m)


__all__ = ["damage", "damage_bytes", "damage_file", "damage_json", "damage_store"]
