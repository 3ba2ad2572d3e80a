"""What a model class knows about its neurodata type, computed once per class.

Every class of the model (hand-written or generated) gets a :class:`ClassInfo` on first use:
its schema fields, which of them the generic mapping reads and writes (those that no
hand-written code maps), its constructor's parameters (pynwb's names, order and defaults,
from :mod:`nwbzarr.model.signatures`, or hdmf's rule for types pynwb lacks) and the checks
to run at construction. The constructor itself (:func:`install_init`) binds positional
arguments, sets the generic fields and checks them: a few dict operations per call.
"""

from __future__ import annotations

import dataclasses
import inspect
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nwbzarr.errors import ValidationError
from nwbzarr.model.checks import check_field
from nwbzarr.model.fields import Field, field_table
from nwbzarr.model.lazy import LazyContainers

if TYPE_CHECKING:
    from nwbzarr.model.base import Container
    from nwbzarr.spec.catalog import Catalog

_READING: ContextVar[bool] = ContextVar("nwbzarr_model_reading", default=False)
REQUIRED_DEFAULT = inspect.Parameter.empty


_UNNAMED: ContextVar[list[Any] | None] = ContextVar("nwbzarr_model_unnamed", default=None)


class reading:
    """Within: containers are built from a file, so construction checks are skipped.

    A container built within gets its object ID from the file (set before the block ends);
    one that has none by then gets a new one as it ends: a UUID costs ~3 us, as much as
    building the container, and a file's containers carry theirs.

    A class rather than a generator-based context manager: entered for every container read
    (thousands per file), where it costs a third as much."""

    __slots__ = ("_built", "_reading", "_unnamed")

    def __enter__(self) -> None:
        self._reading = _READING.set(True)
        self._built: list[Any] = []
        self._unnamed = _UNNAMED.set(self._built)

    def __exit__(self, *exc: object) -> None:
        _UNNAMED.reset(self._unnamed)
        _READING.reset(self._reading)
        for obj in self._built:
            if not obj.object_id:
                obj.object_id = str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class Param:
    """One constructor parameter: name, default (``REQUIRED_DEFAULT`` if none), positional."""

    name: str
    default: Any = REQUIRED_DEFAULT
    positional: bool = True
    annotation: Any = inspect.Parameter.empty


@dataclass(frozen=True, slots=True)
class ClassInfo:
    """The schema facts of one class, as tables iterated per object."""

    type_name: str
    namespace: str
    doc: str
    fields: tuple[Field, ...]
    extras: tuple[Field, ...]
    args: tuple[Field, ...]
    arg_specs: tuple[tuple[Field, Any, bool], ...]
    checked: tuple[Field, ...]
    params: tuple[Param, ...]
    positional: tuple[str, ...]
    fill: tuple[tuple[str, Any], ...]
    default_name: str | None
    is_dataset: bool
    dc_names: frozenset[str]
    node_attrs: tuple[Field, ...]
    ref_attrs: tuple[Field, ...]
    members: tuple[Field, ...]
    owned: Mapping[str, tuple[Field, ...]]
    unnamed: tuple[Field, ...]
    collections: tuple[Field, ...]
    columns: tuple[Field, ...] = ()
    dtype: Any = None  # a dataset type's own dtype (a compound's fields, for its values)
    field_map: Mapping[str, Field] = dataclasses.field(default_factory=dict)


def handled_names(cls: type) -> frozenset[str]:
    """Field names that hand-written code maps for ``cls`` (dataclass fields, ``handles``)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if "_handwritten" in klass.__dict__:
            names.update(f.name for f in dataclasses.fields(klass))
            names.update(klass.__dict__.get("handles", ()))
    return frozenset(names)


def dataclass_init_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls) if f.init)


def build_info(cls: type[Container], catalog: Catalog, pynwb: Mapping[str, Any]) -> ClassInfo:
    """The :class:`ClassInfo` of ``cls`` from ``catalog`` (and pynwb's signature, if any)."""
    tspec = catalog.get(cls.neurodata_type, cls.namespace)
    resolved = catalog.resolved(tspec.name, tspec.namespace)
    sig = pynwb.get(tspec.name) if tspec.namespace in BUNDLED_NAMESPACES else None
    known = frozenset(sig.init.names()) if sig is not None else frozenset()
    names = known | dataclass_init_names(cls)  # a hand-written field keeps its name
    fields = _pynwb_names(field_table(resolved, names), known, dataclass_init_names(cls))
    handled = handled_names(cls)
    columns: tuple[Field, ...] = ()
    if getattr(cls, "table_columns", False):
        columns = tuple(f for f in fields if _column(f, catalog, tspec.namespace))
        fields = tuple(f for f in fields if f not in columns)
    extras = tuple(f for f in fields if _generic(f, handled) and not _taken(cls, f.name))
    if cls.__dict__.get("maps_all_fields", False):
        extras = ()  # NWBFile: its layout is hand-written field by field
    if resolved.kind == "dataset" and "data" not in handled:
        data = Field("data", "dataset", None, doc=resolved.doc, dtype=resolved.dtype)
        extras = (data, *extras)
        fields = (data, *fields)
    args = tuple(f for f in extras if f.fixed is None)
    dc_names = dataclass_init_names(cls)
    params = _params(cls, sig, fields, args, dc_names)
    default_name = resolved.name or resolved.default_name
    name_field = next(f for f in dataclasses.fields(cls) if f.name == "name")
    if name_field.default is not dataclasses.MISSING:
        default_name = None  # the hand-written default stands (Units: "units")
    by_param = {p.name: p for p in params}
    arg_specs = []
    for f in args:
        p = by_param.get(f.name)
        if p is None or sig is None:
            arg_specs.append((f, f.default, f.required))
        else:
            required = p.default is REQUIRED_DEFAULT
            arg_specs.append((f, None if required else p.default, required))
    owned: dict[str, tuple[Field, ...]] = {}
    for f in extras:
        if f.owner is not None:
            owned[f.owner] = (*owned.get(f.owner, ()), f)
    attributes = [f for f in extras if f.kind == "attribute"]
    return ClassInfo(
        type_name=tspec.name,
        namespace=tspec.namespace,
        doc=resolved.doc,
        fields=fields,
        extras=extras,
        args=args,
        arg_specs=tuple(arg_specs),
        checked=tuple(f for f in fields if f.fixed is None and (f.dtype or f.shape)),
        params=params,
        positional=tuple(p.name for p in params if p.positional),
        fill=_fill(cls, params, fields),
        default_name=default_name,
        is_dataset=resolved.kind == "dataset",
        dc_names=dc_names,
        node_attrs=tuple(f for f in attributes if not f.is_ref),
        ref_attrs=tuple(f for f in attributes if f.is_ref),
        members=tuple(
            f
            for f in extras
            if f.kind in MEMBER_KINDS and not (f.kind == "dataset" and f.path is None)
        ),
        owned=owned,
        unnamed=tuple(
            f
            for f in extras
            if f.kind in ("child", "children") and f.path is None and f.within is None
        ),
        collections=tuple(f for f in fields if f.kind == "children"),
        columns=columns,
        dtype=resolved.dtype if resolved.kind == "dataset" else None,
        field_map={f.name: f for f in fields},
    )


MEMBER_KINDS = frozenset({"dataset", "child", "children", "link"})


BUNDLED_NAMESPACES = frozenset({"core", "hdmf-common", "hdmf-experimental"})


def _pynwb_names(
    fields: tuple[Field, ...], known: frozenset[str], dc: frozenset[str]
) -> tuple[Field, ...]:
    """One collection that pynwb names its own way (``Images.images``, not ``base_images``)."""
    names = {f.name for f in fields}
    params = [p for p in known if p not in names and p not in dc]
    loose = [f for f in fields if f.kind in ("child", "children") and f.name not in known]
    if len(params) != 1 or len(loose) != 1:
        return fields
    return tuple(dataclasses.replace(f, name=params[0]) if f is loose[0] else f for f in fields)


def _taken(cls: type, name: str) -> bool:
    """A hand-written property or method of that name (``TimeSeries.num_samples``)."""
    value = inspect.getattr_static(cls, name, None)
    return isinstance(value, property) or inspect.isfunction(value)


def _column(f: Field, catalog: Catalog, namespace: str) -> bool:
    if f.kind not in ("child", "children") or f.type_name is None:
        return False
    return any(
        catalog.is_a(f.type_name, t, namespace) for t in ("VectorData", "ElementIdentifiers")
    )


def _generic(f: Field, handled: frozenset[str]) -> bool:
    if f.name in handled:
        return False
    return f.owner is None or f.owner not in handled  # a mapped dataset maps its attributes


def _params(
    cls: type, sig: Any, fields: tuple[Field, ...], args: tuple[Field, ...], dc: frozenset[str]
) -> tuple[Param, ...]:
    if sig is not None:
        out = [
            Param(
                p.name, REQUIRED_DEFAULT if p.required else p.default, sig.init.positional, p.type
            )
            for p in sig.init.params
        ]
    else:
        out = _rule_params(cls, args)
    taken = {p.name for p in out}
    for f in args:  # schema fields pynwb does not take: keyword-only
        if f.name not in taken:
            out.append(Param(f.name, f.default, positional=False))
            taken.add(f.name)
    return tuple(out)


def _rule_params(cls: type, args: tuple[Field, ...]) -> list[Param]:
    """hdmf's class generator: the parent's parameters, then the new fields; required first."""
    parent = next((b for b in cls.__mro__[1:] if "_info" in b.__dict__), None)
    inherited = list(parent.__dict__["_info"].params) if parent is not None else []
    if not inherited:
        inherited = [Param("name")]
    names = {p.name for p in inherited}
    for f in args:
        if f.name not in names:
            default = REQUIRED_DEFAULT if f.required else f.default
            inherited.append(Param(f.name, default))
            names.add(f.name)
    positional = [p for p in inherited if p.positional]
    required = [p for p in positional if p.default is REQUIRED_DEFAULT]
    optional = [p for p in positional if p.default is not REQUIRED_DEFAULT]
    return [*required, *optional, *(p for p in inherited if not p.positional)]


def _fill(
    cls: type, params: tuple[Param, ...], fields: tuple[Field, ...]
) -> tuple[tuple[str, Any], ...]:
    """pynwb's defaults and the schema's fixed values that differ from the hand-written
    defaults (``SpatialSeries.unit`` is meters, ``OptogeneticSeries.unit`` is watts)."""
    if "_handwritten" in cls.__dict__:
        return ()
    by_name = {f.name: f for f in dataclasses.fields(cls)}
    out: dict[str, Any] = {}
    for p in params:
        f = by_name.get(p.name)
        if f is None or p.default is REQUIRED_DEFAULT or p.default is None:
            continue
        if f.default is not p.default and f.default != p.default:
            out[p.name] = p.default
    for field in fields:
        f = by_name.get(field.name)
        if f is not None and field.fixed is not None and f.default != field.fixed:
            out[field.name] = field.fixed
    return tuple(out.items())


def signature_of(info: ClassInfo) -> inspect.Signature:
    """The constructor's signature (without ``self``)."""
    params = []
    for p in info.params:
        kind = (
            inspect.Parameter.POSITIONAL_OR_KEYWORD
            if p.positional
            else inspect.Parameter.KEYWORD_ONLY
        )
        params.append(inspect.Parameter(p.name, kind, default=p.default, annotation=p.annotation))
    ordered = sorted(params, key=lambda q: q.kind)  # positional before keyword-only
    fixed: list[inspect.Parameter] = []
    seen_default = False
    for param in ordered:
        q = param
        if q.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            if q.default is REQUIRED_DEFAULT and seen_default:
                q = q.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            seen_default = seen_default or q.default is not REQUIRED_DEFAULT
        fixed.append(q)
    return inspect.Signature(sorted(fixed, key=lambda q: q.kind))


def construct(
    obj: Container, info: ClassInfo, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """The body of every model constructor."""
    cls = type(obj)
    if args:
        _bind(cls.__name__, info.positional, args, kwargs)
    for name, default in info.fill:
        if name not in kwargs:  # a fresh copy of a mutable default (pynwb's data=[])
            kwargs[name] = default.copy() if isinstance(default, list | dict) else default
    extras = {f.name: kwargs.pop(f.name) for f in info.args if f.name in kwargs}
    if "name" not in kwargs and info.default_name is not None:
        kwargs["name"] = info.default_name
    cls._dc_init(obj, **kwargs)  # type: ignore[attr-defined]
    checking = not _READING.get()
    _set_fields(obj, info, extras, checking)
    if checking:
        hook = getattr(obj, "post_fields", None)
        if hook is not None:
            hook()
        where = f"{cls.__name__} {obj.name!r}"
        for f in info.checked:
            if f.name in kwargs or f.name in extras:  # defaults are the schema's own
                check_field(where, f, getattr(obj, f.name, None))


def _set_fields(obj: Container, info: ClassInfo, given: dict[str, Any], checking: bool) -> None:
    """Set the fields the generic mapping owns: given, else pynwb's (or the schema's) default."""
    for f, default, required in info.arg_specs:
        if f.name in given:
            value = given[f.name]
        else:
            value = default.copy() if isinstance(default, list | dict) else default
        if f.kind == "children":
            value = as_collection(value, type(obj).__name__, f)
            if f.within is not None:  # pynwb keeps these as given: a tuple
                value = tuple(value.values())
        elif checking and value is None and required:
            raise ValidationError(f"{type(obj).__name__} {obj.name!r}: {f.name} is required")
        setattr(obj, f.name, value)


def _bind(
    owner: str, names: tuple[str, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    if len(args) > len(names):
        raise TypeError(
            f"{owner}() takes {len(names)} positional arguments but {len(args)} were given"
        )
    for name, value in zip(names, args, strict=False):
        if name in kwargs:
            raise TypeError(f"{owner}() got multiple values for argument {name!r}")
        kwargs[name] = value


def as_collection(value: Any, owner: str, f: Field) -> dict[str, Any]:
    """pynwb accepts one container, a list or a dict for a collection: a dict by name."""
    if value is None:
        return {}
    if isinstance(value, LazyContainers):
        return value
    if _is_container(value):
        return {value.name: value}
    items = value.values() if isinstance(value, Mapping) else value
    out: dict[str, Any] = {}
    for item in items:
        if not _is_container(item):
            raise ValidationError(f"{owner}: {f.name}: {item!r} is not a container")
        out[item.name] = item
    return out


def _is_container(value: Any) -> bool:
    return hasattr(value, "neurodata_type") and hasattr(value, "object_id")


def make_init(cls: type[Container], prepare: Callable[[type], ClassInfo]) -> Callable[..., None]:
    """A constructor for ``cls`` that prepares the class's info on its first call."""

    def __init__(self: Container, *args: Any, **kwargs: Any) -> None:
        klass = type(self)
        if _READING.get() and not args:  # built from a file: its fields are read on use
            built = _UNNAMED.get()
            if built is not None and "object_id" not in kwargs:
                kwargs["object_id"] = ""  # the file's, or a new one (see ``reading``)
                built.append(self)
            klass._dc_init(self, **kwargs)  # type: ignore[attr-defined]
            return
        info = klass.__dict__.get("_info")
        if info is None:
            info = prepare(klass)
        construct(self, info, args, kwargs)

    __init__.__qualname__ = f"{cls.__name__}.__init__"
    return __init__


__all__ = ["ClassInfo", "build_info", "construct", "make_init", "reading", "signature_of"]
