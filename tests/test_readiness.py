"""Certification readiness: every blocker with and without its trigger, the verdict rules, the score,
the checklist states, the plan and cycle, and the two engagements the issue names (the example:
ready with conditions; a blank ``aimskit init``: not ready with every missing item listed)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from aimskit import engagement
from aimskit.base import resources
from aimskit.base.problems import InvalidEngagementError, Problem
from aimskit.engagement import placeholders
from aimskit.engagement.parts.readiness import Certification
from aimskit.engagement.scaffold import init_engagement
from aimskit.steps import readiness as rd

AS_OF = dt.date(2026, 11, 20)
D = dt.date


def _docs(rows: list[dict]) -> pd.DataFrame:
    cols = [
        "document_id",
        "title",
        "kind",
        "version",
        "owner",
        "approved_by",
        "approved_on",
        "next_review",
        "requirements",
        "location",
    ]
    base = {c: None for c in cols}
    return pd.DataFrame([{**base, **r} for r in rows], columns=cols)


ITEMS = rd.mandatory_items()
ALL_APPROVED = _docs(
    [
        {
            "document_id": "D-1",
            "title": "Everything",
            "kind": "policy",
            "approved_by": "Board",
            "approved_on": D(2026, 1, 1),
            "next_review": D(2027, 1, 1),
            "requirements": list(ITEMS["id"]),
        }
    ]
)


def clean() -> dict:
    """Inputs of :func:`readiness.blockers` with nothing wrong."""
    clauses = pd.DataFrame({"id": ["4.1", "5.2"], "title": ["Context", "AI policy"], "status": "compliant"})
    clauses["target_date"] = None
    return {
        "placeholders": [],
        "checklist_df": rd.checklist(ITEMS, ALL_APPROVED, {}, AS_OF),
        "clause_view": clauses,
        "reviews_held": pd.DataFrame({"id": ["MR-1"], "date": [D(2026, 7, 1)]}),
        "next_review": None,
        "clause_coverage": pd.DataFrame({"id": ["4.1", "5.2"], "state": ["audited", "audited"]}),
        "audits": pd.DataFrame({"id": ["IA-1"], "status": ["done"], "end": [D(2026, 10, 1)]}),
        "findings": pd.DataFrame(
            columns=["finding_id", "audit_id", "requirement_id", "grade", "open", "statement", "due_date"]
        ),
        "impact_findings": pd.DataFrame(columns=["rule", "severity", "system_id", "impact_id", "message"]),
        "risk_findings": pd.DataFrame(columns=["rule", "severity", "title", "subject", "system_id", "message"]),
        "risk_plan": pd.DataFrame(columns=["risk_id", "title", "residual_level", "due_date", "acceptance"]),
        "objectives": pd.DataFrame(
            [{"objective_id": "O-1", "objective": "Fair", "measure": "AIR", "target": ">= 0.8", "due_date": None}]
        ),
        "inventory_df": rd.inventory(
            pd.DataFrame(
                [
                    {
                        "id": "s1",
                        "name": "S1",
                        "owner": "Owner",
                        "eu_ai_act_tier": "high",
                        "lifecycle_stage": "deployment",
                        "in_scope": True,
                    }
                ]
            ),
            {"s1": "high"},
            set(),
            {"s1"},
            {"s1"},
        ),
    }


def blockers(**inputs) -> pd.DataFrame:
    return rd.blockers(rd.BlockerInputs(**inputs))


def kinds(**changes) -> list[str]:
    return list(blockers(**{**clean(), **changes})["kind"])


def test_clean_inputs_have_no_blocker():
    assert kinds() == []


def test_placeholder():
    left = Problem("x/engagement.yaml", 5, "9", "'Example Organisation Ltd' is placeholder text", "warning")
    assert kinds(placeholders=[left]) == ["placeholder"]
    screening = Problem("x/systems/s1.yaml", 17, "1", placeholders.SCREENING_MESSAGE, "warning")
    assert kinds(placeholders=[screening]) == []  # counted in the inventory instead


def test_document_missing_and_uncontrolled():
    none = rd.checklist(ITEMS, _docs([]), {}, AS_OF)
    assert kinds(checklist_df=none) == ["document_missing"] * len(ITEMS)
    unapproved = ALL_APPROVED.assign(approved_by=None)
    assert kinds(checklist_df=rd.checklist(ITEMS, unapproved, {}, AS_OF)) == ["document_uncontrolled"]
    expired = ALL_APPROVED.assign(next_review=[D(2026, 11, 1)])
    assert kinds(checklist_df=rd.checklist(ITEMS, expired, {}, AS_OF)) == ["document_uncontrolled"]


def test_clause_not_compliant_and_not_assessed():
    view = clean()["clause_view"]
    assert kinds(clause_view=view.assign(status=["non_compliant", "compliant"])) == ["clause_not_compliant"]
    assert kinds(clause_view=view.assign(status=["not_assessed", "compliant"])) == ["clause_not_assessed"]
    assert kinds(clause_view=view.assign(status=["partially_compliant", "compliant"])) == []


def test_no_management_review():
    found = blockers(**{**clean(), "reviews_held": pd.DataFrame(columns=["id", "date"]), "next_review": D(2027, 3, 1)})
    assert list(found["kind"]) == ["no_management_review"]
    assert found["due"].iloc[0] == D(2027, 3, 1)


def test_audit_coverage():
    cov = pd.DataFrame({"id": ["4.1", "5.2"], "state": ["audited", "planned"]})
    planned = pd.DataFrame(
        {"id": ["IA-1", "IA-2"], "status": ["done", "planned"], "end": [D(2026, 10, 1), D(2027, 2, 1)]}
    )
    found = blockers(**{**clean(), "clause_coverage": cov, "audits": planned})
    assert list(found["kind"]) == ["audit_coverage"]
    assert found.iloc[0]["due"] == D(2027, 2, 1) and found.iloc[0]["severity_1"] == "minor"
    never = blockers(**{**clean(), "clause_coverage": cov.assign(state=["never audited"] * 2), "audits": planned})
    assert never.iloc[0]["due"] is None  # something is not even planned: no date can make it in time
    nothing_done = blockers(**{**clean(), "clause_coverage": cov, "audits": planned.assign(status="planned")})
    assert nothing_done.iloc[0]["severity_1"] == "major"


def test_major_nonconformity():
    f = pd.DataFrame(
        [
            {
                "finding_id": "F-1",
                "audit_id": "IA-1",
                "requirement_id": "8.4",
                "grade": "major_nonconformity",
                "open": True,
                "statement": "No impact assessment",
                "due_date": D(2027, 1, 31),
            }
        ]
    )
    assert kinds(findings=f) == ["major_nonconformity"]
    assert kinds(findings=f.assign(open=False)) == []
    assert kinds(findings=f.assign(grade="minor_nonconformity")) == []


def test_high_risk_without_impact_assessment():
    f = pd.DataFrame(
        [{"rule": "high_risk_not_assessed", "severity": "error", "system_id": "s1", "impact_id": "", "message": "m"}]
    )
    assert kinds(impact_findings=f) == ["high_risk_no_impact"]
    assert kinds(impact_findings=f.assign(rule="tier_disagreement")) == []


def test_soa_inconsistency():
    f = pd.DataFrame(
        [{"rule": "SOA-4", "severity": "high", "title": "t", "subject": "A.8.4", "system_id": None, "message": "m"}]
    )
    assert kinds(risk_findings=f) == ["soa_inconsistency"]
    assert kinds(risk_findings=f.assign(severity="medium")) == []
    assert kinds(risk_findings=f.assign(rule="RTP-3")) == []
    assert kinds(risk_findings=f, has_soa=False) == []  # no SoA at all is the missing 6.1.3 document


def test_residual_unaccepted():
    plan = pd.DataFrame(
        [{"risk_id": "R-1", "title": "t", "residual_level": "High", "due_date": None, "acceptance": "flagged"}]
    )
    assert kinds(risk_plan=plan) == ["residual_unaccepted"]
    for ok in ("accepted", "within", "pending"):
        assert kinds(risk_plan=plan.assign(acceptance=ok)) == []


def test_objective_incomplete():
    o = clean()["objectives"]
    assert kinds(objectives=o.assign(measure="")) == ["objective_incomplete"]
    assert kinds(objectives=o.assign(target=None)) == ["objective_incomplete"]
    assert (
        "no measure and no target"
        in blockers(**{**clean(), "objectives": o.assign(measure="", target="")})["message"].iloc[0]
    )


@pytest.mark.parametrize(
    "change, missing",
    [
        ({"owner": ""}, "no owner"),
        ({"eu_ai_act_tier": "limited"}, "differs from the screening"),
        ({"lifecycle_stage": "retirement"}, "retirement"),
    ],
)
def test_inventory_incomplete(change, missing):
    system = {"id": "s1", "name": "S1", "owner": "O", "eu_ai_act_tier": "high", "lifecycle_stage": "deployment"}
    systems = pd.DataFrame([{**system, "in_scope": True, **change}])
    inv = rd.inventory(systems, {"s1": "high"}, set(), {"s1"}, {"s1"})
    assert kinds(inventory_df=inv) == ["inventory_incomplete"]
    assert any(missing in m for m in inv.iloc[0]["missing"])


def test_inventory_checks_impact_risks_screening_and_emptiness():
    systems = pd.DataFrame(
        [
            {
                "id": "s1",
                "name": "S1",
                "owner": "O",
                "eu_ai_act_tier": "high",
                "lifecycle_stage": "deployment",
                "in_scope": True,
            }
        ]
    )
    assert not rd.inventory(systems, {"s1": "high"}, set(), set(), {"s1"}).iloc[0]["impact_assessment"]
    assert not rd.inventory(systems, {"s1": "high"}, set(), {"s1"}, set()).iloc[0]["risks"]
    unconfirmed = rd.inventory(systems.assign(eu_ai_act_tier="minimal"), {"s1": "minimal"}, {"s1"}, set(), {"s1"})
    assert unconfirmed.iloc[0]["screened_tier"] == "not confirmed" and not unconfirmed.iloc[0]["complete"]
    minimal = rd.inventory(systems.assign(eu_ai_act_tier="minimal"), {"s1": "minimal"}, set(), set(), {"s1"})
    assert minimal.iloc[0]["complete"]  # a minimal-risk system needs no impact assessment
    empty = blockers(**{**clean(), "inventory_df": rd.inventory(systems.iloc[0:0], {}, set(), set(), set())})
    assert list(empty["kind"]) == ["inventory_incomplete"] and empty.iloc[0]["severity_1"] == "major"


def test_every_blocker_kind_is_listed_with_its_count():
    summary = rd.blocker_summary(blockers(**clean()))
    assert list(summary["kind"]) == [*rd.BLOCKERS, *rd.NOT_EVALUATED]
    assert summary["found"].iloc[: len(rd.BLOCKERS)].tolist() == [0] * len(rd.BLOCKERS)


# ---------------------------------------------------------------------------------------------
# verdict, score, checklist, plan, cycle


def _one(kind: str, due=None, severity_1=None) -> pd.DataFrame:
    return pd.DataFrame([rd._blocker(kind, "x", "m", due, severity_1=severity_1)], columns=rd.BLOCKER_COLUMNS)


def test_verdict_rules():
    none = pd.DataFrame(columns=rd.BLOCKER_COLUMNS)
    assert rd.verdict(rd.classify(none, 1, D(2027, 3, 1), AS_OF))[0] == "ready"
    minor = _one("objective_incomplete")
    assert rd.verdict(rd.classify(minor, 1, None, AS_OF))[0] == "ready_with_conditions"
    major = _one("document_missing")
    assert rd.verdict(rd.classify(major, 1, D(2027, 3, 1), AS_OF))[0] == "not_ready"
    planned = _one("no_management_review", due=D(2027, 2, 1))
    assert rd.verdict(rd.classify(planned, 1, D(2027, 3, 1), AS_OF))[0] == "ready_with_conditions"
    assert rd.verdict(rd.classify(planned, 1, D(2027, 1, 15), AS_OF))[0] == "not_ready"  # planned too late
    assert rd.verdict(rd.classify(planned, 1, None, AS_OF))[0] == "not_ready"  # no stage date
    overdue = _one("no_management_review", due=D(2026, 10, 1))
    assert rd.verdict(rd.classify(overdue, 1, D(2027, 3, 1), AS_OF))[0] == "not_ready"
    nc = _one("major_nonconformity")  # minor at stage 1 (an area of concern), major at stage 2
    assert rd.verdict(rd.classify(nc, 1, D(2027, 3, 1), AS_OF))[0] == "ready_with_conditions"
    assert rd.verdict(rd.classify(nc, 2, D(2027, 6, 1), AS_OF))[0] == "not_ready"


def test_reasons_are_ranked_blocking_first_then_by_kind():
    df = pd.concat([_one("objective_incomplete"), _one("clause_not_compliant"), _one("document_missing")])
    v, reasons = rd.verdict(rd.classify(df.reset_index(drop=True), 1, None, AS_OF))
    assert v == "not_ready"
    assert [(r["effect"], r["kind"]) for r in reasons] == [
        ("blocking", "document_missing"),
        ("condition", "clause_not_compliant"),
        ("condition", "objective_incomplete"),
    ]


def test_score_formula():
    assert rd.score(dict.fromkeys(dict(rd.SCORE_WEIGHTS), 1.0)) == 100.0
    assert rd.score({}) == 0.0
    assert sum(w for _, w in rd.SCORE_WEIGHTS) == 100
    assert rd.score({"documents": 0.5, "review": 1.0}) == 20.0  # 30 x 0.5 + 5 x 1


def test_checklist_states_and_evidence_from_data():
    docs = _docs(
        [
            {"document_id": "P", "title": "AI Policy", "kind": "policy", "requirements": ["5.2"]},  # not approved
            {
                "document_id": "S",
                "title": "Scope",
                "kind": "statement",
                "approved_by": "Board",
                "approved_on": D(2025, 1, 1),
                "next_review": D(2026, 1, 1),
                "requirements": ["4"],  # a heading covers its sub-clauses
            },
            {"document_id": "C", "title": "Training", "kind": "record", "requirements": ["7.2"]},  # record: no approval
        ]
    )
    items = rd.checklist(ITEMS, docs, {"9.3.3": "reviews held", "5.2": "x"}, AS_OF).set_index("id")
    assert items.loc["5.2", "state"] == "not_approved"  # a maintained document needs an approved entry
    assert items.loc["4.3", "state"] == "review_overdue"
    assert items.loc["7.2", "state"] == "in_place"
    assert items.loc["9.3.3", "state"] == "in_place" and items.loc["9.3.3", "where"] == ["reviews held"]
    assert items.loc["6.2", "state"] == "missing"
    assert len(ITEMS) == 16  # the clauses catalog's documented-information flags


def test_approval_after_the_assessment_date_does_not_count():
    docs = _docs(
        [
            {
                "document_id": "P",
                "title": "AI Policy",
                "kind": "policy",
                "approved_by": "Board",
                "approved_on": D(2026, 12, 1),
                "requirements": ["5.2"],
            }
        ]
    )
    assert rd.checklist(ITEMS, docs, {}, AS_OF).set_index("id").loc["5.2", "state"] == "not_approved"


def test_plan_flags_overdue_and_late_actions():
    roadmap = pd.DataFrame(
        [
            {
                "priority": "P1",
                "id": "6.3",
                "title": "t",
                "owner": "o",
                "target_date": D(2026, 10, 1),
                "status": "non_compliant",
            },
            {
                "priority": "P2",
                "id": "9.1",
                "title": "t",
                "owner": "o",
                "target_date": D(2027, 5, 1),
                "status": "non_compliant",
            },
            {
                "priority": "P2",
                "id": "9.2.1",
                "title": "t",
                "owner": "o",
                "target_date": None,
                "status": "non_compliant",
            },
        ]
    )
    empty = pd.DataFrame()
    plan = rd.plan(
        roadmap=roadmap,
        risk_plan=empty,
        findings=empty,
        review_actions=empty,
        as_of=AS_OF,
        stage_1=D(2027, 3, 1),
        stage_2=D(2027, 6, 1),
    ).set_index("id")
    assert plan.loc["6.3", "overdue"] and not plan.loc["6.3", "late_stage_1"]
    assert plan.loc["9.1", "late_stage_1"] and not plan.loc["9.1", "late_stage_2"]
    assert plan.loc["9.2.1", "late_stage_1"] and plan.loc["9.2.1", "late_stage_2"]  # undated


def test_cycle_dates():
    cyc = rd.cycle(Certification(stage_1=D(2027, 3, 1), stage_2=D(2027, 5, 31)))
    dates = dict(zip(cyc["milestone"], cyc["date"], strict=True))
    assert dates["surveillance_1"] == D(2028, 5, 31)
    assert dates["surveillance_2"] == D(2029, 5, 31)
    assert dates["recertification"] == D(2030, 5, 31)
    assert rd._add_months(D(2027, 1, 31), 13) == D(2028, 2, 29)  # month end, leap year
    assert rd.cycle(None)["date"].isna().all()


# ---------------------------------------------------------------------------------------------
# whole engagements


@pytest.fixture(scope="module")
def example():
    eng = engagement.load(resources.example_engagement(), parts=rd.STEP.needs)
    return rd.assess(eng)


def test_example_is_ready_with_conditions_naming_its_own_blockers(example):
    s1, s2 = example.stages
    assert s1.verdict == "ready_with_conditions" and s1.blocking == 0
    assert s2.verdict == "not_ready"
    found = set(example.blockers["subject"])
    # real blockers of the example's own data
    assert {"F-01", "F-02"} <= found  # open major nonconformities (findings.csv)
    assert {"SOA-AI-001", "ORG-AI-001"} <= found  # draft SoA; scope statement past its review
    assert "OBJ-05" in found  # objective without a target
    assert "fraud-detect" in found  # declared tier unknown, screened minimal
    assert example.headline["documents_missing"] == 0
    assert 0 < example.score < 100


def test_example_results_are_json_and_headline_in_the_index(example):
    import json

    data = json.loads(json.dumps(example.to_json()))
    assert data["headline"]["stage_1"] == "Ready with conditions"
    assert [f.key for f in rd.STEP.headline] <= list(data["headline"])


def test_blank_engagement_is_not_ready_and_lists_every_missing_item(tmp_path):
    init_engagement(tmp_path / "blank")
    r = rd.assess(engagement.load(tmp_path / "blank", parts=rd.STEP.needs))
    assert [v.verdict for v in r.stages] == ["not_ready", "not_ready"]
    missing = set(r.blockers.loc[r.blockers["kind"] == "document_missing", "subject"])
    assert missing == set(ITEMS["id"])  # every mandatory item, none evidenced by a placeholder
    assert r.headline["placeholders"] == 3 and "placeholder" in set(r.blockers["kind"])
    assert "4.3" in missing  # the template's scope text is not a scope statement
    assert r.score == 0.0


def test_copied_template_profile_never_counts_as_a_screening(tmp_path):
    """The blank profile leaves the screening unanswered: a copied template is refused, never read as 'minimal'."""
    folder = tmp_path / "eng"
    shutil.copytree(resources.example_engagement(), folder)
    shutil.copy(resources.templates_dir() / "systems" / "_example.yaml", folder / "systems" / "cv-screen.yaml")
    problems = engagement.validate(folder)
    unanswered = [p for p in problems if p.severity == "error" and Path(p.file).name == "cv-screen.yaml"]
    assert unanswered and all("answer to" in p.message for p in unanswered)
    templated = [p for p in problems if p.severity == "warning" and Path(p.file).name == "cv-screen.yaml"]
    assert any("placeholder text from the blank template" in p.message for p in templated)
    with pytest.raises(InvalidEngagementError):
        engagement.load(folder, parts=rd.STEP.needs)


def test_removing_the_register_makes_documents_missing(tmp_path):
    folder = tmp_path / "eng"
    shutil.copytree(resources.example_engagement(), folder)
    (folder / "documents.csv").unlink()
    r = rd.assess(engagement.load(folder, parts=rd.STEP.needs))
    missing = set(r.blockers.loc[r.blockers["kind"] == "document_missing", "subject"])
    assert missing == {"5.2", "6.1.1", "7.2", "8.1"}  # the rest is evidenced by the engagement's own data
    assert r.stages[0].verdict == "not_ready"


def test_failed_security_category_without_a_treating_risk_blocks_stage_2():
    failed = pd.DataFrame(
        [
            {
                "system_id": "s1",
                "category": "LLM01",
                "title": "Prompt Injection",
                "asr": 0.4,
                "message": "LLM01 Prompt Injection fails the red-team criteria for S1 but no open risk names it",
                "suggested_risk_id": "R-SEC-s1-LLM01",
            }
        ]
    )
    found = blockers(**{**clean(), "security_findings": failed})
    row = found[found["kind"] == "security_untreated"].iloc[0]
    assert row["subject"] == "s1 LLM01" and row["step"] == "security"
    assert (row["severity_1"], row["severity_2"]) == ("minor", "major")
    assert row["link"].startswith("../security/")
    # without the trigger: no failed category (or every failed one treated by a risk) -> no blocker
    assert "security_untreated" not in set(blockers(**{**clean(), "security_findings": failed.iloc[0:0]})["kind"])
    assert "security_untreated" not in set(blockers(**clean())["kind"])


def test_the_example_security_evidence_feeds_readiness(example):
    # the example's latest red-team runs pass or are inconclusive: nothing untreated, so no security blocker
    assert "security_untreated" not in set(example.blockers["kind"])
    summary = rd.blocker_summary(example.blockers)
    assert "security_untreated" in set(summary["kind"]) and not rd.NOT_EVALUATED
