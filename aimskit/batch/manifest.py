"""What a run records: one :class:`ReportOutcome` per report, and ``manifest.json`` for the run.

The manifest is a :class:`aimskit.results.run.Manifest`, the model every reader of a finished run
reads it back with (its format: docs/run-format.md)."""

from __future__ import annotations

import platform
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import aimskit
from aimskit import catalog, engagement
from aimskit.batch.plan import ReportJob
from aimskit.engagement import Engagement, sha256_file
from aimskit.results.run import Manifest, Report

KEY_PACKAGES = (
    "pandas",
    "plotly",
    "papermill",
    "nbconvert",
    "nbformat",
    "nbclient",
    "ipykernel",
    "jupyter_client",
    "pydantic",
    "PyYAML",
)


@dataclass
class ReportOutcome:
    name: str
    step: str
    system_id: str | None
    status: str  # ok | failed
    started: str
    finished: str
    duration_s: float
    error: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    headline: dict[str, Any] = field(default_factory=dict)
    scope_id: str | None = None
    cached: bool = False  # reused from an earlier run: its cache key was unchanged
    cache_key: str = ""
    inputs_sha256: dict[str, str | None] = field(default_factory=dict)  # the engagement files it reads
    files_sha256: dict[str, str] = field(default_factory=dict)
    worker: str = ""
    attempts: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (aimskit.batch.worker.PHASES)


def versions() -> dict[str, str]:
    """The Python version and the versions of the packages a report's output depends on."""
    out = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def build_manifest(
    eng: Engagement,
    reports: Sequence[ReportOutcome],
    jobs: Sequence[ReportJob],
    run_parameters: dict[str, Any],
    started: str,
    finished: str,
    status: str | None = None,
) -> Manifest:
    """The manifest of a run (``status``: ``running`` or ``interrupted`` while it is not finished)."""
    notebooks = {j.notebook.name: sha256_file(j.notebook) for j in jobs}
    data = {
        "aimskit_version": aimskit.__version__,
        "catalog_version": catalog.version(),
        "engagement_format": engagement.FORMAT_VERSION,
        "packages": versions(),
        "engagement": {
            "path": str(Path(eng.path).resolve()),
            "organisation": eng.organisation,
            "assessment_date": eng.meta.assessment_date.isoformat(),
            "inputs_sha256": eng.input_hashes(),
        },
        "catalog_files_sha256": {p.name: sha256_file(p) for p in catalog.data_files()},
        "notebooks_sha256": notebooks,
        "parameters": run_parameters,
        "started": started,
        "finished": finished,
        "status": status or ("ok" if all(r.status == "ok" for r in reports) else "failed"),
        "reports": [report_entry(r) for r in reports],
    }
    return Manifest.model_validate(data)


def report_entry(outcome: ReportOutcome) -> Report:
    """A report's outcome as the manifest lists it."""
    return Report.model_validate(asdict(outcome))
