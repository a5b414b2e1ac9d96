"""The run's ``index.html``: every report with its status, headline figures and links."""

from __future__ import annotations

import math
from typing import Any

from aimskit.report import STYLE, esc
from aimskit.steps import STEPS

#: Headline figures shown in the index, per step: (key in the results headline, label, kind).
HEADLINE_FIGURES: dict[str, list[tuple[str, str, str]]] = {
    "gap": [
        ("conformity", "Conformity", "pct"),
        ("clause_nonconformities", "Clause NCs", "num"),
        ("mean_maturity", "Mean maturity", "dec"),
        ("remediation_items", "Remediation items", "num"),
        ("not_assessed", "Not assessed", "num"),
    ],
    "risk": [
        ("risks", "Risks", "num"),
        ("residual_above_appetite", "Residual above appetite", "num"),
        ("unaccepted_residual", "Unaccepted", "num"),
        ("overdue", "Overdue", "num"),
        ("high_findings", "High findings", "num"),
    ],
    "audit": [
        ("coverage", "Coverage", "pct"),
        ("findings", "Findings", "num"),
        ("open_nonconformities", "Open NCs", "num"),
        ("overdue", "Overdue", "num"),
        ("independence_conflicts", "Independence conflicts", "num"),
    ],
    "review": [
        ("actions_open", "Open actions", "num"),
        ("actions_overdue", "Overdue actions", "num"),
        ("conformity", "Gap conformity", "pct"),
        ("open_nonconformities", "Open NCs", "num"),
    ],
    "impact": [
        ("tier", "EU AI Act tier", "text"),
        ("high_risk", "High-risk", "num"),
        ("disagreements", "Tier disagreements", "num"),
        ("severe_impacts", "Severe impacts", "num"),
        ("severe_unlinked", "Severe, no risk", "num"),
        ("fria_incomplete", "FRIA incomplete", "num"),
    ],
}


def _fmt(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if kind == "pct":
        return f"{float(value):.0f}%"
    if kind == "dec":
        return f"{float(value):.1f}"
    return esc(value)


def index_html(eng: Any, manifest: dict[str, Any]) -> str:
    names = eng.system_names
    sections = []
    for step in manifest["parameters"]["steps"]:
        reports = [r for r in manifest["reports"] if r["step"] == step]
        figures = HEADLINE_FIGURES.get(step, [])
        head = "".join(f"<th>{esc(label)}</th>" for _, label, _ in figures)
        rows = []
        for r in reports:
            scope_id = r.get("scope_id")
            if scope_id is None:
                scope = "Organisation-wide"
            elif r["system_id"] is not None:
                scope = f"{names.get(scope_id, scope_id)} ({scope_id})"
            else:
                scope = f"{STEPS[step].scope_prefix.capitalize()} {scope_id}"
            links = " · ".join(
                f'<a href="{esc(path)}">{esc(kind.replace("_", " ").upper())}</a>' for kind, path in r["files"].items()
            )
            status = (
                '<span class="ak-badge ak-compliant">ok</span>'
                if r["status"] == "ok"
                else f'<span class="ak-badge ak-non_compliant">failed</span> {esc(r["error"])}'
            )
            cells = "".join(f'<td class="num">{_fmt(r["headline"].get(key), kind)}</td>' for key, _, kind in figures)
            rows.append(
                f"<tr><td>{esc(scope)}</td><td>{status}</td>{cells}"
                f'<td class="num">{r["duration_s"]:.1f} s</td><td>{links}</td></tr>'
            )
        sections.append(
            f"<h2>{esc(STEPS[step].title)}</h2>"
            f'<table class="ak-table"><thead><tr><th>Scope</th><th>Status</th>{head}'
            f"<th>Time</th><th>Files</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    failed = sum(1 for r in manifest["reports"] if r["status"] != "ok")
    summary = (
        f"{len(manifest['reports'])} report(s), {failed} failed. "
        f"aimskit {esc(manifest['aimskit_version'])}, catalog {esc(manifest['catalog_version'])}, "
        f"run {esc(manifest['started'])} to {esc(manifest['finished'])}. "
        'Details and input hashes: <a href="manifest.json">manifest.json</a>.'
    )
    colour = esc(eng.meta.branding.colour)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>aimskit reports - {esc(eng.organisation)}</title>
{STYLE}
<style>body{{margin:0;padding:24px;font-family:"Segoe UI","Helvetica Neue",Arial,sans-serif}}
.wrap{{max-width:1180px;margin:0 auto}} h2{{border-bottom:2px solid {colour};padding-bottom:4px}}</style>
</head><body><div class="wrap ak-report" style="--ak-brand:{colour}">
<div class="ak-title"><h1>{esc(eng.organisation)}</h1>
<div class="ak-sub">ISO/IEC 42001 reports - assessment date {esc(eng.meta.assessment_date.isoformat())}</div></div>
<p class="ak-note">{summary}</p>
{"".join(sections)}
</div></body></html>
"""
