"""The Excel workbook: export, import, a lossless round trip, errors at their cells, LibreOffice."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from pydantic import BaseModel

openpyxl = pytest.importorskip("openpyxl")

from aimskit import catalog, engagement  # noqa: E402
from aimskit.base import resources  # noqa: E402
from aimskit.engagement import xlsx  # noqa: E402
from aimskit.ui.cli import cli  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
VALID = [*sorted(p for p in FIXTURES.glob("valid-*") if p.is_dir()), FIXTURES / "warnings-only"]


def _norm(value):
    """A comparable form of loaded engagement data (positions in files left out)."""
    if isinstance(value, pd.DataFrame):
        frame = value.drop(columns=[c for c in value.columns if c == "line" or str(c).endswith("_line")])
        return [{k: _norm(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    if isinstance(value, BaseModel):
        return _norm(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _norm(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "files"}
    if isinstance(value, dict):
        return {str(k): _norm(v) for k, v in value.items() if k not in ("line", "position", "positions")}
    if isinstance(value, (list, tuple)):
        return [_norm(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _data(folder: Path):
    eng = engagement.load(folder)
    return {"meta": _norm(eng.meta), "systems": _norm(eng.systems), "gap": _norm(eng.gap), "parts": _norm(eng.parts)}


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _fresh_import(book: Path, source: Path, dest: Path, force: bool = False) -> xlsx.ImportResult:
    """Import into a copy of ``source`` without the files the workbook holds (evidence files, the logo stay)."""
    shutil.copytree(source, dest)
    info = openpyxl.load_workbook(book)[xlsx.INFO_SHEET]
    for row in info.iter_rows(min_row=2, values_only=True):
        if row[1] and (dest / row[1]).is_file():
            (dest / row[1]).unlink()
    return xlsx.import_xlsx(book, dest, force=force)


def _sheet(book: Path, title: str):
    return openpyxl.load_workbook(book)[title]


def _find_row(ws, column: int, value: str) -> int:
    for row in ws.iter_rows(min_row=2):
        if row[column - 1].value == value:
            return row[0].row
    raise AssertionError(f"{value} not found")


def _col(ws, name: str) -> int:
    for cell in ws[1]:
        if cell.value == name:
            return cell.column
    raise AssertionError(name)


@pytest.mark.parametrize("source", [resources.example_engagement(), *VALID], ids=lambda p: Path(p).name)
def test_round_trip_is_lossless(tmp_path, source):
    book = tmp_path / "book.xlsx"
    xlsx.export_xlsx(source, book)
    result = _fresh_import(book, Path(source), tmp_path / "back")
    assert not result.errors, [str(p) for p in result.errors]
    assert result.written
    assert _data(tmp_path / "back") == _data(Path(source))
    # importing into the folder it came from changes nothing at all
    copy = tmp_path / "copy"
    shutil.copytree(source, copy)
    before = _hashes(copy)
    again = xlsx.import_xlsx(book, copy)
    assert not again.errors and not again.written
    assert _hashes(copy) == before


def test_workbook_shape(tmp_path):
    book = tmp_path / "book.xlsx"
    sheets = dict(xlsx.export_xlsx(resources.example_engagement(), book))
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[0] == xlsx.COVER_SHEET
    assert wb[xlsx.INFO_SHEET].sheet_state == "hidden"
    # one sheet per engagement file, found from the declarations
    for schema in xlsx.csv_schemas():
        assert schema.file in sheets.values()
    assert {"engagement.yaml", "audits.yaml", "reviews.yaml", "systems/credit-score.yaml"} <= set(sheets.values())
    gap = wb["gap"]
    assert gap.freeze_panes == "B2"
    ids = {gap.cell(row=r, column=1).value for r in range(2, gap.max_row + 1)}
    requirements = set(catalog.load("iso42001")["id"])
    assert len(requirements) == 70 and requirements <= ids
    soa = wb["soa"]
    controls = set(catalog.load("iso42001").query("kind == 'control'")["id"])
    assert len(controls) == 38 and controls <= {soa.cell(row=r, column=1).value for r in range(2, soa.max_row + 1)}
    # dropdowns: statuses and maturity from the schema, likelihood from the engagement's own scale
    formulas = {str(dv.sqref).split(":")[0][:1]: dv for dv in gap.data_validations.dataValidation if dv.type == "list"}
    status_col = openpyxl.utils.get_column_letter(_col(gap, "status"))
    assert "partially_compliant" in formulas[status_col].formula1
    assert formulas[openpyxl.utils.get_column_letter(_col(gap, "maturity"))].formula1 == '"0,1,2,3,4,5"'
    prompts = [dv.prompt for dv in gap.data_validations.dataValidation if dv.prompt]
    assert any("assessment result" in p for p in prompts)
    risks = wb["risks"]
    lik = openpyxl.utils.get_column_letter(_col(risks, "likelihood"))
    lists = [dv.formula1 for dv in risks.data_validations.dataValidation if str(dv.sqref).startswith(lik + "2")]
    assert lists == ['"1,2,3,4,5"']
    # a system profile lists every screening question, with its wording
    profile = wb["profile credit-score"]
    keys = {profile.cell(row=r, column=1).value for r in range(2, profile.max_row + 1)}
    questions = catalog.load("eu-ai-act")["id"]
    tops = {"/".join(k.split("/")[:2]) for k in keys if k}
    assert {f"screening/{q}" for q in questions} <= tops
    # an out-of-scope system needs no profile; an in-scope one without a profile gets an empty form
    assert "profile affordability-legacy" not in wb.sheetnames
    xlsx.export_xlsx(FIXTURES / "valid-minimal", tmp_path / "minimal.xlsx")
    minimal = openpyxl.load_workbook(tmp_path / "minimal.xlsx")
    blank = minimal["profile chat"]
    keys = [blank.cell(row=r, column=1).value for r in range(2, blank.max_row + 1)]
    assert "screening/art5.a" in keys and "intended_purpose" in keys
    assert all(not blank.cell(row=r, column=2).value for r in range(2, blank.max_row + 1))
    # system ids in other sheets come from the systems sheet's id column
    impacts = wb["impacts"]
    sid = openpyxl.utils.get_column_letter(_col(impacts, "system_id"))
    refs = [dv.formula1 for dv in impacts.data_validations.dataValidation if str(dv.sqref).startswith(sid + "2")]
    assert refs and refs[0].startswith("'systems'!$A$2:$A$")


def test_mangled_values_survive(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "valid-minimal", src)
    systems = (src / "systems.csv").read_text(encoding="utf-8").splitlines()
    header = systems[0].split(",")
    assert header[-1] == "notes"
    tricky = {
        "zeros": "007",
        "long": "123456789012345678901234",
        "version": "1.10",
        "date": "2026-01-02",
        "bool": "TRUE",
        "multi": "first line\nsecond line, with a comma",
        "uni": "Zürich — 東京 🙂 naïve",
        "formula": '=HYPERLINK("http://evil.example","x")',
        "negative": "-2",
    }
    rows = list(systems)
    for i, (sid, note) in enumerate(tricky.items()):
        quoted = '"' + note.replace('"', '""') + '"'
        rows.append(f"s{i}-{sid},Name {i},Owner,Purpose,predictive_ml,deployment,Internal,minimal,no,{quoted}")
    (src / "systems.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    meta = (src / "engagement.yaml").read_text(encoding="utf-8")
    meta = meta.replace("name: Minimal Test Org", 'name: "Ünïcødé 007 Org: yes"\n  sector: "1.10"\n  country: "no"')
    (src / "engagement.yaml").write_text(meta, encoding="utf-8")
    assert not [p for p in engagement.validate(src) if p.severity == "error"]
    book = tmp_path / "book.xlsx"
    xlsx.export_xlsx(src, book)
    ws = _sheet(book, "systems")
    notes = _col(ws, "notes")
    for row in range(2, ws.max_row + 1):
        cell = ws.cell(row=row, column=notes)
        assert cell.number_format == "@"
        if cell.value:
            assert cell.data_type in ("s", "inlineStr")  # text, never a formula
    formula_cell = ws.cell(row=_find_row(ws, 1, "s7-formula"), column=notes)
    assert ws.cell(row=_find_row(ws, 1, "s0-zeros"), column=notes).value == "007"
    assert formula_cell.quotePrefix and formula_cell.value == tricky["formula"]
    result = _fresh_import(book, src, tmp_path / "back")
    assert not result.errors, [str(p) for p in result.errors]
    back = engagement.load(tmp_path / "back")
    notes_of = dict(zip(back.systems["id"], back.systems["notes"], strict=True))
    assert {k: v for k, v in notes_of.items() if k.startswith("s") and "-" in k} == {
        f"s{i}-{k}": v for i, (k, v) in enumerate(tricky.items())
    }
    assert back.meta.organisation.name == "Ünïcødé 007 Org: yes"
    assert (back.meta.organisation.sector, back.meta.organisation.country) == ("1.10", "no")
    assert _data(tmp_path / "back") == _data(src)


def test_yaml_cells():
    for value in [
        "yes",
        "1.10",
        "007",
        "2026-01-02",
        "a: b",
        "# not a comment",
        "- item",
        "plain text",
        "",
        " x ",
        "Prices #1",
        "'quoted'",
        "[unclosed",
        "null",
        "{a: 1}",
    ]:
        assert xlsx.cell_value(xlsx.value_text(value)) == value, value
    assert xlsx.cell_value("yes") is True
    assert xlsx.cell_value("2026-01-02").isoformat() == "2026-01-02"
    assert xlsx.cell_value("[]") == []
    assert xlsx.cell_value("line 1\nline 2") == "line 1\nline 2"
    assert xlsx.value_text(True) == "yes"
    # what a person types: text stays text unless it is a yes/no, number, date, null or list
    assert xlsx.cell_value("Banking: consumer credit") == "Banking: consumer credit"
    assert xlsx.cell_value("Prices in GBP #1") == "Prices in GBP #1"
    assert xlsx.cell_value("# a note") == "# a note"
    assert xlsx.cell_value("- item") == "- item"
    assert xlsx.cell_value("null") is None
    assert xlsx.cell_value("[5(b)]") == ["5(b)"]


def test_errors_are_reported_at_their_cells_and_nothing_is_written(tmp_path):
    folder = tmp_path / "eng"
    shutil.copytree(resources.example_engagement(), folder)
    book = tmp_path / "BOOK.xlsx"
    xlsx.export_xlsx(folder, book)
    wb = openpyxl.load_workbook(book)
    gap = wb["gap"]
    row = _find_row(gap, 1, "4.1")
    gap.cell(row=row, column=_col(gap, "status")).value = "bogus"
    gap.cell(row=row + 1, column=_col(gap, "maturity")).value = "9"
    meta = wb["engagement"]
    date_row = _find_row(meta, 1, "assessment_date")
    meta.cell(row=date_row, column=2).value = "next week"
    systems = wb["systems"]
    systems.cell(row=3, column=_col(systems, "notes")).value = "=1+1"  # a formula typed into a cell
    wb.save(book)
    before = _hashes(folder)
    result = xlsx.import_xlsx(book, folder)
    shown = [str(p) for p in result.errors]
    status_letter = openpyxl.utils.get_column_letter(_col(gap, "status"))
    maturity_letter = openpyxl.utils.get_column_letter(_col(gap, "maturity"))
    notes_letter = openpyxl.utils.get_column_letter(_col(systems, "notes"))
    assert any(s.startswith(f"BOOK.xlsx:gap!{status_letter}{row}: 'bogus'") for s in shown), shown
    assert any(s.startswith(f"BOOK.xlsx:gap!{maturity_letter}{row + 1}: 9 is outside") for s in shown), shown
    assert any(s.startswith(f"BOOK.xlsx:engagement!B{date_row}:") for s in shown), shown
    assert any(s.startswith(f"BOOK.xlsx:systems!{notes_letter}3: a formula") for s in shown), shown
    assert not result.written and result.backup is None
    assert _hashes(folder) == before
    # told to, it writes despite the errors (and keeps the previous versions)
    forced = xlsx.import_xlsx(book, folder, force=True)
    assert forced.written and forced.backup is not None
    assert (forced.backup / "gap.csv").read_bytes() == (resources.example_engagement() / "gap.csv").read_bytes()


def test_edit_import_keeps_a_backup(tmp_path):
    folder = tmp_path / "eng"
    shutil.copytree(resources.example_engagement(), folder)
    book = tmp_path / "book.xlsx"
    xlsx.export_xlsx(folder, book)
    wb = openpyxl.load_workbook(book)
    gap = wb["gap"]
    row = _find_row(gap, 1, "4.1")
    gap.cell(row=row, column=_col(gap, "status")).value = "compliant"
    gap.cell(row=row, column=_col(gap, "owner")).value = "@SUM(1+1) Jane"
    meta = wb["engagement"]
    meta.cell(row=_find_row(meta, 1, "organisation/sector"), column=2).value = "Banking"
    wb.save(book)
    original_gap = (folder / "gap.csv").read_bytes()
    result = xlsx.import_xlsx(book, folder)
    assert not result.errors, [str(p) for p in result.errors]
    assert {p.name for p in result.written} == {"gap.csv", "engagement.yaml"}
    assert (result.backup / "gap.csv").read_bytes() == original_gap
    assert result.backup.parent.name == xlsx.BACKUP_DIR
    eng = engagement.load(folder)
    got = eng.gap[(eng.gap["requirement_id"] == "4.1") & eng.gap["system_id"].isna()].iloc[0]
    assert got["status"] == "compliant" and got["owner"] == "@SUM(1+1) Jane"
    assert eng.meta.organisation.sector == "Banking"
    # the files the import did not change keep their comments
    assert (folder / "risks.csv").read_bytes() == (resources.example_engagement() / "risks.csv").read_bytes()


def test_filling_a_prelisted_row_and_a_blank_slot(tmp_path):
    folder = tmp_path / "eng"
    shutil.copytree(FIXTURES / "valid-minimal", folder)
    book = tmp_path / "book.xlsx"
    xlsx.export_xlsx(folder, book)
    wb = openpyxl.load_workbook(book)
    gap = wb["gap"]
    existing = set(engagement.load(folder).gap["requirement_id"])
    target = next(r for r in catalog.load("iso42001")["id"] if r not in existing)
    row = _find_row(gap, 1, target)
    gap.cell(row=row, column=_col(gap, "status")).value = "non_compliant"
    gap.cell(row=row, column=_col(gap, "maturity")).value = 1  # typed as a number
    meta = wb["engagement"]
    slot = _find_row(meta, 1, "assessors/[2]/name")
    meta.cell(row=slot, column=2).value = "B. Second"
    wb.save(book)
    result = xlsx.import_xlsx(book, folder)
    assert not result.errors, [str(p) for p in result.errors]
    eng = engagement.load(folder)
    assert target in set(eng.gap["requirement_id"])
    assert len(eng.gap) == len(existing) + 1  # the other pre-listed rows were left empty and are not imported
    assert [a.name for a in eng.meta.assessors][-1] == "B. Second"


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def test_libreoffice_saved_workbook_imports(tmp_path):
    soffice = _soffice()
    if soffice is None:
        if os.environ.get("AIMSKIT_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("AIMSKIT_REQUIRE_LIBREOFFICE=1 but soffice is not installed")
        pytest.skip("LibreOffice (soffice) is not installed")
    source = resources.example_engagement()
    book = tmp_path / "book.xlsx"
    xlsx.export_xlsx(source, book)
    wb = openpyxl.load_workbook(book)
    gap = wb["gap"]
    row = _find_row(gap, 1, "4.1")
    gap.cell(row=row, column=_col(gap, "owner")).value = "Édith Ø'Brien"
    wb.save(book)
    out = tmp_path / "lo"
    out.mkdir()
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    saved = out / "book.xlsx"
    assert saved.is_file()
    result = _fresh_import(saved, source, tmp_path / "back")
    assert not result.errors, [str(p) for p in result.errors]
    got = _data(tmp_path / "back")
    want = _data(source)
    edited = [r for r in got["gap"] if r["requirement_id"] == "4.1" and r["system_id"] is None]
    assert edited[0]["owner"] == "Édith Ø'Brien"
    for r in want["gap"]:
        if r["requirement_id"] == "4.1" and r["system_id"] is None:
            r["owner"] = "Édith Ø'Brien"
    assert got == want


def test_cli(tmp_path):
    folder = tmp_path / "eng"
    shutil.copytree(resources.example_engagement(), folder)
    runner = CliRunner()
    book = tmp_path / "b.xlsx"
    res = runner.invoke(cli, ["export", "xlsx", str(folder), str(book)])
    assert res.exit_code == 0, res.output
    assert book.is_file()
    res = runner.invoke(cli, ["import", "xlsx", str(book), str(folder)])
    assert res.exit_code == 0, res.output
    assert "unchanged" in res.output
    wb = openpyxl.load_workbook(book)
    gap = wb["gap"]
    gap.cell(row=2, column=_col(gap, "status")).value = "nope"
    wb.save(book)
    res = runner.invoke(cli, ["import", "xlsx", str(book), str(folder)])
    assert res.exit_code == 1
    assert "b.xlsx:gap!" in res.output and "nothing was written" in res.output
    res = runner.invoke(cli, ["import", "xlsx", str(tmp_path / "missing.xlsx"), str(folder)])
    assert res.exit_code == 1 and "Traceback" not in res.output


def test_init_full_lists_every_requirement_unanswered(tmp_path):
    from aimskit.engagement.scaffold import init_engagement

    folder = tmp_path / "full"
    init_engagement(folder, full=True)
    text = (folder / "gap.csv").read_text(encoding="utf-8")
    rows = [line.split(",")[0] for line in text.splitlines() if line and not line.startswith(("#", "requirement_id"))]
    assert rows == list(catalog.load("iso42001")["id"]) and len(rows) == 70
    soa = (folder / "soa.csv").read_text(encoding="utf-8")
    controls = [line.split(",")[0] for line in soa.splitlines() if line.startswith("A.")]
    assert len(controls) == 38
    assert not [p for p in engagement.validate(folder) if p.severity == "error"]
    eng = engagement.load(folder)
    assert eng.gap.empty  # nothing counts as answered
    # the screening answers of the profile template are unanswered, not "no"
    profile = (folder / "systems" / "_example.yaml").read_text(encoding="utf-8")
    assert "art5.a:  #" in profile and "art5.a: no" not in profile
    # an answered row is read; the others still are not
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("4.1,"))
    lines[at] = "4.1,,compliant,3,Context register v2,COO,,"
    (folder / "gap.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    eng = engagement.load(folder)
    assert list(eng.gap["requirement_id"]) == ["4.1"]


def _uno_python() -> str | None:
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if candidate and subprocess.run([candidate, "-c", "import uno"], capture_output=True).returncode == 0:
            return candidate
    return None


def test_workbook_edited_in_libreoffice_imports(tmp_path):
    """Cells typed in LibreOffice (text and a number), saved by LibreOffice as .xlsx, then imported."""
    soffice, python = _soffice(), _uno_python()
    if soffice is None or python is None:
        if os.environ.get("AIMSKIT_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("AIMSKIT_REQUIRE_LIBREOFFICE=1 but soffice or its Python module uno is missing")
        pytest.skip("LibreOffice (soffice with python3-uno) is not installed")
    folder = tmp_path / "eng"
    shutil.copytree(resources.example_engagement(), folder)
    book = tmp_path / "book.xlsx"
    xlsx.export_xlsx(folder, book)
    gap = _sheet(book, "gap")
    row = _find_row(gap, 1, "6.3")
    letter = openpyxl.utils.get_column_letter
    status, maturity, owner = (letter(_col(gap, n)) for n in ("status", "maturity", "owner"))
    meta = _sheet(book, "engagement")
    sector_row = _find_row(meta, 1, "organisation/sector")
    edits = [
        ["gap", f"{status}{row}", "text", "partially_compliant"],
        ["gap", f"{maturity}{row}", "number", "2"],
        ["gap", f"{owner}{row}", "text", "Zoë Ødegård (Head of Change)"],
        ["engagement", f"B{sector_row}", "text", "Banking: consumer credit"],
    ]
    saved = tmp_path / "edited.xlsx"
    helper = Path(__file__).parent / "helpers" / "lo_edit.py"
    import json

    subprocess.run(
        [python, str(helper), soffice, str(tmp_path / "lo-profile"), str(book), str(saved), json.dumps(edits)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = xlsx.import_xlsx(saved, folder)
    assert not result.errors, [str(p) for p in result.errors]
    assert {p.name for p in result.written} == {"gap.csv", "engagement.yaml"}
    eng = engagement.load(folder)
    got = eng.gap[(eng.gap["requirement_id"] == "6.3") & eng.gap["system_id"].isna()].iloc[0]
    assert (got["status"], got["maturity"], got["owner"]) == ("partially_compliant", 2, "Zoë Ødegård (Head of Change)")
    assert eng.meta.organisation.sector == "Banking: consumer credit"
    # everything else loads as before
    want = _data(resources.example_engagement())
    have = _data(folder)
    for r in want["gap"]:
        if r["requirement_id"] == "6.3" and r["system_id"] is None:
            r.update(status="partially_compliant", maturity=2, owner="Zoë Ødegård (Head of Change)")
    want["meta"]["organisation"]["sector"] = "Banking: consumer credit"
    assert have == want


def test_hostile_or_foreign_workbooks_are_refused(tmp_path):
    folder = tmp_path / "eng"
    shutil.copytree(FIXTURES / "valid-minimal", folder)
    before = _hashes(folder)
    not_a_book = tmp_path / "x.xlsx"
    not_a_book.write_text("id,name\n", encoding="utf-8")
    with pytest.raises(xlsx.XlsxError, match=r"cannot be read as an \.xlsx workbook"):
        xlsx.import_xlsx(not_a_book, folder)
    foreign = tmp_path / "foreign.xlsx"
    openpyxl.Workbook().save(foreign)
    with pytest.raises(xlsx.XlsxError, match="not a workbook written by"):
        xlsx.import_xlsx(foreign, folder)
    # a sheet mapped to a path outside the engagement, and a renamed sheet
    book = tmp_path / "book.xlsx"
    xlsx.export_xlsx(folder, book)
    wb = openpyxl.load_workbook(book)
    info = wb[xlsx.INFO_SHEET]
    info.cell(row=2, column=2).value = "../../outside.yaml"
    wb["gap"].title = "my gap"
    wb.save(book)
    result = xlsx.import_xlsx(book, folder)
    shown = [str(p) for p in result.errors]
    assert any("'../../outside.yaml' is not an engagement file name" in s for s in shown), shown
    assert any("the sheet 'gap' for gap.csv is missing" in s for s in shown), shown
    assert not (tmp_path / "outside.yaml").exists() and not result.written
    assert _hashes(folder) == before
    res = CliRunner().invoke(cli, ["import", "xlsx", str(not_a_book), str(folder)])
    assert res.exit_code == 1 and "cannot be read" in res.output and "Traceback" not in res.output
