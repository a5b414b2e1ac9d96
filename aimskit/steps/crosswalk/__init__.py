"""Crosswalk step: what the organisation's ISO/IEC 42001 assessment says in other frameworks' terms.

Three views, each computed from the gap assessment (the status of every ISO 42001 requirement)
through the crosswalk tables of :mod:`aimskit.catalog.crosswalk`; nothing is typed in:

* **NIST AI RMF profile**: each of the 72 subcategories is covered, partially covered, not
  covered, not assessed or not mapped, from the ISO 42001 requirements it is mapped to; counted by
  function and category; the NIST AI 600-1 actions for the organisation's generative systems.
* **EU AI Act**: for each obligation the impact step found for each AI system, the ISO 42001
  requirements whose evidence bears on it and their status, and the obligations ISO 42001 does not
  address at all. ISO 42001 is not a harmonised standard: it gives no presumption of conformity.
* **ISO/IEC 27001 reuse**: when engagement.yaml records an ISO 27001 certificate, which ISO 42001
  requirements can reuse the certified system's evidence and which are AI-specific work.

Every function is pure (DataFrames in, DataFrames out); the rules are in :data:`METHOD`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aimskit import catalog
from aimskit.base.ids import natural_key
from aimskit.base.vocab import STATUS_LABELS
from aimskit.engagement import Engagement
from aimskit.engagement.parts import certifications
from aimskit.steps import gap, impact
from aimskit.steps.base import Figure, Step
from aimskit.steps.common import jsonable, records

COVERAGE = ("covered", "partially_covered", "not_covered", "not_assessed", "not_mapped")
COVERAGE_LABELS = {
    "covered": "Covered",
    "partially_covered": "Partially covered",
    "not_covered": "Not covered",
    "not_assessed": "Not assessed",
    "not_mapped": "Not mapped",
}
SUPPORT = ("in_place", "partly_in_place", "missing", "not_assessed", "not_addressed")
SUPPORT_LABELS = {
    "in_place": "ISO 42001 evidence in place",
    "partly_in_place": "ISO 42001 evidence partly in place",
    "missing": "ISO 42001 evidence missing",
    "not_assessed": "Not yet assessed",
    "not_addressed": "Not addressed by ISO 42001",
}
REUSE = ("reuse", "extend", "ai_specific")
REUSE_LABELS = {
    "reuse": "Reuse the ISO 27001 process",
    "extend": "Extend ISO 27001 evidence to AI",
    "ai_specific": "AI-specific work",
}
GENERATIVE_TYPES = ("generative_ai", "agentic")
NO_PRESUMPTION = (
    "ISO/IEC 42001 is not a harmonised standard under the EU AI Act: certification against it gives no "
    "presumption of conformity with the Act. Where this report shows ISO 42001 evidence in place, that "
    "evidence supports the obligation; it does not show that the obligation is met."
)

METHOD: dict[str, str] = {
    "Status of an ISO 42001 requirement": (
        "As in the gap assessment: organisation-wide, the weakest assessment of the organisation and its "
        "in-scope AI systems; per AI system, the system's own row, else the organisation-wide row."
    ),
    "Coverage of a NIST AI RMF subcategory": (
        "From the ISO 42001 requirements mapped to it (C compliant, P partially compliant, N non-compliant, "
        "U not assessed; not applicable ones are left out): covered when C > 0 and P = N = U = 0; partially "
        "covered when C + P > 0 otherwise; not assessed when C = P = N = 0 and U > 0; not covered otherwise "
        "(only non-compliant or not applicable requirements); not mapped when no requirement is mapped."
    ),
    "Coverage share": "Share of a function's or category's subcategories in each coverage status, in percent.",
    "Generative-AI actions": (
        "The NIST AI 600-1 suggested actions of every subcategory, listed when the organisation has an "
        "in-scope AI system of type generative_ai or agentic; each with its subcategory's coverage."
    ),
    "ISO 42001 evidence for an EU AI Act obligation": (
        "The obligations are those the impact step derives per AI system from its EU AI Act screening and "
        "the organisation's role. An obligation rests on the ISO 42001 requirements mapped to its article; "
        "its evidence is in place, partly in place, missing or not assessed by the same rule as NIST "
        "coverage. An obligation of one paragraph (Art. 26(5)) rests on the rows citing that paragraph or "
        "the article as a whole. Not addressed: no ISO 42001 requirement is mapped to it."
    ),
    "ISO 27001 reuse": (
        "For each ISO 42001 requirement: reuse when it has an equivalent ISO 27001:2022 element (the same "
        "Harmonized Structure process, extended to AI); extend when it only intersects ISO 27001 elements; "
        "AI-specific when no ISO 27001 element is mapped. Shown only when engagement.yaml records a "
        "certificate; whether the certificate's scope covers the AI systems must be confirmed by reading it."
    ),
    "Crosswalk sources": (
        "ISO 42001 <-> NIST AI RMF: the published NIST AIRC crosswalk (built against the FDIS of ISO 42001), "
        "row for row, plus 5 aimskit-analysis rows for clauses it leaves unmapped. ISO 42001 <-> EU AI Act and "
        "<-> ISO 27001 Annex A: aimskit analysis (no published crosswalk exists); ISO 27001 clauses: the "
        "Harmonized Structure. Every mapping shown here is one hop; none is inferred through a third framework."
    ),
}


def _counts(statuses: list[str]) -> dict[str, int]:
    return {s: statuses.count(s) for s in ("compliant", "partially_compliant", "non_compliant", "not_assessed")}


def coverage_of(statuses: list[str]) -> str:
    """The coverage a set of ISO 42001 requirement statuses gives (see ``METHOD``)."""
    if not statuses:
        return "not_mapped"
    c = _counts(statuses)
    if c["compliant"] and not (c["partially_compliant"] or c["non_compliant"] or c["not_assessed"]):
        return "covered"
    if c["compliant"] + c["partially_compliant"]:
        return "partially_covered"
    if c["not_assessed"] and not c["non_compliant"]:
        return "not_assessed"
    return "not_covered"


_SUPPORT_OF = {
    "covered": "in_place",
    "partially_covered": "partly_in_place",
    "not_covered": "missing",
    "not_assessed": "not_assessed",
    "not_mapped": "not_addressed",
}


def _label(rid: str, status: str) -> str:
    return f"{rid} ({STATUS_LABELS.get(status, status).lower()})"


# ---------------------------------------------------------------------------------------------
# NIST AI RMF


def nist_profile(view: pd.DataFrame, xw: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per NIST AI RMF subcategory with its coverage and the ISO 42001 requirements it rests on."""
    xw = catalog.load("crosswalk-iso42001-nist-ai-rmf") if xw is None else xw
    xw = xw.drop_duplicates(["iso42001_id", "target_id"])
    status = dict(zip(view["id"], view["status"], strict=True))
    subs = catalog.load("nist-ai-rmf")
    rows = []
    for sub in subs.itertuples(index=False):
        part = xw[xw["target_id"] == sub.id]
        reqs = sorted(part["iso42001_id"], key=natural_key)
        kinds = dict(zip(part["iso42001_id"], part["source_kind"], strict=True))
        statuses = [status.get(r, "not_assessed") for r in reqs]
        applicable = [s for s in statuses if s != "not_applicable"]
        cov = coverage_of(applicable) if reqs else "not_mapped"
        if reqs and not applicable:
            cov = "not_covered"
        counts = _counts(statuses)
        rows.append(
            {
                "id": sub.id,
                "display_id": sub.display_id,
                "function_id": sub.function_id,
                "function": sub.function,
                "category_id": sub.category_id,
                "category_display_id": sub.category_display_id,
                "text": sub.text,
                "coverage": cov,
                "requirements": [_label(r, s) for r, s in zip(reqs, statuses, strict=True)],
                "requirement_ids": reqs,
                "mapped": len(reqs),
                **counts,
                "not_applicable": statuses.count("not_applicable"),
                "analysis_rows": sum(kinds[r] == "own_analysis" for r in reqs),
                "genai_actions": len(sub.genai_actions),
            }
        )
    return pd.DataFrame(rows)


def coverage_by(profile: pd.DataFrame, level: str) -> pd.DataFrame:
    """Coverage counts and shares per NIST function (``level="function"``) or category."""
    key = "function_id" if level == "function" else "category_id"
    titles = (
        catalog.load("nist-ai-rmf-functions").set_index("id")["display_id"]
        if level == "function"
        else catalog.load("nist-ai-rmf-categories").set_index("id")["display_id"]
    )
    texts = (
        catalog.load("nist-ai-rmf-functions").set_index("id")["text"]
        if level == "function"
        else catalog.load("nist-ai-rmf-categories").set_index("id")["text"]
    )
    rows = []
    for gid, group in profile.groupby(key, sort=False):
        total = len(group)
        counts = group["coverage"].value_counts()
        row: dict[str, Any] = {"group_id": titles[gid], "group_title": texts[gid], "total": total}
        for c in COVERAGE:
            row[c] = int(counts.get(c, 0))
        for c in COVERAGE:
            row[f"share_{c}"] = round(100.0 * row[c] / total, 1) if total else 0.0
        rows.append(row)
    return pd.DataFrame(rows)


def generative_systems(systems: pd.DataFrame, in_scope: list[str]) -> list[str]:
    """IDs of the in-scope AI systems of a generative type."""
    part = systems[systems["id"].isin(in_scope) & systems["type"].isin(GENERATIVE_TYPES)]
    return list(part["id"])


def genai_actions(profile: pd.DataFrame, systems: list[str]) -> pd.DataFrame:
    """The NIST AI 600-1 actions that apply (when there is a generative system), with their subcategory's coverage."""
    cols = ["id", "subcategory", "coverage", "suggested_action", "gai_risks", "systems"]
    if not systems:
        return pd.DataFrame(columns=cols)
    acts = catalog.load("nist-ai-600-1-actions")
    cov = profile.set_index("id")
    out = pd.DataFrame(
        {
            "id": acts["id"],
            "subcategory": acts["subcategory_id"].map(cov["display_id"]),
            "coverage": acts["subcategory_id"].map(cov["coverage"]),
            "suggested_action": acts["suggested_action"],
            "gai_risks": acts["gai_risks"],
            "systems": [list(systems)] * len(acts),
        }
    )
    return out[cols]


def genai_by_subcategory(actions: pd.DataFrame, profile: pd.DataFrame) -> pd.DataFrame:
    """Number of generative-AI actions per subcategory, with the subcategory's coverage (weakest first)."""
    if actions.empty:
        return pd.DataFrame(columns=["subcategory", "coverage", "actions", "gai_risks"])
    rows = []
    for sub, group in actions.groupby("subcategory", sort=False):
        risks = list(dict.fromkeys(r for rs in group["gai_risks"] for r in rs))
        rows.append(
            {"subcategory": sub, "coverage": group["coverage"].iloc[0], "actions": len(group), "gai_risks": risks}
        )
    df = pd.DataFrame(rows)
    rank = {"not_covered": 0, "not_assessed": 1, "partially_covered": 2, "covered": 3}
    df["_r"] = df["coverage"].map(lambda c: rank.get(c, 9))
    df["_k"] = df["subcategory"].map(natural_key)
    return df.sort_values(["_r", "_k"]).drop(columns=["_r", "_k"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# EU AI Act


def _base_article(article: str) -> str:
    """``Art. 49(1)`` -> ``Art. 49``; ``Art. 5 (Digital Omnibus)`` -> ``Art. 5``."""
    return article.split("(")[0].strip()


def _paragraph(article: str) -> str:
    """``Art. 26(5)`` -> ``26(5)``; empty for an article as a whole."""
    m = re.match(r"Art\. (\d+)(\(\d+\))", article.strip())
    return f"{m.group(1)}{m.group(2)}" if m else ""


def rows_for(xw: pd.DataFrame, article: str) -> pd.DataFrame:
    """The crosswalk rows an obligation rests on: the rows of its article, narrowed to those that
    cite its paragraph or no paragraph of the article at all (``Art. 26(5)`` keeps the 26(5) rows
    and the rows for Art. 26 as a whole, not the 26(2) rows)."""
    base = _base_article(article)
    part = xw[xw["target_id"] == base]
    para = _paragraph(article)
    if not para:
        return part
    number = base.split(" ")[1]
    keep = pd.Series([(para in d) or (f"{number}(" not in d) for d in part["target_detail"]], index=part.index)
    return part[keep.astype(bool)]


def eu_obligations(
    obligations: dict[str, pd.DataFrame], views: dict[str, pd.DataFrame], xw: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per AI system and obligation: the ISO 42001 requirements mapped to its article, their
    statuses (in that system's view) and what that evidence amounts to."""
    xw = catalog.load("crosswalk-iso42001-eu-ai-act") if xw is None else xw
    cols = [
        "system_id",
        "article",
        "title",
        "role",
        "applies_from",
        "in_force",
        "date_status",
        "support",
        "requirements",
        "requirement_ids",
        "details",
    ]
    rows = []
    for sid, obs in obligations.items():
        status = dict(zip(views[sid]["id"], views[sid]["status"], strict=True))
        for ob in obs.to_dict(orient="records"):
            part = rows_for(xw, ob["article"])
            reqs = sorted(dict.fromkeys(part["iso42001_id"]), key=natural_key)
            statuses = [status.get(r, "not_assessed") for r in reqs]
            applicable = [s for s in statuses if s != "not_applicable"]
            cov = coverage_of(applicable) if reqs else "not_mapped"
            if reqs and not applicable:
                cov = "not_covered"
            details = sorted({d for d in part["target_detail"] if d})
            rows.append(
                {
                    "system_id": sid,
                    "article": ob["article"],
                    "title": ob["title"],
                    "role": ob["role"],
                    "applies_from": ob["applies_from"],
                    "in_force": bool(ob["in_force"]),
                    "date_status": ob["date_status"],
                    "support": _SUPPORT_OF[cov],
                    "requirements": [_label(r, s) for r, s in zip(reqs, statuses, strict=True)],
                    "requirement_ids": reqs,
                    "details": details,
                }
            )
    return pd.DataFrame(rows, columns=cols)


def support_by_system(eu: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Number of obligations per AI system in each support status."""
    rows = []
    for sid, group in eu.groupby("system_id", sort=False):
        counts = group["support"].value_counts()
        row: dict[str, Any] = {"group_id": sid, "group_title": names.get(sid, sid), "total": len(group)}
        for s in SUPPORT:
            row[s] = int(counts.get(s, 0))
        rows.append(row)
    return pd.DataFrame(rows, columns=["group_id", "group_title", "total", *SUPPORT])


def not_addressed(eu: pd.DataFrame) -> pd.DataFrame:
    """The obligations ISO 42001 does not address, with the systems they apply to."""
    part = eu[eu["support"] == "not_addressed"]
    if part.empty:
        return pd.DataFrame(columns=["article", "title", "role", "systems", "applies_from"])
    out = (
        part.groupby(["article", "title", "role", "applies_from"], sort=False)["system_id"]
        .agg(lambda s: list(dict.fromkeys(s)))
        .reset_index()
        .rename(columns={"system_id": "systems"})
    )
    out["_k"] = out["article"].map(natural_key)
    return out.sort_values("_k").drop(columns="_k").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# ISO 27001 reuse


def iso27001_reuse(view: pd.DataFrame, xw: pd.DataFrame | None = None) -> pd.DataFrame:
    """For every ISO 42001 requirement: can ISO 27001 evidence be reused, extended, or is it AI-specific?"""
    xw = catalog.load("crosswalk-iso42001-iso27001") if xw is None else xw
    titles = catalog.load("iso27001-2022").set_index("id")["title"]
    rows = []
    for req in view.itertuples(index=False):
        part = xw[xw["iso42001_id"] == req.id]
        if part.empty:
            reuse = "ai_specific"
        elif (part["relationship"] == "equivalent").any():
            reuse = "reuse"
        else:
            reuse = "extend"
        refs = [f"{t} {titles[t]}" for t in sorted(part["target_id"], key=natural_key)]
        rows.append(
            {
                "id": req.id,
                "title": req.title,
                "kind": req.kind,
                "status": req.status,
                "reuse": reuse,
                "iso27001": refs,
                "iso27001_ids": sorted(part["target_id"], key=natural_key),
                "basis": "; ".join(dict.fromkeys(part["rationale"])),
                "source_kind": "; ".join(sorted(set(part["source_kind"]))),
            }
        )
    return pd.DataFrame(rows)


def reuse_counts(reuse: pd.DataFrame) -> pd.DataFrame:
    """Requirements per reuse class, split into clauses and Annex A controls."""
    rows = []
    for r in REUSE:
        part = reuse[reuse["reuse"] == r]
        rows.append(
            {
                "reuse": r,
                "label": REUSE_LABELS[r],
                "clauses": int((part["kind"] == "clause").sum()),
                "controls": int((part["kind"] == "control").sum()),
                "total": len(part),
                "open": int((~part["status"].isin(["compliant", "not_applicable"])).sum()),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# the step


@dataclass
class CrosswalkResult:
    organisation: str
    assessment_date: dt.date
    system_id: str | None
    system_name: str | None
    nist: pd.DataFrame
    nist_by_function: pd.DataFrame
    nist_by_category: pd.DataFrame
    generative: list[str]
    genai: pd.DataFrame
    genai_summary: pd.DataFrame
    eu: pd.DataFrame
    eu_by_system: pd.DataFrame
    eu_not_addressed: pd.DataFrame
    certificate: Any
    certificate_valid: bool | None
    reuse: pd.DataFrame
    reuse_summary: pd.DataFrame
    headline: dict[str, Any]
    summary: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        cert = self.certificate
        return {
            "step": "crosswalk",
            "organisation": self.organisation,
            "assessment_date": self.assessment_date.isoformat(),
            "system_id": self.system_id,
            "headline": {k: jsonable(v) for k, v in self.headline.items()},
            "summary": self.summary,
            "nist_ai_rmf": records(self.nist),
            "nist_by_function": records(self.nist_by_function),
            "nist_by_category": records(self.nist_by_category),
            "generative_systems": self.generative,
            "genai_actions": records(self.genai),
            "eu_ai_act": records(self.eu),
            "eu_not_addressed": records(self.eu_not_addressed),
            "iso27001_certificate": cert.model_dump(mode="json") if cert is not None else None,
            "iso27001_reuse": records(self.reuse),
        }


def headline(
    nist: pd.DataFrame, eu: pd.DataFrame, reuse: pd.DataFrame, generative: list[str], genai: pd.DataFrame
) -> dict[str, Any]:
    cov = nist["coverage"].value_counts()
    sup = eu["support"].value_counts() if not eu.empty else pd.Series(dtype=int)
    rc = reuse["reuse"].value_counts() if not reuse.empty else pd.Series(dtype=int)
    covered, partial = int(cov.get("covered", 0)), int(cov.get("partially_covered", 0))
    return {
        "subcategories": len(nist),
        **{f"nist_{c}": int(cov.get(c, 0)) for c in COVERAGE},
        "nist_coverage": round(100.0 * (covered + 0.5 * partial) / len(nist), 1) if len(nist) else math.nan,
        "obligations": len(eu),
        "obligations_in_force": int(eu["in_force"].sum()) if not eu.empty else 0,
        **{f"eu_{s}": int(sup.get(s, 0)) for s in SUPPORT},
        "generative_systems": len(generative),
        "genai_actions": len(genai),
        "genai_actions_open": int((genai["coverage"] != "covered").sum()) if not genai.empty else 0,
        "iso27001": not reuse.empty,
        **{f"reuse_{r}": int(rc.get(r, 0)) for r in REUSE},
    }


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def summary_points(h: dict[str, Any], by_function: pd.DataFrame, cert: Any, system_id: str | None) -> list[str]:
    scope = "this AI system" if system_id else "the organisation"
    points = [
        f"NIST AI RMF: {h['nist_covered']} of {h['subcategories']} subcategories are covered by compliant ISO 42001 "
        f"requirements, {h['nist_partially_covered']} partially, {h['nist_not_covered']} not covered and "
        f"{_n(h['nist_not_assessed'], 'rests', 'rest')} only on requirements not yet assessed."
    ]
    if not by_function.empty:
        scored = by_function.assign(_s=by_function["share_covered"] + 0.5 * by_function["share_partially_covered"])
        low = scored.sort_values("_s", kind="stable").iloc[0]
        points.append(
            f"Weakest NIST function for {scope}: {low['group_id']} ({low['covered']} of {low['total']} "
            "subcategories covered)."
        )
    if h["generative_systems"]:
        points.append(
            f"{_n(h['generative_systems'], 'generative AI system')} in scope: {h['genai_actions']} NIST AI 600-1 "
            f"actions apply, {h['genai_actions_open']} of them under subcategories not yet fully covered."
        )
    if h["obligations"]:
        points.append(
            f"EU AI Act: {_n(h['obligations'], 'obligation')} found by the impact step; ISO 42001 evidence is in "
            f"place for {h['eu_in_place']}, partly for {h['eu_partly_in_place']}, missing for {h['eu_missing']}; "
            f"{h['eu_not_addressed']} are not addressed by ISO 42001 at all and need their own work."
        )
    else:
        points.append("EU AI Act: the impact step found no obligation for the systems in this report.")
    points.append(
        "ISO 42001 certification gives no presumption of conformity with the EU AI Act "
        "(it is not a harmonised standard)."
    )
    if cert is not None:
        points.append(
            f"ISO/IEC 27001:{cert.edition} certificate held (issued {cert.issued_on}): {h['reuse_reuse']} ISO 42001 "
            f"requirements can reuse its processes, {h['reuse_extend']} can extend its evidence to AI, and "
            f"{h['reuse_ai_specific']} are AI-specific work."
        )
    return points


def assess(eng: Engagement, system_id: str | None = None) -> CrosswalkResult:
    """The three crosswalk views for the organisation, or for one in-scope AI system."""
    reqs = gap.requirements()
    in_scope = eng.in_scope_ids
    if system_id is not None and system_id not in in_scope:
        raise ValueError(f"system '{system_id}' is not an in-scope AI system")
    view = gap.requirement_view(reqs, eng.gap, eng.target_for, system_id=system_id)
    nist = nist_profile(view)
    scope = [system_id] if system_id else in_scope
    generative = generative_systems(eng.systems, scope)
    genai = genai_actions(nist, generative)
    imp = impact.assess(eng, system_id)
    views = {sid: gap.requirement_view(reqs, eng.gap, eng.target_for, system_id=sid) for sid in scope}
    eu = eu_obligations(imp.obligations, views)
    cert = eng.part(certifications.PART).iso27001
    reuse = iso27001_reuse(view) if cert is not None else pd.DataFrame(columns=["id", "reuse", "kind", "status"])
    by_function = coverage_by(nist, "function")
    head = headline(nist, eu, reuse, generative, genai)
    return CrosswalkResult(
        organisation=eng.organisation,
        assessment_date=eng.meta.assessment_date,
        system_id=system_id,
        system_name=eng.system(system_id)["name"] if system_id else None,
        nist=nist,
        nist_by_function=by_function,
        nist_by_category=coverage_by(nist, "category"),
        generative=generative,
        genai=genai,
        genai_summary=genai_by_subcategory(genai, nist),
        eu=eu,
        eu_by_system=support_by_system(eu, eng.system_names),
        eu_not_addressed=not_addressed(eu),
        certificate=cert,
        certificate_valid=cert.valid_on(eng.meta.assessment_date) if cert is not None else None,
        reuse=reuse,
        reuse_summary=reuse_counts(reuse) if cert is not None else pd.DataFrame(),
        headline=head,
        summary=summary_points(head, by_function, cert, system_id),
    )


STEP = Step(
    "crosswalk",
    "ISO 42001 in other frameworks' terms: NIST AI RMF profile, EU AI Act evidence, ISO 27001 reuse",
    notebook="crosswalk.ipynb",
    compute=__name__,
    pack_order=80,
    view="aimskit.steps.crosswalk.view",
    parts=(certifications.PART,),
    uses=(gap.STEP, impact.STEP),
    headline=(
        Figure("nist_covered", "NIST subcategories covered"),
        Figure("nist_partially_covered", "NIST partially covered"),
        Figure("obligations", "AI Act obligations"),
        Figure("eu_not_addressed", "Not addressed by ISO 42001"),
        Figure("reuse_ai_specific", "AI-specific (no ISO 27001 reuse)"),
    ),
)
