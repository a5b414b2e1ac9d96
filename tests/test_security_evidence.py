"""Red-team runs as Annex A evidence in the gap report and the Statement of Applicability, on the
example's real runs (files written by garak, promptfoo, PyRIT and Inspect AI)."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pandas as pd
import pytest

from aimskit import catalog, engagement
from aimskit.base import resources
from aimskit.batch import cache
from aimskit.steps import gap, risk, security
from aimskit.steps.gap import view as gap_view
from aimskit.steps.risk import view as risk_view
from aimskit.steps.security import evidence


@pytest.fixture(scope="module")
def eng():
    return engagement.load(resources.example_engagement())


def _runs_csv() -> list[dict[str, str]]:
    with (resources.example_engagement() / "security" / "runs.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _sha(rel: str) -> str:
    return hashlib.sha256((resources.example_engagement() / rel).read_bytes()).hexdigest()


def test_verdict_summary_words():
    assert evidence.verdict_summary(6, 2, 0) == "2 of 6 categories failed"
    assert evidence.verdict_summary(1, 1, 0) == "1 of 1 category failed"
    assert evidence.verdict_summary(4, 2, 1) == "2 of 4 categories failed, 1 inconclusive"
    assert evidence.verdict_summary(3, 0, 0) == "all 3 categories passed"
    assert evidence.verdict_summary(1, 0, 0) == "the category tested passed"
    assert evidence.verdict_summary(4, 0, 2) == "none of 4 categories failed, 2 inconclusive"
    assert evidence.verdict_summary(0, 0, 0) == "no OWASP LLM category mapped"


def test_run_controls_follow_the_catalog_mapping():
    annex = catalog.load("security-annex-a")
    assert evidence.run_controls([], "development", annex) == ["A.6.2.4"]
    assert evidence.run_controls([], "operation_monitoring", annex) == ["A.6.2.4", "A.6.2.6"]
    by_cat = dict(annex.loc[annex["applies_to"] == "owasp", ["key", "control_id"]].values)
    got = evidence.run_controls(["LLM01", "LLM10"], "development", annex)
    assert got == ["A.6.2.4", by_cat["LLM01"], by_cat["LLM10"]]


def test_gap_result_carries_every_run_for_a_6_2_4_with_its_file_hash(eng):
    ev = gap.assess(eng).security_evidence
    declared = _runs_csv()
    core = ev[ev["control_id"] == "A.6.2.4"].set_index("run_id")
    assert set(core.index) == {r["run_id"] for r in declared}
    for r in declared:
        row = core.loc[r["run_id"]]
        assert row["sha256"] == _sha(r["result_file"]), r["run_id"]
        assert str(row["run_date"]) == r["run_date"]
        assert row["report"] == f"../security/system-{r['system_id']}.html"
        assert row["evidence"].startswith(f"Red-team {r['run_id']} (")
        assert row["evidence"].endswith(f"sha256 {row['sha256'][:12]}")


def test_the_verdict_summary_counts_the_runs_own_category_verdicts(eng):
    ev = gap.assess(eng).security_evidence
    trend = security.assess(eng).trend
    for run_id, summary in ev.drop_duplicates("run_id")[["run_id", "summary"]].values:
        mine = trend[trend["run_id"] == run_id]
        failed = int((mine["verdict"] == "fail").sum())
        assert summary == evidence.verdict_summary(len(mine), failed, int((mine["verdict"] == "inconclusive").sum()))
    # the example's baseline garak run fails categories: the summary says how many of how many
    g1 = ev[ev["run_id"] == "RT-G1"]["summary"].iloc[0]
    assert " of " in g1 and "failed" in g1


def test_gap_evidence_is_scope_aware(eng):
    tested = set(r["system_id"] for r in _runs_csv())
    for sid in eng.in_scope_ids:
        ev = gap.assess(eng, sid).security_evidence
        if sid in tested:
            assert set(ev["system_id"]) == {sid}
            assert set(ev["run_id"]) == {r["run_id"] for r in _runs_csv() if r["system_id"] == sid}
        else:
            assert ev.empty
            html = gap_view.security_evidence_table(gap.assess(eng, sid), eng.system_names).data
            assert "No red-team test run is recorded for this AI system" in html


def test_gap_report_table_links_runs_and_shows_short_hashes(eng):
    result = gap.assess(eng)
    html = gap_view.security_evidence_table(result, eng.system_names).data
    assert 'href="../security/system-llm-assist.html"' in html
    for r in _runs_csv():
        assert f"sha256 {_sha(r['result_file'])[:12]}" in html
        assert f">{r['run_id']}</a>" in html
    status = dict(zip(result.view["id"], result.view["status"], strict=True))["A.6.2.4"]
    assert f"ak-{status}" in html  # the control's own gap status beside its evidence
    assert any("Technical evidence" in p and "A.6.2.4" in p for p in gap_view._security_points(result))
    assert gap_view.results(result)["security_evidence"]


def test_soa_evidence_column_keeps_the_users_text_then_appends_the_runs(eng):
    soa = risk.assess(eng).soa.set_index("control_id")
    user = list(eng.part(risk.risk_part.PART).soa.set_index("control_id").loc["A.6.2.4", "evidence"] or [])
    row = soa.loc["A.6.2.4"]
    assert list(row["evidence"]) == user  # the user's own references, unchanged
    runs = {r["run_id"] for r in _runs_csv()}
    assert {t.split(" ")[1] for t in row["test_evidence"]} == runs
    shown = risk.soa_evidence(row.to_dict())
    assert shown[: len(user)] == user and len(shown) == len(user) + len(runs)
    # the handover CSV (the SoA as a spreadsheet) has both in its evidence column
    exported = risk.soa_export(risk.assess(eng).soa).set_index("control_id").loc["A.6.2.4", "evidence"]
    assert all(u in exported for u in user) and "Red-team RT-G1 (garak" in exported
    html = risk_view.soa_table(risk.assess(eng)).data
    assert "Red-team RT-G1 (garak" in html and "sha256" in html
    # a control no run supports keeps its evidence as written
    untouched = soa[soa["test_evidence"].map(len) == 0]
    assert not untouched.empty


def test_soa_evidence_of_a_system_report_holds_that_systems_runs_only(eng):
    other = next(s for s in eng.in_scope_ids if s not in {r["system_id"] for r in _runs_csv()})
    soa = risk.assess(eng, other).soa
    assert all(not t for t in soa["test_evidence"])


def test_a_gap_system_key_holds_its_own_runs_only(example_copy: Path):
    eng = engagement.load(example_copy, parts=gap.STEP.needs)
    other = next(s for s in eng.in_scope_ids if s != "llm-assist")
    before = {s: cache.read_inputs(eng, "gap", s) for s in ("llm-assist", other)}
    target = example_copy / _runs_csv()[0]["result_file"]
    target.write_bytes(target.read_bytes() + b"\n")  # a change to one of llm-assist's result files
    after = {s: cache.read_inputs(eng, "gap", s) for s in ("llm-assist", other)}
    assert after["llm-assist"] != before["llm-assist"]
    assert after[other] == before[other]
    assert cache.read_inputs(eng, "gap", None) != {}


def test_by_control_of_no_run_is_empty_with_its_columns():
    out = evidence.by_control(pd.DataFrame(columns=security.EVIDENCE_COLUMNS), {})
    assert out.empty and list(out.columns) == evidence.COLUMNS


def test_review_pack_lists_each_run_since_the_last_review_once(eng):
    from aimskit.engagement.parts import audit as audit_part
    from aimskit.steps.security import view as security_view

    held = sorted(eng.part(audit_part.PART).reviews["date"])
    html = security_view.since_last_review(eng).data
    after = [r for r in _runs_csv() if r["run_date"] > str(held[-1])]
    assert after, "the example has runs after its last review"
    for r in after:
        assert html.count(f">{r['run_id']}</a>") == 1
    assert "A.6.2.4" in html
