"""End to end in a real browser: JupyterLab on the working copy of ``aimskit lab``, driven by
Playwright with Debian's chromium (never a downloaded browser).

A real JupyterLab server is started on a loopback port; the gap questionnaire and the risk register
workbooks are run, one gap answer and one risk are filled in and saved through the widgets, and the
engagement files on disk are checked. Skipped when playwright or chromium is missing, unless
``AIMSKIT_REQUIRE_BROWSER=1`` (CI). With ``AIMSKIT_SCREENSHOTS=DIR`` it also saves a screenshot of
each form (the README's images come from ``AIMSKIT_SCREENSHOTS=docs/images``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from aimskit import catalog
from aimskit.ui import lab

REQUIRE = os.environ.get("AIMSKIT_REQUIRE_BROWSER") == "1"


def _chromium() -> str | None:
    for candidate in (os.environ.get("AIMSKIT_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _need_browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if REQUIRE:
            pytest.fail("playwright is not installed (pip install -e '.[test]')")
        pytest.skip("playwright is not installed")
    exe = _chromium()
    if exe is None:
        if REQUIRE:
            pytest.fail("chromium not found (apt-get install chromium)")
        pytest.skip("chromium not found")
    return sync_playwright, exe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(root: Path, home: Path):
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_PREFER_ENV_PATH": "1",
    }
    # no "news" pop-up, no update check: nothing between the test and the notebook
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"autoStartDefaultKernel": true}')
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    log = open(home / "jupyterlab.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(argv, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "JupyterLab did not start:\n" + (home / "jupyterlab.log").read_text(errors="replace")
                    ) from None
                time.sleep(0.3)
        yield base, token
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _run_all(page, base: str, token: str, name: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(f"{base}/lab/tree/{name}?reset&token={token}")  # reset: only this notebook open
    page.locator(".jp-Notebook:visible").first.wait_for(timeout=60_000)
    # JupyterLab may still ask for the kernel (the setting above normally prevents it)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        dialog = page.get_by_role("button", name="Select", exact=True)
        if dialog.count() and dialog.first.is_visible():
            dialog.first.click()
        if page.get_by_text("Python 3 (ipykernel) | Idle").count():
            break
        page.wait_for_timeout(250)
    page.wait_for_timeout(1000)  # the kernel connection settles
    for _attempt in range(3):  # a Run All sent while the session is still being set up can be lost
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.locator(".ak-form:visible").first.wait_for(timeout=30_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"the form of {name} did not appear")


def _nbsp(label: str) -> str:
    """ipywidgets writes option labels with non-breaking spaces."""
    return label.replace(" ", "\u00a0")


def _shot(page, locator, name: str) -> None:
    """The visible part of a form, from its top (a long form scrolls inside the notebook)."""
    folder = os.environ.get("AIMSKIT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(1500)  # the last validation reaches the page
        locator.evaluate("e => e.scrollIntoView({block: 'start'})")
        box = locator.bounding_box()
        height = min(box["height"], page.viewport_size["height"] - box["y"] - 30)
        clip = {"x": box["x"], "y": box["y"], "width": box["width"], "height": height}
        page.screenshot(path=str(Path(folder) / name), clip=clip)


def _conformity_with_4_4_compliant(folder: Path) -> float:
    """The gap step's own conformity figure once 4.4 is compliant (what the form must show live)."""
    from aimskit import engagement
    from aimskit.steps import gap as gap_step

    eng = engagement.load(folder)
    row = (eng.gap["requirement_id"] == "4.4") & eng.gap["system_id"].isna()
    assert row.sum() == 1 and eng.gap.loc[row, "status"].item() != "compliant"
    eng.gap.loc[row, "status"] = "compliant"
    eng.gap.loc[row, "maturity"] = 3
    return float(gap_step.organisation_headline(eng)["conformity"])


def test_fill_gap_answer_and_risk_in_jupyterlab(example_copy: Path, tmp_path: Path):
    sync_playwright, exe = _need_browser()
    folder, _, _ = lab.prepare(example_copy, tmp_path / "lab")
    title = catalog.load("iso42001").set_index("id").loc["4.4", "title"]
    expected = _conformity_with_4_4_compliant(example_copy)
    with jupyterlab(folder, tmp_path / "home") as (base, token), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1800})
            page.set_default_timeout(60_000)

            # the gap questionnaire: requirement 4.4 becomes compliant, maturity 3, with an owner
            _run_all(page, base, token, "gap_questionnaire.ipynb")
            form = page.locator(".ak-form:visible").first
            form.wait_for()
            form.get_by_label("Requirement", exact=True).select_option(label=_nbsp(f"✓ 4.4 {title}"))
            # the kernel answers with the saved row: wait for it before changing the fields
            form.get_by_text(f"4.4 {title} (Clause").wait_for()
            page.wait_for_function(
                "() => [...document.querySelectorAll('.ak-form textarea')].some(t => t.value.includes('process map'))"
            )
            form.get_by_label("Status", exact=True).select_option(label=_nbsp("Compliant"))
            form.get_by_text("1 unsaved").wait_for()
            form.get_by_label("Maturity", exact=True).select_option(label=_nbsp("3 Defined"))
            owner = form.get_by_label("Owner", exact=True)
            owner.fill("COO (B. Rowser)")
            owner.press("Tab")
            form.get_by_text(f"Conformity now: {expected:.1f}%").wait_for()  # 4.4 -> compliant, live
            _shot(page, form, "gap-questionnaire.png")
            form.get_by_role("button", name="Save to gap.csv").click()
            form.get_by_text("Saved 1 answer to gap.csv").wait_for()
            row = next(
                line
                for line in (example_copy / "gap.csv").read_text(encoding="utf-8").splitlines()
                if line.startswith("4.4,")
            )
            assert row.startswith("4.4,,compliant,3,") and "COO (B. Rowser)" in row

            # the risk register: a new risk, rated on the configured scales
            _run_all(page, base, token, "risk_register.ipynb")
            form = page.locator(".ak-form:visible").first
            form.wait_for()
            form.get_by_label("Title", exact=True).fill("Prompt injection through uploaded documents")
            description = form.get_by_label("Description", exact=True)
            description.fill("Hidden instructions make the assistant leak data")
            description.press("Tab")  # text fields send their value when they lose focus
            source = _nbsp("Risk sources related to machine learning")
            form.get_by_label("Risk source", exact=True).select_option(label=source)
            form.get_by_label("Objective", exact=True).select_option(label=_nbsp("Security"))
            form.get_by_label("Likelihood", exact=True).select_option(index=3)
            form.get_by_label("Impact", exact=True).select_option(index=4)
            form.get_by_text("score 12").wait_for()
            form.get_by_text("Not saved").or_(form.get_by_text("Loaded risks.csv")).first.wait_for()
            _shot(page, form, "risk-register.png")
            form.get_by_role("button", name="Save to risks.csv").click()
            form.get_by_text("Saved risk R-31 to risks.csv").wait_for()
            last = (example_copy / "risks.csv").read_text(encoding="utf-8").splitlines()[-1]
            assert last.startswith("R-31,,Prompt injection through uploaded documents,")
            assert ",machine-learning,security,,,,3,4," in last

            if os.environ.get("AIMSKIT_SCREENSHOTS"):
                _run_all(page, base, token, "eu_ai_act_screening.ipynb")
                form = page.locator(".ak-form:visible").first
                form.wait_for()
                form.get_by_text("EU AI Act tier").first.wait_for()
                _shot(page, form, "eu-ai-act-screening.png")
        finally:
            browser.close()
    assert list((example_copy / ".aimskit-backup").glob("gap.csv.*.bak"))
    assert list((example_copy / ".aimskit-backup").glob("risks.csv.*.bak"))
