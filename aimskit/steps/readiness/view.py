"""The certification readiness report: blocks the ``readiness`` notebook displays."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from aimskit.engagement import Engagement
from aimskit.engagement.parts.readiness import DOCUMENTS_FILE, OBJECTIVE_STATUS_LABELS, OBJECTIVES_FILE
from aimskit.present import blocks, charts, report
from aimskit.steps import readiness
from aimskit.steps.readiness import ReadinessResult

TITLE = "ISO/IEC 42001 certification readiness"
TONE = {"ready": "good", "ready_with_conditions": "warn", "not_ready": "bad"}
EFFECT_LABELS = {"blocking": "Blocks the stage", "condition": "Condition"}
SEVERITY_LABELS = {"major": "Major", "minor": "Minor", "not evaluated": "Not evaluated"}
KIND_LABELS = {
    "maintained": "Document (maintained)",
    "retained": "Records (retained)",
    "maintained_and_retained": "Document and records",
}


def title(eng: Engagement, result: ReadinessResult) -> blocks.Block:
    cert = result.certification
    body = f" with {cert.body}" if cert is not None and cert.body else ""
    return report.title_block(eng, TITLE, f"Readiness for the stage-1 and stage-2 certification audits{body}")


def missing_data(result: ReadinessResult) -> blocks.Block:
    missing = []
    if not result.present.get(DOCUMENTS_FILE):
        missing.append(
            f"no {DOCUMENTS_FILE} (documented-information register): documents are counted from the data only"
        )
    if not result.present.get(OBJECTIVES_FILE):
        missing.append(f"no {OBJECTIVES_FILE}: the AI objectives (6.2) are missing")
    if not result.present.get("certification"):
        missing.append(
            "no certification dates in engagement.yaml (certification: stage_1, stage_2): no blocker can be planned "
            "in time, and the cycle has no dates"
        )
    if not missing:
        return blocks.EMPTY
    return report.note("This engagement has " + "; ".join(missing) + ". See the README (The engagement folder).", True)


def _date(d: Any) -> str:
    return d.isoformat() if isinstance(d, dt.date) else "not set"


def verdict(result: ReadinessResult) -> blocks.Block:
    """The verdict cards: one per stage, and the score."""
    h = result.headline
    cards = []
    for v in result.stages:
        sub = f"target {_date(v.date)}; " + (
            f"{v.blocking} blocking, {v.conditions} condition(s)" if v.reasons else "nothing stands in the way"
        )
        cards.append((f"Stage {v.stage} audit", v.label, sub, TONE[v.verdict]))
    cards.append(("Readiness score", f"{h['score']:.0f} / 100", "formula in the method section", ""))
    cards.append(
        (
            "Documented information",
            f"{h['documents_in_place']} of {h['documents']}",
            f"in place; {h['documents_missing']} missing",
            "bad" if h["documents_missing"] else "warn" if h["documents_in_place"] < h["documents"] else "good",
        )
    )
    cards.append(
        (
            "AI inventory",
            f"{h['systems_complete']} of {h['systems']}",
            "in-scope systems complete",
            "bad" if not h["systems"] else "good" if h["systems_complete"] == h["systems"] else "warn",
        )
    )
    cards.append(
        (
            "Open actions",
            h["open_actions"],
            f"{h['overdue_actions']} overdue, {h['late_actions']} after stage 1 or undated",
            "bad" if h["overdue_actions"] else "",
        )
    )
    return report.kpis(cards)


def summary(result: ReadinessResult) -> blocks.Block:
    return report.bullets(result.summary)


def _reasons(v: readiness.StageVerdict, n: int | None = None) -> pd.DataFrame:
    rows = [
        {
            "rank": i + 1,
            "effect": EFFECT_LABELS[r["effect"]],
            "title": r["title"],
            "count": r["count"],
            "subjects": ", ".join(r["subjects"][:8]) + (" ..." if len(r["subjects"]) > 8 else ""),
            "due": r["latest_due"].isoformat() if r["latest_due"] else "no date",
            "step": readiness.STEP_TITLES.get(r["step"], r["step"]),
        }
        for i, r in enumerate(v.reasons[:n] if n else v.reasons)
    ]
    return pd.DataFrame(rows)


_REASON_COLUMNS: dict[str, str | tuple[str, str]] = {
    "rank": ("#", "num"),
    "effect": ("Effect", "nowrap"),
    "title": "Reason",
    "count": ("Found", "num"),
    "subjects": "Where",
    "due": ("Latest planned date", "nowrap"),
    "step": ("Source", "nowrap"),
}


def top_blockers(result: ReadinessResult, n: int = 5) -> blocks.Block:
    """The top reasons for each stage's verdict."""
    parts: list[blocks.Block] = []
    for v in result.stages:
        parts.append(report.heading(3, f"Stage {v.stage}: {v.label}"))
        parts.append(report.table(_reasons(v, n), _REASON_COLUMNS, empty="Nothing stands in the way of this stage."))
    return blocks.group(*parts)


def reasons(result: ReadinessResult, stage: int) -> blocks.Block:
    v = result.stages[stage - 1]
    return report.table(_reasons(v), _REASON_COLUMNS, empty="Nothing stands in the way of this stage.")


def checklist_table(result: ReadinessResult) -> blocks.Block:
    df = result.checklist.copy()
    if df.empty:
        return report.note("No mandatory documented information in the catalog.")
    df["kind_label"] = df["kind"].map(KIND_LABELS).fillna(df["kind"])
    df["state"] = df["state"].map(lambda s: s.replace("_", " "))
    return report.table(
        df,
        {
            "id": ("Clause", "nowrap"),
            "title": "Title",
            "required": "Documented information (paraphrased)",
            "kind_label": "Kind",
            "state": ("State", "badge"),
            "present": ("Present", "bool"),
            "approved": ("Approved", "bool"),
            "current": ("Current", "bool"),
            "where": ("Where the evidence is", "list"),
            "location": ("Location (as recorded)", "list"),
        },
    )


def inventory_table(result: ReadinessResult) -> blocks.Block:
    df = result.inventory.copy()
    if not df.empty:
        df["lifecycle_stage"] = df["lifecycle_stage"].map(lambda v: str(v).replace("_", " "))
    return report.table(
        df,
        {
            "system_id": ("AI system", "nowrap"),
            "name": "Name",
            "owner": "Owner",
            "declared_tier": ("Tier (inventory)", "nowrap"),
            "screened_tier": ("Tier (screening)", "nowrap"),
            "lifecycle_stage": "Lifecycle stage",
            "impact_assessment": ("Impact assessment", "bool"),
            "risks": ("Risks", "bool"),
            "complete": ("Complete", "bool"),
            "missing": ("Missing", "list"),
        },
        empty="No AI system is in scope: the inventory (systems.csv) is empty, which is itself a stage-1 blocker.",
    )


def blocker_kinds(result: ReadinessResult) -> blocks.Block:
    df = result.blocker_summary.copy()
    df["severity_1"] = df["severity_1"].map(SEVERITY_LABELS)
    df["severity_2"] = df["severity_2"].map(SEVERITY_LABELS)
    df["found"] = df["found"].map(lambda n: "-" if n is None or pd.isna(n) else int(n))
    return report.table(
        df,
        {
            "title": "Blocker",
            "step_title": ("Source step", "nowrap"),
            "severity_1": ("Stage 1", "nowrap"),
            "severity_2": ("Stage 2", "nowrap"),
            "found": ("Found", "num"),
        },
    )


_BLOCKER_COLUMNS = (
    ("title", "Blocker", "text"),
    ("subject", "Subject", "nowrap"),
    ("message", "Detail", "text"),
    ("severity_1", "Stage 1", "nowrap"),
    ("severity_2", "Stage 2", "nowrap"),
    ("due", "Planned by", "nowrap"),
)


def _blocker_table(grp: pd.DataFrame, href: str) -> blocks.Table:
    """One step's blockers, each subject linked to the report that shows it (unless that is the step's own)."""
    rows = []
    for b in grp.to_dict(orient="records"):
        subject = (
            report.link(b["subject"], b["link"]) if b["link"] and b["link"] != href else report.spans(b["subject"])
        )
        rows.append(
            (
                report.cell(b["title"]),
                blocks.Cell(subject, cls="nowrap"),
                report.cell(b["message"]),
                report.cell(SEVERITY_LABELS[b["severity_1"]], "nowrap"),
                report.cell(SEVERITY_LABELS[b["severity_2"]], "nowrap"),
                report.cell(b["due"].isoformat() if b["due"] else "", "nowrap"),
            )
        )
    columns = tuple(
        report.column(key, header, kind, [r[i] for r in rows]) for i, (key, header, kind) in enumerate(_BLOCKER_COLUMNS)
    )
    return blocks.Table(columns, tuple(rows))


def blockers_by_step(result: ReadinessResult) -> blocks.Block:
    """Every blocker found, grouped by its source step, with a link to that step's report."""
    df = result.blockers
    if df.empty:
        return report.note("No blocker found.")
    parts: list[blocks.Block] = []
    for step, grp in df.groupby("step", sort=False):
        name = readiness.STEP_TITLES.get(step, step)
        href = readiness.link(step)
        suffix = f" (open the {name.lower()} report)" if href else ""
        parts.append(report.heading(3, report.link(name + suffix, href) if href else name))
        parts.append(_blocker_table(grp, href))
    parts.append(
        report.paragraph(
            "Links open the other reports of the same run (aimskit run without --step); a report not rendered in "
            "this run shows as a missing page.",
            small=True,
        )
    )
    return blocks.Group(tuple(parts), wrap=True)


def placeholders_table(result: ReadinessResult) -> blocks.Block:
    if not result.placeholders:
        return report.note("No text or screening answer is left as in the blank templates.")
    df = pd.DataFrame(
        [{"where": readiness.position(p, result.folder), "message": p.message} for p in result.placeholders]
    )
    return report.table(df, {"where": ("Where", "nowrap"), "message": "What is left"})


def plan_table(result: ReadinessResult) -> blocks.Block:
    df = result.plan.copy()
    if df.empty:
        return report.note("No open roadmap, treatment, corrective or review action.")
    df["due"] = df["due"].map(lambda d: d.isoformat() if d else "no date")
    df["late_1"] = df["late_stage_1"].map(lambda x: "after stage 1" if x else "")
    df["late_2"] = df["late_stage_2"].map(lambda x: "after stage 2" if x else "")
    return report.table(
        df,
        {
            "source": ("Source", "nowrap"),
            "id": ("Item", "nowrap"),
            "title": "Action",
            "owner": "Owner",
            "due": ("Due", "nowrap"),
            "status": ("Status", "nowrap"),
            "overdue": ("Overdue", "overdue"),
            "late_1": ("Stage 1", "nowrap"),
            "late_2": ("Stage 2", "nowrap"),
        },
    )


def cycle_table(result: ReadinessResult) -> blocks.Block:
    df = result.cycle.copy()
    df["date"] = df["date"].map(_date)
    return report.table(
        df, {"title": ("Audit", "nowrap"), "date": ("Date", "nowrap"), "basis": "Date basis", "needs": "What it needs"}
    )


def timeline_chart(result: ReadinessResult) -> blocks.Block:
    """The Gantt-style chart: the phases of the cycle, then each dated open action from the assessment date."""
    as_of = result.assessment_date
    rows = []
    cyc = result.cycle.set_index("milestone")["date"].to_dict()
    phases = [  # to the certificate; the cycle after it is in the cycle table
        ("Preparation to stage 1", as_of, cyc.get("stage_1")),
        ("Stage 1 to stage 2", cyc.get("stage_1"), cyc.get("stage_2")),
    ]
    for label, start, end in phases:
        if start is not None and end is not None:
            rows.append(
                {"label": label, "start": start, "end": end, "state": "phase", "hover": f"{label}: {start} to {end}"}
            )
    for a in result.plan.to_dict(orient="records"):
        if a["due"] is None:
            continue
        state = "overdue" if a["overdue"] else "late" if a["late_stage_1"] else "in time"
        # an overdue action spans from its due date to the assessment date; an open one to its due date
        start, end = (a["due"], as_of) if a["overdue"] else (as_of, a["due"])
        text = f"{a['id']} {a['title']}"
        rows.append(
            {
                "label": text if len(text) <= 48 else text[:47] + "...",
                "start": start,
                "end": max(end, start + dt.timedelta(days=1)),
                "state": state,
                "hover": f"{a['source']} {text}: due {a['due']} ({state}); owner {a['owner']}",
            }
        )
    bars = pd.DataFrame(rows, columns=["label", "start", "end", "state", "hover"])
    if bars.empty:
        return report.note("Nothing to draw: no stage dates and no dated open action.")
    undated = int((result.plan["due"].isna()).sum()) if not result.plan.empty else 0
    title = "The plan to the certificate" + (f" ({undated} undated action(s) are in the table only)" if undated else "")
    milestones = result.cycle[result.cycle["milestone"].isin(["stage_1", "stage_2"])]
    return report.figure(charts.certification_timeline(bars, milestones, as_of, title))


def method() -> blocks.Block:
    items = dict(readiness.METHOD)
    items["Score weights"] = "; ".join(f"{readiness.SCORE_LABELS[k]}: {w}" for k, w in readiness.SCORE_WEIGHTS)
    if readiness.NOT_EVALUATED:
        items["Not evaluated"] = "; ".join(readiness.NOT_EVALUATED.values())
    items["Copyright"] = (
        "ISO/IEC 42001 is (c) ISO/IEC. Clause titles and the documented information are paraphrased; no text of the "
        "standard is shown. The certification cycle is described in our own words."
    )
    return report.definitions(items)


def score_table(result: ReadinessResult) -> blocks.Block:
    rows = [
        {
            "component": readiness.SCORE_LABELS[k],
            "share": round(100 * result.components.get(k, 0.0), 1),
            "weight": w,
            "points": round(w * result.components.get(k, 0.0), 1),
        }
        for k, w in readiness.SCORE_WEIGHTS
    ]
    rows.append({"component": "Readiness score", "share": None, "weight": 100, "points": result.score})
    return report.table(
        pd.DataFrame(rows),
        {"component": "Component", "share": ("Share", "pct"), "weight": ("Weight", "num"), "points": ("Points", "num")},
    )


def results(result: ReadinessResult) -> dict[str, Any]:
    return result.to_json()


def objectives_table(result: ReadinessResult) -> blocks.Block:
    """The AI objectives (6.2) as recorded, with what a certification auditor will ask of each."""
    df = result.objectives.copy()
    if df.empty:
        return report.note(
            f"No AI objectives recorded ({OBJECTIVES_FILE}): clause 6.2 documented information is missing."
        )
    df["status"] = df["status"].map(OBJECTIVE_STATUS_LABELS).fillna(df["status"])
    df["scope"] = df["system_id"].map(lambda s: s if isinstance(s, str) and s else "organisation")
    return report.table(
        df,
        {
            "objective_id": ("Objective", "nowrap"),
            "objective": "Objective",
            "scope": ("For", "nowrap"),
            "measure": "Measure",
            "target": ("Target", "nowrap"),
            "current_value": ("Latest value", "nowrap"),
            "measured_on": ("Measured on", "date"),
            "owner": "Owner",
            "due_date": ("Due", "date"),
            "status": ("Status", "nowrap"),
            "serves": ("Serves", "list"),
        },
    )
