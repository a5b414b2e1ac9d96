"""Report blocks (aimskit.present.blocks): the HTML they render is the HTML the report helpers and
views wrote before blocks existed; they carry their data to the executed notebook; Word is built
from them (column widths from the columns' roles, no text of its own, no HTML parsed)."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import json
import re
import typing
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from aimskit import batch, engagement
from aimskit.base import resources
from aimskit.engagement import Engagement
from aimskit.present import blocks, report
from aimskit.steps import registry
from aimskit.steps.audit import view as audit_view
from aimskit.steps.readiness import view as readiness_view
from aimskit.steps.review import view as review_view

# Crafted inputs: every cell kind, user text with markup, empty and missing values.
TABLE = pd.DataFrame(
    [
        {
            "id": "A.2.2",
            "title": "<script>x</script> & co",
            "status": "non_compliant",
            "level": ("High", "#C62828"),
            "n": 3,
            "pct": 55.4,
            "ok": True,
            "late": True,
            "due": dt.date(2026, 3, 1),
            "ev": ["doc 1", "doc <2>"],
            "run": ("RT-1", "../security/x.html"),
            "notes": ["a", "b"],
        },
        {
            "id": "A.3",
            "title": None,
            "status": "",
            "level": None,
            "n": float("nan"),
            "pct": None,
            "ok": None,
            "late": False,
            "due": None,
            "ev": [],
            "run": "",
            "notes": "=1+1",
        },
    ]
)
COLUMNS = {
    "id": "ID",
    "title": "Title",
    "status": ("Status", "badge"),
    "level": ("Level", "level"),
    "n": ("N", "num"),
    "pct": ("Share", "pct"),
    "ok": ("OK", "bool"),
    "late": ("Overdue", "overdue"),
    "due": ("Due", "date"),
    "ev": ("Evidence", "list"),
    "run": ("Run", "link"),
    "notes": "Notes",
}
REC = {
    "finding_id": "F-01",
    "requirement_id": "6.1.2",
    "system_id": "llm-assist",
    "statement": "A <b> statement",
    "evidence": ["doc 1", "doc 2"],
    "raised": dt.date(2026, 1, 2),
    "root_cause": None,
    "correction": "fix",
    "corrective_action": "",
    "owner": "Ann & Bo",
    "due_date": dt.date(2026, 2, 1),
    "effectiveness": "not_effective",
    "verified_by": "Cy",
    "verified_on": dt.date(2026, 3, 1),
    "closure_date": None,
    "recurrence_of": "F-00",
    "recurred_as": ["F-09"],
    "flags": ["overdue", "not_effective"],
    "grade": "major_nonconformity",
    "status": "in_progress",
}
BLOCKERS = pd.DataFrame(
    [
        {
            "step": "gap",
            "title": "Clause <NC>",
            "subject": "4.1",
            "link": "../gap/organisation.html#x",
            "message": "m1",
            "severity_1": "major",
            "severity_2": "major",
            "due": dt.date(2026, 5, 1),
        },
        {
            "step": "gap",
            "title": "Other",
            "subject": "5.2",
            "link": "../gap/organisation.html",
            "message": "m2",
            "severity_1": "minor",
            "severity_2": "major",
            "due": None,
        },
        {
            "step": "readiness",
            "title": "Own",
            "subject": "docs",
            "link": "",
            "message": "m3",
            "severity_1": "minor",
            "severity_2": "minor",
            "due": None,
        },
    ]
)
ACTIONS = pd.DataFrame(
    [
        {
            "review_id": "MR-1",
            "id": "A1",
            "kind_label": "Action",
            "description": "Do <it>",
            "owner": "Ann",
            "due": dt.date(2026, 1, 1),
            "status": "open",
            "completed_on": None,
            "overdue": True,
            "days_overdue": 5,
        }
    ]
)

# The HTML these inputs gave before blocks (report.table/kpis/bullets/note/definitions returned
# report.HTML strings; the audit trail, the readiness blockers and the review decisions were written
# as HTML by hand), with the one intended change: class='nowrap' written class="nowrap".
EXPECTED_HTML = {
    "table": (
        '<div class="ak-report ak-wide"><table class="ak-table"><thead><tr><th>ID</th><th>Title</th><th>S'
        'tatus</th><th>Level</th><th class="num">N</th><th class="num">Share</th><th>OK</th><th>Overdue</'
        "th><th>Due</th><th>Evidence</th><th>Run</th><th>Notes</th></tr></thead><tbody><tr><td>A.2.2</td>"
        '<td>&lt;script&gt;x&lt;/script&gt; &amp; co</td><td class="nowrap"><span class="ak-badge ak-non_'
        'compliant">non compliant</span></td><td class="nowrap"><span class="ak-badge" style="background:'
        '#C62828">High</span></td><td class="num">3.0</td><td class="num">55%</td><td class="nowrap">yes<'
        '/td><td class="nowrap"><span class="ak-overdue">overdue</span></td><td class="nowrap">2026-03-01'
        '</td><td><ul class="ak-list"><li>doc 1</li><li>doc &lt;2&gt;</li></ul></td><td class="nowrap"><a'
        ' href="../security/x.html">RT-1</a></td><td>a<br>b</td></tr><tr><td>A.3</td><td></td><td></td><t'
        'd></td><td class="num"></td><td class="num">-</td><td></td><td class="nowrap"></td><td class="no'
        'wrap"></td><td></td><td></td><td>=1+1</td></tr></tbody></table></div>'
    ),
    "table_empty": ('<div class="ak-report"><div class="ak-note">Nothing &lt;here&gt;.</div></div>'),
    "kpis": (
        '<div class="ak-report"><div class="ak-kpis"><div class="ak-kpi bad"><div class="v">12</div><div '
        'class="l">Risks</div><div class="s">3 &lt;high&gt;</div></div><div class="ak-kpi "><div class="v'
        '">55%</div><div class="l">Score</div><div class="s"></div></div></div></div>'
    ),
    "bullets": ('<div class="ak-report"><ul class="ak-points"><li>one &amp; two</li><li>&lt;three&gt;</li></ul></div>'),
    "note": ('<div class="ak-report"><div class="ak-note">A &lt;note&gt;.</div></div>'),
    "callout": ('<div class="ak-report"><div class="ak-callout">A callout.</div></div>'),
    "definitions": (
        '<div class="ak-report"><dl class="ak-method"><dt>Term &lt;a&gt;</dt><dd>Meaning &amp; more</dd></dl></div>'
    ),
    "trail": (
        '<div class="ak-report"><h4 style="margin:14px 0 4px">F-01 · 6.1.2 AI risk assessment · Help &lt;'
        'bot&gt; <span class="ak-badge ak-major_nonconformity">Major nonconformity</span> <span class="ak'
        '-badge ak-in_progress">in progress</span> <span class="ak-badge ak-non_compliant">Overdue</span>'
        ' <span class="ak-badge ak-non_compliant">The effectiveness check found the corrective action not'
        ' effective</span> </h4><table class="ak-table"><tbody><tr><td class="nowrap" style="width:190px"'
        '><b>Statement</b></td><td>A &lt;b&gt; statement</td></tr><tr><td class="nowrap" style="width:190'
        'px"><b>Objective evidence</b></td><td>doc 1<br>doc 2</td></tr><tr><td class="nowrap" style="widt'
        'h:190px"><b>Raised</b></td><td>2026-01-02</td></tr><tr><td class="nowrap" style="width:190px"><b'
        '>Root cause</b></td><td>-</td></tr><tr><td class="nowrap" style="width:190px"><b>Correction</b><'
        '/td><td>fix</td></tr><tr><td class="nowrap" style="width:190px"><b>Corrective action</b></td><td'
        '>-</td></tr><tr><td class="nowrap" style="width:190px"><b>Owner / due</b></td><td>Ann &amp; Bo /'
        ' 2026-02-01</td></tr><tr><td class="nowrap" style="width:190px"><b>Effectiveness check</b></td><'
        'td>not effective - Cy, 2026-03-01</td></tr><tr><td class="nowrap" style="width:190px"><b>Closed<'
        '/b></td><td>open</td></tr><tr><td class="nowrap" style="width:190px"><b>Recurrence of</b></td><t'
        'd>F-00</td></tr><tr><td class="nowrap" style="width:190px"><b>Recurred as</b></td><td>F-09</td><'
        "/tr></tbody></table></div>"
    ),
    "blockers_by_step": (
        '<div class="ak-report"><h3><a href="../gap/organisation.html">Gap assessment (open the gap asses'
        'sment report)</a></h3><table class="ak-table"><thead><tr><th>Blocker</th><th>Subject</th><th>Det'
        "ail</th><th>Stage 1</th><th>Stage 2</th><th>Planned by</th></tr></thead><tbody><tr><td>Clause &l"
        't;NC&gt;</td><td class="nowrap"><a href="../gap/organisation.html#x">4.1</a></td><td>m1</td><td '
        'class="nowrap">Major</td><td class="nowrap">Major</td><td class="nowrap">2026-05-01</td></tr><tr'
        '><td>Other</td><td class="nowrap">5.2</td><td>m2</td><td class="nowrap">Minor</td><td class="now'
        'rap">Major</td><td class="nowrap"></td></tr></tbody></table><h3>This report</h3><table class="ak'
        '-table"><thead><tr><th>Blocker</th><th>Subject</th><th>Detail</th><th>Stage 1</th><th>Stage 2</t'
        'h><th>Planned by</th></tr></thead><tbody><tr><td>Own</td><td class="nowrap">docs</td><td>m3</td>'
        '<td class="nowrap">Minor</td><td class="nowrap">Minor</td><td class="nowrap"></td></tr></tbody><'
        '/table><p class="ak-note">Links open the other reports of the same run (aimskit run without --st'
        "ep); a report not rendered in this run shows as a missing page.</p></div>"
    ),
    "decisions": (
        '<div class="ak-report"><ul class="ak-points"><li>Fund &lt;it&gt;</li></ul></div><h4>Actions reco'
        'rded, with their status today</h4><div class="ak-report ak-wide"><table class="ak-table"><thead>'
        "<tr><th>Review</th><th>Action</th><th>Kind</th><th>Action</th><th>Owner</th><th>Due</th><th>Stat"
        'us</th><th>Completed</th><th>Overdue</th><th class="num">Days overdue</th></tr></thead><tbody><t'
        'r><td>MR-1</td><td>A1</td><td>Action</td><td>Do &lt;it&gt;</td><td>Ann</td><td class="nowrap">20'
        '26-01-01</td><td class="nowrap"><span class="ak-badge ak-open">open</span></td><td class="nowrap'
        '"></td><td class="nowrap"><span class="ak-overdue">overdue</span></td><td class="num">5</td></tr'
        "></tbody></table></div>"
    ),
}


def _shown() -> dict[str, blocks.Block]:
    return {
        "table": report.table(TABLE, COLUMNS),
        "table_empty": report.table(TABLE.iloc[0:0], COLUMNS, empty="Nothing <here>."),
        "kpis": report.kpis([("Risks", 12, "3 <high>", "bad"), ("Score", "55%", "", "")]),
        "bullets": report.bullets(["one & two", "<three>"]),
        "note": report.note("A <note>."),
        "callout": report.note("A callout.", callout=True),
        "definitions": report.definitions({"Term <a>": "Meaning & more"}),
        "trail": blocks.Group(tuple(audit_view._trail(REC, {"llm-assist": "Help <bot>"})), wrap=True),
        "blockers_by_step": readiness_view.blockers_by_step(SimpleNamespace(blockers=BLOCKERS)),
        "decisions": review_view.decisions(
            SimpleNamespace(decisions=["Fund <it>"], review={"id": "MR-1"}, review_actions=ACTIONS)
        ),
    }


@pytest.mark.parametrize("name", sorted(EXPECTED_HTML))
def test_blocks_render_the_html_of_before(name):
    block = _shown()[name]
    assert isinstance(block, blocks.Block)
    assert block.html() == EXPECTED_HTML[name]
    assert str(block) == block.data == block._repr_html_() == block.html()


@pytest.mark.parametrize("name", sorted(EXPECTED_HTML))
def test_blocks_survive_json(name):
    block = _shown()[name]
    data = json.loads(json.dumps(block.to_json()))
    again = blocks.from_json(data)
    assert again == block and again.html() == EXPECTED_HTML[name]


def test_user_text_is_data_in_json_and_escaped_in_html():
    table = report.table(TABLE, COLUMNS)
    assert isinstance(table, blocks.Table)
    title = table.rows[0][1]
    assert title.text() == "<script>x</script> & co"  # plain text in the data
    assert "<script>" not in table.html() and "&lt;script&gt;x&lt;/script&gt; &amp; co" in table.html()
    assert '"<script>x</script> & co"' in json.dumps(table.to_json())


def test_columns_get_roles_and_widths_from_their_kind_and_contents():
    table = report.table(TABLE, COLUMNS)
    assert isinstance(table, blocks.Table)
    roles = {c.key: c.role for c in table.columns}
    assert roles == {
        "id": "identifier",
        "title": "text",
        "status": "status",
        "level": "status",
        "n": "number",
        "pct": "number",
        "ok": "status",
        "late": "status",
        "due": "date",
        "ev": "list",
        "run": "identifier",
        "notes": "text",
    }
    widths = {c.key: c.width for c in table.columns}
    assert widths["n"] < widths["title"] and widths["due"] == 10
    assert all(w >= len(c.header.split()[0]) for c, w in zip(table.columns, widths.values(), strict=True))
    long = report.table(pd.DataFrame({"id": ["R-1"], "notes": ["a long note " * 12]}), {"id": "ID", "notes": "Notes"})
    assert isinstance(long, blocks.Table)
    assert [c.role for c in long.columns] == ["identifier", "long text"]
    assert long.columns[1].width > 3 * long.columns[0].width


def test_markdown_cells_become_headings_paragraphs_and_lists():
    found = blocks.from_markdown(
        "## Risk register\n\nRisks *above* appetite need a **decision**; see `risks.csv` and "
        "[the README](README.md).\n\n- one\n- two\n"
    )
    assert [type(b) for b in found] == [blocks.Heading, blocks.Paragraph, blocks.Bullets]
    heading, para, items = found
    assert isinstance(heading, blocks.Heading) and heading.level == 2 and heading.text() == "Risk register"
    assert isinstance(para, blocks.Paragraph)
    marks = {s.text: s.mark for s in para.spans}
    assert marks["above"] == "em" and marks["decision"] == "strong" and marks["risks.csv"] == "code"
    assert any(s.mark == "link" and s.href == "README.md" for s in para.spans)
    assert isinstance(items, blocks.Bullets) and [blocks.spans_text(i) for i in items.items] == ["one", "two"]


def test_executive_summary_is_found_by_structure_not_by_heading_text():
    title = blocks.Title("Report")
    figures = report.kpis([("Risks", 3, "", "")])
    doc = [
        title,
        blocks.Heading(2, (blocks.Span("What the board needs to know"),)),
        figures,
        report.bullets(["point"]),
        blocks.Heading(2, (blocks.Span("Executive summary"),)),  # its text misleads: no headline figures
        report.note("detail"),
    ]
    summary = blocks.executive_summary(doc)
    assert summary == doc[:4]
    # a report without headline figures: its first section
    assert blocks.executive_summary([title, doc[1], doc[3], doc[4], doc[5]]) == [title, doc[1], doc[3]]


# ---------------------------------------------------------------------------------------------
# the views, and a real run of every step


def test_every_view_returns_blocks_and_types_its_engagement():
    # the results JSON and the files written beside the report, not report blocks
    data_functions = {"results", "handover", "handover_csv", "write_handover"}
    for step in registry.STEPS.values():
        module = __import__(step.view, fromlist=["_"])
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__ or name in data_functions:
                continue
            hints = typing.get_type_hints(fn)
            returned = hints.get("return")
            assert isinstance(returned, type) and issubclass(returned, blocks.Block), f"{step.view}.{name}"
            if "eng" in inspect.signature(fn).parameters:
                assert hints["eng"] is Engagement, f"{step.view}.{name}: eng is {hints['eng']}"


@pytest.fixture(scope="module")
def every_step(tmp_path_factory) -> Path:
    """The example run with every step (one AI system in scope keeps it quick)."""
    import shutil

    eng = tmp_path_factory.mktemp("blocks") / "example"
    shutil.copytree(resources.example_engagement(), eng)
    lines = (eng / "systems.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0]] + [
        line if line.startswith("llm-assist,") else re.sub(r",yes,", ",no,", line, count=1) for line in lines[1:]
    ]
    (eng / "systems.csv").write_text("".join(kept), encoding="utf-8")
    out = eng.parent / "out"
    result = batch.run(eng, steps=list(registry.STEPS), out=out, jobs=2)
    assert not result.failed, [r.error for r in result.failed]
    return out


def _notebooks(out: Path) -> list[Path]:
    return sorted(out.glob("*/*.ipynb"))


def test_executed_notebooks_carry_every_output_as_blocks(every_step):
    notebooks = _notebooks(every_step)
    assert {p.parent.name for p in notebooks} == set(registry.STEPS)
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/html" in data:  # everything the report shows is also there as data
                    assert blocks.MIME in data, f"{path.name}: {cell['source']}"
        found = blocks.flatten(blocks.notebook_blocks(nb))
        assert isinstance(found[0], blocks.Title), path
        kinds = {type(b) for b in found}
        assert {blocks.Heading, blocks.Table} <= kinds, path
        # the markdown narrative is there, the hidden "how to use this notebook" cell is not
        assert not any("How to use this notebook" in b.text() for b in found)


def test_blocks_of_a_run_render_its_page(every_step):
    """What the notebook displayed, rendered again from the blocks read back, is in the report page."""
    for path in _notebooks(every_step)[:8]:
        page = path.with_suffix(".html").read_text(encoding="utf-8")
        for block in blocks.flatten(blocks.notebook_blocks(json.loads(path.read_text(encoding="utf-8")))):
            if isinstance(block, (blocks.Table, blocks.KeyFigures, blocks.Definitions, blocks.Callout)):
                assert block.inner() in page, f"{path}: {block.text()[:80]}"
            elif isinstance(block, blocks.Figure):
                assert f'id="{block.chart_id}"' in page


# ---------------------------------------------------------------------------------------------
# Word from the blocks


def _docx(out: Path, name: str):
    import docx

    from aimskit.deliver import pdf, word
    from aimskit.results.run import Run

    pytest.importorskip("docx")
    eng = engagement.load(resources.example_engagement())
    (part,) = pdf.report_parts(Run.open(out), only=[name])
    target = out / f"{name}.test.docx"
    target.write_bytes(word.report_docx(eng, part, {}))
    return docx.Document(str(target)), word.report_blocks(part), eng


def test_word_tables_take_their_widths_from_the_column_roles(every_step):
    d, found, _ = _docx(every_step, "gap/organisation")
    tables = [b for b in blocks.flatten(found) if isinstance(b, blocks.Table)]
    word_tables = [t for t in d.tables if t.rows and t.rows[0].cells[0].paragraphs[0].runs[:1]]
    by_header = {tuple(c.text for c in t.rows[0].cells): t for t in word_tables}
    checked = 0
    for table in tables:
        target = by_header.get(tuple(c.header for c in table.columns))
        assert target is not None, [c.header for c in table.columns]
        widths = [c.width for c in target.columns]
        assert all(w for w in widths)
        if len({c.role for c in table.columns}) > 1:
            assert len(set(widths)) > 1, [c.header for c in table.columns]
            checked += 1
    assert checked >= 5
    clauses = by_header[
        (
            "ID",
            "Title",
            "Requirements",
            "Compliant",
            "Partial",
            "Non-compliant",
            "N/A",
            "Not assessed",
            "Coverage",
            "Conformity",
        )
    ]
    widths = [c.width for c in clauses.columns]
    assert widths[0] < widths[1] and widths[6] < widths[1]  # identifiers and counts narrower than titles


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w][\w.'/-]*", text))


def test_word_holds_no_text_the_blocks_do_not(every_step):
    from aimskit.deliver.document import control_rows

    for name in ("gap/organisation", "audit/organisation", "readiness/organisation", "risk/system-llm-assist"):
        d, found, eng = _docx(every_step, name)
        allowed = set()
        for b in blocks.flatten(found):
            allowed |= _words(b.text())
        for k, v in control_rows(eng):
            allowed |= _words(f"{k} {v}")
        allowed |= _words("Commentary from chart not available in this file: see the HTML or PDF report")
        texts = [p.text for p in d.paragraphs]
        texts += [c.text for t in d.tables for row in t.rows for c in row.cells]
        extra = set().union(*(_words(t) for t in texts)) - allowed
        assert not extra, f"{name}: {sorted(extra)[:20]}"


def test_word_is_built_without_parsing_html():
    source = Path(__import__("aimskit.deliver.word", fromlist=["_"]).__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"bs4", "html", "lxml"}, imported
    assert "BeautifulSoup" not in source


def test_a_run_without_blocks_is_a_clear_error(every_step, tmp_path):
    import shutil

    from aimskit.base.problems import AimskitError
    from aimskit.deliver import document, pdf, word
    from aimskit.results.run import Run
    from aimskit.ui.cli import EXIT_PROBLEMS, exit_code

    out = tmp_path / "out"
    shutil.copytree(every_step, out)
    notebook = out / "gap" / "organisation.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(blocks.MIME, None)  # as an older aimskit wrote it
    notebook.write_text(json.dumps(nb), encoding="utf-8")
    eng = engagement.load(resources.example_engagement())

    def docx_of_gap() -> None:
        (part,) = pdf.report_parts(Run.open(out), only=["gap/organisation"])
        word.report_docx(eng, part, {})

    with pytest.raises(AimskitError) as caught:
        docx_of_gap()
    assert exit_code(caught.value) == EXIT_PROBLEMS == 1  # a message and exit 1, not a traceback
    shown = str(caught.value)
    assert f"{notebook}:1:1: report gap/organisation carries no report blocks" in shown and "[AK711]" in shown
    # blocks that are not blocks (an edited notebook): the same kind of message
    broken = {"output_type": "display_data", "metadata": {}, "data": {blocks.MIME: {"blocks": [7]}}}
    nb["cells"].append({"cell_type": "code", "metadata": {}, "source": "", "outputs": [broken]})
    notebook.write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(AimskitError, match=r"the report blocks of gap/organisation cannot be read"):
        docx_of_gap()
    # a notebook that is not JSON: positioned where the JSON breaks
    notebook.write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(AimskitError, match=r"organisation.ipynb:1:\d+: the notebook of report gap/organisation"):
        docx_of_gap()
    # a page read on its own (not through a run) has no blocks to write from
    with pytest.raises(AimskitError, match=r"not read from a run folder"):
        word.report_docx(eng, document.read_part(out / "gap" / "organisation.html"), {})


def test_column_widths_keep_words_whole_and_follow_roles():
    from aimskit.deliver import word

    table = report.table(
        pd.DataFrame(
            {"id": ["A.6.2.4"], "notes": ["Assessors found the verification records incomplete " * 3], "n": [3]}
        ),
        {"id": "ID", "notes": "Assessor notes", "n": ("Applicability", "num")},
    )
    assert isinstance(table, blocks.Table)
    widths = word.column_widths(table, 6.0, 9)
    assert abs(sum(widths) - 6.0) < 1e-6
    minimum = word.minimum_widths(table, 9)
    assert all(w >= m - 1e-9 for w, m in zip(widths, minimum, strict=True))  # "Applicability" stays whole
    assert widths[1] > widths[0] and widths[1] > widths[2]
    assert word.table_size(table, 1.5, wide=False) < 9  # too narrow: a smaller font first
