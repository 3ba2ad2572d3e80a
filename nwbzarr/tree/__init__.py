"""The backend-agnostic node tree: groups, arrays, attributes, links and references.

A :class:`Group` is a mapping of names to nodes, an :class:`Array` is lazy and numpy-like,
``attrs`` is a mapping, and links and references are small values::

    root = nwbzarr.open("session.nwb")
    data = root["acquisition/ElectricalSeries/data"]     # nothing read yet
    window = data[30_000:60_000]                          # reads only those chunks
    root.get_link("acquisition/ts2/timestamps")           # SoftLink('/acquisition/ts1/timestamps')

Backends subclass :class:`File`, :class:`Group`, :class:`Array` and :class:`Attributes` and
implement the underscored hooks; everything else (path walking, link following, cycle
detection, array creation arguments) lives here, once.
"""

from nwbzarr.dtypes import Reference
from nwbzarr.tree.attrs import Attributes, TypedAttr, typed_items
from nwbzarr.tree.blocks import block_shape, chunk_index, iter_blocks, normalize_key
from nwbzarr.tree.nodes import MAX_LINK_HOPS, Array, File, Group, LinkResolver, Node
from nwbzarr.tree.spec import ArraySpec, check_name, make_spec
from nwbzarr.tree.values import ExternalLink, Filter, Link, SoftLink

__all__ = [
    "MAX_LINK_HOPS",
    "Array",
    "ArraySpec",
    "Attributes",
    "ExternalLink",
    "File",
    "Filter",
    "Group",
    "Link",
    "LinkResolver",
    "Node",
    "Reference",
    "SoftLink",
    "TypedAttr",
    "block_shape",
    "check_name",
    "chunk_index",
    "iter_blocks",
    "make_spec",
    "normalize_key",
    "typed_items",
]
