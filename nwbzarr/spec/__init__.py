"""The NWB schema: namespaces, neurodata types and their fields, as frozen values.

Where it comes from (never a copy kept in nwbzarr):

* the YAML files that the installed ``pynwb`` and ``hdmf`` distributions ship (NWB core,
  hdmf-common, hdmf-experimental), read as data without importing those packages:
  :func:`bundled_catalog`;
* extensions' namespace files given to :func:`load_namespaces`: :func:`loaded_catalog`;
* the schema cached in a file (``/specifications``): :func:`catalog_from_file`, which goes
  before the others for the namespaces the file carries.

>>> from nwbzarr.spec import bundled_catalog
>>> catalog = bundled_catalog()
>>> [t.name for t in catalog.ancestry("ElectricalSeries")]
['ElectricalSeries', 'TimeSeries', 'NWBDataInterface', 'NWBContainer', 'Container']
>>> catalog.namespace_of("DynamicTable")
'hdmf-common'
"""

from nwbzarr.errors import SchemaError, UnknownTypeError
from nwbzarr.spec.cache import (
    cache_schema,
    cached_documents,
    cached_texts,
    catalog_from_file,
    namespace_json,
    spec_group,
)
from nwbzarr.spec.catalog import Catalog, NamespaceDocument, TypeSpec, merge
from nwbzarr.spec.schema import (
    AttributeSpec,
    CompoundField,
    DatasetSpec,
    DTypeSpec,
    FieldSpec,
    GroupSpec,
    LinkSpec,
    Namespace,
    Quantity,
    RefSpec,
    Shape,
)
from nwbzarr.spec.sources import (
    bundled_catalog,
    bundled_namespace_files,
    load_namespaces,
    loaded_catalog,
    loaded_extensions,
    read_namespace_file,
)

__all__ = [
    "AttributeSpec",
    "Catalog",
    "CompoundField",
    "DTypeSpec",
    "DatasetSpec",
    "FieldSpec",
    "GroupSpec",
    "LinkSpec",
    "Namespace",
    "NamespaceDocument",
    "Quantity",
    "RefSpec",
    "SchemaError",
    "Shape",
    "TypeSpec",
    "UnknownTypeError",
    "bundled_catalog",
    "bundled_namespace_files",
    "cache_schema",
    "cached_documents",
    "cached_texts",
    "catalog_from_file",
    "load_namespaces",
    "loaded_catalog",
    "loaded_extensions",
    "merge",
    "namespace_json",
    "read_namespace_file",
    "spec_group",
]
