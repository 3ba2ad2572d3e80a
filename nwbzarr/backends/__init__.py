"""Storage backends: one per format (:mod:`~nwbzarr.backends.hdf5`, :mod:`~nwbzarr.backends.zarr`).

Each implements the node interface of :mod:`nwbzarr.tree` and only translates nodes; shared
logic lives above them. :func:`nwbzarr.open` imports a backend when a file of its format is
opened, so this package imports none of them.
"""
