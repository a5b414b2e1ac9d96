"""An editable Word (.docx) file per report, with the same content as its HTML page.

Built with python-docx from the rendered report page: the notebook's headings become Word
headings (``Heading 1`` for a section, ``Heading 2`` and ``3`` below), the headline figures a
table, every report table a Word table (header row repeated on each page; tables with many
columns on a landscape section), the charts pictures (PNG screenshots taken by the same Chromium
that prints the PDF, at the printed width), the method appendix paragraphs. A cover table carries
the document control; the header and footer carry the client, the title, the version, the status,
the confidentiality label and page N of M.

The consultant's own template (``branding.word_template`` in engagement.yaml: their styles,
logo in the header, boilerplate) is used as the starting document when given; its body is kept
and the report is appended after it. It is checked when the engagement is validated
(:func:`aimskit.engagement.doccontrol.template_problems`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag

from aimskit.base.dependencies import require
from aimskit.deliver.document import Part, control_rows

WIDE_COLUMNS = 8  # a table with this many columns goes on a landscape section
PORTRAIT_WIDTH_IN = 6.3


def _docx() -> Any:
    return require("docx", "Word output")


def _text(node: Any) -> str:
    if isinstance(node, NavigableString):
        return str(node)
    return " ".join(node.get_text(" ", strip=True).split())


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


class _Writer:
    def __init__(self, doc: Any, charts: Mapping[str, bytes], colour: str):
        self.doc = doc
        self.charts = charts
        self.colour = colour
        self.tables = 0
        self.pictures = 0
        self.headings: list[tuple[int, str]] = []

    # -- blocks
    def heading(self, text: str, level: int) -> None:
        if text:
            self.doc.add_heading(text, level=min(level, 3))
            self.headings.append((level, text))

    def paragraph(self, node: Tag | str, style: str | None = None, italic: bool = False) -> None:
        text = node if isinstance(node, str) else _text(node)
        if not text:
            return
        p = self.doc.add_paragraph(style=style)
        if isinstance(node, Tag):
            self._inline(p, node, italic=italic)
        else:
            p.add_run(text).italic = italic

    def _inline(self, p: Any, node: Tag, bold: bool = False, italic: bool = False) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                text = str(child).replace("\n", " ")
                if text.strip() or (text and p.runs):
                    run = p.add_run(text)
                    run.bold, run.italic = bold or None, italic or None
            elif isinstance(child, Tag):
                if child.name == "br":
                    p.add_run().add_break()
                elif child.name in ("ul", "ol", "table"):
                    p.add_run(" " + _text(child))
                else:
                    self._inline(
                        p, child, bold or child.name in ("strong", "b", "th"), italic or child.name in ("em", "i")
                    )

    def bullets(self, node: Tag, numbered: bool = False) -> None:
        style = "List Number" if numbered and "List Number" in self._styles() else "List Bullet"
        for li in node.find_all("li", recursive=False):
            p = self.doc.add_paragraph(style=style)
            self._inline(p, li)

    def _styles(self) -> set[str]:
        return {s.name for s in self.doc.styles}

    def table(self, node: Tag) -> None:
        head = [_text(th) for th in node.select("thead tr th")] or None
        body_rows = node.select("tbody tr") or [r for r in node.find_all("tr") if not r.find_parent("thead")]
        rows = [[c for c in r.find_all(["td", "th"], recursive=False)] for r in body_rows]
        width = max([len(head or [])] + [len(r) for r in rows] or [0])
        if width == 0:
            return
        wide = width >= WIDE_COLUMNS
        if wide:
            self._orientation(landscape=True)
        table = self.doc.add_table(rows=0, cols=width)
        if "Table Grid" in self._styles():
            table.style = "Table Grid"
        size = 7.5 if width >= WIDE_COLUMNS else 9
        if head:
            cells = table.add_row().cells
            _repeat_header(table.rows[0])
            for i, text in enumerate(head):
                cells[i].text = ""
                run = cells[i].paragraphs[0].add_run(text)
                run.bold = True
                self._size(run, size, white=True)
                _shade(cells[i], self.colour)
        for r in rows:
            cells = table.add_row().cells
            for i, td in enumerate(r[:width]):
                items = td.find_all("li")
                p = cells[i].paragraphs[0]
                if items:
                    p.add_run("\n".join("• " + _text(li) for li in items))
                else:
                    self._inline(p, td)
                for run in p.runs:
                    self._size(run, size)
        self.tables += 1
        self.doc.add_paragraph()
        if wide:
            self._orientation(landscape=False)

    @staticmethod
    def _size(run: Any, points: float, white: bool = False) -> None:
        from docx.shared import Pt, RGBColor

        run.font.size = Pt(points)
        if white:
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)

    def _orientation(self, landscape: bool) -> None:
        from docx.enum.section import WD_ORIENT, WD_SECTION

        current = self.doc.sections[-1]
        if (current.orientation == WD_ORIENT.LANDSCAPE) == landscape:
            return
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        width, height = current.page_width, current.page_height
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = height, width

    def picture(self, chart_id: str) -> None:
        from docx.shared import Inches

        png = self.charts.get(chart_id)
        if png is None:
            self.paragraph("[chart not available in this file: see the HTML or PDF report]", italic=True)
            return
        self.doc.add_picture(io.BytesIO(png), width=Inches(PORTRAIT_WIDTH_IN))
        self.pictures += 1

    def kpis(self, node: Tag) -> None:
        cards = node.select(".ak-kpi")
        table = self.doc.add_table(rows=0, cols=3)
        if "Table Grid" in self._styles():
            table.style = "Table Grid"
        for card in cards:
            cells = table.add_row().cells
            for i, cls in enumerate(("l", "v", "s")):
                el = card.find(class_=cls)
                run = cells[i].paragraphs[0].add_run(_text(el) if el else "")
                run.bold = cls == "v" or None
                self._size(run, 9)
        self.tables += 1
        self.doc.add_paragraph()

    def definitions(self, node: Tag) -> None:
        for el in node.find_all(["dt", "dd"], recursive=False):
            p = self.doc.add_paragraph()
            self._inline(p, el, bold=el.name == "dt")

    # -- dispatch
    def block(self, node: Tag) -> None:
        classes = set(node.get("class") or [])
        name = node.name
        if name in ("style", "script") or classes & {"modebar-container", "ak-title", "anchor-link"}:
            return
        if "plotly-graph-div" in classes:
            self.picture(str(node.get("id", "")))
            return
        if name in ("h1", "h2", "h3", "h4"):
            self.heading(_text(node), {"h1": 1, "h2": 1, "h3": 2, "h4": 3}[name])
        elif name == "p":
            self.paragraph(node)
        elif name in ("ul", "ol"):
            self.bullets(node, numbered=name == "ol")
        elif name == "table":
            self.table(node)
        elif name == "dl":
            self.definitions(node)
        elif "ak-kpis" in classes:
            self.kpis(node)
        elif classes & {"ak-note", "ak-callout", "ak-failed"}:
            self.paragraph(node, italic="ak-note" in classes)
        elif "ak-commentary" in classes:
            who = node.find(class_="ak-commentary-by")
            self.paragraph(_text(who) if who else "Commentary", italic=True)
            for p in node.find_all("p"):
                self.paragraph(p)
        elif name == "pre":
            self.paragraph(_text(node), italic=True)
        elif name == "a" and "ak-file" in classes:
            self.paragraph(f"{_text(node)} ({node.get('href', '')})")
        elif name in ("div", "section", "article", "main", "span") or not name:
            for child in node.children:
                if isinstance(child, Tag):
                    self.block(child)
                elif isinstance(child, NavigableString) and str(child).strip() and name != "div":
                    self.paragraph(str(child).strip())
        elif _text(node):
            self.paragraph(node)


def _header_footer(doc: Any, eng: Any, title: str) -> None:
    dc = eng.meta.document_control
    section = doc.sections[0]
    header = section.header.paragraphs[0] if section.header.paragraphs else section.header.add_paragraph()
    if not header.text.strip():  # a template's own header (a logo, say) is kept
        header.text = f"{dc.prepared_for or eng.organisation} · {title}"
    footer = section.footer.add_paragraph()
    footer.add_run(f"Version {dc.version} · {dc.status_label} · {dc.confidentiality} · Page ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")


def report_docx(eng: Any, part: Part, charts: Mapping[str, bytes], prefix: str = "p0") -> bytes:
    """The .docx of one report (``charts``: PNG per chart div id of the print document)."""
    docx = _docx()
    template = eng.meta.branding.word_template
    doc = docx.Document(str(Path(eng.path) / template)) if template else docx.Document()
    dc = eng.meta.document_control
    props = doc.core_properties
    props.title = part.title
    props.subject = part.subtitle
    props.author = eng.meta.branding.name or ", ".join(a.name for a in eng.meta.assessors)
    props.category = dc.status_label
    props.keywords = dc.confidentiality
    props.version = dc.version
    props.comments = f"Prepared for {dc.prepared_for or eng.organisation}; version {dc.version}, {dc.status_label}"
    _header_footer(doc, eng, part.title)
    # the print document's chart ids carry the part prefix; the page's do not
    by_page_id = {k.replace(f"ak-fig-{prefix}-", "ak-fig-", 1): v for k, v in charts.items()}
    colour = eng.meta.branding.colour
    w = _Writer(doc, by_page_id, colour)
    doc.add_paragraph(part.title, style="Title")
    if part.subtitle:
        doc.add_paragraph(part.subtitle)
    soup = BeautifulSoup(part.html.read_text(encoding="utf-8"), "html.parser")
    for link in soup.select("a.anchor-link"):
        link.decompose()
    details = [
        (_text(tr.find_all("td")[0]), _text(tr.find_all("td")[1]))
        for tr in soup.select(".ak-title table tr")
        if len(tr.find_all("td")) == 2
    ]
    rows = list(control_rows(eng)) + [(k, v) for k, v in details if k not in {r[0] for r in control_rows(eng)}]
    table = doc.add_table(rows=0, cols=2)
    if "Table Grid" in w._styles():
        table.style = "Table Grid"
    for key, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = key, value
        cells[0].paragraphs[0].runs[0].bold = True
    w.tables += 1
    main = soup.find("main")
    if main is not None:
        for cell in main.find_all("div", class_="jp-Cell", recursive=False):
            w.block(cell)
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
