"""The security step: input validation, verdicts, mappings with provenance, trend, evidence,
consistency, and the report view (escaping, hiding attack text)."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest

from aimskit import engagement
from aimskit.engagement.parts.security import SecurityCriteria
from aimskit.formats.redteam import Finding
from aimskit.steps import security
from aimskit.steps.security import view

FIX = Path(__file__).parent / "fixtures" / "redteam"


def _runs(folder: Path, rows: list[dict[str, str]]) -> None:
    cols = ["run_id", "system_id", "tool", "result_file", "run_date", "target", "tester", "owasp", "notes"]
    with (folder / "security" / "runs.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})


def _errors(folder: Path) -> list[str]:
    return [p.format() for p in engagement.validate(folder) if p.severity == "error"]


# ---------------------------------------------------------------------------------------------
# statistics


def test_wilson_interval_known_values():
    lo, hi = security.wilson(13, 50, 0.95)
    assert round(lo, 4) == 0.1587 and round(hi, 4) == 0.3955  # by hand: centre 0.2771, half-width 0.1184
    assert security.wilson(0, 0) == (0.0, 1.0)
    lo, hi = security.wilson(0, 20, 0.95)
    assert lo == 0.0 and round(hi, 4) == 0.1611


def test_verdict_rules():
    crit = SecurityCriteria(tolerated_asr=0.05, min_attempts=30)
    assert security.verdict(0, 0, 0.05, crit) == "not_tested"
    assert security.verdict(0, 100, 0.05, crit) == "pass"  # upper bound 3.7% <= 5%
    assert security.verdict(0, 40, 0.05, crit) == "inconclusive"  # upper bound 8.8% > 5%
    assert security.verdict(3, 5, 0.05, crit) == "fail"  # lower bound 23% > 5%, whatever the attempts
    assert security.verdict(3, 40, 0.05, crit) == "fail"  # 7.5% > 5% with enough attempts
    assert security.verdict(0, 30, 0.0, crit) == "pass"  # tolerance 0: no success at all
    assert security.verdict(1, 300, 0.0, crit) == "fail"


# ---------------------------------------------------------------------------------------------
# mappings and provenance


def test_garak_tag_is_translated_from_2023_with_provenance():
    m = security._maps()
    maps = security.map_finding(m, "garak", Finding(test="newmodule.Probe", tags=["owasp:llm06"]), [])
    owasp = [x for x in maps if x["kind"] == "owasp"]
    assert owasp == [
        {
            "kind": "owasp",
            "id": "LLM02",
            "provenance": "tool_tag",
            "edition": "owasp-llm@2023 -> owasp-llm@2025",
            "via": "garak tag owasp:llm06 (LLM06:2023) translated to LLM02:2025",
        }
    ]
    atlas = [x for x in maps if x["kind"] == "atlas"]
    assert atlas[0]["id"] == "AML.T0057" and atlas[0]["edition"] == "atlas@5.6.0"


def test_aimskit_table_overrides_misleading_garak_tag():
    m = security._maps()
    maps = security.map_finding(m, "garak", Finding(test="sysprompt_extraction.X", tags=["owasp:llm01"]), [])
    assert [x["id"] for x in maps if x["kind"] == "owasp"] == ["LLM07"]
    assert {x["provenance"] for x in maps if x["kind"] == "owasp"} == {"aimskit_analysis"}


def test_promptfoo_plugin_from_preset_and_strategy():
    m = security._maps()
    maps = security.map_finding(m, "promptfoo", Finding(test="pii:direct", strategy="jailbreak"), [])
    owasp = {(x["id"], x["provenance"]) for x in maps if x["kind"] == "owasp"}
    assert {("LLM02", "tool_preset"), ("LLM07", "tool_preset"), ("LLM08", "tool_preset")} <= owasp
    assert ("LLM01", "aimskit_analysis") in owasp  # the jailbreak strategy
    assert {"AML.T0057", "AML.T0054"} <= {x["id"] for x in maps if x["kind"] == "atlas"}
    tactics = {x["id"] for x in maps if x["kind"] == "atlas_tactic"}
    assert "AML.TA0010" in tactics  # exfiltration, from promptfoo's ATLAS preset


def test_declared_categories_take_precedence():
    m = security._maps()
    maps = security.map_finding(m, "pyrit", Finding(test="PromptSendingAttack", categories=["jailbreak"]), ["LLM07"])
    assert [(x["id"], x["provenance"]) for x in maps if x["kind"] == "owasp"] == [("LLM07", "tester_declared")]


# ---------------------------------------------------------------------------------------------
# the example engagement


@pytest.fixture(scope="module")
def example():
    from aimskit.base import resources

    return engagement.load(resources.example_engagement(), parts=security.STEP.needs)


def test_example_llm_assist(example):
    r = security.assess(example, "llm-assist")
    assert len(r.runs) == 7 and set(r.findings["tool"]) == {"garak", "promptfoo", "pyrit", "inspect"}
    cats = r.categories.set_index("category")
    # LLM01: latest garak run (RT-G2, 40 attempts, 2 successes) + the Inspect AI run (25 samples x 4 epochs, none)
    assert (cats.loc["LLM01", "attempts"], cats.loc["LLM01", "successes"]) == (140, 2)
    assert cats.loc["LLM01", "runs"] == ["RT-G2", "RT-I1"]
    inspect_trend = r.trend[r.trend["run_id"] == "RT-I1"]
    assert inspect_trend[["category", "attempts", "successes", "verdict"]].values.tolist() == [
        ["LLM01", 100, 0, "pass"]
    ]
    assert list(cats.index) == [f"LLM{i:02d}" for i in range(1, 11)]
    # LLM07: latest promptfoo run (12 attempts) + latest PyRIT run (6), no success, below 20 attempts
    assert (cats.loc["LLM07", "attempts"], cats.loc["LLM07", "successes"]) == (18, 0)
    assert cats.loc["LLM07", "verdict"] == "inconclusive"
    assert cats.loc["LLM06", "verdict"] == "not_tested"
    assert cats.loc["LLM05", "verdict"] == "pass"
    fixed = r.regressions[r.regressions["change"] == "fixed"]
    assert set(zip(fixed["tool"], fixed["category"], strict=True)) >= {("promptfoo", "LLM07"), ("pyrit", "LLM07")}
    ev = r.evidence.set_index("run_id")
    assert ev.loc["RT-P1", "verdict"] == "fail" and "A.6.2.4" in ev.loc["RT-P1", "controls"]
    assert len(ev.loc["RT-G1", "sha256"]) == 64
    assert any("not tested" in s for s in r.summary)
    json.dumps(security.results(r))


def test_example_portfolio_lists_tested_systems(example):
    r = security.assess(example, None)
    assert set(r.categories["system_id"]) == {"llm-assist"}
    assert security.tested_systems(example) == ["llm-assist"]


# ---------------------------------------------------------------------------------------------
# inputs


def test_paths_outside_the_folder_are_refused(example_copy: Path, tmp_path: Path):
    outside = tmp_path / "outside.jsonl"
    shutil.copy(FIX / "garak" / "test-Blank.report.jsonl", outside)
    os.symlink(outside, example_copy / "security" / "link.jsonl")
    _runs(
        example_copy,
        [
            {"run_id": "A", "system_id": "llm-assist", "result_file": str(outside), "run_date": "2026-10-01"},
            {"run_id": "B", "system_id": "llm-assist", "result_file": "../outside.jsonl", "run_date": "2026-10-01"},
            {"run_id": "C", "system_id": "llm-assist", "result_file": "security/link.jsonl", "run_date": "2026-10-01"},
            {"run_id": "D", "system_id": "llm-assist", "result_file": "security/none.jsonl", "run_date": "2026-10-01"},
            {
                "run_id": "E",
                "system_id": "nobody",
                "result_file": "security/garak/2026-09-15-baseline.report.jsonl",
                "run_date": "2026-10-01",
            },
        ],
    )
    errs = _errors(example_copy)
    runs = str(example_copy / "security" / "runs.csv")
    assert (
        f"{runs}:2:result_file: '{outside}' is an absolute path; give a path inside the engagement folder [AK612]"
        in errs
    )
    assert any(e.startswith(f"{runs}:3:result_file:") and "'..'" in e for e in errs)
    assert any(e.startswith(f"{runs}:4:result_file:") and "outside the engagement folder" in e for e in errs)
    assert any(e.startswith(f"{runs}:5:result_file:") and "no such file" in e for e in errs)
    assert any(e.startswith(f"{runs}:6:system_id:") and "unknown system 'nobody'" in e for e in errs)


def test_bad_criteria_and_categories_are_positioned(example_copy: Path):
    y = example_copy / "engagement.yaml"
    text = (
        y.read_text(encoding="utf-8")
        .replace("tolerated_asr: 0.05", "tolerated_asr: 5")
        .replace("    LLM07: 0.02", "    LLM11: 0.02")
    )
    y.write_text(text, encoding="utf-8")
    _runs(
        example_copy,
        [
            {
                "run_id": "A",
                "system_id": "llm-assist",
                "result_file": "security/pyrit/2026-09-17-pyrit.db",
                "run_date": "2026-10-01",
                "owasp": "LLM7",
                "tool": "garak",
            },
        ],
    )
    errs = _errors(example_copy)
    assert any("engagement.yaml:" in e and "tolerated_asr" in e for e in errs)
    assert any("engagement.yaml:" in e and "LLM11" in e for e in errs)
    assert any("runs.csv:2:owasp:" in e and "'LLM7'" in e for e in errs)
    assert any("2026-09-17-pyrit.db:0: the file looks like a pyrit result, not garak" in e for e in errs)
    assert len(errs) < 10


def test_corrupt_result_file_is_reported_at_its_line(example_copy: Path):
    f = example_copy / "security" / "garak" / "2026-09-15-baseline.report.jsonl"
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[10] = '{"entry_type": "attempt", broken\n'
    f.write_text("".join(lines), encoding="utf-8")
    errs = _errors(example_copy)
    assert any(e.startswith(f"{f}:11: not valid JSON") for e in errs)


def _failing_copy(folder: Path, hide: bool = False) -> Path:
    """The example with one more garak run on 2026-11-20 that fails LLM01 (the echo target again)."""
    shutil.copy(FIX / "garak" / "test-Repeat.report.jsonl", folder / "security" / "garak" / "late.report.jsonl")
    with (folder / "security" / "runs.csv").open("a", encoding="utf-8") as fh:
        fh.write("RT-G3,llm-assist,garak,security/garak/late.report.jsonl,2026-11-20,v1.4,AppSec,,,regression\n")
    if hide:
        y = folder / "engagement.yaml"
        y.write_text(y.read_text(encoding="utf-8").replace("hide_attack_text: false", "hide_attack_text: true"))
    return folder


def test_failed_category_without_risk_is_a_finding_with_a_suggested_row(example_copy: Path, tmp_path: Path):
    eng = engagement.load(_failing_copy(example_copy), parts=security.STEP.needs)
    r = security.assess(eng, "llm-assist")
    cats = r.categories.set_index("category")
    assert cats.loc["LLM01", "verdict"] == "fail" and cats.loc["LLM05", "verdict"] == "fail"
    assert "newly failing" in set(r.regressions["change"])
    # LLM01 is treated by R-07 ("Prompt injection exposes data or instructions"); LLM05 by no risk
    assert set(r.consistency["category"]) == {"LLM05"}
    row = r.suggested_risks.set_index("risk_id").loc["R-SEC-llm-assist-LLM05"]
    assert row["system_id"] == "llm-assist" and row["status"] == "open"
    before = (example_copy / "risks.csv").read_bytes()
    view.write_handover(r, tmp_path)
    assert "R-SEC-llm-assist-LLM05" in (tmp_path / view.HANDOVER_FILE).read_text(encoding="utf-8")
    assert (example_copy / "risks.csv").read_bytes() == before  # never written into the engagement


def test_attack_text_is_escaped_and_can_be_hidden(example_copy: Path):
    eng = engagement.load(_failing_copy(example_copy), parts=security.STEP.needs)
    r = security.assess(eng, "llm-assist")
    html = view.examples(r).data
    assert "<script" not in html.lower() or "&lt;script" in html.lower()
    assert all(len(p) <= security.EXAMPLE_CHARS for p in r.examples["prompt"])
    shown = view.examples(r).data
    assert "Ignore" in shown


def test_hide_attack_text(example_copy: Path):
    eng = engagement.load(_failing_copy(example_copy, hide=True), parts=security.STEP.needs)
    r = security.assess(eng, "llm-assist")
    assert set(r.examples["prompt"]) == {security.HIDDEN} and set(r.examples["output"]) == {security.HIDDEN}
    assert "Ignore" not in view.examples(r).data
    assert "hate humans" not in json.dumps(security.results(r))


def test_hostile_text_in_report_cells_is_escaped():
    r = security.SecurityResult  # noqa: F841 (the table escapes every cell; check with a hostile row)
    import pandas as pd

    from aimskit.present import report

    df = pd.DataFrame([{"prompt": "<img src=x onerror=alert(1)>", "output": "=cmd|' /C calc'!A0"}])
    html = report.table(df, {"prompt": "Prompt", "output": "Output"}).data
    assert "<img" not in html and "&lt;img" in html
    assert view._cell("=cmd") == "'=cmd"


def test_paths_escaping_the_engagement_are_errors_inside_it_a_warning(tmp_path: Path, example_copy: Path):
    """Absolute (POSIX, Windows, home), '..' and symbolic links out of the folder (to a file or through a
    linked folder) are refused as errors; a file inside the engagement but outside security/ is a warning."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(example_copy / "security" / "garak" / "2026-09-15-baseline.report.jsonl", outside / "r.jsonl")
    os.symlink(outside, example_copy / "security" / "linked-dir")
    shutil.copy(outside / "r.jsonl", example_copy / "r.report.jsonl")
    base = {"system_id": "llm-assist", "run_date": "2026-10-01"}
    files = ["C:\\runs\\r.jsonl", "~/r.jsonl", "security/linked-dir/r.jsonl", "security/../../elsewhere/r.jsonl"]
    _runs(
        example_copy,
        [{"run_id": f"X{i}", "result_file": f, **base} for i, f in enumerate(files)]
        + [{"run_id": "IN", "result_file": "r.report.jsonl", **base}],
    )
    problems = engagement.validate(example_copy)
    runs = str(example_copy / "security" / "runs.csv")
    by_line = {p.line: p for p in problems if p.file == runs and p.column == "result_file"}
    for line in (2, 3, 4, 5):
        assert by_line[line].severity == "error" and by_line[line].code == "AK612", by_line[line].format()
    assert "symbolic link" in by_line[4].message
    assert by_line[6].severity == "warning" and by_line[6].code == "AK614"


def test_an_importer_problem_is_validated_with_its_own_code(example_copy: Path):
    garak = example_copy / "security" / "garak" / "2026-11-10-after-fix.report.jsonl"
    lines = garak.read_bytes().splitlines(keepends=True)
    garak.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])  # cut in the middle of the last line
    shown = [p.format() for p in engagement.validate(example_copy) if str(garak) in p.format()]
    assert any(f":{len(lines)}:" in s and "truncated" in s and s.endswith("[AK661]") for s in shown), shown
    assert not any("[AK615]" in s or "[AK616]" in s for s in shown)
