"""Management review (ISO/IEC 42001 9.3): the inputs compiled from the engagement's data.

:func:`compile_inputs` is pure: it takes DataFrames (review actions, findings with their flags,
audits, the current gap results, optional risk and impact pictures) and returns the 9.3.2 inputs
as the standard lists them. :func:`assess` wires it to an engagement: with ``review_id`` it
reports one held review (what it saw, what it decided, what is still open); without, it is the
input pack for the next review. ``as_of`` is the engagement's assessment date.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aimskit.base.problems import plural
from aimskit.engagement import Engagement
from aimskit.engagement.parts import audit as audit_part
from aimskit.engagement.parts.audit import NONCONFORMITIES, AuditData
from aimskit.steps import audit as audit_step
from aimskit.steps import gap as gap_step
from aimskit.steps import impact as impact_step
from aimskit.steps import risk as risk_step
from aimskit.steps.base import Figure, Step
from aimskit.steps.common import blank, jsonable

ACTION_KIND_LABELS = {
    "improvement": "Continual improvement opportunity",
    "aims_change": "Change to the AIMS",
    "resources": "Resource need",
    "other": "Other",
}
#: The 9.3.2 inputs, in the standard's order, with where aimskit compiles each from (own words).
INPUTS = (
    ("a", "Status of actions from previous management reviews", "reviews.yaml actions, as of the assessment date"),
    (
        "b",
        "Changes in external and internal issues relevant to the AIMS",
        "engagement.yaml context compared with the issues recorded at the last review",
    ),
    ("c", "Changes in needs and expectations of interested parties", "not compiled: record them in the review"),
    (
        "d",
        "Information on the AI management system's performance",
        "nonconformities and corrective actions (findings.csv), monitoring and measurement (gap scores and "
        "their change since the last review), audit results (audits.yaml, findings.csv)",
    ),
    ("e", "Opportunities for continual improvement", "open opportunities for improvement and observations"),
)
PERFORMANCE_LABELS = {
    "gap_conformity": "Gap conformity, overall (%)",
    "gap_conformity_clauses": "Gap conformity, clauses 4-10 (%)",
    "gap_conformity_controls": "Gap conformity, Annex A controls (%)",
    "open_nonconformities": "Open nonconformities",
}

METHOD: dict[str, str] = {
    "Previous actions": (
        "Every action recorded in reviews.yaml. Overdue = not done and due before the assessment date. "
        "Still open = status open or in_progress."
    ),
    "Changes in issues": (
        "Each external and internal issue in engagement.yaml is compared, as exact text after trimming spaces and "
        "ignoring case, with the issues recorded under 'issues' at the most recent held review: new (not recorded "
        "then), unchanged, or no longer listed. Without a recorded baseline every issue is shown as 'no baseline'."
    ),
    "Performance change": (
        "The current figures (gap conformity from the gap step's formula; open nonconformities from findings.csv) "
        "minus the figures the most recent held review recorded under 'performance'. A positive change in "
        "conformity is an improvement; a positive change in open nonconformities is a deterioration."
    ),
    "Risk and impact picture": (
        "Top residual risks (risk step) and severe impacts (impact step) when those steps and their data exist; "
        "otherwise the report says so."
    ),
}


def action_status(actions: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The review actions with ``open``, ``overdue`` and ``days_overdue`` as of ``as_of``."""
    df = actions.copy()
    if df.empty:
        for col in ("open", "overdue", "days_overdue", "kind_label"):
            df[col] = pd.Series(dtype=object)
        return df
    df["open"] = df["status"] != "done"
    df["overdue"] = [bool(o and not blank(d) and d < as_of) for o, d in zip(df["open"], df["due"], strict=True)]
    df["days_overdue"] = [(as_of - d).days if o else 0 for o, d in zip(df["overdue"], df["due"], strict=True)]
    df["kind_label"] = df["kind"].map(ACTION_KIND_LABELS).fillna("")
    return df


def _key(text: str) -> str:
    return " ".join(str(text).split()).lower()


def issue_changes(current: dict[str, list[str]], previous: dict[str, list[str]] | None) -> pd.DataFrame:
    """Issues now vs at the last review: change is new / unchanged / no longer listed / no baseline."""
    rows: list[dict[str, str]] = []
    for kind in ("external", "internal"):
        now = current.get(kind, [])
        if previous is None:
            rows.extend({"kind": kind, "issue": t, "change": "no baseline"} for t in now)
            continue
        before = {_key(t) for t in previous.get(kind, [])}
        after = {_key(t) for t in now}
        rows.extend({"kind": kind, "issue": t, "change": "unchanged" if _key(t) in before else "new"} for t in now)
        rows.extend(
            {"kind": kind, "issue": t, "change": "no longer listed"}
            for t in previous.get(kind, [])
            if _key(t) not in after
        )
    return pd.DataFrame(rows, columns=["kind", "issue", "change"])


def performance_change(current: dict[str, float | None], previous: dict[str, float] | None) -> pd.DataFrame:
    """One row per measure: the last review's figure, the current figure and the change."""
    rows = []
    for key, label in PERFORMANCE_LABELS.items():
        now = current.get(key)
        now = None if now is None or (isinstance(now, float) and math.isnan(now)) else float(now)
        before = (previous or {}).get(key)
        change = round(now - before, 1) if now is not None and before is not None else None
        if change is None:
            trend = "no baseline" if before is None else "not measured"
        elif change == 0:
            trend = "no change"
        else:
            better = change > 0 if key != "open_nonconformities" else change < 0
            trend = "improved" if better else "deteriorated"
        rows.append(
            {"measure": key, "label": label, "previous": before, "current": now, "change": change, "trend": trend}
        )
    return pd.DataFrame(rows)


def audit_results(audits: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """One row per audit: status, dates, findings per grade and open nonconformities."""
    rows = []
    for a in audits.to_dict(orient="records"):
        part = findings[findings["audit_id"] == a["id"]] if not findings.empty else findings
        row = {
            "id": a["id"],
            "title": a["title"],
            "status": a["status"],
            "start": a["start"],
            "end": a["end"],
            "lead_auditor": a["lead_auditor"],
            "findings": len(part),
        }
        for g in audit_step.GRADES:
            row[g] = int((part["grade"] == g).sum()) if len(part) else 0
        row["open_nonconformities"] = (
            int((part["nonconformity"].astype(bool) & part["open"].astype(bool)).sum()) if len(part) else 0
        )
        rows.append(row)
    return pd.DataFrame(rows)


def improvement_opportunities(findings: pd.DataFrame) -> pd.DataFrame:
    """Open opportunities for improvement and observations (input 9.3.2 e)."""
    if findings.empty:
        return findings
    keep = findings["grade"].isin(["opportunity_for_improvement", "observation"]) & findings["open"].astype(bool)
    return findings[keep].reset_index(drop=True)


def nonconformities(findings: pd.DataFrame) -> pd.DataFrame:
    if findings.empty:
        return findings
    return findings[findings["grade"].isin(NONCONFORMITIES)].reset_index(drop=True)


@dataclass
class ReviewInputs:
    """The compiled 9.3.2 inputs."""

    actions: pd.DataFrame
    issues: pd.DataFrame
    performance: pd.DataFrame
    nonconformities: pd.DataFrame
    audits: pd.DataFrame
    opportunities: pd.DataFrame
    risks: pd.DataFrame | None
    impacts: pd.DataFrame | None
    baseline: str | None  # id of the review compared with


@dataclass(frozen=True)
class ReviewRecords:
    """The records a review's inputs are compiled from, as they stood on ``as_of``: the actions of the
    earlier reviews, the audit findings (as :func:`aimskit.steps.audit.finding_status` returns them), the
    audits, and the external and internal issues of context."""

    actions: pd.DataFrame
    findings: pd.DataFrame
    audits: pd.DataFrame
    context: dict[str, list[str]]
    as_of: dt.date


def compile_inputs(
    records: ReviewRecords,
    *,
    gap_headline: dict[str, Any],
    last_review: dict[str, Any] | None = None,
    risks: pd.DataFrame | None = None,
    impacts: pd.DataFrame | None = None,
    recorded_performance: dict[str, Any] | None = None,
) -> ReviewInputs:
    """Compile the management review inputs (pure; see METHOD).

    ``last_review`` is the most recent held review (its ``issues`` and ``performance`` are the
    baseline); ``recorded_performance`` the figures a held review recorded (shown instead of today's).
    """
    findings = records.findings
    nc = nonconformities(findings)
    open_nc = int(nc["open"].astype(bool).sum()) if len(nc) else 0
    current = {
        "gap_conformity": gap_headline.get("conformity"),
        "gap_conformity_clauses": gap_headline.get("conformity_clauses"),
        "gap_conformity_controls": gap_headline.get("conformity_controls"),
        "open_nonconformities": float(open_nc),
    }
    if recorded_performance:  # a held review: the figures it recorded, not today's
        current = {k: recorded_performance.get(k) for k in current}
    previous_perf = (last_review or {}).get("performance") or None
    previous_issues = (last_review or {}).get("issues")
    return ReviewInputs(
        actions=action_status(records.actions, records.as_of),
        issues=issue_changes(records.context, previous_issues),
        performance=performance_change(current, previous_perf),
        nonconformities=nc,
        audits=audit_results(records.audits, findings),
        opportunities=improvement_opportunities(findings),
        risks=risks,
        impacts=impacts,
        baseline=(last_review or {}).get("id"),
    )


def risk_and_impact(eng: Engagement) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Top residual risks (risk step) and severe impacts (impact step) for the review's risk and
    impact picture; empty frames when the engagement has no register or no impacts."""
    from aimskit.engagement.parts.impact import AREA_LABELS, default_impact

    risks, impacts = risk_step.top_residual_risks(eng), impact_step.severe_impacts(eng)
    impact_criteria = getattr(eng.parts.get("impact"), "criteria", None) or default_impact()
    risks = _in_words(risks, eng.parts["risk"].criteria, eng.system_names)
    impacts = _in_words(impacts, impact_criteria, eng.system_names)
    if "area" in impacts:
        impacts["area"] = [AREA_LABELS.get(a, a) for a in impacts["area"]]
    if "party" in impacts:
        impacts["party"] = [str(p).replace("_", " ").capitalize() for p in impacts["party"]]
    return risks, impacts


def _in_words(df: pd.DataFrame, crit: Any, names: dict[str, str]) -> pd.DataFrame:
    """The review's risk and impact picture as a reader sees it: the AI system by name
    ("Organisation-wide" when none), and the residual level with the configured band's label and colour."""
    df = df.copy()
    bands = {b.id: b for b in crit.bands}
    level = [bands.get(v) if isinstance(v, str) else None for v in df.get("residual_level", [])]
    df["residual_label"] = [b.label if b else None for b in level]
    df["residual_colour"] = [b.colour if b else None for b in level]
    df["system"] = [
        names.get(sid, sid) if isinstance(sid, str) and sid else "Organisation-wide" for sid in df.get("system_id", [])
    ]
    return df


@dataclass
class ReviewResult:
    organisation: str
    assessment_date: dt.date
    review_id: str | None
    review: dict[str, Any] | None  # the held review reported (None: the next review's input pack)
    next_review: dict[str, Any]
    inputs: ReviewInputs
    decisions: list[str]
    review_actions: pd.DataFrame  # the actions of the reported review (all reviews' for the pack)
    headline: dict[str, Any]
    summary: list[str] = field(default_factory=list)
    present: dict[str, bool] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        j = jsonable

        def records(df: pd.DataFrame | None) -> list[dict[str, Any]] | None:
            if df is None:
                return None
            return [
                {k: j(v) for k, v in row.items()}
                for row in df.drop(columns=["line"], errors="ignore").to_dict(orient="records")
            ]

        return {
            "step": "review",
            "organisation": self.organisation,
            "assessment_date": self.assessment_date.isoformat(),
            "review_id": self.review_id,
            "headline": {k: j(v) for k, v in self.headline.items()},
            "summary": self.summary,
            "review": j(self.review) if self.review else None,
            "next_review": j(self.next_review),
            "decisions": self.decisions,
            "actions": records(self.inputs.actions),
            "issues": records(self.inputs.issues),
            "performance": records(self.inputs.performance),
            "nonconformities": records(self.inputs.nonconformities),
            "audit_results": records(self.inputs.audits),
            "opportunities": records(self.inputs.opportunities),
            "risks": records(self.inputs.risks),
            "impacts": records(self.inputs.impacts),
            "baseline_review": self.inputs.baseline,
        }


def headline(inputs: ReviewInputs, actions: pd.DataFrame) -> dict[str, Any]:
    perf = inputs.performance.set_index("measure")
    nc = inputs.nonconformities
    return {
        "actions": len(actions),
        "actions_open": int(actions["open"].sum()) if len(actions) else 0,
        "actions_overdue": int(actions["overdue"].sum()) if len(actions) else 0,
        "new_issues": int((inputs.issues["change"] == "new").sum()),
        "removed_issues": int((inputs.issues["change"] == "no longer listed").sum()),
        "conformity": perf.loc["gap_conformity", "current"],
        "conformity_change": perf.loc["gap_conformity", "change"],
        "open_nonconformities": int(nc["open"].astype(bool).sum()) if len(nc) else 0,
        "overdue_nonconformities": int(nc["overdue"].astype(bool).sum()) if len(nc) else 0,
        "audits_done": int((inputs.audits["status"] == "done").sum()) if len(inputs.audits) else 0,
        "opportunities": len(inputs.opportunities),
    }


def summary_points(h: dict[str, Any], inputs: ReviewInputs, review: dict[str, Any] | None) -> list[str]:
    points = []
    if review is not None:
        points.append(
            f"Review {review['id']} on {review['date']} took {plural(len(review['decisions']), 'decision')} and "
            f"recorded {plural(h['actions'], 'action')}; {h['actions_open']} "
            f"{'is' if h['actions_open'] == 1 else 'are'} still open, {h['actions_overdue']} of them overdue."
        )
    else:
        points.append(
            f"Previous reviews recorded {plural(h['actions'], 'action')}: {h['actions_open']} still open, "
            f"{h['actions_overdue']} overdue."
        )
    if inputs.baseline:
        points.append(
            f"Since review {inputs.baseline}: {plural(h['new_issues'], 'new issue')} and {h['removed_issues']} "
            "no longer "
            "listed in the context of the organisation."
        )
    else:
        points.append("No earlier review recorded its issues or figures, so changes cannot be shown yet.")
    if h["conformity"] is not None and not (isinstance(h["conformity"], float) and math.isnan(h["conformity"])):
        change = h["conformity_change"]
        trend = (
            "" if change is None or math.isnan(change) else f" ({change:+.1f} points since review {inputs.baseline})"
        )
        points.append(f"Gap conformity is {h['conformity']:.0f}%{trend}.")
    points.append(
        f"{plural(h['open_nonconformities'], 'nonconformity', 'nonconformities')} open, "
        f"{h['overdue_nonconformities']} overdue; {plural(h['audits_done'], 'internal audit')} done; "
        f"{plural(h['opportunities'], 'improvement opportunity', 'improvement opportunities')} open."
    )
    return points


def _with_baseline(reviews: pd.DataFrame) -> dict[str, Any] | None:
    """The latest of ``reviews`` that recorded its issues or performance figures (the baseline)."""
    for rec in reversed(reviews.to_dict(orient="records")):
        if rec.get("issues") or rec.get("performance"):
            return rec
    return None


def _held_review(reviews: pd.DataFrame, review_id: str) -> dict[str, Any]:
    matches = reviews[reviews["id"] == review_id]
    if matches.empty:
        raise KeyError(f"review '{review_id}' is not in reviews.yaml")
    return matches.iloc[0].to_dict()


def _as_it_stood(now: ReviewRecords, review: dict[str, Any], earlier: pd.DataFrame) -> ReviewRecords:
    """The records as they stood on a held review's date (what it saw): the actions of the ``earlier``
    reviews, the findings raised and the audits ended by then, the issues it recorded."""
    when = review["date"]
    actions, findings, audits = now.actions, now.findings, now.audits
    return ReviewRecords(
        actions=actions[actions["review_id"].isin(earlier["id"])],
        findings=findings[findings["raised"] <= when] if len(findings) else findings,
        audits=audits[audits["end"] <= when] if len(audits) else audits,
        context=review.get("issues") or now.context,
        as_of=when,
    )


def assess(eng: Engagement, review_id: str | None = None) -> ReviewResult:
    """One held management review (``review_id``), or the input pack for the next review."""
    data: AuditData = eng.part(audit_part.PART)
    as_of = eng.meta.assessment_date
    now = ReviewRecords(
        actions=data.actions,
        findings=audit_step.finding_status(data.findings, as_of),
        audits=data.audits,
        context={
            "external": list(eng.meta.context.external_issues),
            "internal": list(eng.meta.context.internal_issues),
        },
        as_of=as_of,
    )
    if review_id is None:
        review, own_actions = None, None
        records, last = now, _with_baseline(data.reviews)
        risks, impacts = risk_and_impact(eng)
    else:  # a held review: the inputs as they stood on its date (what it saw), its own actions apart
        review = _held_review(data.reviews, review_id)
        earlier = data.reviews[data.reviews["date"] < review["date"]]
        own_actions = action_status(data.actions[data.actions["review_id"] == review_id], as_of)
        records, last = _as_it_stood(now, review, earlier), _with_baseline(earlier)
        risks, impacts = None, None
    inputs = compile_inputs(
        records,
        gap_headline=gap_step.organisation_headline(eng),
        last_review=last,
        risks=risks,
        impacts=impacts,
        recorded_performance=(review.get("performance") or None) if review is not None else None,
    )
    h = headline(inputs, inputs.actions if own_actions is None else own_actions)
    return ReviewResult(
        organisation=eng.organisation,
        assessment_date=as_of,
        review_id=review_id,
        review=review,
        next_review=dict(data.next_review),
        inputs=inputs,
        decisions=list(review["decisions"]) if review else [],
        review_actions=inputs.actions if own_actions is None else own_actions,
        headline=h,
        summary=summary_points(h, inputs, review),
        present=dict(data.present),
    )


def review_ids(eng: Engagement) -> list[str]:
    """The management reviews held, one report each."""
    return eng.part(audit_part.PART).review_ids


STEP = Step(
    "review",
    "Management review (9.3)",
    notebook="management_review.ipynb",
    compute=__name__,
    pack_order=70,
    view="aimskit.steps.review.view",
    parts=(audit_part.PART,),
    uses=(audit_step.STEP, gap_step.STEP, risk_step.STEP, impact_step.STEP),
    scope_param="review_id",
    scope_prefix="review",
    scopes=review_ids,
    headline=(
        Figure("actions_open", "Open actions"),
        Figure("actions_overdue", "Overdue actions"),
        Figure("conformity", "Gap conformity", "pct"),
        Figure("open_nonconformities", "Open NCs"),
    ),
)
