"""PyRIT 1.x memory database (SQLite ``pyrit.db``): attack results and their scores.

PyRIT 1.x writes no export file; its results live in the memory database. An attack result with
``outcome`` ``success`` achieved its objective (an attack success); ``failure`` is a resisted
attempt; ``error`` and ``undetermined`` are counted as not scored. The attack class, the target
and the objective scorer come from ``atomic_attack_identifier``; categories from the last
score's ``score_category`` (or ``targeted_harm_categories``). The file is opened read-only.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from aimskit.formats.redteam.base import Example, Finding, Imported

NAME = "pyrit"
MAGIC = b"SQLite format 3\x00"


def sniff(head: bytes, path: Path) -> bool:
    return head.startswith(MAGIC)  # any SQLite file; read() checks for the PyRIT tables


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _find(ident: Any, role: str) -> dict[str, Any]:
    """The child identifier under ``role`` (attack, objective_target, objective_scorer), searched depth-first."""
    stack = [ident]
    depth = 0
    while stack and depth < 10000:
        depth += 1
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        children = node.get("children")
        if isinstance(children, dict):
            if isinstance(children.get(role), dict):
                return children[role]
            stack.extend(children.values())
    return {}


def read(path: Path) -> Imported:
    out = Imported(tool=NAME, format="PyRIT memory database (SQLite)", summary_source="PyRIT AttackResultEntries")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        out.error(0, f"cannot open the SQLite database: {exc}", "AK668")
        return out
    try:
        tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
        if "AttackResultEntries" not in tables:
            out.error(0, "not a PyRIT memory database: no AttackResultEntries table", "AK669")
            return out
        cols = {r[1] for r in con.execute("pragma table_info(AttackResultEntries)")}
        need = {"objective", "outcome", "atomic_attack_identifier", "last_response_id", "last_score_id"}
        if not need <= cols:
            out.error(
                0, f"AttackResultEntries lacks {', '.join(sorted(need - cols))}: an unsupported PyRIT version", "AK670"
            )
            return out
        extra = ", a.pyrit_version" if "pyrit_version" in cols else ", ''"
        extra += ", a.timestamp" if "timestamp" in cols else ", ''"
        extra += ", a.targeted_harm_categories" if "targeted_harm_categories" in cols else ", ''"
        score_cols = (
            {r[1] for r in con.execute("pragma table_info(ScoreEntries)")} if "ScoreEntries" in tables else set()
        )
        prompt_cols = (
            {r[1] for r in con.execute("pragma table_info(PromptMemoryEntries)")}
            if "PromptMemoryEntries" in tables
            else set()
        )
        join_s = "left join ScoreEntries s on s.id = a.last_score_id" if {"id", "score_category"} <= score_cols else ""
        join_p = (
            "left join PromptMemoryEntries p on p.id = a.last_response_id"
            if {"id", "converted_value"} <= prompt_cols
            else ""
        )
        sql = (
            "select a.objective, a.outcome, a.atomic_attack_identifier"
            f"{extra}, {'s.score_category' if join_s else 'null'}, {'p.converted_value' if join_p else 'null'} "
            f"from AttackResultEntries a {join_s} {join_p} order by a.rowid"
        )
        findings: dict[tuple[str, str, tuple[str, ...]], Finding] = {}
        versions: set[str] = set()
        times: list[str] = []
        targets: set[str] = set()
        for n, (objective, outcome, ident, version, ts, harms, cats, response) in enumerate(con.execute(sql), 1):
            ident = _json(ident) or {}
            attack = _find(ident, "attack").get("class_name") or "attack"
            scorer = _find(ident, "objective_scorer").get("class_name") or ""
            target = _find(ident, "objective_target").get("class_name") or ""
            if target:
                targets.add(str(target))
            if version:
                versions.add(str(version))
            if ts:
                times.append(str(ts))
            categories = _json(cats) or _json(harms) or []
            categories = tuple(sorted(str(c) for c in categories)) if isinstance(categories, list) else ()
            f = findings.setdefault(
                (attack, scorer, categories),
                Finding(test=str(attack), detector=str(scorer), categories=list(categories)),
            )
            if outcome in ("success", "failure"):
                f.attempts += 1
                if outcome == "success":
                    f.successes += 1
                    f.add_example(Example(str(objective or ""), str(response or ""), 1.0, f"attack result {n}"))
            else:
                f.errors += 1
    except sqlite3.DatabaseError as exc:
        out.error(0, f"the SQLite database cannot be read: {exc}", "AK668")
        return out
    finally:
        con.close()
    out.tool_version = ", ".join(sorted(versions))
    if versions and not all(v.startswith("1.") for v in versions):
        out.warning(0, f"PyRIT {out.tool_version}: aimskit reads the 1.x schema; check the counts", "AK673")
    out.started = min(times) if times else ""
    out.target = ", ".join(sorted(targets))
    out.findings = sorted(findings.values(), key=lambda f: (f.test, f.detector, f.categories))
    if not out.findings:
        out.warning(0, "the database holds no attack results", "AK676")
    return out
