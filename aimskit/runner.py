"""Execute step notebooks with papermill and render them as reports.

One call of :func:`run` validates the engagement, plans one report per step and scope
(organisation-wide, and per AI system), executes each notebook in a fresh kernel, renders it
to HTML in this process, and writes ``manifest.json`` and ``index.html``. A report that fails
(an exception in a cell, a timeout, a dead kernel) is recorded as failed with a one-line
reason; the other reports still run. Every file is written atomically.
"""

from __future__ import annotations

# (importing any aimskit module first runs aimskit/__init__.py, which blocks the slow rfc3987_syntax import)
import contextlib
import datetime as dt
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import aimskit
from aimskit import catalog, engagement, resources
from aimskit.engagement import Engagement, sha256_file
from aimskit.fileio import atomic_write_text
from aimskit.problems import suggest
from aimskit.steps import PLANNED, STEPS, scope_name

KERNEL_NAME = "python3"
DEFAULT_TIMEOUT = 600  # seconds per cell
MANIFEST = "manifest.json"
INDEX = "index.html"
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


class RunError(Exception):
    """The run cannot start: unknown step or system, or a notebook without parameters."""


@dataclass(frozen=True)
class ReportJob:
    step: str
    scope_id: str | None
    notebook: Path

    @property
    def system_id(self) -> str | None:
        return self.scope_id if STEPS[self.step].scope_param == "system_id" else None

    @property
    def scope(self) -> str:
        return scope_name(STEPS[self.step].scope_prefix, self.scope_id)

    @property
    def name(self) -> str:
        return f"{self.step}/{self.scope}"


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


@dataclass
class RunResult:
    out: Path
    reports: list[ReportOutcome]
    manifest: Path
    index: Path
    warnings: list = field(default_factory=list)

    @property
    def failed(self) -> list[ReportOutcome]:
        return [r for r in self.reports if r.status != "ok"]

    @property
    def ok(self) -> bool:
        return not self.failed


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def plan(eng: Engagement, steps: Sequence[str] = (), systems: Sequence[str] = ()) -> list[ReportJob]:
    """The reports to produce.

    No ``systems``: per step, one organisation-wide report plus one per scope value (by default
    the in-scope AI systems; see :class:`aimskit.steps.Step`). With ``systems``: one report per
    system-scoped step for each system named, and the organisation report of the other steps.
    """
    steps = list(dict.fromkeys(steps)) or list(STEPS)
    for step in steps:
        if step not in STEPS:
            if step in PLANNED:
                raise RunError(f"step '{step}' is planned but not available yet (available: {', '.join(STEPS)})")
            raise RunError(f"unknown step '{step}'{suggest(step, STEPS)} (available: {', '.join(STEPS)})")
    in_scope = eng.in_scope_ids
    known = list(eng.systems["id"])
    for sid in systems:
        if sid not in known:
            raise RunError(f"unknown system '{sid}'{suggest(sid, known)} (systems: {', '.join(known)})")
        if sid not in in_scope:
            raise RunError(f"system '{sid}' is out of scope (in_scope = no in systems.csv)")
    jobs: list[ReportJob] = []
    for step in steps:
        spec = STEPS[step]
        nb = resources.notebook(spec.notebook)
        scopes: list[str | None]
        if systems:
            # --system asks for per-system reports; steps not scoped by system keep their organisation report
            scopes = list(dict.fromkeys(systems)) if spec.system_scoped else [None]
        else:
            scopes = [None, *spec.scope_values(eng)]
        jobs.extend(ReportJob(step, sid, nb) for sid in scopes)
    return jobs


def check_notebook(path: Path, names: Sequence[str]) -> None:
    """Refuse a notebook without a ``parameters`` cell or without the parameters we pass."""
    import papermill

    if not path.is_file():
        raise RunError(f"notebook not found: {path}")
    params = papermill.inspect_notebook(str(path))
    if not params:
        raise RunError(f"{path.name} has no cell tagged 'parameters'; papermill would ignore our values")
    missing = [n for n in names if n not in params]
    if missing:
        raise RunError(f"{path.name} does not declare the parameter(s) {', '.join(missing)}")


def check_output_folder(out_root: Path, engagement_path: Path) -> None:
    """Refuse an output folder where writing could overwrite something the user wrote."""
    out_abs, eng_abs = Path(out_root).resolve(), Path(engagement_path).resolve()
    if out_abs == eng_abs or eng_abs in out_abs.parents:
        raise RunError(f"the output folder {out_root} is inside the engagement folder; choose another with --out")
    if out_abs.is_file():
        raise RunError(f"the output folder {out_root} is a file")
    if out_abs.is_dir() and any(out_abs.iterdir()) and not (out_abs / MANIFEST).is_file():
        raise RunError(
            f"{out_root} is not empty and holds no aimskit {MANIFEST}; refusing to write into it "
            "(choose an empty or new folder with --out)"
        )


def kernel_warning() -> str | None:
    """A warning when the 'python3' kernel would run another interpreter than this one."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        try:
            spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        except NoSuchKernel:
            return f"no Jupyter kernel named '{KERNEL_NAME}'; install ipykernel in this environment"
        exe = spec.argv[0] if spec.argv else ""
        if exe in ("python", "python3", "{python}", sys.executable):
            return None
        if Path(exe).resolve() != Path(sys.executable).resolve():
            return (
                f"the '{KERNEL_NAME}' kernel runs {exe}, not this Python ({sys.executable}); reports fail "
                "if aimskit is not installed there (fix: python -m ipykernel install --sys-prefix)"
            )
    except Exception:  # pragma: no cover - informative only
        return None
    return None


def _kernel_manager_class():
    """A kernel manager that encrypts its local connection (silences ipykernel's TCP warning)."""
    try:
        from jupyter_client.manager import AsyncKernelManager
        from traitlets import default

        if "transport_encryption" not in AsyncKernelManager.class_trait_names():
            return None

        class EncryptedKernelManager(AsyncKernelManager):
            @default("transport_encryption")
            def _default_transport_encryption(self):  # pragma: no cover - trivial
                return "auto"

        return EncryptedKernelManager
    except Exception:  # pragma: no cover - older jupyter_client
        return None


def _source_cell(source: Path, index: int) -> int:
    """1-based number, in the source notebook, of cell ``index`` of the executed notebook.

    papermill inserts its injected-parameters cell right after the ``parameters`` cell, so the
    cells after it are shifted by one."""
    import nbformat

    try:
        nb = nbformat.read(str(source), as_version=4)
        tags = [c.get("metadata", {}).get("tags", []) for c in nb.cells]
        params = next(i for i, t in enumerate(tags) if "parameters" in t)
    except Exception:
        return index + 1
    return index if index > params + 1 else index + 1


def _describe(exc: BaseException, notebook: Path | None = None) -> str:
    """One readable line for any failure of a notebook run."""
    import papermill

    if isinstance(exc, papermill.PapermillExecutionError):
        number = _source_cell(notebook, exc.cell_index) if notebook else exc.cell_index + 1
        where = f"cell {number}" + (f" of {notebook.name}" if notebook else "")
        evalue = str(exc.evalue).strip().splitlines()
        first = evalue[0] if evalue else ""
        return f"{where}: {exc.ename}: {first}"
    name = type(exc).__name__
    if name == "CellTimeoutError":
        return f"timeout: a cell ran longer than the limit ({str(exc).splitlines()[0]})"
    if name == "DeadKernelError":
        return "the kernel died (out of memory, or the process was killed)"
    text = str(exc).strip().splitlines()
    return f"{name}: {text[0] if text else ''}".rstrip(": ")


def _is_start_failure(exc: BaseException) -> bool:
    text = str(exc)
    return isinstance(exc, RuntimeError | TimeoutError) and (
        "Kernel died before replying" in text or "didn't respond" in text
    )


def execute(
    job: ReportJob,
    eng: Engagement,
    out_root: Path,
    *,
    timeout: int = DEFAULT_TIMEOUT,
    self_contained: bool = False,
) -> ReportOutcome:
    """Execute one report notebook and render it. Never raises for a notebook failure."""
    import nbformat
    import papermill

    from aimskit import render

    step_dir = out_root / job.step
    step_dir.mkdir(parents=True, exist_ok=True)
    ipynb = step_dir / f"{job.scope}.ipynb"
    html = step_dir / f"{job.scope}.html"
    results = step_dir / f"{job.scope}.json"
    tmp_ipynb = step_dir / f".{job.scope}.{os.getpid()}.partial.ipynb"
    tmp_results = step_dir / f".{job.scope}.{os.getpid()}.partial.json"
    params = {
        "engagement_path": str(Path(eng.path).resolve()),
        "output_dir": str(step_dir.resolve()),
        STEPS[job.step].scope_param: job.scope_id,
        "results_path": str(tmp_results.resolve()),
    }
    started, t0 = _now(), time.perf_counter()
    error: str | None = None
    engine_kwargs: dict[str, Any] = {"execution_timeout": timeout, "record_timing": False}
    km = _kernel_manager_class()
    if km is not None:
        engine_kwargs["kernel_manager_class"] = km
    for attempt in (1, 2):
        try:
            papermill.execute_notebook(
                _literal(job.notebook),
                _literal(tmp_ipynb),
                parameters=params,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                request_save_on_cell_execute=False,
                start_timeout=60,
                **engine_kwargs,
            )
            error = None
            break
        except Exception as exc:  # every failure is recorded, none is trusted to the metadata
            error = _describe(exc, job.notebook)
            if attempt == 1 and _is_start_failure(exc):
                continue
            break
    files: dict[str, str] = {}
    headline: dict[str, Any] = {}
    try:
        if tmp_ipynb.is_file():
            nb = nbformat.read(str(tmp_ipynb), as_version=4)
            src = None if self_contained else render.relative_src(html, out_root)
            render.render_html(
                nb,
                html,
                title=f"{STEPS[job.step].title} - {eng.organisation}",
                plotly_src=src,
                colour=eng.meta.branding.colour,
                footer=f"aimskit {aimskit.__version__} - catalog {catalog.version()} - "
                f"{eng.organisation} - assessment date {eng.meta.assessment_date.isoformat()}",
                error=error,
            )
            os.replace(tmp_ipynb, ipynb)
            files["ipynb"] = ipynb.relative_to(out_root).as_posix()
            files["html"] = html.relative_to(out_root).as_posix()
        elif error is None:
            error = "the notebook produced no output"
        if error is None:
            if not tmp_results.is_file():
                error = "the notebook wrote no results file"
            else:
                data = json.loads(tmp_results.read_text(encoding="utf-8"))
                headline = data.get("headline", {})
                os.replace(tmp_results, results)
                files["json"] = results.relative_to(out_root).as_posix()
                for kind, name in (data.get("attachments") or {}).items():
                    attached = step_dir / str(name)
                    if attached.parent == step_dir and attached.is_file():  # files the notebook wrote beside it
                        files[str(kind)] = attached.relative_to(out_root).as_posix()
    except Exception as exc:  # rendering must not take the run down either
        error = error or f"rendering failed: {_describe(exc)}"
    finally:
        for tmp in (tmp_ipynb, tmp_results):
            with contextlib.suppress(OSError):
                tmp.unlink()
    return ReportOutcome(
        name=job.name,
        step=job.step,
        system_id=job.system_id,
        status="ok" if error is None else "failed",
        started=started,
        finished=_now(),
        duration_s=round(time.perf_counter() - t0, 2),
        error=error,
        files=files,
        parameters={k: v for k, v in params.items() if k != "results_path"},
        headline=headline,
        scope_id=job.scope_id,
    )


def _literal(path: Path) -> str:
    """papermill formats paths with the parameters (``{name}``); keep braces in a path literal."""
    return str(path).replace("{", "{{").replace("}", "}}")


def _versions() -> dict[str, str]:
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
) -> dict[str, Any]:
    notebooks = {j.notebook.name: sha256_file(j.notebook) for j in jobs}
    return {
        "aimskit_version": aimskit.__version__,
        "catalog_version": catalog.version(),
        "engagement_format": engagement.FORMAT_VERSION,
        "packages": _versions(),
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
        "status": "ok" if all(r.status == "ok" for r in reports) else "failed",
        "reports": [asdict(r) for r in reports],
    }


def run(
    path: str | Path | None = None,
    *,
    steps: Sequence[str] = (),
    systems: Sequence[str] = (),
    out: str | Path | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    self_contained: bool = False,
    progress: Callable[[str, ReportOutcome | None, int, int], None] | None = None,
) -> RunResult:
    """Produce every report of ``steps`` for the engagement at ``path``.

    ``path`` defaults to the bundled example and ``out`` to ``outputs/example`` (or
    ``outputs/<folder name>``). Raises :class:`~aimskit.problems.InvalidEngagementError` when
    the engagement has errors and :class:`RunError` for an unknown step or system.
    """
    from aimskit import portfolio, render

    src = Path(path) if path else resources.example_engagement()
    eng = engagement.load(src)
    out_root = Path(out) if out else Path("outputs") / ("example" if path is None else src.resolve().name)
    jobs = plan(eng, steps, systems)
    for nb, param in {(j.notebook, STEPS[j.step].scope_param) for j in jobs}:
        check_notebook(nb, ["engagement_path", "output_dir", param, "results_path"])
    try:
        check_output_folder(out_root, src)
        out_root.mkdir(parents=True, exist_ok=True)
        if not self_contained:
            render.install_plotly_asset(out_root)
    except OSError as exc:
        raise RunError(f"cannot write to the output folder {out_root}: {exc.strerror or exc}") from exc
    started = _now()
    outcomes: list[ReportOutcome] = []
    for i, job in enumerate(jobs):
        if progress:
            progress("start", None, i, len(jobs))
        outcome = execute(job, eng, out_root, timeout=timeout, self_contained=self_contained)
        outcomes.append(outcome)
        if progress:
            progress("done", outcome, i + 1, len(jobs))
    run_parameters = {
        "steps": [j for j in dict.fromkeys(job.step for job in jobs)],
        "systems": list(systems),
        "timeout_s": timeout,
        "self_contained": self_contained,
        "kernel": KERNEL_NAME,
    }
    manifest = build_manifest(eng, outcomes, jobs, run_parameters, started, _now())
    manifest_path = out_root / MANIFEST
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    index_path = out_root / INDEX
    atomic_write_text(index_path, portfolio.index_html(eng, manifest))
    return RunResult(
        out=out_root, reports=outcomes, manifest=manifest_path, index=index_path, warnings=list(eng.warnings)
    )
