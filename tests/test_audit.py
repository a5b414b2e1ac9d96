"""Internal audit, corrective action and management review: hand-computed expectations."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest

from aimskit import catalog, engagement
from aimskit.base import resources
from aimskit.engagement.parts.audit import FINDINGS_SCHEMA, GRADES
from aimskit.steps import audit, review

D = dt.date
AS_OF = D(2026, 11, 20)


@pytest.fixture(scope="module")
def example():
    return engagement.load(resources.example_engagement())


def _audit(aid, status, requirements, lead="Ann Other", team=(), systems=()):
    return {
        "id": aid,
        "title": f"Audit {aid}",
        "start": D(2026, 10, 1),
        "end": D(2026, 10, 10),
        "status": status,
        "lead_auditor": lead,
        "team": list(team),
        "criteria": [],
        "clauses": [],
        "controls": [],
        "systems": list(systems),
        "requirements": list(requirements),
    }


def _finding(fid, **kw):
    row = {c: None for c in FINDINGS_SCHEMA.names}
    row.update(
        finding_id=fid,
        audit_id="IA-1",
        requirement_id="9.1",
        grade="minor_nonconformity",
        statement="s",
        status="open",
        raised=D(2026, 10, 10),
    )
    row.update(kw)
    return row


def _findings(*rows):
    return audit.finding_status(pd.DataFrame(list(rows)), AS_OF)


# ---------------------------------------------------------------------------------------------
# checklist


def test_checklist_has_one_row_per_scoped_requirement_with_catalog_questions(example):
    reqs = catalog.load("iso42001")
    a = _audit("IA-9", "planned", ["9.2.1", "A.6.2.4"], systems=["credit-score"])
    sheet = audit.checklist(reqs, a, example.gap, example.system_names)
    assert sheet["requirement_id"].tolist() == ["9.2.1", "A.6.2.4"]
    cat = reqs.set_index("id")
    assert sheet.loc[0, "questions"] == list(cat.loc["9.2.1", "questions"]) and len(sheet.loc[0, "questions"]) >= 2
    assert sheet.loc[1, "evidence"] == list(cat.loc["A.6.2.4", "evidence"])
    assert sheet.loc[0, "auditee"] == "Head of Internal Audit (E. Fitzgerald)"  # owner in gap.csv
    assert sheet.loc[0, "gap_status"] == "non_compliant"
    assert sheet.loc[0, "systems"] == "" and "(credit-score)" in sheet.loc[1, "systems"]  # clauses are org-wide


def test_checklist_file_is_deterministic_csv(tmp_path, example):
    a = _audit("IA-9", "planned", ["4.1"])
    sheet = audit.checklist(catalog.load("iso42001"), a, example.gap)
    path = audit.write_checklist(sheet, tmp_path, "IA-9")
    assert path == tmp_path / "audit-IA-9-checklist.csv"
    first = path.read_bytes()
    audit.write_checklist(sheet, tmp_path, "IA-9")
    assert path.read_bytes() == first
    rows = pd.read_csv(path)
    assert rows.columns.tolist()[:3] == ["audit_id", "requirement_id", "title"]
    assert rows.loc[0, "audit_questions"].startswith("1. ")
    assert audit.write_checklist(sheet, "", "IA-9") is None


def test_scope_headings_expand_to_their_requirements(example):
    ia1 = example.parts["audit"].audits.set_index("id").loc["IA-2026-01", "requirements"]
    # "6.1" -> 6.1.1..6.1.4; "A.6.2" -> A.6.2.2..A.6.2.8 (not A.6.1.x); "5" -> 5.1..5.3
    assert {"6.1.1", "6.1.2", "6.1.3", "6.1.4", "5.1", "5.2", "5.3", "A.6.2.2", "A.6.2.8"} <= set(ia1)
    assert "A.6.1.2" not in ia1 and "6.2" not in ia1 and "4.1" not in ia1


# ---------------------------------------------------------------------------------------------
# coverage and independence


def test_coverage_states_and_shares():
    reqs = catalog.load("iso42001")
    audits = pd.DataFrame([_audit("D", "done", ["9.1", "9.2.1"]), _audit("P", "planned", ["9.2.1", "9.2.2"])])
    cov = audit.coverage(reqs, audits).set_index("id")
    assert cov.loc["9.1", "state"] == "audited"
    assert cov.loc["9.2.1", "state"] == "audited" and cov.loc["9.2.1", "planned_in"] == ["P"]
    assert cov.loc["9.2.2", "state"] == "planned"
    assert cov.loc["9.3.1", "state"] == "never audited"
    assert cov.loc["9.1", "D"] == "done" and cov.loc["9.1", "P"] == ""
    groups = audit.coverage_by_group(cov.reset_index(), ["D", "P"]).set_index("group_id")
    # clause 9 has 6 sub-clauses: 9.1, 9.2.1, 9.2.2, 9.3.1, 9.3.2, 9.3.3
    assert groups.loc["9", "D"] == round(100 * 2 / 6, 1)
    assert groups.loc["9", "programme"] == 50.0
    assert groups.loc["4", "programme"] == 0.0


@pytest.mark.parametrize(
    "person, owner, expected",
    [
        ("Eimear Fitzgerald", "Head of Internal Audit (E. Fitzgerald)", True),  # initial form
        ("Eimear Fitzgerald", "Eimear Fitzgerald, Head of Internal Audit", True),  # full name
        ("eimear  FITZGERALD", "head of internal audit (e fitzgerald)", True),  # case, spaces, no dot
        ("Edward Fitzgerald", "Head of Internal Audit (E. Fitzgerald)", True),  # same initials: flagged to check
        ("Daniel Osei", "Head of Internal Audit (E. Fitzgerald)", False),
        ("Ann Lee", "Head of Data (A. Leeson)", False),  # a surname inside a longer word does not match
        ("Priya Nair", "", False),
    ],
)
def test_owner_matching_rule(person, owner, expected):
    assert audit.owner_matches(person, owner) is expected


def test_independence_flags_an_auditor_who_owns_an_area_in_scope():
    gap = pd.DataFrame(
        {
            "requirement_id": ["9.2.1", "A.7.4", "5.2"],
            "owner": ["Head of IA (E. Fitzgerald)", "Head of Data (P. Nair)", None],
        }
    )
    systems = pd.DataFrame({"id": ["cs"], "owner": ["Head of Credit (S. Okafor)"]})
    audits = pd.DataFrame(
        [
            _audit("A1", "done", ["9.2.1", "5.2"], lead="Eimear Fitzgerald", team=["Sam Okafor"], systems=["cs"]),
            _audit("A2", "planned", ["A.7.4"], lead="Eimear Fitzgerald", team=["Daniel Osei"]),
        ]
    )
    got = audit.independence(audits, gap, systems)
    assert got[["audit_id", "auditor", "area"]].values.tolist() == [
        ["A1", "Eimear Fitzgerald", "9.2.1"],
        ["A1", "Sam Okafor", "system cs"],
    ]
    # nobody in A2 owns A.7.4: no conflict
    assert "A2" not in set(got["audit_id"])
    summary = audit.independence_summary(got)
    assert len(summary) == 2


def test_example_independence_conflicts(example):
    r = audit.assess(example)
    s = audit.independence_summary(r.conflicts)
    assert sorted(zip(s["audit_id"], s["auditor"], strict=True)) == [
        ("IA-2026-01", "Priya Nair"),
        ("IA-2027-01", "Eimear Fitzgerald"),
    ]


# ---------------------------------------------------------------------------------------------
# findings: ageing and flags


def test_ageing_from_raised_date_to_closure_or_as_of():
    f = _findings(
        _finding("A", raised=D(2026, 10, 21)),  # open: 30 days to 2026-11-20
        _finding("B", raised=D(2026, 10, 20)),  # open: 31 days
        _finding(
            "C",
            raised=D(2026, 8, 1),
            status="closed",
            closure_date=D(2026, 8, 11),
            effectiveness="effective",
            verified_by="x",
            verified_on=D(2026, 8, 11),
        ),  # closed after 10 days
        _finding("E", raised=D(2026, 7, 1)),  # 142 days
    ).set_index("finding_id")
    assert f.loc["A", "age_days"] == 30 and f.loc["A", "age_band"] == "0-30 days"
    assert f.loc["B", "age_days"] == 31 and f.loc["B", "age_band"] == "31-60 days"
    assert f.loc["C", "age_days"] == 10
    assert f.loc["E", "age_band"] == "over 90 days"
    bands = audit.ageing(f.reset_index()).set_index("band")
    assert bands.loc["0-30 days", "nonconformities"] == 1  # C is closed: not counted
    assert bands.loc["over 90 days", "nonconformities"] == 1


def test_overdue_flag():
    f = _findings(
        _finding("late", due_date=D(2026, 11, 19), owner="o", corrective_action="ca"),
        _finding("today", due_date=AS_OF, owner="o", corrective_action="ca"),
        _finding("closed-late", due_date=D(2026, 1, 1), status="closed", closure_date=D(2026, 11, 1)),
    ).set_index("finding_id")
    assert f.loc["late", "overdue"] and f.loc["late", "days_overdue"] == 1 and "overdue" in f.loc["late", "flags"]
    assert not f.loc["today", "overdue"]  # due on the assessment date is not yet overdue
    assert not f.loc["closed-late", "overdue"]


def test_closed_nonconformity_without_effectiveness_check_is_flagged():
    checked = {"effectiveness": "effective", "verified_by": "x", "verified_on": D(2026, 11, 1)}
    f = _findings(
        _finding("nc", status="closed", closure_date=D(2026, 11, 1)),
        _finding("nc-checked", status="closed", closure_date=D(2026, 11, 1), **checked),
        _finding("obs", grade="observation", status="closed", closure_date=D(2026, 11, 1)),
        _finding("nc-open"),
    ).set_index("finding_id")
    assert "no_effectiveness_check" in f.loc["nc", "flags"]
    assert "no_effectiveness_check" not in f.loc["nc-checked", "flags"]
    assert "no_effectiveness_check" not in f.loc["obs", "flags"]  # only nonconformities need the check
    assert "no_effectiveness_check" not in f.loc["nc-open", "flags"]


def test_not_effective_and_no_corrective_action_flags():
    f = _findings(
        _finding(
            "bad",
            effectiveness="not_effective",
            verified_by="x",
            verified_on=D(2026, 11, 1),
            owner="o",
            corrective_action="ca",
            due_date=D(2027, 1, 1),
        ),
        _finding("bare"),
        _finding("planned", owner="o", corrective_action="ca", due_date=D(2027, 1, 1)),
        _finding("ofi", grade="opportunity_for_improvement"),
    ).set_index("finding_id")
    assert f.loc["bad", "flags"] == ["not_effective"]
    assert f.loc["bare", "flags"] == ["no_corrective_action"]
    assert f.loc["planned", "flags"] == []
    assert f.loc["ofi", "flags"] == []  # not a nonconformity


def test_recurrence_flags_both_findings():
    f = _findings(_finding("old"), _finding("new", recurrence_of="old"), _finding("other")).set_index("finding_id")
    assert "recurring" in f.loc["old", "flags"] and f.loc["old", "recurred_as"] == ["new"]
    assert "recurring" in f.loc["new", "flags"]
    assert "recurring" not in f.loc["other", "flags"]


def test_grade_counts_list_every_grade():
    f = _findings(_finding("a"), _finding("b", grade="good_practice", status="closed", closure_date=D(2026, 10, 10)))
    g = audit.grade_counts(f).set_index("grade")
    assert list(g.index) == list(GRADES)
    assert g.loc["minor_nonconformity", "open"] == 1 and g.loc["good_practice", "closed"] == 1
    assert g.loc["observation", "total"] == 0


def test_example_demonstrates_every_grade_and_flag(example):
    r = audit.assess(example)
    f = r.findings
    assert len(f) >= 15 and set(f["grade"]) == set(GRADES)
    issue_flags = ("overdue", "no_effectiveness_check", "not_effective", "no_corrective_action", "recurring")
    assert all(r.flags[k] >= 1 for k in issue_flags), r.flags
    assert r.flags["closed_without_trail"] == 1  # F-04, closed without root cause or corrective action
    closed_checked = f[(f["status"] == "closed") & (f["effectiveness"] == "effective")]
    assert len(closed_checked) >= 2
    h = r.headline
    assert (h["audits_done"], h["audits_planned"]) == (1, 1)
    assert h["never_audited"] == 5  # 4.4, 6.3, 10.1, A.6.1.2, A.6.1.3
    assert sorted(r.coverage.loc[r.coverage["state"] == "never audited", "id"]) == [
        "10.1",
        "4.4",
        "6.3",
        "A.6.1.2",
        "A.6.1.3",
    ]


def test_results_json_is_plain(example):
    data = audit.assess(example, "IA-2026-01").to_json()
    text = json.dumps(data)
    assert data["checklist_file"] == "audit-IA-2026-01-checklist.csv"
    assert "NaN" not in text and data["headline"]["findings"] == 18


# ---------------------------------------------------------------------------------------------
# management review


def test_action_status_overdue():
    actions = pd.DataFrame(
        [
            {
                "review_id": "R",
                "id": "a",
                "kind": "improvement",
                "due": D(2026, 11, 1),
                "status": "open",
                "completed_on": None,
            },
            {
                "review_id": "R",
                "id": "b",
                "kind": "resources",
                "due": D(2026, 11, 1),
                "status": "done",
                "completed_on": D(2026, 10, 1),
            },
            {
                "review_id": "R",
                "id": "c",
                "kind": "aims_change",
                "due": AS_OF,
                "status": "in_progress",
                "completed_on": None,
            },
        ]
    )
    got = review.action_status(actions, AS_OF).set_index("id")
    assert got.loc["a", "overdue"] and got.loc["a", "days_overdue"] == 19
    assert not got.loc["b", "overdue"] and not got.loc["b", "open"]
    assert not got.loc["c", "overdue"] and got.loc["c", "open"]


def test_issue_changes():
    now = {"external": ["EU AI Act", "New law"], "internal": ["Small team"]}
    before = {"external": ["eu  ai act", "Old law"], "internal": ["Small team"]}
    got = review.issue_changes(now, before)
    assert got.values.tolist() == [
        ["external", "EU AI Act", "unchanged"],  # case and spaces ignored
        ["external", "New law", "new"],
        ["external", "Old law", "no longer listed"],
        ["internal", "Small team", "unchanged"],
    ]
    assert set(review.issue_changes(now, None)["change"]) == {"no baseline"}


def test_performance_change_direction():
    got = review.performance_change(
        {
            "gap_conformity": 53.1,
            "gap_conformity_clauses": 30.0,
            "gap_conformity_controls": math.nan,
            "open_nonconformities": 8.0,
        },
        {
            "gap_conformity": 41.0,
            "gap_conformity_clauses": 38.0,
            "gap_conformity_controls": 44.0,
            "open_nonconformities": 0.0,
        },
    ).set_index("measure")
    assert got.loc["gap_conformity", "change"] == 12.1 and got.loc["gap_conformity", "trend"] == "improved"
    assert got.loc["gap_conformity_clauses", "trend"] == "deteriorated"
    assert got.loc["gap_conformity_controls", "trend"] == "not measured"
    assert got.loc["open_nonconformities", "trend"] == "deteriorated"  # more open NCs is worse
    assert set(review.performance_change({"gap_conformity": 50.0}, None)["trend"]) == {"no baseline"}


def test_compile_inputs_with_hand_made_frames():
    findings = _findings(
        _finding("nc", owner="o", corrective_action="ca", due_date=D(2026, 11, 1)),
        _finding("ofi", grade="opportunity_for_improvement"),
        _finding("gp", grade="good_practice", status="closed", closure_date=D(2026, 10, 10)),
    )
    audits = pd.DataFrame([_audit("IA-1", "done", ["9.1"])])
    risks = pd.DataFrame(
        [
            {
                "risk_id": "R1",
                "system_id": "cs",
                "title": "t",
                "residual_score": 12,
                "residual_level": "high",
                "owner": "o",
                "status": "open",
            }
        ]
    )
    inputs = review.compile_inputs(
        review.ReviewRecords(
            actions=pd.DataFrame(columns=["review_id", "id", "kind", "due", "status", "completed_on"]),
            findings=findings,
            audits=audits,
            context={"external": ["x"], "internal": []},
            as_of=AS_OF,
        ),
        gap_headline={"conformity": 60.0, "conformity_clauses": 50.0, "conformity_controls": 70.0},
        last_review={"id": "MR-1", "performance": {"gap_conformity": 50.0}, "issues": {"external": [], "internal": []}},
        risks=risks,
    )
    assert inputs.baseline == "MR-1"
    assert inputs.nonconformities["finding_id"].tolist() == ["nc"]
    assert inputs.opportunities["finding_id"].tolist() == ["ofi"]
    assert inputs.audits.loc[0, "findings"] == 3 and inputs.audits.loc[0, "open_nonconformities"] == 1
    perf = inputs.performance.set_index("measure")
    assert perf.loc["gap_conformity", "change"] == 10.0 and perf.loc["open_nonconformities", "current"] == 1.0
    assert inputs.issues["change"].tolist() == ["new"]
    assert inputs.risks is risks and inputs.impacts is None


def test_risk_and_impact_picture_comes_from_the_risk_and_impact_steps(example):
    risks, impacts = review.risk_and_impact(example)
    assert risks["risk_id"].tolist()[0] == "R-12"
    assert not impacts.empty and set(impacts["impact_id"]) >= {"IMP-01", "IMP-06"}
    assert list(impacts.columns)[:3] == ["impact_id", "system_id", "party"]


def test_example_review_pack(example):
    r = review.assess(example)
    h = r.headline
    assert (h["actions"], h["actions_open"], h["actions_overdue"]) == (5, 3, 2)  # A2 and A5 overdue
    assert r.inputs.baseline == "MR-2026-01"
    assert h["conformity_change"] == round(54.7 - 41.0, 1)
    assert r.inputs.risks["risk_id"].tolist()[:2] == ["R-12", "R-10"]  # from the risk step: top residual risks
    one = review.assess(example, "MR-2026-01")
    assert len(one.decisions) == 3 and one.review["id"] == "MR-2026-01"
    with pytest.raises(KeyError):
        review.assess(example, "nope")


def test_closed_nonconformity_trail_flags():
    base = dict(
        status="closed",
        root_cause="r",
        corrective_action="c",
        owner="o",
        due_date=D(2026, 10, 30),
        verified_by="v",
        verified_on=D(2026, 11, 1),
        effectiveness="effective",
        closure_date=D(2026, 11, 2),
    )
    f = _findings(
        _finding("ok", **base),
        _finding("ne", **{**base, "effectiveness": "not_effective"}),
        _finding("early", **{**base, "closure_date": D(2026, 10, 31)}),
        _finding("bare", **{**base, "root_cause": None, "corrective_action": None}),
        _finding("obs", **{**base, "grade": "observation", "root_cause": None}),
    ).set_index("finding_id")
    assert f.loc["ok", "flags"] == []
    assert "closed_not_effective" in f.loc["ne", "flags"]
    assert f.loc["early", "flags"] == ["closed_before_check"]
    assert f.loc["bare", "flags"] == ["closed_without_trail"]
    assert f.loc["obs", "flags"] == []  # an observation needs no corrective-action trail


def test_a_held_review_shows_what_it_saw(example):
    held = review.assess(example, "MR-2026-01")  # held 2026-07-09, before any audit or finding
    assert held.inputs.nonconformities.empty and held.inputs.audits.empty
    assert held.inputs.actions.empty  # no review before it: no earlier actions to report on
    assert len(held.review_actions) == 5 and held.headline["actions"] == 5
    perf = held.inputs.performance.set_index("measure")
    assert perf.loc["gap_conformity", "current"] == 41.0  # the figure it recorded, not today's
    pack = review.assess(example)
    assert pack.inputs.baseline == "MR-2026-01" and len(pack.inputs.nonconformities) > 0


def test_recurrence_loops_are_refused(tmp_path):
    import shutil

    from aimskit import engagement
    from aimskit.base import resources

    folder = tmp_path / "eng"
    shutil.copytree(resources.example_engagement(), folder)
    lines = (folder / "findings.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    col = header.index("recurrence_of")
    rows = {}
    for i, line in enumerate(lines[1:], start=1):
        if line.startswith("F-03,") or line.startswith("F-08,"):
            rows[line[:4]] = i
    assert len(rows) == 2
    import csv
    import io

    def relink(i: int, target: str) -> None:
        cells = next(csv.reader(io.StringIO(lines[i])))
        cells[col] = target
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(cells)
        lines[i] = buf.getvalue()

    relink(rows["F-03"], "F-08")
    relink(rows["F-08"], "F-03")
    (folder / "findings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    messages = [p.message for p in engagement.validate(folder) if "form a loop" in p.message]
    assert messages and "F-03 -> F-08 -> F-03" in " ".join(messages)
