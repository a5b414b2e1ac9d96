"""The gap assessment report: blocks the ``gap_assessment`` notebook displays."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from aimskit import catalog
from aimskit.base.problems import plural
from aimskit.base.vocab import LIFECYCLE_LABELS, MATURITY_LEVELS, STATUS_LABELS, SYSTEM_TYPE_LABELS
from aimskit.engagement import Engagement
from aimskit.present import blocks, charts, common, report
from aimskit.steps import gap
from aimskit.steps.common import records
from aimskit.steps.gap import GapResult
from aimskit.steps.security import VERDICT_LABELS
from aimskit.steps.security.evidence import short_hash

TITLE = "ISO/IEC 42001 gap assessment"


def title(eng: Engagement, result: GapResult) -> blocks.Block:
    return common.title(eng, TITLE, result, "Organisation-wide: clauses 4-10 and Annex A controls", step="gap")


def _pct(x: float) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0f}%"


def _tone(score: float) -> str:
    if score is None or math.isnan(score):
        return ""
    return "good" if score >= 80 else "warn" if score >= 50 else "bad"


def headline(result: GapResult) -> blocks.Block:
    h = result.headline
    mat = "-" if math.isnan(h["mean_maturity"]) else f"{h['mean_maturity']:.1f}"
    return report.kpis(
        [
            (
                "Overall conformity",
                _pct(h["conformity"]),
                f"{h['assessed']} assessed requirements",
                _tone(h["conformity"]),
            ),
            (
                "Clauses 4-10",
                _pct(h["conformity_clauses"]),
                f"{h['clause_nonconformities']} non-compliant",
                _tone(h["conformity_clauses"]),
            ),
            (
                "Annex A controls",
                _pct(h["conformity_controls"]),
                f"{h['non_compliant'] - h['clause_nonconformities']} non-compliant",
                _tone(h["conformity_controls"]),
            ),
            (
                "Mean maturity",
                mat,
                f"target {h['mean_target']:.1f}" if not math.isnan(h["mean_target"]) else "",
                "" if math.isnan(h["mean_maturity"]) else "warn" if h["mean_maturity"] < h["mean_target"] else "good",
            ),
            (
                "Remediation items",
                h["remediation_items"],
                f"{h['p1_items']} priority P1, {h['overdue_items']} overdue",
                "bad" if h["p1_items"] else "",
            ),
            (
                "Not yet assessed",
                h["not_assessed"],
                f"of {h['requirements']} requirements",
                "warn" if h["not_assessed"] else "good",
            ),
        ]
    )


def summary(result: GapResult) -> blocks.Block:
    return report.bullets([*result.summary, *_security_points(result)])


def _security_points(result: GapResult) -> list[str]:
    ev = result.security_evidence
    if ev.empty:
        return []
    runs = ev.drop_duplicates("run_id")
    controls = list(dict.fromkeys(ev["control_id"]))
    who = "" if result.system_id else f" of {plural(runs['system_id'].nunique(), 'AI system')}"
    return [
        f"Technical evidence: {plural(len(runs), 'red-team test run')}{who} between {min(runs['run_date'])} and "
        f"{max(runs['run_date'])} support {plural(len(controls), 'Annex A control')} ({', '.join(controls)}); "
        "see the security test evidence section."
    ]


def security_evidence_table(result: GapResult, names: dict[str, str] | None = None) -> blocks.Block:
    """The red-team runs that are technical evidence for Annex A controls (step ``security``): per control,
    its gap status and each run with its date, tool, verdict summary and the short sha256 of the raw file,
    linked to the system's security report. A per-system report shows that system's runs."""
    ev = result.security_evidence
    if ev.empty:
        who = "for this AI system " if result.system_id else ""
        return report.note(
            f"No red-team test run is recorded {who}(security/runs.csv): no technical test evidence for the "
            "Annex A controls on verification, validation and security."
        )
    status = dict(zip(result.view["id"], result.view["status"], strict=True))
    names = names or {}
    df = ev.copy()
    df["control_text"] = [f"{c} {t}".strip() for c, t in zip(df["control_id"], df["control"], strict=True)]
    df["gap_status"] = [status.get(c) or "" for c in df["control_id"]]
    df["system"] = [names.get(s, s) for s in df["system_id"]]
    df["run"] = list(zip(df["run_id"], df["report"], strict=True))
    df["verdict_text"] = [VERDICT_LABELS.get(v, v) for v in df["verdict"]]
    df["hash"] = [f"sha256 {short_hash(h)}" if h else "" for h in df["sha256"]]
    system_column = {} if result.system_id else {"system": "AI system"}
    return report.table(
        df,
        {
            "control_text": "Control",
            "gap_status": ("Gap assessment", "badge"),
            **system_column,
            "run": ("Run (security report)", "link"),
            "run_date": ("Date", "date"),
            "tool": "Tool",
            "verdict_text": ("Verdict", "nowrap"),
            "summary": "OWASP categories",
            "hash": ("Raw file", "nowrap"),
        },
    )


def clause_chart(result: GapResult) -> blocks.Block:
    return report.figure(charts.status_bars(result.by_clause, "Status of the clause requirements (clauses 4-10)"))


def objective_chart(result: GapResult) -> blocks.Block:
    return report.figure(charts.status_bars(result.by_objective, "Status of the Annex A controls by objective"))


_GROUP_COLUMNS: dict[str, str | tuple[str, str]] = {
    "group_id": "ID",
    "group_title": "Title",
    "total": ("Requirements", "num"),
    "compliant": ("Compliant", "num"),
    "partially_compliant": ("Partial", "num"),
    "non_compliant": ("Non-compliant", "num"),
    "not_applicable": ("N/A", "num"),
    "not_assessed": ("Not assessed", "num"),
    "coverage": ("Coverage", "pct"),
    "conformity": ("Conformity", "pct"),
}


def clause_table(result: GapResult) -> blocks.Block:
    return report.table(result.by_clause, _GROUP_COLUMNS)


def objective_table(result: GapResult) -> blocks.Block:
    return report.table(result.by_objective, _GROUP_COLUMNS)


def maturity_clause_chart(result: GapResult) -> blocks.Block:
    return report.figure(
        charts.maturity_vs_target(result.maturity_clause, "Mean maturity against target, clauses 4-10")
    )


def maturity_objective_chart(result: GapResult) -> blocks.Block:
    return report.figure(
        charts.maturity_vs_target(result.maturity_objective, "Mean maturity against target, Annex A objectives")
    )


def system_heatmap(eng: Engagement, result: GapResult) -> blocks.Block:
    """The objective x system heat map, or a note when there is nothing to compare."""
    if result.heatmap.empty:
        return report.note("No AI system is in scope, so there is no per-system view.")
    objectives = catalog.load("iso42001-annex-a-objectives").set_index("id")["title"].to_dict()
    names = eng.system_names
    repeated = {n for n in names.values() if list(names.values()).count(n) > 1}
    names = {sid: f"{n} ({sid})" if n in repeated else n for sid, n in names.items()}
    label = (
        "Annex A conformity per objective for this AI system"
        if result.system_id
        else ("Annex A conformity per objective and AI system")
    )
    return report.figure(charts.system_heatmap(result.heatmap, objectives, names, label))


def systems_table(eng: Engagement, result: GapResult) -> blocks.Block:
    df = eng.systems
    if result.system_id:
        df = df[df["id"] == result.system_id]
    df = df.assign(
        type_label=[SYSTEM_TYPE_LABELS.get(t, t) for t in df["type"]],
        stage_label=[LIFECYCLE_LABELS.get(t, t) for t in df["lifecycle_stage"]],
    )
    return report.table(
        df,
        {
            "id": "ID",
            "name": "AI system",
            "type_label": "Type",
            "stage_label": "Life-cycle stage",
            "eu_ai_act_tier": ("EU AI Act tier (declared)", "badge"),
            "in_scope": ("In scope", "bool"),
            "owner": "Owner",
            "purpose": "Purpose",
        },
    )


def system_specific_table(result: GapResult) -> blocks.Block:
    """Requirements whose status comes from a per-system assessment row."""
    df = result.view[result.view["where"].str.startswith("system")]
    return report.table(
        df,
        {
            "id": "Control",
            "title": "Title",
            "decided_by": "Assessed for",
            "status": ("Status", "badge"),
            "maturity": ("Maturity", "num"),
            "target": ("Target", "num"),
            "owner": "Owner",
            "notes": "Assessor notes",
        },
        empty="No Annex A control is assessed per AI system here; the organisation-wide assessment applies.",
    )


def documented_table(result: GapResult) -> blocks.Block:
    df = result.documented.copy()
    marked = df["caveat"].astype(bool) if "caveat" in df else pd.Series(False, index=df.index)
    df["required"] = [f"{text} *" if m else text for text, m in zip(df["required"], marked, strict=True)]
    note = (
        report.note(
            "* Not every reading of the standard expects this item; confirm it with your certification body "
            "(see the method appendix)."
        )
        if marked.any()
        else None
    )
    return blocks.group(_documented(df), note)


def _documented(df: pd.DataFrame) -> blocks.Block:
    return report.table(
        df,
        {
            "id": "Clause",
            "title": "Title",
            "kind_label": "Kind",
            "required": "Documented information expected",
            "status": ("Status", "badge"),
            "finding": ("Finding", "badge"),
            "evidence": ("Evidence references", "list"),
        },
    )


def roadmap_table(result: GapResult) -> blocks.Block:
    return report.table(
        result.roadmap,
        {
            "rank": ("#", "num"),
            "priority": ("Priority", "badge"),
            "id": "Requirement",
            "title": "Title",
            "status": ("Status", "badge"),
            "decided_by": "Decided by",
            "maturity": ("Maturity", "num"),
            "target": ("Target", "num"),
            "owner": "Owner",
            "target_date": ("Target date", "date"),
            "overdue": ("Overdue", "overdue"),
            "notes": "Assessor notes",
        },
        empty="No remediation needed: every applicable requirement is compliant at its target maturity.",
    )


def guidance_table(result: GapResult) -> blocks.Block:
    return report.table(
        result.guidance,
        {
            "rank": ("#", "num"),
            "priority": ("Priority", "badge"),
            "id": "Requirement",
            "title": "Title",
            "summary": "What it takes (aimskit guidance)",
            "evidence": ("Evidence an auditor typically expects", "list"),
        },
        empty="No priority P1 or P2 items.",
    )


def pending_table(result: GapResult) -> blocks.Block:
    return report.table(
        result.pending,
        {"id": "Requirement", "title": "Title", "group_id": "Group", "basis": "Why"},
        empty="Every requirement has been assessed.",
    )


def detail_table(result: GapResult) -> blocks.Block:
    return report.table(
        result.view,
        {
            "id": "ID",
            "title": "Title",
            "status": ("Status", "badge"),
            "maturity": ("Maturity", "num"),
            "target": ("Target", "num"),
            "owner": "Owner",
            "evidence": ("Evidence", "list"),
            "notes": "Notes",
            "basis": "Basis",
        },
    )


def method() -> blocks.Block:
    items = dict(gap.METHOD)
    items["Maturity scale"] = "; ".join(f"{k} {v}" for k, v in MATURITY_LEVELS.items())
    items["Status scale"] = "; ".join(STATUS_LABELS.values())
    clauses = catalog.load("iso42001-clauses")
    caveats = [
        f"{cid} ({caveat})"
        for cid, note in zip(clauses["id"], clauses["documented_information_note"], strict=True)
        for _, caveat in [gap._split_caveat(note)]
        if caveat
    ]
    if caveats:
        items["Documented information (status of the catalog entries)"] = (
            "Items marked * in the documented information table are aimskit's own analysis, not the text of "
            "the standard: " + "; ".join(caveats) + "."
        )
    items["Security test evidence"] = (
        "Red-team runs declared in security/runs.csv (step security) are technical evidence for Annex A controls: "
        "every run for A.6.2.4, a run of a system in operation also for A.6.2.6, and each OWASP LLM 2025 category "
        "it tested for the control of the security-annex-a catalog (aimskit's own analysis). A run's verdict is "
        "the worst of its categories' verdicts (see the security report's method); the sha256 identifies its raw "
        "result file. The evidence does not change the gap status, which stays the assessor's."
    )
    items["Priorities"] = "; ".join(f"{k}: {v}" for k, v in gap.PRIORITIES.items())
    items["Copyright"] = (
        "ISO/IEC 42001 is (c) ISO/IEC. This report shows requirement identifiers and short titles "
        "only; questions and guidance are aimskit's own words."
    )
    return report.definitions(items)


def results(result: GapResult) -> dict[str, Any]:
    out = result.to_json()
    out["security_evidence"] = records(result.security_evidence)
    return out
