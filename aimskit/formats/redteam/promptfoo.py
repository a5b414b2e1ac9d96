"""promptfoo ``results.json`` from ``promptfoo redteam eval -o`` or ``promptfoo eval -o`` (``results.version`` 3).

A row is an attack success when ``success`` is false with ``failureReason`` 1 (the grader said
the target failed); rows with ``failureReason`` 2 are errors, not findings. The plugin, strategy
and severity are in ``metadata`` (``pluginId``, ``strategyId``, ``severity``). promptfoo before
0.102.0 numbered its ``owasp:llm:NN`` presets after the 2023 list; aimskit maps from the plugin
id, so the numbering only matters for the presets named in the file's config (reported).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aimskit.formats.redteam.base import Example, Finding, Imported, load_json_file, obj, text_of

NAME = "promptfoo"


def sniff(head: bytes, path: Path) -> bool:
    h = head[:65536]
    return b'"evalId"' in h or (b'"results"' in h and b'"promptIdx"' in h) or b'"promptfooVersion"' in h


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in text.split(".")[:3])
    except ValueError:
        return ()


def _plugin(row: dict[str, Any]) -> str:
    for meta in (row.get("metadata"), obj(row.get("testCase")).get("metadata")):
        if isinstance(meta, dict):
            if meta.get("pluginId"):
                return str(meta["pluginId"])
            if meta.get("harmCategory"):
                return f"harmful:{meta['harmCategory']}"
    for comp in obj(row.get("gradingResult")).get("componentResults") or []:
        a = comp.get("assertion") if isinstance(comp, dict) else None
        if isinstance(a, dict) and str(a.get("type", "")).startswith("promptfoo:redteam:"):
            return str(a["type"])[len("promptfoo:redteam:") :]
    return ""


def _meta(row: dict[str, Any], key: str) -> str:
    for meta in (row.get("metadata"), obj(row.get("testCase")).get("metadata")):
        if isinstance(meta, dict) and meta.get(key):
            return str(meta[key])
    return ""


def read(path: Path) -> Imported:
    out = Imported(tool=NAME, format="promptfoo results.json", summary_source="promptfoo result rows")
    doc = load_json_file(path, out)
    if doc is None:
        return out
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
        out.error(0, "not a promptfoo results file: no 'results' object at the top level", "AK669")
        return out
    res = doc["results"]
    meta = obj(doc.get("metadata"))
    out.tool_version = str(meta.get("promptfooVersion") or "")
    out.started = str(res.get("timestamp") or meta.get("evaluationCreatedAt") or "")
    if res.get("version") != 3:
        out.error(
            0,
            f"promptfoo results version {res.get('version')!r} is not supported (version 3, promptfoo 0.91.3+)",
            "AK670",
        )
        return out
    if not out.tool_version:
        out.warning(0, "no metadata.promptfooVersion (files from promptfoo before 0.117.4 lack it)", "AK673")
    elif _version(out.tool_version) and _version(out.tool_version) < (0, 102, 0):
        out.warning(
            0,
            f"promptfoo {out.tool_version} numbered its owasp:llm presets after the 2023 list; "
            "aimskit maps each result from its plugin id instead",
            "AK673",
        )
    config = obj(doc.get("config"))
    inject = str(
        (obj(config.get("redteam")) if isinstance(config.get("redteam"), dict) else {}).get("injectVar") or "prompt"
    )
    rows = res.get("results")
    if not isinstance(rows, list):
        out.error(0, "results.results is not a list", "AK669")
        return out
    findings: dict[tuple[str, str, str], Finding] = {}
    targets: set[str] = set()
    unplugged = 0
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            out.error(0, f"results.results[{i}] is not an object, skipped", "AK671")
            continue
        plugin = _plugin(row)
        if not plugin:
            unplugged += 1
            plugin = "(no plugin: not a red-team test)"
        strategy = _meta(row, "strategyId") or "basic"
        metric = ""
        for comp in obj(row.get("gradingResult")).get("componentResults") or []:
            if isinstance(comp, dict) and isinstance(comp.get("assertion"), dict):
                metric = str(comp["assertion"].get("metric") or comp["assertion"].get("type") or "")
                break
        key = (plugin, strategy, metric)
        f = findings.setdefault(key, Finding(test=plugin, strategy=strategy, detector=metric))
        sev = _meta(row, "severity")
        if sev:
            f.severity = sev
        provider = row.get("provider")
        if isinstance(provider, dict):
            targets.add(str(provider.get("label") or provider.get("id") or ""))
        reason = row.get("failureReason")
        if reason == 2 or (reason is None and row.get("error")):
            f.errors += 1
            continue
        f.attempts += 1
        if row.get("success") is False or obj(row.get("gradingResult")).get("pass") is False:
            f.successes += 1
            vars_ = obj(row.get("vars"))
            prompt = text_of(vars_.get(inject)) or text_of(obj(row.get("prompt")).get("raw"))
            if prompt == "[REDACTED]":
                prompt = _meta(row, "originalText") or prompt
            f.add_example(
                Example(
                    prompt, text_of(obj(row.get("response")).get("output")), row.get("score"), str(row.get("id", ""))
                )
            )
    if unplugged:
        out.warning(
            0,
            f"{unplugged} result row(s) carry no red-team plugin id (a plain eval, or exported with "
            "PROMPTFOO_STRIP_METADATA): they cannot be mapped to an OWASP category",
            "AK675",
        )
    stats = obj(res.get("stats"))
    total = sum(f.attempts for f in findings.values())
    graded = stats.get("failures", 0) + stats.get("successes", 0) if isinstance(stats, dict) else None
    if isinstance(graded, int) and "failures" in stats and graded != total:
        out.warning(0, f"results.stats counts {graded} graded rows, aimskit read {total}", "AK675")
    out.target = ", ".join(sorted(t for t in targets if t))
    out.findings = sorted(findings.values(), key=lambda f: (f.test, f.strategy, f.detector))
    return out
