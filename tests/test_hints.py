"""Hints for the mistakes people make: lists written with commas, abbreviations, ratings written
as their labels."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from aimskit import engagement
from aimskit.base.problems import separator_hint, suggest


def _set(path: Path, row: int, **values: str) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    rows[row].update(values)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _problems(folder: Path, file: str, column: str) -> list[str]:
    return [
        p.format().split(f"{file}:", 1)[1]
        for p in engagement.validate(folder)
        if p.file.endswith(file) and p.column == column
    ]


@pytest.mark.parametrize(
    ("value", "choices", "expected"),
    [
        ("partial", ["compliant", "partially_compliant", "non_compliant"], "partially_compliant"),
        ("Partial", ["compliant", "partially_compliant", "non_compliant"], "partially_compliant"),
        ("non", ["compliant", "partially_compliant", "non_compliant", "not_applicable"], "non_compliant"),
        ("operation", ["deployment", "operation_monitoring", "retirement"], "operation_monitoring"),
    ],
)
def test_an_abbreviation_suggests_the_value_it_starts(value, choices, expected):
    assert suggest(value, choices) == f"; did you mean '{expected}'?"


def test_an_ambiguous_abbreviation_suggests_nothing_wrong():
    assert suggest("no", ["not_applicable", "non_compliant"]) == ""


@pytest.mark.parametrize("value", ["A.6.2.6, A.7.4", "A.6.2.6 A.7.4", "A.6.2.6,A.7.4", "A.6.2.6 / A.7.4"])
def test_a_list_written_with_commas_or_spaces_says_separate_with_semicolons(value):
    hint = separator_hint(value, ["A.6.2.6", "A.7.4", "A.6.2.7"])
    assert hint == "; separate several values with ';' ('A.6.2.6; A.7.4')"


def test_controls_with_commas_in_risks_csv(example_copy: Path):
    _set(example_copy / "risks.csv", 0, controls="A.6.2.6, A.7.4")
    assert _problems(example_copy, "risks.csv", "controls") == [
        "2:controls: 'A.6.2.6, A.7.4' is not one control; separate several values with ';' ('A.6.2.6; A.7.4') [AK321]"
    ]


def test_gap_status_abbreviation(example_copy: Path):
    _set(example_copy / "gap.csv", 0, status="partial")
    assert _problems(example_copy, "gap.csv", "status") == [
        "2:status: 'partial' is not one of: compliant, partially_compliant, non_compliant, not_applicable, "
        "not_assessed; did you mean 'partially_compliant'? [AK104]"
    ]


def test_a_rating_written_as_its_label_is_read_on_the_configured_scale(example_copy: Path):
    _set(example_copy / "risks.csv", 0, likelihood="likely", impact="Major")
    assert _problems(example_copy, "risks.csv", "likelihood") == [
        "2:likelihood: warning: 'likely' was read as 4 (Likely on the likelihood scale); write 4 [AK114]"
    ]
    assert _problems(example_copy, "risks.csv", "impact") == [
        "2:impact: warning: 'Major' was read as 4 (Major on the impact scale); write 4 [AK114]"
    ]


def test_a_rating_that_is_no_label_lists_the_scale(example_copy: Path):
    _set(example_copy / "risks.csv", 0, likelihood="high")
    assert _problems(example_copy, "risks.csv", "likelihood") == [
        "2:likelihood: 'high' is not a likelihood value: use one of 1 Rare, 2 Unlikely, 3 Possible, 4 Likely, "
        "5 Almost certain [AK115]"
    ]


def test_impact_ratings_use_the_impact_criteria_scales(example_copy: Path):
    _set(example_copy / "impacts.csv", 0, severity="severe")
    assert _problems(example_copy, "impacts.csv", "severity") == [
        "2:severity: warning: 'severe' was read as 5 (Severe on the severity scale); write 5 [AK114]"
    ]
