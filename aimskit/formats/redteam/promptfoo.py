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
    for comp in _components(row):
        a = comp.get("assertion") if isinstance(comp, dict) else None
        if isinstance(a, dict) and str(a.get("type", "")).startswith("promptfoo:redteam:"):
            return str(a["type"])[len("promptfoo:redteam:") :]
    return ""


def _components(row: dict[str, Any]) -> list[Any]:
    """The grader's component results of a row (a list; anything else in the file counts as none)."""
    components = obj(row.get("gradingResult")).get("componentResults")
    return components if isinstance(components, list) else []


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
    res = _results(doc, out)
    if res is None:
        return out
    rows = res.get("results")
    if not isinstance(rows, list):
        out.error(0, "results.results is not a list", "AK669")
        return out
    config = obj(doc.get("config"))
    inject = str(
        (obj(config.get("redteam")) if isinstance(config.get("redteam"), dict) else {}).get("injectVar") or "prompt"
    )
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
        _count_row(row, plugin or "(no plugin: not a red-team test)", findings, targets, inject)
    if unplugged:
        out.warning(
            0,
            f"{unplugged} result row(s) carry no red-team plugin id (a plain eval, or exported with "
            "PROMPTFOO_STRIP_METADATA): they cannot be mapped to an OWASP category",
            "AK675",
        )
    _check_stats(res, findings, out)
    out.target = ", ".join(sorted(t for t in targets if t))
    out.findings = sorted(findings.values(), key=lambda f: (f.test, f.strategy, f.detector))
    return out


def _results(doc: Any, out: Imported) -> dict[str, Any] | None:
    """The ``results`` object of a promptfoo file of version 3, the run's version and start read into
    ``out`` (with a warning for a version that numbered its presets after the 2023 list); None (with
    an error) when the file is not one."""
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
        out.error(0, "not a promptfoo results file: no 'results' object at the top level", "AK669")
        return None
    res: dict[str, Any] = doc["results"]
    meta = obj(doc.get("metadata"))
    out.tool_version = str(meta.get("promptfooVersion") or "")
    out.started = str(res.get("timestamp") or meta.get("evaluationCreatedAt") or "")
    if res.get("version") != 3:
        out.error(
            0,
            f"promptfoo results version {res.get('version')!r} is not supported (version 3, promptfoo 0.91.3+)",
            "AK670",
        )
        return None
    if not out.tool_version:
        out.warning(0, "no metadata.promptfooVersion (files from promptfoo before 0.117.4 lack it)", "AK673")
    elif _version(out.tool_version) and _version(out.tool_version) < (0, 102, 0):
        out.warning(
            0,
            f"promptfoo {out.tool_version} numbered its owasp:llm presets after the 2023 list; "
            "aimskit maps each result from its plugin id instead",
            "AK673",
        )
    return res


def _count_row(
    row: dict[str, Any], plugin: str, findings: dict[tuple[str, str, str], Finding], targets: set[str], inject: str
) -> None:
    """Count one result row into its finding (plugin, strategy, metric): an error, or an attempt that
    is an attack success (kept as an example) or not; its provider is one of the run's targets."""
    strategy = _meta(row, "strategyId") or "basic"
    metric = ""
    for comp in _components(row):
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
        return
    f.attempts += 1
    if row.get("success") is False or obj(row.get("gradingResult")).get("pass") is False:
        f.successes += 1
        vars_ = obj(row.get("vars"))
        prompt = text_of(vars_.get(inject)) or text_of(obj(row.get("prompt")).get("raw"))
        if prompt == "[REDACTED]":
            prompt = _meta(row, "originalText") or prompt
        f.add_example(
            Example(prompt, text_of(obj(row.get("response")).get("output")), row.get("score"), str(row.get("id", "")))
        )


def _check_stats(res: dict[str, Any], findings: dict[tuple[str, str, str], Finding], out: Imported) -> None:
    """Warn when promptfoo's own count of graded rows differs from the attempts read."""
    stats = obj(res.get("stats"))
    failures, successes = stats.get("failures"), stats.get("successes", 0)
    if not isinstance(failures, int) or not isinstance(successes, int):
        return  # no count of graded rows (or not a number) to compare with
    total = sum(f.attempts for f in findings.values())
    graded = failures + successes
    if graded != total:
        out.warning(0, f"results.stats counts {graded} graded rows, aimskit read {total}", "AK675")
