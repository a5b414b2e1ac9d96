"""Risk criteria: scoring and banding with hand-computed cases, and validation with positions."""

from __future__ import annotations

import textwrap

import pytest

from aimskit import engagement
from aimskit.base.problems import Problems
from aimskit.engagement import criteria
from aimskit.formats.yamlio import load_yaml


def _default():
    return criteria.default_risk()


@pytest.mark.parametrize(
    ("likelihood", "impact", "score", "level"),
    [
        (1, 1, 1, "very_low"),
        (1, 2, 2, "very_low"),  # top edge of very low
        (1, 3, 3, "low"),  # bottom edge of low
        (2, 2, 4, "low"),
        (5, 1, 5, "medium"),
        (3, 3, 9, "medium"),
        (2, 5, 10, "high"),
        (4, 4, 16, "high"),
        (4, 5, 20, "very_high"),
        (5, 5, 25, "very_high"),
    ],
)
def test_default_product_scoring_and_band_edges(likelihood, impact, score, level):
    c = _default()
    assert criteria.score(c, likelihood, impact) == score
    assert criteria.band_of(c, score).id == level
    assert criteria.rate(c, likelihood, impact) == (score, level)


def test_rate_of_a_missing_rating_is_none():
    assert criteria.rate(_default(), None, 3) == (None, None)
    assert criteria.rate(_default(), float("nan"), 3) == (None, None)


def test_default_matrix_and_appetite():
    c = _default()
    m = criteria.matrix_frame(c)
    assert list(m.index) == [5, 4, 3, 2, 1] and list(m.columns) == [1, 2, 3, 4, 5]
    assert m.loc[5, 5] == "very_high" and m.loc[1, 1] == "very_low" and m.loc[3, 4] == "high"
    assert criteria.reachable_scores(c) == [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 20, 25]
    assert not c.above_appetite("low") and c.above_appetite("medium")
    assert c.authorities("very_high") == []


CUSTOM_4X4 = {
    "likelihood": {"name": "Probability", "levels": [{"value": v, "label": f"P{v}"} for v in (1, 2, 3, 4)]},
    "impact": {"name": "Severity", "levels": [{"value": v, "label": f"S{v}"} for v in (1, 2, 3, 4)]},
    "method": "matrix",
    # rows: probability 1..4, columns: severity 1..4 -> a level number 1..4 read directly
    "matrix": [[1, 1, 2, 2], [1, 2, 2, 3], [2, 2, 3, 4], [2, 3, 4, 4]],
    "bands": [
        {"id": "low", "label": "Low", "min": 1, "max": 1},
        {"id": "moderate", "label": "Moderate", "min": 2, "max": 2},
        {"id": "significant", "label": "Significant", "min": 3, "max": 3},
        {"id": "critical", "label": "Critical", "min": 4, "max": 4},
    ],
    "acceptance": {"significant": ["Board"]},
    "appetite": "moderate",
}


def test_custom_4x4_matrix():
    problems = Problems()
    c = criteria.parse(CUSTOM_4X4, None, ("risk_criteria",), "e.yaml", problems, criteria.default_risk_raw())
    assert not problems.items and c is not None
    assert criteria.rate(c, 1, 4) == (2, "moderate")
    assert criteria.rate(c, 4, 3) == (4, "critical")
    assert criteria.rate(c, 3, 3) == (3, "significant")
    assert criteria.rate(c, 2, 1) == (1, "low")
    assert criteria.formula(c).startswith("score read from the configured matrix")
    assert c.above_appetite("significant") and c.authorities("significant") == ["Board"]
    assert criteria.matrix_frame(c).loc[4].tolist() == ["moderate", "significant", "critical", "critical"]


def test_sum_method_and_partial_configuration_keeps_defaults():
    problems = Problems()
    raw = {
        "method": "sum",
        "bands": [
            {"id": "low", "label": "Low", "min": 2, "max": 5},
            {"id": "high", "label": "High", "min": 6, "max": 10},
        ],
        "appetite": "low",
    }
    c = criteria.parse(raw, None, ("risk_criteria",), "e.yaml", problems, criteria.default_risk_raw())
    assert not problems.items
    assert criteria.rate(c, 2, 3) == (5, "low")
    assert criteria.rate(c, 3, 3) == (6, "high")
    assert c.likelihood.label(5) == "Almost certain"  # the default scale was kept
    assert c.acceptance == {}  # bands replaced: default acceptance (for other band ids) is dropped


def _problems(tmp_path, yaml_text: str) -> list[str]:
    path = tmp_path / "e.yaml"
    path.write_text(textwrap.dedent(yaml_text), encoding="utf-8")
    problems = Problems()
    doc = load_yaml(path, "e.yaml", problems)
    criteria.parse(doc.data["risk_criteria"], doc, ("risk_criteria",), "e.yaml", problems, criteria.default_risk_raw())
    return [p.format() for p in problems]


def test_gaps_and_overlaps_between_bands_are_errors(tmp_path):
    got = _problems(
        tmp_path,
        """\
        risk_criteria:
          bands:
            - {id: low, label: Low, min: 1, max: 5}
            - {id: mid, label: Medium, min: 5, max: 12}
            - {id: high, label: High, min: 16, max: 25}
          appetite: low
        """,
    )
    assert got == [
        "e.yaml:4:7: bands 'low' (1-5) and 'mid' (5-12) overlap: each score must fall in exactly one band [AK315]",
        "e.yaml:3:5: risk_criteria.bands: no band for the score(s) 15 "
        "(reachable scores: 1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 20, 25) [AK316]",
    ]


def test_unreachable_scores_may_fall_between_bands(tmp_path):
    # 7, 11, 13, 14 cannot be reached with 1-5 x 1-5: leaving them out is not a gap
    got = _problems(
        tmp_path,
        """\
        risk_criteria:
          bands:
            - {id: low, label: Low, min: 1, max: 6}
            - {id: mid, label: Medium, min: 8, max: 10}
            - {id: high, label: High, min: 12, max: 25}
          appetite: low
        """,
    )
    assert got == []


def test_unknown_keys_in_criteria_stop_before_the_structure_checks(tmp_path):
    got = _problems(tmp_path, "risk_criteria:\n  appetite: lo\n  colour: red\n")
    assert got == ["e.yaml:3:3: unknown key 'colour' in risk_criteria [AK103]"]


def test_criteria_structure_errors_have_positions(tmp_path):
    got = _problems(
        tmp_path,
        """\
        risk_criteria:
          likelihood:
            name: Likelihood
            levels:
              - {value: 1, label: Low}
              - {value: 1, label: High}
          method: matrix
          matrix: [[1, 2], [3, 4]]
          acceptance:
            medum: [Board]
          appetite: lo
        """,
    )
    assert got == [
        "e.yaml:5:7: risk_criteria.likelihood: each level needs its own value; found [1, 1] [AK302]",
        "e.yaml:8:11: risk_criteria.matrix must have one row per likelihood level (2) with one score per "
        "impact level (5), lowest first [AK309]",
        "e.yaml:10:5: unknown band 'medum' in risk_criteria.acceptance; did you mean 'medium'? [AK310]",
        "e.yaml:11:13: appetite 'lo' is not a band: very_low, low, medium, high, very_high; did you mean 'low'?"
        " [AK301]",
    ]


def test_wrong_types_in_criteria_are_reported_not_raised(tmp_path):
    got = _problems(
        tmp_path,
        """\
        risk_criteria:
          method: producto
          bands:
            - {id: Low Band, label: Low, min: one, max: 25}
          appetite: low
        """,
    )
    assert got == [
        "e.yaml:2:11: 'producto' is not one of: product, sum, matrix; did you mean 'product'? [AK104]",
        "e.yaml:4:12: 'Low Band' is not a valid risk_criteria.bands[0].id: use lower-case letters, digits and '_', "
        "starting with a letter [AK112]",
        "e.yaml:4:39: risk_criteria.bands[0].min must be a whole number, found 'one' [AK108]",
    ]


def test_engagement_reports_criteria_problems_with_the_other_problems(minimal):
    text = (minimal / "engagement.yaml").read_text(encoding="utf-8")
    (minimal / "engagement.yaml").write_text(text + "risk_criteria:\n  appetite: extreme\n", encoding="utf-8")
    got = [p.format() for p in engagement.validate(minimal)]
    assert got == [
        f"{minimal / 'engagement.yaml'}:11:13: appetite 'extreme' is not a band: very_low, low, medium, high, very_high"
        " [AK301]"
    ]


def test_weak_criteria_are_warned(tmp_path):
    got = _problems(
        tmp_path,
        """\
        risk_criteria:
          likelihood: {name: Likelihood, levels: [{value: 1, label: Low}, {value: 2, label: High}]}
          impact: {name: Impact, levels: [{value: 1, label: Low}, {value: 2, label: High}]}
          method: matrix
          matrix: [[4, 3], [2, 1]]
          bands:
            - {id: low, label: Low, min: 1, max: 2}
            - {id: high, label: High, min: 3, max: 4}
            - {id: extreme, label: Extreme, min: 5, max: 9}
          acceptance:
            low: [Owner]
            high: [Board]
          appetite: low
        """,
    )
    assert got == [
        "e.yaml:11:5: warning: acceptance for 'low' is not used: 'low' is within the appetite 'low' and needs no "
        "acceptance record [AK311]",
        "e.yaml:9:7: warning: band 'extreme' (5-9) can never be reached with score read from the configured matrix "
        "(row: likelihood, column: impact) [AK312]",
        "e.yaml:5:11: warning: risk_criteria.matrix: scores do not rise with likelihood and impact (rows are the "
        "lowest likelihood first); check the matrix [AK313]",
    ]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "risk_criteria:\n  likelihood: {name: L, levels: [{value: 1, label: Only}]}\n",
            "e.yaml:2:33: 'risk_criteria.likelihood.levels' needs at least 2 entries [AK118]",
        ),
        (
            "risk_criteria:\n  bands:\n    - {id: minor, label: Minor, min: 1, max: 9}\n"
            "    - {id: major, label: Major, min: 10, max: 25}\n",
            "e.yaml:1:1: risk_criteria: no appetite given, and the default 'low' is not one of your bands "
            "(minor, major); add appetite: <band id> [AK301]",
        ),
        ("risk_criteria:\n  method:\n", "e.yaml:2:10: nothing is not one of: product, sum, matrix [AK104]"),
        ("risk_criteria:\n  method: [product]\n", "e.yaml:2:11: a list is not one of: product, sum, matrix [AK104]"),
    ],
    ids=["one-level", "default-appetite", "empty-method", "list-method"],
)
def test_criteria_messages_say_what_the_user_wrote(tmp_path, yaml_text, message):
    (tmp_path / "e.yaml").write_text(yaml_text, encoding="utf-8")
    problems = Problems()
    doc = load_yaml(tmp_path / "e.yaml", "e.yaml", problems)
    criteria.parse(doc.data["risk_criteria"], doc, ("risk_criteria",), "e.yaml", problems, criteria.default_risk_raw())
    assert [p.format() for p in problems] == [message]


def test_formula_names_the_configured_scales():
    c = criteria.Criteria.model_validate(
        {
            **CUSTOM_4X4,
            "method": "product",
            "matrix": None,
            "bands": [{"id": "all", "label": "All", "min": 1, "max": 16}],
            "acceptance": {},
            "appetite": "all",
        }
    )
    assert criteria.formula(c) == "score = probability x severity"
