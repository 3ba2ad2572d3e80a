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
