"""Test support: files the suite generates from its own dependencies.

``pynwb_files`` writes NWB files with pynwb (HDF5), ``zarr_files`` writes the same workflows
with hdmf-zarr (Zarr format 3), ``h5py_files`` writes what pynwb no longer can (region
references), and ``corpus`` puts them beside the third-party corpus (``../shared/corpus``) when
it is checked out. ``python -m support.generate OUT`` (from ``tests/``) writes them all.
"""
