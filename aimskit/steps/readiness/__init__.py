"""Certification readiness: are we ready for the stage-1 and stage-2 audits, and if not, what stands
in the way and by when can we be?

Pure functions of the engagement and of the results of the other steps (gap, risk, impact, audit,
review): the mandatory documented-information checklist (:func:`checklist`), inventory completeness
(:func:`inventory`), the blockers with their source step (:func:`blockers`), the verdict per stage
with ranked reasons (:func:`verdict`), the readiness score (:func:`score`) and the plan to the
certificate (:func:`plan`, :func:`cycle`). ``as_of`` is the engagement's assessment date; placeholders
left from the blank templates are never counted as evidence.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from aimskit import catalog
from aimskit.base.problems import Problem
from aimskit.base.vocab import STATUS_LABELS
from aimskit.engagement import Engagement, placeholders
from aimskit.engagement.parts import audit as audit_part
from aimskit.engagement.parts import impact as impact_part
from aimskit.engagement.parts import readiness as readiness_part
from aimskit.engagement.parts import risk as risk_part
from aimskit.engagement.parts.readiness import Certification, ReadinessData
from aimskit.engagement.placeholders import SCREENING_MESSAGE
from aimskit.steps import audit as audit_step
from aimskit.steps import gap as gap_step
from aimskit.steps import impact as impact_step
from aimskit.steps import review as review_step
from aimskit.steps import risk as risk_step
from aimskit.steps import security as security_step
from aimskit.steps.base import Figure, Step, scope_name
from aimskit.steps.common import blank, jsonable, records

VERDICTS = ("ready", "ready_with_conditions", "not_ready")
VERDICT_LABELS = {"ready": "Ready", "ready_with_conditions": "Ready with conditions", "not_ready": "Not ready"}
ITEM_STATES = ("in_place", "not_approved", "review_overdue", "missing")
ITEM_STATE_LABELS = {
    "in_place": "In place",
    "not_approved": "Present, not approved",
    "review_overdue": "Present, review overdue",
    "missing": "Missing",
}
ITEM_CREDIT = {"in_place": 1.0, "not_approved": 0.5, "review_overdue": 0.5, "missing": 0.0}

#: Blocker kinds in ranking order: (label, source step, severity at stage 1, severity at stage 2).
#: major: the stage is not ready unless the blocker is planned to close before the stage date;
#: minor: a condition (at stage 1, an "area of concern" to resolve before stage 2).
BLOCKERS: dict[str, tuple[str, str, str, str]] = {
    "placeholder": ("Placeholder text left from the blank templates", "readiness", "major", "major"),
    "document_missing": ("Mandatory documented information missing", "readiness", "major", "major"),
    "clause_not_assessed": ("Mandatory clause not assessed", "gap", "major", "major"),
    "high_risk_no_impact": ("High-risk AI system without an impact assessment", "impact", "major", "major"),
    "no_management_review": ("No management review held", "review", "major", "major"),
    "audit_coverage": ("Internal audit does not cover every clause in the cycle", "audit", "minor", "major"),
    "clause_not_compliant": ("Mandatory clause non-compliant", "gap", "minor", "major"),
    "major_nonconformity": ("Open major nonconformity", "audit", "minor", "major"),
    "soa_inconsistency": ("High-severity Statement of Applicability inconsistency", "risk", "minor", "major"),
    "residual_unaccepted": ("Residual risk above appetite without a valid acceptance", "risk", "minor", "major"),
    "security_untreated": ("Failed security test category without a risk that treats it", "security", "minor", "major"),
    "document_uncontrolled": ("Mandatory document unapproved or past its review date", "readiness", "minor", "minor"),
    "objective_incomplete": ("AI objective without a measure or a target", "readiness", "minor", "minor"),
    "inventory_incomplete": ("AI inventory entry incomplete", "impact", "minor", "minor"),
}
NO_AUDIT_DONE = "major"  # audit_coverage at stage 1 when no internal audit at all has been done
#: Blocker kinds that cannot be evaluated in this version (none left: the security step feeds security_untreated).
NOT_EVALUATED: dict[str, str] = {}
STEP_TITLES = {
    "gap": "Gap assessment",
    "risk": "Risk assessment",
    "impact": "Impact assessment",
    "audit": "Internal audit",
    "review": "Management review",
    "security": "Security testing",
    "readiness": "This report",
}

#: Readiness score: (component, weight). Each component is a share from 0 to 1 (see METHOD).
SCORE_WEIGHTS = (
    ("documents", 30),
    ("clauses", 25),
    ("inventory", 15),
    ("audit", 15),
    ("review", 5),
    ("nonconformities", 5),
    ("risk_acceptance", 5),
)
SCORE_LABELS = {
    "documents": "Mandatory documented information",
    "clauses": "Clause conformity (4-10)",
    "inventory": "AI inventory completeness",
    "audit": "Internal audit coverage of the clauses",
    "review": "Management review held",
    "nonconformities": "No open major nonconformity",
    "risk_acceptance": "Residual risks within appetite or validly accepted",
}

#: Where the engagement's own data is evidence for a checklist item (besides the register).
DATA_EVIDENCE = {
    "4.3": "the scope statement in engagement.yaml",
    "6.1.2": "the risk criteria in engagement.yaml and the risk register (risks.csv)",
    "6.1.3": "the Statement of Applicability (soa.csv) and the treatment plan approval (risk_treatment_plan)",
    "6.1.4": "the impact register (impacts.csv) and the system profiles",
    "6.2": "the AI objectives (objectives.csv)",
    "8.2": "the scored risk register (risks.csv)",
    "8.3": "risks with a residual rating after treatment (risks.csv)",
    "8.4": "the impact register (impacts.csv)",
    "9.1": "objectives with a measured value (objectives.csv)",
    "9.2.2": "the audit programme and audits done (audits.yaml, findings.csv)",
    "9.3.3": "management reviews held (reviews.yaml)",
    "10.2": "nonconformities with their corrective actions (findings.csv)",
}

CYCLE = (
    (
        "stage_1",
        "Stage 1 audit",
        "Documentation and readiness review: scope, AI policy, risk and impact assessment results, SoA, objectives, "
        "an internal audit and a management review held; the stage-2 plan is agreed.",
    ),
    (
        "stage_2",
        "Stage 2 audit",
        "Implementation and effectiveness: records showing the controls operate, stage-1 concerns closed, "
        "nonconformities with corrective actions; the certification decision follows.",
    ),
    (
        "surveillance_1",
        "Surveillance audit, year 1",
        "Within 12 months of the certification decision: a sample of clauses and controls, the internal audit and "
        "management review of the year, corrective actions from stage 2.",
    ),
    (
        "surveillance_2",
        "Surveillance audit, year 2",
        "Within 24 months: another sample, changes to the AIMS and its AI systems, continual improvement.",
    ),
    (
        "recertification",
        "Recertification audit, year 3",
        "Before the 3-year certificate expires: the whole AIMS again, its performance over the cycle.",
    ),
)

METHOD: dict[str, str] = {
    "Mandatory documented information": (
        "One item per clause sub-clause the clauses catalog flags as requiring documented information (maintained: "
        "a controlled document; retained: records). Evidence is a row of documents.csv whose requirements name the "
        "sub-clause or its heading (9.2 covers 9.2.2), or the engagement's own data listed under 'Where'. State: "
        "in place = a register entry approved (approved_by and approved_on on or before the assessment date; a record, "
        "register or report serving an item of retained records needs no approval) and current (next_review not "
        "passed), or, for records, the engagement data; present, not approved = evidence "
        "exists but no approved register entry (a maintained document needs one); present, review overdue = the "
        "newest approval is past its next_review date; missing = no evidence. Placeholders are never evidence."
    ),
    "Inventory completeness": (
        "Every in-scope AI system needs: an owner; an EU AI Act tier in systems.csv that matches its screening "
        "(impact step) with screening answers that are not the blank template's; a lifecycle stage other than "
        "retirement; for a system screened high-risk or prohibited, at least one impact in impacts.csv; at least one "
        "risk in risks.csv."
    ),
    "Blockers": (
        "Each blocker has a source step and a severity at each stage (the blockers table lists both; an internal "
        "audit coverage gap is major at stage 1 when no audit at all has been done). Minor at stage 1 follows the "
        "practice of stage-1 'areas of concern' that must be resolved before stage 2. "
        "Major: the stage is not ready unless the blocker has a planned date (roadmap target, "
        "corrective action or treatment due date, a planned audit's end, the next review date) on or after the "
        "assessment date and on or before the stage date, in which case it is a condition. Minor: always a "
        "condition. Every kind is listed in the blockers table with the number found."
    ),
    "Verdict": (
        "For each stage: not ready if any blocker blocks it; ready with conditions if only conditions remain; ready "
        "if none. Reasons are ranked: blocking before conditions, then by kind (the order of the blockers table), "
        "then by planned date. Without a stage date no blocker can be planned in time, so any major blocker blocks."
    ),
    "Readiness score": (
        "score = 30 x documents + 25 x clauses + 15 x inventory + 15 x audit + 5 x review + 5 x nonconformities + "
        "5 x risk_acceptance, each a share from 0 to 1: documents = mean item credit (in place 1, not approved or "
        "review overdue 0.5, missing 0); clauses = (compliant + 0.5 x partially compliant) / all clause "
        "sub-clauses, not assessed counting 0; inventory = complete in-scope systems / in-scope systems (0 without "
        "systems); audit = clause sub-clauses covered by an audit done / all clause sub-clauses; review = 1 if a "
        "management review was held; nonconformities = 1 if an audit was done and no major nonconformity is open; "
        "risk_acceptance = residual risks within appetite or validly accepted / risks (0 without a register). The "
        "score summarises progress; the verdict, not the score, says whether a stage is ready."
    ),
    "Plan to the certificate": (
        "Open items from the gap roadmap (target_date), the risk treatment plan (due_date, risks open or in "
        "treatment), corrective actions of open nonconformities (due_date) and open management review actions "
        "(due). Overdue = due before the assessment date; late for a stage = due after its date or no date. "
        "Certification cycle dates after stage 2 are indicative: surveillance within 12 and 24 months and "
        "recertification before the certificate expires 36 months after stage 2 (the certification body sets the "
        "actual dates)."
    ),
}


def _date(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) and not blank(value) else None


def position(problem: Problem, folder: Path | None = None) -> str:
    """``file:line:column`` of a problem, the file shown relative to the engagement folder."""
    file = str(problem.file)
    if folder is not None:
        with contextlib.suppress(ValueError):
            file = Path(file).resolve().relative_to(Path(folder).resolve()).as_posix()
    return f"{file}:{problem.line}" + (f":{problem.column}" if problem.column else "")


def link(step: str, scope: str | None = None, prefix: str = "system") -> str:
    """Relative link from this report to another step's report in the same run."""
    if step == "readiness":
        return ""
    return f"../{step}/{scope_name(prefix, scope)}.html"


# ---------------------------------------------------------------------------------------------
# documented information


def _version(version: Any) -> str:
    text = "" if blank(version) else str(version).strip()
    if not text:
        return ""
    return f" v{text}" if text[0].isdigit() and "." in text and "-" not in text else f" ({text})"


def mandatory_items(clauses: pd.DataFrame | None = None) -> pd.DataFrame:
    """The sub-clauses whose documented information the clauses catalog flags (id, title, kind, required)."""
    if clauses is None:
        clauses = catalog.load("iso42001-clauses")
    part = clauses[clauses["documented_information"] != "none"]
    return pd.DataFrame(
        {
            "id": part["id"],
            "title": part["title"],
            "kind": part["documented_information"],
            "required": part["documented_information_note"],
        }
    ).reset_index(drop=True)


def _serves(requirements: list[str], item: str) -> bool:
    return any(item == r or item.startswith(r + ".") for r in requirements or [])


RECORD_KINDS = ("record", "register", "report")


def document_state(doc: dict[str, Any], as_of: dt.date, needs_approval: bool = True) -> tuple[bool, bool]:
    """(approved, current) of one register entry as of ``as_of``; a record set that needs no approval
    counts as approved."""
    on = _date(doc.get("approved_on"))
    approved = bool(str(doc.get("approved_by") or "").strip()) and on is not None and on <= as_of
    approved = approved or not needs_approval
    nxt = _date(doc.get("next_review"))
    current = nxt is None or nxt >= as_of
    return approved, current


def checklist(
    items: pd.DataFrame, documents: pd.DataFrame, data_evidence: dict[str, str], as_of: dt.date
) -> pd.DataFrame:
    """One row per mandatory item: state (see METHOD), present / approved / current, and where the evidence is.

    ``data_evidence`` maps an item id to a description of the engagement data that evidences it (only
    items whose data exists and is not placeholder).
    """
    rows = []
    docs = documents.to_dict(orient="records")
    for item in items.to_dict(orient="records"):
        mine = [d for d in docs if _serves(d.get("requirements") or [], item["id"])]
        maintained = "maintained" in item["kind"]
        states = [(d, *document_state(d, as_of, maintained or d["kind"] not in RECORD_KINDS)) for d in mine]
        approved_docs = [d for d, ok, _ in states if ok]
        current_docs = [d for d, ok, cur in states if ok and cur]
        from_data = data_evidence.get(item["id"], "")
        present = bool(mine) or bool(from_data)
        if not present:
            state = "missing"
        elif current_docs:
            state = "in_place"
        elif approved_docs:
            state = "review_overdue"
        elif from_data and not maintained:
            state = "in_place"  # records: the engagement's own data is the record
        else:
            state = "not_approved"
        uncontrolled = []
        for d, ok, cur in states:
            if not ok:
                uncontrolled.append({**d, "problem": "not approved (approved_by and approved_on)"})
            elif not cur:
                uncontrolled.append({**d, "problem": f"review overdue since {d['next_review'].isoformat()}"})
        where = [f"{d['document_id']} {d['title']}{_version(d.get('version'))}" for d in mine]
        if from_data:
            where.append(from_data)
        rows.append(
            {
                "id": item["id"],
                "title": item["title"],
                "kind": item["kind"],
                "required": item["required"],
                "present": present,
                "approved": bool(approved_docs) or (not maintained and bool(from_data)),
                "current": bool(current_docs) or (not maintained and bool(from_data)),
                "state": state,
                "state_label": ITEM_STATE_LABELS[state],
                "documents": [d["document_id"] for d in mine],
                "uncontrolled": uncontrolled,
                "where": where,
                "location": [d["location"] for d in mine if d.get("location")],
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "title",
            "kind",
            "required",
            "present",
            "approved",
            "current",
            "state",
            "state_label",
            "documents",
            "uncontrolled",
            "where",
            "location",
        ],
    )


@dataclass(frozen=True)
class EvidenceInputs:
    """The engagement's own data that can evidence checklist items: whether the scope is still the
    template's, the risk register (scored), whether the SoA has rows and its treatment-plan approval, the
    impacts, the AI objectives, the audits and their findings, the management reviews held."""

    scope_is_placeholder: bool
    risks: pd.DataFrame
    has_soa: bool
    approval: Any
    impacts: pd.DataFrame
    objectives: pd.DataFrame
    audits: pd.DataFrame
    findings: pd.DataFrame
    reviews_held: pd.DataFrame


def data_evidence(i: EvidenceInputs) -> dict[str, str]:
    """Which checklist items the engagement's own data evidences (item id -> description)."""
    out: dict[str, str] = {}
    if not i.scope_is_placeholder:
        out["4.3"] = DATA_EVIDENCE["4.3"]
    if not i.risks.empty:
        out["6.1.2"] = DATA_EVIDENCE["6.1.2"]
        out["8.2"] = f"{DATA_EVIDENCE['8.2']}: {len(i.risks)} risk(s)"
        rated = int(i.risks["residual_rated"].sum()) if "residual_rated" in i.risks else 0
        if rated:
            out["8.3"] = f"{DATA_EVIDENCE['8.3']}: {rated}"
    if i.has_soa:
        out["6.1.3"] = DATA_EVIDENCE["6.1.3"] if i.approval is not None else "the Statement of Applicability (soa.csv)"
    if not i.impacts.empty:
        n = i.impacts["system_id"].nunique()
        out["6.1.4"] = f"{DATA_EVIDENCE['6.1.4']}: {len(i.impacts)} impact(s), {n} system(s)"
        out["8.4"] = f"{DATA_EVIDENCE['8.4']}: {len(i.impacts)} impact(s)"
    if not i.objectives.empty:
        out["6.2"] = f"{DATA_EVIDENCE['6.2']}: {len(i.objectives)} objective(s)"
        measured = i.objectives[i.objectives["current_value"].map(lambda v: not blank(v))]
        if not measured.empty:
            out["9.1"] = f"{DATA_EVIDENCE['9.1']}: {len(measured)}"
    done = i.audits[i.audits["status"] == "done"] if not i.audits.empty else i.audits
    if not done.empty:
        out["9.2.2"] = f"{DATA_EVIDENCE['9.2.2']}: {len(done)} audit(s) done"
    if not i.reviews_held.empty:
        out["9.3.3"] = f"{DATA_EVIDENCE['9.3.3']}: {len(i.reviews_held)} review(s)"
    findings = i.findings
    nc = findings[findings["grade"].isin(audit_part.NONCONFORMITIES)] if not findings.empty else findings
    if not nc.empty and nc["corrective_action"].map(lambda v: not blank(v)).any():
        out["10.2"] = f"{DATA_EVIDENCE['10.2']}: {len(nc)} nonconformity(ies)"
    return out


# ---------------------------------------------------------------------------------------------
# inventory


def inventory(
    systems: pd.DataFrame,
    screened: dict[str, str],
    unconfirmed: set[str],
    impact_systems: set[str],
    risk_systems: set[str],
) -> pd.DataFrame:
    """One row per in-scope AI system with each completeness check and what is missing.

    ``screened``: system id -> tier from its screening ('unknown' when not screened); ``unconfirmed``:
    systems whose screening answers are the blank template's.
    """
    rows = []
    for s in systems[systems["in_scope"] == True].to_dict(orient="records"):  # noqa: E712
        sid = s["id"]
        tier = screened.get(sid, "unknown")
        checks = {
            "has_owner": bool(str(s.get("owner") or "").strip()),
            "tier_matches": tier != "unknown" and sid not in unconfirmed and s["eu_ai_act_tier"] == tier,
            "lifecycle": bool(s.get("lifecycle_stage")) and s["lifecycle_stage"] != "retirement",
            "impact_assessment": sid in impact_systems or tier not in ("high", "prohibited"),
            "risks": sid in risk_systems,
        }
        missing = []
        if not checks["has_owner"]:
            missing.append("no owner")
        if not checks["tier_matches"]:
            if sid in unconfirmed:
                missing.append("screening answers are the blank template's: confirm them")
            elif tier == "unknown":
                missing.append("not screened (no systems/<id>.yaml)")
            else:
                missing.append(f"inventory tier '{s['eu_ai_act_tier']}' differs from the screening '{tier}'")
        if not checks["lifecycle"]:
            missing.append("in scope but its lifecycle stage is retirement" if s.get("lifecycle_stage") else "no stage")
        if not checks["impact_assessment"]:
            missing.append(f"screened {tier} without an impact assessment")
        if not checks["risks"]:
            missing.append("no risk in the risk register")
        rows.append(
            {
                "system_id": sid,
                "name": s["name"],
                "owner": s.get("owner") or "",
                "declared_tier": s["eu_ai_act_tier"],
                "screened_tier": "not confirmed" if sid in unconfirmed else tier,
                "lifecycle_stage": s.get("lifecycle_stage") or "",
                **checks,
                "complete": all(checks.values()),
                "missing": missing,
            }
        )
    cols = [
        "system_id",
        "name",
        "owner",
        "declared_tier",
        "screened_tier",
        "lifecycle_stage",
        "has_owner",
        "tier_matches",
        "lifecycle",
        "impact_assessment",
        "risks",
        "complete",
        "missing",
    ]
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=cols)
    return df[cols]


# ---------------------------------------------------------------------------------------------
# blockers


BLOCKER_COLUMNS = ["kind", "title", "step", "severity_1", "severity_2", "subject", "message", "due", "link"]


def _blocker(
    kind: str, subject: str, message: str, due: Any = None, link_to: str | None = None, severity_1: str | None = None
) -> dict[str, Any]:
    """One blocker; ``severity_1`` overrides the kind's stage-1 severity (and raises stage 2 to match)."""
    title, step, sev1, sev2 = BLOCKERS[kind]
    if severity_1 == "major":
        sev2 = "major"
    return {
        "kind": kind,
        "title": title,
        "step": step,
        "severity_1": severity_1 or sev1,
        "severity_2": sev2,
        "subject": subject,
        "message": message,
        "due": _date(due),
        "link": link(step) if link_to is None else link_to,
    }


@dataclass(frozen=True)
class BlockerInputs:
    """What the blocker rules read: the placeholders left, the documented-information checklist, the
    clauses as assessed, the management reviews held and the next planned, the audit coverage of the
    clauses, the audits and their findings (as :func:`aimskit.steps.audit.finding_status` returns them),
    the impact, risk and security steps' findings, the risk treatment plan, the AI objectives and the
    AI inventory."""

    placeholders: list[Problem]
    checklist_df: pd.DataFrame
    clause_view: pd.DataFrame
    reviews_held: pd.DataFrame
    next_review: Any
    clause_coverage: pd.DataFrame
    audits: pd.DataFrame
    findings: pd.DataFrame
    impact_findings: pd.DataFrame
    risk_findings: pd.DataFrame
    risk_plan: pd.DataFrame
    objectives: pd.DataFrame
    inventory_df: pd.DataFrame
    folder: Path | None = None  # placeholders are shown relative to it
    has_soa: bool = True
    security_findings: pd.DataFrame | None = None


Row = dict[str, Any]


def _placeholder_blockers(i: BlockerInputs) -> list[Row]:
    """Template text left (a blank-template screening is counted in the inventory: an all-"no" one may be right)."""
    return [
        _blocker("placeholder", position(p, i.folder), p.message)
        for p in i.placeholders
        if p.message != SCREENING_MESSAGE
    ]


def _document_blockers(i: BlockerInputs) -> list[Row]:
    """Mandatory documented information missing, or present but not under control (7.5): each document once."""
    rows: list[Row] = []
    flagged_docs: set[str] = set()
    for item in i.checklist_df.to_dict(orient="records"):
        if item["state"] == "missing":
            rows.append(_blocker("document_missing", item["id"], f"{item['id']} {item['title']}: {item['required']}"))
            continue
        for d in item["uncontrolled"]:
            if d["document_id"] not in flagged_docs:
                flagged_docs.add(d["document_id"])
                rows.append(
                    _blocker(
                        "document_uncontrolled",
                        d["document_id"],
                        f"{d['document_id']} {d['title']} (for {item['id']}): {d['problem']}",
                    )
                )
        if item["state"] == "not_approved" and not item["documents"]:
            rows.append(
                _blocker(
                    "document_uncontrolled",
                    item["id"],
                    f"{item['id']} {item['title']}: only in the engagement data, not a controlled document "
                    "(add it to documents.csv with its approval)",
                )
            )
    return rows


def _clause_blockers(i: BlockerInputs) -> list[Row]:
    """Clauses 4-10 non-compliant or not assessed (gap step)."""
    rows: list[Row] = []
    for r in i.clause_view.to_dict(orient="records"):
        if r["status"] == "non_compliant":
            rows.append(
                _blocker(
                    "clause_not_compliant", r["id"], f"{r['id']} {r['title']} is non-compliant", r.get("target_date")
                )
            )
        elif r["status"] == "not_assessed":
            rows.append(_blocker("clause_not_assessed", r["id"], f"{r['id']} {r['title']} has not been assessed"))
    return rows


def _review_blockers(i: BlockerInputs) -> list[Row]:
    """No management review held (9.3)."""
    if not i.reviews_held.empty:
        return []
    when = _date(i.next_review)
    message = "no management review has been held" + (f"; the next is planned for {when}" if when else "")
    return [_blocker("no_management_review", "9.3", message, when)]


def _audit_coverage_blockers(i: BlockerInputs) -> list[Row]:
    """Clauses not yet covered by an internal audit done (9.2); major at stage 1 when no audit is done at all."""
    coverage, audits = i.clause_coverage, i.audits
    uncovered = coverage[coverage["state"] != "audited"]
    if uncovered.empty:
        return []
    never = uncovered[uncovered["state"] == "never audited"]
    planned_end = None
    if never.empty and not audits.empty:
        planned = audits[audits["status"] == "planned"]
        ends = [d for d in (_date(e) for e in planned["end"]) if d is not None]
        planned_end = max(ends) if ends else None
    ids = ", ".join(uncovered["id"].head(12)) + (" ..." if len(uncovered) > 12 else "")
    message = f"{len(uncovered)} of {len(coverage)} clause sub-clauses not yet covered by an audit done ({ids})" + (
        f"; {len(never)} not even planned" if len(never) else "; the rest is planned"
    )
    done = not audits.empty and bool((audits["status"] == "done").any())
    if not done:
        message = "no internal audit has been done yet; " + message
    return [_blocker("audit_coverage", "9.2", message, planned_end, None, None if done else NO_AUDIT_DONE)]


def _nonconformity_blockers(i: BlockerInputs) -> list[Row]:
    """Open major nonconformities (10.2)."""
    findings = i.findings
    if findings.empty:
        return []
    majors = findings[(findings["grade"] == "major_nonconformity") & findings["open"].astype(bool)]
    return [
        _blocker(
            "major_nonconformity",
            f["finding_id"],
            f"{f['finding_id']} ({f['requirement_id']}): {f.get('statement') or 'major nonconformity'}",
            f.get("due_date"),
            link("audit", f["audit_id"], "audit"),
        )
        for f in majors.to_dict(orient="records")
    ]


def _impact_blockers(i: BlockerInputs) -> list[Row]:
    """High-risk AI systems without an impact assessment (6.1.4, impact step)."""
    found = i.impact_findings
    return [
        _blocker("high_risk_no_impact", f["system_id"], f["message"], None, link("impact", f["system_id"]))
        for f in found[found["rule"] == "high_risk_not_assessed"].to_dict(orient="records")
    ]


def _soa_blockers(i: BlockerInputs) -> list[Row]:
    """High-severity SoA inconsistencies (6.1.3, risk step); no SoA at all is document_missing 6.1.3 instead."""
    if not i.has_soa:
        return []
    found = i.risk_findings
    soa = found[found["rule"].str.startswith("SOA") & (found["severity"] == "high")]
    return [
        _blocker("soa_inconsistency", f["subject"], f"{f['subject']}: {f['message']} ({f['rule']})")
        for f in soa.to_dict(orient="records")
    ]


def _residual_blockers(i: BlockerInputs) -> list[Row]:
    """Residual risks above the appetite without a valid acceptance (6.1.3, 8.3, risk step)."""
    if i.risk_plan.empty:
        return []
    flagged = i.risk_plan[i.risk_plan["acceptance"] == "flagged"]
    return [
        _blocker(
            "residual_unaccepted",
            r["risk_id"],
            f"{r['risk_id']} {r['title']}: residual {r['residual_level']}, above the appetite and not validly accepted",
            r.get("due_date"),
        )
        for r in flagged.to_dict(orient="records")
    ]


def _security_blockers(i: BlockerInputs) -> list[Row]:
    """The security step's consistency findings: failed test categories no risk treats."""
    untreated = i.security_findings if i.security_findings is not None else pd.DataFrame()
    return [
        _blocker(
            "security_untreated",
            f"{f['system_id']} {f['category']}",
            f["message"],
            None,
            link("security", f["system_id"]),
        )
        for f in untreated.to_dict(orient="records")
    ]


def _objective_blockers(i: BlockerInputs) -> list[Row]:
    """AI objectives without a measure or a target (6.2)."""
    rows: list[Row] = []
    for o in i.objectives.to_dict(orient="records"):
        lacks = [c for c in ("measure", "target") if blank(o.get(c)) or not str(o.get(c)).strip()]
        if lacks:
            rows.append(
                _blocker(
                    "objective_incomplete",
                    o["objective_id"],
                    f"{o['objective_id']} {o['objective']}: no {' and no '.join(lacks)}",
                    o.get("due_date"),
                )
            )
    return rows


def _inventory_blockers(i: BlockerInputs) -> list[Row]:
    """An empty AI inventory (major: nothing to certify), or its incomplete entries."""
    if i.inventory_df.empty:
        return [
            _blocker(
                "inventory_incomplete",
                "systems.csv",
                "the AI inventory lists no AI system in scope: nothing can be certified",
                severity_1="major",
            )
        ]
    return [
        _blocker(
            "inventory_incomplete",
            s["system_id"],
            f"{s['system_id']}: {'; '.join(s['missing'])}",
            None,
            link("impact", s["system_id"]),
        )
        for s in i.inventory_df.to_dict(orient="records")
        if not s["complete"]
    ]


#: The blocker rules, each giving the blockers of its kind(s) (see :data:`BLOCKERS`), in the order
#: their rows are listed before the ranking by kind.
BLOCKER_RULES: tuple[Callable[[BlockerInputs], list[Row]], ...] = (
    _placeholder_blockers,
    _document_blockers,
    _clause_blockers,
    _review_blockers,
    _audit_coverage_blockers,
    _nonconformity_blockers,
    _impact_blockers,
    _soa_blockers,
    _residual_blockers,
    _security_blockers,
    _objective_blockers,
    _inventory_blockers,
)


def blockers(inputs: BlockerInputs) -> pd.DataFrame:
    """Every blocker found (see :data:`BLOCKERS` and METHOD), in ranking order of kind."""
    df = pd.DataFrame([row for rule in BLOCKER_RULES for row in rule(inputs)], columns=BLOCKER_COLUMNS)
    if df.empty:
        return df
    order = {k: i for i, k in enumerate(BLOCKERS)}
    df["_k"] = df["kind"].map(order)
    return df.sort_values(["_k"], kind="stable").drop(columns=["_k"]).reset_index(drop=True)


def blocker_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Every kind of blocker with the number found (zero included) and its source step."""
    counts = df["kind"].value_counts() if not df.empty else pd.Series(dtype=int)
    rows = [
        {
            "kind": k,
            "title": title,
            "step": step,
            "step_title": STEP_TITLES[step],
            "severity_1": sev1,
            "severity_2": sev2,
            "found": int(counts.get(k, 0)),
            "link": link(step),
        }
        for k, (title, step, sev1, sev2) in BLOCKERS.items()
    ]
    rows += [
        {
            "kind": k,
            "title": t,
            "step": "security",
            "step_title": "Security testing",
            "severity_1": "not evaluated",
            "severity_2": "not evaluated",
            "found": None,
            "link": "",
        }
        for k, t in NOT_EVALUATED.items()
    ]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# verdict and score


def classify(df: pd.DataFrame, stage: int, stage_date: dt.date | None, as_of: dt.date) -> pd.DataFrame:
    """The blockers affecting ``stage`` with ``effect``: blocking or condition (see METHOD)."""
    part = df.copy()
    if part.empty:
        part["effect"] = pd.Series(dtype=object)
        return part

    def effect(r: pd.Series) -> str:
        if r[f"severity_{stage}"] == "minor":
            return "condition"
        due = _date(r["due"])
        if stage_date is not None and due is not None and as_of <= due <= stage_date:
            return "condition"
        return "blocking"

    part["effect"] = part.apply(effect, axis=1)
    return part


def verdict(classified: pd.DataFrame) -> tuple[str, list[dict[str, Any]]]:
    """The verdict of a stage and its reasons, ranked: one reason per kind and effect, with counts."""
    if classified.empty:
        return "ready", []
    reasons = []
    order = {k: i for i, k in enumerate(BLOCKERS)}
    for (effect, kind), grp in classified.groupby(["effect", "kind"], sort=False):
        dues = [d for d in grp["due"] if _date(d) is not None]
        reasons.append(
            {
                "effect": effect,
                "kind": kind,
                "title": BLOCKERS[kind][0],
                "step": BLOCKERS[kind][1],
                "count": len(grp),
                "subjects": list(grp["subject"]),
                "latest_due": max(dues) if dues else None,
                "link": grp["link"].iloc[0],
            }
        )
    reasons.sort(key=lambda r: (r["effect"] != "blocking", order[r["kind"]], r["latest_due"] or dt.date.max))
    if any(r["effect"] == "blocking" for r in reasons):
        return "not_ready", reasons
    return "ready_with_conditions", reasons


def score(components: dict[str, float]) -> float:
    """The readiness score, 0-100 (see METHOD)."""
    return round(sum(w * max(0.0, min(1.0, components.get(k, 0.0))) for k, w in SCORE_WEIGHTS), 1)


def score_components(
    *,
    checklist_df: pd.DataFrame,
    clause_view: pd.DataFrame,
    inventory_df: pd.DataFrame,
    clause_coverage: pd.DataFrame,
    reviews_held: pd.DataFrame,
    audits_done: int,
    open_majors: int,
    risk_plan: pd.DataFrame,
) -> dict[str, float]:
    credit = gap_step.STATUS_CREDIT
    docs = float(checklist_df["state"].map(ITEM_CREDIT).mean()) if not checklist_df.empty else 0.0
    clauses = (
        float(sum(credit.get(s, 0.0) for s in clause_view["status"]) / len(clause_view)) if len(clause_view) else 0.0
    )
    inv = float(inventory_df["complete"].mean()) if not inventory_df.empty else 0.0
    audit = float((clause_coverage["state"] == "audited").mean()) if len(clause_coverage) else 0.0
    risk = 0.0 if risk_plan.empty else float(risk_plan["acceptance"].isin(["within", "accepted"]).mean())
    return {
        "documents": round(docs, 4),
        "clauses": round(clauses, 4),
        "inventory": round(inv, 4),
        "audit": round(audit, 4),
        "review": 0.0 if reviews_held.empty else 1.0,
        "nonconformities": 1.0 if audits_done and not open_majors else 0.0,
        "risk_acceptance": round(risk, 4),
    }


# ---------------------------------------------------------------------------------------------
# the plan to the certificate

PLAN_COLUMNS = ["source", "step", "id", "title", "owner", "due", "status", "overdue", "late_stage_1", "late_stage_2"]


def plan(
    *,
    roadmap: pd.DataFrame,
    risk_plan: pd.DataFrame,
    findings: pd.DataFrame,
    review_actions: pd.DataFrame,
    as_of: dt.date,
    stage_1: dt.date | None,
    stage_2: dt.date | None,
) -> pd.DataFrame:
    """The open actions with their due dates against the stage dates (see METHOD)."""
    rows: list[dict[str, Any]] = []
    for r in roadmap.to_dict(orient="records"):
        rows.append(
            {
                "source": f"Gap roadmap ({r['priority']})",
                "step": "gap",
                "id": r["id"],
                "title": r["title"],
                "owner": r["owner"],
                "due": _date(r["target_date"]),
                "status": STATUS_LABELS.get(r["status"], r["status"]),
            }
        )
    if not risk_plan.empty:
        for r in risk_plan[risk_plan["status"].isin(risk_step.OPEN_STATUSES)].to_dict(orient="records"):
            rows.append(
                {
                    "source": "Risk treatment",
                    "step": "risk",
                    "id": r["risk_id"],
                    "title": r["title"] + (f": {r['actions']}" if r["actions"] else ""),
                    "owner": r["owner"] or "unassigned",
                    "due": _date(r["due_date"]),
                    "status": str(r["status"]).replace("_", " "),
                }
            )
    if not findings.empty:
        open_nc = findings[findings["nonconformity"].astype(bool) & findings["open"].astype(bool)]
        for f in open_nc.to_dict(orient="records"):
            action = f.get("corrective_action")
            rows.append(
                {
                    "source": "Corrective action",
                    "step": "audit",
                    "id": f["finding_id"],
                    "title": (action if not blank(action) else "no corrective action recorded")
                    + f" ({f['requirement_id']})",
                    "owner": f.get("owner") if not blank(f.get("owner")) else "unassigned",
                    "due": _date(f.get("due_date")),
                    "status": str(f["status"]).replace("_", " "),
                }
            )
    if not review_actions.empty:
        for a in review_actions[review_actions["status"] != "done"].to_dict(orient="records"):
            rows.append(
                {
                    "source": "Management review action",
                    "step": "review",
                    "id": a["id"],
                    "title": a["description"],
                    "owner": a.get("owner") or "unassigned",
                    "due": _date(a.get("due")),
                    "status": str(a["status"]).replace("_", " "),
                }
            )
    df = pd.DataFrame(rows, columns=PLAN_COLUMNS[:7])
    df["overdue"] = [d is not None and d < as_of for d in df["due"]]
    df["late_stage_1"] = [stage_1 is not None and (d is None or d > stage_1) for d in df["due"]]
    df["late_stage_2"] = [stage_2 is not None and (d is None or d > stage_2) for d in df["due"]]
    if df.empty:
        return df
    df["_d"] = df["due"].map(lambda d: d or dt.date.max)
    return df.sort_values(["_d", "step", "id"], kind="stable").drop(columns=["_d"]).reset_index(drop=True)


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(d.day, last))


def cycle(cert: Certification | None) -> pd.DataFrame:
    """The certification cycle: each audit with its (target or indicative) date and what it needs."""
    s1 = cert.stage_1 if cert else None
    s2 = cert.stage_2 if cert else None
    dates = {
        "stage_1": s1,
        "stage_2": s2,
        "surveillance_1": _add_months(s2, 12) if s2 else None,
        "surveillance_2": _add_months(s2, 24) if s2 else None,
        "recertification": _add_months(s2, 36) if s2 else None,
    }
    basis = {
        "stage_1": "target (engagement.yaml)" if s1 else "not set",
        "stage_2": "target (engagement.yaml)" if s2 else "not set",
    }
    return pd.DataFrame(
        [
            {
                "milestone": k,
                "title": t,
                "date": dates[k],
                "basis": basis.get(k, "indicative: from the stage-2 date" if s2 else "needs the stage-2 date"),
                "needs": needs,
            }
            for k, t, needs in CYCLE
        ]
    )


# ---------------------------------------------------------------------------------------------
# the result


@dataclass
class StageVerdict:
    stage: int
    date: dt.date | None
    verdict: str
    reasons: list[dict[str, Any]]
    blocking: int
    conditions: int

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self.verdict]


@dataclass
class ReadinessResult:
    organisation: str
    assessment_date: dt.date
    certification: Certification | None
    checklist: pd.DataFrame
    inventory: pd.DataFrame
    blockers: pd.DataFrame
    blocker_summary: pd.DataFrame
    stages: list[StageVerdict]
    components: dict[str, float]
    score: float
    plan: pd.DataFrame
    cycle: pd.DataFrame
    placeholders: list[Problem]
    headline: dict[str, Any]
    register: pd.DataFrame = field(default_factory=pd.DataFrame)  # documents.csv as read
    objectives: pd.DataFrame = field(default_factory=pd.DataFrame)  # objectives.csv as read
    folder: Path | None = None
    present: dict[str, bool] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def stage(v: StageVerdict) -> dict[str, Any]:
            return {
                "stage": v.stage,
                "date": jsonable(v.date),
                "verdict": v.verdict,
                "reasons": [{k: jsonable(x) for k, x in r.items()} for r in v.reasons],
            }

        return {
            "step": "readiness",
            "organisation": self.organisation,
            "assessment_date": self.assessment_date.isoformat(),
            "certification": None if self.certification is None else jsonable(self.certification.model_dump()),
            "headline": {k: jsonable(v) for k, v in self.headline.items()},
            "summary": self.summary,
            "stages": [stage(v) for v in self.stages],
            "score": self.score,
            "score_components": self.components,
            "checklist": records(self.checklist),
            "inventory": records(self.inventory),
            "blockers": records(self.blockers),
            "blocker_kinds": records(self.blocker_summary),
            "plan": records(self.plan),
            "objectives": records(self.objectives.drop(columns=["line"], errors="ignore")),
            "cycle": records(self.cycle),
            "placeholders": [{"where": position(p, self.folder), "message": p.message} for p in self.placeholders],
        }


def _stage(df: pd.DataFrame, stage: int, when: dt.date | None, as_of: dt.date) -> StageVerdict:
    classified = classify(df, stage, when, as_of)
    v, reasons = verdict(classified)
    effects = classified["effect"] if not classified.empty else pd.Series(dtype=object)
    return StageVerdict(
        stage, when, v, reasons, int((effects == "blocking").sum()), int((effects == "condition").sum())
    )


def summary_points(r: ReadinessResult) -> list[str]:
    points = []
    for v in r.stages:
        when = f" ({v.date.isoformat()})" if v.date else " (no target date set)"
        top = "; ".join(f"{x['title'].lower()} ({x['count']})" for x in v.reasons[:3])
        if v.verdict == "ready":
            points.append(f"Stage {v.stage}{when}: ready; nothing found stands in the way.")
        elif v.verdict == "ready_with_conditions":
            points.append(f"Stage {v.stage}{when}: ready with {v.conditions} condition(s) to meet first: {top}.")
        else:
            points.append(f"Stage {v.stage}{when}: not ready, {v.blocking} blocker(s): {top}.")
    h = r.headline
    points.append(
        f"Readiness score {h['score']:.0f} of 100. {h['documents_in_place']} of {h['documents']} mandatory "
        f"documented-information items are in place, {h['documents_missing']} missing."
    )
    points.append(f"{h['systems_complete']} of {h['systems']} in-scope AI system(s) have a complete inventory entry.")
    if h["late_actions"] or h["overdue_actions"]:
        points.append(
            f"{h['open_actions']} open action(s) lead to the certificate: {h['overdue_actions']} overdue, "
            f"{h['late_actions']} due after the stage-1 date or undated."
        )
    if r.placeholders:
        points.append(
            f"{len(r.placeholders)} text(s) or screening(s) are still as in the blank templates; none counts as "
            "evidence."
        )
    return points


@dataclass(frozen=True)
class _Found:
    """What the other steps found, as readiness reads it (computed once per assessment)."""

    clause_view: pd.DataFrame  # the clauses as assessed (gap)
    roadmap: pd.DataFrame  # the gap remediation roadmap
    risk: risk_step.RiskResult
    impact: impact_step.ImpactResult
    security: security_step.SecurityResult
    audit: audit_part.AuditData
    findings: pd.DataFrame  # audit findings with their status as of the assessment date
    coverage: pd.DataFrame  # audit coverage of the clauses
    held: pd.DataFrame  # the management reviews held by the assessment date
    review_actions: pd.DataFrame  # review actions with their status
    placeholders: list[Problem]  # template text and screening answers left (files of the parts this step reads)
    has_soa: bool  # soa.csv has rows


def _found(eng: Engagement, as_of: dt.date) -> _Found:
    reqs = gap_step.requirements()
    view = gap_step.requirement_view(reqs, eng.gap, eng.target_for)
    adata = eng.part(audit_part.PART)
    reviews = adata.reviews
    return _Found(
        clause_view=view[view["kind"] == "clause"].reset_index(drop=True),
        roadmap=gap_step.remediation(view, as_of),
        risk=risk_step.assess(eng),
        impact=impact_step.assess(eng),
        security=security_step.assess(eng),
        audit=adata,
        findings=audit_step.finding_status(adata.findings, as_of),
        coverage=audit_step.coverage(reqs[reqs["kind"] == "clause"], adata.audits),
        held=reviews[reviews["date"] <= as_of] if not reviews.empty else reviews,
        review_actions=review_step.action_status(adata.actions, as_of),
        placeholders=placeholders.find(eng.path),
        has_soa=not eng.part(risk_part.PART).soa.empty,
    )


def _checklist(f: _Found, data: ReadinessData, as_of: dt.date) -> pd.DataFrame:
    evidence = data_evidence(
        EvidenceInputs(
            scope_is_placeholder=any("'Describe the scope" in p.message for p in f.placeholders),
            risks=f.risk.register,
            has_soa=f.has_soa,
            approval=f.risk.approval,
            impacts=f.impact.impacts,
            objectives=data.objectives,
            audits=f.audit.audits,
            findings=f.findings,
            reviews_held=f.held,
        )
    )
    return checklist(mandatory_items(), data.documents, evidence, as_of)


def _inventory(eng: Engagement, f: _Found) -> pd.DataFrame:
    impact, register = f.impact, f.risk.register
    screened = {sid: c.tier for sid, c in impact.classifications.items()}
    unconfirmed = {Path(p.file).stem for p in f.placeholders if p.message == SCREENING_MESSAGE}
    impact_systems = set(impact.impacts["system_id"]) if not impact.impacts.empty else set()
    risk_systems = set(register["system_id"].dropna()) if not register.empty else set()
    return inventory(eng.systems, screened, unconfirmed, impact_systems, risk_systems)


def _components(f: _Found, items: pd.DataFrame, inv: pd.DataFrame) -> dict[str, float]:
    audits, findings = f.audit.audits, f.findings
    audits_done = int((audits["status"] == "done").sum()) if not audits.empty else 0
    open_majors = (
        int(((findings["grade"] == "major_nonconformity") & findings["open"].astype(bool)).sum())
        if not findings.empty
        else 0
    )
    return score_components(
        checklist_df=items,
        clause_view=f.clause_view,
        inventory_df=inv,
        clause_coverage=f.coverage,
        reviews_held=f.held,
        audits_done=audits_done,
        open_majors=open_majors,
        risk_plan=f.risk.plan,
    )


def headline(r: ReadinessResult) -> dict[str, Any]:
    """The figures the index and the summary show."""
    cert, stages, items, inv, actions = r.certification, r.stages, r.checklist, r.inventory, r.plan
    return {
        "stage_1": stages[0].label,
        "stage_2": stages[1].label,
        "stage_1_verdict": stages[0].verdict,
        "stage_2_verdict": stages[1].verdict,
        "stage_1_date": stages[0].date,
        "stage_2_date": stages[1].date,
        "certification_body": cert.body if cert and cert.body else "",
        "score": r.score,
        "blockers": len(r.blockers),
        "blocking_stage_1": stages[0].blocking,
        "conditions_stage_1": stages[0].conditions,
        "documents": len(items),
        "documents_in_place": int((items["state"] == "in_place").sum()),
        "documents_missing": int((items["state"] == "missing").sum()),
        "systems": len(inv),
        "systems_complete": int(inv["complete"].sum()) if not inv.empty else 0,
        "open_actions": len(actions),
        "overdue_actions": int(actions["overdue"].sum()) if not actions.empty else 0,
        "late_actions": int(actions["late_stage_1"].sum()) if not actions.empty else 0,
        "placeholders": len(r.placeholders),
        "placeholder_files": len({p.file for p in r.placeholders}),
    }


def assess(eng: Engagement) -> ReadinessResult:
    """Certification readiness of the organisation (one organisation-wide report)."""
    data: ReadinessData = eng.part(readiness_part.PART)
    as_of = eng.meta.assessment_date
    cert = data.certification
    s1 = cert.stage_1 if cert else None
    s2 = cert.stage_2 if cert else None
    f = _found(eng, as_of)
    items = _checklist(f, data, as_of)
    inv = _inventory(eng, f)
    found = blockers(
        BlockerInputs(
            placeholders=f.placeholders,
            folder=eng.path,
            checklist_df=items,
            clause_view=f.clause_view,
            reviews_held=f.held,
            next_review=f.audit.next_review.get("date") if f.audit.next_review else None,
            clause_coverage=f.coverage,
            audits=f.audit.audits,
            findings=f.findings,
            impact_findings=f.impact.findings,
            risk_findings=f.risk.findings,
            risk_plan=f.risk.plan,
            objectives=data.objectives,
            inventory_df=inv,
            has_soa=f.has_soa,
            security_findings=f.security.consistency,
        )
    )
    comps = _components(f, items, inv)
    result = ReadinessResult(
        organisation=eng.organisation,
        assessment_date=as_of,
        certification=cert,
        checklist=items,
        inventory=inv,
        blockers=found,
        blocker_summary=blocker_summary(found),
        stages=[_stage(found, 1, s1, as_of), _stage(found, 2, s2, as_of)],
        components=comps,
        score=score(comps),
        plan=plan(
            roadmap=f.roadmap,
            risk_plan=f.risk.plan,
            findings=f.findings,
            review_actions=f.review_actions,
            as_of=as_of,
            stage_1=s1,
            stage_2=s2,
        ),
        cycle=cycle(cert),
        placeholders=list(f.placeholders),
        headline={},
        register=data.documents,
        objectives=data.objectives,
        folder=eng.path,
        present={
            readiness_part.DOCUMENTS_FILE: data.has_register,
            readiness_part.OBJECTIVES_FILE: data.has_objectives,
            "certification": cert is not None,
        },
    )
    result.headline = headline(result)
    result.summary = summary_points(result)
    return result


STEP = Step(
    "readiness",
    "Certification readiness",
    notebook="readiness.ipynb",
    compute=__name__,
    pack_order=10,  # first in the pack: where the engagement stands
    view="aimskit.steps.readiness.view",
    parts=(readiness_part.PART, audit_part.PART, impact_part.PART, risk_part.PART),
    uses=(gap_step.STEP, risk_step.STEP, impact_step.STEP, audit_step.STEP, review_step.STEP, security_step.STEP),
    per_system=False,
    headline=(
        Figure("stage_1", "Stage 1", "text"),
        Figure("stage_2", "Stage 2", "text"),
        Figure("score", "Readiness score", "dec"),
        Figure("blocking_stage_1", "Stage-1 blockers"),
        Figure("documents_missing", "Documents missing"),
    ),
)
