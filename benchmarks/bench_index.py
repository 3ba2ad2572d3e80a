"""Scenario ``index``: nwbzarr's three index forms against VirtualiZarr 2.8 and LINDI 0.4.6.

Two parts, one run (``python -m benchmarks --only index``):

* **corpus**: every HDF5 file of ``../shared/corpus`` (``hdf5/``, ``lindi/``; absent: the
  benchmark's own ephys file only) indexed by each tool: files indexed without error, total
  build time, total index size, and files whose every dataset read through the index equals
  h5py's value;
* **cloud**: the ``cloud`` scenario's ephys file (pynwb, shuffle + gzip-4) on the local S3
  endpoint with 20 ms per request, each tool's index of its S3 copy stored there as that
  tool's user would (JSON or Zarr uploaded beside the file, Icechunk repositories written to
  the endpoint with a virtual-chunk container for the file's bucket): requests and bytes to
  open + list the tree and to read 1 s x 64 channels, the window checked against h5py's.

VirtualiZarr's index is written to Icechunk: its ``DataTree`` accessor has ``to_icechunk``
only (``to_kerchunk`` is for a ``Dataset``, one group), and an NWB file is a tree. On S3,
when VirtualiZarr cannot index the whole file, the row indexes the ElectricalSeries group
alone (``electrodes`` dropped), as a user who needs the series would, and says so.

Tools: nwbzarr's ``nwbzarr`` (Zarr v3), ``kerchunk`` and ``icechunk`` forms, run in this
interpreter; VirtualiZarr 2.8's ``HDFParser`` (written to Icechunk, with and without
``links_and_references``) and LINDI 0.4.6 (``.lindi.json``), each in an environment of its
own under the temporary directory (LINDI needs zarr < 3), made here when missing: see
:data:`ENVIRONMENTS`. The worker is ``benchmarks/index_tools.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_convert import Options
from benchmarks.common import (
    BENCH_DIR,
    ES_PATH,
    MB,
    REPO_DIR,
    ephys_nwb,
    fmt_num,
    markdown_table,
)

CORPUS = REPO_DIR.parent / "shared" / "corpus"
WORKER = BENCH_DIR / "index_tools.py"
VENVS = Path(tempfile.gettempdir())
ENVIRONMENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    # tool -> (environment directory name, packages)
    "virtualizarr": (
        "nwbzarr-bench-vz",
        ("virtualizarr[hdf]==2.8.0", "icechunk>=2.3", "zarr>=3.1", "h5py", "numpy"),
    ),
    "lindi": ("nwbzarr-bench-lindi", ("lindi==0.4.6", "zarr<3", "h5py", "numpy")),
}
OURS = ("nwbzarr", "kerchunk", "icechunk")
TOOLS = (*OURS, "virtualizarr", "virtualizarr-lr", "lindi")
ENVIRONMENT_OF = {"virtualizarr-lr": "virtualizarr", "icechunk-xarray": "virtualizarr"}
"""Tools run in another tool's environment (icechunk-xarray: a plain Icechunk + xarray user)."""
PLAIN_ICECHUNK = "icechunk, read by icechunk + xarray"
CHANNELS, CHUNK_ROWS, LATENCY_MS, WINDOW_ROWS, BUCKET = 64, 65536, 20.0, 30_000, "nwb-index"


def python_for(tool: str) -> str:
    """The interpreter that runs ``tool`` (its own environment, made when missing)."""
    if tool in OURS:
        return sys.executable
    name, packages = ENVIRONMENTS[ENVIRONMENT_OF.get(tool, tool)]
    venv = VENVS / name
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"[index] making {venv} ({', '.join(packages)}) ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, cwd=BENCH_DIR)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *packages], check=True, cwd=BENCH_DIR
        )
    return str(python)


def _worker(tool: str, *args: str) -> list[dict[str, Any]]:
    env = {"PYTHONPATH": str(REPO_DIR), "AWS_EC2_METADATA_DISABLED": "true", "PATH": "/usr/bin"}
    done = subprocess.run(
        [python_for(tool), str(WORKER), args[0], tool, *args[1:]],
        capture_output=True,
        text=True,
        check=False,
        cwd=BENCH_DIR,
        env=env,
        timeout=3600,
    )
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 and not records:
        tail = done.stderr.strip().splitlines()[-1:] or ["?"]
        records = [{"tool": tool, "error": f"worker failed: {tail[0][:200]}"}]
    return records


def _sources(ephys: Path) -> list[str]:
    found = sorted(str(p) for p in (CORPUS / "hdf5").glob("*") if p.is_file())
    found += sorted(str(p) for p in (CORPUS / "lindi").glob("*.nwb"))
    return [*found, str(ephys)]


def _corpus(sources: list[str]) -> tuple[list[list[str]], dict[str, Any]]:
    rows, raw = [], {}
    for tool in TOOLS:
        with tempfile.TemporaryDirectory(prefix=f"nwbzarr-index-{tool}-") as out:
            t0 = time.perf_counter()
            records = _worker(tool, "corpus", out, *sources)
            print(f"[index] {tool}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        raw[tool] = records
        built = [r for r in records if "error" not in r]
        equal = [r for r in built if not r.get("differ")]
        errors = sorted({r["error"].split(":")[0] for r in records if "error" in r})
        rows.append(
            [
                tool,
                f"{len(built)} / {len(sources)}",
                f"{len(equal)}",
                fmt_num(sum(r["seconds"] for r in built)),
                fmt_num(sum(r["bytes"] for r in built) / MB),
                ", ".join(errors)[:120],
            ]
        )
    return rows, raw


def _cloud(ephys: Path) -> tuple[list[list[str]], dict[str, Any]]:
    """Open + list and a 1 s window, on the local S3 endpoint, for every index built there."""
    from nwbzarr.testing.servers import S3Server

    span = (str(CHUNK_ROWS * 2 - WINDOW_ROWS // 2), str(CHUNK_ROWS * 2 + WINDOW_ROWS // 2))
    rows, raw = [], {}
    with tempfile.TemporaryDirectory(prefix="nwbzarr-index-cloud-") as tmp, S3Server() as s3:
        s3.create_bucket(BUCKET, public=True)
        s3.upload(ephys, f"s3://{BUCKET}/{ephys.name}")
        targets = _cloud_indexes(Path(tmp), ephys, s3)
        s3.latency_ms = LATENCY_MS
        for tool, target in targets.items():
            s3.log.reset()
            rec: dict[str, Any] = target.copy()
            if "error" not in target:
                args = (target["url"], s3.endpoint, target["array"], *span, str(ephys))
                records = _worker(target["reader"], "read", *args)
                rec.update(records[0] if records else {"error": "no output"})
            raw[tool] = rec
            rows.append(_cloud_row(tool, rec, s3.log.snapshot()))
    return rows, raw


def _cloud_row(tool: str, rec: dict[str, Any], log: list[Any]) -> list[str]:
    """One row of the cloud table: requests, MB and seconds of each operation, the check."""
    scope = f"; {rec['scope']}" if rec.get("scope", "whole file") != "whole file" else ""
    if "marks" not in rec:
        return [tool, "-", "-", "-", "-", "-", "-", f"{rec.get('error', '')[:160]}{scope}"]
    marks: dict[str, float] = rec["marks"]
    cells = [tool]
    for lo, hi in (("t0", "t1"), ("t1", "t2")):
        got = [r for r in log if marks[lo] <= r.time < marks[hi] + 1e-3]
        cells += [
            str(len(got)),
            fmt_num(sum(r.nbytes for r in got) / MB),
            fmt_num(marks[hi] - marks[lo]),
        ]
    verdict = "equal to h5py" if rec["equal"] else f"DIFFERS from h5py (sum {rec['h5py_sum']})"
    cells.append(f"sum {rec['sum']}, {verdict}{scope}")
    return cells


def _cloud_indexes(tmp: Path, ephys: Path, s3: Any) -> dict[str, dict[str, Any]]:
    """Each index of the S3 copy of ``ephys``, where its tool's user would put it.

    nwbzarr's Zarr and kerchunk forms and LINDI's JSON are written locally and uploaded
    beside the file; the Icechunk repositories (nwbzarr's form, VirtualiZarr's) are written
    to the endpoint, with a virtual-chunk container for the file's bucket on that endpoint.
    Returns, per table row, the index URL and the path of the series' data in it (or the
    error that stopped the build).
    """
    import nwbzarr

    src_url, options = f"s3://{BUCKET}/{ephys.name}", s3.storage_options
    targets: dict[str, dict[str, Any]] = {}
    for tool, suffix in (("nwbzarr", ".index.nwb.zarr"), ("kerchunk", ".kerchunk.json")):
        local = tmp / f"{ephys.name}{suffix}"
        nwbzarr.index(src_url, local, format=tool, storage_options=options)
        s3.upload(local, f"s3://{BUCKET}/{local.name}")
        targets[tool] = {"reader": tool, "url": f"s3://{BUCKET}/{local.name}", "array": ES_PATH}
    url = f"{src_url}.index.icechunk"
    nwbzarr.index(src_url, url, format="icechunk", storage_options=options)
    targets["icechunk"] = {"reader": "icechunk", "url": url, "array": ES_PATH}
    targets[PLAIN_ICECHUNK] = {"reader": "icechunk-xarray", "url": url, "array": ES_PATH}
    for tool in ("virtualizarr", "virtualizarr-lr"):
        dst = f"{src_url}.{tool}.icechunk"
        records = _worker(tool, "cloud-build", src_url, dst, s3.endpoint)
        targets[tool] = {"reader": tool, **(records[0] if records else {"error": "no output"})}
    targets["lindi"] = {"reader": "lindi", "url": _lindi_index(tmp, ephys, s3), "array": ES_PATH}
    return targets


def _lindi_index(tmp: Path, ephys: Path, s3: Any) -> str:
    """LINDI's ``.lindi.json`` of ``ephys`` with its references to the HTTP URL of the S3 copy,
    uploaded beside it; its HTTP URL (LINDI reads over HTTP)."""
    local = tmp / f"{ephys.name}.lindi.json"
    http = f"{s3.endpoint}/{BUCKET}/{ephys.name}"
    code = (
        "import lindi,sys; f=lindi.LindiH5pyFile.from_hdf5_file(sys.argv[1], url=sys.argv[2]);"
        "f.write_lindi_file(sys.argv[3]); f.close()"
    )
    subprocess.run(
        [python_for("lindi"), "-c", code, str(ephys), http, str(local)],
        check=True,
        cwd=BENCH_DIR,
    )
    s3.upload(local, f"s3://{BUCKET}/{local.name}")
    return f"{s3.endpoint}/{BUCKET}/{local.name}"


def run(opts: Options) -> tuple[str, dict[str, Any]]:
    """Run the scenario; returns its markdown section and a JSON-able record."""
    ephys = ephys_nwb(opts.rows, channels=CHANNELS, chunk_rows=CHUNK_ROWS, compression="gzip4")
    sources = _sources(ephys)
    corpus_rows, corpus_raw = _corpus(sources)
    cloud_rows, cloud_raw = _cloud(ephys)
    lines = [
        "## index: nwbzarr's index forms, VirtualiZarr 2.8 and LINDI 0.4.6",
        "",
        f"Corpus: {len(sources)} HDF5 files ({CORPUS}: pynwb 1.0-4.2, MatNWB, DANDI sessions, "
        "LINDI's fixtures; and the ephys file below). 'equal' counts files whose every dataset, "
        "read through the index, equals h5py's value. Build time and size summed over the "
        "files indexed; one run each.",
        "",
        markdown_table(["tool", "indexed", "equal", "build s", "index MB", "errors"], corpus_rows),
        "",
        f"Cloud: {ephys.name} on the local S3 endpoint ({LATENCY_MS:g} ms per request). JSON "
        "and Zarr indexes uploaded beside the file; Icechunk repositories (nwbzarr's form, "
        "VirtualiZarr's) stored on the endpoint, their virtual-chunk container the file's "
        "bucket there. Read by nwbzarr (its forms), by Icechunk + xarray `open_datatree` "
        "(VirtualiZarr's, and nwbzarr's Icechunk form again), by LINDI's API (LINDI's). "
        "'open+list' opens and walks the tree; 'window' reads 1 s x "
        f"{CHANNELS} channels across a chunk boundary, compared with h5py's rows (sum and "
        "exact equality). Requests and bytes are counted by the server; seconds are one run.",
        "",
        markdown_table(
            ["index", "open+list req", "MB", "s", "window req", "MB", "s", "check"], cloud_rows
        ),
        "",
    ]
    return "\n".join(lines), {"corpus": corpus_raw, "cloud": cloud_raw}
