"""Internal audit (ISO/IEC 42001 9.2) and nonconformity and corrective action (10.2).

Pure functions over the audit programme (``audits.yaml``) and the findings (``findings.csv``),
read by :mod:`aimskit.engagement.parts.audit`: the audit checklist, programme coverage, auditor
independence, finding ageing and flags. ``as_of`` is always the engagement's assessment date
(never the wall clock), so a report is a pure function of its inputs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from aimskit import catalog
from aimskit.base.fileio import atomic_write_text
from aimskit.base.ids import natural_key
from aimskit.base.problems import plural
from aimskit.base.spreadsheet import safe_row
from aimskit.engagement import Engagement
from aimskit.engagement.parts import audit as audit_part
from aimskit.engagement.parts.audit import GRADES, NONCONFORMITIES, AuditData
from aimskit.steps.base import Figure, Step
from aimskit.steps.common import jsonable

GRADE_LABELS = {
    "major_nonconformity": "Major nonconformity",
    "minor_nonconformity": "Minor nonconformity",
    "observation": "Observation",
    "opportunity_for_improvement": "Opportunity for improvement",
    "good_practice": "Good practice",
}
GRADE_MEANING = {
    "major_nonconformity": (
        "a requirement is not met in a way that puts the AIMS's ability to achieve its intended results in "
        "doubt (a missing process, or a systematic failure); corrective action and an effectiveness check required"
    ),
    "minor_nonconformity": (
        "a requirement is not fully met, in an isolated lapse; corrective action and an effectiveness check required"
    ),
    "observation": "no requirement is breached yet, but one could be if nothing changes",
    "opportunity_for_improvement": "a requirement is met; the auditor suggests a better way",
    "good_practice": "a practice worth keeping or spreading to other areas",
}
AGE_BANDS = ((30, "0-30 days"), (60, "31-60 days"), (90, "61-90 days"), (math.inf, "over 90 days"))
FLAGS = {
    "overdue": "Overdue: not closed and the due date is before the assessment date",
    "no_effectiveness_check": "Nonconformity closed without a recorded effectiveness check",
    "not_effective": "The effectiveness check found the corrective action not effective",
    "no_corrective_action": "Open nonconformity without a corrective action, owner or due date",
    "recurring": "Recurring: repeats an earlier finding, or was repeated by a later one",
    "closed_not_effective": "Nonconformity closed although its effectiveness check found the action not effective",
    "closed_before_check": "Nonconformity closed before its effectiveness was checked",
    "closed_without_trail": "Nonconformity closed without a root cause, corrective action or owner (10.2)",
}
CHECKLIST_COLUMNS = {
    "audit_id": "audit_id",
    "requirement_id": "requirement_id",
    "title": "title",
    "kind": "kind",
    "questions": "audit_questions",
    "evidence": "expected_evidence",
    "systems": "systems_to_sample",
    "auditee": "auditee",
    "gap_status": "gap_status",
    "result": "result",
    "auditor_notes": "auditor_notes",
}

METHOD: dict[str, str] = {
    "Audit checklist": (
        "One row per assessable requirement in the audit's scope (a clause heading or Annex A objective in "
        "audits.yaml covers all its sub-clauses or controls): aimskit's own audit questions and the evidence an "
        "auditor typically expects, from the catalog; the auditee is the owner recorded in gap.csv and the gap "
        "status is shown for context. Written as <output folder>/audit-<audit id>-checklist.csv."
    ),
    "Programme coverage": (
        "A requirement is audited when a done audit's scope covers it, planned when only planned audits cover it, "
        "and never audited otherwise. Coverage of a clause or objective = requirements covered / requirements in it."
    ),
    "Auditor independence": (
        "An auditor (lead or team member) must not audit an area they own. Owners are the owner texts recorded in "
        "gap.csv for the requirements in the audit's scope, and in systems.csv for the AI systems in its scope. "
        "Matching rule: case-insensitive, ignoring extra spaces; the owner text contains the auditor's full name "
        "(Eimear Fitzgerald), or the initial-and-surname form (E. Fitzgerald, E Fitzgerald)."
    ),
    "Finding ageing": (
        "Raised date = raised_on, else the audit's end date. Age = (closure date, or the assessment date while "
        "open) - raised date, in days; bands 0-30, 31-60, 61-90, over 90 days."
    ),
    "Overdue rule": "A finding that is not closed and whose due date is before the assessment date.",
    "Flags": "; ".join(f"{k}: {v}" for k, v in FLAGS.items()),
    "Open finding": "Status open or in_progress.",
}


# ---------------------------------------------------------------------------------------------
# checklist


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or value == ""


def _text(value: Any) -> str:
    return "" if _missing(value) else str(value)


def checklist(
    reqs: pd.DataFrame,
    audit: dict[str, Any],
    gap: pd.DataFrame | None = None,
    system_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The audit checklist: one row per requirement in ``audit['requirements']``.

    ``reqs`` is the catalog (``catalog.load('iso42001')``); ``gap`` the gap.csv rows (for the
    auditee and the gap status of the organisation-wide row).
    """
    names = system_names or {}
    org = pd.DataFrame()
    if gap is not None and not gap.empty:
        org = gap[gap["system_id"].isna()].drop_duplicates("requirement_id").set_index("requirement_id")
    by_id = reqs.set_index("id")
    systems = ", ".join(f"{names.get(s, s)} ({s})" for s in audit.get("systems", []))
    rows = []
    for rid in audit["requirements"]:
        req = by_id.loc[rid]
        row = org.loc[rid] if rid in org.index else None
        rows.append(
            {
                "audit_id": audit["id"],
                "requirement_id": rid,
                "title": req["title"],
                "kind": req["kind"],
                "group_id": req["group_id"],
                "questions": list(req["questions"]),
                "evidence": list(req["evidence"]),
                "systems": systems if req["kind"] == "control" else "",
                "auditee": _text(row["owner"]) if row is not None else "",
                "gap_status": _text(row["status"]) if row is not None else "",
                "result": "",
                "auditor_notes": "",
            }
        )
    return pd.DataFrame(rows, columns=[*CHECKLIST_COLUMNS, "group_id"])


def checklist_filename(audit_id: str) -> str:
    """The checklist's file name beside the audit report (deterministic)."""
    return f"audit-{audit_id}-checklist.csv"


def checklist_csv(df: pd.DataFrame) -> str:
    """The checklist as CSV text: numbered questions and evidence, one requirement per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(CHECKLIST_COLUMNS.values()))
    for rec in df.to_dict(orient="records"):
        cells = []
        for col in CHECKLIST_COLUMNS:
            value = rec[col]
            if isinstance(value, list):
                value = "\n".join(f"{i}. {v}" for i, v in enumerate(value, 1))
            cells.append(value)
        writer.writerow(safe_row(cells))
    return out.getvalue()


def write_checklist(df: pd.DataFrame, output_dir: str | Path | None, audit_id: str) -> Path | None:
    """Write the checklist CSV into ``output_dir`` (atomically); nothing when no folder is given."""
    if not output_dir:
        return None
    path = Path(output_dir) / checklist_filename(audit_id)
    atomic_write_text(path, checklist_csv(df))
    return path


# ---------------------------------------------------------------------------------------------
# coverage and independence


def coverage(reqs: pd.DataFrame, audits: pd.DataFrame) -> pd.DataFrame:
    """One row per requirement: which audits cover it (column per audit: done/planned/'') and its state."""
    df = reqs[["id", "title", "kind", "group_id", "group_title"]].copy()
    done: dict[str, list[str]] = {}
    planned: dict[str, list[str]] = {}
    for audit in audits.to_dict(orient="records"):
        scope = set(audit["requirements"])
        df[audit["id"]] = [audit["status"] if rid in scope else "" for rid in df["id"]]
        target = done if audit["status"] == "done" else planned
        for rid in scope:
            target.setdefault(rid, []).append(audit["id"])
    df["audited_by"] = [done.get(r, []) for r in df["id"]]
    df["planned_in"] = [planned.get(r, []) for r in df["id"]]
    df["state"] = ["audited" if done.get(r) else "planned" if planned.get(r) else "never audited" for r in df["id"]]
    return df.reset_index(drop=True)


def coverage_by_group(cov: pd.DataFrame, audit_ids: list[str]) -> pd.DataFrame:
    """Share (%) of each clause's or objective's requirements in each audit's scope, plus the whole programme."""
    rows = []
    for gid, group in cov.groupby("group_id", sort=False):
        row: dict[str, Any] = {"group_id": gid, "group_title": group["group_title"].iloc[0], "total": len(group)}
        for aid in audit_ids:
            row[aid] = round(100.0 * (group[aid] != "").sum() / len(group), 1)
        row["programme"] = round(100.0 * (group["state"] != "never audited").sum() / len(group), 1)
        rows.append(row)
    df = pd.DataFrame(rows)
    if not df.empty:
        df = df.sort_values("group_id", key=lambda s: s.map(natural_key)).reset_index(drop=True)
    return df


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(".", ". ")).strip().lower()


def owner_matches(person: str, owner: str) -> bool:
    """True when the owner text names the person (see METHOD 'Auditor independence').

    >>> owner_matches("Eimear Fitzgerald", "Head of Internal Audit (E. Fitzgerald)")
    True
    >>> owner_matches("Daniel Osei", "Head of Internal Audit (E. Fitzgerald)")
    False
    """
    name = _norm(person)
    text = _norm(owner)
    if not name or not text:
        return False
    words = name.replace(".", "").split()
    forms = {" ".join(words)}
    if len(words) >= 2:
        forms |= {f"{words[0][0]}. {words[-1]}", f"{words[0][0]} {words[-1]}"}
    text = text.replace(" .", ".")
    return any(re.search(rf"(?<![a-z]){re.escape(f)}(?![a-z])", text) for f in forms)


def independence(audits: pd.DataFrame, gap: pd.DataFrame, systems: pd.DataFrame) -> pd.DataFrame:
    """Every (audit, auditor, owned area) where an auditor would audit an area they own."""
    owners: dict[str, set[str]] = {}
    for rid, owner in zip(gap["requirement_id"], gap["owner"], strict=True):
        if not _missing(owner):
            owners.setdefault(rid, set()).add(str(owner))
    sys_owner = dict(zip(systems["id"], systems["owner"], strict=True)) if not systems.empty else {}
    rows = []
    for audit in audits.to_dict(orient="records"):
        people = [(audit["lead_auditor"], "lead auditor")] + [(p, "team") for p in audit["team"]]
        for person, role in people:
            for rid in audit["requirements"]:
                for owner in sorted(owners.get(rid, ())):
                    if owner_matches(person, owner):
                        rows.append(
                            {
                                "audit_id": audit["id"],
                                "status": audit["status"],
                                "auditor": person,
                                "role": role,
                                "area": rid,
                                "owner": owner,
                            }
                        )
            for sid in audit["systems"]:
                owner = sys_owner.get(sid)
                if owner and owner_matches(person, owner):
                    rows.append(
                        {
                            "audit_id": audit["id"],
                            "status": audit["status"],
                            "auditor": person,
                            "role": role,
                            "area": f"system {sid}",
                            "owner": owner,
                        }
                    )
    return pd.DataFrame(rows, columns=["audit_id", "status", "auditor", "role", "area", "owner"])


def independence_summary(conflicts: pd.DataFrame) -> pd.DataFrame:
    """One row per (audit, auditor, owner) with the areas concerned."""
    if conflicts.empty:
        return pd.DataFrame(columns=["audit_id", "status", "auditor", "role", "owner", "areas"])
    rows = []
    for (aid, person, owner), group in conflicts.groupby(["audit_id", "auditor", "owner"], sort=False):
        rows.append(
            {
                "audit_id": aid,
                "status": group["status"].iloc[0],
                "auditor": person,
                "role": group["role"].iloc[0],
                "owner": owner,
                "areas": sorted(group["area"], key=natural_key),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# findings


def age_band(days: int) -> str:
    for limit, label in AGE_BANDS:
        if days <= limit:
            return label
    return AGE_BANDS[-1][1]  # pragma: no cover


def finding_status(findings: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The findings with ageing and flags (see :data:`FLAGS` and METHOD)."""
    df = findings.copy()
    if df.empty:
        for col in ("nonconformity", "open", "age_days", "age_band", "overdue", "days_overdue", "recurred_as"):
            df[col] = pd.Series(dtype=object)
        df["flags"] = pd.Series(dtype=object)
        return df
    repeats: dict[str, list[str]] = {}
    for fid, earlier in zip(df["finding_id"], df["recurrence_of"], strict=True):
        if not _missing(earlier):
            repeats.setdefault(str(earlier), []).append(fid)
    out = []
    for rec in df.to_dict(orient="records"):
        nc = rec["grade"] in NONCONFORMITIES
        is_open = rec["status"] != "closed"
        end = rec["closure_date"] if not _missing(rec["closure_date"]) else as_of
        raised = rec["raised"]
        age = (end - raised).days if raised is not None else None
        due = rec["due_date"]
        overdue = bool(is_open and not _missing(due) and due < as_of)
        flags = []
        if overdue:
            flags.append("overdue")
        if nc and not is_open and _missing(rec["effectiveness"]):
            flags.append("no_effectiveness_check")
        if rec["effectiveness"] == "not_effective":
            flags.append("not_effective")
        if nc and is_open and any(_missing(rec[c]) for c in ("corrective_action", "owner", "due_date")):
            flags.append("no_corrective_action")
        if nc and not is_open:
            if rec["effectiveness"] == "not_effective":
                flags.append("closed_not_effective")
            if (
                not _missing(rec["verified_on"])
                and not _missing(rec["closure_date"])
                and rec["closure_date"] < rec["verified_on"]
            ):
                flags.append("closed_before_check")
            if any(_missing(rec[c]) for c in ("root_cause", "corrective_action", "owner")):
                flags.append("closed_without_trail")
        recurred_as = repeats.get(rec["finding_id"], [])
        if not _missing(rec["recurrence_of"]) or recurred_as:
            flags.append("recurring")
        rec.update(
            nonconformity=nc,
            open=is_open,
            age_days=age,
            age_band=age_band(age) if age is not None else "",
            overdue=overdue,
            days_overdue=(as_of - due).days if overdue else 0,
            recurred_as=recurred_as,
            flags=flags,
        )
        out.append(rec)
    result = pd.DataFrame(out)
    return result.astype(object).where(result.notna(), None)


def grade_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings per grade: total, open, closed, overdue (every grade listed, in severity order)."""
    rows = []
    for g in GRADES:
        part = findings[findings["grade"] == g] if not findings.empty else findings
        rows.append(
            {
                "grade": g,
                "label": GRADE_LABELS[g],
                "total": len(part),
                "open": int(part["open"].sum()) if len(part) else 0,
                "closed": int((~part["open"].astype(bool)).sum()) if len(part) else 0,
                "overdue": int(part["overdue"].sum()) if len(part) else 0,
            }
        )
    return pd.DataFrame(rows)


def by_group_and_grade(findings: pd.DataFrame, reqs: pd.DataFrame) -> pd.DataFrame:
    """Finding counts per clause / Annex A objective (rows) and grade (columns)."""
    groups = reqs.set_index("id")["group_id"]
    titles = reqs.drop_duplicates("group_id").set_index("group_id")["group_title"]
    if findings.empty:
        return pd.DataFrame(columns=["group_id", "group_title", *GRADES, "total"])
    df = findings.assign(group_id=findings["requirement_id"].map(groups))
    table = pd.crosstab(df["group_id"], df["grade"]).reindex(columns=list(GRADES), fill_value=0)
    table = table.reindex(sorted(table.index, key=natural_key))
    table["total"] = table.sum(axis=1)
    table = table.reset_index()
    table.insert(1, "group_title", table["group_id"].map(titles))
    return table


def ageing(findings: pd.DataFrame) -> pd.DataFrame:
    """Open findings per age band and grade family (nonconformity / other)."""
    rows = []
    part = findings[findings["open"].astype(bool)] if not findings.empty else findings
    for _, label in AGE_BANDS:
        band = part[part["age_band"] == label] if not part.empty else part
        rows.append(
            {
                "band": label,
                "nonconformities": int(band["nonconformity"].sum()) if len(band) else 0,
                "other": int((~band["nonconformity"].astype(bool)).sum()) if len(band) else 0,
                "overdue": int(band["overdue"].sum()) if len(band) else 0,
            }
        )
    return pd.DataFrame(rows)


def flag_counts(findings: pd.DataFrame) -> dict[str, int]:
    return {f: int(sum(f in flags for flags in findings["flags"])) if not findings.empty else 0 for f in FLAGS}


# ---------------------------------------------------------------------------------------------
# the whole step


@dataclass
class AuditResult:
    organisation: str
    assessment_date: dt.date
    audit_id: str | None
    programme: dict[str, Any]
    audits: pd.DataFrame
    audit: dict[str, Any] | None
    checklist: pd.DataFrame
    coverage: pd.DataFrame
    coverage_groups: pd.DataFrame
    conflicts: pd.DataFrame
    findings: pd.DataFrame
    grades: pd.DataFrame
    by_group: pd.DataFrame
    ageing: pd.DataFrame
    flags: dict[str, int]
    headline: dict[str, Any]
    summary: list[str] = field(default_factory=list)
    present: dict[str, bool] = field(default_factory=dict)
    system_names: dict[str, str] = field(default_factory=dict)  # for headings in words

    def to_json(self) -> dict[str, Any]:
        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{k: jsonable(v) for k, v in row.items()} for row in df.to_dict(orient="records")]

        return {
            "step": "audit",
            "organisation": self.organisation,
            "assessment_date": self.assessment_date.isoformat(),
            "audit_id": self.audit_id,
            "headline": {k: jsonable(v) for k, v in self.headline.items()},
            "summary": self.summary,
            "audits": records(self.audits),
            "coverage": records(self.coverage),
            "coverage_by_group": records(self.coverage_groups),
            "independence_conflicts": records(self.conflicts),
            "findings": records(self.findings.drop(columns=["line"], errors="ignore")),
            "grades": records(self.grades),
            "ageing": records(self.ageing),
            "flags": self.flags,
            "checklist_file": checklist_filename(self.audit_id) if self.audit_id else None,
            # files the notebook writes beside the report; the runner lists them in the manifest and index
            "attachments": {"checklist_csv": checklist_filename(self.audit_id)} if self.audit_id else {},
        }


def headline(audits: pd.DataFrame, cov: pd.DataFrame, conflicts: pd.DataFrame, findings: pd.DataFrame) -> dict:
    flags = flag_counts(findings)
    nc = findings[findings["nonconformity"].astype(bool)] if not findings.empty else findings
    return {
        "audits": len(audits),
        "audits_done": int((audits["status"] == "done").sum()) if not audits.empty else 0,
        "audits_planned": int((audits["status"] == "planned").sum()) if not audits.empty else 0,
        "requirements": len(cov),
        "audited": int((cov["state"] == "audited").sum()),
        "planned": int((cov["state"] == "planned").sum()),
        "never_audited": int((cov["state"] == "never audited").sum()),
        "coverage": round(100.0 * int((cov["state"] != "never audited").sum()) / len(cov), 1) if len(cov) else None,
        "audited_coverage": round(100.0 * int((cov["state"] == "audited").sum()) / len(cov), 1) if len(cov) else None,
        "findings": len(findings),
        "nonconformities": len(nc),
        "major": int((findings["grade"] == "major_nonconformity").sum()) if len(findings) else 0,
        "open_findings": int(findings["open"].sum()) if len(findings) else 0,
        "open_nonconformities": int(nc["open"].sum()) if len(nc) else 0,
        "overdue": flags["overdue"],
        "closed_without_check": flags["no_effectiveness_check"],
        "not_effective": flags["not_effective"],
        "recurring": flags["recurring"],
        "independence_conflicts": len(independence_summary(conflicts)),
    }


def summary_points(h: dict[str, Any], scope: str) -> list[str]:
    if h["audits"] == 0:
        return ["No audit programme is recorded (audits.yaml is missing or empty), so nothing can be reported yet."]
    one_audit = scope.startswith("audit")
    coverage = (
        f"{scope[:1].upper() + scope[1:]} covers {h['audited'] + h['planned']} of {h['requirements']} requirements "
        f"({h['audited']} already audited, {h['planned']} planned); {h['never_audited']} "
        f"{'is' if h['never_audited'] == 1 else 'are'} "
        + ("outside its scope." if one_audit else "in no audit's scope.")
    )
    programme = (
        f"{plural(h['audits'], 'audit')} in the programme: {h['audits_done']} done and {h['audits_planned']} planned."
    )
    points = [f"{coverage} It is one of the {programme}" if one_audit else f"{programme} {coverage}"]
    if one_audit and h["audits"] == 1:
        points[0] = f"{coverage} It is the only audit in the programme."
    if h["findings"]:
        points.append(
            f"{plural(h['findings'], 'finding')} recorded, {h['nonconformities']} of them "
            f"{'a nonconformity' if h['nonconformities'] == 1 else 'nonconformities'} ({h['major']} major); "
            f"{h['open_nonconformities']} {'is' if h['open_nonconformities'] == 1 else 'are'} still open."
        )
    else:
        points.append("No findings are recorded.")
    if h["overdue"]:
        points.append(f"{plural(h['overdue'], 'finding')} {_be(h['overdue'])} past the due date.")
    if h["closed_without_check"]:
        n = h["closed_without_check"]
        points.append(
            f"{plural(n, 'nonconformity', 'nonconformities')} {'was' if n == 1 else 'were'} closed without a recorded "
            "effectiveness check (10.2 requires reviewing the effectiveness of corrective action)."
        )
    if h["not_effective"]:
        n = h["not_effective"]
        points.append(
            f"{plural(n, 'corrective action')} {'was' if n == 1 else 'were'} found not effective and "
            f"{'needs' if n == 1 else 'need'} further action."
        )
    if h["recurring"]:
        n = h["recurring"]
        points.append(f"{plural(n, 'finding')} {_be(n)} part of a recurrence chain: an earlier fix did not hold.")
    if h["independence_conflicts"]:
        points.append(
            f"{plural(h['independence_conflicts'], 'auditor independence conflict')}: an auditor is assigned to "
            "audit an area they own (9.2.2 requires objectivity and impartiality)."
        )
    else:
        points.append("No auditor is assigned to audit an area they own.")
    return points


def _be(n: int) -> str:
    return "is" if n == 1 else "are"


def assess(eng: Engagement, audit_id: str | None = None) -> AuditResult:
    """The internal audit programme (``audit_id`` None) or one audit."""
    data: AuditData = eng.part(audit_part.PART)
    reqs = catalog.load("iso42001")
    audits = (
        data.audits
        if not data.audits.empty
        else pd.DataFrame(columns=["id", "status", "requirements", "systems", "team", "lead_auditor"])
    )
    findings = finding_status(data.findings, eng.meta.assessment_date)
    audit = None
    scoped_audits = audits
    if audit_id is not None:
        matches = audits[audits["id"] == audit_id]
        if matches.empty:
            raise KeyError(f"audit '{audit_id}' is not in audits.yaml")
        audit = matches.iloc[0].to_dict()
        scoped_audits = matches
        findings = findings[findings["audit_id"] == audit_id] if not findings.empty else findings
    cov = coverage(reqs, scoped_audits)
    ids = list(scoped_audits["id"])
    conflicts = independence(scoped_audits, eng.gap, eng.systems)
    sheet = checklist(reqs, audit, eng.gap, eng.system_names) if audit is not None else pd.DataFrame()
    h = headline(scoped_audits, cov, conflicts, findings)
    if audit is not None:
        h["audits"] = len(audits)
        h["audits_done"] = int((audits["status"] == "done").sum())
        h["audits_planned"] = int((audits["status"] == "planned").sum())
    scope = f"audit {audit_id}" if audit_id else "the programme"
    return AuditResult(
        system_names=eng.system_names,
        organisation=eng.organisation,
        assessment_date=eng.meta.assessment_date,
        audit_id=audit_id,
        programme=dict(data.programme),
        audits=scoped_audits.drop(columns=["line"], errors="ignore"),
        audit=audit,
        checklist=sheet,
        coverage=cov,
        coverage_groups=coverage_by_group(cov, ids),
        conflicts=conflicts,
        findings=findings,
        grades=grade_counts(findings),
        by_group=by_group_and_grade(findings, reqs),
        ageing=ageing(findings),
        flags=flag_counts(findings),
        headline=h,
        summary=summary_points(h, scope),
        present=dict(data.present),
    )


def audit_ids(eng: Engagement) -> list[str]:
    """The audits of the programme, one report each."""
    return eng.part(audit_part.PART).audit_ids


STEP = Step(
    "audit",
    "Internal audit programme, findings and corrective action (9.2, 10.2)",
    notebook="internal_audit.ipynb",
    compute=__name__,
    pack_order=60,
    view="aimskit.steps.audit.view",
    parts=(audit_part.PART,),
    scope_param="audit_id",
    scope_prefix="audit",
    scopes=audit_ids,
    headline=(
        Figure("audited_coverage", "Requirements audited", "pct"),
        Figure("findings", "Findings"),
        Figure("open_nonconformities", "Open NCs"),
        Figure("overdue", "Overdue"),
        Figure("independence_conflicts", "Independence conflicts"),
    ),
)
