"""The corpus the tests read: generated files always, third-party files when checked out.

Generated entries (``pynwb42/``, ``hdmfzarr014/``, ``h5py/``) are written by the test
dependencies themselves (``support.generate``), once per version of the generators and of the
libraries, in a cache below the temporary directory (``NWBZARR_TEST_FILES`` overrides where).
Third-party entries (MatNWB, DANDI sessions, pynwb 1.x-3.x back-compat files, hdmf-zarr 0.13
stores, LINDI indexes) cannot be regenerated: they come from ``../shared/corpus`` beside the
repository, and their tests skip with :data:`MISSING` as the reason when it is absent.

A corpus test parametrised over ``hdf5_source`` / ``zarr_source`` gets each generated entry as
its own parameter and one more, :data:`THIRD_PARTY`, that stands for every third-party entry of
the format (:func:`check_each` runs the check on each and reports every failing entry).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Collection
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parents[1]
SHARED_CORPUS = TESTS.parent.parent / "shared" / "corpus"
THIRD_PARTY_FOLDERS = ("hdf5", "hdmfzarr013", "zarr", "lindi")
THIRD_PARTY = "third-party"
MISSING = (
    f"third-party corpus not found at {SHARED_CORPUS} (MatNWB, DANDI, pynwb 1.x-3.x "
    "back-compat, hdmf-zarr 0.13 and LINDI files)"
)
LIBRARIES = ("pynwb", "hdmf", "hdmf-zarr", "h5py", "zarr", "numcodecs", "numpy")

_PYNWB = (
    "basic_ecephys",
    "basic_ecephys_copy",
    "behavior_ogen",
    "exported_single",
    "extension",
    "external1",
    "external2",
    "external_linkcontainer",
    "external_linkdataset",
    "icephys",
    "images_misc",
    "iterative",
    "no_cache",
    "ophys",
    "scratch_analysis",
    "scratch_proc",
    "scratch_raw",
)
_HDMF_ZARR = (
    "basic_ecephys",
    "behavior_ogen",
    "exported_single",
    "ext_a",
    "ext_b",
    "extension",
    "icephys",
    "images_misc",
    "ophys",
)
GENERATED = {
    "hdf5": [
        *(f"pynwb42/{name}.nwb" for name in _PYNWB),
        "pynwb42/family_%d.nwb",
        "h5py/region_references.nwb",
    ],
    "zarr": [f"hdmfzarr014/{name}.nwb.zarr" for name in _HDMF_ZARR],
}


# --------------------------------------------------------------------------------------------
# entries
# --------------------------------------------------------------------------------------------
def third_party_present() -> bool:
    """Whether ``../shared/corpus`` is checked out beside the repository."""
    return (SHARED_CORPUS / "README.md").is_file()


def is_third_party(rel: str) -> bool:
    return rel.split("/", 1)[0] in THIRD_PARTY_FOLDERS


def third_party_sources(fmt: str) -> list[str]:
    """Third-party entries of one format (relative paths; ``"lindi"``: the HDF5 files of the
    LINDI folder); empty when absent."""
    if not third_party_present():
        return []
    if fmt == "lindi":  # the HDF5 files beside LINDI's indexes (pynwb 4.2 and lindi's own)
        return sorted(f"lindi/{p.name}" for p in SHARED_CORPUS.glob("lindi/*.nwb"))
    if fmt == "zarr":
        stores = [*SHARED_CORPUS.glob("hdmfzarr013/*.zarr"), *SHARED_CORPUS.glob("zarr/*.zarr")]
        return sorted(str(p.relative_to(SHARED_CORPUS)) for p in stores)
    files = [p for p in SHARED_CORPUS.glob("hdf5/*") if p.is_file()]
    return sorted(str(p.relative_to(SHARED_CORPUS)) for p in files)


def sources(fmt: str) -> list[str]:
    """Every entry of one format: the generated ones, then the third-party ones (if present)."""
    return [*GENERATED[fmt], *third_party_sources(fmt)]


def group_param(*fmts: str) -> Any:
    """The parameter that stands for every third-party entry of the formats ``fmts`` (id
    ``third-party``)."""
    return pytest.param(f"{THIRD_PARTY}/{'+'.join(fmts)}", id=THIRD_PARTY)


def params(fmt: str) -> list[Any]:
    """Parameters of a corpus test: each generated entry, and :data:`THIRD_PARTY`."""
    return [*GENERATED[fmt], group_param(fmt)]


def third_party_param(*values: object) -> Any:
    """``pytest.param(*values)`` that skips with :data:`MISSING` when the corpus is absent."""
    absent = pytest.mark.skipif(not third_party_present(), reason=MISSING)
    return pytest.param(*values, marks=absent)


def require(rel: str) -> None:
    """Skip the calling test when ``rel`` is a third-party entry and the corpus is absent."""
    if is_third_party(rel) and not third_party_present():
        pytest.skip(MISSING)


def expand(source: str) -> list[str]:
    """The entries a corpus-test parameter stands for (skips when they are absent)."""
    group, _, fmts = source.partition("/")
    if group != THIRD_PARTY:
        return [source]
    if not third_party_present():
        pytest.skip(MISSING)
    return [rel for fmt in fmts.split("+") for rel in third_party_sources(fmt)]


def check_each(
    source: str, check: Callable[[str], None], among: Collection[str] | None = None
) -> None:
    """Run ``check(rel)`` for each entry ``source`` stands for (only those ``among``, if given).

    One entry: as is (its skips and failures are the test's). A group: every entry is checked;
    the test fails listing every failing entry (tracebacks in the captured output), skips when
    every entry skipped, and passes otherwise (skipped entries are printed)."""
    if not source.startswith(f"{THIRD_PARTY}/"):
        check(source)
        return
    entries = [rel for rel in expand(source) if among is None or rel in among]
    if not entries:
        pytest.fail(f"no third-party entry to check in {SHARED_CORPUS}")
    failures, skips = [], []
    for rel in entries:
        try:
            check(rel)
        except pytest.skip.Exception as skip:
            skips.append(f"{rel}: {skip.msg}")
        except (Exception, pytest.fail.Exception) as err:
            print(f"---- {rel}\n{traceback.format_exc()}")
            failures.append(f"{rel}: {type(err).__name__}: {str(err)[:2000]}")
    for line in skips:
        print(f"skipped {line}")
    if failures:
        pytest.fail(f"{len(failures)} of {len(entries)} entries failed:\n" + "\n".join(failures))
    if len(skips) == len(entries):
        pytest.skip(f"every entry skipped: {'; '.join(skips)[:1000]}")


# --------------------------------------------------------------------------------------------
# building: generated files (cached), then the session's corpus
# --------------------------------------------------------------------------------------------
def generator_key() -> str:
    """What the generated files depend on: the generators' code and the libraries' versions."""
    digest = hashlib.sha256()
    for path in sorted((TESTS / "support").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        digest.update(f"{name}={metadata.version(name)}".encode())
    return digest.hexdigest()[:16]


def _read_only(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            os.chmod(os.path.join(dirpath, name), stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def _run_generator(out: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", "support.generate", str(out)],
        cwd=TESTS,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"generating the test files failed:\n{done.stdout}\n{done.stderr}")


def generated_files() -> Path:
    """The folder of generated files: built on first use, then reused while the generators
    and the libraries stay the same (concurrent sessions build it once: the first rename
    wins)."""
    cache = Path(os.environ.get("NWBZARR_TEST_FILES") or tempfile.gettempdir())
    final = cache / f"nwbzarr-test-files-{generator_key()}"
    if final.is_dir():
        return final
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{final.name}.", dir=cache))
    try:
        _run_generator(work / "files")
        _read_only(work / "files")
        os.rename(work / "files", final)
    except OSError:
        if not final.is_dir():
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def assemble(dst: Path) -> Path:
    """The session's corpus at ``dst``: a copy of the generated files and, when present, of
    the third-party folders (links between files of a folder keep working; read-only)."""
    shutil.copytree(generated_files(), dst)
    if third_party_present():
        for folder in THIRD_PARTY_FOLDERS:
            if (SHARED_CORPUS / folder).is_dir():
                shutil.copytree(SHARED_CORPUS / folder, dst / folder)
    return dst
