"""The base install is the whole product: the wheel, installed without extras into a fresh virtualenv,
validates and renders the bundled example, the templates and the workbooks, exports Excel, PDF and Word,
and names the extra for what needs one (OSCAL, Dask) in one line with exit 1.

This is what a consultant gets from ``pip install aimskit``; the packages come from the package
index (pip's cache makes a second run quick). About a minute and a half on 2 cores, most of it pip.
``AIMSKIT_SKIP_FRESH_INSTALL=1`` skips it on a machine without the index; CI never sets it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    os.environ.get("AIMSKIT_SKIP_FRESH_INSTALL") == "1", reason="AIMSKIT_SKIP_FRESH_INSTALL=1"
)


def _sh(args: list[str | Path], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"{done.args}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    """A fresh virtualenv with the aimskit wheel and its base dependencies only; returns its bin/ folder."""
    root = tmp_path_factory.mktemp("fresh")
    _ok(_sh([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", root / "dist", REPO], cwd=root))
    (wheel,) = (root / "dist").glob("aimskit-*.whl")
    _ok(_sh([sys.executable, "-m", "venv", root / "venv"], cwd=root))
    bin_ = root / "venv" / "bin"
    _ok(_sh([bin_ / "python", "-m", "pip", "install", "-q", wheel], cwd=root))
    return bin_


def test_the_plain_install_has_no_extra(plain: Path, tmp_path: Path):
    for module in ("trestle", "distributed"):
        done = _sh([plain / "python", "-c", f"import {module}"], cwd=tmp_path)
        assert done.returncode != 0, f"{module} is installed: the environment is not a plain install"


def test_the_example_templates_and_workbooks_work_on_the_plain_install(plain: Path, tmp_path: Path):
    aimskit = plain / "aimskit"
    _ok(_sh([aimskit, "init", "blank"], cwd=tmp_path))
    _ok(_sh([aimskit, "init", "--full", "full"], cwd=tmp_path))
    _ok(_sh([aimskit, "init", "--example", "example"], cwd=tmp_path))
    for folder in ("blank", "full", "example"):
        said = _ok(_sh([aimskit, "validate", folder], cwd=tmp_path))
        assert "AK667" not in said and "not installed" not in said, said

    # Every report of the example, checked against the plan the library computes (as .ci/run does).
    _ok(_sh([aimskit, "run", "example", "--out", "out"], cwd=tmp_path))
    said = _ok(_sh([plain / "python", REPO / ".ci" / "check_run.py", "out", "example"], cwd=tmp_path))
    assert "none failed" in said

    # The Excel workbook, out and back in.
    _ok(_sh([aimskit, "export", "xlsx", "example", "book.xlsx"], cwd=tmp_path))
    _ok(_sh([aimskit, "import", "xlsx", "book.xlsx", "example"], cwd=tmp_path))

    # The JupyterLab workbooks (forms), executed headless on the example and on a blank engagement.
    _ok(_sh([aimskit, "notebooks", "nb"], cwd=tmp_path))
    workbooks = sorted(p.name for p in (REPO / "workbooks").glob("*.ipynb"))
    assert workbooks
    for name in workbooks:
        for engagement in ("example", "blank"):
            executed = f"nb/run-{engagement}-{name}"
            parameter = ["-p", "engagement_path", str(tmp_path / engagement)]
            _ok(_sh([plain / "papermill", "-k", "python3", f"nb/{name}", executed, *parameter], cwd=tmp_path))

    # What reads finished runs works without the OSCAL extra.
    _ok(_sh([aimskit, "compare", "out", "out", "--dest", "cmp"], cwd=tmp_path))
    assert (tmp_path / "cmp" / "compare.html").is_file()

    # The extras' commands: one line naming the extra, exit 1, nothing written.
    done = _sh([aimskit, "export", "oscal", "out", "--dest", "oscal"], cwd=tmp_path)
    assert done.returncode == 1 and "pip install 'aimskit[oscal]'" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "oscal").exists(), done.stderr
    done = _sh([aimskit, "run", "example", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"], cwd=tmp_path)
    assert done.returncode == 1 and "pip install 'aimskit[dask]'" in done.stderr, done.stderr


def _chromium() -> bool:
    from aimskit.deliver.browser import BrowserUnavailable, find_chromium

    try:
        find_chromium()
    except BrowserUnavailable:
        return False
    return True


def test_pdf_and_word_on_the_plain_install(plain: Path, tmp_path: Path):
    if not _chromium():
        if os.environ.get("AIMSKIT_REQUIRE_BROWSER"):
            pytest.fail("no Chromium, and AIMSKIT_REQUIRE_BROWSER is set")
        pytest.skip("no Chromium installed (apt-get install chromium)")
    aimskit = plain / "aimskit"
    _ok(_sh([aimskit, "run", "--step", "audit", "--out", "out"], cwd=tmp_path))
    _ok(_sh([aimskit, "pdf", "out", "--word"], cwd=tmp_path))
    pdfs, docx = sorted((tmp_path / "out").rglob("*.pdf")), sorted((tmp_path / "out").rglob("*.docx"))
    assert pdfs and docx and all(p.stat().st_size > 10_000 for p in pdfs + docx), (pdfs, docx)
    assert all(p.read_bytes().startswith(b"%PDF-") for p in pdfs)
