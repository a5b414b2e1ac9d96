"""CI runs the README's two commands as written, and fails when the main job leaves out a report.

``.ci/run`` reads the commands out of README.md (``.ci/readme_command.py``) and checks the main job's
output against the plan (``.ci/check_run.py``); these tests keep the three from drifting apart.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from aimskit import batch, engagement
from aimskit.base import resources

REPO = Path(__file__).resolve().parent.parent
CI = REPO / ".ci"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, CI / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


readme_command = _module("readme_command")
check_run = _module("check_run")


def test_the_readme_carries_the_two_commands_ci_runs():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    main_job = readme_command.command("main-job", text)
    tests = readme_command.command("tests", text)
    # The main job is a new user's: a fresh virtualenv, the plain install (no extra), every report.
    assert re.fullmatch(r"python3 -m venv \.venv && \. \.venv/bin/activate && pip install \. && aimskit run", main_job)
    assert "[" not in main_job
    assert tests.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install") and "pytest" in tests


def _commands(path: Path) -> list[str]:
    """The lines of a shell script that run something: comments and blank lines left out."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_ci_runs_the_commands_it_reads_from_the_readme_and_nothing_in_their_place():
    run, main_job = _commands(CI / "run"), _commands(CI / "main_job")
    for line in (
        "bash .ci/main_job",
        "test_job=$(python3 .ci/readme_command.py tests)",
        'if ! bash -c "$test_job"; then',
    ):
        assert line in run, line
    for line in (
        "main_job=$(python3 .ci/readme_command.py main-job)",
        "rm -rf .venv outputs/example",
        'if ! bash -c "$main_job"; then',
        ".venv/bin/python .ci/check_run.py outputs/example",
    ):
        assert line in main_job, line
    assert main_job[-1] == ".venv/bin/python .ci/check_run.py outputs/example"  # its exit is the script's
    assert "set -euo pipefail" in run and "set -euo pipefail" in main_job
    for script in (run, main_job):
        assert not [line for line in script if "pip install" in line or "pytest" in line], "a command of its own"
        assert not [line for line in script if "|| true" in line], "a failure forgiven"
    for check in ("lint-imports", "mypy", "ruff check .", "ruff format --check .", "cog --check README.md docs/*.md"):
        assert check in run, check
    # the tests stage and the checks come after the main job
    assert run.index("bash .ci/main_job") < run.index('if ! bash -c "$test_job"; then') < run.index("mypy")


def test_every_generated_page_is_checked_by_ci():
    """A page with a ``[[[cog`` block (generated reference, console examples: docs/cli.md among them)
    is one that ``cog --check README.md docs/*.md`` in .ci/run reads; a page elsewhere would go stale."""
    checked = {REPO / "README.md", *(REPO / "docs").glob("*.md")}
    skip = {".git", ".venv", "outputs", "node_modules"}
    generated = {
        path
        for path in REPO.rglob("*.md")
        if not skip & set(path.relative_to(REPO).parts) and "[[[cog" in path.read_text(encoding="utf-8")
    }
    assert REPO / "docs" / "cli.md" in generated
    assert generated <= checked, sorted(str(p.relative_to(REPO)) for p in generated - checked)


def _stub_repo(tmp_path: Path, command: str) -> Path:
    """A folder with this .ci/ and a README whose main command is ``command``."""
    repo = tmp_path / "repo"
    shutil.copytree(CI, repo / ".ci")
    (repo / "README.md").write_text(f"# stub\n\n<!-- ci: main-job -->\n```bash\n{command}\n```\n", encoding="utf-8")
    return repo


def _fake_job(repo: Path, names: list[str]) -> Path:
    """``repo`` with a main command that makes .venv/bin/python (this test's Python, with aimskit) and
    writes a run of the reports ``names`` (by :func:`_fake_run`)."""
    script = repo / "fake_job.py"
    script.write_text(
        "import pathlib, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_ci import _fake_run\n"
        "bin_ = pathlib.Path('.venv/bin')\n"
        "bin_.mkdir(parents=True)\n"
        f"(bin_ / 'python').write_text('#!/bin/sh\\nexec {sys.executable} \"$@\"\\n')\n"
        "(bin_ / 'python').chmod(0o755)\n"
        "out = pathlib.Path('outputs/example')\n"
        "out.mkdir(parents=True)\n"
        f"_fake_run(out, {names!r})\n",
        encoding="utf-8",
    )
    command = f"{sys.executable} {script.name}"
    (repo / "README.md").write_text(f"<!-- ci: main-job -->\n```bash\n{command}\n```\n", encoding="utf-8")
    return repo


def _main_job(repo: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return subprocess.run(
        ["bash", str(repo / ".ci" / "main_job")], capture_output=True, text=True, timeout=300, env=env, check=False
    )


def test_main_job_fails_when_the_readme_command_fails(tmp_path):
    done = _main_job(_stub_repo(tmp_path, "true && false && true"))
    assert done.returncode == 1 and "FAILED: the README's main command exited with an error" in done.stderr


def test_main_job_fails_when_the_command_writes_fewer_reports_than_the_plan(tmp_path):
    planned = check_run.pinned()
    done = _main_job(_fake_job(_stub_repo(tmp_path, "true"), planned[:-1]))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"check_run: {planned[-1]}: planned but not in the manifest" in done.stderr


def test_main_job_passes_a_command_that_writes_every_report(tmp_path):
    done = _main_job(_fake_job(_stub_repo(tmp_path, "true"), check_run.pinned()))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check_run: all 32 planned reports written to outputs/example, none failed" in done.stdout


def test_the_pinned_reports_are_the_plan_of_the_bundled_example():
    """A change to the example or the steps that changes the plan updates .ci/example-reports.txt with it."""
    assert check_run.pinned() == [job.name for job in batch.plan(engagement.load(resources.example_engagement()))]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no marker here\n", "appears 0 times"),
        ("<!-- ci: main-job -->\n```bash\na\n```\n<!-- ci: main-job -->\n```bash\nb\n```\n", "appears 2 times"),
        ("<!-- ci: main-job -->\ntext\n", "a fenced block must follow"),
        ("<!-- ci: main-job -->\n```bash\na\nb\n```\n", "exactly one line"),
    ],
)
def test_a_broken_marker_is_an_error_not_a_guess(text, message):
    with pytest.raises(ValueError, match=message):
        readme_command.command("main-job", text)


def _fake_run(out: Path, names: list[str]) -> dict:
    reports = []
    for name in names:
        files = {}
        for kind in ("html", "json", "ipynb"):
            rel = f"{name}.{kind}"
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_text("x", encoding="utf-8")
            files[kind] = rel
        reports.append({"name": name, "status": "ok", "error": None, "files": files})
    (out / "index.html").write_text("x", encoding="utf-8")
    manifest = {"status": "ok", "reports": reports}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def test_check_run_passes_a_complete_run_and_names_each_gap(tmp_path):
    planned = [job.name for job in batch.plan(engagement.load(resources.example_engagement()))]
    assert len(planned) > 20
    manifest = _fake_run(tmp_path, planned)
    assert check_run.problems(tmp_path, None) == ([], len(planned))

    # A report left out of the run, one failed, one whose HTML is missing: each named.
    manifest["reports"] = [r for r in manifest["reports"] if r["name"] != planned[-1]]
    manifest["reports"][0]["status"], manifest["reports"][0]["error"] = "failed", "cell 2: ZeroDivisionError"
    manifest["status"] = "failed"
    (tmp_path / manifest["reports"][1]["files"]["html"]).unlink()
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    found, _ = check_run.problems(tmp_path, None)
    assert any("run status is 'failed'" in f for f in found)
    assert any(f.startswith(f"{planned[-1]}: planned but not in the manifest") for f in found)
    assert any(f.startswith(f"{planned[0]}: status 'failed': cell 2") for f in found)
    assert any(f.startswith(f"{planned[1]}: no html file written") for f in found)
    assert len(found) == 4, found
    assert check_run.main(["check_run.py", str(tmp_path)]) == 1


def test_check_run_on_a_folder_without_a_readable_manifest(tmp_path):
    assert "missing" in check_run.problems(tmp_path, None)[0][0]
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    assert "cannot be read" in check_run.problems(tmp_path, None)[0][0]
