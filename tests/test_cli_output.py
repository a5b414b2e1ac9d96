"""What the command line prints is safe: control characters in quoted values are shown escaped,
any output encoding works, and the help says what the options do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from aimskit.base.problems import Problem, safe_text
from aimskit.ui.cli import _ProgressDisplay, cli

HOSTILE = [
    "\x1b[2K\x1b[1A\rOK: all good",  # erase the line, move up, print a fake OK
    "a\x08\x08\x08b",  # backspaces
    "line\nforged.csv:1: nothing",  # a forged problem line
    "\x9b2K",  # C1 control sequence introducer
    "admin\u202egnp.exe",  # right-to-left override
    "zero\u200bwidth",  # zero-width space
    "\x07bell\x00nul",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_problem_never_prints_control_or_invisible_characters(value):
    shown = Problem("systems.csv", 3, "type", f"'{value}' is not one of: x").format()
    assert shown.isprintable()
    assert shown.count("\n") == 0
    assert "OK: all good" not in shown or "\\x1b" in shown
    assert safe_text(value).isprintable()


def test_safe_text_keeps_printable_text_of_any_script():
    text = "Société Générale – 漢字 – Ελληνικά – naïve café"
    assert safe_text(text) == text


def _engagement_with(tmp_path: Path, value: str) -> Path:
    """The minimal engagement with ``value`` as the first system's type (an error that quotes it)."""
    import csv
    import shutil

    folder = tmp_path / "eng"
    shutil.copytree(Path(__file__).parent / "fixtures" / "valid-minimal", folder)
    systems = folder / "systems.csv"
    rows = list(csv.DictReader(systems.open(encoding="utf-8", newline="")))
    rows[0]["type"] = value
    with systems.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


def test_validate_shows_escape_sequences_escaped(tmp_path):
    folder = _engagement_with(tmp_path, "\x1b[2K\rOK fake")
    res = CliRunner().invoke(cli, ["validate", str(folder)])
    assert res.exit_code == 1
    assert "\x1b" not in res.output and "\r" not in res.output
    assert "'\\x1b[2K\\rOK fake' is not one of" in res.output


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "cp437"])
def test_validate_writes_every_problem_in_any_output_encoding(tmp_path, encoding):
    folder = _engagement_with(tmp_path, "生成AI")
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    res = subprocess.run(
        [sys.executable, "-m", "aimskit", "validate", str(folder)],
        capture_output=True,
        env=env,
        timeout=120,
    )
    out = res.stdout.decode(encoding)
    assert res.returncode == 1, res.stderr.decode(encoding, errors="replace")
    assert "internal error" not in res.stderr.decode(encoding, errors="replace")
    assert "'\\u751f\\u6210AI' is not one of" in out


def test_progress_lines_show_report_names_and_errors_escaped(capsys):
    display = _ProgressDisplay(quiet=False, live=False)
    outcome = SimpleNamespace(status="failed", name="risk/\x1b[31mx", error="boom\r\x1b[Kok", duration_s=1.0)
    display(SimpleNamespace(event="done", outcome=outcome, done=1, total=1, failed=1, running=[]))
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\r" not in err
    assert "risk/\\x1b[31mx: boom\\r\\x1b[Kok" in err


def test_timeout_help_says_it_is_for_the_whole_report():
    res = CliRunner().invoke(cli, ["run", "--help"])
    assert "Seconds one report may take to execute (all its cells together)" in " ".join(res.output.split())
    assert "notebook cell may run" not in res.output
