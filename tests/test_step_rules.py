"""The steps' computations written as rules (issue 26): the EU AI Act tier rules and the screening
steps, the readiness blocker rules, a recorded risk acceptance's flaws, a held review's records as they
stood, and every step computation taking a typed ``Engagement``."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect

import pandas as pd
import pytest

from aimskit.base.problems import Problem
from aimskit.steps import impact, readiness, review, risk
from aimskit.steps.registry import STEPS

D = dt.date


# ---------------------------------------------------------------------------------------------
# EU AI Act: screening steps and tier rules


def _minimal(**changes):
    base = {f"art5.{x}": False for x in "abcdefgh"}
    base.update({"art5.omnibus": False, "annex_i": [], "annex_iii": [], "gpai": "none", "art27.public_service": False})
    base.update({q: False for q in impact.ART50})
    base.update(changes)
    return base


def test_tier_rules_cover_every_screened_tier_in_order_and_cite_their_article():
    assert [r.tier for r in impact.TIER_RULES] == [t for t in impact.TIERS if t != "unknown"]
    for rule in impact.TIER_RULES:
        assert rule.article in impact.TIER_LABELS[rule.tier]
    fallback = impact.Classification("s", "minimal", pd.DataFrame())
    assert [r.tier for r in impact.TIER_RULES if r.applies(fallback)] == ["minimal"]  # the last rule always applies


@pytest.mark.parametrize(
    ("changes", "tier"),
    [
        ({}, "minimal"),
        ({"art50.1": True}, "limited"),
        ({"annex_iii": ["4(a)"], "art6.3.profiling": True, "art50.1": True}, "high"),
        ({"art5.a": True, "annex_iii": ["4(a)"], "art6.3.profiling": True, "art50.1": True}, "prohibited"),
    ],
)
def test_the_first_tier_rule_that_applies_decides(changes, tier):
    c = impact.classify("s", _minimal(**changes))
    assert c.tier == tier
    applying = [r.tier for r in impact.TIER_RULES if r.applies(c)]
    assert applying[0] == tier and len(applying) >= 1 + (tier != "minimal")  # later rules apply too, unheard


def test_the_reasoning_is_numbered_in_screening_order_and_ends_with_the_conclusion():
    c = impact.classify("s", _minimal(annex_iii=["4(a)"], **{"art6.3.a": True}))
    steps = c.steps
    assert steps["step"].tolist() == list(range(1, len(steps) + 1))
    assert steps["question"].iloc[-1] == "Conclusion" and steps["answer"].iloc[-1] == c.tier_label
    questions = steps["question"].tolist()
    art5 = max(i for i, q in enumerate(steps["reference"]) if str(q).startswith("Art. 5("))
    derogation = questions.index("Does the Art. 6(3) derogation apply?")
    assert art5 < derogation < questions.index("Conclusion")
    assert c.derogation and c.tier == "minimal"


def test_a_yes_no_step_takes_the_catalog_text_for_yes_and_the_given_text_otherwise():
    s = impact._Screening({"financial_institution": True, "art26.8.public_authority": False})
    s.ruling("financial_institution", "no text")
    s.ruling("art26.8.public_authority", "not a public authority", if_unanswered="Not answered")
    s.ruling("art111.public_authority", "not for public authorities", if_unanswered="Not answered")
    s.ruling("gpai.third_country", "Established in the Union")  # unanswered, no text for it: the 'no' text
    got = [(r["answer"], r["consequence"]) for r in s.rows]
    assert got == [
        ("yes", s.if_yes("financial_institution")),
        ("no", "not a public authority"),
        ("not answered", "Not answered"),
        ("not answered", "Established in the Union"),
    ]
    assert s.if_yes("financial_institution") not in ("", "no text")


# ---------------------------------------------------------------------------------------------
# readiness: blocker rules


def _inputs(**changes) -> readiness.BlockerInputs:
    clauses = pd.DataFrame({"id": ["4.1", "5.2"], "title": ["Context", "AI policy"], "status": "compliant"})
    clauses["target_date"] = None
    items = readiness.mandatory_items()
    docs = pd.DataFrame(
        [
            {
                "document_id": "D-1",
                "title": "Everything",
                "kind": "policy",
                "version": None,
                "owner": None,
                "approved_by": "Board",
                "approved_on": D(2026, 1, 1),
                "next_review": D(2027, 1, 1),
                "requirements": list(items["id"]),
                "location": None,
            }
        ]
    )
    systems = pd.DataFrame(
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
    )
    base = {
        "placeholders": [],
        "checklist_df": readiness.checklist(items, docs, {}, D(2026, 11, 20)),
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
        "inventory_df": readiness.inventory(systems, {"s1": "high"}, set(), {"s1"}, {"s1"}),
    }
    return readiness.BlockerInputs(**{**base, **changes})


def _everything_wrong() -> readiness.BlockerInputs:
    items = readiness.mandatory_items()
    half = list(items["id"])[: len(items) // 2]
    unapproved = pd.DataFrame(
        [
            {
                "document_id": "D-1",
                "title": "Half",
                "kind": "policy",
                "version": None,
                "owner": None,
                "approved_by": None,
                "approved_on": None,
                "next_review": None,
                "requirements": half,
                "location": None,
            }
        ]
    )
    clean = _inputs()
    return _inputs(
        placeholders=[
            Problem("x/engagement.yaml", 5, "9", "'Example Organisation Ltd' is placeholder text", "warning")
        ],
        checklist_df=readiness.checklist(items, unapproved, {}, D(2026, 11, 20)),
        clause_view=clean.clause_view.assign(status=["non_compliant", "not_assessed"]),
        reviews_held=pd.DataFrame(columns=["id", "date"]),
        clause_coverage=clean.clause_coverage.assign(state=["audited", "never audited"]),
        findings=pd.DataFrame(
            [
                {
                    "finding_id": "F-1",
                    "audit_id": "IA-1",
                    "requirement_id": "8.4",
                    "grade": "major_nonconformity",
                    "open": True,
                    "statement": "s",
                    "due_date": None,
                }
            ]
        ),
        impact_findings=pd.DataFrame(
            [
                {
                    "rule": "high_risk_not_assessed",
                    "severity": "error",
                    "system_id": "s1",
                    "impact_id": "",
                    "message": "m",
                }
            ]
        ),
        risk_findings=pd.DataFrame(
            [{"rule": "SOA-1", "severity": "high", "title": "t", "subject": "A.2.2", "system_id": "", "message": "m"}]
        ),
        risk_plan=pd.DataFrame(
            [{"risk_id": "R-1", "title": "t", "residual_level": "high", "due_date": None, "acceptance": "flagged"}]
        ),
        security_findings=pd.DataFrame([{"system_id": "s1", "category": "LLM01", "message": "m"}]),
        objectives=clean.objectives.assign(measure=""),
        inventory_df=clean.inventory_df.assign(complete=False, missing=[["no owner"]]),
    )


def test_every_blocker_kind_has_a_rule_and_the_rows_are_ranked_by_kind():
    assert readiness.blockers(_inputs()).empty
    found = readiness.blockers(_everything_wrong())
    assert set(found["kind"]) == set(readiness.BLOCKERS)
    ranks = [list(readiness.BLOCKERS).index(k) for k in found["kind"]]
    assert ranks == sorted(ranks)
    for rule in readiness.BLOCKER_RULES:  # each rule alone finds something in the inputs with everything wrong
        assert rule(_everything_wrong()), rule.__name__
        assert rule(_inputs()) == [], rule.__name__


def test_rows_of_one_kind_keep_the_order_their_rule_gives():
    items = readiness.mandatory_items()
    first, second = items["id"].iloc[0], items["id"].iloc[1]
    docs = pd.DataFrame(
        [
            {
                "document_id": f"D-{n}",
                "title": f"Doc {n}",
                "kind": "policy",
                "version": None,
                "owner": None,
                "approved_by": None if n == 2 else "Board",
                "approved_on": None if n == 2 else D(2026, 1, 1),
                "next_review": D(2026, 2, 1) if n == 1 else None,
                "requirements": [first] if n == 2 else [second] if n == 1 else list(items["id"]),
                "location": None,
            }
            for n in (1, 2, 3)
        ]
    )
    found = readiness.blockers(_inputs(checklist_df=readiness.checklist(items, docs, {}, D(2026, 11, 20))))
    uncontrolled = found[found["kind"] == "document_uncontrolled"]["subject"].tolist()
    assert uncontrolled == ["D-2", "D-1"]  # in checklist item order: D-2 serves the first item, D-1 the second


def test_an_empty_inventory_is_one_major_blocker():
    clean = _inputs()
    found = readiness.blockers(_inputs(inventory_df=clean.inventory_df.iloc[0:0]))
    assert found[["kind", "subject", "severity_1"]].values.tolist() == [
        ["inventory_incomplete", "systems.csv", "major"]
    ]


def test_no_soa_rows_silence_the_soa_rule():
    wrong = _everything_wrong()
    assert readiness._soa_blockers(wrong)
    assert readiness._soa_blockers(readiness.BlockerInputs(**{**wrong.__dict__, "has_soa": False})) == []


# ---------------------------------------------------------------------------------------------
# risk: a recorded acceptance's flaws


@pytest.mark.parametrize(
    ("who", "when", "rule"),
    [
        ("Chief Risk Officer (A. Patel)", D(2026, 6, 1), None),
        ("Deputy to the Chief Risk Officer", D(2026, 6, 1), "RTP-6"),
        ("Chief Risk Officer", None, "RTP-5"),
        ("Chief Risk Officer", float("nan"), "RTP-5"),
        ("Chief Risk Officer", D(2026, 7, 1), "RTP-5"),
    ],
)
def test_a_recorded_acceptance_is_valid_only_by_an_authority_and_dated_by_the_assessment(who, when, rule):
    flaw = risk._acceptance_flaw(who, when, ["Chief Risk Officer"], "High", D(2026, 6, 30))
    assert (flaw[0] if flaw else None) == rule
    if rule == "RTP-6":
        assert "'Deputy to the Chief Risk Officer'" in flaw[1] and "High may only be accepted" in flaw[1]


# ---------------------------------------------------------------------------------------------
# review: a held review's records as they stood


def test_a_held_review_sees_the_records_as_they_stood_on_its_date():
    now = review.ReviewRecords(
        actions=pd.DataFrame({"review_id": ["MR-1", "MR-2", "MR-3"], "id": ["A1", "A2", "A3"]}),
        findings=pd.DataFrame({"finding_id": ["F1", "F2"], "raised": [D(2026, 1, 1), D(2026, 9, 1)]}),
        audits=pd.DataFrame({"id": ["IA-1", "IA-2"], "end": [D(2026, 2, 1), D(2026, 10, 1)]}),
        context={"external": ["today"], "internal": []},
        as_of=D(2026, 11, 20),
    )
    earlier = pd.DataFrame({"id": ["MR-1"], "date": [D(2026, 3, 1)]})
    then = review._as_it_stood(now, {"id": "MR-2", "date": D(2026, 6, 1), "issues": None}, earlier)
    assert then.actions["id"].tolist() == ["A1"]  # the actions of the reviews before it
    assert then.findings["finding_id"].tolist() == ["F1"] and then.audits["id"].tolist() == ["IA-1"]
    assert then.context == now.context and then.as_of == D(2026, 6, 1)  # no issues recorded: today's
    recorded = {"external": ["then"], "internal": []}
    assert review._as_it_stood(now, {"date": D(2026, 6, 1), "issues": recorded}, earlier).context == recorded


# ---------------------------------------------------------------------------------------------
# typed boundaries


def test_every_step_computation_takes_a_typed_engagement():
    checked = 0
    for step in STEPS.values():
        module = importlib.import_module(step.compute)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or "eng" not in inspect.signature(fn).parameters:
                continue
            assert inspect.signature(fn).parameters["eng"].annotation == "Engagement", f"{step.compute}.{name}"
            checked += 1
    assert checked >= len(STEPS)  # every step's assess at least
