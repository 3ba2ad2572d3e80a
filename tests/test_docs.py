"""Every code example of the documentation runs, and the site builds with warnings as errors.

* every ``docs/examples/*.py`` runs as a script with a temporary output directory, and
  nwbinspector finds nothing CRITICAL nor any best-practice violation in the files it writes;
* every fenced ``python`` block of ``docs/**/*.md`` and ``README.md`` runs, the blocks of one
  page in order in one namespace, in a directory holding ``session.nwb`` (the demo session).
  A block preceded by the line ``<!-- skip -->`` is not run; blocks that include a script
  (``--8<--``) are covered by the first item;
* ``mkdocs build --strict`` (skipped when mkdocs is not installed).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from inspection import nwb_files, serious_findings

import nwbzarr
from nwbzarr.demo import build_nwbfile

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
EXAMPLES = sorted((DOCS / "examples").glob("*.py"))
PAGES = [*sorted(p for p in DOCS.rglob("*.md") if "examples" not in p.parts), REPO / "README.md"]
SKIP_MARK = "<!-- skip -->"
NEEDS = {"cloud_access.py": ("moto", "boto3", "s3fs")}  # optional packages per example


def python_blocks(page: Path) -> list[str]:
    """The runnable python blocks of ``page`` (see the module docstring for the rules)."""
    text = page.read_text()
    blocks = []
    pos = 0
    for match in re.finditer(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", text, re.M | re.S):
        lang, body = match.group(1), match.group(2)
        before = text[pos : match.start()].rstrip().rsplit("\n", 1)[-1].strip()
        pos = match.end()
        if lang not in ("python", "py") or before == SKIP_MARK or "--8<--" in body:
            continue
        blocks.append(body)
    return blocks


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path, tmp_path: Path) -> None:
    for module in NEEDS.get(script.name, ()):
        pytest.importorskip(module)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    written = nwb_files(tmp_path)
    assert written, f"{script.name} wrote no NWB file in {tmp_path}"
    findings = [f for path in written for f in serious_findings(path)]
    assert findings == [], "\n".join(findings)


@pytest.fixture(scope="module")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs-session")
    nwbzarr.write(build_nwbfile(seconds=3.0, channels=8), folder / "session.nwb")
    return folder


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_page_blocks_run(
    page: Path, session_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = python_blocks(page)
    if not blocks:
        pytest.skip("no runnable python blocks")
    (tmp_path / "session.nwb").symlink_to(session_dir / "session.nwb")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"{page.name}[block {i}]", "exec"), namespace)
        except Exception as err:
            err.add_note(f"in {page.relative_to(REPO)}, python block {i}:\n{block}")
            raise


def test_skip_marker_is_honoured(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n\n<!-- skip -->\n```python\nraise SystemExit\n```\n\n"
        "```python\nx = 1\n```\n\n```bash\nexit 1\n```\n"
        '```python\n--8<-- "docs/examples/ophys.py"\n```\n'
    )
    assert python_blocks(page) == ["x = 1\n"]


def test_every_example_is_included_in_a_page() -> None:
    text = "\n".join(p.read_text() for p in PAGES)
    missing = [s.name for s in EXAMPLES if f"docs/examples/{s.name}" not in text]
    assert not missing, f"examples not shown on any page: {missing}"


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs not installed")
def test_site_builds_strict(tmp_path: Path) -> None:
    absent = [n for n in ("performance.md", "reliability.md") if not (DOCS / n).exists()]
    if absent:
        pytest.skip(f"pages written in parallel not there yet: {absent}")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "site" / "api" / "index.html").exists()
