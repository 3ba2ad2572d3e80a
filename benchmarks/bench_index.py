"""Scenario ``index``: nwbzarr's three index forms against VirtualiZarr 2.8 and LINDI 0.4.6.

Two parts, one run (``python -m benchmarks --only index``):

* **corpus**: every HDF5 file of ``../shared/corpus`` (``hdf5/``, ``lindi/``; absent: the
  benchmark's own ephys file only) indexed by each tool: files indexed without error, total
  build time, total index size, and files whose every dataset read through the index equals
  h5py's value;
* **cloud**: the ``cloud`` scenario's ephys file (pynwb, shuffle + gzip-4) on the local S3
  endpoint with 20 ms per request: requests and bytes to open + list the tree and to read
  1 s x 64 channels, for the indexes that can be read there.

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
from benchmarks.common import BENCH_DIR, MB, REPO_DIR, ephys_nwb, fmt_num, markdown_table

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
CHANNELS, CHUNK_ROWS, LATENCY_MS, WINDOW_ROWS, BUCKET = 64, 65536, 20.0, 30_000, "nwb-index"


def python_for(tool: str) -> str:
    """The interpreter that runs ``tool`` (its own environment, made when missing)."""
    if tool in OURS:
        return sys.executable
    name, packages = ENVIRONMENTS[tool.removesuffix("-lr")]
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
    """Open + list and a 1 s window, on the local S3 endpoint, for the indexes readable there."""
    from nwbzarr.testing.servers import S3Server

    start = CHUNK_ROWS * 2 - WINDOW_ROWS // 2
    rows, raw = [], {}
    with tempfile.TemporaryDirectory(prefix="nwbzarr-index-cloud-") as tmp, S3Server() as s3:
        s3.create_bucket(BUCKET, public=True)
        s3.upload(ephys, f"s3://{BUCKET}/{ephys.name}")
        src_url = f"s3://{BUCKET}/{ephys.name}"
        options = s3.storage_options
        targets = _cloud_indexes(Path(tmp), ephys, src_url, options, s3)
        s3.latency_ms = LATENCY_MS
        for tool, url in targets.items():
            s3.log.reset()
            records = _worker(tool, "read", url, s3.endpoint, str(start), str(start + WINDOW_ROWS))
            rec: dict[str, Any] = records[0] if records else {"error": "no output"}
            raw[tool] = rec
            if "marks" not in rec:
                rows.append([tool, "-", "-", "-", "-", "-", "-", rec.get("error", "")[:100]])
                continue
            log = s3.log.snapshot()
            marks: dict[str, float] = rec["marks"]
            cells = [tool]
            for lo, hi in (("t0", "t1"), ("t1", "t2")):
                got = [r for r in log if marks[lo] <= r.time < marks[hi] + 1e-3]
                cells += [
                    str(len(got)),
                    fmt_num(sum(r.nbytes for r in got) / MB),
                    fmt_num(marks[hi] - marks[lo]),
                ]
            cells.append(f"window sum {rec['sum']}")
            rows.append(cells)
    return rows, raw


def _cloud_indexes(
    tmp: Path, ephys: Path, src_url: str, options: dict[str, Any], s3: Any
) -> dict[str, str]:
    """Each index built for the S3 copy of ``ephys`` and uploaded beside it."""
    import nwbzarr

    targets: dict[str, str] = {}
    for tool, suffix in (("nwbzarr", ".index.nwb.zarr"), ("kerchunk", ".kerchunk.json")):
        local = tmp / f"{ephys.name}{suffix}"
        nwbzarr.index(src_url, local, format=tool, storage_options=options)
        s3.upload(local, f"s3://{BUCKET}/{local.name}")
        targets[tool] = f"s3://{BUCKET}/{local.name}"
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
    targets["lindi"] = f"{s3.endpoint}/{BUCKET}/{local.name}"
    return targets


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
        f"Cloud: {ephys.name} on the local S3 endpoint ({LATENCY_MS:g} ms per request); the "
        "index uploaded beside it. 'open+list' opens and walks the tree; 'window' reads 1 s x "
        f"{CHANNELS} channels across a chunk boundary. VirtualiZarr's Icechunk repositories are "
        "not read on S3 here (their virtual chunk container would name the S3 endpoint).",
        "",
        markdown_table(
            ["index", "open+list req", "MB", "s", "window req", "MB", "s", "check"], cloud_rows
        ),
        "",
    ]
    return "\n".join(lines), {"corpus": corpus_raw, "cloud": cloud_raw}
