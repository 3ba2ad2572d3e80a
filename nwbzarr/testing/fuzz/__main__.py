"""``python -m nwbzarr.testing.fuzz``: run a fuzz campaign (see :mod:`nwbzarr.testing.fuzz`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from nwbzarr.testing.fuzz import FAMILIES, examples_budget, fuzz
from nwbzarr.testing.fuzz import __doc__ as FUZZ_DOC
from nwbzarr.testing.fuzz.campaign import FORMATS, run
from nwbzarr.testing.fuzz.reader import DEFAULT_MEMORY, DEFAULT_TIMEOUT, serve_requests
from nwbzarr.testing.fuzz.worker import Worker


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nwbzarr.testing.fuzz", description=FUZZ_DOC)
    parser.add_argument("seeds", nargs="*", type=Path, help="seed files or stores")
    parser.add_argument("--examples", type=int, default=examples_budget(200))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY)
    parser.add_argument("--model", action="store_true", help="also read the typed NWBFile")
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        default=[],
        help="a directory: every HDF5 file and Zarr store under it is a seed; --examples is then "
        "per format (a campaign)",
    )
    parser.add_argument(
        "--generated",
        action="store_true",
        help="also seed with stores written as the tests write them (nwbzarr.convert both ways)",
    )
    parser.add_argument(
        "--mutations",
        choices=FAMILIES,
        action="append",
        help="kinds of mutation (repeatable; default: all of them)",
    )
    parser.add_argument(
        "--format", choices=FORMATS, action="append", help="campaign formats (default: both)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        serve_requests(args.memory)
        return 0
    if args.corpus or args.generated:
        reports = run(
            [*args.corpus, *args.seeds],
            args.examples,
            seed=args.seed,
            generated=args.generated,
            timeout=args.timeout,
            memory=args.memory,
            model=args.model,
            families=args.mutations or FAMILIES,
            formats=args.format or FORMATS,
        )
        return 1 if any(r.failures for r in reports.values()) else 0
    if not args.seeds:
        parser.error("give at least one seed file or store, or --corpus")
    with Worker(args.timeout, args.memory) as worker:
        report = fuzz(
            args.seeds,
            args.examples,
            seed=args.seed,
            worker=worker,
            model=args.model,
            families=args.mutations or FAMILIES,
        )
    print(report.summary())
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(_main())
