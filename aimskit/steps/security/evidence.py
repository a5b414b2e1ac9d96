"""Red-team runs as ISO/IEC 42001 Annex A evidence: which controls a run supports, a one-line
verdict summary, and the evidence text cited in the gap report, the Statement of Applicability and
the management review.

Pure functions on DataFrames: the security step (:mod:`aimskit.steps.security`) computes one
evidence row per run (its OWASP categories, its verdict per category, the sha256 of its raw file);
this module turns those rows into one row per (control, run). The run-to-control mapping is the
``security-annex-a`` catalog (aimskit's own analysis): every run supports the controls of the
``run`` rows (``any``: every run; ``operation``: a run of a system in operation), and each OWASP
category the run tested adds the controls of its ``owasp`` row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from aimskit.base.ids import natural_key

OPERATION_STAGE = "operation_monitoring"
HASH_CHARS = 12  # the short sha256 shown in tables and evidence text (the full hash is in the results JSON)

COLUMNS = [
    "control_id",
    "control",
    "system_id",
    "run_id",
    "run_date",
    "tool",
    "verdict",
    "summary",
    "sha256",
    "evidence",
    "report",
]


def run_controls(categories: Iterable[str], stage: Any, annex_map: pd.DataFrame) -> list[str]:
    """The Annex A controls one run supports, in mapping order: the ``run`` rows (``any`` always,
    ``operation`` when the system is in operation), then the controls of each category it tested."""
    out: list[str] = []
    runs = annex_map[annex_map["applies_to"] == "run"]
    for key, cid in zip(runs["key"], runs["control_id"], strict=True):
        if (key == "any" or (key == "operation" and stage == OPERATION_STAGE)) and cid not in out:
            out.append(cid)
    by_cat = annex_map[annex_map["applies_to"] == "owasp"]
    wanted = set(categories)
    for key, cid in zip(by_cat["key"], by_cat["control_id"], strict=True):
        if key in wanted and cid not in out:
            out.append(cid)
    return out


def _n(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def verdict_summary(judged: int, failed: int, inconclusive: int) -> str:
    """A run's verdicts in words: ``2 of 6 categories failed``, ``all 3 categories passed``..."""
    if judged == 0:
        return "no OWASP LLM category mapped"
    if failed:
        text = f"{failed} of {_n(judged, 'category', 'categories')} failed"
        return text + (f", {inconclusive} inconclusive" if inconclusive else "")
    if inconclusive:
        if inconclusive == judged:
            return "the category tested is inconclusive" if judged == 1 else f"all {judged} categories inconclusive"
        return f"none of {judged} categories failed, {inconclusive} inconclusive"
    return "the category tested passed" if judged == 1 else f"all {judged} categories passed"


def short_hash(sha256: Any) -> str:
    return str(sha256 or "")[:HASH_CHARS]


def evidence_text(run_id: str, tool: str, run_date: Any, summary: str, sha256: Any) -> str:
    """``Red-team RT-G2 (garak 0.17.1, 2026-11-10): 2 of 6 categories failed · sha256 1a2b3c4d5e6f``."""
    text = f"Red-team {run_id} ({tool}, {run_date}): {summary}"
    return text + (f" \u00b7 sha256 {short_hash(sha256)}" if sha256 else "")


def report_link(system_id: str) -> str:
    """The relative link from another step's report to this system's security report in the same run."""
    return f"../security/system-{system_id}.html"


def by_control(evidence: pd.DataFrame, titles: Mapping[str, str]) -> pd.DataFrame:
    """One row per (control, run) from the security step's evidence rows (one per run, with ``controls``,
    ``judged``, ``failed`` and ``inconclusive``), sorted by control then date."""
    rows = []
    for r in evidence.to_dict(orient="records"):
        tool = f"{r['tool'] or ''} {r['tool_version'] or ''}".strip()
        summary = verdict_summary(int(r["judged"]), int(r["failed"]), int(r["inconclusive"]))
        for cid in r["controls"]:
            rows.append(
                {
                    "control_id": cid,
                    "control": titles.get(cid, ""),
                    "system_id": r["system_id"],
                    "run_id": r["run_id"],
                    "run_date": r["run_date"],
                    "tool": tool,
                    "verdict": r["verdict"],
                    "summary": summary,
                    "sha256": r["sha256"] or "",
                    "evidence": evidence_text(r["run_id"], tool, r["run_date"], summary, r["sha256"]),
                    "report": report_link(r["system_id"]),
                }
            )
    out = pd.DataFrame(rows, columns=COLUMNS)
    if out.empty:
        return out
    out["_key"] = out["control_id"].map(natural_key)
    out = out.sort_values(["_key", "run_date", "run_id"], kind="stable").drop(columns="_key")
    return out.reset_index(drop=True)


def texts_by_control(ev: pd.DataFrame) -> dict[str, list[str]]:
    """Control id -> the evidence texts of its runs (oldest first), for the SoA evidence column."""
    out: dict[str, list[str]] = {}
    for cid, text in zip(ev["control_id"], ev["evidence"], strict=True):
        out.setdefault(cid, []).append(text)
    return out
