"""Floors measured in C: what libhdf5 itself costs, with no binding and no Python.

:func:`hdf5_metadata_floor` builds ``hdf5_metadata.c`` against the libhdf5 that h5py loads
(found in this process's memory map, so wheels and system builds alike) with the C compiler
on the PATH, caches the binary by source and library, and runs it on a file. No compiler, no
Linux memory map: None, and the benchmark leaves the floor out.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.common import DATA_DIR

SOURCE = Path(__file__).with_name("hdf5_metadata.c")


def loaded_libhdf5() -> Path | None:
    """The libhdf5 shared library h5py runs on (from /proc/self/maps), or None."""
    import h5py  # noqa: F401 - loads libhdf5

    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    for line in maps.splitlines():
        path = line.split(maxsplit=5)[-1] if len(line.split()) >= 6 else ""
        name = Path(path).name
        if name.startswith("libhdf5") and not name.startswith("libhdf5_hl") and ".so" in name:
            return Path(path)
    return None


def build() -> Path | None:
    """The compiled floor program (built once per source and library), or None."""
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    library = loaded_libhdf5()
    if compiler is None or library is None:
        return None
    digest = hashlib.sha256(SOURCE.read_bytes() + str(library).encode()).hexdigest()[:16]
    binary = DATA_DIR / "floor" / f"hdf5_metadata-{digest}"
    if binary.is_file():
        return binary
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_name(binary.name + ".partial")
    cmd = [compiler, "-O2", "-o", str(partial), str(SOURCE), str(library)]
    cmd.append(f"-Wl,-rpath,{library.parent}")
    if subprocess.run(cmd, capture_output=True, check=False).returncode != 0:
        return None
    partial.rename(binary)
    return binary


def hdf5_metadata_floor(path: str) -> dict[str, Any] | None:
    """Run the floor program on ``path``: ``{"seconds", "objects", "attributes", "links"}``."""
    binary = build()
    if binary is None:
        return None
    done = subprocess.run([str(binary), path], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result
