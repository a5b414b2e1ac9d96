"""Problem codes: every problem carries a registered code, every registered code is used, and
``aimskit validate --ignore CODE`` leaves out warnings by code (never errors)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from aimskit import engagement
from aimskit.base import codes
from aimskit.engagement.scaffold import init_engagement
from aimskit.ui.cli import cli

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
INVALID = FIXTURES / "invalid"
CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())
WELL_FORMED = re.compile(r"AK\d{3}")
LITERAL = re.compile(r"""["'](AK\d{3})["']""")


def _used_in_source() -> dict[str, list[str]]:
    """Every code written as a string literal in aimskit/ (outside the registry), with where."""
    used: dict[str, list[str]] = {}
    for path in sorted((ROOT / "aimskit").rglob("*.py")):
        if path.name == "codes.py" and path.parent.name == "base":
            continue
        for code in LITERAL.findall(path.read_text(encoding="utf-8")):
            used.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return used


def test_codes_are_well_formed_unique_and_titled():
    assert len(codes.CODES) >= 100
    for key, code in codes.CODES.items():
        assert key == code.code
        assert WELL_FORMED.fullmatch(key), key
        assert code.title.strip() and code.title == code.title.strip(), key
    source = (ROOT / "aimskit" / "base" / "codes.py").read_text(encoding="utf-8")
    listed = re.findall(r'\("(AK\d{3})",', source)
    assert len(listed) == len(set(listed)) == len(codes.CODES)


def test_every_registered_code_is_used_and_every_used_code_is_registered():
    used = _used_in_source()
    assert sorted(set(used) - set(codes.CODES)) == []
    assert sorted(set(codes.CODES) - set(used)) == []


def test_call_sites_pass_codes_as_literals():
    """No problem is created in aimskit/ without a code (a call site greppable by its code)."""
    call = re.compile(r"\b(?:problems|found|y|pos|positions)\.(?:error|warning)\(|\bBookProblem\(")
    for path in sorted((ROOT / "aimskit").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in call.finditer(text):
            depth, i = 0, match.end() - 1
            while True:  # the call's text up to its closing parenthesis
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                if depth == 0:
                    break
                i += 1
            assert "code=" in text[match.start() : i], f"{path.relative_to(ROOT)}: {text[match.start() : i][:120]}"


def _corpus_problems():
    problems = []
    for case in CASES:
        problems += [(case, p) for p in engagement.validate(INVALID / case)]
    for name in ("warnings-only", "valid-minimal"):
        problems += [(name, p) for p in engagement.validate(FIXTURES / name)]
    return problems


def test_every_problem_of_the_fixture_corpus_has_a_registered_code():
    problems = _corpus_problems()
    assert len(problems) > 100
    for case, p in problems:
        assert p.code in codes.CODES, f"{case}: {p.format()}"
        assert p.format().endswith(f" [{p.code}]")
    assert len({p.code for _, p in problems}) >= 40  # the corpus exercises many distinct checks


def test_every_problem_of_a_blank_engagement_has_a_registered_code(tmp_path):
    init_engagement(tmp_path / "blank")
    problems = engagement.validate(tmp_path / "blank")
    assert problems, "a blank engagement warns about its placeholders"
    for p in problems:
        assert p.code in codes.CODES, p.format()


def test_fixture_lines_end_with_their_code():
    for case in CASES:
        for line in (INVALID / case / "expected.txt").read_text(encoding="utf-8").splitlines():
            match = re.search(r" \[(AK\d{3})\]$", line)
            assert match and match.group(1) in codes.CODES, f"{case}: {line}"


def test_ignore_leaves_out_warnings_by_code_and_keeps_errors(monkeypatch):
    monkeypatch.chdir(INVALID)
    problems = [(case, p) for case in CASES for p in engagement.validate(case)]
    case, warning = next((c, p) for c, p in problems if p.severity == "warning")
    all_problems = engagement.validate(case)
    kept = engagement.validate(case, ignore=[warning.code])
    assert warning in all_problems and warning not in kept
    assert all(p.code != warning.code or p.severity == "error" for p in kept)
    assert [p for p in all_problems if p.severity == "error"] == [p for p in kept if p.severity == "error"]

    runner = CliRunner()
    full = runner.invoke(cli, ["validate", case])
    less = runner.invoke(cli, ["validate", case, "--ignore", warning.code])
    assert warning.format() in full.stdout and warning.format() not in less.stdout
    assert full.exit_code == less.exit_code

    # an error's code does not hide the error
    error = next(p for p in all_problems if p.severity == "error")
    same = runner.invoke(cli, ["validate", case, "--ignore", error.code])
    assert error.format() in same.stdout and same.exit_code == 1


def test_ignore_makes_a_warnings_only_engagement_quiet(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    warned = engagement.validate("warnings-only")
    assert warned and all(p.severity == "warning" for p in warned)
    ignore = sorted({p.code for p in warned})
    runner = CliRunner()
    args = ["validate", "warnings-only", "--strict"]
    assert runner.invoke(cli, args).exit_code == 1
    quiet = runner.invoke(cli, [*args, *(x for code in ignore for x in ("--ignore", code))])
    assert quiet.exit_code == 0, quiet.output
    assert "[AK" not in quiet.stdout


@pytest.mark.parametrize("code", ["AK999", "ak105", "X"])
def test_an_unknown_code_is_a_usage_error(code, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    res = CliRunner().invoke(cli, ["validate", "warnings-only", "--ignore", code])
    assert res.exit_code == 2
    assert "unknown problem code" in res.output
    assert "Traceback" not in res.output
