"""Gap assessment scoring, checked against hand-computed expectations.

The minimal fixture (tests/fixtures/valid-minimal, assessment date 2026-06-30, target 3):
  4.1 compliant 3 | 5.2 partially 2 (target date 2026-09-30) | 9.2.2 non-compliant 0 (2026-05-31)
  A.2.2 compliant 4 | A.6.2.4 for system chat non-compliant 1 (2026-12-31) | A.10.4 not applicable
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from aimskit import engagement
from aimskit.base import resources
from aimskit.steps import gap


@pytest.fixture
def eng(minimal):
    return engagement.load(minimal)


def _append(folder, *rows):
    with open(folder / "gap.csv", "a", encoding="utf-8") as fh:
        for row in rows:
            fh.write(row + "\n")


def test_conformity_score_formula():
    assert gap.conformity_score({"compliant": 2, "partially_compliant": 1, "non_compliant": 1}) == 62.5
    assert gap.conformity_score({"compliant": 1, "not_applicable": 5, "not_assessed": 9}) == 100.0
    assert math.isnan(gap.conformity_score({"not_assessed": 3}))


def test_headline_hand_computed(eng):
    r = gap.assess(eng)
    h = r.headline
    assert h["requirements"] == 70 and h["clauses"] == 32 and h["controls"] == 38
    assert h["assessed"] == 5
    assert h["not_applicable"] == 1
    assert h["not_assessed"] == 64
    assert h["compliant"] == 2 and h["partially_compliant"] == 1 and h["non_compliant"] == 2
    assert h["conformity"] == 50.0  # (2 + 0.5) / 5
    assert h["conformity_clauses"] == 50.0  # (1 + 0.5) / 3
    assert h["conformity_controls"] == 50.0  # 1 / 2
    assert h["mean_maturity"] == 2.0  # (3 + 2 + 0 + 4 + 1) / 5
    assert h["mean_target"] == 3.0
    assert h["clause_nonconformities"] == 1
    assert h["remediation_items"] == 3 and h["p1_items"] == 1 and h["overdue_items"] == 1


def test_roadmap_order_and_overdue(eng):
    road = gap.assess(eng).roadmap
    assert road["id"].tolist() == ["9.2.2", "A.6.2.4", "5.2"]
    assert road["priority"].tolist() == ["P1", "P2", "P2"]  # within P2: gap 2 before gap 1
    assert road["maturity_gap"].tolist() == [3, 2, 1]
    assert road["overdue"].tolist() == [True, False, False]  # 2026-05-31 < 2026-06-30
    assert road["rank"].tolist() == [1, 2, 3]
    assert road.loc[1, "where"] == "system chat"


def test_priority_p4_and_unassigned(minimal):
    _append(minimal, "A.7.4,,compliant,2,DQ-1,,,", "A.7.5,,partially_compliant,1,,,,")
    road = gap.assess(engagement.load(minimal)).roadmap.set_index("id")
    assert road.loc["A.7.4", "priority"] == "P4"
    assert road.loc["A.7.5", "priority"] == "P3"
    assert road.loc["A.7.5", "owner"] == "unassigned"


def test_group_tables(eng):
    r = gap.assess(eng)
    nine = r.by_clause.set_index("group_id").loc["9"]
    assert nine["total"] == 6 and nine["non_compliant"] == 1 and nine["not_assessed"] == 5
    assert nine["conformity"] == 0.0
    assert nine["coverage"] == pytest.approx(16.7)
    a10 = r.by_objective.set_index("group_id").loc["A.10"]
    assert a10["total"] == 3 and a10["applicable"] == 2 and a10["assessed"] == 0
    assert math.isnan(a10["conformity"])
    assert r.by_objective["group_id"].tolist() == [f"A.{n}" for n in range(2, 11)]
    mat = r.maturity_clause.set_index("group_id")
    assert mat.loc["5", "mean_maturity"] == 2.0 and mat.loc["5", "below_target"] == 1


def test_weakest_assessment_decides_the_organisation_view(minimal):
    _append(
        minimal,
        "A.6.2.4,,compliant,4,TEST-1,QA,,",
        "A.7.4,,partially_compliant,3,,Data,,",
        "A.7.4,chat,partially_compliant,1,,Eng,,",
    )
    eng = engagement.load(minimal)
    org = gap.assess(eng).view.set_index("id")
    assert org.loc["A.6.2.4", "status"] == "non_compliant"
    assert org.loc["A.6.2.4", "maturity"] == 1
    name = eng.system_names["chat"]
    assert org.loc["A.6.2.4", "basis"] == f"the weakest of the organisation (compliant); {name} (non-compliant)"
    assert org.loc["A.6.2.4", "decided_by"] == name
    assert org.loc["A.7.4", "maturity"] == 1  # lowest maturity among assessments
    assert org.loc["A.7.4", "owner"] == "Eng"


def test_system_view_uses_the_systems_own_row(minimal):
    _append(minimal, "A.6.2.4,,compliant,4,TEST-1,QA,,", "A.7.4,,partially_compliant,3,,Data,,")
    eng = engagement.load(minimal)
    chat = gap.assess(eng, "chat")
    view = chat.view.set_index("id")
    assert view.loc["A.6.2.4", "status"] == "non_compliant"  # chat's own row overrides
    assert view.loc["A.7.4", "status"] == "partially_compliant"  # inherited from the organisation
    assert view.loc["4.1", "status"] == "compliant"  # clauses are organisation-wide
    assert chat.system_name == "Support chatbot"
    heat = chat.heatmap["chat"]
    assert heat["A.2"] == 100.0 and heat["A.6"] == 0.0 and math.isnan(heat["A.10"])


def test_documented_information_findings(eng):
    doc = gap.assess(eng).documented.set_index("id")
    assert doc.loc["5.2", "finding"] == "incomplete"
    assert doc.loc["9.2.2", "finding"] == "missing"
    assert doc.loc["4.3", "finding"] == "not assessed"
    assert len(doc) == 16


def test_compliant_without_evidence_counts_as_missing_documented_information(minimal):
    _append(minimal, "4.3,,compliant,3,,Lead,,")
    doc = gap.assess(engagement.load(minimal)).documented.set_index("id")
    assert doc.loc["4.3", "finding"] == "missing"


def test_summary_is_in_plain_words(eng):
    text = " ".join(gap.assess(eng).summary)
    assert "5 of 70 requirements have been assessed" in text
    assert "Overall conformity is 50%" in text
    assert "1 mandatory clause requirement is non-compliant" in text
    assert "1 is past the target date" in text


def test_results_json_is_serialisable(eng):
    import json

    data = gap.assess(eng).to_json()
    text = json.dumps(data)
    assert data["headline"]["conformity"] == 50.0
    assert data["assessment_date"] == "2026-06-30"
    assert math.isnan(float("nan")) and "NaN" not in text


def test_example_engagement_tells_its_story():
    from aimskit.base import resources

    r = gap.assess(engagement.load(resources.example_engagement()))
    h = r.headline
    statuses = {s for s in r.view["status"]}
    assert statuses == {"compliant", "partially_compliant", "non_compliant", "not_applicable", "not_assessed"}
    assert h["clause_nonconformities"] >= 1 and h["overdue_items"] >= 1
    assert dt.date(2026, 11, 20) == r.assessment_date


def test_blank_engagement_has_no_score_and_says_so(tmp_path):
    from aimskit.engagement.scaffold import init_engagement

    init_engagement(tmp_path / "blank")
    r = gap.assess(engagement.load(tmp_path / "blank"))
    assert r.headline["assessed"] == 0 and math.isnan(r.headline["conformity"])
    assert r.roadmap.empty and r.heatmap.empty
    assert r.summary[-1].startswith("Nothing has been assessed yet")


def test_guidance_for_urgent_items_comes_from_the_catalog(eng):
    from aimskit import catalog

    g = gap.assess(eng).guidance
    assert g["id"].tolist() == ["9.2.2", "A.6.2.4", "5.2"]
    expected = catalog.load("iso42001").set_index("id").loc["9.2.2", "evidence"]
    assert g.loc[0, "evidence"] == expected and len(expected) >= 2


def test_system_heatmap_for_all_systems_equals_the_per_system_views():
    from aimskit.base import resources

    eng = engagement.load(resources.example_engagement())
    reqs = gap.requirements()
    at_once = gap.system_heatmap(reqs, eng.gap, eng.target_for, eng.in_scope_ids)
    views = {sid: gap.requirement_view(reqs, eng.gap, eng.target_for, system_id=sid) for sid in eng.in_scope_ids}
    one_by_one = gap.system_heatmap(reqs, eng.gap, eng.target_for, eng.in_scope_ids, views=views)
    pd.testing.assert_frame_equal(at_once, one_by_one, check_dtype=False)
    assert at_once.loc["A.7", "cv-screen"] != at_once.loc["A.7", "credit-score"]  # systems differ where rated


def test_organisation_headline_equals_the_full_assessment():
    from aimskit.base import resources

    eng = engagement.load(resources.example_engagement())
    assert gap.organisation_headline(eng) == gap.assess(eng).headline


def test_example_conformity_figures_differ_and_follow_their_formulas():
    """Overall, clause and Annex A conformity of the example tell a story (they differ), and each is
    (compliant + 0.5 x partially compliant) / assessed over its own requirements, the overall one
    pooled over all of them (so it is the assessed-weighted mean of the other two)."""
    eng = engagement.load(resources.example_engagement())
    result = gap.assess(eng)
    h, view = result.headline, result.view

    def score(part):
        counts = part["status"].value_counts()
        assessed = sum(counts.get(s, 0) for s in ("compliant", "partially_compliant", "non_compliant"))
        return 100 * (counts.get("compliant", 0) + 0.5 * counts.get("partially_compliant", 0)) / assessed, assessed

    overall, n = score(view)
    clauses, n_clauses = score(view[view["kind"] == "clause"])
    controls, n_controls = score(view[view["kind"] == "control"])
    assert h["conformity"] == round(overall, 1)
    assert h["conformity_clauses"] == round(clauses, 1)
    assert h["conformity_controls"] == round(controls, 1)
    assert len({h["conformity"], h["conformity_clauses"], h["conformity_controls"]}) == 3
    assert overall == pytest.approx((clauses * n_clauses + controls * n_controls) / n)
