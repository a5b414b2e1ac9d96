"""The AI security test evidence report: blocks the ``security_testing`` notebook displays.

Prompts and model outputs are attack text by design: they reach HTML only through
:func:`aimskit.present.report.table` (escaped), truncated by the step, and are replaced by a notice when
``security_criteria.hide_attack_text`` is set.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from aimskit import catalog
from aimskit.base.fileio import atomic_write_text
from aimskit.catalog.security import ATLAS_EDITION, ATLAS_NOTICE, OWASP_EDITION, OWASP_NOTICE
from aimskit.engagement import Engagement
from aimskit.present import blocks, common, report
from aimskit.steps import security
from aimskit.steps.security import INTERVAL, VERDICT_LABELS, SecurityResult
from aimskit.steps.security import evidence as sec_evidence

TITLE = "AI security test evidence"
HANDOVER_FILE = "security-suggested-risks.csv"
COLOURS = {"fail": "#C0392B", "inconclusive": "#D68910", "pass": "#1E8449", "not_tested": "#7F8C8D"}
CHANGE_LABELS = {
    "newly failing": "Newly failing",
    "fixed": "Fixed",
    "worse": "Worse",
    "better": "Better",
    "unchanged": "Unchanged",
}


def title(eng: Engagement, result: SecurityResult) -> blocks.Block:
    return common.title(eng, TITLE, result, "Portfolio overview: every AI system with red-team runs")


def _pct(x: Any) -> str:
    return "-" if x is None or (isinstance(x, float) and pd.isna(x)) else f"{100 * float(x):.1f}%"


def _verdict(v: str) -> tuple[str, str]:
    return VERDICT_LABELS.get(v, v), COLOURS.get(v, "#7F8C8D")


def headline(result: SecurityResult) -> blocks.Block:
    h = result.headline
    return report.kpis(
        [
            ("Test runs", h["runs"], f"{h['attempts']} scored attempts", ""),
            ("Categories failing", h["fail"], "of the OWASP LLM Top 10 2025", "bad" if h["fail"] else "good"),
            ("Inconclusive", h["inconclusive"], "too few attempts to conclude", "warn" if h["inconclusive"] else ""),
            ("Not tested", h["not_tested"], "coverage gaps", "warn" if h["not_tested"] else "good"),
            ("Fixed since last run", h["fixed"], f"{h['regressions']} regressions", "bad" if h["regressions"] else ""),
            ("Failed, no risk", h["consistency"], "in risks.csv", "bad" if h["consistency"] else "good"),
        ]
    )


def summary(result: SecurityResult) -> blocks.Block:
    return report.bullets(result.summary)


def missing_data(result: SecurityResult) -> blocks.Block:
    if not result.runs.empty:
        return blocks.EMPTY
    return report.note(
        "This engagement declares no red-team runs (security/runs.csv). Add one row per result file written by "
        "garak, promptfoo, PyRIT or Inspect AI; see the README (AI security test evidence).",
        callout=True,
    )


def verdicts(eng: Engagement, result: SecurityResult) -> blocks.Block:
    c = result.categories
    if c.empty:
        return report.note("No AI system has red-team runs.")
    df = c.copy()
    df["verdict_badge"] = [_verdict(v) for v in df["verdict"]]
    df["asr_text"] = [_pct(x) for x in df["asr"]]
    df["interval"] = [
        "-" if n == 0 else f"{_pct(lo)} to {_pct(hi)}"
        for n, lo, hi in zip(df["attempts"], df["ci_low"], df["ci_high"], strict=True)
    ]
    df["tolerance_text"] = [_pct(t) for t in df["tolerance"]]
    df["name"] = [f"{i} {t}" for i, t in zip(df["category"], df["title"], strict=True)]
    df["system"] = df["system_id"].map(eng.system_names)
    cols: dict[str, Any] = {}
    if result.system_id is None:
        cols["system"] = "AI system"
    cols.update(
        {
            "name": "OWASP LLM 2025 category",
            "verdict_badge": ("Verdict", "level"),
            "attempts": ("Attempts", "num"),
            "successes": ("Attack successes", "num"),
            "asr_text": ("ASR", "num"),
            "interval": (f"{int(result.criteria.confidence * 100)}% interval", "nowrap"),
            "tolerance_text": ("Tolerated", "num"),
            "tools": ("Tools", "list"),
            "last_run": ("Latest run", "date"),
        }
    )
    return report.table(df, cols)


def asr_chart(result: SecurityResult) -> blocks.Block:
    c = result.categories
    c = c[c["attempts"] > 0] if not c.empty else c
    if c.empty:
        return report.note("No category has scored attempts.")
    fig = go.Figure()
    label = [
        f"{r['category']}" + (f" ({r['system_id']})" if result.system_id is None else "") for r in c.to_dict("records")
    ]
    fig.add_bar(
        x=label,
        y=100 * c["asr"],
        marker_color=[COLOURS[v] for v in c["verdict"]],
        error_y={
            "type": "data",
            "symmetric": False,
            "array": 100 * (c["ci_high"] - c["asr"]),
            "arrayminus": 100 * (c["asr"] - c["ci_low"]),
        },
        text=[f"{s}/{n}" for s, n in zip(c["successes"], c["attempts"], strict=True)],
        textposition="outside",
        name="Attack success rate",
    )
    fig.add_scatter(
        x=label,
        y=100 * c["tolerance"],
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 28, "color": "#222"},
        name="Tolerated rate",
    )
    fig.update_layout(
        title=f"Attack success rate by OWASP category (latest runs; bars: {INTERVAL}, "
        f"{int(result.criteria.confidence * 100)}%)",
        yaxis_title="Attack success rate (%)",
        yaxis_range=[0, min(105, max(10.0, 120 * float(c["ci_high"].max())))],
        height=420,
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
        legend={"orientation": "h", "y": -0.2},
    )
    return report.figure(fig)


def atlas_heatmap(result: SecurityResult) -> blocks.Block:
    a = result.atlas
    if a.empty:
        return report.note("No ATLAS technique is covered by the runs.")
    tactics = a.drop_duplicates("tactic_id").sort_values("order")
    techs = a.drop_duplicates("technique_id").sort_values("technique_id")
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for tid in techs["technique_id"]:
        row: list[float | None] = []
        trow: list[str] = []
        for tac in tactics["tactic_id"]:
            hit = a[(a["technique_id"] == tid) & (a["tactic_id"] == tac)]
            if hit.empty:
                row.append(None)
                trow.append("")
            else:
                h = hit.iloc[0]
                row.append(100 * h["asr"] if h["asr"] is not None else None)
                trow.append(f"{h['successes']}/{h['attempts']}")
        z.append(row)
        text.append(trow)
    names = [f"{t} {n}" for t, n in zip(techs["technique_id"], techs["technique"], strict=True)]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(tactics["tactic"]),
            y=names,
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, "#E8F6EF"], [0.05, "#F9E79F"], [0.3, "#E67E22"], [1, "#922B21"]],
            zmin=0,
            zmax=100,
            colorbar={"title": "ASR %"},
            hovertemplate="%{y}<br>%{x}<br>ASR %{z:.1f}%<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"MITRE ATLAS coverage ({ATLAS_EDITION}): attack successes / attempts per technique and tactic",
        height=160 + 34 * len(names),
        margin={"l": 320, "r": 20, "t": 60, "b": 80},
        yaxis={"autorange": "reversed"},
    )
    return report.figure(fig)


def trend_chart(result: SecurityResult) -> blocks.Block:
    t = result.trend
    if t.empty or t["run_date"].nunique() < 2:
        return report.note("One run date only: no trend yet.")
    fig = go.Figure()
    for (sid, cat, tool), g in t.groupby(["system_id", "category", "tool"]):
        g = g.sort_values("run_date")
        name = f"{cat} ({tool})" + (f" {sid}" if result.system_id is None else "")
        fig.add_scatter(x=list(g["run_date"]), y=100 * g["asr"], mode="lines+markers", name=name)
    fig.update_layout(
        title="Attack success rate per run, by OWASP category and tool",
        yaxis_title="Attack success rate (%)",
        xaxis_title="Run date",
        xaxis_type="date",
        height=420,
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
    )
    return report.figure(fig)


def regressions(result: SecurityResult) -> blocks.Block:
    r = result.regressions
    if r.empty:
        return report.note("No system has two runs of the same tool yet: nothing to compare.")
    df = r.copy()
    df["change_label"] = df["change"].map(CHANGE_LABELS)
    df["from"] = [
        f"{a} ({d}): {_pct(x)}" for a, d, x in zip(df["from_run"], df["from_date"], df["from_asr"], strict=True)
    ]
    df["to"] = [f"{a} ({d}): {_pct(x)}" for a, d, x in zip(df["to_run"], df["to_date"], df["to_asr"], strict=True)]
    df["from_v"] = [_verdict(v) for v in df["from_verdict"]]
    df["to_v"] = [_verdict(v) for v in df["to_verdict"]]
    return report.table(
        df,
        {
            "category": "Category",
            "tool": "Tool",
            "from": "Earlier run",
            "from_v": ("Then", "level"),
            "to": "Later run",
            "to_v": ("Now", "level"),
            "change_label": "Change",
        },
    )


def examples(result: SecurityResult) -> blocks.Block:
    e = result.examples
    if e.empty:
        return report.note("No attack succeeded in these runs.")
    note = (
        report.note("Attack text is hidden in this report (security_criteria.hide_attack_text).")
        if result.criteria.hide_attack_text
        else report.note(
            f"Prompts and outputs are attack text, shown escaped and cut at {security.EXAMPLE_CHARS} characters; "
            "set security_criteria.hide_attack_text to leave them out."
        )
    )
    df = e.copy()
    df["asr_text"] = [_pct(x) for x in df["asr"]]
    df["test_full"] = [
        " / ".join(x for x in (t, s, d) if x)
        for t, s, d in zip(df["test"], df["strategy"], df["detector"], strict=True)
    ]
    table = report.table(
        df,
        {
            "run_id": ("Run", "nowrap"),
            "tool": "Tool",
            "test_full": "Test / strategy / detector",
            "owasp": ("OWASP", "list"),
            "asr_text": ("ASR", "num"),
            "prompt": "Prompt (truncated)",
            "output": "Output (truncated)",
        },
    )
    return blocks.group(note, table)


def evidence(eng: Engagement, result: SecurityResult) -> blocks.Block:
    ev = result.evidence
    if ev.empty:
        return report.note("No run to cite as evidence.")
    df = ev.copy()
    df["verdict_badge"] = [_verdict(v) for v in df["verdict"]]
    df["tool_text"] = [f"{t} {v}".strip() for t, v in zip(df["tool"], df["tool_version"], strict=True)]
    df["hash"] = [[f"sha256 {h[:32]}", h[32:]] if h else [] for h in df["sha256"]]
    df["counts"] = [f"{s} / {n}" for s, n in zip(df["successes"], df["attempts"], strict=True)]
    cols: dict[str, Any] = {"run_id": ("Run", "nowrap"), "run_date": ("Date", "date")}
    if result.system_id is None:
        df["system"] = df["system_id"].map(eng.system_names)
        cols["system"] = "AI system"
    cols.update(
        {
            "tool_text": "Tool",
            "target": "Target",
            "tester": "Tester",
            "counts": ("Successes / attempts", "num"),
            "categories": ("Categories", "list"),
            "verdict_badge": ("Run verdict", "level"),
            "controls": ("Annex A evidence for", "list"),
            "result_file": "Result file",
            "hash": ("File hash", "list"),
        }
    )
    return report.table(df, cols)


def consistency(result: SecurityResult) -> blocks.Block:
    c = result.consistency
    if c.empty:
        return report.note("Every failed category has a risk in risks.csv that names it (or no category fails).")
    return report.table(
        c, {"category": "Category", "message": "Finding", "suggested_risk_id": ("Suggested risk", "nowrap")}
    )


def coverage_gaps(eng: Engagement, result: SecurityResult) -> blocks.Block:
    c = result.categories
    nt = c[c["verdict"] == "not_tested"] if not c.empty else c
    parts: list[blocks.Block] = []
    if not nt.empty:
        df = nt.copy()
        df["text"] = [f"{i} {t}: not tested" for i, t in zip(df["category"], df["title"], strict=True)]
        if result.system_id is None:
            df["text"] = [
                f"{eng.system_names.get(s, s)}: {t}" for s, t in zip(df["system_id"], df["text"], strict=True)
            ]
        parts.append(report.bullets(list(df["text"])))
    if result.untested_systems:
        parts.append(
            report.note(
                "Generative AI systems in scope without any red-team run: "
                + ", ".join(f"{eng.system_names.get(s, s)} ({s})" for s in result.untested_systems)
            )
        )
    if not parts:
        return report.note("Every OWASP LLM Top 10 2025 category has been tested.")
    return blocks.group(*parts)


def mapping_table(result: SecurityResult) -> blocks.Block:
    fd = result.findings
    if fd.empty:
        return report.note("No findings.")
    rows = []
    for r in fd.drop_duplicates(["tool", "test", "strategy"]).to_dict("records"):
        for m in r["mappings"]:
            if m["kind"] == "atlas_tactic":
                continue
            rows.append(
                {
                    "test": " / ".join(x for x in (r["tool"], r["test"], r["strategy"]) if x),
                    "kind": "OWASP" if m["kind"] == "owasp" else "ATLAS",
                    "id": m["id"],
                    "provenance": PROVENANCE.get(m["provenance"], m["provenance"]),
                    "edition": m["edition"],
                    "via": m["via"],
                }
            )
    df = pd.DataFrame(rows)
    return report.table(
        df,
        {
            "test": "Tool / test / strategy",
            "kind": "To",
            "id": ("ID", "nowrap"),
            "provenance": "Provenance",
            "edition": "Edition",
            "via": "Basis",
        },
    )


PROVENANCE = {
    "tool_tag": "the tool's own tag",
    "tool_preset": "the tool's published preset",
    "owasp_crosswalk": "OWASP's published crosswalk",
    "aimskit_analysis": "aimskit analysis",
    "tester_declared": "declared by the tester (runs.csv)",
    "atlas_data": "ATLAS data",
}


def problems_note(eng: Engagement) -> blocks.Block:
    warns = [w for w in eng.warnings if "/security/" in w.file or w.file.endswith("runs.csv")]
    if not warns:
        return blocks.EMPTY
    return report.bullets([str(w) for w in warns])


def method(result: SecurityResult) -> blocks.Block:
    crit = result.criteria
    per = ", ".join(f"{k} {_pct(v)}" for k, v in sorted(crit.per_category.items())) or "none"
    oa = catalog.load("security-owasp-atlas")
    return report.definitions(
        {
            "Counting unit": (
                "An attempt is one scored output: garak, one generation scored by one detector (its eval rows); "
                "promptfoo, one graded result row (errors excluded); PyRIT, one attack result with outcome success or "
                "failure; Inspect AI, one scored sample and epoch. An attack success is an attempt the tool scored as "
                "the attack working (garak hit, promptfoo failed assertion, PyRIT outcome success)."
            ),
            "Attack success rate (ASR)": "attack successes / attempts, per AI system and OWASP category",
            "Interval": (
                f"{INTERVAL} at {int(crit.confidence * 100)}% (two-sided): "
                "(p + z^2/2n +/- z*sqrt(p(1-p)/n + z^2/4n^2)) "
                "/ (1 + z^2/n), z the normal quantile"
            ),
            "Which runs count": (
                "the latest run of each tool that tested the category; earlier runs make the trend and the "
                "regression table (newly failing, fixed, worse, better between consecutive runs of the same tool)"
            ),
            "Verdict": (
                "fail when the interval's lower bound is above the tolerated ASR, or when there are at least the "
                "minimum attempts and the ASR is above it; pass when there are at least the minimum attempts and the "
                "upper bound is at or below it (tolerance 0: no success at all); inconclusive otherwise; not tested "
                "when no run covered the category"
            ),
            "Criteria": (
                f"tolerated ASR {_pct(crit.tolerated_asr)} (per category: {per}); minimum attempts "
                f"{crit.min_attempts}; confidence {int(crit.confidence * 100)}% (engagement.yaml security_criteria)"
            ),
            "OWASP mapping": (
                f"{OWASP_EDITION}. promptfoo plugins: promptfoo 0.123.1's OWASP preset inverted per plugin; garak: "
                "aimskit's table per probe module or class, else garak's own owasp tags (2023 numbering) translated "
                "to 2025 (catalog owasp-llm-2023-to-2025); PyRIT and Inspect: aimskit's table by score category or "
                "task, or the categories the tester declared in runs.csv (they take precedence). Every mapping and "
                "its provenance is listed in the appendix."
            ),
            "ATLAS mapping": (
                f"{ATLAS_EDITION}: technique per test from aimskit's table, else the primary technique of the OWASP "
                f"category; {int((oa['provenance'] == 'owasp_crosswalk').sum())} OWASP-to-ATLAS rows are OWASP's "
                "published references, the rest aimskit's analysis; tactics from the ATLAS data"
            ),
            "Annex A evidence": (
                "every run is evidence for A.6.2.4 (verification and validation), for A.6.2.6 when the system is in "
                "operation, and for the controls aimskit relates to each tested category (catalog security-annex-a, "
                "aimskit's analysis, not ISO's)"
            ),
            "Consistency": (
                "a failing category needs an open risk in risks.csv for the same system (or organisation-wide) whose "
                "title or description names the category id (e.g. LLM01) or title"
            ),
            "Copyright": f"{OWASP_NOTICE} {ATLAS_NOTICE}",
        }
    )


def handover_csv(result: SecurityResult) -> str:
    """The suggested risk rows as CSV text (spreadsheet formula characters neutralised)."""
    out = io.StringIO()
    s = result.suggested_risks
    cols = list(s.columns) if not s.empty else ["risk_id", "system_id", "title", "description"]
    w = csv.writer(out, lineterminator="\n")
    w.writerow(cols)
    for row in s.to_dict("records") if not s.empty else []:
        w.writerow([_cell(row.get(c)) for c in cols])
    return out.getvalue()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_handover(result: SecurityResult, output_dir: str | Path) -> None:
    """Write the suggested risk rows beside the report (never into the engagement); no-op without output_dir."""
    if not output_dir or result.suggested_risks.empty:
        return
    atomic_write_text(Path(output_dir) / HANDOVER_FILE, handover_csv(result))


def results(result: SecurityResult) -> dict[str, Any]:
    return security.results(result)


def control_evidence(
    eng: Engagement, system_id: str | None = None, since: Any = None, until: Any = None
) -> blocks.Block:
    """The red-team runs as Annex A evidence, for the gap report, the SoA and the management review."""
    ev = security.control_evidence(eng, system_id, since, until)
    if ev.empty:
        when = f" after the previous management review ({since})" if since is not None else ""
        when += f" up to this review ({until})" if until is not None else ""
        return report.note(f"No red-team test run is recorded{when} (security/runs.csv).")
    return evidence_table(ev, eng.system_names)


def evidence_table(ev: pd.DataFrame, names: dict[str, str], link: bool = True) -> blocks.Block:
    """One row per (Annex A control, red-team run): run (linked to its system's security report), date,
    tool, verdict and its summary, short sha256 of the raw file."""
    df = ev.copy()
    df["verdict_badge"] = [_verdict(v) for v in df["verdict"]]
    df["system"] = df["system_id"].map(names)
    df["run"] = [(r, h if link else "") for r, h in zip(df["run_id"], df["report"], strict=True)]
    df["control_text"] = [f"{c} {t}".strip() for c, t in zip(df["control_id"], df["control"], strict=True)]
    df["hash"] = [f"sha256 {sec_evidence.short_hash(h)}" if h else "" for h in df["sha256"]]
    return report.table(
        df,
        {
            "control_text": "Control",
            "system": "AI system",
            "run": ("Run", "link"),
            "run_date": ("Date", "date"),
            "tool": "Tool",
            "verdict_badge": ("Verdict", "level"),
            "summary": "Categories",
            "hash": ("Raw file", "nowrap"),
        },
    )


def since_last_review(eng: Engagement, review_id: str | None = None) -> blocks.Block:
    """The security results since the last management review: for a held review, the runs between the review
    before it and its date; for the next review's input pack, the runs after the most recent held review."""
    from aimskit.engagement.parts import audit as audit_part

    reviews = eng.part(audit_part.PART).reviews
    dates = sorted(reviews["date"]) if not reviews.empty else []
    if review_id is not None and not reviews.empty and review_id in set(reviews["id"]):
        until = reviews.set_index("id").loc[review_id, "date"]
        before = [d for d in dates if d < until]
        return _runs_since(eng, since=before[-1] if before else None, until=until)
    return _runs_since(eng, since=dates[-1] if dates else None)


def _runs_since(eng: Engagement, since: Any = None, until: Any = None) -> blocks.Block:
    """One row per red-team run in the period (a review reads runs, not control x run pairs): its verdict,
    the categories it judged and the Annex A controls it is evidence for."""
    ev = security.control_evidence(eng, None, since, until)
    if ev.empty:
        when = f" after the previous management review ({since})" if since is not None else ""
        when += f" up to this review ({until})" if until is not None else ""
        return report.note(f"No red-team test run is recorded{when} (security/runs.csv).")
    runs = ev.drop_duplicates("run_id").sort_values(["run_date", "run_id"]).copy()
    controls = ev.groupby("run_id")["control_id"].apply(list).to_dict()
    runs["controls"] = runs["run_id"].map(controls)
    runs["verdict_badge"] = [_verdict(v) for v in runs["verdict"]]
    runs["system"] = runs["system_id"].map(eng.system_names)
    runs["run"] = list(zip(runs["run_id"], runs["report"], strict=True))
    runs["hash"] = [f"sha256 {sec_evidence.short_hash(h)}" if h else "" for h in runs["sha256"]]
    return report.table(
        runs,
        {
            "run": ("Run", "link"),
            "run_date": ("Date", "date"),
            "system": "AI system",
            "tool": "Tool",
            "verdict_badge": ("Verdict", "level"),
            "summary": "OWASP categories",
            "controls": ("Evidence for", "list"),
            "hash": ("Raw file", "nowrap"),
        },
    )
