"""The impact assessment report: blocks the ``impact_assessment`` notebook displays.

Every block works for both scopes: one AI system (``result.system_id``) or the portfolio
overview of all in-scope systems.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aimskit import catalog
from aimskit.base.vocab import LIFECYCLE_LABELS
from aimskit.engagement import Engagement, criteria
from aimskit.engagement.parts.impact import AREA_LABELS
from aimskit.present import blocks, charts, common, report
from aimskit.steps import impact
from aimskit.steps.impact import ImpactResult

TITLE = "AI system impact assessment and EU AI Act classification"
ATTRIBUTION = (
    "EU AI Act references and titles: Regulation (EU) 2024/1689, (c) European Union, https://eur-lex.europa.eu, "
    "reused under Commission Decision 2011/833/EU; only the Official Journal text is authentic. Screening "
    "questions and obligation summaries are aimskit's paraphrases, not legal advice."
)
DATE_STATUS = {
    "verified": "the date in the OJ text of Regulation (EU) 2024/1689",
    "as_amended": (
        "set by the Digital Omnibus on AI, adopted by the Council on 29 Jun 2026; taken from secondary sources, "
        "its publication in the Official Journal is unconfirmed at the catalog date"
    ),
    "unverified": "not settled by the sources aimskit has; the earlier, safer date is shown",
}
RULE_STATUS = {
    "verified": "rule in the OJ text of 2024",
    "as_amended": "rule added or reworded by the Digital Omnibus on AI (secondary sources)",
}


def _status(row: dict[str, Any]) -> str:
    """Whether an obligation is in force, upcoming or held back by Art. 111(2), in words."""
    applicability = row.get("applicability", "applies")
    if applicability == "legacy_exempt":
        return "not yet: only after a significant change (Art. 111(2))"
    if applicability == "legacy_public_authority":
        return "due by 2 Aug 2030 (Art. 111(2))"
    status = "in force" if row["in_force"] else "upcoming"
    if applicability == "legacy_unknown":
        status += " (unless a legacy system: answer art111.placed_before)"
    if applicability == "significant_change":
        status += " (significantly changed legacy system)"
    return status


def title(eng: Engagement, result: ImpactResult) -> blocks.Block:
    return common.title(
        eng, TITLE, result, "Portfolio overview: every AI system in the scope of the AIMS", step="impact"
    )


def headline(result: ImpactResult) -> blocks.Block:
    h = result.headline
    if result.system_id:
        c = result.classifications[result.system_id]
        first = (
            "EU AI Act tier",
            c.tier,
            c.tier_label,
            "bad" if c.tier in ("high", "prohibited") else "warn" if c.tier == "unknown" else "good",
        )
    else:
        first = (
            "High-risk systems",
            h["high_risk"],
            f"of {h['systems']}; {h['prohibited']} prohibited, {h['unscreened']} not screened",
            "bad" if h["high_risk"] or h["prohibited"] else "good",
        )
    fria = f"{h['fria_incomplete']} incomplete" if h["fria_required"] else "not required"
    return report.kpis(
        [
            first,
            (
                "Tier disagreements",
                h["disagreements"],
                "declared in the inventory vs screened",
                "warn" if h["disagreements"] else "good",
            ),
            ("Impacts", h["impacts"], f"{h['negative_impacts']} negative", ""),
            (
                "Severe impacts",
                h["severe_impacts"],
                f"{h['severe_unlinked']} not linked to a risk",
                "bad" if h["severe_unlinked"] else ("warn" if h["severe_impacts"] else "good"),
            ),
            ("Art. 27 FRIA", h["fria_required"], fria, "bad" if h["fria_incomplete"] else "good"),
            ("Consistency errors", h["errors"], "see the findings", "bad" if h["errors"] else "good"),
        ]
    )


def summary(result: ImpactResult) -> blocks.Block:
    return report.bullets(result.summary)


# ---------------------------------------------------------------------------------------------
# profile


_PROFILE_FIELDS = {
    "role": "Role (EU AI Act)",
    "intended_purpose": "Intended purpose",
    "foreseeable_misuse": "Reasonably foreseeable misuse",
    "affected_persons": "Affected persons and groups",
    "vulnerable_groups": "Vulnerable groups",
    "deployment_context": "Deployment context",
    "geography": "Geography",
    "automation": "Level of automation",
    "human_oversight": "Human oversight measures",
    "data_categories": "Data categories",
    "significant_decisions": "Outputs affect legal or similarly significant decisions",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(v).replace("_", " ") for v in value) if value else "none recorded"
    return (
        str(value).replace("_", " ")
        if value in ("decision_support", "human_in_the_loop", "human_on_the_loop", "fully_automated")
        else str(value)
    )


def profile(eng: Engagement, result: ImpactResult) -> blocks.Block:
    """The system profile (one system) or the inventory with the screened tiers (portfolio)."""
    if not result.system_id:
        return report.table(
            common.with_levels(result.overview, result.criteria, ["highest_residual"]),
            {
                "system_id": "ID",
                "name": "AI system",
                "declared_tier": ("Declared tier", "badge"),
                "tier": ("Screened tier", "badge"),
                "agrees": ("Agree", "bool"),
                "route": "Basis",
                "fria": "Art. 27 FRIA",
                "impacts": ("Impacts", "num"),
                "severe": ("Severe", "num"),
                "highest_residual": ("Highest residual level", "level"),
            },
            empty="No AI system is in scope.",
        )
    prof = result.profiles.get(result.system_id)
    inventory = eng.system(result.system_id)
    head = [
        ("Owner", inventory["owner"]),
        ("Purpose (inventory)", inventory["purpose"]),
        ("Life-cycle stage", LIFECYCLE_LABELS.get(inventory["lifecycle_stage"], str(inventory["lifecycle_stage"]))),
        ("EU AI Act tier declared in the inventory", inventory["eu_ai_act_tier"]),
    ]
    if prof is None:
        return blocks.group(
            report.definitions(head),
            report.note(
                f"No profile: systems/{result.system_id}.yaml is missing, so the EU AI Act screening is incomplete "
                "and the tier is unknown. Copy systems/_example.yaml (written by 'aimskit init') to "
                f"systems/{result.system_id}.yaml and answer every question.",
                callout=True,
            ),
        )
    items = head + [(label, _text(getattr(prof, key))) for key, label in _PROFILE_FIELDS.items()]
    return report.definitions(items)


# ---------------------------------------------------------------------------------------------
# classification


def classification(result: ImpactResult) -> blocks.Block:
    if not result.system_id:
        rows = []
        for sid, c in result.classifications.items():
            rows.append({"system_id": sid, "tier": c.tier, "conclusion": c.steps.iloc[-1]["consequence"]})
        return blocks.group(
            report.table(
                pd.DataFrame(rows),
                {"system_id": "AI system", "tier": ("Screened tier", "badge"), "conclusion": "Why"},
            ),
            report.note("Each system's report shows the full reasoning, question by question."),
        )
    c = result.classifications[result.system_id]
    callout = report.note(f"Result: {c.tier_label}. Basis: {c.steps.iloc[-1]['consequence']}.", callout=True)
    table = report.table(
        c.steps,
        {
            "step": ("#", "num"),
            "reference": "Article",
            "question": "Question",
            "answer": "Answer",
            "consequence": "Consequence",
        },
    )
    return blocks.group(callout, table)


def disagreements(result: ImpactResult) -> blocks.Block:
    df = result.findings[result.findings["rule"] == "tier_disagreement"]
    return report.table(
        df,
        {"system_id": "AI system", "message": "Finding"},
        empty="The tier declared in the inventory agrees with the screening.",
    )


# ---------------------------------------------------------------------------------------------
# obligations


def obligations(result: ImpactResult) -> blocks.Block:
    if result.system_id:
        df = result.obligations[result.system_id].copy()
        if df.empty:
            c = result.classifications[result.system_id]
            profile = result.profiles.get(result.system_id)
            roles = set(profile.role) if profile is not None else set()
            if c.tier == "unknown":
                return report.note("No obligations can be listed: the screening is incomplete.")
            if c.sectoral_only:
                return report.note(
                    "High-risk through Annex I Section B product legislation only: under Art. 2(2) only Art. 6(1), "
                    "Arts. 102-109 and Art. 112 of the AI Act apply; the high-risk requirements reach the system "
                    "through that legislation, so no obligation of the Act is listed."
                )
            if not roles & {"provider", "deployer"}:
                return report.note(
                    "aimskit lists the obligations of providers and deployers; the role recorded for this system ("
                    + ", ".join(sorted(roles))
                    + ") has obligations of its own (importers Art. 23, distributors Art. 24) that are not listed."
                )
            return report.note("No obligation of the Act follows from this classification for the recorded role(s).")
        df["status"] = [_status(r) for r in df.to_dict(orient="records")]
        df["rule"] = df["rule_status"].str.replace("_", " ")
        df["date_status"] = df["date_status"].str.replace("_", " ")
        c = result.classifications[result.system_id]
        held = int((df["applicability"] == "legacy_exempt").sum())
        lead = None
        if held:
            others = list(dict.fromkeys(df.loc[df["applicability"] != "legacy_exempt", "article"]))
            rest = f"; {', '.join(others)} apply now or on their own dates" if others else ""
            lead = report.note(
                f"Legacy system (Art. 111(2)): {held} of the {len(df)} obligations below are held back until the "
                f"system's design changes significantly{rest}. The dates shown for the held-back obligations are "
                "those that would govern them after such a change.",
                callout=True,
            )
        elif c.tier == "minimal":
            lead = report.note(
                "Minimal risk still carries the Art. 4 AI-literacy duty (its wording is reported to be changed by the "
                "Digital Omnibus on AI); codes of conduct are voluntary (Art. 95).",
                callout=True,
            )
        return blocks.group(
            lead,
            report.table(
                df,
                {
                    "article": "Article",
                    "title": "Title",
                    "role": "Role",
                    "summary": "What it asks (aimskit summary)",
                    "applies_from": ("Applies from", "date"),
                    "status": "Status",
                    "date_status": ("Date", "badge"),
                    "rule": ("Rule", "badge"),
                },
            ),
        )
    df = impact.portfolio_obligations(result.obligations)
    if not df.empty:
        df["status"] = [
            impact.APPLICABILITY[a] if a != "applies" else ("in force" if f else "upcoming")
            for a, f in zip(df["applicability"], df["in_force"], strict=True)
        ]
        df["rule"] = df["rule_status"].str.replace("_", " ")
        df["date_status"] = df["date_status"].str.replace("_", " ")
    return report.table(
        df,
        {
            "article": "Article",
            "title": "Title",
            "role": "Role",
            "systems": "AI systems",
            "applies_from": ("Applies from", "date"),
            "status": "Status",
            "date_status": ("Date", "badge"),
            "rule": ("Rule", "badge"),
        },
        empty="No obligations can be listed: no system has been screened.",
    )


def dates() -> blocks.Block:
    """The dates of application with their verification status (from the catalog)."""
    df = catalog.load("eu-ai-act-dates")
    return report.table(
        df,
        {
            "applies_from": ("Applies from", "date"),
            "status": ("Status", "badge"),
            "original_date": ("Original date (2024 text)", "date"),
            "basis": "What applies",
            "note": "Note",
        },
    )


def date_status_note(result: ImpactResult) -> blocks.Block:
    text = "Date status: " + "; ".join(f"{k.replace('_', ' ')} = {v}" for k, v in DATE_STATUS.items()) + "."
    text += " Rule status: " + "; ".join(f"{k.replace('_', ' ')} = {v}" for k, v in RULE_STATUS.items()) + "."
    out: list[blocks.Block] = [report.note(text)]
    notes = [impact.legacy_note(c) for c in result.classifications.values()]
    notes = [n for n in notes if n]
    if notes:
        out.append(report.note("High-risk systems already on the market (Art. 111(2)):", callout=True))
        out.append(report.bullets(notes))
    return blocks.group(*out)


def iso42005() -> blocks.Block:
    """How the inputs and sections of this assessment line up with ISO/IEC 42005:2025 (from the catalog)."""
    df = catalog.load("iso42005-map").copy()
    df["clause_status"] = df["clause_status"].map({"verified": "confirmed", "unverified": "to confirm"})
    return blocks.group(
        report.note(
            "Clause numbers and short titles of ISO/IEC 42005:2025 (AI system impact assessment); what each clause "
            "covers is summarised in aimskit's words, not the standard's. Numbers marked 'to confirm' were not "
            "found in a public table of contents."
        ),
        report.table(
            df,
            {
                "clause": "ISO/IEC 42005",
                "title": "Clause",
                "clause_status": ("Number", "badge"),
                "aimskit_input": "Where the engagement records it",
                "report_section": "Where this report shows it",
                "coverage": ("Coverage", "badge"),
                "note": "Note",
            },
        ),
    )


# ---------------------------------------------------------------------------------------------
# impacts


def impact_chart(result: ImpactResult) -> blocks.Block:
    counts = impact.area_party_counts(result.impacts)
    if counts.empty:
        return report.note("No negative impact is recorded.")
    return report.figure(charts.impact_bars(counts, "Negative impacts by area and affected party"))


def matrix(result: ImpactResult, residual: bool = False) -> blocks.Block:
    neg = result.impacts[result.impacts["direction"] == "negative"] if not result.impacts.empty else result.impacts
    if neg.empty:
        return report.note("No negative impact to place on the severity x likelihood map.")
    counts, ids = impact.matrix_counts(result.impacts, result.criteria, residual=residual)
    label = "after mitigation (residual)" if residual else "before mitigation (inherent)"
    return report.figure(
        charts.risk_matrix(result.criteria, f"Negative impacts {label}: number per cell", counts=counts, hover=ids)
    )


_IMPACT_COLUMNS: dict[str, str | tuple[str, str]] = {
    "impact_id": "ID",
    "system_id": "AI system",
    "party_label": "Party",
    "affected_group": "Affected group",
    "area_label": "Area",
    "description": "Impact",
    "severity": ("Sev.", "num"),
    "likelihood": ("Lik.", "num"),
    "inherent_level": ("Level", "level"),
    "mitigations": ("Mitigations", "list"),
    "residual_level": ("Residual", "level"),
    "scale_label": "Scale",
    "reversibility_label": "Reversibility",
    "risk_text": "Risks",
}


def impacts_table(result: ImpactResult, direction: str = "negative") -> blocks.Block:
    df = result.impacts[result.impacts["direction"] == direction] if not result.impacts.empty else result.impacts
    if direction == "positive":
        cols = {
            k: v
            for k, v in _IMPACT_COLUMNS.items()
            if k
            in (
                "impact_id",
                "system_id",
                "party_label",
                "affected_group",
                "area_label",
                "description",
                "severity",
                "likelihood",
            )
        }
        return report.table(df, cols, empty="No positive impact is recorded.")
    df = df.sort_values(["inherent_score", "impact_id"], ascending=[False, True]) if not df.empty else df
    cols = {k: v for k, v in _IMPACT_COLUMNS.items() if not (result.system_id and k == "system_id")}
    df = common.with_levels(df, result.criteria, ["inherent_level", "residual_level"])
    return report.table(df, cols, empty="No negative impact is recorded.")


def highest(result: ImpactResult) -> blocks.Block:
    df = common.with_levels(
        impact.highest_impacts(result.impacts), result.criteria, ["inherent_level", "residual_level"]
    )
    return report.table(
        df,
        {
            "impact_id": "ID",
            "system_id": "AI system",
            "affected_group": "Affected group",
            "area_label": "Area",
            "description": "Impact",
            "inherent_level": ("Before", "level"),
            "residual_level": ("After mitigation", "level"),
            "residual_score": ("Residual score", "num"),
        },
        empty="No negative impact is recorded.",
    )


def groups(result: ImpactResult) -> blocks.Block:
    return report.table(
        common.with_levels(impact.by_group(result.impacts), result.criteria, ["residual_level"]),
        {
            "group": "Affected group",
            "impacts": ("Negative impacts", "num"),
            "impact_id": "Highest",
            "system_id": "AI system",
            "area_label": "Area",
            "residual_level": ("Residual level", "level"),
            "description": "Impact",
        },
        empty="No negative impact is recorded.",
    )


# ---------------------------------------------------------------------------------------------
# FRIA


def fria(result: ImpactResult) -> blocks.Block:
    if not result.system_id:
        rows = []
        for sid, (required, why, elements) in result.fria.items():
            missing = elements.loc[~elements["present"], "reference"].tolist() if required else []
            rows.append(
                {
                    "system_id": sid,
                    "required": required,
                    "why": why,
                    "missing": ", ".join(missing) if missing else ("none" if required else ""),
                }
            )
        return report.table(
            pd.DataFrame(rows),
            {"system_id": "AI system", "required": ("Required", "bool"), "why": "Why", "missing": "Missing elements"},
            empty="No AI system is in scope.",
        )
    required, why, elements = result.fria[result.system_id]
    if not required:
        note = report.note(
            f"Art. 27 does not require a fundamental rights impact assessment here: {why}.", callout=True
        )
        if not elements["present"].any():
            return note
        df = elements.assign(state=["present" if p else "missing" for p in elements["present"]])
        return blocks.group(
            note,
            report.note("The profile holds a draft assessment, kept ready for when Art. 27 applies:"),
            report.table(
                df,
                {
                    "reference": "Element",
                    "label": "What it covers",
                    "state": ("State", "badge"),
                    "text": "What the assessment says",
                },
            ),
        )
    df = elements.assign(state=["present" if p else "missing" for p in elements["present"]])
    return blocks.group(
        report.note(
            f"Required: {why}. Perform it before first use and notify the market surveillance authority (Art. 27(3)).",
            callout=True,
        ),
        report.table(
            df,
            {
                "reference": "Element",
                "label": "What it covers",
                "state": ("State", "badge"),
                "text": "What the assessment says",
            },
        ),
    )


# ---------------------------------------------------------------------------------------------
# findings and method


def findings(result: ImpactResult) -> blocks.Block:
    return report.table(
        result.findings,
        {
            "severity": ("Severity", "badge"),
            "rule": "Rule",
            "system_id": "AI system",
            "impact_id": "Impact",
            "message": "Finding",
        },
        empty="No consistency finding: every rule is met.",
    )


def method(result: ImpactResult) -> blocks.Block:
    items = dict(impact.METHOD)
    items["Score"] = criteria.formula(result.criteria)
    items["Severe level"] = (
        f"{result.criteria.band(result.severe_level).label} ({result.severe_level}) or above, before mitigation "
        "(impact_criteria.severe_level)"
    )
    items["Impact areas"] = "; ".join(AREA_LABELS.values())
    items["Copyright"] = ATTRIBUTION
    return report.definitions(items)


def criteria_tables(result: ImpactResult) -> blocks.Block:
    tables = criteria.method_tables(result.criteria)
    parts: list[blocks.Block] = []
    for key, df in tables.items():
        if key.startswith("scale:"):
            parts.append(report.note(f"{key[6:]} scale"))
            parts.append(report.table(df, {"value": ("Value", "num"), "label": "Label", "description": "Meaning"}))
    parts.append(report.note("Levels (bands)"))
    parts.append(report.table(tables["bands"], {"id": ("Level", "badge"), "label": "Label", "scores": "Scores"}))
    return blocks.group(*parts)


def results(result: ImpactResult) -> dict[str, Any]:
    return result.to_json()
