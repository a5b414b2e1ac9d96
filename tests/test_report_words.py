"""Reports are for people: words, not enum values; configured levels and colours; scope- and
plural-aware phrasing; internal caveats kept out of client text. Checked on every report of the
example engagement (organisation-wide and per scope), executed in-process."""

from __future__ import annotations

import re

import pytest
from notebook_harness import run_notebook, visible_text

from aimskit import engagement
from aimskit.base import resources
from aimskit.engagement import LIFECYCLE_STAGES, STATUSES
from aimskit.engagement.parts.impact import AREA_LABELS

EXAMPLE = engagement.load(resources.example_engagement())
SYSTEM = EXAMPLE.in_scope_ids[0]
AUDIT = EXAMPLE.parts["audit"].audit_ids[0]
REVIEW = EXAMPLE.parts["audit"].review_ids[0]
REPORTS = [
    ("gap_assessment", {}),
    ("gap_assessment", {"system_id": SYSTEM}),
    ("risk_assessment", {}),
    ("risk_assessment", {"system_id": SYSTEM}),
    ("impact_assessment", {}),
    ("impact_assessment", {"system_id": SYSTEM}),
    ("internal_audit", {}),
    ("internal_audit", {"audit_id": AUDIT}),
    ("management_review", {}),
    ("management_review", {"review_id": REVIEW}),
]
_CACHE: dict[tuple, str] = {}


def _shown(name: str, params: dict) -> str:
    key = (name, tuple(sorted(params.items())))
    if key not in _CACHE:
        _CACHE[key] = run_notebook(name, **params)
    return _CACHE[key]


def _client_text(shown: str) -> str:
    """Visible text before the method appendix (where file keys and catalog statuses belong)."""
    return visible_text(re.sub(r'<dl class="ak-method">.*?</dl>', " ", shown, flags=re.S))


RAW = [v for v in (*STATUSES, *LIFECYCLE_STAGES, *AREA_LABELS, "maintained_and_retained", "in_treatment") if "_" in v]


@pytest.mark.parametrize(("name", "params"), REPORTS, ids=[f"{n}-{'-'.join(p.values()) or 'org'}" for n, p in REPORTS])
def test_no_enum_values_and_no_count_with_s_in_parentheses(name, params):
    text = _client_text(_shown(name, params))
    for raw in RAW:
        assert not re.search(rf"(?<![\w-]){re.escape(raw)}(?![\w-])", text), f"raw value {raw!r} in {name}"
    counts = re.findall(r"\d+ \w+\((?:s|ies)\)", text)
    assert counts == [], counts
    assert not re.search(r"\bsystem [a-z0-9]+-[a-z0-9-]+\b", text), "a system shown by its id, not its name"


def test_gap_documented_information_keeps_catalog_caveats_for_the_method():
    shown = visible_text(_shown("gap_assessment", {}))
    client = _client_text(_shown("gap_assessment", {}))
    assert "consultancy reading" not in client and "listed by some consultancies" not in client
    assert "confirm it with your certification body" in client
    assert "consultancy reading" in shown  # the method appendix keeps the catalog status


def test_review_uses_the_configured_bands_names_and_area_words():
    html = _shown("management_review", {})
    crit = EXAMPLE.parts["risk"].criteria
    high = crit.band("high")
    assert f'style="background:{high.colour}">{high.label}</span>' in html
    assert 'class="ak-badge ak-very_high"' not in html and ">very high<" not in html
    assert "Organisation-wide" in visible_text(html) or EXAMPLE.system_names[SYSTEM] in visible_text(html)
    assert "Fundamental rights and discrimination" in visible_text(html)


def test_a_per_audit_report_leads_with_its_audit_not_the_programme():
    text = _client_text(_shown("internal_audit", {"audit_id": AUDIT}))
    assert "The programme has" not in text
    assert f"Audit {AUDIT} covers" in text


def test_finding_headings_carry_the_requirement_title_and_system_name():
    html = _shown("internal_audit", {})
    assert re.search(r"F-01 · 8\.4 [A-Z][^<]+ · " + re.escape(EXAMPLE.system_names["llm-assist"]), html)


def test_per_system_impact_report_does_not_speak_of_the_portfolio():
    text = _client_text(_shown("impact_assessment", {"system_id": SYSTEM}))
    assert "In the portfolio overview:" not in text
    assert "for 1 system" not in text


def test_a_held_review_without_baseline_shows_no_change_count():
    text = visible_text(_shown("management_review", {"review_id": REVIEW}))
    assert "no earlier review to compare with" in text
