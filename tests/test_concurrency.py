"""Concurrency: readers of a Zarr store while one writer appends; two writers are refused.

Blocks carry their index as values, so a reader can check every value it sees. The writer
appends a block, then ``flush()``es: chunks first, then the array document, then the root
``zarr.json`` (consolidated metadata), each written atomically (temporary file + rename). A
reader therefore sees a shape that covers completed blocks only.

HDF5 without SWMR cannot be read while it is written: libhdf5's file locking refuses a second
open for writing (and readers) while a writer holds the file; readers open it after close.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import nwbzarr

BLOCK = 5_000
BLOCKS = int(os.environ.get("NWBZARR_CONCURRENCY_BLOCKS", "40"))
READERS = 3

WRITER = f"""
import sys, time
import numpy as np
import nwbzarr
with nwbzarr.open(sys.argv[1], "w") as root:
    x = root.create_array("x", shape=(0,), dtype="int64", maxshape=(None,), chunks=(3_000,))
    root.file.flush()
    print("ready", flush=True)
    for i in range({BLOCKS}):
        x.append(np.full({BLOCK}, i, dtype="int64"))
        root.file.flush()
        time.sleep(0.05)
"""

READER = f"""
import json, sys, time
import numpy as np
import nwbzarr
from nwbzarr import FormatError
deadline = time.monotonic() + 60
reads = shapes = 0
last = 0
while time.monotonic() < deadline:
    with nwbzarr.open(sys.argv[1]) as root:
        x = root.array("x")
        n = x.shape[0]
        if n % {BLOCK}:
            print(json.dumps({{"error": f"shape {{n}} is not a whole number of blocks"}}))
            sys.exit(1)
        if n < last:
            print(json.dumps({{"error": f"shape went back from {{last}} to {{n}}"}}))
            sys.exit(1)
        last = n
        values = x[...]
        expected = np.repeat(np.arange(n // {BLOCK}), {BLOCK})
        if not np.array_equal(values, expected):
            bad = int(np.flatnonzero(values != expected)[0])
            print(json.dumps({{"error": f"value {{values[bad]}} at {{bad}} (shape {{n}})"}}))
            sys.exit(1)
        reads += 1
    if n == {BLOCKS * BLOCK}:
        break
print(json.dumps({{"reads": reads, "final": last}}))
"""


def test_readers_see_only_completed_blocks(tmp_path: Path) -> None:
    store = tmp_path / "live.nwb.zarr"
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "ready"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(READER), str(store)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(READERS)
    ]
    _, werr = writer.communicate(timeout=120)
    assert writer.returncode == 0, werr
    results = []
    for reader in readers:
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 0, out + err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert all(r["final"] == BLOCKS * BLOCK for r in results)
    print(
        f"concurrency: {READERS} readers, {BLOCKS} appends of {BLOCK}: "
        f"{sum(r['reads'] for r in results)} consistent reads"
    )


HOLD = """
import sys, time
import numpy as np
import nwbzarr
root = nwbzarr.open(sys.argv[1], "w", overwrite=True)
root.create_array("x", np.arange(10))
print("holding", flush=True)
time.sleep(30)
"""


def _second_writer(path: Path, mode: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys, nwbzarr\n"
        "try:\n"
        f"    root = nwbzarr.open(sys.argv[1], {mode!r}, overwrite=True)\n"
        "except Exception as err:\n"
        "    print('refused', type(err).__name__, err)\n"
        "    sys.exit(0)\n"
        "root.create_array('y', [1, 2, 3])\n"
        "root.close()\n"
        "print('accepted')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("fmt", "mode"),
    [
        ("hdf5", "a"),
        ("hdf5", "w"),
        ("zarr", "w"),
    ],
)
def test_second_writer_is_refused(fmt: str, mode: str, tmp_path: Path) -> None:
    path = tmp_path / ("f.nwb" if fmt == "hdf5" else "f.nwb.zarr")
    first = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert first.stdout is not None
        assert first.stdout.readline().strip() == "holding"
        started = time.monotonic()
        second = _second_writer(path, mode)
        assert time.monotonic() - started < 30
        assert second.stdout.startswith("refused"), second.stdout + second.stderr
    finally:
        first.kill()
        first.wait()


def test_hdf5_readers_wait_for_close(tmp_path: Path) -> None:
    """The HDF5 reader story: a file being written is refused (locked or incomplete), and
    reads fine once closed."""
    path = tmp_path / "f.nwb"
    root = nwbzarr.open(path, "w")
    root.create_array("x", np.arange(10))
    root.file.flush()
    code = (
        "import sys, nwbzarr\n"
        "try:\n    nwbzarr.open(sys.argv[1]).close()\n"
        "except Exception as err:\n    print('refused', type(err).__name__)\n"
        "else:\n    print('opened')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    assert out.startswith("refused")
    assert "FormatError" in out or "IncompleteFileError" in out
    root.close()
    with nwbzarr.open(path) as again:
        assert list(again.array("x")[...]) == list(range(10))
