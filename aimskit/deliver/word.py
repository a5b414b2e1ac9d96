"""An editable Word (.docx) file per report, with the same content as its HTML page.

Built with python-docx from the report's blocks (:mod:`aimskit.present.blocks`), read from the
executed notebook the run keeps beside the report page (``gap/organisation.ipynb`` beside
``gap/organisation.html``): every block the notebook displayed is stored there as data, in order,
and the notebook's markdown cells are its section headings and narrative. Nothing is read back
from the HTML page.

Each block becomes its Word counterpart: the notebook's section headings ``Heading 1`` (``Heading
2`` and ``3`` below), paragraphs and lists, the headline figures a table, every report table a
Word table whose column widths follow the columns' roles and relative widths (no word broken
across lines where the page allows; the header row repeated on each page; tables with many columns
on a landscape section), callouts a shaded box, the charts pictures (PNG screenshots taken by the
same Chromium that prints the PDF, at the printed width, keyed by the chart's element id), the
method appendix term and meaning. A cover table carries the document control; the header and
footer carry the client, the title (and the logo, when it is a picture Word can hold), the
version, the status, the confidentiality label and page N of M.

The consultant's own template (``branding.word_template`` in engagement.yaml: their styles,
logo in the header, boilerplate) is used as the starting document when given; its body is kept
and the report is appended after it. It is checked when the engagement is validated
(:func:`aimskit.engagement.doccontrol.template_problems`).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aimskit.base.dependencies import require
from aimskit.base.problems import AimskitError
from aimskit.deliver.document import Part, control_rows
from aimskit.present import blocks as B

if TYPE_CHECKING:
    from aimskit.engagement import Engagement

WIDE_COLUMNS = 8  # a table with this many columns goes on a landscape section
PORTRAIT_WIDTH_IN = 6.3
CELL_PADDING_IN = 0.16  # Word's default cell margins, left and right
CHAR_WIDTH_EM = (
    0.75  # a character of the table font, in ems, with room (bold headers; wide fonts standing in for Cambria)
)
CALLOUT_FILL = "FFF8E5"
MIN_TABLE_PT = 6.5
WHOLE_ROLES = frozenset({"identifier", "number", "date", "status"})
WHOLE_LIMIT = 16  # characters: a longer short value may wrap
LANDSCAPE_MARGIN_IN = 0.6  # left and right margins of a landscape section (the PDF's are 0.5)
PICTURE_MIMES = {"image/png", "image/jpeg", "image/gif", "image/bmp"}


AGAIN = "run 'aimskit run --force' into this folder again"


class NoBlocks(AimskitError):
    """A report whose executed notebook carries no report blocks (written by an older aimskit), or
    none that can be read: the command line prints the message and exits 1."""


def _docx() -> Any:
    return require("docx", "Word output")


def report_blocks(part: Part) -> list[B.Block]:
    """The blocks of ``part``'s report, read through its run (:meth:`aimskit.results.run.Run.blocks`:
    the executed notebook the run lists for it; AK711 when it cannot be read or has no blocks)."""
    if part.read_blocks is None:
        raise NoBlocks(f"{part.html}: the report was not read from a run folder, so its blocks are unknown; {AGAIN}")
    return part.read_blocks()


def _field(paragraph: Any, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) in ``paragraph``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("text", "1"), ("end", None)):
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    props.append(el)
    cant = OxmlElement("w:cantSplit")
    props.append(cant)


def _shade(cell: Any, colour: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour.lstrip("#"))
    cell._tc.get_or_add_tcPr().append(shd)


def _needed(column: B.Column, texts: Sequence[str]) -> int:
    """Characters a column needs on one line: its longest word, or for short values (identifiers,
    numbers, dates, statuses: kept on one line in the HTML page) its longest line, up to a limit."""
    words = max([B.longest_word(column.header), *(B.longest_word(t) for t in texts)])
    if column.role not in WHOLE_ROLES:
        return words
    lines = [len(line) for t in texts for line in t.split("\n")]
    return max(words, min(max(lines, default=0), WHOLE_LIMIT))


def minimum_widths(table: B.Table, size_pt: float) -> list[float]:
    """The width (inches) each column of ``table`` needs (:func:`_needed`) at ``size_pt``."""
    char_in = size_pt * CHAR_WIDTH_EM / 72
    return [
        _needed(c, [row[i].text() for row in table.rows if i < len(row)]) * char_in + CELL_PADDING_IN
        for i, c in enumerate(table.columns)
    ]


def table_size(table: B.Table, available_in: float, wide: bool) -> float:
    """The font size (points) of ``table``: 9 (7.5 on a landscape page), smaller down to 6.5 while
    its columns' longest words do not fit side by side."""
    size = 7.5 if wide else 9.0
    while size > MIN_TABLE_PT and sum(minimum_widths(table, size)) > available_in:
        size -= 0.5
    return size


def column_widths(table: B.Table, available_in: float, size_pt: float) -> list[float]:
    """Widths (inches) of ``table``'s columns on ``available_in`` inches: shares of the columns'
    relative widths, each column at least as wide as its longest word at ``size_pt`` (when all the
    columns' longest words fit; otherwise in proportion to them)."""
    n = len(table.columns)
    if n == 0:
        return []
    minimum = minimum_widths(table, size_pt)
    if sum(minimum) >= available_in:
        return [available_in * m / sum(minimum) for m in minimum]
    weights = [max(c.width, 1.0) for c in table.columns]
    fixed: dict[int, float] = {}
    for _ in range(n):  # columns below their minimum get it; the rest share what is left
        free = [i for i in range(n) if i not in fixed]
        left = available_in - sum(fixed.values())
        share = {i: left * weights[i] / sum(weights[j] for j in free) for i in free}
        short = {i: minimum[i] for i in free if share[i] < minimum[i]}
        if not short:
            return [fixed.get(i, share.get(i, 0.0)) for i in range(n)]
        fixed.update(short)
    return [fixed[i] for i in range(n)]


class _Writer:
    """Writes blocks into a python-docx document."""

    def __init__(self, doc: Any, charts: Mapping[str, bytes], colour: str):
        self.doc = doc
        self.charts = charts
        self.colour = colour
        self.tables = 0
        self.pictures = 0
        self.headings: list[tuple[int, str]] = []
        self.styles = {s.name for s in doc.styles}
        self.margins: tuple[Any, Any] | None = None  # the portrait margins, while a landscape section is open

    def write(self, block: B.Block) -> None:
        writers: dict[type, Callable[[Any], None]] = {
            B.Heading: self.heading,
            B.Paragraph: self.paragraph,
            B.Bullets: self.bullets,
            B.Callout: self.callout,
            B.Definitions: self.definitions,
            B.KeyFigures: self.key_figures,
            B.Table: self.table,
            B.Figure: self.figure,
            B.Title: self.commentary,
        }
        if isinstance(block, B.Group):
            for b in block.blocks:
                self.write(b)
            return
        writers[type(block)](block)

    # -- text
    def runs(self, p: Any, spans: Sequence[B.Span], *, italic: bool = False, size: float | None = None) -> None:
        """``spans`` as runs of paragraph ``p``, each mark its Word formatting."""
        for s in spans:
            if s.mark == "br":
                p.add_run().add_break()
                continue
            run = p.add_run(B.span_text(s))
            run.bold = s.mark in ("strong", "badge", "overdue") or None
            run.italic = italic or s.mark == "em" or None
            run.underline = s.mark == "link" or None
            if s.mark == "code":
                run.font.name = "Consolas"
            if s.mark == "overdue":
                self._colour(run, "C62828")
            elif s.mark == "badge" and s.colour:
                self._colour(run, s.colour)
            if size:
                self._size(run, size)

    def heading(self, b: B.Heading) -> None:
        text = B.spans_text(b.spans).strip()
        if not text:
            return
        level = {1: 1, 2: 1, 3: 2}.get(b.level, 3)
        self.doc.add_heading(text, level=level)
        self.headings.append((level, text))

    def paragraph(self, b: B.Paragraph) -> None:
        if B.spans_text(b.spans).strip():
            self.runs(self.doc.add_paragraph(), b.spans, italic=b.note)

    def _plain(self, text: str, italic: bool = False, bold: bool = False) -> Any:
        p = self.doc.add_paragraph()
        run = p.add_run(text)
        run.italic, run.bold = italic or None, bold or None
        return p

    def bullets(self, b: B.Bullets) -> None:
        style = "List Number" if b.numbered and "List Number" in self.styles else "List Bullet"
        for item in b.items:
            self.runs(self.doc.add_paragraph(style=style), item)

    def callout(self, b: B.Callout) -> None:
        if b.tone != "warning":
            self._plain(b.message, italic=True)
            return
        box = self._grid(1, 1)
        box.rows[0].cells[0].paragraphs[0].add_run(b.message)
        _shade(box.rows[0].cells[0], CALLOUT_FILL)
        self.tables += 1
        self.doc.add_paragraph()

    def definitions(self, b: B.Definitions) -> None:
        for term, meaning in b.items:
            self._plain(term, bold=True)
            self._plain(meaning)

    def commentary(self, b: B.Title) -> None:
        """The title block's commentary (its details are on the cover table)."""
        if b.commentary:
            self._plain(f"Commentary from {b.commentary_by}", italic=True)
            self._plain(b.commentary)

    # -- tables
    def _grid(self, rows: int, cols: int) -> Any:
        table = self.doc.add_table(rows=rows, cols=cols)
        if "Table Grid" in self.styles:
            table.style = "Table Grid"
        return table

    def key_figures(self, b: B.KeyFigures) -> None:
        table = self._grid(0, 3)
        for k in b.items:
            cells = table.add_row().cells
            for i, text in enumerate((k.label, k.value, k.sub)):
                run = cells[i].paragraphs[0].add_run(text)
                run.bold = i == 1 or None
                self._size(run, 9)
        self._widths(table, [2.6, 1.2, PORTRAIT_WIDTH_IN - 3.8])
        self.tables += 1
        self.doc.add_paragraph()

    def table(self, b: B.Table) -> None:
        width = len(b.columns)
        if width == 0:
            return
        wide = b.wide or width >= WIDE_COLUMNS
        if wide:
            self._orientation(landscape=True)
        size = table_size(b, self._available(), wide)
        table = self._grid(0, width)
        if b.header:
            cells = table.add_row().cells
            _repeat_header(table.rows[0])
            for i, column in enumerate(b.columns):
                run = cells[i].paragraphs[0].add_run(column.header)
                run.bold = True
                self._size(run, size, white=True)
                _shade(cells[i], self.colour)
        for row in b.rows:
            cells = table.add_row().cells
            for i, cell in enumerate(row[:width]):
                self._cell(cells[i], cell, size)
        self._widths(table, column_widths(b, self._available(), size))
        if b.caption:
            self.doc.add_paragraph(b.caption, style="Caption" if "Caption" in self.styles else None)
        self.tables += 1
        self.doc.add_paragraph()
        if wide:
            self._orientation(landscape=False)

    def _cell(self, target: Any, cell: B.Cell, size: float) -> None:
        p = target.paragraphs[0]
        if cell.items:
            for k, item in enumerate(cell.items):
                self.runs(p if k == 0 else target.add_paragraph(), (B.Span("• "), *item), size=size)
                p = target.paragraphs[-1]
        else:
            self.runs(p, cell.spans, size=size)

    def _available(self) -> float:
        section = self.doc.sections[-1]
        return (section.page_width - section.left_margin - section.right_margin) / 914400

    @staticmethod
    def _widths(table: Any, widths: Sequence[float]) -> None:
        from docx.shared import Inches

        table.autofit = False
        for column, inches in zip(table.columns, widths, strict=False):
            column.width = Inches(inches)
            for cell in column.cells:
                cell.width = Inches(inches)

    @staticmethod
    def _size(run: Any, points: float, white: bool = False) -> None:
        from docx.shared import Pt, RGBColor

        run.font.size = Pt(points)
        if white:
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)

    @staticmethod
    def _colour(run: Any, colour: str) -> None:
        from docx.shared import RGBColor

        hexa = colour.lstrip("#")
        if re.fullmatch(r"[0-9A-Fa-f]{6}", hexa):
            run.font.color.rgb = RGBColor.from_string(hexa.upper())

    def _orientation(self, landscape: bool) -> None:
        from docx.enum.section import WD_ORIENT, WD_SECTION
        from docx.shared import Inches

        current = self.doc.sections[-1]
        if (current.orientation == WD_ORIENT.LANDSCAPE) == landscape:
            return
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        width, height = current.page_width, current.page_height
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = height, width
        if landscape:  # wide tables get the room of narrower margins; the portrait pages keep theirs
            self.margins = (current.left_margin, current.right_margin)
            section.left_margin = section.right_margin = Inches(LANDSCAPE_MARGIN_IN)
        elif self.margins:
            section.left_margin, section.right_margin = self.margins

    # -- charts
    def figure(self, b: B.Figure) -> None:
        from docx.shared import Inches

        png = self.charts.get(b.chart_id)
        if png is None:
            self._plain("[chart not available in this file: see the HTML or PDF report]", italic=True)
            return
        picture = self.doc.add_picture(io.BytesIO(png), width=Inches(PORTRAIT_WIDTH_IN))
        picture._inline.docPr.set("descr", b.alt)  # the chart's alternative text (its title is in the picture)
        if b.caption:
            self.doc.add_paragraph(b.caption, style="Caption" if "Caption" in self.styles else None)
        self.pictures += 1


def _logo(header: Any, uri: str) -> None:
    """The title block's logo (a data URI) in ``header``, when Word can hold the picture (not SVG)."""
    from docx.shared import Inches

    match = re.fullmatch(r"data:([\w/+.-]+);base64,(.*)", uri, re.S)
    if not match or match.group(1) not in PICTURE_MIMES:
        return
    try:
        data = base64.b64decode(match.group(2), validate=True)
    except binascii.Error:
        return
    header.add_run().add_picture(io.BytesIO(data), height=Inches(0.4))
    header.add_run(" ")


def _header_footer(doc: Any, eng: Engagement, title: str, logo: str = "") -> None:
    dc = eng.meta.document_control
    section = doc.sections[0]
    header = section.header.paragraphs[0] if section.header.paragraphs else section.header.add_paragraph()
    own = header.text.strip() or section.header._element.xpath(".//w:drawing")
    if not own:  # a template's own header (a logo, say) is kept
        if logo:
            _logo(header, logo)
        header.add_run(f"{dc.prepared_for or eng.organisation} · {title}")
    footer = section.footer.add_paragraph()
    footer.add_run(f"Version {dc.version} · {dc.status_label} · {dc.confidentiality} · Page ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")


def _properties(doc: Any, eng: Engagement, title: str, subtitle: str) -> None:
    dc = eng.meta.document_control
    props = doc.core_properties
    props.title = title
    props.subject = subtitle
    props.author = eng.meta.branding.name or ", ".join(a.name for a in eng.meta.assessors)
    props.category = dc.status_label
    props.keywords = dc.confidentiality
    props.version = dc.version
    props.comments = f"Prepared for {dc.prepared_for or eng.organisation}; version {dc.version}, {dc.status_label}"


def _cover(w: _Writer, eng: Engagement, title: B.Title) -> None:
    """The report's title and scope, and the document control with the title block's details."""
    w.doc.add_paragraph(title.title, style="Title")
    if title.subtitle:
        w.doc.add_paragraph(title.subtitle)
    control = control_rows(eng)
    known = {k for k, _ in control}
    rows = list(control) + [(k, v) for k, v in title.rows if k not in known]
    table = w._grid(0, 2)
    for key, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = key, value
        cells[0].paragraphs[0].runs[0].bold = True
    w._widths(table, [1.8, PORTRAIT_WIDTH_IN - 1.8])
    w.tables += 1


def report_docx(
    eng: Engagement, part: Part, charts: Mapping[str, bytes], prefix: str = "p0", executive: bool = False
) -> bytes:
    """The .docx of one report, from its blocks (:func:`report_blocks`); ``charts``: a PNG per
    chart element id of the print document. ``executive``: its executive summary only
    (:func:`aimskit.present.blocks.executive_summary`)."""
    docx = _docx()
    found = report_blocks(part)
    if executive:
        found = B.executive_summary(found)
    flat = B.flatten(found)
    title = next(b for b in flat if isinstance(b, B.Title))
    template = eng.meta.branding.word_template
    doc = docx.Document(str(Path(eng.path) / template)) if template else docx.Document()
    _properties(doc, eng, title.title, title.subtitle)
    _header_footer(doc, eng, title.title, title.logo)
    # the print document's chart ids carry the part prefix; the page's do not
    by_page_id = {k.replace(f"ak-fig-{prefix}-", "ak-fig-", 1): v for k, v in charts.items()}
    w = _Writer(doc, by_page_id, eng.meta.branding.colour)
    _cover(w, eng, title)
    for block in flat:
        w.write(block)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def default_template(path: Path) -> Path:
    """Write python-docx's default template (every style the reports use) for a consultant to restyle."""
    docx = _docx()
    doc = docx.Document()
    doc.add_paragraph("aimskit Word template", style="Title")
    doc.add_paragraph(
        "Restyle Title, Heading 1-3, Normal, List Bullet, Table Grid and Caption, add your logo to the header, "
        "then set branding.word_template in engagement.yaml. The reports are appended after this page's content: "
        "delete it or replace it with your own boilerplate."
    )
    doc.add_paragraph("Caption style", style="Caption")
    doc.add_paragraph("list", style="List Bullet")
    out = io.BytesIO()
    doc.save(out)
    from aimskit.base.fileio import atomic_write_bytes

    atomic_write_bytes(Path(path), out.getvalue())
    return Path(path)
