"""pynwb 4.2's constructor and method signatures, read from its docval (a dev and test tool).

pynwb declares its arguments with hdmf's ``@docval``: a list of dicts (``name``, ``type``,
``default``) per function. docval puts the arguments without a default first and accepts every
argument positionally unless the decorator says ``allow_positional=AllowPositional.ERROR``;
``allow_extra=True`` accepts unknown keywords. This module turns that into the data of
``nwbzarr/model/signatures.py``:

- ``extract()`` walks the types of the core, hdmf-common and hdmf-experimental namespaces
  and returns ``{class name: ClassSig}`` (constructor and public convenience methods);
- ``render()`` writes the module text; ``python tests/pynwb_docval.py`` regenerates the file.

The conformance test compares the committed module with ``extract()``, so it cannot drift.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from nwbzarr.model.signatures import REQUIRED, ClassSig, Param, Sig

NAMESPACES = ("hdmf-common", "hdmf-experimental", "core")
# hdmf's container machinery (object ids, parents, modified flags), not NWB API
INTERNAL_METHODS = frozenset(
    {"get_ancestor", "get_ancestors", "set_modified", "transform", "append"}
)
TARGET = Path(__file__).resolve().parents[1] / "nwbzarr" / "model" / "signatures.py"

_SCALARS: dict[Any, str] = {
    str: "str",
    bytes: "bytes",
    bool: "bool",
    int: "int",
    float: "float",
    "int": "int",
    "uint": "int",
    "float": "float",
    "bool": "bool",
    np.int32: "int",
    np.int64: "int",
    np.float32: "float",
    np.float64: "float",
    dt.datetime: "datetime",
    dt.date: "date",
    dt.timedelta: "timedelta",
}


def neurodata_classes() -> dict[str, type]:
    """pynwb's class of every type in the three namespaces, by type name (schema order)."""
    import pynwb

    type_map = pynwb.get_type_map()
    catalog = type_map.namespace_catalog
    classes: dict[str, type] = {}
    for namespace in NAMESPACES:
        for name in catalog.get_namespace(namespace).get_registered_types():
            if name not in classes:
                classes[name] = type_map.get_dt_container_cls(name, namespace, autogen=True)
    return classes


def _is_array_type(tp: Any) -> bool:
    import h5py
    from hdmf.data_utils import AbstractDataChunkIterator, DataIO

    arrays = (np.ndarray, h5py.Dataset, AbstractDataChunkIterator, DataIO)
    return isinstance(tp, type) and issubclass(tp, arrays)


def annotation(tp: Any, names: Iterable[str], *, optional: bool) -> str:
    """Annotation text of a docval ``type`` (a type, a string or a tuple of them)."""
    known = set(names)
    items = list(tp) if isinstance(tp, tuple) else [tp]
    arraylike = any(_is_array_type(t) or t in ("array_data", "data") for t in items)
    classes: list[str] = []
    tokens: list[str] = []
    sequence = mapping = False
    for item in items:
        name = item if isinstance(item, str) else getattr(item, "__name__", "")
        if item in _SCALARS:
            tokens.append(_SCALARS[item])
        elif name in known:
            classes.append(name)
        elif item in (list, tuple):
            sequence = True
        elif item is dict:
            mapping = True
        elif item is None:
            continue
        elif not arraylike:
            tokens.append("Any")  # hdmf machinery (TypeMap, HERD's tables, TermSet, ...)
    element = " | ".join(classes) or "Any"
    out = ["ArrayLike"] if arraylike else []
    out += classes + tokens
    if sequence and not arraylike:
        out.append(f"Sequence[{element}]")
    if mapping:
        out.append(f"Mapping[str, {element}]")
    unique = list(dict.fromkeys(out))
    text = "Any" if "Any" in unique or not unique else " | ".join(unique)
    return text if text == "Any" or not optional else f"{text} | None"


def _sig(func: Callable[..., Any], names: Iterable[str]) -> Sig:
    from hdmf.utils import AllowPositional

    docval = getattr(func, "__docval__", None)
    if docval is None:
        raise TypeError(f"{func.__qualname__} has no docval")
    params = []
    for arg in docval["args"]:
        default = arg.get("default", REQUIRED)
        optional = default is None or bool(arg.get("allow_none"))
        text = annotation(arg["type"], names, optional=optional)
        params.append(Param(arg["name"], text, default))
    positional = docval.get("allow_positional") != AllowPositional.ERROR
    return Sig(tuple(params), positional=positional, extra=bool(docval.get("allow_extra")))


def _init(cls: type) -> Callable[..., Any]:
    for klass in cls.__mro__:  # a deprecated type's __init__(**kwargs) hides the generated one
        init = klass.__dict__.get("__init__")
        if init is not None and hasattr(init, "__docval__"):
            return init  # type: ignore[no-any-return]
    raise TypeError(f"{cls.__name__} has no docval constructor")


def _own_classes(cls: type, names: Iterable[str]) -> list[type]:
    """``cls`` and the helper classes (not neurodata types) that only it brings in."""
    known = set(names)
    parents = [b for b in cls.__mro__[1:] if b.__name__ in known]
    inherited = {k for p in parents for k in p.__mro__}
    return [k for k in cls.__mro__ if k is cls or (k.__name__ not in known and k not in inherited)]


def _methods(cls: type, names: Iterable[str]) -> dict[str, Sig]:
    out: dict[str, Sig] = {}
    for klass in reversed(_own_classes(cls, names)):
        for attr, value in sorted(vars(klass).items()):
            func = value.__func__ if isinstance(value, classmethod | staticmethod) else value
            if attr.startswith("_") or attr in INTERNAL_METHODS or not callable(func):
                continue
            if hasattr(func, "__docval__"):
                out[attr] = _sig(func, names)
    return dict(sorted(out.items()))


def _bases(cls: type, classes: dict[str, type]) -> tuple[str, ...]:
    """The nearest neurodata types above ``cls`` (through helper classes such as pynwb's
    MultiContainerInterface)."""
    out: list[str] = []
    for base in cls.__bases__:
        found = next((k.__name__ for k in base.__mro__ if k.__name__ in classes), None)
        if found is not None and found not in out:
            out.append(found)
    return tuple(out)


def extract() -> dict[str, ClassSig]:
    """Constructor and methods (those each class defines itself) of every pynwb class."""
    classes = neurodata_classes()
    names = list(classes)
    out: dict[str, ClassSig] = {}
    for name, cls in classes.items():
        bases = _bases(cls, classes)
        out[name] = ClassSig(bases, _sig(_init(cls), names), _methods(cls, names))
    return out


def _render_sig(sig: Sig) -> str:
    params = "".join(f"{p!r}, " for p in sig.params)
    flags = "" if sig.positional else ", positional=False"
    flags += ", extra=True" if sig.extra else ""
    return f"Sig(({params}){flags})"


def render(data: dict[str, ClassSig]) -> str:
    """The text of ``nwbzarr/model/signatures.py`` for ``data`` (before ``ruff format``)."""
    header = TARGET.read_text().split("# --- generated below")[0]
    lines = [header + "# --- generated below by `python tests/pynwb_docval.py`; do not edit ---\n"]
    lines.append("CLASSES: dict[str, ClassSig] = {\n")
    for name, cls in data.items():
        methods = "".join(f"{m!r}: {_render_sig(s)}, " for m, s in cls.methods.items())
        tail = f", {{{methods}}}" if methods else ""
        lines.append(f"    {name!r}: ClassSig({cls.bases!r}, {_render_sig(cls.init)}{tail}),\n")
    lines.append("}\n")
    return "".join(lines)


def main() -> None:
    """Regenerate ``nwbzarr/model/signatures.py`` (then ``ruff format`` it)."""
    import subprocess

    TARGET.write_text(render(extract()))
    subprocess.run([sys.executable, "-m", "ruff", "format", str(TARGET)], check=True)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
