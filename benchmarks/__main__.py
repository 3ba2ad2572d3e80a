"""``python -m benchmarks [--quick] [--only NAME] [--out benchmarks/results/latest.md]``.

Runs the scenarios, prints a markdown report and writes it to ``--out``; the raw numbers go
next to it as JSON (same name, ``.json``; gitignored).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import (
    bench_cloud,
    bench_convert,
    bench_dask_mean,
    bench_index,
    bench_many_series,
    bench_scaling,
    bench_tuning,
    bench_window,
    bench_write,
)
from benchmarks.common import RESULTS_DIR, environment, now_iso

Scenario = Callable[[bench_convert.Options], tuple[str, dict[str, Any]]]
SCENARIOS: dict[str, Scenario] = {
    "convert": bench_convert.run,
    "write": bench_write.run,
    "many_series": bench_many_series.run,
    "window": bench_window.run,
    "dask_mean": bench_dask_mean.run,
    "scaling": bench_scaling.run,
    "tuning": bench_tuning.run,
    "cloud": bench_cloud.run,
    "index": bench_index.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small data (300,000 rows), 1 repeat")
    parser.add_argument(
        "--only", metavar="NAME", action="append", choices=sorted(SCENARIOS),
        help="run only this scenario (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--repeats", type=int, default=None, help="repeats per variant (default 3, --quick 1)"
    )
    parser.add_argument(
        "--cold", action="store_true",
        help="evict the source from the page cache before each run (default: make it hot)",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, default=RESULTS_DIR / "latest.md", help="markdown report path"
    )
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be >= 1")

    opts = bench_convert.Options(quick=args.quick, repeats=args.repeats, cold=args.cold)
    names = args.only or list(SCENARIOS)
    env = environment()
    started = time.perf_counter()
    sections: list[str] = []
    records: dict[str, Any] = {}
    for name in names:
        t0 = time.perf_counter()
        section, record = SCENARIOS[name](opts)
        record["scenario_seconds"] = time.perf_counter() - t0
        sections.append(section)
        records[name] = record
    elapsed = time.perf_counter() - started

    command = "python -m benchmarks " + shlex.join(sys.argv[1:] if argv is None else argv)
    header = [
        "# nwbzarr benchmarks",
        "",
        f"{now_iso()} - `{command.strip()}` - {elapsed:,.0f} s",
        "",
        ", ".join(f"{k} {v}" for k, v in env.items()),
        "",
    ]
    report = "\n".join(header + sections)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    args.out.with_suffix(".json").write_text(
        json.dumps({"env": env, "command": command, "results": records}, indent=1)
    )
    print(f"\nwrote {args.out} and {args.out.with_suffix('.json')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
