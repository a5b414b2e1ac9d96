"""garak ``report.jsonl`` (0.13 to 0.17; older files are read with a warning).

The file is streamed line by line, so memory stays bounded whatever its size. Counts come from
the ``eval`` rows (one per probe x detector: ``fails`` = hits = attack successes,
``total_evaluated`` = scored outputs, ``nones`` = not scoreable); only scored attempts
(``status == 2``) are read, for the examples and as a fallback when the file has no eval rows.
Tags (garak's ``owasp:llmNN`` use the 2023 numbering) come from ``plugin_cache`` rows (0.15+)
or the ``digest`` (0.12+).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
        return text_of(obj((users or prompt["turns"])[-1]).get("content")) if (users or prompt["turns"]) else ""
    return text_of(prompt)


def _strip(name: Any, prefix: str) -> str:
    name = str(name or "")
    return name[len(prefix) :] if name.startswith(prefix) else name


@dataclass
class _Run:
    """What the rows of a garak report have told so far."""

    out: Imported
    threshold: float = 0.5  # garak's default, until the setup row records run.eval_threshold
    threshold_known: bool = False
    evals: dict[tuple[str, str], Finding] = field(default_factory=dict)  # from the eval rows
    counted: dict[tuple[str, str], Finding] = field(default_factory=dict)  # recomputed from status-2 attempts
    tags: dict[str, list[str]] = field(default_factory=dict)
    seen_completion: bool = False


def read(path: Path) -> Imported:
    run = _Run(Imported(tool=NAME, format="garak report.jsonl", summary_source="garak eval rows"))
    for line_no, row in _rows(path, run.out):
        kind = row.get("entry_type")
        handler = _ROW_KINDS.get(kind) if isinstance(kind, str) else None
        if handler is not None:
            handler(run, row, line_no)
    out = run.out
    _check_version(out)
    if not run.seen_completion:
        out.complete = False
        out.warning(
            0, "no 'completion' row: the run was interrupted or the file is truncated; counts may be partial", "AK674"
        )
    if not run.threshold_known and run.counted and not run.evals:
        out.warning(0, "run.eval_threshold not recorded; hits recomputed at garak's default 0.5", "AK675")
    findings = _findings(run)
    for f in findings.values():
        f.tags = list(run.tags.get(f.test, []))
    out.findings = sorted(findings.values(), key=lambda f: (f.test, f.detector))
    if not out.findings:
        if out.digest and out.digest.get("probe_pass_rate"):
            out.warning(
                0, "only a digest without counts: garak's pass rates are shown, no attempts can be counted", "AK675"
            )
        elif not out.problems:
            out.warning(0, "no scored attempts and no eval rows in the file", "AK676")
    return out


def _rows(path: Path, out: Imported) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, row)`` of every JSON object line of the file, read line by line; an overlong
    line, a line that is not valid JSON or not an object is reported and skipped."""
    line_no = 0
    with path.open("rb") as fh:
        while True:
            raw = fh.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
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
            yield line_no, row


def _setup_row(run: _Run, row: dict[str, Any], line_no: int) -> None:
    """``start_run setup`` (0.13+): the version, the target, the start and the eval threshold."""
    out = run.out
    out.tool_version = str(row.get("_config.version") or out.tool_version)
    target_type = row.get("plugins.target_type") or row.get("plugins.model_type") or ""
    target_name = row.get("plugins.target_name") or row.get("plugins.model_name") or ""
    out.target = " ".join(str(x) for x in (target_type, target_name) if x)
    out.started = str(row.get("transient.starttime_iso") or "")
    if isinstance(row.get("run.eval_threshold"), (int, float)):
        run.threshold = float(row["run.eval_threshold"])
        run.threshold_known = True


def _init_row(run: _Run, row: dict[str, Any], line_no: int) -> None:
    """``init``: the version and the start, when the setup row did not give them."""
    out = run.out
    out.tool_version = out.tool_version or str(row.get("garak_version") or "")
    out.started = out.started or str(row.get("start_time") or "")


def _plugin_cache_row(run: _Run, row: dict[str, Any], line_no: int) -> None:
    """``plugin_cache`` (0.15+): each probe's tags."""
    probes = obj(row.get("plugin_cache")).get("probes") or {}
    if isinstance(probes, dict):
        for name, meta in probes.items():
            if isinstance(meta, dict) and isinstance(meta.get("tags"), list):
                run.tags[_strip(name, "probes.")] = [str(t) for t in meta["tags"]]


def _attempt_row(run: _Run, row: dict[str, Any], line_no: int) -> None:
    """A scored ``attempt`` (status 2): counted per detector at the threshold, its hits kept as examples."""
    if row.get("status") != 2:
        return
    probe = _strip(row.get("probe_classname"), "probes.")
    results = row.get("detector_results") or {}
    outputs = row.get("outputs")
    if not isinstance(outputs, list):
        outputs = []
    if not isinstance(results, dict):
        run.out.warning(line_no, "attempt without detector_results as a mapping, skipped", "AK671")
        return
    for det, scores in results.items():
        key = (probe, _strip(det, "detector."))
        f = run.counted.setdefault(key, Finding(test=key[0], detector=key[1]))
        for i, s in enumerate(scores if isinstance(scores, list) else []):
            if not isinstance(s, (int, float)):
                f.errors += 1
                continue
            f.attempts += 1
            if s >= run.threshold:
                f.successes += 1
                if len(f.examples) < 5:
                    o = outputs[i] if i < len(outputs) else None
                    f.add_example(Example(_prompt_text(row.get("prompt")), text_of(o), float(s), f"line {line_no}"))


def _eval_row(run: _Run, row: dict[str, Any], line_no: int) -> None:
    """``eval``: garak's own counts for one probe and detector."""
    key = (_strip(row.get("probe"), "probes."), _strip(row.get("detector"), "detector."))
    total = row.get("total_evaluated", row.get("total"))
    passed = row.get("passed")
    if not isinstance(total, int) or not isinstance(passed, int):
        run.out.error(line_no, "eval row without integer total_evaluated/total and passed, skipped", "AK671")
        return
    fails = row.get("fails", total - passed)
    nones = row.get("nones", 0)
    run.evals[key] = Finding(
        test=key[0],
        detector=key[1],
        attempts=total,
        successes=int(fails) if isinstance(fails, int) else total - passed,
        errors=int(nones) if isinstance(nones, int) else 0,
    )


def _completion_row(run: _Run, row: dict[str, Any], line_no: int) -> None:
    """``completion``: the run finished."""
    run.seen_completion = True


def _digest_row(run: _Run, row: dict[str, Any], line_no: int) -> None:
    """``digest`` (0.12+): pass rates, counts and tags, and the run's details when no other row gave them."""
    out = run.out
    out.digest = _digest(row, run.tags)
    meta = obj(row.get("meta"))
    out.tool_version = out.tool_version or str(meta.get("garak_version") or "")
    out.started = out.started or str(meta.get("start_time") or "")
    out.target = out.target or " ".join(str(meta[k]) for k in ("target_type", "target_name") if meta.get(k))


_ROW_KINDS: dict[str, Callable[[_Run, dict[str, Any], int], None]] = {
    "start_run setup": _setup_row,
    "init": _init_row,
    "plugin_cache": _plugin_cache_row,
    "attempt": _attempt_row,
    "eval": _eval_row,
    "completion": _completion_row,
    "digest": _digest_row,
}


def _check_version(out: Imported) -> None:
    """Warn when the file names no garak version, or one outside those aimskit is tested with."""
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


def _findings(run: _Run) -> dict[tuple[str, str], Finding]:
    """The counts: garak's eval rows (with the examples of the attempts), else the digest's counts when
    there are no scored attempts, else the scored attempts recounted at the threshold."""
    out = run.out
    if run.evals:
        for key, f in run.evals.items():
            c = run.counted.get(key)
            if c is not None:
                f.examples = c.examples
        return run.evals
    if not run.counted and out.digest and out.digest.get("counts"):
        out.summary_source = "garak digest (total_evaluated and passed per detector)"
        return {
            k: Finding(test=k[0], detector=k[1], attempts=t, successes=t - p)
            for k, (t, p) in out.digest["counts"].items()
        }
    if run.counted:
        out.summary_source = (
            f"recomputed from scored attempts at threshold {run.threshold:g} (the file has no eval rows)"
        )
        out.warning(0, "no eval rows: counts recomputed from the scored attempts", "AK675")
    return run.counted


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
            summ = obj(body.get("_summary"))
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
