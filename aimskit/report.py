"""Helpers that notebooks call to display a report: layout blocks, escaped tables, charts.

Everything user-provided goes through :func:`esc` before it reaches HTML. The CSS travels with
the title block, so the report looks the same in JupyterLab and in the rendered HTML.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import math
import mimetypes
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from aimskit.fileio import atomic_write_text

STYLE = """
<style>
.ak-report{--ak-brand:#1F4E79;font-family:"Segoe UI","Helvetica Neue",Arial,sans-serif;color:#1d2733;line-height:1.45}
.ak-title{border-left:8px solid var(--ak-brand);padding:14px 18px;background:#f5f7fa;margin:0 0 12px 0}
.ak-title h1{margin:0 0 4px 0;font-size:1.9em;color:var(--ak-brand)}
.ak-title .ak-sub{font-size:1.1em;color:#44546a}
.ak-report .ak-title table{margin:10px 0 0 0;border-collapse:collapse;font-size:.92em;table-layout:auto;width:auto}
.ak-report .ak-title td{padding:2px 14px 2px 0;vertical-align:top;border:none;text-align:left !important;background:none}
.ak-title td.k{color:#5b6b7f;white-space:nowrap}
.ak-title img.ak-logo{float:right;max-height:64px;max-width:220px;margin-left:12px}
.ak-kpis{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 14px 0}
.ak-kpi{flex:1 1 150px;border:1px solid #d8dee6;border-top:4px solid var(--ak-brand);padding:10px 12px;background:#fff;border-radius:4px}
.ak-kpi .v{font-size:1.7em;font-weight:600}
.ak-kpi .l{font-size:.85em;color:#5b6b7f}
.ak-kpi .s{font-size:.8em;color:#7a8797}
.ak-kpi.bad{border-top-color:#C62828}.ak-kpi.warn{border-top-color:#F2A900}.ak-kpi.good{border-top-color:#2E7D32}
ul.ak-points li{margin:4px 0}
.ak-report table.ak-table{border-collapse:collapse;width:100%;font-size:.88em;margin:6px 0 16px 0;table-layout:auto}
.ak-report table.ak-table th{background:var(--ak-brand);color:#fff;text-align:left !important;padding:6px 8px;font-weight:600;position:sticky;top:0}
.ak-report table.ak-table td{border-bottom:1px solid #e3e8ef;padding:5px 8px;vertical-align:top;text-align:left !important;max-width:420px}
.ak-report table.ak-table tr:nth-child(even) td{background:#f8fafc}
.ak-report table.ak-table td.num{text-align:right !important;font-variant-numeric:tabular-nums;white-space:nowrap}
.ak-report table.ak-table td.nowrap{white-space:nowrap}
.ak-badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:.85em;white-space:nowrap;color:#fff;background:#5b6b7f}
.ak-high,.ak-prohibited{background:#C62828}.ak-limited{background:#F2A900;color:#1d2733}.ak-minimal{background:#2E7D32}.ak-unknown{background:#9E9E9E}
.ak-compliant{background:#2E7D32}.ak-partially_compliant{background:#F2A900;color:#1d2733}
.ak-non_compliant{background:#C62828}.ak-not_applicable{background:#9E9E9E}
.ak-not_assessed{background:#CFD8DC;color:#1d2733}
.ak-P1{background:#8E0000}.ak-P2{background:#C62828}.ak-P3{background:#F2A900;color:#1d2733}.ak-P4{background:#5b6b7f}
.ak-missing{background:#C62828}.ak-incomplete{background:#F2A900;color:#1d2733}.ak-in_place{background:#2E7D32}
.ak-overdue{color:#C62828;font-weight:600}
.ak-note{font-size:.85em;color:#5b6b7f}
dl.ak-method dt{font-weight:600;margin-top:8px}
dl.ak-method dd{margin:2px 0 6px 18px}
.ak-callout{border:1px solid #f0c36d;background:#fff8e5;padding:8px 12px;border-radius:4px;margin:8px 0}
@media print{.ak-kpi{break-inside:avoid} table.ak-table th{position:static}}
</style>
"""


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

    from aimskit.plotting import install_renderer

    install_renderer()
    pio.templates.default = "plotly_white"
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    pd.set_option("display.max_rows", 200)


def _logo_data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def title_block(eng: Any, report_title: str, subtitle: str = "") -> HTML:
    """Report title: organisation, scope, assessors, date, branding (with the report CSS)."""
    meta = eng.meta
    colour = meta.branding.colour
    logo = ""
    if meta.branding.logo:
        logo_path = Path(eng.path) / meta.branding.logo
        if logo_path.is_file():
            logo = f'<img class="ak-logo" alt="logo" src="{_logo_data_uri(logo_path)}">'
    assessors = "; ".join(
        ", ".join(x for x in (a.name, a.role, a.organisation) if x) for a in meta.assessors
    )
    rows = [
        ("Organisation", meta.organisation.name),
        ("Scope", meta.scope),
        ("AI roles", ", ".join(meta.ai_roles)),
        ("Assessor(s)", assessors),
        ("Assessment date", meta.assessment_date.isoformat()),
    ]
    if meta.branding.name:
        rows.append(("Prepared by", meta.branding.name))
    body = "".join(f'<tr><td class="k">{esc(k)}</td><td>{esc(v)}</td></tr>' for k, v in rows)
    sub = f'<div class="ak-sub">{esc(subtitle)}</div>' if subtitle else ""
    return HTML(
        f'{STYLE}<div class="ak-report" style="--ak-brand:{esc(colour)}"><div class="ak-title">{logo}'
        f"<h1>{esc(report_title)}</h1>{sub}<table>{body}</table></div></div>"
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
    if kind == "num":
        return esc(value), "num"
    if kind == "pct":
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-", "num"
        return f"{float(value):.0f}%", "num"
    if kind == "bool":
        return ("yes" if value else ""), "nowrap"
    if kind == "overdue":
        return ('<span class="ak-overdue">overdue</span>' if value else ""), "nowrap"
    if kind == "date":
        return esc(value), "nowrap"
    if kind == "list":
        return esc(list(value) if isinstance(value, (list, tuple)) else value), ""
    return esc(value), ""


def table(
    df: pd.DataFrame,
    columns: Mapping[str, str | tuple[str, str]],
    empty: str = "Nothing to show.",
) -> HTML:
    """An escaped HTML table. ``columns`` maps a column to its header, or to
    ``(header, kind)`` with kind one of badge, num, pct, bool, overdue, date, list, text."""
    if df.empty:
        return note(empty)
    spec = {c: (v if isinstance(v, tuple) else (v, "text")) for c, v in columns.items()}
    head = "".join(f"<th>{esc(h)}</th>" for h, _ in spec.values())
    rows = []
    for rec in df.to_dict(orient="records"):
        cells = []
        for col, (_, kind) in spec.items():
            content, cls = _cell(rec.get(col), kind)
            cells.append(f'<td class="{cls}">{content}</td>' if cls else f"<td>{content}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return HTML(
        f'<div class="ak-report"><table class="ak-table"><thead><tr>{head}</tr></thead>'
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


def fingerprint(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:12]
