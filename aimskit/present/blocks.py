"""Report blocks as data: what a report view returns, rendered to HTML and read back for Word.

A report is a sequence of typed, immutable blocks: :class:`Title`, :class:`Heading`,
:class:`Paragraph`, :class:`Bullets`, :class:`Callout`, :class:`Definitions`, :class:`KeyFigures`,
:class:`Table`, :class:`Figure`, and :class:`Group` (several blocks shown as one output). Text is
kept as plain text in :class:`Span` runs (with the few inline marks the reports use: bold,
italic, code, a badge, a link, a line break) and escaped only when rendered, so the HTML page and
the Word file show the same words.

Each block renders itself to the HTML the notebook shows (:meth:`Block.html`) and to JSON
(:meth:`Block.to_json`, read back by :func:`from_json`). Displayed in a notebook, a block gives
both (:meth:`Block._repr_mimebundle_`: ``text/html`` and ``application/vnd.aimskit.blocks+json``),
so the executed notebook of every report carries its blocks in order; :func:`notebook_blocks`
reads them back, the notebook's markdown cells as headings, paragraphs and lists
(:func:`from_markdown`).

A table column has a *role* (identifier, text, long text, number, status, date, list) and a
relative *width* (about the number of characters it needs), from which Word sizes its columns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html as _html
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

MIME = "application/vnd.aimskit.blocks+json"
VERSION = 1
#: Notebook cells the report does not show (the same tags the HTML rendering removes).
HIDDEN_TAGS = frozenset({"remove_cell", "parameters", "injected-parameters"})
#: Tables with at least this many columns print on a landscape page (aimskit's PDF also measures).
WIDE_COLUMNS = 10
PREVIEW_CHARS = 400  # of a block's text in its plain-text output
ROLES = ("identifier", "text", "long text", "number", "status", "date", "list")
STYLE = "<style>\n" + (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8") + "</style>\n"


def plain(value: Any) -> str:
    """A value as the text a report shows: ``None``/NaN give an empty string, dates ISO 8601."""
    import pandas as pd

    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def esc(value: Any) -> str:
    """HTML-escape any value; ``None``/NaN become an empty string, a list its items on lines."""
    if isinstance(value, (list, tuple)):
        return "<br>".join(esc(v) for v in value)
    return _html.escape(plain(value), quote=True)


# ---------------------------------------------------------------------------------------------
# inline text


@dataclass(frozen=True)
class Span:
    """A run of text with at most one mark: "" (plain), strong, em, code, badge (``tone``: its
    class, or ``colour``: its background), overdue, link or file (``href``), br (a line break)."""

    text: str = ""
    mark: str = ""
    href: str = ""
    tone: str = ""
    colour: str = ""

    def html(self) -> str:
        if self.mark not in _MARKUP:
            raise ValueError(f"unknown inline mark {self.mark!r}")
        return _MARKUP[self.mark](self, esc(self.text))


def _badge(span: Span, text: str) -> str:
    if span.colour:  # a configured band's colour
        return f'<span class="ak-badge" style="background:{esc(span.colour)}">{text}</span>'
    return f'<span class="ak-badge ak-{esc(span.tone)}">{text}</span>'


#: The HTML of each inline mark, from the span and its escaped text.
_MARKUP: dict[str, Callable[[Span, str], str]] = {
    "": lambda s, text: text,
    "br": lambda s, text: "<br>",
    "strong": lambda s, text: f"<b>{text}</b>",
    "em": lambda s, text: f"<em>{text}</em>",
    "code": lambda s, text: f"<code>{text}</code>",
    "overdue": lambda s, text: f'<span class="ak-overdue">{text}</span>',
    "badge": _badge,
    "link": lambda s, text: f'<a href="{esc(s.href)}">{text}</a>',
    "file": lambda s, text: f'<a class="ak-file" href="{esc(s.href)}">{text}</a>',
}


Spans = tuple[Span, ...]


def spans(value: Any) -> Spans:
    """A value as plain spans: a list's items on their own lines."""
    if isinstance(value, (list, tuple)):
        out: list[Span] = []
        for i, item in enumerate(value):
            if i:
                out.append(Span(mark="br"))
            out.extend(spans(item))
        return tuple(out)
    text = plain(value)
    return (Span(text),) if text else ()


def spans_html(runs: Iterable[Span]) -> str:
    return "".join(s.html() for s in runs)


def span_text(span: Span) -> str:
    """A span's words as plain text (a file link names its file)."""
    if span.mark == "br":
        return "\n"
    return f"{span.text} ({span.href})" if span.mark == "file" and span.href else span.text


def spans_text(runs: Iterable[Span]) -> str:
    return "".join(span_text(s) for s in runs)


# ---------------------------------------------------------------------------------------------
# blocks


class Block:
    """What every block does: its HTML (inside the report wrapper and without it), its JSON."""

    kind: ClassVar[str] = ""

    def inner(self) -> str:
        """The block's HTML without the ``ak-report`` wrapper (inside a wrapping :class:`Group`)."""
        raise NotImplementedError

    def html(self) -> str:
        return f'<div class="ak-report">{self.inner()}</div>'

    def text(self) -> str:
        """The block's words, for the notebook's plain-text output."""
        return ""

    def to_json(self) -> dict[str, Any]:
        return {"type": self.kind, **{k: _encode(v) for k, v in _fields(self)}}

    # rich display, and the old ``report.HTML`` interface
    @property
    def data(self) -> str:
        return self.html()

    def __str__(self) -> str:
        return self.html()

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        return {"text/html": self.html(), "text/plain": _preview(self.text()), MIME: bundle([self])}


def _preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """The start of a block's words: its plain-text output (the block itself is in the JSON)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fields(block: Any) -> Iterator[tuple[str, Any]]:
    """A dataclass's fields for its JSON: those not left out of it, and not at their default value
    (the JSON stays small; reading it back gives the defaults again)."""
    for f in dataclasses.fields(block):
        value = getattr(block, f.name)
        if f.metadata.get("json", True) and not (f.default is not dataclasses.MISSING and value == f.default):
            yield f.name, value


def _encode(value: Any) -> Any:
    if isinstance(value, Block):
        return value.to_json()
    if isinstance(value, Span) and not value.mark:  # plain text, the most common span: a bare string
        return value.text
    if hasattr(value, "__dataclass_fields__"):
        return {k: _encode(v) for k, v in _fields(value)}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def bundle(blocks: Sequence[Block]) -> dict[str, Any]:
    """The JSON the notebook output carries under :data:`MIME`."""
    return {"version": VERSION, "blocks": [b.to_json() for b in blocks]}


@dataclass(frozen=True)
class Heading(Block):
    """A heading inside a report (the notebook's own sections are markdown headings);
    ``compact``: a record's run-in heading (an audit finding), set close to what follows."""

    kind: ClassVar[str] = "heading"
    level: int
    spans: Spans
    compact: bool = False

    def inner(self) -> str:
        style = ' style="margin:14px 0 4px"' if self.compact else ""
        return f"<h{self.level}{style}>{spans_html(self.spans)}</h{self.level}>"

    def html(self) -> str:
        return self.inner()

    def text(self) -> str:
        return spans_text(self.spans)


@dataclass(frozen=True)
class Paragraph(Block):
    """A paragraph; ``note``: a small-print note."""

    kind: ClassVar[str] = "paragraph"
    spans: Spans
    note: bool = False

    def inner(self) -> str:
        cls = ' class="ak-note"' if self.note else ""
        return f"<p{cls}>{spans_html(self.spans)}</p>"

    def text(self) -> str:
        return spans_text(self.spans)


@dataclass(frozen=True)
class Bullets(Block):
    kind: ClassVar[str] = "bullets"
    items: tuple[Spans, ...]
    numbered: bool = False

    def inner(self) -> str:
        tag = "ol" if self.numbered else "ul"
        return f'<{tag} class="ak-points">' + "".join(f"<li>{spans_html(i)}</li>" for i in self.items) + f"</{tag}>"

    def text(self) -> str:
        return "\n".join("- " + spans_text(i) for i in self.items)


@dataclass(frozen=True)
class Callout(Block):
    """A short note (``tone`` note: small print) or a callout (``tone`` warning: a framed box)."""

    kind: ClassVar[str] = "callout"
    message: str
    tone: str = "note"

    def inner(self) -> str:
        return f'<div class="{"ak-callout" if self.tone == "warning" else "ak-note"}">{esc(self.message)}</div>'

    def text(self) -> str:
        return self.message


@dataclass(frozen=True)
class Definitions(Block):
    """Terms and their meaning (the method appendix)."""

    kind: ClassVar[str] = "definitions"
    items: tuple[tuple[str, str], ...]

    def inner(self) -> str:
        body = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in self.items)
        return f'<dl class="ak-method">{body}</dl>'

    def text(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.items)


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    sub: str = ""
    tone: str = ""  # good, warn, bad or ""


@dataclass(frozen=True)
class KeyFigures(Block):
    """The headline figures of a report."""

    kind: ClassVar[str] = "key_figures"
    items: tuple[KeyFigure, ...]

    def inner(self) -> str:
        cards = "".join(
            f'<div class="ak-kpi {esc(k.tone)}"><div class="v">{esc(k.value)}</div>'
            f'<div class="l">{esc(k.label)}</div><div class="s">{esc(k.sub)}</div></div>'
            for k in self.items
        )
        return f'<div class="ak-kpis">{cards}</div>'

    def text(self) -> str:
        return "\n".join(f"{k.label}: {k.value} {k.sub}".rstrip() for k in self.items)


def longest_word(text: str) -> int:
    """The length of the longest word of ``text``: the narrowest a column can be without breaking a
    word (the table helpers size columns with it, and Word keeps words whole with it)."""
    return max((len(w) for w in re.split(r"\s+", text)), default=0)


@dataclass(frozen=True)
class Column:
    """A table column: ``kind`` how its cells show (see :func:`aimskit.present.report.table`),
    ``role`` what it holds (one of :data:`ROLES`), ``width`` its relative width (about the
    characters it needs), ``html_width`` a fixed width on the page (CSS), if any."""

    key: str
    header: str
    kind: str = "text"
    role: str = "text"
    width: float = 10.0
    html_width: str = ""


@dataclass(frozen=True)
class Cell:
    """A table cell: its text runs, or ``items`` (a list shown as bullets); ``cls`` its HTML class."""

    spans: Spans = ()
    items: tuple[Spans, ...] = ()
    cls: str = ""

    def html(self, column: Column | None = None) -> str:
        content = spans_html(self.spans)
        if self.items:
            content = '<ul class="ak-list">' + "".join(f"<li>{spans_html(i)}</li>" for i in self.items) + "</ul>"
        attrs = f' class="{self.cls}"' if self.cls else ""
        if column is not None and column.html_width:
            attrs += f' style="width:{esc(column.html_width)}"'
        return f"<td{attrs}>{content}</td>"

    def text(self) -> str:
        if self.items:
            return "\n".join(spans_text(i) for i in self.items)
        return spans_text(self.spans)


@dataclass(frozen=True)
class Table(Block):
    """A table: its columns, its rows of cells, a caption, ``wide`` (printed on a landscape page)
    and ``header`` (whether the column headers show: a record's key-value table has none)."""

    kind: ClassVar[str] = "table"
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""
    wide: bool = False
    header: bool = True

    def inner(self) -> str:
        caption = f"<caption>{esc(self.caption)}</caption>" if self.caption else ""
        head = ""
        if self.header:
            cells = "".join(
                f'<th class="num">{esc(c.header)}</th>' if c.kind in ("num", "pct") else f"<th>{esc(c.header)}</th>"
                for c in self.columns
            )
            head = f"<thead><tr>{cells}</tr></thead>"
        body = "".join(
            "<tr>" + "".join(cell.html(col) for cell, col in zip(row, self.columns, strict=False)) + "</tr>"
            for row in self.rows
        )
        return f'<table class="ak-table">{caption}{head}<tbody>{body}</tbody></table>'

    def html(self) -> str:
        return f'<div class="ak-report{" ak-wide" if self.wide else ""}">{self.inner()}</div>'

    def text(self) -> str:
        lines = [" | ".join(c.header for c in self.columns)] if self.header else []
        lines += [" | ".join(c.text().replace("\n", "; ") for c in row) for row in self.rows]
        return "\n".join(lines)


@dataclass(frozen=True)
class Figure(Block):
    """A chart: the plotly figure (shown by the notebook's plotly renderers, not kept in the JSON),
    its alternative text and caption, and ``chart_id``, the id of its HTML element once shown
    (the print pipeline's picture of the chart is keyed by it)."""

    kind: ClassVar[str] = "figure"
    figure: Any = field(default=None, compare=False, repr=False, metadata={"json": False})
    alt: str = ""
    caption: str = ""
    chart_id: str = ""

    @classmethod
    def of(cls, figure: Any, caption: str = "") -> Figure:
        """A figure block, its alternative text the chart's title."""
        title = figure.layout.title.text if figure is not None and figure.layout.title else ""
        return cls(figure, alt=plain(title), caption=caption)

    def inner(self) -> str:
        return self.html()

    def html(self) -> str:
        """The chart's element, as the report renderer draws it (read back from JSON, without its
        figure: its alternative text)."""
        if self.figure is None:
            return f'<div class="ak-report"><div class="ak-note">{esc(self.alt)}</div></div>'
        return self._html_bundle()["text/html"]

    def text(self) -> str:
        return self.alt

    def _html_bundle(self) -> dict[str, Any]:
        import plotly.io as pio

        from aimskit.present.plotly_renderer import RENDERER, ReportHtmlRenderer

        renderer = pio.renderers[RENDERER] if RENDERER in pio.renderers else ReportHtmlRenderer()
        return renderer.to_mimebundle(self.figure.to_dict())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        shown = dict(self.figure._repr_mimebundle_(include, exclude, **kwargs) or {})
        match = re.search(r'<div id="(ak-fig-[^"]+)"', shown.get("text/html", ""))
        placed = Figure(self.figure, self.alt, self.caption, match.group(1) if match else "")
        shown[MIME] = bundle([placed])
        shown.setdefault("text/plain", self.alt)
        return shown

    def _ipython_display_(self) -> None:
        """Shown as plotly shows a figure (display data, not an execution result), with the block."""
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)


@dataclass(frozen=True)
class Title(Block):
    """The title block: the report's title and scope, the document status, the engagement's
    details (``rows``), the brand colour and logo (a data URI) and the consultant's commentary."""

    kind: ClassVar[str] = "title"
    title: str
    subtitle: str = ""
    status: str = ""
    status_label: str = ""
    rows: tuple[tuple[str, str], ...] = ()
    colour: str = ""
    logo: str = ""
    commentary_by: str = ""
    commentary: str = ""

    def inner(self) -> str:
        logo = f'<img class="ak-logo" alt="logo" src="{self.logo}">' if self.logo else ""
        body = "".join(f'<tr><td class="k">{esc(k)}</td><td>{esc(v)}</td></tr>' for k, v in self.rows)
        sub = f'<div class="ak-sub">{esc(self.subtitle)}</div>' if self.subtitle else ""
        status = f'<span class="ak-doc-status ak-doc-{esc(self.status)}">{esc(self.status_label)}</span>'
        note = ""
        if self.commentary:
            note = (
                f'<div class="ak-commentary"><div class="ak-commentary-by">Commentary from {esc(self.commentary_by)}'
                f"</div><p>{esc(self.commentary)}</p></div>"
            )
        return f'<div class="ak-title">{logo}{status}<h1>{esc(self.title)}</h1>{sub}<table>{body}</table></div>{note}'

    def html(self) -> str:
        return f'{STYLE}<div class="ak-report" style="--ak-brand:{esc(self.colour)}">{self.inner()}</div>'

    def text(self) -> str:
        lines = [self.title, self.subtitle, *(f"{k}: {v}" for k, v in self.rows)]
        if self.commentary:
            lines += [f"Commentary from {self.commentary_by}", self.commentary]
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Group(Block):
    """Several blocks shown as one output; ``wrap``: inside one ``ak-report`` wrapper."""

    kind: ClassVar[str] = "group"
    blocks: tuple[Block, ...] = ()
    wrap: bool = False

    def inner(self) -> str:
        return "".join(b.inner() for b in self.blocks)

    def html(self) -> str:
        if self.wrap:
            return f'<div class="ak-report">{self.inner()}</div>'
        return "".join(b.html() for b in self.blocks)

    def text(self) -> str:
        return "\n\n".join(t for t in (b.text() for b in self.blocks) if t)


EMPTY = Group()


def group(*blocks: Block | None, wrap: bool = False) -> Block:
    """The blocks given (``None`` left out) as one block: itself when there is one."""
    kept = tuple(b for b in blocks if b is not None and b != EMPTY)
    return kept[0] if len(kept) == 1 and not wrap else Group(kept, wrap)


def flatten(blocks: Iterable[Block]) -> list[Block]:
    """The blocks with every :class:`Group` replaced by its blocks."""
    out: list[Block] = []
    for b in blocks:
        out.extend(flatten(b.blocks) if isinstance(b, Group) else [b])
    return out


# ---------------------------------------------------------------------------------------------
# JSON back to blocks


def _span(d: Mapping[str, Any] | str) -> Span:
    if isinstance(d, str):
        return Span(d)
    return Span(**{k: str(v) for k, v in d.items() if k in Span.__dataclass_fields__})


def _runs(items: Iterable[Mapping[str, Any] | str]) -> Spans:
    return tuple(_span(s) for s in items)


def _pairs(items: Iterable[Sequence[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in items)


def _cell(d: Mapping[str, Any]) -> Cell:
    return Cell(_runs(d.get("spans", ())), tuple(_runs(i) for i in d.get("items", ())), d.get("cls", ""))


def _table(d: Mapping[str, Any]) -> Table:
    columns = tuple(Column(**c) for c in d["columns"])
    rows = tuple(tuple(_cell(c) for c in row) for row in d["rows"])
    return Table(columns, rows, d.get("caption", ""), bool(d.get("wide")), bool(d.get("header", True)))


_DECODERS: dict[str, Any] = {
    "heading": lambda d: Heading(int(d["level"]), _runs(d["spans"]), bool(d.get("compact"))),
    "paragraph": lambda d: Paragraph(_runs(d["spans"]), bool(d.get("note"))),
    "bullets": lambda d: Bullets(tuple(_runs(i) for i in d["items"]), bool(d.get("numbered"))),
    "callout": lambda d: Callout(d["message"], d.get("tone", "note")),
    "definitions": lambda d: Definitions(_pairs(d["items"])),
    "key_figures": lambda d: KeyFigures(tuple(KeyFigure(**k) for k in d["items"])),
    "table": _table,
    "figure": lambda d: Figure(None, d.get("alt", ""), d.get("caption", ""), d.get("chart_id", "")),
    "title": lambda d: Title(**{**d, "rows": _pairs(d.get("rows", ()))}),
    "group": lambda d: Group(tuple(from_json(b) for b in d.get("blocks", ())), bool(d.get("wrap"))),
}


def from_json(data: Mapping[str, Any]) -> Block:
    """A block from its :meth:`Block.to_json`."""
    kind = data.get("type", "")
    if kind not in _DECODERS:
        raise ValueError(f"unknown report block type {kind!r}")
    return _DECODERS[kind]({k: v for k, v in data.items() if k != "type"})


# ---------------------------------------------------------------------------------------------
# markdown cells and executed notebooks


def _markdown_tokens(text: str) -> list[dict[str, Any]]:
    import mistune

    parse = mistune.create_markdown(renderer=None)
    return list(parse(text))  # type: ignore[arg-type]


_INLINE_MARKS = {"strong": "strong", "emphasis": "em"}


def _inline(tokens: Iterable[Mapping[str, Any]], mark: str = "", href: str = "") -> list[Span]:
    out: list[Span] = []
    for t in tokens:
        kind = t.get("type")
        if kind in ("text", "codespan", "inline_html", "block_text"):
            raw = t.get("raw", "")
            if kind == "block_text":
                out += _inline(t.get("children", ()), mark, href)
            elif raw:
                out.append(Span(raw, "code" if kind == "codespan" else mark, href))
        elif kind == "softbreak":
            out.append(Span(" ", mark, href))
        elif kind == "linebreak":
            out.append(Span(mark="br"))
        elif kind == "link":
            out += _inline(t.get("children", ()), "link", t.get("attrs", {}).get("url", ""))
        else:
            out += _inline(t.get("children", ()), _INLINE_MARKS.get(str(kind), mark), href)
    return out


def _markdown_block(t: Mapping[str, Any]) -> list[Block]:
    kind = t.get("type")
    children = t.get("children", ())
    if kind == "heading":
        return [Heading(int(t["attrs"]["level"]), tuple(_inline(children)))]
    if kind in ("paragraph", "block_text"):
        return [Paragraph(tuple(_inline(children)))]
    if kind == "block_code":
        return [Paragraph((Span(t.get("raw", "").rstrip("\n"), "code"),))]
    if kind == "list":
        items = tuple(tuple(_inline(i.get("children", ()))) for i in children)
        return [Bullets(items, bool(t.get("attrs", {}).get("ordered")))]
    if kind == "block_quote":
        return [b for c in children for b in _markdown_block(c)]
    return []


def from_markdown(text: str) -> list[Block]:
    """A markdown cell's headings, paragraphs and lists as blocks."""
    return [b for t in _markdown_tokens(text) for b in _markdown_block(t)]


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_blocks(nb: Mapping[str, Any]) -> list[Block]:
    """The blocks of an executed report notebook (a dict as nbformat or ``json`` reads it), in
    order: its markdown cells and the blocks its code cells displayed. Cells the report hides
    (:data:`HIDDEN_TAGS`) are left out, as are outputs that are not blocks."""
    out: list[Block] = []
    for cell in nb.get("cells", ()):
        if HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", ())):
            continue
        if cell.get("cell_type") == "markdown":
            out += from_markdown(_source(cell))
            continue
        for output in cell.get("outputs", ()):
            data = (output.get("data") or {}).get(MIME)
            if data:
                out += [from_json(b) for b in data.get("blocks", ())]
    return out


def sections(blocks: Sequence[Block]) -> list[list[Block]]:
    """The blocks cut before every section heading (level 1 or 2): the first list holds what
    comes before the first section (the title block)."""
    out: list[list[Block]] = [[]]
    for b in flatten(blocks):
        if isinstance(b, Heading) and b.level <= 2:
            out.append([])
        out[-1].append(b)
    return out


def executive_summary(blocks: Sequence[Block]) -> list[Block]:
    """What comes before the first section, and the executive summary: the section that holds the
    report's headline figures (:class:`KeyFigures`), else the first section (a report that opens
    with its verdict)."""
    parts = sections(blocks)
    summary = next((s for s in parts[1:] if any(isinstance(b, KeyFigures) for b in s)), None)
    if summary is None and len(parts) > 1:
        summary = parts[1]
    return parts[0] + (summary or [])
