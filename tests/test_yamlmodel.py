"""One YAML style: identifiers kept exactly as written (YAML implicit typing undone or refused),
and the annotated types of aimskit.formats.yamlmodel with their own messages at their positions."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from aimskit import engagement
from aimskit.base.problems import Problems
from aimskit.formats.yamlio import as_written, load_yaml

FIXTURE = Path(__file__).parent / "fixtures" / "invalid" / "yaml-ids"

# forms that YAML 1.1 reads as a number although they are written differently
KEPT = ["001", "007", "0x1A", "0b11", "12_000", "6.10", "1_0.5", "1", "2026", "9.1"]
REFUSED = {
    "2027:01": "':' is not allowed",  # sexagesimal: 121621
    "1:30": "':' is not allowed",
    ".inf": "starting with a letter or digit",
    "-0": "starting with a letter or digit",
    "+3": "'+' is not allowed",
    "yes": "found yes/no",
    "off": "found yes/no",
    "~": "'id' is empty",
}

AUDIT = """  - id: {id}
    start: 2026-05-01
    end: 2026-05-10
    status: done
    lead_auditor: Jo Bloggs
    scope:
      clauses: ["9"]
"""


def _folder(tmp_path: Path, audits: str | None = None, reviews: str | None = None) -> Path:
    folder = tmp_path / "eng"
    shutil.copytree(FIXTURE, folder)
    (folder / "findings.csv").write_text((folder / "findings.csv").read_text().splitlines()[0] + "\n")
    if audits is not None:
        (folder / "audits.yaml").write_text(audits, encoding="utf-8")
    if reviews is not None:
        (folder / "reviews.yaml").write_text(reviews, encoding="utf-8")
    return folder


@pytest.mark.parametrize("text", [*KEPT, "2027:01", "+3", "-0", ".inf", "0o17", "1e3"])
def test_loader_records_the_source_text_of_every_scalar_read_as_a_number(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(f"a: {text}\nb: [{text}]\n", encoding="utf-8")
    doc = load_yaml(path, "x.yaml", Problems())
    assert doc is not None
    assert as_written(doc.data["a"]) == text
    assert as_written(doc.data["b"][0]) == text
    # the value stays the number YAML read, and survives a round trip through pickle (batch workers)
    back = pickle.loads(pickle.dumps(doc.data))
    assert back == doc.data and as_written(back["a"]) == text


@pytest.mark.parametrize("text", KEPT)
def test_an_audit_id_is_kept_exactly_as_written(tmp_path, text):
    folder = _folder(tmp_path, audits="audits:\n" + AUDIT.format(id=text), reviews="reviews: []\n")
    eng = engagement.load(folder)
    assert eng.parts["audit"].audit_ids == [text]
    assert type(eng.parts["audit"].audit_ids[0]) is str


@pytest.mark.parametrize(("text", "reason"), REFUSED.items())
def test_an_id_that_cannot_be_kept_is_refused_with_the_reason_at_its_position(tmp_path, text, reason):
    folder = _folder(tmp_path, audits="audits:\n" + AUDIT.format(id=text), reviews="reviews: []\n")
    problems = [p for p in engagement.validate(folder) if p.file.endswith("audits.yaml")]
    assert len(problems) == 1, problems
    assert (problems[0].line, problems[0].column) == (2, "9")
    assert reason in problems[0].message


def test_two_ids_that_yaml_would_read_as_the_same_number_stay_two_ids(tmp_path):
    audits = "audits:\n" + AUDIT.format(id="001") + AUDIT.format(id="1") + AUDIT.format(id="0x1")
    folder = _folder(tmp_path, audits=audits, reviews="reviews: []\n")
    assert engagement.load(folder).parts["audit"].audit_ids == ["001", "1", "0x1"]


def test_review_action_and_scope_ids_are_kept_as_written(tmp_path):
    folder = _folder(tmp_path)
    (folder / "audits.yaml").write_text(
        (folder / "audits.yaml").read_text().split("  - id: 2027:01")[0], encoding="utf-8"
    )
    (folder / "findings.csv").write_text(
        (FIXTURE / "findings.csv").read_text().replace("F-03,26,", "F-03,0x1A,"), encoding="utf-8"
    )
    reviews = (FIXTURE / "reviews.yaml").read_text().replace("id: on", "id: '1.100'")
    (folder / "reviews.yaml").write_text(reviews, encoding="utf-8")
    eng = engagement.load(folder)
    data = eng.parts["audit"]
    assert data.audit_ids == ["001", "0x1A"]
    assert data.audits.iloc[0]["systems"] == ["007"]  # systems.csv id 007, written unquoted
    assert data.audits.iloc[0]["clauses"] == ["9.1", "10.2"]
    assert data.review_ids == ["12_000"]
    assert list(data.actions["id"]) == ["1.10", "1.100", "1.1"]
    assert list(data.findings["audit_id"]) == ["001", "0x1A", "0x1A"]


def test_the_yaml_ids_fixture_finds_only_what_cannot_be_kept():
    text = (FIXTURE / "expected.txt").read_text(encoding="utf-8")
    assert "unknown audit '001'" not in text and "unknown audit '0x1A'" not in text
    assert "unknown system" not in text and "duplicate action id" not in text


def test_a_band_id_in_engagement_yaml_is_quoted_as_written(tmp_path):
    folder = _folder(tmp_path, audits="audits: []\n", reviews="reviews: []\n")
    meta = (folder / "engagement.yaml").read_text()
    meta += "risk_criteria:\n  appetite: low\n  bands:\n    - {id: 001, label: Low, min: 1, max: 25}\n"
    (folder / "engagement.yaml").write_text(meta, encoding="utf-8")
    messages = [p.message for p in engagement.validate(folder) if p.file.endswith("engagement.yaml")]
    assert any("'001' is not a valid risk_criteria.bands[0].id" in m for m in messages), messages


def test_a_choice_that_differs_in_case_is_read_with_a_warning_and_kept_as_plain_text(tmp_path):
    audits = "audits:\n" + AUDIT.format(id="IA-1").replace("status: done", "status: Done")
    folder = _folder(tmp_path, audits=audits, reviews="reviews: []\n")
    eng = engagement.load(folder)
    status = eng.parts["audit"].audits.iloc[0]["status"]
    assert status == "done" and type(status) is str
    assert [(w.line, w.message) for w in eng.warnings if w.file.endswith("audits.yaml")] == [
        (5, "'Done' was read as 'done'; write 'done'")
    ]


def test_a_field_in_error_does_not_hide_the_checks_of_the_others(tmp_path):
    audits = "audits:\n" + AUDIT.format(id="IA-1").replace("status: done", "status: {a: 1}").replace(
        "end: 2026-05-10", "end: 2026-04-01"
    )
    folder = _folder(tmp_path, audits=audits, reviews="reviews: []\n")
    messages = [(p.line, p.message) for p in engagement.validate(folder) if p.file.endswith("audits.yaml")]
    assert messages == [
        (4, "audit 'IA-1' ends (2026-04-01) before it starts (2026-05-01)"),
        (5, "expected text for 'status', found a mapping"),
    ]


def test_quoted_iso_dates_are_dates_and_impossible_ones_are_refused(tmp_path):
    audits = "audits:\n" + AUDIT.format(id="IA-1").replace("start: 2026-05-01", "start: '2026-05-01'").replace(
        "end: 2026-05-10", "end: 2026-02-30"
    )
    folder = _folder(tmp_path, audits=audits, reviews="reviews: []\n")
    messages = [(p.line, p.message) for p in engagement.validate(folder) if p.file.endswith("audits.yaml")]
    assert messages == [(4, "end must be a date in the form YYYY-MM-DD, found '2026-02-30'")]
