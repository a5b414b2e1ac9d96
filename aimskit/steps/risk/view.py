"""The risk assessment report: blocks the ``risk_assessment`` notebook displays, and the
handover files (SoA and treatment plan as CSV) written beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from aimskit import catalog
from aimskit.base.fileio import atomic_write_text
from aimskit.base.spreadsheet import safe_frame
from aimskit.engagement import Engagement, criteria
from aimskit.engagement.parts.risk import IMPLEMENTATION_LABELS, JUSTIFICATION_LABELS, TREATMENT_LABELS
from aimskit.present import blocks, charts, common, report
from aimskit.steps import risk, scope_name
from aimskit.steps.risk import RiskResult

TITLE = "AI risk assessment, treatment and Statement of Applicability"


def title(eng: Engagement, result: RiskResult) -> blocks.Block:
    return common.title(
        eng,
        TITLE,
        result,
        "Organisation-wide: risk register, treatment plan and Statement of Applicability",
        step="risk",
    )


def headline(result: RiskResult) -> blocks.Block:
    h = result.headline
    appetite = result.criteria.band(result.criteria.appetite).label
    cards = [
        ("AI risks", h["risks"], f"{h['above_appetite']} above appetite before treatment", ""),
        (
            "Residual above appetite",
            h["residual_above_appetite"],
            f"appetite '{appetite}': {h['accepted_residual']} accepted, {h['pending_acceptance']} in treatment, "
            f"{h['unaccepted_residual']} without valid acceptance",
            "bad" if h["unaccepted_residual"] else ("warn" if h["residual_above_appetite"] else "good"),
        ),
        ("Overdue treatments", h["overdue"], "due before the assessment date", "bad" if h["overdue"] else "good"),
    ]
    if result.system_id is None:
        cards.append(
            (
                "SoA: Annex A included",
                f"{h['soa_included']}/{risk.ANNEX_A_CONTROLS}",
                f"{h['soa_excluded']} excluded, {h['soa_missing']} missing; {h['soa_implemented']} implemented",
                "bad" if h["soa_missing"] else "",
            )
        )
    cards.append(
        (
            "Consistency findings",
            h["findings"],
            f"{h['high_findings']} of high severity",
            "bad" if h["high_findings"] else ("warn" if h["findings"] else "good"),
        )
    )
    return report.kpis(cards)


def summary(result: RiskResult) -> blocks.Block:
    return report.bullets(result.summary)


# ---------------------------------------------------------------------------------------------
# criteria


def criteria_matrix(result: RiskResult) -> blocks.Block:
    c = result.criteria
    return report.figure(charts.risk_matrix(c, f"Risk matrix: {criteria.formula(c)}, coloured by level"))


def criteria_tables(result: RiskResult) -> blocks.Block:
    c = result.criteria
    parts: list[blocks.Block] = []
    for axis in (c.likelihood, c.impact):
        df = pd.DataFrame([lv.model_dump() for lv in axis.levels])
        parts.append(report.heading(4, f"{axis.name} scale"))
        parts.append(report.table(df, {"value": ("Value", "num"), "label": "Label", "description": "Meaning"}))
    bands = criteria.method_tables(c)["bands"]
    bands["level"] = [(b.label, b.colour) for b in c.bands]
    parts.append(report.heading(4, "Levels, appetite and acceptance"))
    parts.append(
        report.table(
            bands,
            {
                "level": ("Level", "level"),
                "scores": ("Scores", "num"),
                "within_appetite": "Within appetite",
                "may_accept": "Who may accept a residual risk at this level",
            },
        )
    )
    return blocks.group(*parts)


# ---------------------------------------------------------------------------------------------
# register views


def _level(c: criteria.Criteria, band_id: Any) -> tuple[str, str] | None:
    if band_id is None or (isinstance(band_id, float) and pd.isna(band_id)):
        return None
    b = c.band(band_id)
    return (b.label, b.colour)


def heatmap(result: RiskResult, which: str) -> blocks.Block:
    counts, hover = risk.matrix_counts(result.register, result.criteria, which)
    label = "Inherent risk (before treatment)" if which == "inherent" else "Residual risk (after treatment)"
    return report.figure(
        charts.risk_matrix(result.criteria, f"{label}: number of risks per cell", counts=counts, hover=hover)
    )


def levels_chart(result: RiskResult) -> blocks.Block:
    return report.figure(
        charts.before_after(result.levels, result.criteria, "Risks per level, before and after treatment")
    )


def _annex_c_names() -> dict[str, str]:
    annex_c = catalog.load("iso42001-annex-c")
    return {**dict(zip(annex_c["id"], annex_c["name"], strict=True)), "other": "Other"}


def dimension_chart(eng: Engagement, result: RiskResult, column: str) -> blocks.Block:
    table = risk.by_dimension(result.register, column, result.criteria)
    names = {
        "risk_source": ("Inherent risks by risk source (ISO/IEC 42001 Annex C)", _annex_c_names()),
        "objective": ("Inherent risks by the objective they threaten (Annex C)", _annex_c_names()),
        "system_id": ("Inherent risks by AI system", eng.system_names),
    }
    chart_title, labels = names[column]
    return report.figure(charts.level_bars(table, column, result.criteria, chart_title, labels))


def register_table(result: RiskResult) -> blocks.Block:
    c = result.criteria
    df = result.register.copy()
    if df.empty:
        return report.note("No risks are registered for this scope.")
    df["inherent"] = [_level(c, b) for b in df["inherent_level"]]
    df["residual"] = [_level(c, b) for b in df["residual_level"]]
    df["rating"] = [
        f"{lk} x {im} = {s}" for lk, im, s in zip(df["likelihood"], df["impact"], df["inherent_score"], strict=True)
    ]
    df["residual_rating"] = [
        (f"{lk} x {im} = {s}" if rated else "not rated")
        for lk, im, s, rated in zip(
            df["residual_likelihood"], df["residual_impact"], df["residual_score"], df["residual_rated"], strict=True
        )
    ]
    names = _annex_c_names()
    df["source"] = [names.get(v, v) for v in df["risk_source"]]
    df["threatens"] = [names.get(v, v) for v in df["objective"]]
    df["system"] = df["system_id"].fillna("organisation")
    df["treatment_label"] = [TREATMENT_LABELS.get(t, "") if t else "" for t in df["treatment"]]
    if c.method != "product":
        df["rating"] = df["inherent_score"]
    return report.table(
        df,
        {
            "risk_id": ("ID", "nowrap"),
            "system": "System",
            "title": "Risk",
            "source": "Risk source",
            "threatens": "Objective",
            "rating": ("L x I", "num"),
            "inherent": ("Inherent", "level"),
            "treatment_label": "Treatment",
            "residual_rating": ("Residual L x I", "num"),
            "residual": ("Residual", "level"),
            "status": ("Status", "badge"),
        },
    )


def consequences_table(result: RiskResult) -> blocks.Block:
    df = result.register
    return report.table(
        df,
        {
            "risk_id": ("ID", "nowrap"),
            "description": "Description",
            "consequence_organisation": "For the organisation",
            "consequence_individuals": "For individuals and groups",
            "consequence_society": "For society",
        },
        empty="No risks are registered for this scope.",
    )


def plan_approval(result: RiskResult) -> blocks.Block:
    a = result.approval
    if a is None:
        return report.note(
            "No approval of the treatment plan is recorded (risk_treatment_plan in engagement.yaml).", callout=True
        )
    ref = f" ({a.reference})" if a.reference else ""
    return report.note(f"Treatment plan approved by {a.approved_by} on {a.approved_on.isoformat()}{ref}.")


def plan_table(result: RiskResult) -> blocks.Block:
    c = result.criteria
    df = result.plan.copy()
    if df.empty:
        return report.note("No risks, so no treatment plan.")
    df["inherent"] = [_level(c, b) for b in df["inherent_level_id"]]
    df["residual"] = [_level(c, b) or ("not rated", "#9E9E9E") for b in df["residual_level_id"]]
    df["acceptance"] = [
        f"{who} ({on.isoformat()})" if who and on is not None else who
        for who, on in zip(df["accepted_by"], df["accepted_on"], strict=True)
    ]
    df["controls_list"] = [s.split("; ") if s else [] for s in df["controls"]]
    return report.table(
        df,
        {
            "risk_id": ("ID", "nowrap"),
            "title": "Risk",
            "inherent": ("Inherent", "level"),
            "treatment": "Treatment",
            "controls_list": ("Controls", "list"),
            "actions": "Actions",
            "owner": "Owner",
            "due_date": ("Due", "date"),
            "overdue": ("Overdue", "overdue"),
            "status": ("Status", "badge"),
            "residual": ("Residual", "level"),
            "acceptance": "Residual accepted by",
        },
    )


# ---------------------------------------------------------------------------------------------
# SoA


def soa_table(result: RiskResult) -> blocks.Block:
    df = result.soa.copy()
    if df.empty:
        return report.note("No controls to show for this scope.")
    df["applicable_text"] = [
        "missing" if not present else ("yes" if app else "no")
        for present, app in zip(df["in_soa"], df["applicable"], strict=True)
    ]
    df["why"] = [
        [JUSTIFICATION_LABELS.get(j, j) + (" (derived)" if j == "risk_treatment" and d else "") for j in js]
        for js, d in zip(df["justification"], df["justification_derived"], strict=True)
    ]
    df["impl"] = [IMPLEMENTATION_LABELS.get(i, "") if i else "" for i in df["implementation"]]
    df["impl_key"] = df["implementation"].fillna("")
    df["control"] = [f"{cid} {t}" for cid, t in zip(df["control_id"], df["title"], strict=True)]
    df["gap_status"] = df["gap_status"].fillna("")
    df["gap_system_status"] = df["gap_system_status"].fillna("")
    df["evidence_all"] = [risk.soa_evidence(row) for row in df.to_dict(orient="records")]
    system_column = {"gap_system_status": ("This system", "badge")} if result.system_id else {}
    return report.table(
        df,
        {
            "control": "Control",
            "applicable_text": ("Included", "badge"),
            "why": ("Justification", "list"),
            "risks": ("Risks treated", "list"),
            "justification_text": "Justification or reason for exclusion",
            "impl_key": ("Implementation", "badge"),
            "owner": "Owner",
            "evidence_all": ("Evidence", "list"),
            "gap_status": ("Gap assessment", "badge"),
            **system_column,
        },
    )


def soa_counts(result: RiskResult) -> blocks.Block:
    c = result.soa_counts
    return report.kpis(
        [
            (
                "Annex A controls listed",
                f"{c['annex_a_listed']}/{risk.ANNEX_A_CONTROLS}",
                "every control must appear",
                "",
            ),
            ("Included", c["annex_a_included"], f"{c['annex_a_excluded']} excluded", ""),
            ("Implemented", c["implemented"], f"{c['partially_implemented']} partially", "good"),
            ("Planned or not implemented", c["planned"] + c["not_implemented"], "of the included controls", "warn"),
            ("Own controls", c["own_controls"], "added by the organisation", ""),
        ]
    )


# ---------------------------------------------------------------------------------------------
# findings, method, files


def findings_table(result: RiskResult) -> blocks.Block:
    return report.table(
        result.findings,
        {
            "severity": ("Severity", "badge"),
            "rule": ("Rule", "nowrap"),
            "title": "Finding",
            "subject": ("Risk or control", "nowrap"),
            "message": "Detail",
        },
        empty="No consistency findings: the register, the SoA and the gap assessment agree.",
    )


def method(result: RiskResult) -> blocks.Block:
    c = result.criteria
    items = {
        "Score": f"{criteria.formula(c)}; the level is the band the score falls in (see the criteria above).",
        "Appetite": f"'{c.band(c.appetite).label}': a residual risk up to this level is retained by its owner "
        "without a recorded acceptance; above it, it must be accepted by someone the acceptance criteria "
        "name for its level, or treated further.",
        "Acceptance authority": "the role in accepted_by (the text before any parenthesis) must be one of the "
        "names the criteria give for the residual level or a higher level (escalation), ignoring case: 'Chief Risk "
        "Officer (M. Adeyemi)' matches 'Chief Risk Officer'; 'Deputy to the Chief Risk Officer' does not. An "
        "acceptance needs a date (accepted_on) no later than the assessment date.",
        "When acceptance is due": "once the risk is retained, or its status is treated, accepted or closed; while it "
        "is open or in treatment with another option, a residual above the appetite counts as 'in treatment'.",
        "Residual rating": "A risk without a residual likelihood and impact is counted at its inherent rating: "
        "an unrated treatment is not assumed to have worked.",
        "Overdue": f"due date before the assessment date ({result.assessment_date.isoformat()}) while the risk "
        "is open or in treatment.",
        "Treatment options": "; ".join(f"{k}: {v}" for k, v in TREATMENT_LABELS.items())
        + " (mitigate, transfer and accept are read as modify, share and retain).",
        "Derived SoA": "The SoA lists all 38 Annex A controls in catalog order, then the organisation's own "
        "controls. The risks whose treatment applies a control are listed from the register, and 'risk "
        "treatment' is added to its justification (marked 'derived') when it was missing. The gap status is "
        "the organisation-wide status from the gap assessment (the weakest of the organisation and per-system "
        "rows); applicability is compared with the organisation-wide gap row only. A per-system report adds "
        "the system's own gap status.",
        "Copyright": "ISO/IEC 42001 is (c) ISO/IEC. This report shows control identifiers and short titles only.",
    }
    rules = pd.DataFrame([{"rule": k, "severity": v[0], "title": v[1], "check": v[2]} for k, v in risk.RULES.items()])
    return blocks.group(
        report.definitions(items),
        report.heading(4, "Consistency rules"),
        report.table(
            rules,
            {"rule": "Rule", "severity": ("Severity", "badge"), "title": "Finding", "check": "What is checked"},
        ),
    )


HANDOVER = {"soa_csv": "soa.csv", "treatment_plan_csv": "treatment-plan.csv"}


def handover(result: RiskResult, output_dir: str | Path | None) -> dict[str, str]:
    """Write the SoA and the treatment plan as CSV files beside the report (atomically), every text cell
    spreadsheet-safe (:mod:`aimskit.base.spreadsheet`).

    Returns ``{kind: file name}`` (empty without ``output_dir``); the names start with the
    report's scope (``organisation-soa.csv``, ``system-<id>-treatment-plan.csv``)."""
    if not output_dir:
        return {}
    stem = scope_name("system", result.system_id)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    plan = result.plan.drop(columns=["above_appetite", "inherent_level_id", "residual_level_id"], errors="ignore")
    frames = {"soa_csv": risk.soa_export(result.soa), "treatment_plan_csv": plan}
    names = {}
    for kind, suffix in HANDOVER.items():
        name = f"{stem}-{suffix}"
        atomic_write_text(out / name, safe_frame(frames[kind]).to_csv(index=False, lineterminator="\n"))
        names[kind] = name
    return names


def files_block(files: dict[str, str]) -> blocks.Block:
    if not files:
        return report.note("Run with an output folder to write the SoA and the treatment plan as CSV files.")
    labels = {"soa_csv": "Statement of Applicability (CSV)", "treatment_plan_csv": "Risk treatment plan (CSV)"}
    return report.paragraph(*(report.file_link(labels.get(kind, kind), name) for kind, name in files.items()))


def results(result: RiskResult, files: dict[str, str] | None = None) -> dict[str, Any]:
    return {**result.to_json(), "attachments": files or {}}
