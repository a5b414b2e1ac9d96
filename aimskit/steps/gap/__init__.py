"""Gap assessment: conformity, maturity and remediation from an engagement's ``gap.csv``.

Every function here is pure (DataFrames in, DataFrames out) and documented with the formula
it applies; the same text is printed in the report's method appendix (:data:`METHOD`).

Vocabulary
----------
*requirement*: an assessable ISO/IEC 42001 clause sub-clause (32) or Annex A control (38).
*assessed*: status compliant, partially_compliant or non_compliant.
*applicable*: any status except not_applicable.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aimskit import catalog
from aimskit.base.ids import natural_key
from aimskit.base.problems import plural
from aimskit.base.vocab import ASSESSED_STATUSES, MATURITY_LEVELS, STATUS_LABELS, STATUSES
from aimskit.engagement import Engagement
from aimskit.engagement.parts import security as security_part
from aimskit.steps import security as security_step
from aimskit.steps.base import Figure, Step
from aimskit.steps.common import jsonable, missing, records

#: Credit each assessed status earns in the conformity score.
STATUS_CREDIT = {"compliant": 1.0, "partially_compliant": 0.5, "non_compliant": 0.0}
#: Higher is worse; used to pick the weakest of several assessments of one requirement.
STATUS_SEVERITY = {"compliant": 1, "partially_compliant": 2, "non_compliant": 3}

PRIORITIES = {
    "P1": "Non-compliant clause requirement (clauses 4-10 are mandatory for certification)",
    "P2": "Non-compliant Annex A control, or partially compliant clause requirement",
    "P3": "Partially compliant Annex A control",
    "P4": "Compliant, but maturity below target",
}

METHOD: dict[str, str] = {
    "Requirements": (
        "The 32 assessable sub-clauses of clauses 4-10 (mandatory) and the 38 Annex A "
        "controls of ISO/IEC 42001:2023. A requirement with no row in gap.csv counts as not assessed."
    ),
    "Status of a requirement": (
        "Organisation-wide view: the weakest assessment among the organisation-wide row and the rows "
        "of in-scope AI systems (non-compliant < partially compliant < compliant); its maturity is the "
        "lowest maturity among those assessments (weakest link). Per-system view: the system's own "
        "row where it has one, else the organisation-wide row. Clauses are always organisation-wide. "
        "When no row is assessed, the requirement is not assessed if any row says so, else not applicable."
    ),
    "Conformity score": (
        "score = (compliant + 0.5 x partially compliant) / (compliant + partially compliant + "
        "non-compliant), as a percentage of assessed requirements; not applicable and not assessed "
        "requirements are excluded. Undefined (shown as -) when nothing is assessed."
    ),
    "Assessment coverage": "coverage = assessed / applicable requirements.",
    "Maturity": (
        "CMMI-style scale 0-5 (0 Incomplete, 1 Initial, 2 Managed, 3 Defined, 4 Quantitatively "
        "managed, 5 Optimizing). Mean maturity of a group = arithmetic mean over its assessed "
        "requirements. Target = engagement.yaml target_maturity: the most specific override "
        "(requirement, then sub-group or sub-clause heading, then objective or clause), else default. "
        "Maturity gap of a requirement = max(0, target - maturity)."
    ),
    "Documented information": (
        "For the clause sub-clauses that require documented information (maintained = a document, "
        "retained = a record): missing when non-compliant or no evidence reference is recorded; "
        "incomplete when partially compliant; in place when compliant with evidence; not assessed otherwise."
    ),
    "Remediation priority": (
        "P1 non-compliant clause requirement; P2 non-compliant Annex A control or partially compliant "
        "clause requirement; P3 partially compliant Annex A control; P4 compliant with maturity below "
        "target. Within a priority: larger maturity gap first, then requirements with documented "
        "information, then earlier target date, then ID order. Overdue = target date before the "
        "assessment date."
    ),
}


def requirements() -> pd.DataFrame:
    """The gap-assessment universe: every assessable requirement from the catalog."""
    return catalog.load("iso42001")


def _who(sid: Any, names: dict[str, str] | None = None) -> str:
    """Whose assessment a row is, in words: the organisation, or the AI system by name."""
    if sid is None or pd.isna(sid):
        return "the organisation"
    return (names or {}).get(sid) or f"AI system {sid}"


def _label(sid: Any, status: Any, names: dict[str, str] | None) -> str:
    return f"{_who(sid, names)} ({STATUS_LABELS.get(status, status).lower()})"


def _weakest(rows: list[dict[str, Any]], names: dict[str, str] | None = None) -> tuple[dict[str, Any] | None, str]:
    """The row that decides a requirement's status, and the basis text (in words).

    ``rows``: the requirement's rows of gap.csv (records, in file order). The organisation-wide
    rows come first (otherwise in file order); the decisive row is the most severe assessed status,
    then the lowest maturity (unknown last), the first of equals; without an assessed row, the
    first pending one; else the first row."""
    if not rows:
        return None, "no row in gap.csv"
    if len(rows) == 1:
        row = rows[0]
        return row, _label(row["system_id"], row["status"], names)
    ordered = sorted(rows, key=lambda r: not missing(r["system_id"]))  # stable: organisation rows first
    labels = [_label(r["system_id"], r["status"], names) for r in ordered]
    basis = "the weakest of " + "; ".join(labels)
    assessed = [r for r in ordered if r["status"] in ASSESSED_STATUSES]
    if assessed:
        return min(assessed, key=lambda r: (-STATUS_SEVERITY[r["status"]], _maturity_key(r["maturity"]))), basis
    pending = [r for r in ordered if r["status"] == "not_assessed"]
    if pending:
        return pending[0], basis
    return ordered[0], basis


def _maturity_key(value: Any) -> float:
    return 99.0 if missing(value) else float(value)


def _text(value: Any) -> str:
    """A cell as text: missing values (None, NaN, NA) become an empty string."""
    return "" if missing(value) else str(value)


def _where(row: dict[str, Any] | None) -> str:
    """Which assessment decided the status: the organisation or a named AI system."""
    if row is None:
        return ""
    sid = row["system_id"]
    return "organisation" if missing(sid) else f"system {sid}"


def requirement_view(
    reqs: pd.DataFrame,
    gap: pd.DataFrame,
    target: Callable[[str], int],
    system_id: str | None = None,
    names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per requirement with its effective status, maturity, target and gap.

    ``gap`` holds the rows of gap.csv for in-scope systems (as loaded). With ``system_id``,
    an Annex A control is judged on that system's own row when it has one, else on the
    organisation-wide row.
    """
    # plain records, grouped by requirement in file order: the per-requirement work below is on a few
    # Python dicts each (the same values as the frame's cells), not on DataFrame slices
    if system_id is not None:  # the organisation-wide rows and the system's (vectorised)
        gap = gap[gap["system_id"].isna() | (gap["system_id"] == system_id)]
    by_req: dict[Any, list[dict[str, Any]]] = {}
    columns = list(gap.columns)
    for values in zip(*(gap[c].tolist() for c in columns), strict=True):  # to_dict("records"), column-wise
        rec = dict(zip(columns, values, strict=True))
        by_req.setdefault(rec["requirement_id"], []).append(rec)
    if system_id is not None:  # a system's own row overrides the organisation-wide row for that control
        for rid, recs in by_req.items():
            if any(r["system_id"] == system_id for r in recs):
                by_req[rid] = [r for r in recs if not missing(r["system_id"])]
    out = []
    for req in reqs.itertuples(index=False):
        rows = by_req.get(req.id, [])
        if req.kind == "clause":
            rows = [r for r in rows if missing(r["system_id"])]
        row, basis = _weakest(rows, names)
        status = row["status"] if row is not None else "not_assessed"
        maturity = None
        if status in ASSESSED_STATUSES:
            maturities = [
                r["maturity"] for r in rows if r["status"] in ASSESSED_STATUSES and not missing(r["maturity"])
            ]
            maturity = int(min(maturities)) if maturities else None
        tgt = target(req.id)
        evidence: list[str] = []
        if row is not None:
            for r in rows:
                for item in r["evidence"] or []:
                    if item not in evidence:
                        evidence.append(item)
        out.append(
            {
                "id": req.id,
                "title": req.title,
                "kind": req.kind,
                "group_id": req.group_id,
                "group_title": req.group_title,
                "mandatory": bool(req.mandatory),
                "documented_information": req.documented_information,
                "status": status,
                "maturity": maturity,
                "target": tgt,
                "maturity_gap": (max(0, tgt - maturity) if maturity is not None else None),
                "owner": _text(row["owner"]) if row is not None else "",
                "target_date": row["target_date"] if row is not None else None,
                "evidence": evidence,
                "notes": _text(row["notes"]) if row is not None else "",
                "basis": basis,
                "where": _where(row),
                "decided_by": "" if row is None else _who(row["system_id"], names),
                "source_lines": [int(r["line"]) for r in rows],
            }
        )
    df = pd.DataFrame(out)
    df["maturity"] = df["maturity"].astype("Int64")
    df["maturity_gap"] = df["maturity_gap"].astype("Int64")
    return df


def conformity_score(counts: dict[str, int] | pd.Series) -> float:
    """(compliant + 0.5 x partially) / assessed, in percent; NaN when nothing is assessed."""
    assessed = sum(int(counts.get(s, 0)) for s in ASSESSED_STATUSES)
    if assessed == 0:
        return math.nan
    credit = sum(STATUS_CREDIT[s] * int(counts.get(s, 0)) for s in ASSESSED_STATUSES)
    return round(100.0 * credit / assessed, 1)


def conformity_by_group(view: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Status counts, shares, coverage and conformity score per clause or Annex A objective.

    ``kind`` is ``"clause"`` (groups 4-10) or ``"control"`` (groups A.2-A.10).
    """
    part = view[view["kind"] == kind]
    rows = []
    for gid, group in part.groupby("group_id", sort=False):
        counts = group["status"].value_counts()
        total = len(group)
        assessed = int(sum(counts.get(s, 0) for s in ASSESSED_STATUSES))
        applicable = total - int(counts.get("not_applicable", 0))
        row: dict[str, Any] = {"group_id": gid, "group_title": group["group_title"].iloc[0], "total": total}
        for s in STATUSES:
            row[s] = int(counts.get(s, 0))
        for s in STATUSES:
            row[f"share_{s}"] = round(100.0 * row[s] / total, 1) if total else 0.0
        row["assessed"] = assessed
        row["applicable"] = applicable
        row["coverage"] = round(100.0 * assessed / applicable, 1) if applicable else math.nan
        row["conformity"] = conformity_score(counts)
        rows.append(row)
    df = pd.DataFrame(rows)
    if not df.empty:
        df = df.sort_values("group_id", key=lambda s: s.map(natural_key)).reset_index(drop=True)
    return df


def maturity_by_group(view: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Mean maturity of assessed requirements vs mean target, per clause or objective."""
    part = view[view["kind"] == kind]
    rows = []
    for gid, group in part.groupby("group_id", sort=False):
        assessed = group[group["status"].isin(ASSESSED_STATUSES)]
        mat = assessed["maturity"].dropna().astype(float)
        tgt = assessed["target"].astype(float) if not assessed.empty else group["target"].astype(float)
        mean_m = round(float(mat.mean()), 2) if not mat.empty else math.nan
        mean_t = round(float(tgt.mean()), 2) if not tgt.empty else math.nan
        rows.append(
            {
                "group_id": gid,
                "group_title": group["group_title"].iloc[0],
                "assessed": len(assessed),
                "mean_maturity": mean_m,
                "mean_target": mean_t,
                "gap": round(mean_t - mean_m, 2) if not math.isnan(mean_m) else math.nan,
                "below_target": int((assessed["maturity_gap"].fillna(0) > 0).sum()),
            }
        )
    df = pd.DataFrame(rows)
    if not df.empty:
        df = df.sort_values("group_id", key=lambda s: s.map(natural_key)).reset_index(drop=True)
    return df


def documented_information(view: pd.DataFrame, clauses: pd.DataFrame | None = None) -> pd.DataFrame:
    """Status of the documented information required by clause sub-clauses."""
    if clauses is None:
        clauses = catalog.load("iso42001-clauses")
    notes = clauses.set_index("id")["documented_information_note"]
    part = view[(view["kind"] == "clause") & (view["documented_information"] != "none")].copy()

    def finding(row: pd.Series) -> str:
        if row["status"] == "non_compliant" or (row["status"] in ASSESSED_STATUSES and not row["evidence"]):
            return "missing"
        if row["status"] == "partially_compliant":
            return "incomplete"
        if row["status"] == "compliant":
            return "in place"
        return "not assessed"

    split = [_split_caveat(n) for n in part["id"].map(notes)]
    part["required"] = [text for text, _ in split]
    part["caveat"] = [caveat for _, caveat in split]
    part["kind_label"] = part["documented_information"].map(lambda k: DOCUMENTED_KINDS.get(k, k))
    part["finding"] = part.apply(finding, axis=1) if not part.empty else []
    columns = ["id", "title", "documented_information", "kind_label", "required", "caveat", "status", "evidence"]
    return part[[*columns, "finding", "owner"]].reset_index(drop=True)


DOCUMENTED_KINDS = {
    "maintained": "Maintained (kept up to date)",
    "retained": "Retained (kept as a record)",
    "maintained_and_retained": "Maintained and retained",
}
_CAVEAT = re.compile(r"\s*\(([^()]*)\)\s*$")


def _split_caveat(note: Any) -> tuple[str, str]:
    """A catalog note without its trailing status remark ("(consultancy reading; verify against the
    standard)"): the remark is for the method appendix and the catalog, not for the client's table."""
    text = "" if note is None or (isinstance(note, float) and math.isnan(note)) else str(note)
    m = _CAVEAT.search(text)
    if m and ("consultanc" in m.group(1) or "verify" in m.group(1)):
        return text[: m.start()], m.group(1)
    return text, ""


def not_assessed(view: pd.DataFrame) -> pd.DataFrame:
    """Requirements without an assessment yet, with the reason."""
    part = view[view["status"] == "not_assessed"]
    return part[["id", "title", "kind", "group_id", "basis", "owner"]].reset_index(drop=True)


def _priority(row: pd.Series) -> str | None:
    clause = row["kind"] == "clause"
    if row["status"] == "non_compliant":
        return "P1" if clause else "P2"
    if row["status"] == "partially_compliant":
        return "P2" if clause else "P3"
    if row["status"] == "compliant" and (row["maturity_gap"] or 0) > 0:
        return "P4"
    return None


def remediation(view: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The prioritised remediation roadmap (see ``METHOD['Remediation priority']``)."""
    df = view.copy()
    df["priority"] = df.apply(_priority, axis=1)
    df = df[df["priority"].notna()].copy()
    df["_gap"] = df["maturity_gap"].fillna(0).astype(int)
    df["_di"] = (df["documented_information"] != "none").astype(int)
    df["_date"] = df["target_date"].map(lambda d: d if isinstance(d, dt.date) else dt.date.max)
    df["_key"] = df["id"].map(natural_key)
    df = df.sort_values(
        ["priority", "_gap", "_di", "_date", "_key"],
        ascending=[True, False, False, True, True],
        kind="stable",
    )
    df["rank"] = range(1, len(df) + 1)
    df["overdue"] = df["target_date"].map(lambda d: isinstance(d, dt.date) and d < as_of)
    df["owner"] = df["owner"].map(lambda o: o or "unassigned")
    cols = [
        "rank",
        "priority",
        "id",
        "title",
        "status",
        "where",
        "maturity",
        "target",
        "maturity_gap",
        "owner",
        "target_date",
        "overdue",
        "notes",
    ]
    return df[cols].reset_index(drop=True)


def remediation_guidance(
    roadmap: pd.DataFrame, reqs: pd.DataFrame, priorities: tuple[str, ...] = ("P1", "P2")
) -> pd.DataFrame:
    """For the most urgent roadmap items: what the requirement asks in practice (aimskit's
    summary) and the evidence an auditor typically expects, from the catalog guidance."""
    guide = reqs.set_index("id")[["summary", "evidence"]]
    part = roadmap[roadmap["priority"].isin(priorities)][["rank", "priority", "id", "title", "owner"]]
    return part.join(guide, on="id").reset_index(drop=True)


def system_heatmap(
    reqs: pd.DataFrame,
    gap: pd.DataFrame,
    target: Callable[[str], int],
    system_ids: list[str],
    views: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Conformity score per Annex A objective (rows) x AI system (columns), per-system view.

    A control's status for a system is the system's own row, else the organisation-wide row,
    else not assessed (what :func:`requirement_view` gives per system); computed for all systems
    at once. ``views`` holds per-system views already computed (by system ID), used as they are.
    """
    views = views or {}
    controls = reqs[reqs["kind"] == "control"][["id", "group_id"]].reset_index(drop=True)
    org = gap[gap["system_id"].isna()]
    org_status = dict(zip(org["requirement_id"], org["status"], strict=True))
    own = gap[gap["system_id"].isin(system_ids)]
    own_status = {
        (sid, rid): st for sid, rid, st in zip(own["system_id"], own["requirement_id"], own["status"], strict=True)
    }
    pairs = list(zip(controls["id"], controls["group_id"], strict=True))
    groups = list(dict.fromkeys(controls["group_id"]))  # in order of first appearance (groupby sort=False)
    frames = {}
    scores: dict[str, list[float]] = {}  # systems without a view: one score per group, in ``groups`` order
    for sid in system_ids:
        if sid in views:
            by = conformity_by_group(views[sid], "control")
            frames[sid] = by.set_index("group_id")["conformity"] if not by.empty else pd.Series(dtype=float)
            continue
        # counted in plain Python: a pandas value_counts per group and system dominated at 1,000 systems
        counts: dict[str, Counter[str]] = {gid: Counter() for gid in groups}
        for rid, gid in pairs:
            counts[gid][str(own_status.get((sid, rid), org_status.get(rid, "not_assessed")))] += 1
        scores[sid] = [float(conformity_score(c)) for c in counts.values()]
    heat = _heat_frame(frames, scores, groups, system_ids)
    if not heat.empty:
        heat = heat.loc[sorted(heat.index, key=natural_key)]
    heat.index.name = "group_id"
    return heat


def _heat_frame(
    frames: dict[str, pd.Series], scores: dict[str, list[float]], groups: list[str], system_ids: list[str]
) -> pd.DataFrame:
    """The heatmap frame, systems as columns in ``system_ids`` order: built from one float array when
    every system's scores are lists over ``groups`` (the organisation-wide case; one Series per system
    aligned by pandas dominated at 1,000 systems), else aligned from Series as before."""
    if frames or not scores:
        frames.update({sid: pd.Series(dict(zip(groups, v, strict=True)), dtype=float) for sid, v in scores.items()})
        return pd.DataFrame({sid: frames[sid] for sid in system_ids if sid in frames})
    order = [sid for sid in system_ids if sid in scores]
    values = np.array([scores[sid] for sid in order], dtype=float).T.reshape(len(groups), len(order))
    return pd.DataFrame(values, index=pd.Index(groups), columns=pd.Index(order))


def headline(view: pd.DataFrame, remediation_df: pd.DataFrame) -> dict[str, Any]:
    """The figures of the executive summary."""
    counts = view["status"].value_counts()
    clauses = view[view["kind"] == "clause"]
    controls = view[view["kind"] == "control"]
    assessed = view[view["status"].isin(ASSESSED_STATUSES)]
    mat = assessed["maturity"].dropna().astype(float)
    tgt = assessed["target"].astype(float)
    return {
        "requirements": len(view),
        "clauses": len(clauses),
        "controls": len(controls),
        "assessed": len(assessed),
        **{s: int(counts.get(s, 0)) for s in STATUSES},
        "conformity": conformity_score(counts),
        "conformity_clauses": conformity_score(clauses["status"].value_counts()),
        "conformity_controls": conformity_score(controls["status"].value_counts()),
        "mean_maturity": round(float(mat.mean()), 2) if not mat.empty else math.nan,
        "mean_target": round(float(tgt.mean()), 2) if not tgt.empty else math.nan,
        "clause_nonconformities": int((clauses["status"] == "non_compliant").sum()),
        "remediation_items": len(remediation_df),
        "p1_items": int((remediation_df["priority"] == "P1").sum()),
        "overdue_items": int(remediation_df["overdue"].sum()),
        "unassigned_items": int((remediation_df["owner"] == "unassigned").sum()),
    }


def summary_points(h: dict[str, Any], by_clause: pd.DataFrame, by_objective: pd.DataFrame) -> list[str]:
    """The executive summary in plain words, derived from the headline figures."""

    def pct(x: float) -> str:
        return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0f}%"

    points = [
        f"{h['assessed']} of {h['requirements']} requirements have been assessed "
        f"({h['not_assessed']} not yet assessed, {h['not_applicable']} not applicable)."
    ]
    if h["assessed"] == 0:
        points.append("Nothing has been assessed yet, so there is no conformity score; fill in gap.csv.")
        return points
    points.append(
        f"Overall conformity is {pct(h['conformity'])}: {pct(h['conformity_clauses'])} on the "
        f"mandatory clauses 4-10 and {pct(h['conformity_controls'])} on the Annex A controls."
    )
    if h["clause_nonconformities"]:
        points.append(
            f"{plural(h['clause_nonconformities'], 'mandatory clause requirement')} "
            f"{'is' if h['clause_nonconformities'] == 1 else 'are'} non-compliant; each "
            "would be a nonconformity at a certification audit and is priority P1 in the roadmap."
        )
    else:
        points.append("No mandatory clause requirement is assessed as non-compliant.")
    if not math.isnan(h["mean_maturity"]):
        points.append(
            f"Mean maturity is {h['mean_maturity']:.1f} against a mean target of {h['mean_target']:.1f} "
            f"({MATURITY_LEVELS[round(h['mean_maturity'])]} vs {MATURITY_LEVELS[round(h['mean_target'])]})."
        )
    scored = by_objective.dropna(subset=["conformity"]) if not by_objective.empty else by_objective
    if not scored.empty:
        low = scored.sort_values(
            ["conformity", "group_id"], key=lambda s: s if s.name == "conformity" else s.map(natural_key)
        ).iloc[0]
        high = scored.sort_values("conformity", ascending=False, kind="stable").iloc[0]
        points.append(
            f"Weakest Annex A area: {low['group_id']} {low['group_title']} ({pct(low['conformity'])}); "
            f"strongest: {high['group_id']} {high['group_title']} ({pct(high['conformity'])})."
        )
    points.append(
        f"The remediation roadmap has {plural(h['remediation_items'], 'item')}; {h['overdue_items']} "
        f"{'is' if h['overdue_items'] == 1 else 'are'} past the target date and {h['unassigned_items']} "
        f"{'has' if h['unassigned_items'] == 1 else 'have'} no owner."
    )
    return points


@dataclass
class GapResult:
    """Everything the gap report shows, computed once."""

    organisation: str
    assessment_date: dt.date
    system_id: str | None
    system_name: str | None
    view: pd.DataFrame
    by_clause: pd.DataFrame
    by_objective: pd.DataFrame
    maturity_clause: pd.DataFrame
    maturity_objective: pd.DataFrame
    documented: pd.DataFrame
    pending: pd.DataFrame
    roadmap: pd.DataFrame
    guidance: pd.DataFrame
    heatmap: pd.DataFrame
    headline: dict[str, Any]
    summary: list[str] = field(default_factory=list)
    security_evidence: pd.DataFrame = field(default_factory=pd.DataFrame)  # red-team runs per Annex A control

    def to_json(self) -> dict[str, Any]:
        return {
            "step": "gap",
            "organisation": self.organisation,
            "assessment_date": self.assessment_date.isoformat(),
            "system_id": self.system_id,
            "headline": {k: jsonable(v) for k, v in self.headline.items()},
            "summary": self.summary,
            "by_clause": records(self.by_clause),
            "by_objective": records(self.by_objective),
            "maturity_by_clause": records(self.maturity_clause),
            "maturity_by_objective": records(self.maturity_objective),
            "documented_information": records(self.documented),
            "not_assessed": records(self.pending),
            "remediation": records(self.roadmap),
            "heatmap": {
                str(col): {str(k): jsonable(v) for k, v in self.heatmap[col].items()} for col in self.heatmap.columns
            },
            "requirements": records(self.view),
        }


def organisation_headline(eng: Engagement) -> dict[str, Any]:
    """The headline figures of the organisation-wide gap assessment, without the rest of the report
    (the management review compares them with the figures an earlier review recorded)."""
    view = requirement_view(requirements(), eng.gap, eng.target_for, names=eng.system_names)
    return headline(view, remediation(view, eng.meta.assessment_date))


def assess(eng: Engagement, system_id: str | None = None) -> GapResult:
    """Run the whole gap assessment for the organisation, or for one AI system."""
    reqs = requirements()
    system_name = None
    if system_id is not None:
        system = eng.system(system_id)
        system_name = system["name"]
    view = requirement_view(reqs, eng.gap, eng.target_for, system_id=system_id, names=eng.system_names)
    roadmap = remediation(view, eng.meta.assessment_date)
    by_clause = conformity_by_group(view, "clause")
    by_objective = conformity_by_group(view, "control")
    if system_id is None:
        heat = system_heatmap(reqs, eng.gap, eng.target_for, eng.in_scope_ids)
    else:  # the per-system view is the one computed above
        heat = system_heatmap(reqs, eng.gap, eng.target_for, [system_id], views={system_id: view})
    head = headline(view, roadmap)
    return GapResult(
        organisation=eng.organisation,
        assessment_date=eng.meta.assessment_date,
        system_id=system_id,
        system_name=system_name,
        view=view,
        by_clause=by_clause,
        by_objective=by_objective,
        maturity_clause=maturity_by_group(view, "clause"),
        maturity_objective=maturity_by_group(view, "control"),
        documented=documented_information(view),
        pending=not_assessed(view),
        roadmap=roadmap,
        guidance=remediation_guidance(roadmap, reqs),
        heatmap=heat,
        headline=head,
        summary=summary_points(head, by_clause, by_objective),
        security_evidence=security_step.control_evidence(eng, system_id),
    )


STEP = Step(
    "gap",
    "Gap assessment (clauses 4-10 and Annex A)",
    notebook="gap_assessment.ipynb",
    compute=__name__,
    pack_order=20,
    view="aimskit.steps.gap.view",
    parts=(security_part.PART,),  # red-team runs as technical evidence for Annex A controls
    headline=(
        Figure("conformity", "Conformity", "pct"),
        Figure("clause_nonconformities", "Clause NCs"),
        Figure("mean_maturity", "Mean maturity", "dec"),
        Figure("remediation_items", "Remediation items"),
        Figure("not_assessed", "Not assessed"),
    ),
)
