"""The internal audit report: blocks the ``internal_audit`` notebook displays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aimskit import catalog
from aimskit.engagement import Engagement
from aimskit.engagement.parts.audit import AUDITS_FILE, FINDINGS_FILE
from aimskit.present import blocks, charts, report
from aimskit.steps import audit
from aimskit.steps.audit import AuditResult

TITLE = "ISO/IEC 42001 internal audit"


def title(eng: Engagement, result: AuditResult) -> blocks.Block:
    if result.audit is not None:
        a = result.audit
        sub = f"Audit {a['id']}: {a['title']} ({a['start']} to {a['end']}, {a['status']})"
    else:
        name = result.programme.get("name") or "Internal audit programme"
        sub = f"{name}: programme coverage, findings and corrective action"
    return report.title_block(eng, TITLE, sub, step=None if result.audit is not None else "audit")


def missing_data(result: AuditResult) -> blocks.Block:
    """A callout when the engagement has no audit programme or no findings file."""
    missing = [f for f in (AUDITS_FILE, FINDINGS_FILE) if not result.present.get(f)]
    if not missing:
        return blocks.EMPTY
    return report.note(
        f"This engagement has no {' and no '.join(missing)}: the sections that need them are empty. "
        "Their format: the engagement format reference of aimskit (the audit programme and management reviews).",
        callout=True,
    )


def headline(result: AuditResult) -> blocks.Block:
    h = result.headline
    cov = "-" if h["coverage"] is None else f"{h['coverage']:.0f}%"
    done = "-" if h.get("audited_coverage") is None else f"{h['audited_coverage']:.0f}%"
    return report.kpis(
        [
            ("Audits", f"{h['audits_done']} / {h['audits']}", "done / in the programme", ""),
            (
                "Requirements audited",
                done,
                f"{cov} with the planned audits; {h['never_audited']} "
                + ("outside this audit" if result.audit is not None else "in no audit"),
                "" if result.audit is not None else "warn" if h["never_audited"] or h["planned"] else "good",
            ),
            ("Findings", h["findings"], f"{h['nonconformities']} nonconformities ({h['major']} major)", ""),
            (
                "Open nonconformities",
                h["open_nonconformities"],
                f"{report.plural(h['overdue'], 'finding')} overdue",
                "bad" if h["overdue"] else "warn" if h["open_nonconformities"] else "good",
            ),
            (
                "Closed without effectiveness check",
                h["closed_without_check"],
                f"{h['not_effective']} found not effective",
                "bad" if h["closed_without_check"] or h["not_effective"] else "good",
            ),
            (
                "Independence conflicts",
                h["independence_conflicts"],
                "auditor owns an audited area",
                "bad" if h["independence_conflicts"] else "good",
            ),
        ]
    )


def summary(result: AuditResult) -> blocks.Block:
    return report.bullets(result.summary)


def audits_table(result: AuditResult) -> blocks.Block:
    df = result.audits.copy()
    if not df.empty:
        df["period"] = [f"{s} to {e}" for s, e in zip(df["start"], df["end"], strict=True)]
        df["scope_text"] = [
            "; ".join(
                x
                for x in (
                    ("Clauses " + ", ".join(c)) if c else "",
                    ("Annex A " + ", ".join(a)) if a else "",
                    ("Systems " + ", ".join(s)) if s else "",
                )
                if x
            )
            for c, a, s in zip(df["clauses"], df["controls"], df["systems"], strict=True)
        ]
        df["n"] = [len(r) for r in df["requirements"]]
    return report.table(
        df,
        {
            "id": "Audit",
            "title": "Title",
            "status": ("Status", "badge"),
            "period": ("Period", "date"),
            "scope_text": "Scope",
            "n": ("Requirements", "num"),
            "criteria": ("Criteria", "list"),
            "lead_auditor": "Lead auditor",
            "team": ("Team", "list"),
        },
        empty="No audit is recorded in audits.yaml.",
    )


def programme_note(result: AuditResult) -> blocks.Block:
    p = result.programme
    if not p:
        return blocks.EMPTY
    items = {}
    if p.get("start") or p.get("end"):
        items["Programme period"] = f"{p.get('start') or '?'} to {p.get('end') or '?'}"
    if p.get("objectives"):
        items["Programme objectives"] = "; ".join(p["objectives"])
    return report.definitions(items) if items else blocks.EMPTY


def coverage_chart(result: AuditResult) -> blocks.Block:
    if result.coverage_groups.empty or result.audits.empty:
        return report.note("No audit in the programme, so there is no coverage to show.")
    cols = {a: f"{a} ({s})" for a, s in zip(result.audits["id"], result.audits["status"], strict=True)}
    if result.audit is None:
        cols["programme"] = "Whole programme"
    return report.figure(
        charts.coverage_heatmap(
            result.coverage_groups, cols, "Share of each clause and Annex A objective in the audit scope"
        )
    )


def never_audited_table(result: AuditResult) -> blocks.Block:
    df = result.coverage[result.coverage["state"] == "never audited"]
    what = "this audit" if result.audit is not None else "any audit of the programme"
    return report.table(
        df,
        {"id": "Requirement", "title": "Title", "group_id": "Clause / objective"},
        empty=f"Every requirement is in the scope of {what}.",
    )


def independence_table(result: AuditResult) -> blocks.Block:
    df = audit.independence_summary(result.conflicts)
    return report.table(
        df,
        {
            "audit_id": "Audit",
            "status": ("Audit status", "badge"),
            "auditor": "Auditor",
            "role": "Role",
            "owner": "Owner recorded for the area",
            "areas": ("Areas they would audit", "list"),
        },
        empty="No auditor is assigned to audit an area they own.",
    )


def findings_chart(result: AuditResult) -> blocks.Block:
    if result.by_group.empty:
        return report.note("No findings recorded.")
    return report.figure(
        charts.findings_by_group(
            result.by_group, audit.GRADE_LABELS, "Findings by clause / Annex A objective and grade"
        )
    )


def grade_table(result: AuditResult) -> blocks.Block:
    return report.table(
        result.grades,
        {
            "grade": ("Grade", "badge"),
            "total": ("Findings", "num"),
            "open": ("Open", "num"),
            "closed": ("Closed", "num"),
            "overdue": ("Overdue", "num"),
        },
    )


def ageing_table(result: AuditResult) -> blocks.Block:
    return report.table(
        result.ageing,
        {
            "band": "Age of open findings",
            "nonconformities": ("Nonconformities", "num"),
            "other": ("Other findings", "num"),
            "overdue": ("Overdue", "num"),
        },
    )


def _flags_text(flags: list[str]) -> list[str]:
    return [audit.FLAGS[f].split(":")[0] if f in ("overdue", "recurring") else audit.FLAGS[f] for f in flags]


def _requirement_titles() -> dict[str, str]:
    reqs = catalog.load("iso42001")
    return dict(zip(reqs["id"], reqs["title"], strict=True))


def _trail(rec: dict[str, Any], names: dict[str, str] | None = None) -> list[blocks.Block]:
    """A nonconformity's heading (its grade, status and flags as badges) and its record."""
    rows = [
        ("Statement", rec["statement"]),
        ("Objective evidence", rec["evidence"] or []),
        ("Raised", rec["raised"]),
        ("Root cause", rec["root_cause"]),
        ("Correction", rec["correction"]),
        ("Corrective action", rec["corrective_action"]),
        ("Owner / due", " / ".join(x for x in (report.plain(rec["owner"]), report.plain(rec["due_date"])) if x)),
        (
            "Effectiveness check",
            (
                f"{report.plain(rec['effectiveness']).replace('_', ' ')} - {report.plain(rec['verified_by'])}, "
                f"{report.plain(rec['verified_on'])}"
                if not audit._missing(rec["effectiveness"])
                else "not recorded"
            ),
        ),
        ("Closed", rec["closure_date"] if not audit._missing(rec["closure_date"]) else "open"),
    ]
    if not audit._missing(rec["recurrence_of"]):
        rows.append(("Recurrence of", rec["recurrence_of"]))
    if rec["recurred_as"]:
        rows.append(("Recurred as", ", ".join(rec["recurred_as"])))
    key = blocks.Column("item", "", "nowrap", "identifier", 20.0, html_width="190px")
    value = blocks.Column("value", "", "text", "long text", 60.0)
    table = blocks.Table(
        (key, value),
        tuple(
            (blocks.Cell((blocks.Span(k, "strong"),), cls="nowrap"), blocks.Cell(report.spans(v) or report.spans("-")))
            for k, v in rows
        ),
        header=False,
    )
    rid = rec["requirement_id"]
    title = _requirement_titles().get(rid, "")
    system = "" if audit._missing(rec["system_id"]) else (names or {}).get(rec["system_id"], rec["system_id"])
    text = f"{report.plain(rec['finding_id'])} · {report.plain(rid)} {report.plain(title)}"
    text += f" · {report.plain(system)} " if system else " "
    runs = [blocks.Span(text), report.badge(audit.GRADE_LABELS[rec["grade"]], rec["grade"]), blocks.Span(" ")]
    runs += [report.badge(rec["status"]), blocks.Span(" ")]
    for flag in _flags_text(rec["flags"]):
        runs += [report.badge(flag, "non_compliant"), blocks.Span(" ")]
    return [blocks.Heading(4, tuple(runs), compact=True), table]


def nonconformity_trails(result: AuditResult) -> blocks.Block:
    df = result.findings
    nc = df[df["nonconformity"].astype(bool)] if not df.empty else df
    if nc.empty:
        return report.note("No nonconformity recorded.")
    order = {g: i for i, g in enumerate(audit.GRADES)}
    nc = nc.assign(_g=nc["grade"].map(order)).sort_values(["_g", "finding_id"], kind="stable")
    trails = [b for r in nc.to_dict(orient="records") for b in _trail(r, result.system_names)]
    return blocks.Group(tuple(trails), wrap=True)


def flagged_table(result: AuditResult) -> blocks.Block:
    df = result.findings
    df = df[[bool(f) for f in df["flags"]]].copy() if not df.empty else df
    if not df.empty:
        df["flag_text"] = [_flags_text(f) for f in df["flags"]]
    return report.table(
        df,
        {
            "finding_id": "Finding",
            "requirement_id": "Requirement",
            "grade": ("Grade", "badge"),
            "status": ("Status", "badge"),
            "owner": "Owner",
            "due_date": ("Due", "date"),
            "days_overdue": ("Days overdue", "num"),
            "flag_text": ("Flags", "list"),
        },
        empty="No finding is flagged.",
    )


def overdue_table(result: AuditResult) -> blocks.Block:
    df = result.findings
    df = df[df["overdue"].astype(bool)].sort_values("days_overdue", ascending=False) if not df.empty else df
    return report.table(
        df,
        {
            "finding_id": "Finding",
            "requirement_id": "Requirement",
            "grade": ("Grade", "badge"),
            "statement": "Statement",
            "owner": "Owner",
            "due_date": ("Due", "date"),
            "days_overdue": ("Days overdue", "num"),
        },
        empty="No finding is overdue.",
    )


def other_findings_table(result: AuditResult) -> blocks.Block:
    df = result.findings
    df = df[~df["nonconformity"].astype(bool)] if not df.empty else df
    return report.table(
        df,
        {
            "finding_id": "Finding",
            "requirement_id": "Requirement",
            "system_id": "System",
            "grade": ("Grade", "badge"),
            "statement": "Statement",
            "corrective_action": "Proposed action",
            "owner": "Owner",
            "status": ("Status", "badge"),
        },
        empty="No observations, opportunities for improvement or good practices recorded.",
    )


def checklist(result: AuditResult, output_dir: str | Path | None) -> blocks.Block:
    """Write the checklist beside the report (per-audit reports) and show it."""
    if result.audit is None:
        return report.note("Each audit's report carries its checklist (audit-<id>-checklist.csv).")
    path = audit.write_checklist(result.checklist, output_dir, result.audit["id"])
    if path:
        link: blocks.Block = report.paragraph(
            report.file_link("Audit checklist (CSV)", path.name),
            " written beside this report: one row per requirement, with empty result and auditor notes columns "
            "to fill in during the audit.",
        )
    else:
        link = report.note("Set output_dir to write the checklist as a CSV file.")
    table = report.table(
        result.checklist,
        {
            "requirement_id": "Requirement",
            "title": "Title",
            "questions": ("Audit questions (aimskit guidance)", "list"),
            "evidence": ("Evidence to ask for", "list"),
            "auditee": "Auditee (gap owner)",
            "systems": "Systems to sample",
        },
        empty="The audit's scope names no requirement.",
    )
    return blocks.group(link, table)


def method() -> blocks.Block:
    items = dict(audit.METHOD)
    items["Grades"] = "; ".join(f"{audit.GRADE_LABELS[g]}: {m}" for g, m in audit.GRADE_MEANING.items())
    items["Copyright"] = (
        "ISO/IEC 42001 is (c) ISO/IEC. This report shows requirement identifiers and short titles only; "
        "audit questions and evidence lists are aimskit's own words."
    )
    return report.definitions(items)


def results(result: AuditResult) -> dict[str, Any]:
    return result.to_json()
