"""The audit and review notebooks end to end, through the same code path as ``aimskit run``."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from aimskit import batch, engagement
from aimskit.base import resources
from aimskit.steps import audit, review

PAYLOAD = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return batch.run(None, steps=["audit", "review"], out=tmp_path_factory.mktemp("run") / "out")


def test_plan_has_one_report_per_audit_and_review():
    eng = engagement.load(resources.example_engagement())
    assert [j.name for j in batch.plan(eng, ["audit", "review"])] == [
        "audit/organisation",
        "audit/audit-IA-2026-01",
        "audit/audit-IA-2027-01",
        "review/organisation",
        "review/review-MR-2026-01",
    ]


def test_both_reports_render_with_the_checklist(run):
    assert run.ok, [r.error for r in run.reports]
    out = run.out
    for r in run.reports:
        for kind in ("ipynb", "html", "json"):
            assert (out / r.files[kind]).is_file()
    sheet = out / "audit" / "audit-IA-2026-01-checklist.csv"
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    scoped = engagement.load(resources.example_engagement()).parts["audit"].audits.set_index("id")
    assert [r["requirement_id"] for r in rows] == scoped.loc["IA-2026-01", "requirements"]
    assert (out / "audit" / "audit-IA-2027-01-checklist.csv").is_file()
    assert not (out / "audit" / "organisation-checklist.csv").exists()
    by_name = {r.name: r for r in run.reports}
    assert by_name["audit/audit-IA-2026-01"].files["checklist_csv"] == "audit/audit-IA-2026-01-checklist.csv"
    assert "checklist_csv" not in by_name["audit/organisation"].files


def test_results_match_the_library(run):
    eng = engagement.load(resources.example_engagement())
    data = json.loads((run.out / "audit" / "organisation.json").read_text(encoding="utf-8"))
    assert data["headline"] == json.loads(json.dumps(audit.assess(eng).to_json()["headline"]))
    data = json.loads((run.out / "review" / "organisation.json").read_text(encoding="utf-8"))
    assert data["headline"] == json.loads(json.dumps(review.assess(eng).to_json()["headline"]))
    assert data["risks"] is None or isinstance(data["risks"], list)


def test_audit_html_sections_and_charts(run):
    html = (run.out / "audit" / "organisation.html").read_text(encoding="utf-8")
    for heading in (
        "Executive summary",
        "Coverage",
        "Auditor independence",
        "Overdue items",
        "corrective-action trail",
        "Appendix: method",
    ):
        assert heading in html
    assert html.count('id="ak-fig-') == 2  # coverage heat map, findings by clause and grade
    assert "engagement.load(" not in html and "engagement_path" not in html
    one = (run.out / "audit" / "audit-IA-2026-01.html").read_text(encoding="utf-8")
    assert 'href="audit-IA-2026-01-checklist.csv"' in one


def test_review_html_sections(run):
    html = (run.out / "review" / "organisation.html").read_text(encoding="utf-8")
    for heading in (
        "Input pack for the next management review",
        "a) Status of actions",
        "b) Changes in external",
        "d) Performance",
        "e) Opportunities",
        "Risk and impact picture",
        "Open items",
    ):
        assert heading in html
    one = (run.out / "review" / "review-MR-2026-01.html").read_text(encoding="utf-8")
    assert "Hold a pilot internal audit" in one  # a decision recorded


def test_user_text_in_findings_is_escaped(tmp_path):
    target = tmp_path / "eng"
    shutil.copytree(resources.example_engagement(), target)
    path = target / "findings.csv"
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("Unknown", "x")
        .replace("No competence requirements", PAYLOAD.replace("'", "")),
        encoding="utf-8",
    )
    result = batch.run(target, steps=["audit"], out=tmp_path / "out")
    assert result.ok
    html = (tmp_path / "out" / "audit" / "organisation.html").read_text(encoding="utf-8")
    assert "<script>alert(x)" not in html and "&lt;script&gt;alert(x)" in html
