"""Helpers that notebooks call to display a report: layout blocks, escaped tables, charts.

Everything user-provided goes through :func:`esc` before it reaches HTML. The CSS travels with
the title block, so the report looks the same in JupyterLab and in the rendered HTML.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import math
import mimetypes
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from aimskit.base.fileio import atomic_write_text
from aimskit.base.problems import plural  # noqa: F401  (re-exported: reports phrase counts with report.plural)

#: Tables with at least this many columns print on a landscape page (aimskit's PDF also measures).
WIDE_COLUMNS = 10
STYLE = "<style>\n" + (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8") + "</style>\n"


def esc(value: Any) -> str:
    """HTML-escape any value; ``None``/NaN become an empty string."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "<br>".join(esc(v) for v in value)
    return html.escape(str(value), quote=True)


class HTML:
    """Minimal rich-display object (avoids importing IPython outside a kernel)."""

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


def logo_html(eng: Any) -> str:
    """The engagement's logo as an inline ``<img>`` (empty without a usable logo)."""
    logo = eng.meta.branding.logo
    if not logo:
        return ""
    path = Path(eng.path) / logo
    if not path.is_file():
        return ""
    return f'<img class="ak-logo" alt="logo" src="{_logo_data_uri(path)}">'


def _logo_data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def title_block(eng: Any, report_title: str, subtitle: str = "", step: str | None = None) -> HTML:
    """Report title: organisation, scope, assessors, date, branding, document control and the
    consultant's commentary on ``step`` (with the report CSS)."""
    meta = eng.meta
    dc = meta.document_control
    colour = meta.branding.colour
    logo = logo_html(eng)
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
    body = "".join(f'<tr><td class="k">{esc(k)}</td><td>{esc(v)}</td></tr>' for k, v in rows)
    sub = f'<div class="ak-sub">{esc(subtitle)}</div>' if subtitle else ""
    status = f'<span class="ak-doc-status ak-doc-{esc(dc.status)}">{esc(dc.status_label)}</span>'
    commentary = dc.commentary_for(step)
    note_html = ""
    if commentary:
        who = meta.branding.name or "the assessor"
        note_html = (
            f'<div class="ak-commentary"><div class="ak-commentary-by">Commentary from {esc(who)}</div>'
            f"<p>{esc(commentary)}</p></div>"
        )
    return HTML(
        f'{STYLE}<div class="ak-report" style="--ak-brand:{esc(colour)}"><div class="ak-title">{logo}'
        f"{status}<h1>{esc(report_title)}</h1>{sub}<table>{body}</table></div>{note_html}</div>"
    )


def kpis(items: Iterable[tuple[str, Any, str, str]]) -> HTML:
    """Headline figure cards: ``(label, value, sub-text, tone)`` with tone good/warn/bad/''."""
    cards = "".join(
        f'<div class="ak-kpi {esc(tone)}"><div class="v">{esc(value)}</div>'
        f'<div class="l">{esc(label)}</div><div class="s">{esc(sub)}</div></div>'
        for label, value, sub, tone in items
    )
    return HTML(f'<div class="ak-report"><div class="ak-kpis">{cards}</div></div>')


def bullets(points: Iterable[str]) -> HTML:
    items = "".join(f"<li>{esc(p)}</li>" for p in points)
    return HTML(f'<div class="ak-report"><ul class="ak-points">{items}</ul></div>')


def note(text: str, callout: bool = False) -> HTML:
    cls = "ak-callout" if callout else "ak-note"
    return HTML(f'<div class="ak-report"><div class="{cls}">{esc(text)}</div></div>')


def _cell(value: Any, kind: str) -> tuple[str, str]:
    if kind == "badge":
        if value is None or value == "":
            return "", ""
        key = str(value).replace(" ", "_")
        label = str(value).replace("_", " ")
        return f'<span class="ak-badge ak-{esc(key)}">{esc(label)}</span>', "nowrap"
    if kind == "level":  # (label, colour) of a configured band
        if not value or not isinstance(value, (tuple, list)):
            return "", ""
        label, colour = value
        return f'<span class="ak-badge" style="background:{esc(colour)}">{esc(label)}</span>', "nowrap"
    if kind == "num":
        return esc(value), "num"
    if kind == "nowrap":
        return esc(value), "nowrap"
    if kind == "pct":
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-", "num"
        return f"{float(value):.0f}%", "num"
    if kind == "bool":
        if value is None:
            return "", ""
        return ("yes" if value else "no"), "nowrap"
    if kind == "overdue":
        return ('<span class="ak-overdue">overdue</span>' if value else ""), "nowrap"
    if kind == "date":
        return esc(value), "nowrap"
    if kind == "link":  # (text, relative href); text alone without an href
        if not value:
            return "", ""
        text, href = value if isinstance(value, (tuple, list)) else (value, "")
        return (f'<a href="{esc(href)}">{esc(text)}</a>' if href else esc(text)), "nowrap"
    if kind == "list":
        items = list(value) if isinstance(value, (list, tuple)) else ([value] if esc(value) else [])
        if len(items) <= 1:
            return esc(items[0] if items else ""), ""
        return '<ul class="ak-list">' + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>", ""
    return esc(value), ""


def table(
    df: pd.DataFrame,
    columns: Mapping[str, str | tuple[str, str]],
    empty: str = "Nothing to show.",
) -> HTML:
    """An escaped HTML table. ``columns`` maps a column to its header, or to
    ``(header, kind)`` with kind one of badge, level, nowrap, num, pct, bool, overdue, date, list, link, text."""
    if df.empty:
        return note(empty)
    spec = {c: (v if isinstance(v, tuple) else (v, "text")) for c, v in columns.items()}
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if kind in ("num", "pct") else f"<th>{esc(h)}</th>"
        for h, kind in spec.values()
    )
    rows = []
    for rec in df.to_dict(orient="records"):
        cells = []
        for col, (_, kind) in spec.items():
            content, cls = _cell(rec.get(col), kind)
            cells.append(f'<td class="{cls}">{content}</td>' if cls else f"<td>{content}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    wide = " ak-wide" if len(spec) >= WIDE_COLUMNS else ""  # printed on a landscape page
    return HTML(
        f'<div class="ak-report{wide}"><table class="ak-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def definitions(items: Mapping[str, str] | Sequence[tuple[str, str]]) -> HTML:
    """A definition list (used for the method appendix)."""
    pairs = items.items() if isinstance(items, Mapping) else items
    body = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in pairs)
    return HTML(f'<div class="ak-report"><dl class="ak-method">{body}</dl></div>')


def save_results(path: str | Path | None, results: Mapping[str, Any]) -> None:
    """Write a report's computed results as JSON, atomically (no-op when ``path`` is empty)."""
    if not path:
        return
    text = json.dumps(results, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    atomic_write_text(Path(path), text + "\n")
