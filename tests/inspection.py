"""nwbinspector on the files we write: the findings that must not appear (issue 15, item 5).

HDF5 files are inspected from their path, as ``nwbinspector`` does (pynwb's validation
included). Zarr files are read with hdmf-zarr and their object inspected: nwbinspector 0.7.2
cannot open a Zarr file by its path with pynwb 4.2 (``pynwb.validate`` hands hdmf-zarr's
``load_namespaces`` HDF5 arguments: ``unrecognized argument: 'driver'``), on files hdmf-zarr
writes as on ours. Its two compression checks read Zarr 2's ``compressor`` and fail on every
Zarr 3 array; those two errors, and only they, are set aside.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

NWB_SUFFIXES = (".nwb", ".nwb.zarr")
ZARR3_COMPRESSION_CHECKS = {"check_small_dataset_compression", "check_large_dataset_compression"}
ZARR3_COMPRESSOR = "`compressor` is not available for Zarr format 3 arrays"


def nwb_files(folder: Path) -> list[Path]:
    """The NWB files and stores under ``folder`` (not the members of a Zarr store)."""
    found = []
    for path in sorted(folder.rglob("*")):
        inside_store = any(p.name.endswith(".zarr") for p in path.relative_to(folder).parents)
        if path.name.endswith(NWB_SUFFIXES) and not inside_store:
            found.append(path)
    return found


def serious_findings(path: Path) -> list[str]:
    """nwbinspector's CRITICAL, BEST_PRACTICE_VIOLATION, ERROR and PYNWB_VALIDATION findings
    on ``path``, one line each."""
    nwbinspector = pytest.importorskip("nwbinspector")
    allowed = {nwbinspector.Importance.BEST_PRACTICE_SUGGESTION}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pynwb's and hdmf's own warnings on reading
        messages = _inspect(nwbinspector, path)
    return [
        f"{path.name}: {m.importance.name} {m.check_function_name} at {m.location}: {m.message}"
        for m in messages
        if m.importance not in allowed and not _zarr3_compression_check(m)
    ]


def _inspect(nwbinspector: Any, path: Path) -> list[Any]:
    if not path.name.endswith(".zarr"):
        return list(nwbinspector.inspect_nwbfile(nwbfile_path=str(path)))
    from hdmf_zarr import NWBZarrIO

    with NWBZarrIO(str(path), mode="r") as io:
        return list(nwbinspector.inspect_nwbfile_object(io.read()))


def _zarr3_compression_check(message: Any) -> bool:
    # an error inside a check is reported as "During evaluation of '<check>' - <error>"
    text = f"{message.check_function_name} {message.message}"
    return ZARR3_COMPRESSOR in text and any(name in text for name in ZARR3_COMPRESSION_CHECKS)
