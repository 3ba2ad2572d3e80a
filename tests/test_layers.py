"""The package's layers: what importing a module does and does not do.

Each check runs in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

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


# --------------------------------------------------------------------------------------------
# the import graph (docs/architecture.md)
# --------------------------------------------------------------------------------------------
def test_layer_contracts_hold() -> None:
    """The contracts in pyproject.toml: layers, and who may import h5py, zarr and xarray."""
    command = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"
    done = subprocess.run(
        [sys.executable, "-c", command, "--no-cache", "pyproject.toml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    report = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    assert re.search(r"Contracts: (\d+) kept, 0 broken", report), report


def _graph() -> Any:
    import grimp

    return grimp.build_graph("nwbzarr", exclude_type_checking_imports=True)


def test_no_import_cycles() -> None:
    graph = _graph()
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    cycles = [c for c in _strongly_connected(modules, edges) if len(c) > 1]
    assert cycles == []


def test_no_module_imports_the_package() -> None:
    """``import nwbzarr`` inside the package would load every eager export (and cycles)."""
    graph = _graph()
    importers = sorted(graph.find_modules_that_directly_import("nwbzarr"))
    assert importers == []


def _strongly_connected(nodes: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(edges[succ])))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_cycles() -> None:
    edges = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"], "e": ["e"]}
    components = _strongly_connected(sorted(edges), edges)
    assert sorted(components) == [["a", "b", "c"], ["d"], ["e"]]


PRIVATE_XARRAY = (
    "_construct_direct",
    "_maybe_create_default_indexes",
    "_replace",
    "_set_node_data",
    "_node_coord_variables",
    "_node_indexes",
    "_children",
    "_variables",
    "_indexes",
)


def _python_files() -> list[Path]:
    return sorted((ROOT / "nwbzarr").rglob("*.py"))


def test_private_xarray_names_in_one_module() -> None:
    import ast

    users = set()
    for path in _python_files():
        text = path.read_text()
        if "xarray" not in text and "xr." not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "value", None)
            if isinstance(name, str) and name in PRIVATE_XARRAY:
                users.add(path.relative_to(ROOT).as_posix())
    assert users <= {"nwbzarr/xr/_private.py"}


def test_the_garbage_collector_is_never_paused() -> None:
    import ast

    pausing = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("disable", "freeze")
                and isinstance(node.value, ast.Name)
                and node.value.id == "gc"
            ):
                pausing.add(path.relative_to(ROOT).as_posix())
    assert pausing == set()


MAX_MODULE_LINES = 650  # "about 600": one responsibility per module
DATA_MODULES = {"nwbzarr/model/signatures.py"}  # pynwb's signatures as data, not code


def test_modules_stay_small() -> None:
    big = {
        path.relative_to(ROOT).as_posix(): n
        for path in _python_files()
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert {k: v for k, v in big.items() if k not in DATA_MODULES} == {}
