"""garak ``report.jsonl`` (0.13 to 0.17; older files are read with a warning).

The file is streamed line by line, so memory stays bounded whatever its size. Counts come from
the ``eval`` rows (one per probe x detector: ``fails`` = hits = attack successes,
``total_evaluated`` = scored outputs, ``nones`` = not scoreable); only scored attempts
(``status == 2``) are read, for the examples and as a fallback when the file has no eval rows.
Tags (garak's ``owasp:llmNN`` use the 2023 numbering) come from ``plugin_cache`` rows (0.15+)
or the ``digest`` (0.12+).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aimskit.formats.redteam.base import MAX_LINE_BYTES, Example, Finding, Imported, json_code, loads, obj, text_of

NAME = "garak"
SUPPORTED = ((0, 13), (0, 17))


def sniff(head: bytes, path: Path) -> bool:
    return b'"entry_type"' in head[:4096] and head.lstrip()[:1] == b"{"


def _version(text: str) -> tuple[int, int] | None:
    parts = text.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        return None


def _prompt_text(prompt: Any) -> str:
    if isinstance(prompt, dict) and isinstance(prompt.get("turns"), list):
        users = [t for t in prompt["turns"] if isinstance(t, dict) and t.get("role") == "user"]
        return text_of((users or prompt["turns"])[-1].get("content")) if (users or prompt["turns"]) else ""
    return text_of(prompt)


def _strip(name: Any, prefix: str) -> str:
    name = str(name or "")
    return name[len(prefix) :] if name.startswith(prefix) else name


def read(path: Path) -> Imported:
    out = Imported(tool=NAME, format="garak report.jsonl", summary_source="garak eval rows")
    threshold = 0.5
    threshold_known = False
    evals: dict[tuple[str, str], Finding] = {}
    counted: dict[tuple[str, str], Finding] = {}  # recomputed from status-2 attempts
    tags: dict[str, list[str]] = {}
    seen_completion = False
    line_no = 0
    with path.open("rb") as fh:
        while True:
            raw = fh.readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            line_no += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                out.error(line_no, f"line longer than {MAX_LINE_BYTES // 2**20} MB, skipped", "AK662")
                while raw and not raw.endswith(b"\n"):
                    raw = fh.readline(MAX_LINE_BYTES + 1)
                continue
            if not raw.strip():
                continue
            row, why = loads(raw)
            if why or not isinstance(row, dict):
                at_end = not raw.endswith(b"\n") and not fh.peek(1) if hasattr(fh, "peek") else False
                msg = why or "not a JSON object"
                if at_end:
                    msg += "; the last line is incomplete, so the file looks truncated"
                    out.complete = False
                out.error(line_no, msg, json_code(why) if why else "AK671")
                continue
            kind = row.get("entry_type")
            if kind == "start_run setup":
                out.tool_version = str(row.get("_config.version") or out.tool_version)
                target_type = row.get("plugins.target_type") or row.get("plugins.model_type") or ""
                target_name = row.get("plugins.target_name") or row.get("plugins.model_name") or ""
                out.target = " ".join(str(x) for x in (target_type, target_name) if x)
                out.started = str(row.get("transient.starttime_iso") or "")
                if isinstance(row.get("run.eval_threshold"), (int, float)):
                    threshold = float(row["run.eval_threshold"])
                    threshold_known = True
            elif kind == "init":
                out.tool_version = out.tool_version or str(row.get("garak_version") or "")
                out.started = out.started or str(row.get("start_time") or "")
            elif kind == "plugin_cache":
                probes = obj(row.get("plugin_cache")).get("probes") or {}
                if isinstance(probes, dict):
                    for name, meta in probes.items():
                        if isinstance(meta, dict) and isinstance(meta.get("tags"), list):
                            tags[_strip(name, "probes.")] = [str(t) for t in meta["tags"]]
            elif kind == "attempt" and row.get("status") == 2:
                probe = _strip(row.get("probe_classname"), "probes.")
                results = row.get("detector_results") or {}
                outputs = row.get("outputs") or []
                if not isinstance(results, dict):
                    out.warning(line_no, "attempt without detector_results as a mapping, skipped", "AK671")
                    continue
                for det, scores in results.items():
                    key = (probe, _strip(det, "detector."))
                    f = counted.setdefault(key, Finding(test=key[0], detector=key[1]))
                    for i, s in enumerate(scores if isinstance(scores, list) else []):
                        if not isinstance(s, (int, float)):
                            f.errors += 1
                            continue
                        f.attempts += 1
                        if s >= threshold:
                            f.successes += 1
                            if len(f.examples) < 5:
                                o = outputs[i] if i < len(outputs) else None
                                f.add_example(
                                    Example(_prompt_text(row.get("prompt")), text_of(o), float(s), f"line {line_no}")
                                )
            elif kind == "eval":
                key = (_strip(row.get("probe"), "probes."), _strip(row.get("detector"), "detector."))
                total = row.get("total_evaluated", row.get("total"))
                passed = row.get("passed")
                if not isinstance(total, int) or not isinstance(passed, int):
                    out.error(line_no, "eval row without integer total_evaluated/total and passed, skipped", "AK671")
                    continue
                fails = row.get("fails", total - passed)
                nones = row.get("nones", 0)
                evals[key] = Finding(
                    test=key[0],
                    detector=key[1],
                    attempts=total,
                    successes=int(fails) if isinstance(fails, int) else total - passed,
                    errors=int(nones) if isinstance(nones, int) else 0,
                )
            elif kind == "completion":
                seen_completion = True
            elif kind == "digest":
                out.digest = _digest(row, tags)
                meta = obj(row.get("meta"))
                out.tool_version = out.tool_version or str(meta.get("garak_version") or "")
                out.started = out.started or str(meta.get("start_time") or "")
                out.target = out.target or " ".join(str(meta[k]) for k in ("target_type", "target_name") if meta.get(k))
    version = _version(out.tool_version) if out.tool_version else None
    if not out.tool_version:
        out.warning(0, "no garak version in the file (no 'start_run setup' or 'init' row)", "AK673")
    elif version is None or not SUPPORTED[0] <= version <= SUPPORTED[1]:
        out.warning(
            0,
            f"garak {out.tool_version} is outside the versions aimskit is tested with (0.13 to 0.17); "
            "read with the 0.17 rules, check the counts",
            "AK673",
        )
    if not seen_completion:
        out.complete = False
        out.warning(
            0, "no 'completion' row: the run was interrupted or the file is truncated; counts may be partial", "AK674"
        )
    if not threshold_known and counted and not evals:
        out.warning(0, "run.eval_threshold not recorded; hits recomputed at garak's default 0.5", "AK675")
    if evals:
        for key, f in evals.items():
            c = counted.get(key)
            if c is not None:
                f.examples = c.examples
        findings = evals
    elif not counted and out.digest and out.digest.get("counts"):
        findings = {
            k: Finding(test=k[0], detector=k[1], attempts=t, successes=t - p)
            for k, (t, p) in out.digest["counts"].items()
        }
        out.summary_source = "garak digest (total_evaluated and passed per detector)"
    else:
        findings = counted
        if counted:
            out.summary_source = (
                f"recomputed from scored attempts at threshold {threshold:g} (the file has no eval rows)"
            )
            out.warning(0, "no eval rows: counts recomputed from the scored attempts", "AK675")
    for f in findings.values():
        f.tags = list(tags.get(f.test, []))
    out.findings = sorted(findings.values(), key=lambda f: (f.test, f.detector))
    if not out.findings:
        if out.digest and out.digest.get("probe_pass_rate"):
            out.warning(
                0, "only a digest without counts: garak's pass rates are shown, no attempts can be counted", "AK675"
            )
        elif not out.problems:
            out.warning(0, "no scored attempts and no eval rows in the file", "AK676")
    return out


def _digest(row: dict[str, Any], tags: dict[str, list[str]]) -> dict[str, Any]:
    """Probe pass rates (garak's own ``probe_score``) and tags from a digest row."""
    scores: dict[str, float] = {}
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    groups = obj(row.get("eval"))
    for group in groups.values():
        if not isinstance(group, dict):
            continue
        for probe, body in group.items():
            if probe.startswith("_") or not isinstance(body, dict):
                continue
            summ = body.get("_summary") or {}
            if isinstance(summ.get("probe_score"), (int, float)):
                scores[probe] = float(summ["probe_score"])
            if isinstance(summ.get("probe_tags"), list) and probe not in tags:
                tags[probe] = [str(t) for t in summ["probe_tags"]]
            for det, d in body.items():
                if det.startswith("_") or not isinstance(d, dict):
                    continue
                if isinstance(d.get("total_evaluated"), int) and isinstance(d.get("passed"), int):
                    counts[(probe, det)] = (d["total_evaluated"], d["passed"])
    return {"probe_pass_rate": scores, "counts": counts}
