"""The risk step: scoring, the treatment-plan rules and the SoA rules, each with a case that
triggers it and the baseline that does not; validation of risks.csv and soa.csv; the example."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest

from aimskit import catalog, engagement
from aimskit.base import resources
from aimskit.engagement import criteria
from aimskit.engagement.parts.risk import RISKS_SCHEMA, SOA_SCHEMA
from aimskit.steps import risk
from aimskit.steps.risk import view

ANNEX_A = list(catalog.load("iso42001-annex-a")["id"])

# valid-minimal: assessment date 2026-06-30; gap: A.2.2 compliant, A.6.2.4 non_compliant (system chat),
# A.10.4 not_applicable; systems: chat (in scope), legacy (out of scope)


def _soa_baseline() -> dict[str, dict[str, str]]:
    rows = {}
    for cid in ANNEX_A:
        rows[cid] = {
            "control_id": cid,
            "applicable": "yes",
            "justification": "best_practice",
            "justification_text": "",
            "implementation": "partially_implemented",
            "owner": "AI Lead",
            "evidence": "E-1",
        }
    rows["A.10.4"].update(
        applicable="no", justification="", implementation="", justification_text="We provide no AI to customers"
    )
    return rows


def _risk(**values: str) -> dict[str, str]:
    base = {
        "risk_id": "R-1",
        "system_id": "chat",
        "title": "A risk",
        "description": "What can happen",
        "risk_source": "machine-learning",
        "objective": "robustness",
        "consequence_individuals": "Customers get wrong answers",
        "likelihood": "2",
        "impact": "2",
        "treatment": "retain",
        "owner": "AI Lead",
        "status": "open",
    }
    base.update(values)
    return base


def _write(path: Path, names: list[str], rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in names})
    path.write_text(buf.getvalue(), encoding="utf-8")


def _engagement(folder: Path, risks: list[dict[str, str]], soa: dict[str, dict[str, str]] | None = None):
    _write(folder / "risks.csv", RISKS_SCHEMA.names, risks)
    if soa is not None:
        _write(folder / "soa.csv", SOA_SCHEMA.names, list(soa.values()))
    return engagement.load(folder)


def _rules(result) -> list[tuple[str, str]]:
    return [(r.rule, r.subject) for r in result.findings.itertuples()]


def test_baseline_has_no_findings(minimal):
    result = risk.assess(_engagement(minimal, [_risk()], _soa_baseline()))
    assert _rules(result) == []
    assert result.headline["risks"] == 1 and result.headline["soa_included"] == 37


def test_scores_and_levels_inherent_and_residual(minimal):
    eng = _engagement(
        minimal,
        [
            _risk(
                risk_id="R-1",
                likelihood="4",
                impact="5",
                residual_likelihood="2",
                residual_impact="2",
                treatment="mitigate",
                actions="Fix it",
                due_date="2026-12-31",
                status="in_treatment",
            ),
            _risk(risk_id="R-2", likelihood="3", impact="3"),
        ],
        _soa_baseline(),
    )
    reg = risk.assess(eng).register.set_index("risk_id")
    assert (reg.loc["R-1", "inherent_score"], reg.loc["R-1", "inherent_level"]) == (20, "very_high")
    assert (reg.loc["R-1", "residual_score"], reg.loc["R-1", "residual_level"]) == (4, "low")
    assert reg.loc["R-1", "treatment"] == "modify"  # mitigate is read as modify
    assert (reg.loc["R-2", "residual_score"], reg.loc["R-2", "residual_rated"]) == (9, False)
    assert bool(reg.loc["R-2", "above_appetite"]) and bool(reg.loc["R-2", "residual_above_appetite"])


# --- the treatment plan rules ---------------------------------------------------------------

ABOVE = {"likelihood": "4", "impact": "4"}  # 16, high: above the default appetite (low)
TREATED = {"residual_likelihood": "1", "residual_impact": "2"}  # 2, very low


@pytest.mark.parametrize(
    ("rule", "trigger", "fine"),
    [
        (
            "RTP-1",
            {**ABOVE, "treatment": ""},
            {**ABOVE, "treatment": "avoid", "actions": "Stop", "due_date": "2026-12-31"},
        ),
        ("RTP-2", {**ABOVE, "owner": ""}, {**ABOVE}),
        (
            "RTP-3",
            {**ABOVE, "treatment": "modify", "actions": "Do", "status": "in_treatment"},
            {**ABOVE, "treatment": "modify", "actions": "Do", "status": "in_treatment", "due_date": "2026-12-31"},
        ),
        ("RTP-4", {"treatment": "share"}, {"treatment": "share", "controls": "A.10.3"}),
        (
            "RTP-5",
            {**ABOVE, "residual_likelihood": "2", "residual_impact": "3", "status": "treated"},
            {
                **ABOVE,
                "residual_likelihood": "2",
                "residual_impact": "3",
                "status": "treated",
                "accepted_by": "Chief Risk Officer (X. Y)",
                "accepted_on": "2026-06-01",
            },
        ),
        (
            "RTP-6",
            {
                **ABOVE,
                "residual_likelihood": "2",
                "residual_impact": "3",
                "status": "accepted",
                "accepted_by": "Head of Support",
                "accepted_on": "2026-06-01",
            },
            {
                **ABOVE,
                "residual_likelihood": "2",
                "residual_impact": "3",
                "status": "accepted",
                "accepted_by": "AI governance committee",
                "accepted_on": "2026-06-01",
            },
        ),
        ("RTP-7", {"likelihood": "5", "impact": "5", "status": "open"}, {"likelihood": "5", "impact": "5", **TREATED}),
        (
            "RTP-8",
            {"treatment": "modify", "actions": "Do", "due_date": "2026-06-29", "status": "in_treatment"},
            {"treatment": "modify", "actions": "Do", "due_date": "2026-06-30", "status": "in_treatment"},
        ),
        ("RTP-9", {"status": "closed"}, {"status": "closed", **TREATED}),
        (
            "RTP-10",
            {"residual_likelihood": "3", "residual_impact": "3"},
            {"residual_likelihood": "2", "residual_impact": "2"},
        ),
    ],
)
def test_treatment_plan_rule(minimal, rule, trigger, fine):
    triggered = risk.assess(_engagement(minimal, [_risk(**trigger)], _soa_baseline()))
    assert (rule, "R-1") in _rules(triggered), _rules(triggered)
    ok = risk.assess(_engagement(minimal, [_risk(**fine)], _soa_baseline()))
    assert rule not in [r for r, _ in _rules(ok)], _rules(ok)


def test_acceptance_authority_matching():
    assert risk.authorised("Chief Risk Officer (M. Adeyemi)", ["AI Governance Committee", "Chief Risk Officer"])
    assert risk.authorised("ai governance committee (minute 12)", ["AI Governance Committee"])
    assert not risk.authorised("Head of Risk", ["Chief Risk Officer"])
    assert not risk.authorised("", ["Chief Risk Officer"])


def test_overdue_is_judged_against_the_assessment_date(minimal):
    eng = _engagement(
        minimal,
        [_risk(treatment="modify", actions="Do", due_date="2026-06-01", status="in_treatment")],
        _soa_baseline(),
    )
    result = risk.assess(eng)
    finding = result.findings[result.findings["rule"] == "RTP-8"].iloc[0]
    assert finding["message"] == "due 2026-06-01, 29 days overdue (in treatment)"
    assert bool(result.plan.loc[0, "overdue"]) and result.headline["overdue"] == 1


# --- the SoA rules --------------------------------------------------------------------------


def _soa(**changes: dict[str, str]) -> dict[str, dict[str, str]]:
    rows = _soa_baseline()
    for cid, values in changes.items():
        if values is None:
            del rows[cid]
        else:
            rows.setdefault(cid, {"control_id": cid}).update(values)
    return rows


@pytest.mark.parametrize(
    ("rule", "subject", "risk_values", "soa_changes"),
    [
        ("SOA-1", "A.7.4", {}, {"A.7.4": None}),
        ("SOA-2", "A.10.4", {"controls": "A.10.4"}, {}),
        ("SOA-3", "A.10.4", {}, {"A.10.4": {"justification_text": ""}}),
        ("SOA-4", "A.6.2.4", {}, {"A.6.2.4": {"implementation": "implemented"}}),
        (
            "SOA-6",
            "A.10.4",
            {},
            {"A.10.4": {"applicable": "yes", "implementation": "planned", "justification": "contractual"}},
        ),
        (
            "SOA-6",
            "A.2.2",
            {},
            {"A.2.2": {"applicable": "no", "implementation": "", "justification": "", "justification_text": "No"}},
        ),
        ("SOA-7", "A.7.4", {}, {"A.7.4": {"justification": "risk_treatment"}}),
        ("SOA-8", "A.7.4", {}, {"A.7.4": {"evidence": ""}}),
        ("SOA-9", "A.7.4", {}, {"A.7.4": {"justification": "", "justification_text": ""}}),
        ("SOA-10", "A.7.4", {"controls": "A.7.4"}, {}),
    ],
)
def test_soa_rule(minimal, rule, subject, risk_values, soa_changes):
    triggered = risk.assess(_engagement(minimal, [_risk(**risk_values)], _soa(**soa_changes)))
    assert (rule, subject) in _rules(triggered), _rules(triggered)
    baseline = risk.assess(_engagement(minimal, [_risk()], _soa_baseline()))
    assert rule not in [r for r, _ in _rules(baseline)]


def test_soa5_implemented_but_partially_compliant(minimal):
    gap = (minimal / "gap.csv").read_text(encoding="utf-8")
    (minimal / "gap.csv").write_text(gap + "A.7.4,,partially_compliant,2,,AI Lead,,\n", encoding="utf-8")
    triggered = risk.assess(_engagement(minimal, [_risk()], _soa(**{"A.7.4": {"implementation": "implemented"}})))
    assert ("SOA-5", "A.7.4") in _rules(triggered)
    fine = risk.assess(_engagement(minimal, [_risk()], _soa_baseline()))
    assert "SOA-5" not in [r for r, _ in _rules(fine)]


def test_derived_soa_lists_every_control_with_its_risks(minimal):
    eng = _engagement(
        minimal,
        [
            _risk(risk_id="R-1", controls="A.7.4; OWN-1"),
            _risk(risk_id="R-2", controls="A.7.4", system_id=""),
        ],
        _soa(
            **{
                "OWN-1": {
                    "title": "Our gateway",
                    "applicable": "yes",
                    "justification": "risk_treatment",
                    "implementation": "implemented",
                    "evidence": "GW",
                }
            }
        ),
    )
    soa = risk.assess(eng).soa.set_index("control_id")
    assert list(soa.index[:38]) == ANNEX_A and list(soa.index[38:]) == ["OWN-1"]
    assert soa.loc["A.7.4", "risks"] == ["R-1", "R-2"]
    assert soa.loc["A.7.4", "justification"] == ["risk_treatment", "best_practice"]
    assert bool(soa.loc["A.7.4", "justification_derived"])
    assert soa.loc["OWN-1", "risks"] == ["R-1"] and soa.loc["OWN-1", "origin"] == "own"
    assert soa.loc["A.6.2.4", "gap_status"] == "non_compliant"  # the weakest row (system chat) decides
    export = risk.soa_export(risk.assess(eng).soa)
    assert export.loc[export["control_id"] == "A.7.4", "risks_treated"].item() == "R-1; R-2"


def test_per_system_report_keeps_its_own_risks_and_their_controls(minimal):
    eng = _engagement(
        minimal,
        [_risk(risk_id="R-1", controls="A.7.4"), _risk(risk_id="R-2", system_id="", controls="A.2.2")],
        _soa_baseline(),
    )
    result = risk.assess(eng, "chat")
    assert list(result.register["risk_id"]) == ["R-1"]
    assert list(result.soa["control_id"]) == ["A.7.4"]


def test_engagement_without_register_or_soa(minimal):
    result = risk.assess(engagement.load(minimal))
    assert not result.has_register and not result.has_soa
    assert result.findings.empty  # no SOA-1 flood when there is no SoA at all
    assert result.summary[0].startswith("There is no risk register")
    assert len(result.soa) == 38


def test_top_residual_risks(minimal):
    eng = _engagement(
        minimal,
        [
            _risk(risk_id="R-1", likelihood="2", impact="2"),
            _risk(risk_id="R-2", likelihood="4", impact="4", residual_likelihood="3", residual_impact="3"),
            _risk(risk_id="R-3", likelihood="5", impact="5", residual_likelihood="3", residual_impact="3"),
        ],
    )
    top = risk.top_residual_risks(eng, n=2)
    assert list(top["risk_id"]) == ["R-3", "R-2"]  # same residual 9: the higher inherent first
    assert list(top.columns) == ["risk_id", "system_id", "title", "residual_score", "residual_level", "owner", "status"]


def test_out_of_scope_system_risks_are_not_counted(minimal):
    eng = _engagement(minimal, [_risk(risk_id="R-1"), _risk(risk_id="R-2", system_id="legacy")])
    assert list(risk.assess(eng).register["risk_id"]) == ["R-1"]
    assert any("system 'legacy' is out of scope" in p.message for p in eng.warnings)


# --- report blocks and handover files -------------------------------------------------------


def test_report_escapes_user_text_and_writes_handover_files(minimal, tmp_path):
    payload = "<img src=x onerror=alert(1)>"
    eng = _engagement(minimal, [_risk(title=payload)], _soa_baseline())
    result = risk.assess(eng)
    html = str(view.register_table(result))
    assert payload not in html and "&lt;img src=x" in html
    files = view.handover(result, tmp_path / "out")
    assert files == {"soa_csv": "organisation-soa.csv", "treatment_plan_csv": "organisation-treatment-plan.csv"}
    soa = pd.read_csv(tmp_path / "out" / files["soa_csv"])
    assert len(soa) == 38 and soa.loc[soa["control_id"] == "A.10.4", "applicable"].item() == "no"
    plan = pd.read_csv(tmp_path / "out" / files["treatment_plan_csv"])
    assert list(plan["risk_id"]) == ["R-1"]
    assert view.handover(result, "") == {}


# --- the bundled example -------------------------------------------------------------------


def test_example_register_and_soa_meet_the_issue():
    eng = engagement.load(resources.example_engagement())
    result = risk.assess(eng)
    reg = result.register
    assert len(reg) >= 25
    assert set(reg["inherent_level"]) == {"very_low", "low", "medium", "high", "very_high"}
    assert set(reg["treatment"].dropna()) == {"modify", "avoid", "share", "retain"}
    assert result.headline["overdue"] >= 2
    accepted = reg[reg["accepted_by"].notna() & reg["residual_above_appetite"]]
    assert len(accepted) >= 2
    soa = result.soa
    assert list(soa["control_id"][:38]) == ANNEX_A
    used = soa[soa["risks"].map(bool) & soa["applicable"].eq(True)]
    assert len(used) >= 15 and all("risk_treatment" in js for js in used["justification"])
    rules = {r for r, _ in _rules(result)}
    assert {"SOA-1", "SOA-2", "SOA-3", "SOA-4", "RTP-5", "RTP-6", "RTP-7", "RTP-8"} <= rules
    assert result.assessment_date == dt.date(2026, 11, 20)


# --- acceptance, reliance, approval (review findings) ---------------------------------------


def test_authority_is_the_role_not_a_substring():
    assert not risk.authorised("Deputy to the Chief Risk Officer", ["Chief Risk Officer"])
    assert not risk.authorised("Head of Microfinance (Z. Z)", ["CRO"])
    assert risk.authorised("  chief   risk officer (A. Patel)", ["Chief Risk Officer"])


def test_a_higher_authority_may_accept_a_lower_level():
    c = criteria.default_risk()
    assert c.authorities("medium") == ["AI governance committee", "Chief Risk Officer", "Executive committee"]
    assert c.authorities("high") == ["Executive committee"]
    assert c.authorities("very_high") == []


MEDIUM_RESIDUAL = {**ABOVE, "residual_likelihood": "2", "residual_impact": "3"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {**MEDIUM_RESIDUAL, "treatment": "retain", "status": "open"},
            "residual level Medium is above the appetite 'Low' and not accepted; it may be accepted by: "
            "AI governance committee; Chief Risk Officer; Executive committee",
        ),
        (
            {**MEDIUM_RESIDUAL, "status": "treated", "accepted_by": "Chief Risk Officer"},
            "the acceptance by 'Chief Risk Officer' has no date (accepted_on)",
        ),
        (
            {**MEDIUM_RESIDUAL, "status": "accepted", "accepted_by": "Chief Risk Officer", "accepted_on": "2026-07-01"},
            "the acceptance is dated 2026-07-01, after the assessment date 2026-06-30",
        ),
    ],
    ids=["retained-while-open", "undated", "dated-after-assessment"],
)
def test_acceptance_holes_are_rtp5(minimal, values, message):
    result = risk.assess(_engagement(minimal, [_risk(**values)], _soa_baseline()))
    found = result.findings[result.findings["rule"] == "RTP-5"]
    assert list(found["message"]) == [message]


def test_acceptance_states_in_the_headline(minimal):
    rows = [
        _risk(
            risk_id="R-1",
            **MEDIUM_RESIDUAL,
            treatment="modify",
            actions="Do",
            due_date="2026-12-31",
            status="in_treatment",
        ),  # pending
        _risk(
            risk_id="R-2",
            **MEDIUM_RESIDUAL,
            status="accepted",
            accepted_by="Chief Risk Officer (X)",
            accepted_on="2026-06-01",
        ),  # accepted
        _risk(risk_id="R-3", **MEDIUM_RESIDUAL, status="closed"),  # flagged RTP-5
        _risk(risk_id="R-4"),  # within appetite
    ]
    result = risk.assess(_engagement(minimal, rows, _soa_baseline()))
    h = result.headline
    assert (
        h["residual_above_appetite"],
        h["accepted_residual"],
        h["pending_acceptance"],
        h["unaccepted_residual"],
    ) == (3, 1, 1, 1)
    states = dict(zip(result.plan["risk_id"], result.plan["acceptance"], strict=True))
    assert states == {"R-1": "pending", "R-2": "accepted", "R-3": "flagged", "R-4": "within"}


def test_unrated_residual_is_not_shown_as_a_rating(minimal, tmp_path):
    result = risk.assess(_engagement(minimal, [_risk(**ABOVE)], _soa_baseline()))
    row = result.plan.iloc[0]
    assert row["residual_level"] == "not rated" and row["residual_score"] is None
    files = view.handover(result, tmp_path)
    plan = pd.read_csv(tmp_path / files["treatment_plan_csv"])
    assert plan.loc[0, "residual_level"] == "not rated" and pd.isna(plan.loc[0, "residual_score"])


def test_rtp11_residual_relies_on_controls_not_in_place(minimal):
    planned = _soa(**{"A.4.5": {"implementation": "planned"}, "A.7.4": {"implementation": "implemented"}})
    flagged = risk.assess(_engagement(minimal, [_risk(controls="A.4.5; A.7.4", status="closed", **TREATED)], planned))
    found = flagged.findings[flagged.findings["rule"] == "RTP-11"]
    assert list(found["message"]) == ["closed, but relies on A.4.5 (planned)"]
    in_treatment = risk.assess(
        _engagement(minimal, [_risk(controls="A.4.5", status="in_treatment", **TREATED)], planned)
    )
    assert "RTP-11" not in set(in_treatment.findings["rule"])
    excluded = risk.assess(
        _engagement(minimal, [_risk(controls="A.10.4", status="treated", **TREATED)], _soa_baseline())
    )
    assert "closed" not in str(excluded.findings)  # status treated
    assert ("RTP-11", "R-1") in _rules(excluded)


def test_rtp12_no_consequences(minimal):
    flagged = risk.assess(_engagement(minimal, [_risk(consequence_individuals="")], _soa_baseline()))
    assert ("RTP-12", "R-1") in _rules(flagged)
    fine = risk.assess(
        _engagement(minimal, [_risk(consequence_individuals="", consequence_society="Less trust")], _soa_baseline())
    )
    assert "RTP-12" not in set(fine.findings["rule"])


def test_plan1_treatment_plan_approval(minimal):
    above = [_risk(**ABOVE, treatment="avoid", actions="Stop", due_date="2026-12-31")]
    assert ("PLAN-1", "treatment plan") in _rules(risk.assess(_engagement(minimal, above, _soa_baseline())))
    text = (minimal / "engagement.yaml").read_text(encoding="utf-8")
    (minimal / "engagement.yaml").write_text(
        text + "risk_treatment_plan:\n  approved_by: Board\n  approved_on: 2026-06-15\n", encoding="utf-8"
    )
    approved = risk.assess(_engagement(minimal, above, _soa_baseline()))
    assert "PLAN-1" not in set(approved.findings["rule"])
    assert "approved by Board on 2026-06-15" in str(view.plan_approval(approved))
    below = risk.assess(_engagement(minimal, [_risk()], _soa_baseline()))
    assert "PLAN-1" not in set(below.findings["rule"])


def test_plan_approval_is_validated(minimal):
    text = (minimal / "engagement.yaml").read_text(encoding="utf-8")
    (minimal / "engagement.yaml").write_text(text + "risk_treatment_plan:\n  approved_by: Board\n", encoding="utf-8")
    got = [p.format() for p in engagement.validate(minimal)]
    assert got == [
        f"{minimal / 'engagement.yaml'}:11:3: missing required key 'risk_treatment_plan.approved_on' [AK106]"
    ]


def test_soa6_compares_applicability_with_the_organisation_row(minimal):
    gap = (minimal / "gap.csv").read_text(encoding="utf-8")
    (minimal / "gap.csv").write_text(gap + "A.4.4,chat,not_applicable,,,,Not for the chatbot,\n", encoding="utf-8")
    org = risk.assess(_engagement(minimal, [_risk(controls="A.4.4")], _soa_baseline()))
    assert "SOA-6" not in set(org.findings["rule"])  # only one system says not applicable
    system = risk.assess(_engagement(minimal, [_risk(controls="A.4.4")], _soa_baseline()), "chat")
    row = system.soa.set_index("control_id").loc["A.4.4"]
    assert row["gap_system_status"] == "not_applicable"
    assert "This system" in str(view.soa_table(system))


def test_own_control_ids_that_look_like_annex_a_and_lower_case_controls(minimal):
    soa = _soa(
        **{
            "A6.2.6": {
                "title": "Monitoring",
                "applicable": "yes",
                "justification": "best_practice",
                "implementation": "implemented",
                "evidence": "E",
            }
        }
    )
    _write(minimal / "soa.csv", SOA_SCHEMA.names, list(soa.values()))
    _write(minimal / "risks.csv", RISKS_SCHEMA.names, [_risk(controls="a.7.4")])
    got = [p.format() for p in engagement.validate(minimal)]
    assert got == [
        f"{minimal / 'risks.csv'}:2:controls: warning: 'a.7.4' was read as 'A.7.4'; write it so [AK105]",
        f"{minimal / 'soa.csv'}:40:control_id: 'A6.2.6' looks like an Annex A control id; did you mean 'A.6.2.6'?; "
        "write Annex A ids as 'A.x.y' (or give your own control an id that does not start with A) [AK320]",
    ]


def test_heatmap_hover_escapes_risk_titles(minimal):
    result = risk.assess(_engagement(minimal, [_risk(title="<b>bold</b>")], _soa_baseline()))
    fig = view.heatmap(result, "inherent")
    hover = str(fig.figure.data[0].customdata)
    assert "<b>bold</b>" not in hover and "&lt;b&gt;bold&lt;/b&gt;" in hover
