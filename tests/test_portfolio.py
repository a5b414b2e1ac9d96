"""The run's index.html: headline figures, branding, wording."""

from __future__ import annotations

from aimskit import engagement
from aimskit.base import resources
from aimskit.results import portfolio


def _manifest(reports: list[dict], steps: list[str]) -> dict:
    return {
        "parameters": {"steps": steps},
        "reports": reports,
        "status": "ok",
        "aimskit_version": "0",
        "catalog_version": "0",
        "started": "s",
        "finished": "f",
    }


def _audit_report(headline: dict) -> dict:
    return {
        "name": "audit/programme",
        "step": "audit",
        "system_id": None,
        "scope_id": None,
        "status": "ok",
        "error": None,
        "duration_s": 1.0,
        "files": {"html": "audit/programme.html"},
        "headline": headline,
    }


def test_index_shows_requirements_actually_audited_not_planned_coverage():
    eng = engagement.load(resources.example_engagement())
    report = _audit_report({"coverage": 93.0, "audited_coverage": 57.0})
    html = portfolio.index_html(eng, _manifest([report], ["audit"]))
    assert "57%" in html and "93%" not in html
    assert "Requirements audited" in html


def test_index_carries_the_branding_and_plural_aware_counts():
    eng = engagement.load(resources.example_engagement())
    html = portfolio.index_html(eng, _manifest([_audit_report({})], ["audit"]))
    assert '<img class="ak-logo"' in html
    assert f"Prepared by {eng.meta.branding.name}" in html
    assert "1 report," in html and "report(s)" not in html
