"""The crosswalk step on the example engagement, with rows checked by hand against gap.csv.

Each expectation below was worked out by reading data/example/gap.csv and the crosswalk tables,
not by running the code; the comments show the working.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aimskit import engagement
from aimskit.base import resources
from aimskit.steps import crosswalk as xw


@pytest.fixture(scope="module")
def eng():
    return engagement.load(resources.example_engagement())


@pytest.fixture(scope="module")
def org(eng):
    return xw.assess(eng)


@pytest.fixture(scope="module")
def credit(eng):
    return xw.assess(eng, "credit-score")


def _row(df, **where):
    part = df
    for k, v in where.items():
        part = part[part[k] == v]
    assert len(part) == 1, where
    return part.iloc[0]


# ---------------------------------------------------------------------------------------------
# the coverage rule


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "not_mapped"),
        (["compliant", "compliant"], "covered"),
        (["compliant", "partially_compliant"], "partially_covered"),
        (["compliant", "not_assessed"], "partially_covered"),
        (["non_compliant", "partially_compliant"], "partially_covered"),
        (["non_compliant", "not_assessed"], "not_covered"),
        (["not_assessed"], "not_assessed"),
        (["non_compliant"], "not_covered"),
    ],
)
def test_coverage_rule(statuses, expected):
    assert xw.coverage_of(statuses) == expected


# ---------------------------------------------------------------------------------------------
# NIST AI RMF profile: three rows by hand


def test_nist_govern_1_1_is_covered(org):
    # Published crosswalk: GOVERN 1.1 -> 4.1, 6.2, A.2.2, A.2.4. gap.csv has one organisation-wide
    # row for each, all compliant (4.1 and 6.2 maturity 3, A.2.2 4, A.2.4 3), and no per-system rows
    # for A.2.2 / A.2.4. Four compliant, nothing else -> covered.
    row = _row(org.nist, id="GV-1.1")
    assert row["display_id"] == "GOVERN 1.1"
    assert row["requirement_ids"] == ["4.1", "6.2", "A.2.2", "A.2.4"]
    assert row["coverage"] == "covered"
    assert row["compliant"] == 4


def test_nist_measure_2_2_not_covered_for_the_organisation_but_covered_for_credit_score(org, credit):
    # MEASURE 2.2 -> A.6.2.4 only. Organisation-wide the weakest row decides: organisation partially
    # compliant, credit-score compliant, llm-assist non-compliant, cv-screen non-compliant,
    # fraud-detect compliant -> non-compliant -> not covered.
    row = _row(org.nist, id="MS-2.2")
    assert row["requirements"] == ["A.6.2.4 (non-compliant)"]
    assert row["coverage"] == "not_covered"
    # For credit-score its own row decides: compliant (maturity 5) -> covered.
    assert _row(credit.nist, id="MS-2.2")["coverage"] == "covered"


def test_nist_measure_2_12_not_assessed_and_govern_2_2_partial(org):
    # MEASURE 2.12 -> A.4.5 (organisation row: not assessed) and A.5.5 (not assessed): no assessed
    # requirement at all -> not assessed (not "not covered").
    assert _row(org.nist, id="MS-2.12")["coverage"] == "not_assessed"
    # GOVERN 2.2 -> 7.2 only, partially compliant -> partially covered.
    row = _row(org.nist, id="GV-2.2")
    assert row["requirement_ids"] == ["7.2"] and row["coverage"] == "partially_covered"


def test_nist_counts_by_function_add_up(org):
    by = org.nist_by_function.set_index("group_id")
    assert by["total"].to_dict() == {"GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}
    assert sum(by[c].sum() for c in xw.COVERAGE) == 72
    # two covered subcategories: GOVERN 1.1 (checked above) and MANAGE 2.1 (7.1 and A.4.2, both
    # compliant in gap.csv); MEASURE holds the three not covered (2.2, 2.11, 4.1: each rests only on
    # non-compliant / not assessed requirements) and the one not assessed (2.12)
    assert by.loc["GOVERN", "covered"] == 1 and by.loc["MANAGE", "covered"] == 1 and by["covered"].sum() == 2
    assert by.loc["MEASURE", "not_covered"] == 3 and by.loc["MEASURE", "not_assessed"] == 1
    cats = org.nist_by_category
    assert len(cats) == 19 and cats["total"].sum() == 72


def test_genai_actions_only_with_a_generative_system(org, credit, eng):
    # llm-assist is the only in-scope system of type generative_ai: all 212 actions apply organisation-wide
    assert org.generative == ["llm-assist"]
    assert len(org.genai) == 212
    # GOVERN 1.1 is covered, so its one action (GV-1.1-001) is the only one under a covered subcategory
    assert org.headline["genai_actions_open"] == 211
    assert credit.generative == [] and credit.genai.empty


# ---------------------------------------------------------------------------------------------
# EU AI Act: rows by hand


def test_eu_credit_score_record_keeping_in_place(credit):
    # credit-score is a high-risk Annex III system the organisation provides. Art. 12 -> A.6.2.8;
    # credit-score has its own A.6.2.8 row, compliant -> evidence in place.
    row = _row(credit.eu, article="Art. 12")
    assert row["requirements"] == ["A.6.2.8 (compliant)"]
    assert row["support"] == "in_place"


def test_eu_credit_score_serious_incidents_missing(credit):
    # Art. 73 -> A.8.4 only; A.8.4 has only an organisation-wide row, non-compliant -> missing.
    row = _row(credit.eu, article="Art. 73")
    assert row["requirement_ids"] == ["A.8.4"] and row["support"] == "missing"


def test_eu_ce_marking_declaration_registration_not_addressed(credit, org):
    # No ISO 42001 requirement is mapped to Art. 47, 48 or 49: not addressed by ISO 42001.
    for art in ("Art. 47", "Art. 48", "Art. 49(1)"):
        assert _row(credit.eu, article=art)["support"] == "not_addressed"
    na = org.eu_not_addressed
    assert na["article"].tolist() == ["Art. 47", "Art. 48", "Art. 49(1)"]
    assert na["systems"].tolist() == [["credit-score"]] * 3


def test_eu_llm_assist_ai_literacy_partly_in_place(org):
    # llm-assist: Art. 4 (provider and deployer) -> 7.2 partially compliant, 7.3 compliant, A.4.6
    # compliant -> partly in place, once per role.
    rows = org.eu[(org.eu["system_id"] == "llm-assist") & (org.eu["article"] == "Art. 4")]
    assert sorted(rows["role"]) == ["deployer", "provider"]
    assert (rows["support"] == "partly_in_place").all()
    assert rows.iloc[0]["requirements"] == ["7.2 (partially compliant)", "7.3 (compliant)", "A.4.6 (compliant)"]


def test_eu_counts_per_system_add_up(org):
    by = org.eu_by_system.set_index("group_id")
    assert (by[list(xw.SUPPORT)].sum(axis=1) == by["total"]).all()
    assert by["total"].sum() == len(org.eu) == org.headline["obligations"]
    assert by.loc["credit-score", "not_addressed"] == 3
    assert "presumption of conformity" in xw.NO_PRESUMPTION
    assert any("no presumption of conformity" in p for p in org.summary)


# ---------------------------------------------------------------------------------------------
# ISO 27001 reuse: rows by hand


def test_reuse_rows(org):
    reuse = org.reuse.set_index("id")
    # 6.1.4 AI system impact assessment has no ISO 27001 counterpart -> AI-specific work
    assert reuse.loc["6.1.4", "reuse"] == "ai_specific" and reuse.loc["6.1.4", "iso27001"] == []
    # 9.2.2 internal audit programme: the same generic process in both (equivalent) -> reuse;
    # the organisation's own 9.2.2 row is non-compliant, so reuse does not mean done
    assert reuse.loc["9.2.2", "reuse"] == "reuse" and reuse.loc["9.2.2", "status"] == "non_compliant"
    # A.6.2.8 event logs intersects ISO 27001 A.8.15 Logging and A.8.17 Clock synchronization -> extend
    assert reuse.loc["A.6.2.8", "reuse"] == "extend"
    assert reuse.loc["A.6.2.8", "iso27001"] == ["A.8.15 Logging", "A.8.17 Clock synchronization"]


def test_reuse_counts(org):
    # reuse: the 13 generic clauses marked equivalent (6.3, 7.4, 7.5.1-7.5.3, 8.1, 9.2.1, 9.2.2,
    # 9.3.1-9.3.3, 10.1, 10.2); AI-specific: 6.1.4, 8.4, A.5.2, A.5.5, A.7.4 (5); extend: the
    # other 70 - 13 - 5 = 52.
    counts = org.reuse_summary.set_index("reuse")["total"].to_dict()
    assert counts == {"reuse": 13, "extend": 52, "ai_specific": 5}
    assert set(org.reuse.loc[org.reuse["reuse"] == "ai_specific", "id"]) == {"6.1.4", "8.4", "A.5.2", "A.5.5", "A.7.4"}
    assert org.certificate.edition == "2022" and org.certificate_valid


def test_no_certificate_no_reuse_view(example_copy):
    path = Path(example_copy) / "engagement.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("iso27001:")
    end = text.index("branding:")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    result = xw.assess(engagement.load(example_copy))
    assert result.certificate is None and result.reuse.empty
    assert result.headline["iso27001"] is False
    json.dumps(result.to_json(), default=str)


# ---------------------------------------------------------------------------------------------
# the iso27001 key of engagement.yaml


def _with_cert(folder: Path, block: str) -> list[str]:
    path = folder / "engagement.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("iso27001:")
    end = text.index("branding:")
    path.write_text(text[:start] + block + text[end:], encoding="utf-8")
    return [p.format() for p in engagement.validate(folder)]


def test_certificate_problems_are_positioned(example_copy):
    got = _with_cert(
        example_copy,
        "iso27001:\n  edition: 2019\n  scope: ''\n  issued_on: 14 March 2025\n  expiry: 2028-01-01\n",
    )
    text = "\n".join(got)
    assert "engagement.yaml:" in text
    assert "'2019' is not one of" in text
    assert "iso27001.scope" in text
    assert "iso27001.issued_on must be a date" in text
    assert "unknown key 'expiry' in iso27001" in text and "did you mean 'expires_on'" in text
    lines = {p.split(":")[1] for p in got if "iso27001" in p or "2019" in p}
    assert len(lines) >= 3  # each problem points at its own line


def test_certificate_dates(example_copy):
    got = _with_cert(
        example_copy,
        "iso27001:\n  scope: ISMS of the lending business\n  issued_on: 2025-03-14\n  expires_on: 2024-01-01\n",
    )
    assert any("expires_on (2024-01-01) must be after issued_on (2025-03-14)" in p for p in got)
    got = _with_cert(example_copy, "iso27001:\n  edition: '2013'\n  scope: ISMS\n  issued_on: 2022-01-10\n")
    # 2013 edition: a warning about the ended transition; issued 2022-01-10 -> valid until 2025-01-09,
    # before the assessment date 2026-11-20 -> expired warning
    assert any(
        "warning: an ISO/IEC 27001:2013 certificate: the transition to the 2022 edition ended on 2025-10-31" in p
        for p in got
    )
    assert any(
        "warning: the ISO/IEC 27001 certificate expired on 2025-01-09, before the assessment date" in p for p in got
    )


def test_eu_paragraph_obligations_rest_on_their_paragraph(eng):
    # Art. 26(5) (a financial-institution deployer's monitoring duty) rests on the Art. 26 rows that
    # cite 26(5) or no Art. 26 paragraph: 9.1, A.6.2.6, A.8.3, A.8.4 - not 5.3 / A.3.2 (26(2)) nor
    # A.9.2-A.9.4 (26(1), 26(4)). For credit-score: 9.1 non-compliant (organisation), A.6.2.6
    # compliant (own row), A.8.3 and A.8.4 organisation rows -> at least one compliant, not all ->
    # partly in place.
    credit = xw.assess(eng, "credit-score")
    row = _row(credit.eu, article="Art. 26(5)")
    assert row["requirement_ids"] == ["9.1", "A.6.2.6", "A.8.3", "A.8.4"]
    assert row["support"] == "partly_in_place"
    # Art. 26(6) (keep the logs) -> A.6.2.8 only; cv-screen's own A.6.2.8 row is not assessed
    cv = xw.assess(eng, "cv-screen")
    row = _row(cv.eu, article="Art. 26(6)")
    assert row["requirement_ids"] == ["A.6.2.8"] and row["support"] == "not_assessed"
