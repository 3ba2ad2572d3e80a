"""Property-based round trips: random small trees survive HDF5 -> Zarr -> HDF5 and back.

Hypothesis draws groups, attributes of every kind (text in UTF-8 and ASCII, numbers of every
width, booleans, arrays including empty ones) and arrays of random numeric dtypes and shapes
(zero-length included) with random chunking, compression and extendability, plus text arrays.
Whatever is drawn is written to one format, converted to the other and back, and
:func:`nwbzarr.testing.tree_diff` must find nothing.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nwbzarr
from nwbzarr import Filter, Group
from nwbzarr.dtypes import ASCII, UTF8, DType
from nwbzarr.testing import tree_diff

SUFFIX = {"hdf5": ".nwb", "zarr": ".nwb.zarr"}
NUMERIC = [
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float32",
    "float64",
]
COMPRESSIONS: list[Any] = [
    "default",
    None,
    (Filter.of("shuffle"), Filter.of("deflate", level=4)),
    (Filter.of("deflate", level=1),),
]

# Text: any character but NUL (HDF5 variable-length strings end at NUL) and lone surrogates.
utf8_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12
)
ascii_text = st.text(st.characters(min_codepoint=1, max_codepoint=127), max_size=12)
names = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)


@dataclass
class ArrayCase:
    values: Any
    dtype: DType | None = None
    chunks: tuple[int, ...] | None = None
    maxshape: tuple[int | None, ...] | None = None
    compression: Any = "default"


@dataclass
class GroupCase:
    attrs: dict[str, tuple[Any, DType | None]] = field(default_factory=dict)
    members: dict[str, ArrayCase | GroupCase] = field(default_factory=dict)


def object_array(values: list[str]) -> np.ndarray[Any, np.dtype[np.object_]]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@st.composite
def numeric_arrays(draw: st.DrawFn, max_dims: int = 3) -> np.ndarray[Any, Any]:
    dtype = np.dtype(draw(st.sampled_from(NUMERIC)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=6))
    return draw(hnp.arrays(dtype, shape))


@st.composite
def array_cases(draw: st.DrawFn) -> ArrayCase:
    kind = draw(st.sampled_from(["numeric", "numeric", "numeric", "utf8", "ascii"]))
    if kind != "numeric":
        text = utf8_text if kind == "utf8" else ascii_text
        words = draw(st.lists(text, max_size=5))
        return ArrayCase(object_array(words), UTF8 if kind == "utf8" else ASCII)
    values = draw(numeric_arrays())
    case = ArrayCase(values, compression=draw(st.sampled_from(COMPRESSIONS)))
    # h5py refuses chunks larger than a fixed dimension, so zero-length arrays stay unchunked
    if values.ndim and values.size and draw(st.booleans()):
        case.chunks = tuple(draw(st.integers(1, n)) for n in values.shape)
        if draw(st.booleans()):
            case.maxshape = (None, *values.shape[1:])
    if values.ndim == 0:
        case.compression = "default"  # scalars are never filtered
    return case


@st.composite
def attr_values(draw: st.DrawFn) -> tuple[Any, DType | None]:
    kind = draw(st.sampled_from(["utf8", "ascii", "number", "bool", "array", "words", "one_word"]))
    if kind == "utf8":
        return draw(utf8_text), None
    if kind == "ascii":
        return draw(ascii_text), ASCII
    if kind == "number":
        dtype = np.dtype(draw(st.sampled_from(NUMERIC[1:])))
        return draw(hnp.from_dtype(dtype)), None
    if kind == "bool":
        return draw(st.sampled_from([True, False, np.True_, np.False_])), None
    if kind == "array":
        return draw(numeric_arrays(max_dims=1).filter(lambda a: a.ndim == 1)), None
    if kind == "words":
        return object_array(draw(st.lists(utf8_text, min_size=1, max_size=4))), None
    return object_array([draw(utf8_text)]), None


def group_cases(depth: int = 2) -> st.SearchStrategy[GroupCase]:
    member: st.SearchStrategy[ArrayCase | GroupCase] = array_cases()
    if depth:
        member = st.one_of(array_cases(), group_cases(depth - 1))
    return st.builds(
        GroupCase,
        attrs=st.dictionaries(names, attr_values(), max_size=3),
        members=st.dictionaries(names, member, max_size=3),
    )


def write(group: Group, case: GroupCase) -> None:
    for name, (value, dtype) in case.attrs.items():
        group.attrs.set(name, value, dtype)
    for name, member in case.members.items():
        if isinstance(member, GroupCase):
            write(group.create_group(name), member)
        else:
            group.create_array(
                name,
                member.values,
                dtype=member.dtype,
                chunks=member.chunks,
                maxshape=member.maxshape,
                compression=member.compression,
            )


@pytest.mark.parametrize("src_fmt", ["hdf5", "zarr"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=group_cases())
def test_random_trees_round_trip(src_fmt: str, case: GroupCase) -> None:
    dst_fmt = "zarr" if src_fmt == "hdf5" else "hdf5"
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"src{SUFFIX[src_fmt]}"
        mid = Path(tmp) / f"mid{SUFFIX[dst_fmt]}"
        back = Path(tmp) / f"back{SUFFIX[src_fmt]}"
        with nwbzarr.open(src, "w") as root:
            write(root, case)
        nwbzarr.convert(src, mid)
        nwbzarr.convert(mid, back)
        with nwbzarr.open(src) as a, nwbzarr.open(mid) as b, nwbzarr.open(back) as c:
            assert tree_diff(a, b) == []
            assert tree_diff(a, c) == []
