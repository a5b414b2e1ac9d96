"""Validation: every problem at once, as file:line:column: message, never a traceback."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from aimskit import engagement
from aimskit.base import resources
from aimskit.base.problems import InvalidEngagementError
from aimskit.engagement.scaffold import InitError, blank_files, init_engagement
from aimskit.ui.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
INVALID = FIXTURES / "invalid"
CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_there_is_a_corpus_of_broken_engagements():
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES)
def test_broken_engagement_reports_exact_messages(case, monkeypatch):
    monkeypatch.chdir(INVALID)
    expected = (INVALID / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    before = _snapshot(INVALID / case)
    got = [p.format() for p in engagement.validate(case)]
    assert got == expected
    assert _snapshot(INVALID / case) == before, "validation must never modify the user's files"


@pytest.mark.parametrize("case", CASES)
def test_cli_validate_prints_all_problems_and_exits_1(case, monkeypatch):
    monkeypatch.chdir(INVALID)
    expected = (INVALID / case / "expected.txt").read_text(encoding="utf-8")
    res = CliRunner().invoke(cli, ["validate", case])
    assert res.exit_code == 1
    assert res.stdout == expected
    assert "Traceback" not in res.output


def test_loader_raises_with_every_problem(monkeypatch):
    monkeypatch.chdir(INVALID)
    with pytest.raises(InvalidEngagementError) as info:
        engagement.load("gap-bad")
    errors = [p for p in info.value.problems if p.severity == "error"]
    assert len(errors) == 14
    assert "gap-bad/gap.csv:9:status:" in str(info.value)


def test_missing_folder(tmp_path):
    problems = engagement.validate(tmp_path / "nowhere")
    assert [p.format() for p in problems] == [
        f"{tmp_path / 'nowhere'}:0: the engagement folder does not exist (create one with 'aimskit init') [AK030]"
    ]


def test_warnings_do_not_fail_but_strict_does(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    eng = engagement.load("warnings-only")
    assert len(eng.warnings) == 3
    assert set(eng.gap["requirement_id"]) == {"4.1", "A.2.2", "5.2"}
    assert eng.gap.set_index("requirement_id").loc["4.1", "status"] == "compliant"
    runner = CliRunner()
    ok = runner.invoke(cli, ["validate", "warnings-only"])
    assert ok.exit_code == 0 and "(3 warnings)" in ok.output
    strict = runner.invoke(cli, ["validate", "warnings-only", "--strict"])
    assert strict.exit_code == 1


def test_valid_minimal_and_example_have_no_problems():
    assert engagement.validate(FIXTURES / "valid-minimal") == []
    assert [p for p in engagement.validate(resources.example_engagement()) if p.severity == "error"] == []
    res = CliRunner().invoke(cli, ["validate", str(FIXTURES / "valid-minimal")])
    assert res.exit_code == 0 and res.output.startswith("OK:")


def test_loaded_engagement_types(minimal):
    eng = engagement.load(minimal)
    assert eng.organisation == "Minimal Test Org"
    assert list(eng.systems["id"]) == ["chat", "legacy"]
    row = eng.gap.set_index("requirement_id").loc["5.2"]
    assert row["maturity"] == 2 and str(row["target_date"]) == "2026-09-30"
    assert row["evidence"] == ["POL-001 draft"]
    assert eng.target_for("A.7.4") == 3
    assert set(eng.input_hashes()) == {"engagement.yaml", "systems.csv", "gap.csv"}


def test_rows_of_out_of_scope_systems_are_not_counted(minimal):
    with open(minimal / "gap.csv", "a", encoding="utf-8") as fh:
        fh.write("A.7.4,legacy,non_compliant,0,,Risk,,\n")
    problems = engagement.validate(minimal)
    assert [p.format() for p in problems] == [
        f"{minimal / 'gap.csv'}:8:system_id: warning: system 'legacy' is out of scope (in_scope = no); "
        "this row is not counted [AK126]"
    ]
    eng = engagement.load(minimal)
    assert "legacy" not in set(eng.gap["system_id"].dropna())


def test_multiline_quoted_field_keeps_line_numbers(minimal):
    text = (minimal / "gap.csv").read_text(encoding="utf-8")
    text = text.replace("Policy not yet approved", '"Policy not yet\napproved"')
    text += "A.3.2,,wrong,1,,x,,\n"
    (minimal / "gap.csv").write_text(text, encoding="utf-8")
    problems = [p.format() for p in engagement.validate(minimal)]
    assert problems[-1].startswith(f"{minimal / 'gap.csv'}:9:status: 'wrong' is not one of")


def test_comment_lines_and_blank_lines_are_ignored(minimal):
    text = (minimal / "gap.csv").read_text(encoding="utf-8")
    (minimal / "gap.csv").write_text("# a comment\n\n" + text, encoding="utf-8")
    assert engagement.validate(minimal) == []


def test_target_maturity_overrides(minimal):
    text = (minimal / "engagement.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "target_maturity: 3", 'target_maturity:\n  default: 2\n  "A.6": 3\n  "A.6.2": 4\n  "A.6.2.4": 5\n  "9": 4'
    )
    (minimal / "engagement.yaml").write_text(text, encoding="utf-8")
    eng = engagement.load(minimal)
    assert eng.target_for("A.6.2.4") == 5
    assert eng.target_for("A.6.2.5") == 4
    assert eng.target_for("A.6.1.2") == 3
    assert eng.target_for("A.7.4") == 2
    assert eng.target_for("9.2.2") == 4
    assert eng.target_for("10.2") == 2


def test_blank_templates_are_valid_and_match_the_schema():
    folder = resources.templates_dir()
    for name, text in blank_files().items():
        assert (folder / name).read_text(encoding="utf-8") == text, f"data/templates/{name} is stale"
    # valid: only the placeholders left to fill in are warned about
    assert [p for p in engagement.validate(folder) if "placeholder text from the blank template" not in p.message] == []


def test_init_blank_and_example(tmp_path):
    written = init_engagement(tmp_path / "new")
    assert sorted(p.relative_to(tmp_path / "new").as_posix() for p in written) == sorted(blank_files())
    assert {"engagement.yaml", "systems.csv", "gap.csv", "risks.csv", "soa.csv"} <= set(blank_files())
    assert {"audits.yaml", "findings.csv", "reviews.yaml"} <= set(blank_files())
    assert [p.line for p in engagement.validate(tmp_path / "new")] == [5, 10, 14]  # the placeholders to replace
    init_engagement(tmp_path / "copy", example=True)
    assert engagement.load(tmp_path / "copy").organisation == "Brightwater Consumer Finance Ltd"
    assert (tmp_path / "copy" / "systems" / "credit-score.yaml").is_file()  # profiles live in a subfolder


def test_init_refuses_to_overwrite(tmp_path):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InitError, match="not empty"):
        init_engagement(target)
    assert (target / "notes.txt").read_text(encoding="utf-8") == "mine"
    res = CliRunner().invoke(cli, ["init", str(target)])
    assert res.exit_code == 1 and "refusing to overwrite" in res.output


def test_notebooks_command_copies_without_overwriting(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["notebooks", str(tmp_path / "nb")])
    assert res.exit_code == 0 and "copied" in res.output
    mine = tmp_path / "nb" / "gap_assessment.ipynb"
    mine.write_text("{}", encoding="utf-8")
    res = runner.invoke(cli, ["notebooks", str(tmp_path / "nb")])
    assert res.exit_code == 0 and "kept" in res.output
    assert mine.read_text(encoding="utf-8") == "{}"


def test_unquoted_numeric_target_keys_are_read_as_written(minimal):
    text = (minimal / "engagement.yaml").read_text(encoding="utf-8")
    text = text.replace("target_maturity: 3", "target_maturity:\n  default: 3\n  9: 5\n  6.1: 4\n  7.5.1: 2")
    (minimal / "engagement.yaml").write_text(text, encoding="utf-8")
    eng = engagement.load(minimal)
    assert eng.target_for("9.2.2") == 5
    assert eng.target_for("6.1.3") == 4
    assert eng.target_for("7.5.1") == 2
    assert eng.target_for("6.2") == 3


def test_yaml_bombs_and_deep_nesting_are_refused_quickly(minimal):
    import time

    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    (minimal / "engagement.yaml").write_text(bomb, encoding="utf-8")
    start = time.perf_counter()
    problems = engagement.validate(minimal)
    assert time.perf_counter() - start < 2
    assert "anchors and aliases" in problems[0].message
    (minimal / "engagement.yaml").write_text("deep: " + "[" * 2000 + "]" * 2000 + "\n", encoding="utf-8")
    problems = engagement.validate(minimal)
    assert problems and problems[0].file.endswith("engagement.yaml")


def test_libyaml_and_python_parsers_give_the_same_document():
    from aimskit.base.problems import Problems
    from aimskit.formats import yamlio

    path = resources.example_engagement() / "engagement.yaml"
    text = path.read_text(encoding="utf-8")
    docs = [yamlio._parse(text, "e.yaml", Problems(), cls) for cls in yamlio._LOADERS]
    assert len(yamlio._LOADERS) == 2, "PyYAML without libyaml: the fast path is not tested"
    fast, slow = docs
    assert fast.data == slow.data
    assert fast.positions == slow.positions and fast.key_positions == slow.key_positions
