"""The run's ``index.html``: every report with its status, headline figures and links."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aimskit.engagement import Engagement
from aimskit.present.report import STYLE, esc, plural
from aimskit.results.run import Manifest, Report
from aimskit.steps.registry import STEPS


def headline_figures(step: str) -> list[tuple[str, str, str]]:
    """The headline figures of a step shown in the index: (key in the results headline, label, kind)."""
    spec = STEPS.get(step)
    return [(f.key, f.label, f.kind) for f in spec.headline] if spec is not None else []


def _fmt(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if kind == "pct":
        return f"{float(value):.0f}%"
    if kind == "dec":
        return f"{float(value):.1f}"
    return esc(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if isinstance(value, float) and math.isnan(value) else float(value)


def _scope_label(r: Report, names: dict[str, str]) -> str:
    scope_id = r.scope_id
    if scope_id is None:
        return "Organisation-wide"
    if r.system_id is not None:
        return f"{names.get(scope_id, scope_id)} ({scope_id})"
    return f"{STEPS[r.step].scope_prefix.capitalize()} {scope_id}" if r.step in STEPS else str(scope_id)


def _status(r: Report) -> str:
    if not r.ok:
        return f'<span class="ak-badge ak-non_compliant">failed</span> {esc(r.error or "")}'
    badge = '<span class="ak-badge ak-compliant">ok</span>'
    return badge + (' <span class="ak-badge">reused</span>' if r.cached else "")


def _cell(value: Any, kind: str) -> str:
    number = _number(value)
    key = "" if number is None else f' data-sort="{number:g}"'
    return f'<td class="num"{key}>{_fmt(value, kind)}</td>'


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _matrix(manifest: Manifest, steps: list[str], names: dict[str, str]) -> str:
    """Every AI system (row) x step (columns: status and the step's first two headline figures), sortable."""
    by_scope: dict[str | None, dict[str, Report]] = {}
    for r in manifest.reports:
        if r.scope_id is None or r.system_id is not None:
            by_scope.setdefault(r.scope_id, {})[r.step] = r
    if not by_scope:
        return ""
    cols = [(step, key, label, kind) for step in steps for key, label, kind in headline_figures(step)[:2]]
    head = "".join(f"<th>{esc(step)}</th>" for step in steps)
    head += "".join(f"<th>{esc(step)}: {esc(label)}</th>" for step, _, label, _ in cols)
    rows = [_matrix_row(scope_id, reports, steps, cols, names) for scope_id, reports in by_scope.items()]
    rollup = _rollup(by_scope, steps, cols)
    return (
        "<h2>Portfolio: every AI system and step</h2>"
        '<p class="ak-note">Click a column heading to sort. The last rows sum up the AI systems '
        "(organisation-wide reports excluded).</p>"
        f'<div class="ak-scroll"><table class="ak-table ak-sortable ak-matrix"><thead><tr><th>Scope</th>{head}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody><tfoot>{''.join(rollup)}</tfoot></table></div>"
    )


_Column = tuple[str, str, str, str]  # step, headline key, label, kind


def _matrix_row(
    scope_id: str | None, reports: dict[str, Report], steps: list[str], cols: list[_Column], names: dict[str, str]
) -> str:
    """One scope's row: each step's status (linked to its report), then the headline figures."""
    label = _scope_label(next(iter(reports.values())), names)
    cells = []
    for step in steps:
        r = reports.get(step)
        if r is None:
            cells.append('<td data-sort="">-</td>')
            continue
        html = r.files.get("html")
        text = "ok" if r.ok else "failed"
        badge = "ak-compliant" if r.ok else "ak-non_compliant"
        link = f'<a href="{esc(html)}">{text}</a>' if html else text
        cells.append(f'<td data-sort="{text}"><span class="ak-badge {badge}">{link}</span></td>')
    for step, key, _, kind in cols:
        found = reports.get(step)
        cells.append(_cell(found.headline.get(key) if found else None, kind))
    sort = "" if scope_id is None else esc(scope_id)
    return f'<tr><td data-sort="{sort}">{esc(label)}</td>{"".join(cells)}</tr>'


def _rollup(by_scope: dict[str | None, dict[str, Report]], steps: list[str], cols: list[_Column]) -> list[str]:
    """The median, minimum and maximum of each figure across the AI systems (organisation-wide reports excluded)."""
    rollup = []
    for name, fn in (("median", _median), ("min", min), ("max", max)):
        row = "".join("<td></td>" for _ in steps)
        for step, key, _, kind in cols:
            values = [
                v
                for sid, reports in by_scope.items()
                if sid is not None and step in reports and reports[step].ok
                for v in [_number(reports[step].headline.get(key))]
                if v is not None
            ]
            value: Any = fn(values) if values else None
            if kind == "num" and value is not None:
                value = int(value) if float(value).is_integer() else round(value, 1)
            row += f'<td class="num">{_fmt(value, kind)}</td>'
        rollup.append(f"<tr><th>Across systems: {name}</th>{row}</tr>")
    return rollup


SORT_SCRIPT = """<script>
document.querySelectorAll("table.ak-sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, col) {
    th.style.cursor = "pointer";
    th.title = "Sort";
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var asc = th.getAttribute("data-dir") !== "asc";
      table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("data-dir"); });
      th.setAttribute("data-dir", asc ? "asc" : "desc");
      function key(row) {
        var cell = row.cells[col];
        var v = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
        return v.trim() !== "" && !isNaN(Number(v)) ? [0, Number(v)] : [1, v.toLowerCase()];
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x[0] !== y[0]) return x[0] - y[0];
        var c = x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
</script>"""


def _branding(eng: Engagement, deliverables: dict[str, str]) -> tuple[str, str, str]:
    """The index's logo and document-control line, and its deliverables section (the pack)."""
    from aimskit.present.report import _logo_data_uri

    meta = eng.meta
    dc = meta.document_control
    logo = ""
    if meta.branding.logo:
        path = Path(eng.path) / meta.branding.logo
        if path.is_file():
            logo = f'<img class="ak-logo" alt="logo" src="{_logo_data_uri(path)}">'
    parts = [f"Prepared for {dc.prepared_for or meta.organisation.name}"]
    if meta.branding.name:
        parts.append(f"Prepared by {meta.branding.name}")
    parts.append(f"version {dc.version}, {dc.status_label.lower()}")
    if dc.approver:
        parts.append(f"approved by {dc.approver}" + (f" on {dc.approval_date.isoformat()}" if dc.approval_date else ""))
    control = (
        f'<div class="ak-sub">{esc(" · ".join(parts))}</div>'
        f'<div class="ak-sub"><span class="ak-doc-status ak-doc-{esc(dc.status)}">{esc(dc.status_label)}</span>'
        f"{esc(dc.confidentiality)}</div>"
    )
    packs = [rel for rel in deliverables if rel.startswith("pack/")]
    section = ""
    if packs:
        links = "".join(f'<a class="ak-file" href="{esc(rel)}">{esc(Path(rel).name)}</a>' for rel in sorted(packs))
        section = f"<h2>Engagement pack</h2><p>{links}</p>"
    return logo, control, section


def _step_table(manifest: Manifest, step: str, names: dict[str, str], deliverables: dict[str, str]) -> str:
    """One step's section: a row per report with its status, headline figures, time and files."""
    figures = headline_figures(step)
    head = "".join(f"<th>{esc(label)}</th>" for _, label, _ in figures)
    rows = []
    for r in (r for r in manifest.reports if r.step == step):
        files = dict(r.files)
        html_file = files.get("html")
        for kind in ("pdf", "docx"):  # written by aimskit pdf / aimskit word beside the report
            rel = html_file[: -len(".html")] + f".{kind}" if html_file else None
            if rel and rel in deliverables:
                files[kind] = rel
        links = " · ".join(
            f'<a href="{esc(path)}">{esc(kind.replace("_", " ").upper())}</a>' for kind, path in files.items()
        )
        cells = "".join(_cell(r.headline.get(key), kind) for key, _, kind in figures)
        rows.append(
            f'<tr><td>{esc(_scope_label(r, names))}</td><td data-sort="{esc(r.status)}">{_status(r)}</td>'
            f'{cells}<td class="num" data-sort="{r.duration_s:g}">{r.duration_s:.1f} s</td>'
            f"<td>{links}</td></tr>"
        )
    title = STEPS[step].title if step in STEPS else step
    return (
        f"<h2>{esc(title)}</h2>"
        f'<table class="ak-table ak-sortable"><thead><tr><th>Scope</th><th>Status</th>{head}'
        f"<th>Time</th><th>Files</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def index_html(
    eng: Engagement, manifest: Manifest | Mapping[str, Any], deliverables: dict[str, str] | None = None, extra: str = ""
) -> str:
    """The portfolio index: a system x step matrix with a roll-up, then one sortable table per step.

    ``manifest`` is the run's (:class:`~aimskit.results.run.Manifest`, as :class:`~aimskit.results.run.Run`
    reads it or the batch builds it; a mapping is validated into one). Only the reports of this
    run's plan are listed: reports a previous run wrote for scopes no longer planned stay on disk
    but are not shown. ``deliverables`` (relative paths, from
    :func:`aimskit.deliver.pdf.read_deliverables`) adds the PDF and Word links and the pack. ``extra`` is
    HTML placed before the tables (the comparison with a baseline run,
    :func:`aimskit.results.compare.index_section`)."""
    manifest = Manifest.of(manifest)
    deliverables = deliverables or {}
    names = eng.system_names
    steps = manifest.steps
    sections = [_matrix(manifest, steps, names)]
    sections += [_step_table(manifest, step, names, deliverables) for step in steps]
    reports = manifest.reports
    failed = sum(1 for r in reports if not r.ok)
    reused = sum(1 for r in reports if r.cached)
    state = {"running": " (run in progress)", "interrupted": " (run interrupted; run again to complete it)"}
    summary = (
        f"{plural(len(reports), 'report')}, {failed} failed, {reused} reused unchanged"
        f"{state.get(manifest.status, '')}. "
        f"aimskit {esc(manifest.aimskit_version)}, catalog {esc(manifest.catalog_version)}, "
        f"run {esc(manifest.started)} to {esc(manifest.finished)}. "
        'Details and input hashes: <a href="manifest.json">manifest.json</a>.'
    )
    colour = esc(eng.meta.branding.colour)
    logo, control, pack_section = _branding(eng, deliverables)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>aimskit reports - {esc(eng.organisation)}</title>
{STYLE}
<style>body{{margin:0;padding:24px;font-family:"Segoe UI","Helvetica Neue",Arial,sans-serif}}
.wrap{{max-width:1400px;margin:0 auto}} .ak-scroll{{overflow-x:auto}}
.ak-matrix td:first-child{{min-width:220px}} h2{{border-bottom:2px solid {colour};padding-bottom:4px}}
th[data-dir=asc]::after{{content:" \\25B2"}} th[data-dir=desc]::after{{content:" \\25BC"}}
tfoot th{{text-align:left;padding:5px 8px}} .ak-badge a{{color:#fff}}</style>
</head><body><div class="wrap ak-report" style="--ak-brand:{colour}">
<div class="ak-title">{logo}<h1>{esc(eng.organisation)}</h1>
<div class="ak-sub">ISO/IEC 42001 reports - assessment date {esc(eng.meta.assessment_date.isoformat())}</div>
{control}</div>
<p class="ak-note">{summary}</p>
{pack_section}
{extra}{"".join(sections)}
</div>{SORT_SCRIPT}</body></html>
"""
