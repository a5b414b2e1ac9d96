"""Incremental runs: cache keys, the per-report records, and reusing a report whose key is unchanged.

A report's *record* (``.aimskit/records/<step>/<scope>.json``) is written after its files, so a
record always names complete files; a report whose record holds the same cache key and whose
files still have the recorded hashes is reused rather than executed again. A record is the report's
entry of the manifest with its format first (``"schema": "aimskit.record/1"``, docs/run-format.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import aimskit
from aimskit.base.fileio import atomic_write_bytes, atomic_write_text
from aimskit.batch.manifest import ReportOutcome
from aimskit.batch.plan import RECORDS, ReportJob
from aimskit.engagement import Engagement, sha256_file
from aimskit.engagement.parts import slicing
from aimskit.results.run import RECORD_SCHEMA, SCHEMA_KEY, read_own_json
from aimskit.steps.registry import STEPS


def record_path(out_root: Path, job: ReportJob) -> Path:
    return out_root / RECORDS / job.step / f"{job.scope}.json"


def canonical_hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def read_inputs(
    eng: Engagement, step: str, system_id: str | None = None, memo: slicing.SliceMemo | None = None
) -> dict[str, str | None]:
    """sha256 of the engagement files (and folders) a step's reports read (``None``: absent), and of the logo.

    For one system's report (``system_id``) of a system-scoped step, a file that divides by system
    (a declared :class:`~aimskit.engagement.parts.base.Slice`) counts by that system's slice only: its rows,
    the organisation-wide rows, its profile. Editing another system's rows leaves the key unchanged.
    ``memo`` (one per run's planning) reads and divides each file once for every report.
    """
    folder = Path(eng.path)
    names = list(STEPS[step].reads)
    if eng.meta.branding.logo:  # every report embeds the logo
        names.append(Path(eng.meta.branding.logo).as_posix())
    scoped = system_id if STEPS[step].slices_per_system else None
    return dict(slicing.input_hash(folder, name, scoped, memo) for name in dict.fromkeys(names))


def cache_key(job: ReportJob, inputs: dict[str, str | None], context: dict[str, Any], params: dict[str, Any]) -> str:
    """The identity of a report's inputs: equal keys give the same report."""
    return canonical_hash(
        {
            "step": job.step,
            "scope": job.scope,
            "notebook_sha256": context["notebooks"][str(job.notebook)],
            "inputs_sha256": inputs,
            "parameters": params,
            "aimskit": aimskit.__version__,
            "catalog": context["catalog"],
            "packages": context["packages"],
            "render": context["render"],
        }
    )


def load_record(path: Path) -> dict[str, Any] | None:
    """A report's record, or ``None`` when there is none or it cannot be used (unreadable, another
    format version: the report is then executed again, which writes a new one)."""
    return read_own_json(path, RECORD_SCHEMA)


def reusable(record: dict[str, Any] | None, key: str, out_root: Path) -> ReportOutcome | None:
    """The recorded outcome when it is a success with the same key and intact files."""
    if not record or record.get("status") != "ok" or record.get("cache_key") != key:
        return None
    files, digests = record.get("files") or {}, record.get("files_sha256") or {}
    if set(files) != set(digests) or not files:
        return None
    for kind, rel in files.items():
        path = out_root / rel
        if not path.is_file() or sha256_file(path) != digests[kind]:
            return None
    try:
        outcome = ReportOutcome(**{k: v for k, v in record.items() if k in ReportOutcome.__dataclass_fields__})
    except TypeError:
        return None
    outcome.cached = True
    return outcome


def clean_partial_files(out_root: Path, steps: Sequence[str]) -> None:
    """Remove temporary files an interrupted run left (only aimskit's own patterns, in its own folders)."""
    folders = [out_root, out_root / "assets", *(out_root / s for s in steps), *(out_root / RECORDS / s for s in steps)]
    for folder in folders:
        if not folder.is_dir():
            continue
        for tmp in folder.iterdir():
            if tmp.is_file() and tmp.name.startswith(".") and (tmp.name.endswith(".tmp") or ".partial." in tmp.name):
                with contextlib.suppress(OSError):
                    tmp.unlink()


def write_outcome(out_root: Path, job: ReportJob, res: Any, base: ReportOutcome) -> ReportOutcome:
    """Write a worker's files (a :class:`~aimskit.batch.worker.TaskResult`) atomically, then the record
    that makes them count as done."""
    clock = time.perf_counter()
    step_dir = out_root / job.step
    outcome = base
    outcome.status, outcome.error = res.status, res.error
    outcome.started, outcome.finished, outcome.duration_s = res.started, res.finished, res.duration_s
    outcome.headline, outcome.worker, outcome.attempts = res.headline, res.worker, res.attempts
    contents = {"ipynb": res.ipynb, "html": res.html, "json": res.results if res.status == "ok" else None}
    for kind, text in contents.items():
        path = step_dir / f"{job.scope}.{kind}"
        if text is None:  # a stale file of an earlier run must not pass for this run's output
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        data = text.encode("utf-8")
        atomic_write_bytes(path, data)
        outcome.files[kind] = path.relative_to(out_root).as_posix()
        outcome.files_sha256[kind] = hashlib.sha256(data).hexdigest()
    for kind, (name, data) in (res.attachments or {}).items():  # files the notebook wrote beside the report
        path = step_dir / name
        atomic_write_bytes(path, data)
        outcome.files[kind] = path.relative_to(out_root).as_posix()
        outcome.files_sha256[kind] = hashlib.sha256(data).hexdigest()
    outcome.timings = dict(getattr(res, "timings", None) or {})
    if outcome.timings:  # the record's own write is not in it
        outcome.timings["write"] = round(time.perf_counter() - clock, 4)
    record = {SCHEMA_KEY: RECORD_SCHEMA, **asdict(outcome)}
    atomic_write_text(record_path(out_root, job), json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    return outcome
