"""The management review report: blocks the ``management_review`` notebook displays."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from aimskit.engagement import Engagement
from aimskit.engagement.parts.audit import REVIEWS_FILE
from aimskit.present import blocks, report
from aimskit.steps import audit, review
from aimskit.steps.audit import view as audit_view
from aimskit.steps.review import ReviewResult

TITLE = "ISO/IEC 42001 management review"


def title(eng: Engagement, result: ReviewResult) -> blocks.Block:
    if result.review is not None:
        r = result.review
        sub = f"Review {r['id']} held on {r['date']}: {r['title']}"
    else:
        nxt = result.next_review
        when = f" on {nxt['date']}" if nxt.get("date") else ""
        sub = f"Input pack for the next management review{when} (clause 9.3.2 inputs compiled from the data)"
    return report.title_block(eng, TITLE, sub, step=None if result.review is not None else "review")


def missing_data(result: ReviewResult) -> blocks.Block:
    if result.present.get(REVIEWS_FILE):
        return blocks.EMPTY
    return report.note(
        f"This engagement has no {REVIEWS_FILE}: no earlier review, so there are no previous actions and no "
        "baseline to compare with. Its format: the engagement format reference of aimskit (management reviews).",
        callout=True,
    )


def _num(x: Any, spec: str = ".0f", suffix: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return format(x, spec) + suffix


def headline(result: ReviewResult) -> blocks.Block:
    h = result.headline
    change = h["conformity_change"]
    return report.kpis(
        [
            (
                "Open actions",
                h["actions_open"],
                f"of {h['actions']}, {h['actions_overdue']} overdue",
                "bad" if h["actions_overdue"] else "good",
            ),
            (
                "Gap conformity",
                _num(h["conformity"], ".0f", "%"),
                f"{_num(change, '+.1f')} points since the last review" if change is not None else "no baseline",
                "" if change is None or change == 0 else "good" if change > 0 else "bad",
            ),
            (
                "Open nonconformities",
                h["open_nonconformities"],
                f"{h['overdue_nonconformities']} overdue",
                "bad" if h["overdue_nonconformities"] else "warn" if h["open_nonconformities"] else "good",
            ),
            ("Internal audits done", h["audits_done"], "", ""),
            (
                ("Issues changed", h["new_issues"] + h["removed_issues"], f"{h['new_issues']} new", "")
                if result.inputs.baseline
                else ("Issues changed", "-", "no earlier review to compare with", "")
            ),
            ("Improvement opportunities", h["opportunities"], "open", ""),
        ]
    )


def summary(result: ReviewResult) -> blocks.Block:
    return report.bullets(result.summary)


def attendance(result: ReviewResult) -> blocks.Block:
    r = result.review
    if r is None:
        return blocks.EMPTY
    items = {"Date": str(r["date"]), "Chair": r["chair"] or "-", "Attendees": "; ".join(r["attendees"])}
    if r["notes"]:
        items["Notes"] = r["notes"]
    return report.definitions(items)


def decisions(result: ReviewResult) -> blocks.Block:
    text = report.note("No decisions recorded.") if not result.decisions else report.bullets(result.decisions)
    if result.review is None:
        return text
    own = _actions(result.review_actions, "This review recorded no action.")
    return blocks.group(text, report.heading(4, "Actions recorded, with their status today"), own)


def actions_table(result: ReviewResult, open_only: bool = False) -> blocks.Block:
    df = result.inputs.actions
    if open_only:
        if result.review is not None and len(result.review_actions):  # a held review: its own actions too
            df = pd.concat([df, result.review_actions], ignore_index=True) if len(df) else result.review_actions
        if not df.empty:
            df = df[df["open"].astype(bool)]
    return _actions(df, "No open action." if open_only else "No action from previous reviews is recorded.")


def _actions(df: pd.DataFrame, empty: str) -> blocks.Block:
    return report.table(
        df,
        {
            "review_id": "Review",
            "id": "Action",
            "kind_label": "Kind",
            "description": "Action",
            "owner": "Owner",
            "due": ("Due", "date"),
            "status": ("Status", "badge"),
            "completed_on": ("Completed", "date"),
            "overdue": ("Overdue", "overdue"),
            "days_overdue": ("Days overdue", "num"),
        },
        empty=empty,
    )


def issues_table(result: ReviewResult) -> blocks.Block:
    note = (
        f"Compared with the issues recorded at review {result.inputs.baseline}."
        if result.inputs.baseline
        else "No earlier review recorded its issues: no baseline."
    )
    return blocks.group(
        report.note(note),
        report.table(
            result.inputs.issues,
            {"kind": "External / internal", "issue": "Issue", "change": ("Change", "badge")},
            empty="No issues are recorded in engagement.yaml (context).",
        ),
    )


def performance_table(result: ReviewResult) -> blocks.Block:
    df = result.inputs.performance.copy()
    fmt = [".0f" if m == "open_nonconformities" else ".1f" for m in df["measure"]]
    df["previous"] = [_num(v, f) for v, f in zip(df["previous"], fmt, strict=True)]
    df["current"] = [_num(v, f) for v, f in zip(df["current"], fmt, strict=True)]
    df["change"] = [_num(v, "+" + f) for v, f in zip(df["change"], fmt, strict=True)]
    return report.table(
        df,
        {
            "label": "Measure",
            "previous": ("At the last review", "num"),
            "current": ("Now", "num"),
            "change": ("Change", "num"),
            "trend": ("Trend", "badge"),
        },
    )


def nonconformity_table(result: ReviewResult) -> blocks.Block:
    df = result.inputs.nonconformities
    if not df.empty:
        df = df.assign(flag_text=[audit_view._flags_text(f) for f in df["flags"]])
    return report.table(
        df,
        {
            "finding_id": "Finding",
            "requirement_id": "Requirement",
            "grade": ("Grade", "badge"),
            "statement": "Statement",
            "corrective_action": "Corrective action",
            "owner": "Owner",
            "due_date": ("Due", "date"),
            "status": ("Status", "badge"),
            "effectiveness": ("Effectiveness", "badge"),
            "flag_text": ("Flags", "list"),
        },
        empty="No nonconformity is recorded.",
    )


def audit_results_table(result: ReviewResult) -> blocks.Block:
    cols: dict[str, Any] = {"id": "Audit", "title": "Title", "status": ("Status", "badge"), "end": ("Ended", "date")}
    cols.update({g: (audit.GRADE_LABELS[g], "num") for g in audit.GRADES})
    cols["open_nonconformities"] = ("Open NCs", "num")
    return report.table(result.inputs.audits, cols, empty="No internal audit is recorded.")


def opportunities_table(result: ReviewResult) -> blocks.Block:
    return report.table(
        result.inputs.opportunities,
        {
            "finding_id": "Finding",
            "requirement_id": "Requirement",
            "grade": ("Grade", "badge"),
            "statement": "Statement",
            "corrective_action": "Proposed action",
            "owner": "Owner",
        },
        empty="No open opportunity for improvement or observation.",
    )


_PICTURE_COLUMNS: dict[str, str | tuple[str, str]] = {
    "risk_id": ("Risk", "nowrap"),
    "impact_id": ("Impact", "nowrap"),
    "system": "AI system",
    "party": "Affected party",
    "area": "Area",
    "title": "Title",
    "description": "Description",
    "residual_score": ("Residual score", "num"),
    "level": ("Residual level", "level"),
    "owner": "Owner",
    "status": ("Status", "badge"),
}


def _frame_or_note(df: pd.DataFrame | None, what: str) -> blocks.Block:
    if df is None:
        return report.note(f"The {what} is compiled in the input pack for the next review (the organisation report).")
    if df.empty:
        return report.note(f"No {what} data in this engagement.")
    df = df.copy()
    # the configured band's label and colour (as in the risk and impact reports)
    df["level"] = [
        (label, colour) if isinstance(label, str) else None
        for label, colour in zip(df.get("residual_label", []), df.get("residual_colour", []), strict=True)
    ]
    columns = {c: spec for c, spec in _PICTURE_COLUMNS.items() if c in df.columns}
    return report.table(df, columns)


def risks_table(result: ReviewResult) -> blocks.Block:
    return _frame_or_note(result.inputs.risks, "risk register")


def impacts_table(result: ReviewResult) -> blocks.Block:
    return _frame_or_note(result.inputs.impacts, "impact assessment")


def inputs_map() -> blocks.Block:
    df = pd.DataFrame([{"ref": f"9.3.2 {k})", "input": t, "source": s} for k, t, s in review.INPUTS])
    return report.table(df, {"ref": "Clause", "input": "Input (paraphrased)", "source": "Compiled from"})


def method() -> blocks.Block:
    items = dict(review.METHOD)
    items["Action kinds"] = "; ".join(f"{k}: {v}" for k, v in review.ACTION_KIND_LABELS.items())
    items["Findings"] = "Grades, ageing, overdue and flags as in the internal audit report. Flags: " + "; ".join(
        audit.FLAGS.values()
    )
    items["Copyright"] = (
        "ISO/IEC 42001 is (c) ISO/IEC. Clause titles are paraphrased; no text of the standard is shown."
    )
    return report.definitions(items)


def results(result: ReviewResult) -> dict[str, Any]:
    return result.to_json()
