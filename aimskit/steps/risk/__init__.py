"""AI risk assessment and treatment, and the Statement of Applicability (step ``risk``).

Pure functions over the risk part of the engagement (:mod:`aimskit.engagement.parts.risk`):

- every risk is scored and banded, inherent and residual, with the configured criteria;
- the treatment plan is checked (treatment, owner, due date, overdue actions, acceptance of
  residual risk above the appetite by someone with the authority the criteria name);
- the SoA is *derived* from ``soa.csv`` and the register (the risks that use each control are
  listed, "risk treatment" is added to the justification where a risk uses the control) and
  checked against the register and the gap assessment.

Nothing here raises on a finding: every broken rule is a row in the findings table, with the
rule it breaks, its severity and the risk or control it concerns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aimskit import catalog
from aimskit.base.problems import plural
from aimskit.engagement import Engagement
from aimskit.engagement.criteria import Criteria, rate
from aimskit.engagement.parts import risk as risk_part
from aimskit.engagement.parts import security as security_part
from aimskit.engagement.parts.risk import (
    IMPLEMENTATION_LABELS,
    JUSTIFICATION_LABELS,
    TREATMENT_LABELS,
)
from aimskit.steps import gap as gap_step
from aimskit.steps import security as security_step
from aimskit.steps.base import Figure, Step
from aimskit.steps.common import jsonable, records
from aimskit.steps.security import evidence as sec_evidence

SEVERITIES = ("high", "medium", "low")
OPEN_STATUSES = ("open", "in_treatment")
DONE_STATUSES = ("treated", "accepted", "closed")
ACTIVE_TREATMENTS = ("modify", "avoid", "share")

#: The consistency rules: id -> (severity, short title, what the rule checks). Printed in the
#: report's method appendix; every one is demonstrated by a test.
RULES: dict[str, tuple[str, str, str]] = {
    "SOA-1": (
        "high",
        "Annex A control missing from the SoA",
        "Every one of the 38 Annex A controls must appear in the SoA, included or excluded.",
    ),
    "SOA-2": (
        "high",
        "Excluded control used to treat a risk",
        "A control applied in any risk treatment must be applicable in the SoA.",
    ),
    "SOA-3": (
        "high",
        "Exclusion without a reason",
        "A control marked not applicable must give the reason for the exclusion.",
    ),
    "SOA-4": (
        "high",
        "SoA says implemented, gap assessment says non-compliant",
        "A control the SoA marks implemented must not be rated non-compliant in the gap assessment.",
    ),
    "SOA-5": (
        "medium",
        "SoA says implemented, gap assessment says partially compliant",
        "The SoA overstates the implementation the gap assessment found.",
    ),
    "SOA-6": (
        "medium",
        "SoA and gap assessment disagree on applicability",
        "A control excluded in the SoA is rated in gap.csv as applicable, or the reverse.",
    ),
    "SOA-7": (
        "medium",
        "Included for risk treatment but no risk uses it",
        "The justification says risk treatment but no risk in the register applies the control.",
    ),
    "SOA-8": (
        "medium",
        "Implemented without evidence",
        "A control marked implemented (fully or partially) needs evidence references.",
    ),
    "SOA-9": (
        "low",
        "Included without a justification",
        "An included control needs at least one justification category or a justification text.",
    ),
    "SOA-10": (
        "low",
        "Risk treatment not recorded as a justification",
        "A control applied in a risk treatment but justified otherwise; the derived SoA adds "
        "'risk treatment' with the risk ids.",
    ),
    "PLAN-1": (
        "medium",
        "Treatment plan not approved",
        "Clause 6.1.3 expects the risk treatment plan to be approved by management: record who approved it and "
        "when (risk_treatment_plan in engagement.yaml, dated no later than the assessment date).",
    ),
    "RTP-1": (
        "high",
        "Risk above appetite without a treatment",
        "Every risk whose inherent level is above the appetite needs a treatment option.",
    ),
    "RTP-2": (
        "high",
        "Risk above appetite without an owner",
        "Every risk whose inherent level is above the appetite needs a risk owner.",
    ),
    "RTP-3": (
        "medium",
        "Treatment without a due date",
        "A risk above the appetite treated by modify, avoid or share needs a due date until it is treated.",
    ),
    "RTP-4": (
        "medium",
        "Treatment without actions or controls",
        "A modify, avoid or share treatment needs treatment actions or controls applied.",
    ),
    "RTP-5": (
        "high",
        "Residual risk above appetite not accepted",
        "Once a risk is retained, treated, accepted or closed, a residual level above the appetite must be accepted "
        "(accepted_by and accepted_on, not after the assessment date) by an authority the criteria name for that "
        "level or a higher one.",
    ),
    "RTP-6": (
        "high",
        "Accepted without the authority",
        "The person who accepted a residual risk above the appetite is not among those the criteria allow "
        "for that level.",
    ),
    "RTP-7": (
        "high",
        "Residual level may not be accepted",
        "The criteria allow nobody to accept this residual level (rated, or reached once the risk is retained, "
        "treated or closed): the risk must be treated further.",
    ),
    "RTP-8": (
        "medium",
        "Treatment overdue",
        "The due date has passed (before the assessment date) and the risk is still open or in treatment.",
    ),
    "RTP-9": (
        "medium",
        "Treated without a residual rating",
        "A risk marked treated, accepted or closed needs its residual likelihood and impact.",
    ),
    "RTP-10": (
        "low",
        "Residual higher than inherent",
        "The residual score is higher than the inherent score: check the ratings.",
    ),
    "RTP-11": (
        "high",
        "Residual relies on controls not in place",
        "A treated, accepted or closed risk applies a control the SoA shows as planned, not implemented, excluded "
        "or missing: its residual rating is not supported.",
    ),
    "RTP-12": (
        "low",
        "No consequences recorded",
        "Clause 6.1.2 asks for the consequences of each risk: none is recorded for the organisation, individuals "
        "or society.",
    ),
}
FINDING_COLUMNS = ["rule", "severity", "title", "subject", "system_id", "message"]


def _finding(rule: str, subject: str, message: str, system_id: Any = None) -> dict[str, Any]:
    severity, title, _ = RULES[rule]
    return {
        "rule": rule,
        "severity": severity,
        "title": title,
        "subject": subject,
        "system_id": None if pd.isna(system_id) else system_id,
        "message": message,
    }


def _findings_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    if df.empty:
        return df
    order = {s: i for i, s in enumerate(SEVERITIES)}
    df["_s"] = df["severity"].map(order)
    df["_r"] = df["rule"].map(list(RULES).index)
    return df.sort_values(["_s", "_r", "subject"], kind="stable").drop(columns=["_s", "_r"]).reset_index(drop=True)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


# ---------------------------------------------------------------------------------------------
# scoring


def score_register(risks: pd.DataFrame, crit: Criteria) -> pd.DataFrame:
    """The register with inherent and residual score and level.

    A risk without a residual rating keeps its inherent rating as residual (``residual_rated``
    is False): an unrated treatment is not assumed to have worked.
    """
    out = risks.copy()
    inherent = [rate(crit, lk, im) for lk, im in zip(out["likelihood"], out["impact"], strict=True)]
    out["inherent_score"] = [s for s, _ in inherent]
    out["inherent_level"] = [b for _, b in inherent]
    rated = [
        not (_blank(lk) or _blank(im))
        for lk, im in zip(out["residual_likelihood"], out["residual_impact"], strict=True)
    ]
    out["residual_rated"] = rated
    res_lk = [r if ok else i for r, i, ok in zip(out["residual_likelihood"], out["likelihood"], rated, strict=True)]
    res_im = [r if ok else i for r, i, ok in zip(out["residual_impact"], out["impact"], rated, strict=True)]
    out["residual_likelihood"] = res_lk
    out["residual_impact"] = res_im
    residual = [rate(crit, lk, im) for lk, im in zip(res_lk, res_im, strict=True)]
    out["residual_score"] = [s for s, _ in residual]
    out["residual_level"] = [b for _, b in residual]
    out["above_appetite"] = [b is not None and crit.above_appetite(b) for b in out["inherent_level"]]
    out["residual_above_appetite"] = [b is not None and crit.above_appetite(b) for b in out["residual_level"]]
    for col in ("controls",):
        out[col] = [list(v) if isinstance(v, list) else [] for v in out[col]]
    return out


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def authorised(accepted_by: Any, authorities: list[str]) -> bool:
    """Whether ``accepted_by`` is one of ``authorities``: its role (the text before any
    parenthesis) equals an authority, ignoring case and spacing. "Chief Risk Officer (A. Patel)"
    is authorised by "Chief Risk Officer"; "Deputy to the Chief Risk Officer" is not."""
    if _blank(accepted_by):
        return False
    role = _norm(str(accepted_by).split("(")[0].strip(" ,;:-"))
    return any(role == _norm(a) for a in authorities)


def acceptance(r: dict[str, Any], crit: Criteria, as_of: dt.date) -> tuple[str, str | None, str]:
    """The acceptance state of one scored risk: ``(state, rule, message)``.

    state is ``within`` (residual within the appetite), ``accepted`` (validly), ``pending``
    (still being treated: acceptance not yet due) or ``flagged`` (rule RTP-5, 6 or 7)."""
    if not r["residual_above_appetite"]:
        return "within", None, ""
    labels = {b.id: b.label for b in crit.bands}
    res = r["residual_level"]
    due = r["status"] in DONE_STATUSES or r["treatment"] == "retain"
    basis = "residual" if r["residual_rated"] else "residual (not rated, taken as inherent)"
    authorities = crit.authorities(res)
    if not authorities:
        if due or r["residual_rated"]:
            return (
                "flagged",
                "RTP-7",
                f"{basis} level {labels[res]} may not be accepted under the criteria; treat further",
            )
        return "pending", None, ""
    if _blank(r["accepted_by"]):
        if due:
            return (
                "flagged",
                "RTP-5",
                f"{basis} level {labels[res]} is above the appetite '{labels[crit.appetite]}' and not accepted; "
                f"it may be accepted by: {'; '.join(authorities)}",
            )
        return "pending", None, ""
    flaw = _acceptance_flaw(r["accepted_by"], r["accepted_on"], authorities, labels[res], as_of)
    if flaw is not None:
        return "flagged", *flaw
    return "accepted", None, ""


def _acceptance_flaw(who: Any, when: Any, authorities: list[str], level: str, as_of: dt.date) -> tuple[str, str] | None:
    """What makes a recorded acceptance of a residual ``level`` invalid, ``(rule, message)``, or None:
    not by one of the ``authorities`` (RTP-6), undated or dated after ``as_of`` (RTP-5)."""
    if not authorised(who, authorities):
        return "RTP-6", f"accepted by '{who}', but {level} may only be accepted by: {'; '.join(authorities)}"
    if when is None or (isinstance(when, float) and pd.isna(when)):
        return "RTP-5", f"the acceptance by '{who}' has no date (accepted_on)"
    if when > as_of:
        return "RTP-5", f"the acceptance is dated {when.isoformat()}, after the assessment date {as_of.isoformat()}"
    return None


def treatment_findings(scored: pd.DataFrame, crit: Criteria, as_of: dt.date) -> pd.DataFrame:
    """The risk treatment plan rules (RTP-1 ... RTP-10, RTP-12) applied to every risk."""
    rows: list[dict[str, Any]] = []
    labels = {b.id: b.label for b in crit.bands}
    for r in scored.to_dict(orient="records"):
        rid, sid = r["risk_id"], r["system_id"]
        level = labels.get(r["inherent_level"], "?")
        treatment, status = r["treatment"], r["status"]
        if r["above_appetite"]:
            if _blank(treatment):
                rows.append(
                    _finding("RTP-1", rid, f"inherent level {level} is above the appetite; choose a treatment", sid)
                )
            if _blank(r["owner"]):
                rows.append(
                    _finding("RTP-2", rid, f"inherent level {level} is above the appetite; name a risk owner", sid)
                )
            if treatment in ACTIVE_TREATMENTS and r["due_date"] is None and status in OPEN_STATUSES:
                rows.append(_finding("RTP-3", rid, f"treatment '{treatment}' has no due date", sid))
        if treatment in ACTIVE_TREATMENTS and _blank(r["actions"]) and not r["controls"]:
            rows.append(_finding("RTP-4", rid, f"treatment '{treatment}' names no actions and no controls", sid))
        _, rule, message = acceptance(r, crit, as_of)
        if rule:
            rows.append(_finding(rule, rid, message, sid))
        if r["due_date"] is not None and r["due_date"] < as_of and status in OPEN_STATUSES:
            days = (as_of - r["due_date"]).days
            state = str(status).replace("_", " ")
            late = f"due {r['due_date'].isoformat()}, {plural(days, 'day')} overdue ({state})"
            rows.append(_finding("RTP-8", rid, late, sid))
        if status in DONE_STATUSES and not r["residual_rated"]:
            rows.append(_finding("RTP-9", rid, f"status {status} but no residual likelihood and impact", sid))
        if (
            r["residual_rated"]
            and r["residual_score"] is not None
            and r["inherent_score"] is not None
            and r["residual_score"] > r["inherent_score"]
        ):
            rows.append(
                _finding(
                    "RTP-10",
                    rid,
                    f"residual score {r['residual_score']} is above the inherent score {r['inherent_score']}",
                    sid,
                )
            )
        if all(
            _blank(r.get(c)) for c in ("consequence_organisation", "consequence_individuals", "consequence_society")
        ):
            rows.append(
                _finding("RTP-12", rid, "no consequence recorded for the organisation, individuals or society", sid)
            )
    return _findings_frame(rows)


# ---------------------------------------------------------------------------------------------
# Statement of Applicability


def control_usage(scored: pd.DataFrame) -> dict[str, list[str]]:
    """Control id -> the ids of the risks whose treatment applies it (in register order)."""
    usage: dict[str, list[str]] = {}
    for rid, controls in zip(scored["risk_id"], scored["controls"], strict=True):
        for cid in controls:
            if rid not in usage.setdefault(cid, []):
                usage[cid].append(rid)
    return usage


def derive_soa(
    soa: pd.DataFrame,
    scored: pd.DataFrame,
    gap_view: pd.DataFrame,
    org_rows: dict[str, str] | None = None,
    system_view: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The SoA as the auditor reads it: all 38 Annex A controls in catalog order, then the
    organisation's own controls, with the risks that use each control and the gap status.

    ``gap_view`` is the organisation-wide gap view (its status is the weakest of the
    organisation and per-system rows); ``org_rows`` maps a control to the status of its
    organisation-wide row alone (the one that says whether the control applies to the
    organisation); ``system_view`` adds the status of one AI system."""
    annex = catalog.load("iso42001-annex-a")
    usage = control_usage(scored)
    given = {r["control_id"]: r for r in soa.to_dict(orient="records")}
    gap_status = dict(zip(gap_view["id"], gap_view["status"], strict=True)) if not gap_view.empty else {}
    org_rows = org_rows or {}
    system_status = (
        dict(zip(system_view["id"], system_view["status"], strict=True)) if system_view is not None else None
    )
    rows = []
    own = [cid for cid in given if cid not in set(annex["id"])]
    entries = [(a.id, a.title, f"{a.objective_id} {a.objective_title}", "Annex A") for a in annex.itertuples()]
    entries += [(cid, given[cid].get("title") or "", "Organisation's own controls", "own") for cid in own]
    for cid, title, group, origin in entries:
        g = given.get(cid)
        risks = usage.get(cid, [])
        justification = list(g["justification"] or []) if g else []
        derived = bool(risks) and "risk_treatment" not in justification and bool(g and g["applicable"])
        if risks and g and g["applicable"] and "risk_treatment" not in justification:
            justification = ["risk_treatment", *justification]
        rows.append(
            {
                "control_id": cid,
                "title": title,
                "group": group,
                "origin": origin,
                "in_soa": g is not None,
                "applicable": None if g is None else bool(g["applicable"]),
                "justification": justification,
                "justification_derived": derived,
                "risks": risks,
                "justification_text": "" if g is None else (g.get("justification_text") or ""),
                "implementation": None if g is None else g.get("implementation"),
                "owner": "" if g is None else (g.get("owner") or ""),
                "evidence": [] if g is None else list(g.get("evidence") or []),
                "gap_status": gap_status.get(cid, "not_assessed" if origin == "Annex A" else None),
                "gap_org_row": org_rows.get(cid),
                "gap_system_status": None if system_status is None else system_status.get(cid),
                "line": None if g is None else g.get("line"),
            }
        )
    return pd.DataFrame(rows)


def with_test_evidence(derived: pd.DataFrame, control_evidence: pd.DataFrame) -> pd.DataFrame:
    """The SoA with ``test_evidence``: per control, the red-team runs that support it (step ``security``,
    :func:`aimskit.steps.security.evidence.by_control`) as evidence texts, oldest first. The user's own
    ``evidence`` is kept as written; the SoA shows and exports both in its evidence column."""
    texts = sec_evidence.texts_by_control(control_evidence)
    out = derived.copy()
    out["test_evidence"] = [list(texts.get(cid, [])) for cid in out["control_id"]]
    return out


def soa_findings(derived: pd.DataFrame, has_soa: bool = True) -> pd.DataFrame:
    """The SoA rules (SOA-1 ... SOA-10) applied to the derived SoA."""
    rows: list[dict[str, Any]] = []
    for r in derived.to_dict(orient="records"):
        cid, risks = r["control_id"], r["risks"]
        used = f" (used by {', '.join(risks)})" if risks else ""
        if not r["in_soa"]:
            if has_soa:
                rows.append(_finding("SOA-1", cid, f"{cid} {r['title']} is not in soa.csv{used}"))
            continue
        gap_status = r["gap_status"]
        if r["applicable"] is False:
            if risks:
                rows.append(_finding("SOA-2", cid, f"excluded in the SoA but applied to {', '.join(risks)}"))
            if _blank(r["justification_text"]):
                rows.append(_finding("SOA-3", cid, "excluded without a reason in justification_text"))
            if gap_status in ("compliant", "partially_compliant", "non_compliant"):
                rows.append(_finding("SOA-6", cid, f"excluded in the SoA but rated {gap_status} in the gap assessment"))
            continue
        impl = r["implementation"]
        if impl == "implemented" and gap_status == "non_compliant":
            rows.append(_finding("SOA-4", cid, "the SoA says implemented; the gap assessment rates it non-compliant"))
        if impl == "implemented" and gap_status == "partially_compliant":
            rows.append(
                _finding("SOA-5", cid, "the SoA says implemented; the gap assessment rates it partially compliant")
            )
        if r.get("gap_org_row") == "not_applicable":
            rows.append(
                _finding(
                    "SOA-6", cid, "applicable in the SoA but not_applicable organisation-wide in the gap assessment"
                )
            )
        if "risk_treatment" in r["justification"] and not risks:
            rows.append(_finding("SOA-7", cid, "justified by risk treatment, but no risk in the register applies it"))
        if impl in ("implemented", "partially_implemented") and not r["evidence"]:
            rows.append(_finding("SOA-8", cid, f"{impl.replace('_', ' ')} without evidence references"))
        if not r["justification"] and _blank(r["justification_text"]):
            rows.append(_finding("SOA-9", cid, "included without a justification"))
        if r["justification_derived"]:
            rows.append(
                _finding("SOA-10", cid, f"applied to {', '.join(risks)}; 'risk treatment' added to the justification")
            )
    return _findings_frame(rows)


def approval_findings(scored: pd.DataFrame, approval: Any, as_of: dt.date) -> pd.DataFrame:
    """PLAN-1: the treatment plan of risks above the appetite has no recorded (and dated) approval."""
    if scored.empty or not scored["above_appetite"].any():
        return _findings_frame([])
    if approval is None:
        return _findings_frame([_finding("PLAN-1", "treatment plan", "no approval recorded (risk_treatment_plan)")])
    if approval.approved_on > as_of:
        return _findings_frame(
            [
                _finding(
                    "PLAN-1",
                    "treatment plan",
                    f"approval dated {approval.approved_on.isoformat()}, after the assessment date {as_of.isoformat()}",
                )
            ]
        )
    return _findings_frame([])


def reliance_findings(scored: pd.DataFrame, derived: pd.DataFrame) -> pd.DataFrame:
    """RTP-11: a treated, accepted or closed risk applies controls the SoA does not show as implemented."""
    state: dict[str, str] = {}
    for r in derived.to_dict(orient="records"):
        if not r["in_soa"]:
            state[r["control_id"]] = "not in the SoA"
        elif r["applicable"] is False:
            state[r["control_id"]] = "excluded"
        elif r["implementation"] not in ("implemented", "partially_implemented"):
            state[r["control_id"]] = (r["implementation"] or "no status").replace("_", " ")
    rows = []
    for r in scored.to_dict(orient="records"):
        if r["status"] not in DONE_STATUSES:
            continue
        weak = [f"{c} ({state[c]})" for c in r["controls"] if c in state]
        if weak:
            rows.append(
                _finding("RTP-11", r["risk_id"], f"{r['status']}, but relies on {', '.join(weak)}", r["system_id"])
            )
    return _findings_frame(rows)


def soa_summary(derived: pd.DataFrame) -> dict[str, int]:
    annex = derived[derived["origin"] == "Annex A"]
    included = annex[annex["applicable"] == True]  # noqa: E712
    return {
        "annex_a_listed": int(annex["in_soa"].sum()),
        "annex_a_included": len(included),
        "annex_a_excluded": int((annex["applicable"] == False).sum()),  # noqa: E712
        "implemented": int((included["implementation"] == "implemented").sum()),
        "partially_implemented": int((included["implementation"] == "partially_implemented").sum()),
        "planned": int((included["implementation"] == "planned").sum()),
        "not_implemented": int((included["implementation"] == "not_implemented").sum()),
        "own_controls": int((derived["origin"] == "own").sum()),
    }


def soa_evidence(row: dict[str, Any]) -> list[str]:
    """The evidence of one SoA row as shown and exported: the user's own references, then the red-team runs."""
    return [*(row.get("evidence") or []), *(row.get("test_evidence") or [])]


def soa_export(derived: pd.DataFrame) -> pd.DataFrame:
    """The SoA as a handover CSV: one row per control, lists joined with '; '."""
    out = pd.DataFrame(
        {
            "control_id": derived["control_id"],
            "title": derived["title"],
            "objective": derived["group"],
            "applicable": derived["applicable"].map({True: "yes", False: "no", None: "missing"}),
            "justification": ["; ".join(JUSTIFICATION_LABELS.get(j, j) for j in js) for js in derived["justification"]],
            "risks_treated": ["; ".join(r) for r in derived["risks"]],
            "justification_or_exclusion_reason": derived["justification_text"],
            "implementation": [IMPLEMENTATION_LABELS.get(i, "") if i else "" for i in derived["implementation"]],
            "owner": derived["owner"],
            "evidence": ["; ".join(soa_evidence(row)) for row in derived.to_dict(orient="records")],
            "gap_assessment_status": derived["gap_status"].fillna(""),
        }
    )
    return out


# ---------------------------------------------------------------------------------------------
# views of the register


def treatment_plan(scored: pd.DataFrame, crit: Criteria, as_of: dt.date) -> pd.DataFrame:
    """The risk treatment plan: risks above the appetite first, highest inherent score first."""
    labels = {b.id: b.label for b in crit.bands}
    plan = pd.DataFrame(
        {
            "risk_id": scored["risk_id"],
            "system_id": scored["system_id"],
            "title": scored["title"],
            "inherent_score": scored["inherent_score"],
            "inherent_level_id": scored["inherent_level"],
            "inherent_level": [labels.get(b, "") for b in scored["inherent_level"]],
            "treatment": [TREATMENT_LABELS.get(t, "") if t else "" for t in scored["treatment"]],
            "controls": ["; ".join(c) for c in scored["controls"]],
            "actions": scored["actions"].fillna(""),
            "owner": scored["owner"].fillna(""),
            "due_date": scored["due_date"],
            "overdue": [
                d is not None and d < as_of and s in OPEN_STATUSES
                for d, s in zip(scored["due_date"], scored["status"], strict=True)
            ],
            "status": scored["status"],
            "residual_score": [
                s if ok else None for s, ok in zip(scored["residual_score"], scored["residual_rated"], strict=True)
            ],
            "residual_level_id": [
                b if ok else None for b, ok in zip(scored["residual_level"], scored["residual_rated"], strict=True)
            ],
            "residual_level": [
                labels.get(b, "") if ok else "not rated"
                for b, ok in zip(scored["residual_level"], scored["residual_rated"], strict=True)
            ],
            "residual_rated": scored["residual_rated"],
            "accepted_by": scored["accepted_by"].fillna(""),
            "accepted_on": scored["accepted_on"],
            "acceptance": [acceptance(r, crit, as_of)[0] for r in scored.to_dict(orient="records")],
            "above_appetite": scored["above_appetite"],
        }
    )
    if plan.empty:
        return plan
    plan["_a"] = ~plan["above_appetite"]
    plan["_s"] = -plan["inherent_score"].fillna(0)
    return plan.sort_values(["_a", "_s", "risk_id"], kind="stable").drop(columns=["_a", "_s"]).reset_index(drop=True)


def matrix_counts(scored: pd.DataFrame, crit: Criteria, which: str = "inherent") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts of risks per likelihood x impact cell (rows from the highest likelihood down) and
    the hover text listing them."""
    lk_col, im_col = ("likelihood", "impact") if which == "inherent" else ("residual_likelihood", "residual_impact")
    rows = sorted(crit.likelihood.values, reverse=True)
    cols = crit.impact.values
    counts = pd.DataFrame(0, index=rows, columns=cols)
    hover = pd.DataFrame("", index=rows, columns=cols)
    for rid, title, lk, im in zip(scored["risk_id"], scored["title"], scored[lk_col], scored[im_col], strict=True):
        if _blank(lk) or _blank(im):
            continue
        counts.loc[int(lk), int(im)] += 1
        hover.loc[int(lk), int(im)] += f"{rid} {title}\n"
    return counts, hover


def by_dimension(scored: pd.DataFrame, column: str, crit: Criteria, which: str = "inherent") -> pd.DataFrame:
    """Risks per value of ``column`` (source, objective, system) and level: one row per value,
    one column per band id, plus ``total``."""
    level_col = f"{which}_level"
    ids = crit.band_ids
    if scored.empty:
        return pd.DataFrame(columns=[column, *ids, "total"])
    keys = scored[column].fillna("(organisation-wide)" if column == "system_id" else "(none)")
    table = pd.crosstab(keys, scored[level_col]).reindex(columns=ids, fill_value=0)
    table["total"] = table.sum(axis=1)
    table = table.sort_values("total", ascending=False, kind="stable")
    return table.reset_index().rename(columns={"index": column, "row_0": column})


def level_counts(scored: pd.DataFrame, crit: Criteria) -> pd.DataFrame:
    """Inherent and residual counts per band."""
    return pd.DataFrame(
        {
            "level": crit.band_ids,
            "label": [b.label for b in crit.bands],
            "inherent": [int((scored["inherent_level"] == b).sum()) for b in crit.band_ids],
            "residual": [int((scored["residual_level"] == b).sum()) for b in crit.band_ids],
        }
    )


def top_risks(scored: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The highest residual risks (score, then inherent score)."""
    cols = ["risk_id", "system_id", "title", "residual_score", "residual_level", "owner", "status"]
    if scored.empty:
        return pd.DataFrame(columns=cols)
    ranked = scored.sort_values(["residual_score", "inherent_score", "risk_id"], ascending=[False, False, True])
    return ranked[cols].head(n).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# the whole step


@dataclass
class RiskResult:
    """Everything the risk report shows, computed once."""

    organisation: str
    assessment_date: dt.date
    system_id: str | None
    system_name: str | None
    criteria: Criteria
    has_register: bool
    has_soa: bool
    register: pd.DataFrame
    plan: pd.DataFrame
    soa: pd.DataFrame
    soa_counts: dict[str, int]
    findings: pd.DataFrame
    levels: pd.DataFrame
    headline: dict[str, Any]
    summary: list[str] = field(default_factory=list)
    approval: Any = None

    def to_json(self) -> dict[str, Any]:
        register = self.register.drop(columns=["line"], errors="ignore")
        return {
            "step": "risk",
            "organisation": self.organisation,
            "assessment_date": self.assessment_date.isoformat(),
            "system_id": self.system_id,
            "headline": {k: jsonable(v) for k, v in self.headline.items()},
            "summary": self.summary,
            "criteria": self.criteria.model_dump(),
            "treatment_plan_approval": None if self.approval is None else jsonable(self.approval.model_dump()),
            "levels": records(self.levels),
            "findings": records(self.findings),
            "treatment_plan": records(self.plan),
            "soa": records(self.soa.drop(columns=["line"], errors="ignore")),
            "risks": records(register),
        }


ANNEX_A_CONTROLS = len(catalog.load("iso42001-annex-a"))


def headline(
    scored: pd.DataFrame, findings: pd.DataFrame, counts: dict[str, int], plan: pd.DataFrame
) -> dict[str, Any]:
    states = plan["acceptance"] if not plan.empty else pd.Series(dtype=object)
    return {
        "risks": len(scored),
        "above_appetite": int(scored["above_appetite"].sum()) if not scored.empty else 0,
        "residual_above_appetite": int(scored["residual_above_appetite"].sum()) if not scored.empty else 0,
        "accepted_residual": int((states == "accepted").sum()),
        "pending_acceptance": int((states == "pending").sum()),
        "unaccepted_residual": int((states == "flagged").sum()),
        "overdue": int(plan["overdue"].sum()) if not plan.empty else 0,
        "findings": len(findings),
        "high_findings": int((findings["severity"] == "high").sum()) if not findings.empty else 0,
        "soa_included": counts["annex_a_included"],
        "soa_excluded": counts["annex_a_excluded"],
        "soa_implemented": counts["implemented"],
        "soa_missing": ANNEX_A_CONTROLS - counts["annex_a_listed"],
    }


def summary_points(h: dict[str, Any], crit: Criteria, has_register: bool, has_soa: bool) -> list[str]:
    points = []
    appetite = crit.band(crit.appetite).label
    if not has_register:
        points.append("There is no risk register (risks.csv) in this engagement yet: clauses 6.1.2 and 8.2 need one.")
    else:
        points.append(
            f"{h['risks']} AI risks are registered; {h['above_appetite']} are above the risk appetite "
            f"('{appetite}') before treatment and {h['residual_above_appetite']} remain above it after treatment: "
            f"{h['accepted_residual']} validly accepted, {h['pending_acceptance']} still in treatment, "
            f"{h['unaccepted_residual']} without a valid acceptance."
        )
        if h["unaccepted_residual"]:
            points.append(
                f"{plural(h['unaccepted_residual'], 'residual risk')} above the appetite "
                f"{'needs' if h['unaccepted_residual'] == 1 else 'need'} a decision: not accepted, "
                "accepted without the authority or without a date, or not acceptable at all (treat further)."
            )
        if h["overdue"]:
            points.append(f"{plural(h['overdue'], 'treatment action')} {'is' if h['overdue'] == 1 else 'are'} overdue.")
    if not has_soa:
        points.append("There is no Statement of Applicability (soa.csv) yet: certification auditors ask for it first.")
    else:
        points.append(
            f"The organisation's SoA includes {h['soa_included']} of the {ANNEX_A_CONTROLS} Annex A controls and "
            "excludes "
            f"{h['soa_excluded']}; "
            f"{h['soa_implemented']} included controls are fully implemented"
            + (
                f"; {plural(h['soa_missing'], 'control')} {'is' if h['soa_missing'] == 1 else 'are'} missing from it."
                if h["soa_missing"]
                else "."
            )
        )
    if h["high_findings"]:
        points.append(
            f"{plural(h['findings'], 'consistency finding')}, {h['high_findings']} of them high severity: "
            "an auditor would "
            "likely raise these (see 'Consistency findings')."
        )
    elif h["findings"]:
        points.append(f"{plural(h['findings'], 'consistency finding')}, none of high severity.")
    else:
        points.append("No consistency findings: the register, the SoA and the gap assessment agree.")
    return points


def assess(eng: Engagement, system_id: str | None = None) -> RiskResult:
    """The risk assessment for the organisation, or for one AI system (its risks, and the SoA
    rows of the controls that treat them)."""
    data = eng.part(risk_part.PART)
    crit = data.criteria
    as_of = eng.meta.assessment_date
    reqs = gap_step.requirements()
    reqs = reqs[reqs["kind"] == "control"].reset_index(drop=True)  # the SoA needs the Annex A controls only
    system_name = None
    scored_all = score_register(data.risks, crit)
    if system_id is not None:
        system_name = eng.system(system_id)["name"]
        scored = scored_all[scored_all["system_id"] == system_id].reset_index(drop=True)
    else:
        scored = scored_all
    if system_id is not None:
        # a system's report shows the SoA rows of the controls its risks apply, and the SoA counts:
        # the gap status (organisation-wide and the system's) is needed for those controls only (the
        # counts do not use it; the findings of the other rows are not shown)
        reqs = reqs[reqs["id"].isin(set(control_usage(scored)))].reset_index(drop=True)
    # (no Annex A control applied: no row shown has a gap status)
    org_view = gap_step.requirement_view(reqs, eng.gap, eng.target_for) if not reqs.empty else pd.DataFrame()
    org_rows = eng.gap[eng.gap["system_id"].isna()]
    org_row_status = dict(zip(org_rows["requirement_id"], org_rows["status"], strict=True))
    system_view = (
        gap_step.requirement_view(reqs, eng.gap, eng.target_for, system_id=system_id)
        if system_id and not reqs.empty
        else None
    )
    soa = derive_soa(data.soa, scored_all, org_view, org_row_status, system_view)
    soa_found = soa_findings(soa, has_soa=data.has_soa)
    counts = soa_summary(soa)
    if system_id is not None:
        used = set(control_usage(scored))
        soa = soa[soa["control_id"].isin(used)].reset_index(drop=True)
        own = set(scored["risk_id"])
        soa["risks"] = [[r for r in rs if r in own] for rs in soa["risks"]]
        soa_found = soa_found[soa_found["subject"].isin(used)].reset_index(drop=True)
    soa = with_test_evidence(soa, security_step.control_evidence(eng, system_id))
    plan = treatment_plan(scored, crit, as_of)
    reliance = reliance_findings(scored, soa) if data.has_soa else _findings_frame([])
    findings = _findings_frame(
        approval_findings(scored, data.approval, as_of).to_dict(orient="records")
        + treatment_findings(scored, crit, as_of).to_dict(orient="records")
        + reliance.to_dict(orient="records")
        + soa_found.to_dict(orient="records")
    )
    head = headline(scored, findings, counts, plan)
    summary = summary_points(head, crit, data.has_register, data.has_soa)
    if system_id is not None:
        org_wide = int(scored_all["system_id"].isna().sum())
        head["organisation_wide_risks"] = org_wide
        if org_wide:
            summary.append(
                f"{plural(org_wide, 'organisation-wide risk')} also {'concerns' if org_wide == 1 else 'concern'} "
                "this system; they are in the organisation report."
            )
    return RiskResult(
        organisation=eng.organisation,
        assessment_date=as_of,
        system_id=system_id,
        system_name=system_name,
        criteria=crit,
        has_register=data.has_register,
        has_soa=data.has_soa,
        register=scored,
        plan=plan,
        soa=soa,
        soa_counts=counts,
        findings=findings,
        levels=level_counts(scored, crit),
        headline=head,
        summary=summary,
        approval=data.approval,
    )


def top_residual_risks(eng: Engagement, n: int = 10) -> pd.DataFrame:
    """The organisation's highest residual risks (for the management review): risk_id,
    system_id, title, residual_score, residual_level, owner, status. Empty without a register."""
    data = eng.part(risk_part.PART)
    return top_risks(score_register(data.risks, data.criteria), n)


STEP = Step(
    "risk",
    "AI risk assessment, treatment and Statement of Applicability",
    notebook="risk_assessment.ipynb",
    compute=__name__,
    pack_order=30,
    view="aimskit.steps.risk.view",
    parts=(risk_part.PART, security_part.PART),  # security: red-team runs as SoA evidence
    uses=(gap_step.STEP,),
    # a system's report shows the organisation's SoA: gap status over every system, control use by every risk
    sliced=False,
    headline=(
        Figure("risks", "Risks"),
        Figure("residual_above_appetite", "Residual above appetite"),
        Figure("unaccepted_residual", "Unaccepted"),
        Figure("overdue", "Overdue"),
        Figure("high_findings", "High findings"),
    ),
)
