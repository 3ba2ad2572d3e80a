"""Converting an archive: every HDF5 session of a folder to Zarr, checked, and back.

Each file is converted with chunks and codecs kept, validated with nwbzarr's structural
checks, and compared node by node with its source. The same from a shell:
``for f in archive/*.nwb; do nwbzarr convert "$f" "zarr/$(basename "$f").zarr"; done``.
Run: ``python docs/examples/convert_archive.py [OUTPUT_DIR]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import nwbzarr
from nwbzarr.demo import build_nwbfile
from nwbzarr.testing import tree_diff
from nwbzarr.validate import validate


def make_archive(folder: Path, n: int = 3) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"session{i}.nwb"
        nwbzarr.write(build_nwbfile(seconds=2.0, channels=4 * (i + 1)), path, overwrite=True)
        paths.append(path)
    return paths


def convert_archive(sources: list[Path], dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    done = []
    for src in sources:
        dst = dest / (src.name + ".zarr")
        start = time.perf_counter()
        nwbzarr.convert(src, dst, overwrite=True)  # progress bar on a terminal
        errors = [f for f in validate(dst) if f.severity == "error"]
        with nwbzarr.open(src) as a, nwbzarr.open(dst) as b:
            differences = tree_diff(a, b)
        status = "ok" if not errors and not differences else f"{errors + differences}"
        print(f"{src.name} -> {dst.name}  {time.perf_counter() - start:.2f} s  {status}")
        if status != "ok":
            raise RuntimeError(f"{src}: {status}")
        done.append(dst)
    return done


def main(out_dir: Path) -> list[Path]:
    sources = make_archive(out_dir / "archive")
    return convert_archive(sources, out_dir / "zarr")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
