"""Declarative cross-file references: declared on the schemas' columns, checked once by one checker."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from aimskit import engagement
from aimskit.base.problems import WARNING, Problems
from aimskit.engagement.parts import registry
from aimskit.engagement.parts.core import GAP_SCHEMA
from aimskit.engagement.parts.references import REQUIREMENT, SYSTEM, catalog_target
from aimskit.formats.csvschema import Column, Record, Ref, TableSchema, Target, check_references, resolved
from aimskit.ui import reference

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"

SYSTEMS = Ref("systems.csv", "id", "system", code="AK125")
RISKS = Ref("risks.csv", "risk_id", "risk", code="AK331", severity=WARNING)
SCHEMA = TableSchema(
    "things.csv",
    (
        Column("id", "the thing", kind="id"),
        Column("system_id", "its system", refers_to=SYSTEMS.to(blank="the organisation")),
        Column("risk_ids", "its risks", kind="list", refers_to=RISKS),
    ),
)
TARGETS = {
    SYSTEMS: Target({"credit-score": 1, "chat": 2}, where="an id in systems.csv"),
    RISKS: Target({"R-01", "R-02"}, where="a risk_id in risks.csv"),
}


def _record(line: int, **values: object) -> Record:
    return Record(line, dict(values), cells=[], positions=[])


def _targets(ref: Ref) -> Target | None:
    return TARGETS.get(ref.to(blank="", severity=ref.severity))


def test_each_dangling_reference_is_reported_once_where_it_is_with_its_code_and_hint():
    records = [
        _record(2, id="a", system_id="credit-score", risk_ids=["R-01"]),
        _record(3, id="b", system_id="chatt", risk_ids=["R-01", "R-01, R-02", "R-O1"]),
        _record(4, id="c", system_id=None, risk_ids=[]),
    ]
    problems = Problems()
    assert check_references(SCHEMA, records, "things.csv", _targets, problems) == 3
    assert [p.format() for p in problems] == [
        "things.csv:3:system_id: unknown system 'chatt': not an id in systems.csv; did you mean 'chat'? [AK125]",
        "things.csv:3:risk_ids: warning: unknown risk 'R-01, R-02': not a risk_id in risks.csv; "
        "separate several values with ';' ('R-01; R-02') [AK331]",
        "things.csv:3:risk_ids: warning: unknown risk 'R-O1': not a risk_id in risks.csv; did you mean 'R-01'? [AK331]",
    ]


def test_rows_with_a_dangling_error_reference_are_not_counted_warnings_keep_them():
    records = [
        _record(2, id="a", system_id="credit-score", risk_ids=["R-7"]),  # a warning only: kept
        _record(3, id="b", system_id="nope", risk_ids=[]),
        _record(4, id="c", system_id="", risk_ids=[]),  # empty: the organisation
    ]
    assert [r.line for r in resolved(SCHEMA, records, _targets)] == [2, 4]


def test_unknown_targets_are_not_judged():
    records = [_record(2, id="a", system_id="nope", risk_ids=["R-7"])]
    problems = Problems()
    assert check_references(SCHEMA, records, "things.csv", lambda ref: None, problems) == 0
    assert not problems.items
    assert resolved(SCHEMA, records, lambda ref: None) == records


def test_a_missing_file_is_named_as_the_reason():
    audit = Ref("audits.yaml", "id", "audit", code="AK509")
    schema = TableSchema("findings.csv", (Column("audit_id", "the audit", refers_to=audit),))
    problems = Problems()
    target = Target((), missing="audits.yaml is missing")
    check_references(schema, [_record(2, audit_id="IA-1")], "findings.csv", lambda ref: target, problems)
    assert [p.format() for p in problems] == [
        "findings.csv:2:audit_id: unknown audit 'IA-1': audits.yaml is missing [AK509]"
    ]


def test_requirement_catalog_names_headings_and_annex_b_numbers_with_their_own_codes():
    target = catalog_target("iso42001")
    problems = Problems()
    schema = TableSchema("x.csv", (Column("requirement_id", "r", refers_to=REQUIREMENT),))
    rows = [_record(2, requirement_id="6.1"), _record(3, requirement_id="B.7.4"), _record(4, requirement_id="A.3.4")]
    check_references(schema, rows, "x.csv", lambda ref: target, problems)
    assert [(p.line, p.code) for p in problems] == [(2, "AK129"), (3, "AK128"), (4, "AK127")]
    assert "did you mean 'A.3.3'?" in problems.items[2].message


def test_every_system_column_of_every_schema_declares_its_reference():
    schemas = [GAP_SCHEMA, *(s for part in registry.PARTS for s in part.schemas)]
    system_columns = [(s.file, c) for s in schemas for c in s.columns if c.name == "system_id"]
    assert len(system_columns) >= 6
    for file, col in system_columns:
        assert col.refers_to is not None and col.refers_to.code == SYSTEM.code, file
        assert (col.refers_to.blank == "") == col.mandatory, file  # an optional system: empty is the organisation


def test_the_unknown_system_check_is_written_once():
    """AK125 is declared once (the SYSTEM reference); no part writes the check or the code by hand."""
    hits = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "aimskit").rglob("*.py")
        if re.search(r"\bAK125\b", path.read_text(encoding="utf-8"))
    ]
    assert sorted(hits) == [
        "aimskit/base/codes.py",
        "aimskit/engagement/parts/references.py",
        "aimskit/formats/csvschema.py",
    ]
    for path in (ROOT / "aimskit" / "engagement").rglob("*.py"):
        assert "not an id in {SYSTEMS_FILE}" not in path.read_text(encoding="utf-8"), path


def _edit_csv(path: Path, line: int, **cells: str) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = rows[0]
    for name, value in cells.items():
        rows[line - 1][header.index(name)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture
def example(tmp_path: Path) -> Path:
    target = tmp_path / "eng"
    shutil.copytree(EXAMPLE, target)
    return target


def test_dangling_references_of_the_example_files_in_file_order(example):
    _edit_csv(example / "risks.csv", 2, system_id="credit-scor")
    _edit_csv(example / "findings.csv", 2, audit_id="IA-2026-9", requirement_id="B.7.4", system_id="llm")
    got = [p for p in engagement.validate(example) if p.code in ("AK125", "AK128", "AK509")]
    assert [(Path(p.file).name, p.line, p.column, p.code) for p in got] == [
        ("findings.csv", 2, "audit_id", "AK509"),
        ("findings.csv", 2, "requirement_id", "AK128"),
        ("findings.csv", 2, "system_id", "AK125"),
        ("risks.csv", 2, "system_id", "AK125"),
    ]
    assert got[-1].message == "unknown system 'credit-scor': not an id in systems.csv; did you mean 'credit-score'?"


def test_a_rows_reference_problem_comes_after_its_cells_and_before_its_rules(example):
    _edit_csv(example / "gap.csv", 2, requirement_id="6.1.2", system_id="chatt", status="complient")
    got = [(p.column, p.code) for p in engagement.validate(example) if p.file.endswith("gap.csv") and p.line == 2]
    assert got == [("status", "AK104"), ("system_id", "AK125"), ("system_id", "AK210")]


def test_a_risk_of_an_unknown_system_stays_in_the_register_for_the_links_to_it(example):
    _edit_csv(example / "risks.csv", 2, system_id="nope")
    _edit_csv(example / "impacts.csv", 2, risk_ids="R-01")
    read = engagement._read(example)
    assert "R-01" in set(read.parts["risk"].risks["risk_id"])
    assert [(Path(p.file).name, p.line, p.code) for p in read.problems if p.code in ("AK125", "AK331")] == [
        ("risks.csv", 2, "AK125")
    ]
    unknown_risks = [p for p in read.problems if p.code == "AK331"]
    assert unknown_risks == []  # one error on the risk, not one more on each link to it


def test_a_rows_reference_problems_follow_the_order_of_its_columns(example):
    """A dangling reference is reported among its row's problems in the order of the columns."""
    _edit_csv(example / "impacts.csv", 2, severity="9", risk_ids="R-01; R-77", system_id="credit")
    got = [(p.column, p.code) for p in engagement.validate(example) if p.file.endswith("impacts.csv") and p.line == 2]
    assert got == [("system_id", "AK125"), ("severity", "AK115"), ("risk_ids", "AK331")]


def test_the_format_reference_shows_each_reference():
    text = reference.table_markdown(GAP_SCHEMA)
    assert "an `id` in `systems.csv` (else an error, AK125); empty: the organisation" in text
    assert "an id of the `iso42001` catalog (else an error, AK127)" in text


def test_a_catalog_reference_names_the_catalog_and_suggests_near_ids():
    owasp = Ref.catalog("owasp-llm-2025", "OWASP category", code="AK610")
    target = catalog_target("owasp-llm-2025")
    assert "LLM01" in target.known
    problems = Problems()
    schema = TableSchema("x.csv", (Column("owasp", "c", refers_to=owasp),))
    check_references(schema, [_record(2, owasp="LLM011")], "x.csv", lambda ref: target, problems)
    assert [p.format() for p in problems] == [
        "x.csv:2:owasp: unknown OWASP category 'LLM011': not an id of the owasp-llm-2025 catalog; "
        "did you mean 'LLM01'? [AK610]"
    ]
