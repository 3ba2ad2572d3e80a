"""Write every generated test file: ``python -m support.generate OUT`` (run from ``tests/``).

``OUT/pynwb42/`` holds the files pynwb writes (HDF5), ``OUT/hdmfzarr014/`` the stores
hdmf-zarr writes (Zarr format 3), ``OUT/h5py/`` what only h5py still writes. The folder names
are the test extra's pinned versions (pynwb 4.2, hdmf-zarr 0.14), which the third-party corpus
uses for the same workflows.

It runs in a process of its own: the extension's namespace is loaded into pynwb's type map,
which must not leak into the tests' process.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

from support import h5py_files, pynwb_files, pynwb_kinds, zarr_files

PYNWB = "pynwb42"
HDMF_ZARR = "hdmfzarr014"
H5PY = "h5py"


def write_all(out: Path) -> None:
    """Every generated file, below ``out`` (which must be empty or absent)."""
    hdf5 = out / PYNWB
    hdf5.mkdir(parents=True)
    for workflow in pynwb_files.WORKFLOWS:
        workflow(hdf5)
    with tempfile.TemporaryDirectory(prefix="nwbzarr-extension-") as spec:
        pynwb_kinds.write_kinds(hdf5, Path(spec))
    (out / H5PY).mkdir()
    h5py_files.write_region_references(out / H5PY / "region_references.nwb")
    zarr_files.write_stores(hdf5, out / HDMF_ZARR)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m support.generate OUT", file=sys.stderr)
        return 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the peers' deprecation and namespace notices
        write_all(Path(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
