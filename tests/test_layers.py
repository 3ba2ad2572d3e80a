"""The package's layers: what importing a module does and does not do.

Each check runs in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter that imports this checkout; its stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_testing_servers_import_leaves_environment_and_moto_alone() -> None:
    code = (
        "import json, os, sys\n"
        "before = dict(os.environ)\n"
        "import nwbzarr.testing.servers, nwbzarr.testing.fuzz, nwbzarr.testing\n"
        "print(json.dumps({'env': dict(os.environ) == before,\n"
        "  'loaded': sorted(m for m in ('moto', 'boto3', 'werkzeug') if m in sys.modules)}))\n"
    )
    assert json.loads(run_python(code)) == {"env": True, "loaded": []}


def test_runtime_never_imports_testing() -> None:
    code = (
        "import sys, nwbzarr, nwbzarr.cli, nwbzarr.convert, nwbzarr.demo, nwbzarr.xr\n"
        "print(sorted(m for m in sys.modules if m.startswith('nwbzarr.testing')))\n"
    )
    assert run_python(code).strip() == "[]"


HEAVY = ("zarr", "xarray", "dask", "fsspec")


def test_import_nwbzarr_loads_no_heavy_dependency() -> None:
    code = f"import nwbzarr, sys\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    assert run_python(code).strip() == "[]"


def test_every_export_resolves() -> None:
    code = (
        "import nwbzarr\n"
        "missing = [n for n in nwbzarr.__all__ if getattr(nwbzarr, n, None) is None]\n"
        "print(missing, set(nwbzarr.__all__) <= set(dir(nwbzarr)))\n"
    )
    assert run_python(code).strip() == "[] True"


def test_hdf5_read_and_write_never_import_zarr(tmp_path: Path) -> None:
    path = tmp_path / "x.nwb"
    code = (
        "import sys, numpy as np, nwbzarr\n"
        f"with nwbzarr.open({str(path)!r}, 'w') as root:\n"
        "    root.create_array('acquisition/data', np.arange(10), attrs={'unit': 'V'})\n"
        f"with nwbzarr.open({str(path)!r}) as root:\n"
        "    assert list(root.array('acquisition/data')[2:4]) == [2, 3]\n"
        "nwbzarr.read  # the typed model loads without zarr too\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    assert run_python(code).strip() == "[]"


def test_cli_help_imports_no_backend() -> None:
    code = (
        "import sys\n"
        "from nwbzarr.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {(*HEAVY, 'h5py')!r} if m in sys.modules))\n"
    )
    assert run_python(code).strip().splitlines()[-1] == "[]"
