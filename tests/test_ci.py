"""CI runs the README's two commands as written, and fails when the main job leaves out a report.

``.ci/run`` reads the commands out of README.md (``.ci/readme_command.py``) and checks the main job's
output against the plan (``.ci/check_run.py``); these tests keep the three from drifting apart.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

from aimskit import batch, engagement, resources

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


def test_ci_runs_the_commands_it_reads_from_the_readme_and_nothing_in_their_place():
    script = (CI / "run").read_text(encoding="utf-8")
    assert "readme_command.py main-job" in script and "readme_command.py tests" in script
    assert 'bash -c "$main_job"' in script and 'bash -c "$test_job"' in script
    assert ".ci/check_run.py outputs/example" in script
    assert "rm -rf .venv outputs/example" in script  # fresh each time
    commands = [line.strip() for line in script.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in commands if "pip install" in line or "pytest" in line], "a command of its own"
    for check in ("lint-imports", "mypy", "ruff check .", "ruff format --check .", "cog --check README.md docs/*.md"):
        assert check in commands, check


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
