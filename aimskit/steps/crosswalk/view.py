"""The crosswalk report: blocks the ``crosswalk`` notebook displays."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from aimskit import catalog
from aimskit.base.vocab import STATUS_LABELS
from aimskit.engagement import Engagement
from aimskit.present import blocks, charts, common, report
from aimskit.steps import crosswalk as xw
from aimskit.steps.crosswalk import CrosswalkResult

TITLE = "ISO/IEC 42001 in other frameworks' terms: NIST AI RMF, EU AI Act, ISO/IEC 27001"

COVERAGE_COLOURS = {
    "covered": "#2E7D32",
    "partially_covered": "#F2A900",
    "not_covered": "#C62828",
    "not_assessed": "#78909C",
    "not_mapped": "#9E9E9E",
}
SUPPORT_COLOURS = {
    "in_place": "#2E7D32",
    "partly_in_place": "#F2A900",
    "missing": "#C62828",
    "not_assessed": "#78909C",
    "not_addressed": "#6A1B9A",
}
REUSE_COLOURS = {"reuse": "#2E7D32", "extend": "#5B9BD5", "ai_specific": "#F2A900"}


def _badges(df: pd.DataFrame, column: str, labels: dict[str, str], colours: dict[str, str]) -> pd.DataFrame:
    """A copy whose ``column`` holds (label, colour) for the table kind "level"."""
    out = df.copy()
    if not out.empty:
        out[column] = [(labels.get(v, str(v)), colours.get(v, "#5b6b7f")) for v in out[column]]
    return out


def title(eng: Engagement, result: CrosswalkResult) -> blocks.Block:
    return common.title(eng, TITLE, result, "Organisation-wide")


def headline(result: CrosswalkResult) -> blocks.Block:
    h = result.headline
    items = [
        (
            "NIST AI RMF covered",
            f"{h['nist_covered']} of {h['subcategories']}",
            f"{h['nist_partially_covered']} partially, {h['nist_not_covered']} not covered",
            "good" if h["nist_covered"] == h["subcategories"] else "warn",
        ),
        (
            "EU AI Act obligations",
            h["obligations"],
            f"{h['obligations_in_force']} already apply",
            "",
        ),
        (
            "ISO 42001 evidence in place",
            f"{h['eu_in_place']} of {h['obligations']}",
            f"{h['eu_partly_in_place']} partly, {h['eu_missing']} missing",
            "good" if h["obligations"] and h["eu_in_place"] == h["obligations"] else "warn" if h["obligations"] else "",
        ),
        (
            "Not addressed by ISO 42001",
            h["eu_not_addressed"],
            "obligations needing their own work",
            "bad" if h["eu_not_addressed"] else "good",
        ),
    ]
    if h["iso27001"]:
        items.append(
            (
                "ISO 27001 reuse",
                h["reuse_reuse"] + h["reuse_extend"],
                f"requirements; {h['reuse_ai_specific']} AI-specific",
                "good",
            )
        )
    if h["generative_systems"]:
        items.append(
            ("Generative-AI actions", h["genai_actions"], f"{h['genai_actions_open']} not fully covered", "warn")
        )
    return report.kpis(items)


def summary(result: CrosswalkResult) -> blocks.Block:
    return report.bullets(result.summary)


def no_presumption() -> blocks.Block:
    return report.note(xw.NO_PRESUMPTION, callout=True)


def _stacked(by_group: pd.DataFrame, statuses: tuple[str, ...], labels: dict[str, str], colours: dict[str, str],
             title_text: str, share: bool, axis: str) -> go.Figure:  # fmt: skip
    ylabels = [html.escape(f"{r['group_id']} {r['group_title']}"[:60]) for _, r in by_group.iterrows()]
    fig = go.Figure()
    for s in statuses:
        fig.add_bar(
            y=ylabels,
            x=by_group[f"share_{s}"] if share else by_group[s],
            name=labels[s],
            orientation="h",
            marker_color=colours[s],
            customdata=by_group[[s, "total"]].to_numpy(),
            hovertemplate="%{y}<br>" + labels[s] + ": %{customdata[0]} of %{customdata[1]}<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    if share:
        fig.update_xaxes(range=[0, 100], ticksuffix="%", gridcolor="#eeeeee", title=axis)
    else:
        fig.update_xaxes(gridcolor="#eeeeee", title=axis, dtick=1)
    fig.update_yaxes(autorange="reversed")
    return charts._layout(fig, title_text, height=140 + 34 * max(len(ylabels), 1))


def function_chart(result: CrosswalkResult) -> blocks.Block:
    return report.figure(
        _stacked(
            result.nist_by_function,
            xw.COVERAGE,
            xw.COVERAGE_LABELS,
            COVERAGE_COLOURS,
            "NIST AI RMF coverage by function",
            True,
            "share of subcategories",
        )
    )


def category_chart(result: CrosswalkResult) -> blocks.Block:
    return report.figure(
        _stacked(
            result.nist_by_category,
            xw.COVERAGE,
            xw.COVERAGE_LABELS,
            COVERAGE_COLOURS,
            "NIST AI RMF coverage by category",
            True,
            "share of subcategories",
        )
    )


_GROUP: dict[str, str | tuple[str, str]] = {
    "group_id": "NIST",
    "group_title": "NIST text",
    "total": ("Subcategories", "num"),
    "covered": ("Covered", "num"),
    "partially_covered": ("Partially", "num"),
    "not_covered": ("Not covered", "num"),
    "not_assessed": ("Not assessed", "num"),
    "not_mapped": ("Not mapped", "num"),
}


def function_table(result: CrosswalkResult) -> blocks.Block:
    return report.table(result.nist_by_function, _GROUP)


def category_table(result: CrosswalkResult) -> blocks.Block:
    return report.table(result.nist_by_category, _GROUP)


def nist_table(result: CrosswalkResult) -> blocks.Block:
    df = _badges(result.nist, "coverage", xw.COVERAGE_LABELS, COVERAGE_COLOURS)
    return report.table(
        df,
        {
            "display_id": ("Subcategory", "nowrap"),
            "text": "NIST AI RMF text",
            "coverage": ("Coverage", "level"),
            "requirements": ("ISO 42001 requirements it rests on (status)", "list"),
        },
    )


def genai_note(result: CrosswalkResult) -> blocks.Block:
    if not result.generative:
        who = "This AI system is not" if result.system_id else "No in-scope AI system is"
        return report.note(
            f"{who} of a generative type (generative_ai or agentic in systems.csv), "
            "so the NIST AI 600-1 Generative AI Profile does not apply here."
        )
    names = ", ".join(result.generative)
    return report.note(
        f"Generative AI systems in scope: {names}. The NIST AI 600-1 profile suggests "
        f"{len(result.genai)} actions under {result.genai['subcategory'].nunique()} subcategories; "
        "subcategories the ISO 42001 assessment does not yet fully cover come first."
    )


def genai_summary_table(result: CrosswalkResult) -> blocks.Block:
    df = _badges(result.genai_summary, "coverage", xw.COVERAGE_LABELS, COVERAGE_COLOURS)
    if not df.empty:
        df["gai_risks"] = df["gai_risks"].map("; ".join)
    return report.table(
        df,
        {
            "subcategory": ("Subcategory", "nowrap"),
            "coverage": ("Coverage", "level"),
            "actions": ("Actions", "num"),
            "gai_risks": "Generative-AI risks addressed",
        },
        empty="No action to list.",
    )


def genai_actions_table(result: CrosswalkResult) -> blocks.Block:
    df = result.genai[result.genai["coverage"] != "covered"] if not result.genai.empty else result.genai
    df = _badges(df, "coverage", xw.COVERAGE_LABELS, COVERAGE_COLOURS)
    return report.table(
        df,
        {
            "id": ("Action", "nowrap"),
            "subcategory": ("Subcategory", "nowrap"),
            "coverage": ("Coverage", "level"),
            "suggested_action": "Suggested action (NIST AI 600-1)",
            "gai_risks": ("Risks", "list"),
        },
        empty="No generative-AI action falls under a subcategory that is not yet fully covered.",
    )


def obligations_chart(result: CrosswalkResult, eng: Engagement) -> blocks.Block:
    if result.eu_by_system.empty:
        return report.note("The impact step found no EU AI Act obligation for the AI systems in this report.")
    df = result.eu_by_system.copy()
    df["group_title"] = df["group_id"].map(eng.system_names)
    return report.figure(
        _stacked(
            df.assign(group_id=""),
            xw.SUPPORT,
            xw.SUPPORT_LABELS,
            SUPPORT_COLOURS,
            "Obligations by ISO 42001 evidence, per AI system",
            False,
            "obligations",
        )
    )


def obligations_table(result: CrosswalkResult, eng: Engagement) -> blocks.Block:
    df = _badges(result.eu, "support", xw.SUPPORT_LABELS, SUPPORT_COLOURS)
    if not df.empty:
        df["system"] = df["system_id"].map(eng.system_names)
    return report.table(
        df,
        {
            "system": "AI system",
            "article": ("Obligation", "nowrap"),
            "title": "Title",
            "role": "Role",
            "applies_from": ("Applies from", "date"),
            "support": ("ISO 42001 evidence", "level"),
            "requirements": ("ISO 42001 requirements (status)", "list"),
            "details": ("Where in the article", "list"),
        },
        empty="The impact step found no EU AI Act obligation (see the impact assessment report).",
    )


def not_addressed_table(result: CrosswalkResult, eng: Engagement) -> blocks.Block:
    df = result.eu_not_addressed.copy()
    if not df.empty:
        df["systems"] = df["systems"].map(lambda s: [eng.system_names.get(i, i) for i in s])
    return report.table(
        df,
        {
            "article": ("Obligation", "nowrap"),
            "title": "Title",
            "role": "Role",
            "systems": ("AI systems", "list"),
            "applies_from": ("Applies from", "date"),
        },
        empty="Every obligation found has at least one ISO 42001 requirement whose evidence bears on it.",
    )


def certificate(result: CrosswalkResult) -> blocks.Block:
    cert = result.certificate
    if cert is None:
        return report.note(
            "engagement.yaml records no ISO/IEC 27001 certificate (key iso27001), so there is no reuse view. "
            "Add the certificate's edition, scope and dates to see which ISO 42001 requirements can reuse its evidence."
        )
    rows = [
        {"item": "Edition", "value": f"ISO/IEC 27001:{cert.edition}"},
        {"item": "Scope on the certificate", "value": cert.scope},
        {"item": "Certificate", "value": cert.certificate or "not recorded"},
        {"item": "Certification body", "value": cert.certification_body or "not recorded"},
        {"item": "Issued", "value": str(cert.issued_on)},
        {
            "item": "Valid until",
            "value": str(cert.valid_until) + ("" if cert.expires_on else " (three-year cycle assumed)"),
        },
        {
            "item": "On the assessment date",
            "value": "valid" if result.certificate_valid else "NOT valid: reconfirm the evidence before reusing it",
        },
    ]
    return report.table(pd.DataFrame(rows), {"item": "Item", "value": "Value"})


def scope_caution(result: CrosswalkResult) -> blocks.Block:
    if result.certificate is None:
        return blocks.EMPTY
    return report.note(
        "Reuse assumes the certificate's scope covers the teams, locations and systems of the AI management "
        "system. Compare the scope above with the AIMS scope before relying on ISO 27001 evidence.",
        callout=True,
    )


def reuse_chart(result: CrosswalkResult) -> blocks.Block:
    if result.certificate is None:
        return blocks.EMPTY
    df = result.reuse_summary
    fig = go.Figure()
    for kind, label in (("clauses", "Clauses 4-10"), ("controls", "Annex A controls")):
        fig.add_bar(
            y=list(df["label"]),
            x=df[kind],
            name=label,
            orientation="h",
            marker_color="#1F4E79" if kind == "clauses" else "#5B9BD5",
            hovertemplate="%{y}<br>" + label + ": %{x}<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(gridcolor="#eeeeee", title="ISO 42001 requirements")
    fig.update_yaxes(autorange="reversed")
    return report.figure(charts._layout(fig, "What ISO/IEC 27001 evidence can do for ISO 42001", height=260))


def reuse_table(result: CrosswalkResult) -> blocks.Block:
    if result.certificate is None:
        return blocks.EMPTY
    df = _badges(result.reuse, "reuse", xw.REUSE_LABELS, REUSE_COLOURS)
    df["status"] = df["status"].map(lambda s: STATUS_LABELS.get(s, s))
    return report.table(
        df,
        {
            "id": ("ISO 42001", "nowrap"),
            "title": "Title",
            "status": ("Status", "nowrap"),
            "reuse": ("ISO 27001 reuse", "level"),
            "iso27001": ("ISO/IEC 27001:2022 elements", "list"),
            "basis": "Why",
        },
    )


def method() -> blocks.Block:
    items = dict(xw.METHOD)
    items["Coverage words"] = "; ".join(f"{k}: {v}" for k, v in xw.COVERAGE_LABELS.items())
    items["EU AI Act"] = xw.NO_PRESUMPTION
    frameworks = catalog.manifest()["frameworks"]
    items["Editions"] = "; ".join(f"{v['title']} ({v['edition']})" for v in frameworks.values())
    items["Copyright"] = (
        "ISO/IEC 42001 and 27001 are (c) ISO/IEC: identifiers and short titles only. NIST AI RMF and AI 600-1 text "
        "is a US Government work (public domain). EU AI Act titles (c) European Union, https://eur-lex.europa.eu; "
        "only the Official Journal text is authentic."
    )
    return report.definitions(items)


def sources_table() -> blocks.Block:
    man = catalog.manifest()["files"]
    rows = [
        {"file": f, "source": man[f]["source"], "licence": man[f]["licence"]}
        for f in (
            "crosswalk-iso42001-nist-ai-rmf.csv",
            "crosswalk-iso42001-eu-ai-act.csv",
            "crosswalk-iso42001-iso27001.csv",
            "nist-ai-rmf.csv",
            "nist-ai-600-1-actions.csv",
        )
    ]
    return report.table(pd.DataFrame(rows), {"file": "Crosswalk / catalog", "source": "Source", "licence": "Licence"})


def results(result: CrosswalkResult) -> dict[str, Any]:
    return result.to_json()
