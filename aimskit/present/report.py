"""Helpers that notebooks call to display a report: typed blocks (:mod:`aimskit.present.blocks`)
built from computed DataFrames and values.

Everything user-provided is kept as plain text in the blocks and escaped (:func:`esc`) when they
render to HTML. The CSS travels with the title block, so the report looks the same in JupyterLab
and in the rendered HTML.
"""

from __future__ import annotations

import base64
import json
import math
import mimetypes
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from aimskit.base.fileio import atomic_write_text
from aimskit.base.problems import plural  # noqa: F401  (re-exported: reports phrase counts with report.plural)
from aimskit.present import blocks
from aimskit.present.blocks import STYLE, WIDE_COLUMNS, Cell, Column, Span, esc, longest_word, plain, spans  # noqa: F401

if TYPE_CHECKING:
    from aimskit.engagement import Engagement

#: The format of a report's results JSON, written as its first key (docs/run-format.md).
RESULTS_SCHEMA = "aimskit.results/1"


class HTML:
    """Minimal rich-display object for HTML that is not a report block (avoids importing IPython
    outside a kernel)."""

    def __init__(self, data: str):
        self.data = data

    def _repr_html_(self) -> str:
        return self.data

    def __str__(self) -> str:
        return self.data


def setup() -> None:
    """Configure plotly and warnings for report notebooks (call once, first)."""
    import plotly.io as pio

    from aimskit.present.plotly_renderer import install_renderer

    install_renderer()
    pio.templates.default = "plotly_white"
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    pd.set_option("display.max_rows", 200)


def logo_uri(eng: Engagement) -> str:
    """The engagement's logo as a data URI (empty without a usable logo)."""
    logo = eng.meta.branding.logo
    if not logo:
        return ""
    path = Path(eng.path) / logo
    return _logo_data_uri(path) if path.is_file() else ""


def logo_html(eng: Engagement) -> str:
    """The engagement's logo as an inline ``<img>`` (empty without a usable logo)."""
    uri = logo_uri(eng)
    return f'<img class="ak-logo" alt="logo" src="{uri}">' if uri else ""


def _logo_data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _title_rows(eng: Engagement) -> list[tuple[str, str]]:
    meta = eng.meta
    dc = meta.document_control
    assessors = "; ".join(", ".join(x for x in (a.name, a.role, a.organisation) if x) for a in meta.assessors)
    rows = [
        ("Organisation", meta.organisation.name),
        ("Scope", meta.scope),
        ("AI roles", ", ".join(meta.ai_roles)),
        ("Assessor(s)", assessors),
        ("Assessment date", meta.assessment_date.isoformat()),
    ]
    if meta.branding.name:
        rows.append(("Prepared by", meta.branding.name))
    rows.append(("Prepared for", dc.prepared_for or meta.organisation.name))
    rows.append(("Document", f"version {dc.version}, {dc.status_label.lower()} · {dc.confidentiality}"))
    if dc.approver or dc.approval_date:
        on = f" on {dc.approval_date.isoformat()}" if dc.approval_date else ""
        rows.append(("Approved by", f"{dc.approver or 'not named'}{on}"))
    return [(k, plain(v)) for k, v in rows]


def title_block(eng: Engagement, report_title: str, subtitle: str = "", step: str | None = None) -> blocks.Title:
    """Report title: organisation, scope, assessors, date, branding, document control and the
    consultant's commentary on ``step`` (with the report CSS)."""
    meta = eng.meta
    dc = meta.document_control
    commentary = dc.commentary_for(step) or ""
    return blocks.Title(
        title=report_title,
        subtitle=subtitle,
        status=dc.status,
        status_label=dc.status_label,
        rows=tuple(_title_rows(eng)),
        colour=meta.branding.colour,
        logo=logo_uri(eng),
        commentary_by=(meta.branding.name or "the assessor") if commentary else "",
        commentary=commentary,
    )


def kpis(items: Iterable[tuple[str, Any, str, str]]) -> blocks.KeyFigures:
    """Headline figure cards: ``(label, value, sub-text, tone)`` with tone good/warn/bad/''."""
    return blocks.KeyFigures(
        tuple(
            blocks.KeyFigure(plain(label), plain(value), plain(sub), plain(tone)) for label, value, sub, tone in items
        )
    )


def bullets(points: Iterable[Any]) -> blocks.Bullets:
    """A bullet list of points (text, or spans already built)."""
    return blocks.Bullets(tuple(p if _is_spans(p) else spans(p) for p in points))


def _is_spans(value: Any) -> bool:
    return isinstance(value, tuple) and bool(value) and all(isinstance(s, Span) for s in value)


def note(text: str, callout: bool = False) -> blocks.Callout:
    """A small-print note, or (``callout``) a framed box."""
    return blocks.Callout(plain(text), "warning" if callout else "note")


def heading(level: int, *parts: Any) -> blocks.Heading:
    """A heading inside a report (text, or spans)."""
    return blocks.Heading(level, _runs(parts))


def paragraph(*parts: Any, small: bool = False) -> blocks.Paragraph:
    """A paragraph of text and spans (:func:`link`, :func:`file_link`, :func:`badge`...)."""
    return blocks.Paragraph(_runs(parts), note=small)


def _runs(parts: Iterable[Any]) -> tuple[Span, ...]:
    out: list[Span] = []
    for p in parts:
        out.extend((p,) if isinstance(p, Span) else p if _is_spans(p) else spans(p))
    return tuple(out)


def link(text: Any, href: str) -> tuple[Span, ...]:
    """A link, or the text alone without an ``href``."""
    return (Span(plain(text), "link", href),) if href else spans(text)


def file_link(text: str, href: str) -> Span:
    """A link to a file written beside the report (shown as a button)."""
    return Span(text, "file", href)


def badge(value: Any, tone: str = "") -> Span:
    """A badge: ``value`` with underscores as spaces, its colour the class of ``tone`` (default: the value)."""
    return Span(str(value).replace("_", " "), "badge", tone=tone or str(value).replace(" ", "_"))


_SHOW = {"badge", "level", "bool", "link"}  # kinds whose empty value shows no class


def _badge_cell(value: Any) -> Cell:
    if value is None or value == "":
        return Cell()
    return Cell((badge(value),), cls="nowrap")


def _level_cell(value: Any) -> Cell:  # (label, colour) of a configured band
    if not value or not isinstance(value, (tuple, list)):
        return Cell()
    label, colour = value
    return Cell((Span(plain(label), "badge", colour=plain(colour)),), cls="nowrap")


def _pct_cell(value: Any) -> Cell:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Cell(spans("-"), cls="num")
    return Cell(spans(f"{float(value):.0f}%"), cls="num")


def _link_cell(value: Any) -> Cell:  # (text, relative href); text alone without an href
    if not value:
        return Cell()
    text, href = value if isinstance(value, (tuple, list)) else (value, "")
    return Cell(link(text, href), cls="nowrap")


def _list_cell(value: Any) -> Cell:
    items = list(value) if isinstance(value, (list, tuple)) else ([value] if esc(value) else [])
    if len(items) <= 1:
        return Cell(spans(items[0] if items else ""))
    return Cell(items=tuple(spans(i) for i in items))


_CELLS = {
    "badge": _badge_cell,
    "level": _level_cell,
    "pct": _pct_cell,
    "link": _link_cell,
    "list": _list_cell,
    "num": lambda v: Cell(spans(v), cls="num"),
    "nowrap": lambda v: Cell(spans(v), cls="nowrap"),
    "date": lambda v: Cell(spans(v), cls="nowrap"),
    "bool": lambda v: Cell() if v is None else Cell(spans("yes" if v else "no"), cls="nowrap"),
    "overdue": lambda v: Cell((Span("overdue", "overdue"),) if v else (), cls="nowrap"),
}


def cell(value: Any, kind: str = "text") -> Cell:
    """A table cell showing ``value`` as ``kind`` (see :func:`table`)."""
    make = _CELLS.get(kind)
    return make(value) if make else Cell(spans(value))


#: What a column holds, by how its cells show (a text column is an identifier, text or long text).
ROLE_OF_KIND = {
    "num": "number",
    "pct": "number",
    "badge": "status",
    "level": "status",
    "bool": "status",
    "overdue": "status",
    "date": "date",
    "nowrap": "identifier",
    "link": "identifier",
    "list": "list",
}
#: The relative width (characters) a column of a role gets at least and at most.
WIDTH_BOUNDS = {
    "identifier": (4, 22),
    "number": (3, 9),
    "status": (5, 16),
    "date": (10, 10),
    "text": (8, 30),
    "long text": (28, 60),
    "list": (14, 40),
}
_ID_HEADERS = {"id", "#", "rank"}


def column(key: str, header: str, kind: str, cells: Sequence[Cell]) -> Column:
    """A column with its role (from its kind, and for text from its key and contents) and its
    relative width (the characters its contents need, within its role's bounds, never less than
    its header's longest word)."""
    texts = [c.text() for c in cells]
    lines = [line for t in texts for line in t.split("\n")] or [""]
    longest = max(len(line) for line in lines)
    role = ROLE_OF_KIND.get(kind, "text")
    if role == "text":
        if key.lower() in _ID_HEADERS or key.endswith("_id") or header.lower() in _ID_HEADERS:
            role = "identifier"
        elif sum(len(line) for line in lines) / len(lines) > 40 or longest > 90:
            role = "long text"
    low, high = WIDTH_BOUNDS[role]
    words = max([longest_word(header), *(longest_word(t) for t in texts)])
    width = max(min(max(longest, low), high), words, 1)
    return Column(key, header, kind, role, float(width))


def table(
    df: pd.DataFrame,
    columns: Mapping[str, str | tuple[str, str]],
    empty: str = "Nothing to show.",
    caption: str = "",
) -> blocks.Table | blocks.Callout:
    """A table block (a note saying ``empty`` when ``df`` has no row). ``columns`` maps a column
    to its header, or to ``(header, kind)`` with kind one of badge, level, nowrap, num, pct, bool,
    overdue, date, list, link, text."""
    if df.empty:
        return note(empty)
    spec = {c: (v if isinstance(v, tuple) else (v, "text")) for c, v in columns.items()}
    rows = tuple(
        tuple(cell(rec.get(col), kind) for col, (_, kind) in spec.items()) for rec in df.to_dict(orient="records")
    )
    cols = tuple(
        column(col, header, kind, [r[i] for r in rows]) for i, (col, (header, kind)) in enumerate(spec.items())
    )
    return blocks.Table(cols, rows, caption=caption, wide=len(spec) >= WIDE_COLUMNS)


def definitions(items: Mapping[str, str] | Sequence[tuple[str, str]]) -> blocks.Definitions:
    """A definition list (used for the method appendix)."""
    pairs = items.items() if isinstance(items, Mapping) else items
    return blocks.Definitions(tuple((plain(k), plain(v)) for k, v in pairs))


def figure(fig: Any, caption: str = "") -> blocks.Figure:
    """A chart as a block (its alternative text the chart's title)."""
    return blocks.Figure.of(fig, caption)


def save_results(path: str | Path | None, results: Mapping[str, Any]) -> None:
    """Write a report's computed results as JSON, atomically (no-op when ``path`` is empty), its
    format version (:data:`RESULTS_SCHEMA`) first."""
    if not path:
        return
    text = json.dumps({"schema": RESULTS_SCHEMA, **results}, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    atomic_write_text(Path(path), text + "\n")
