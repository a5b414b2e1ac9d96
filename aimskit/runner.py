"""Execute step notebooks and render them as reports, in parallel, resumably.

One call of :func:`run` validates the engagement, plans one report per step and scope
(organisation-wide, and per AI system), and executes each notebook in a fresh kernel of a
worker (:mod:`aimskit.worker`: worker processes with ``jobs`` > 1, Dask workers with
``executor="dask"``), which renders the HTML. This process writes every file, atomically, then
a small *record* per report (``.aimskit/records/<step>/<scope>.json``), then ``manifest.json``
and ``index.html``. A report that fails (an exception in a cell, a timeout, a dead kernel, a
crashed worker) is recorded as failed with a one-line reason; the other reports still run.

Incremental and resumable: a report whose *cache key* (the hashes of the engagement files its
step reads, of the notebook and the catalog, the aimskit and package versions, its parameters
and rendering options) equals the key in its record, and whose files are intact, is reused
rather than executed again (unless ``force``). A run interrupted at any point, even by
``kill -9``, leaves only complete files and complete records, so running again completes it.
"""

from __future__ import annotations

# (importing any aimskit module first runs aimskit/__init__.py, which blocks the slow rfc3987_syntax import)
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import aimskit
from aimskit import catalog, engagement, resources
from aimskit.engagement import Engagement, sha256_file
from aimskit.fileio import atomic_write_bytes, atomic_write_text
from aimskit.problems import suggest
from aimskit.steps.base import scope_name
from aimskit.steps.registry import PLANNED, STEPS

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
    cached: bool = False  # reused from an earlier run: its cache key was unchanged
    cache_key: str = ""
    inputs_sha256: dict[str, str | None] = field(default_factory=dict)  # the engagement files it reads
    files_sha256: dict[str, str] = field(default_factory=dict)
    worker: str = ""
    attempts: int = 0


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
    # (a run killed before its first manifest leaves only its own assets/ and .aimskit/ folders)
    ours = {"assets", RECORDS.parts[0]}
    if out_abs.is_dir() and any(p.name not in ours for p in out_abs.iterdir()) and not (out_abs / MANIFEST).is_file():
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
    status: str | None = None,
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
        "status": status or ("ok" if all(r.status == "ok" for r in reports) else "failed"),
        "reports": [asdict(r) for r in reports],
    }


RECORDS = Path(".aimskit") / "records"
EXECUTORS = ("local", "dask")


@dataclass
class Progress:
    """What a progress display needs after each event of a run."""

    event: str  # planned | cached | done
    outcome: ReportOutcome | None
    done: int  # reports finished (ok, failed or reused)
    failed: int
    total: int
    running: list[str] = field(default_factory=list)  # reports being executed (the oldest first)


def _record_path(out_root: Path, job: ReportJob) -> Path:
    return out_root / RECORDS / job.step / f"{job.scope}.json"


def _canonical_hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def read_inputs(eng: Engagement, step: str) -> dict[str, str | None]:
    """sha256 of the engagement files (and folders) a step's reports read (``None``: absent), and of the logo."""
    folder = Path(eng.path)
    names = list(STEPS[step].reads)
    if eng.meta.branding.logo:  # every report embeds the logo
        names.append(Path(eng.meta.branding.logo).as_posix())
    out: dict[str, str | None] = {}
    for name in dict.fromkeys(names):
        out[name] = _hash_path(folder / name)
    return out


def _hash_path(path: Path) -> str | None:
    """sha256 of a file; of a folder, the hash of its files' relative paths and hashes; None when absent."""
    if path.is_file():
        return sha256_file(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return _canonical_hash([[p.relative_to(path).as_posix(), sha256_file(p)] for p in files])
    return None


def cache_key(job: ReportJob, inputs: dict[str, str | None], context: dict[str, Any], params: dict[str, Any]) -> str:
    """The identity of a report's inputs: equal keys give the same report."""
    return _canonical_hash(
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


def _load_record(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _reusable(record: dict[str, Any] | None, key: str, out_root: Path) -> ReportOutcome | None:
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


def _clean_partial_files(out_root: Path, steps: Sequence[str]) -> None:
    """Remove temporary files an interrupted run left (only aimskit's own patterns, in its own folders)."""
    folders = [out_root, out_root / "assets", *(out_root / s for s in steps), *(out_root / RECORDS / s for s in steps)]
    for folder in folders:
        if not folder.is_dir():
            continue
        for tmp in folder.iterdir():
            if tmp.is_file() and tmp.name.startswith(".") and (tmp.name.endswith(".tmp") or ".partial." in tmp.name):
                with contextlib.suppress(OSError):
                    tmp.unlink()


def _write_outcome(out_root: Path, job: ReportJob, res: Any, base: ReportOutcome) -> ReportOutcome:
    """Write a worker's files atomically, then the record that makes them count as done."""
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
    atomic_write_text(_record_path(out_root, job), json.dumps(asdict(outcome), indent=1, ensure_ascii=False) + "\n")
    return outcome


def _crashed(task: Any, reason: str) -> Any:
    from aimskit.worker import TaskResult

    now = _now()
    return TaskResult(name=task.name, status="failed", started=now, finished=now, duration_s=0.0, error=reason)


def _execute_local(tasks: list[Any], jobs: int, on_start: Callable, on_result: Callable) -> None:
    from aimskit import worker

    if jobs <= 1:
        try:
            for task in tasks:
                on_start([task.name])
                on_result(task, worker.execute_task(task))
        finally:
            worker.shutdown()
        return
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    pending = list(tasks)
    tries: dict[str, int] = {}
    while pending:
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(pending)), mp_context=mp.get_context(method))
        futures = {pool.submit(worker.execute_task, t): t for t in pending}
        order = list(pending)
        pending = []
        broken = False
        try:
            while futures:
                on_start([t.name for t in order if t in futures.values()][:jobs])
                finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                for fut in finished:
                    task = futures.pop(fut)
                    try:
                        on_result(task, fut.result())
                    except BrokenProcessPool:
                        broken = True
                        tries[task.name] = tries.get(task.name, 0) + 1
                        if tries[task.name] < 2:
                            pending.append(task)  # a worker crashed; this report may be innocent: retry once
                        else:
                            on_result(task, _crashed(task, "the worker process crashed (twice)"))
                if broken:
                    for fut, task in list(futures.items()):
                        futures.pop(fut)
                        pending.append(task)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _execute_dask(tasks: list[Any], scheduler: str, on_start: Callable, on_result: Callable) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise RunError("the dask executor needs the 'distributed' package: pip install 'aimskit[dask]'") from exc
    from aimskit import worker

    try:
        client = Client(scheduler, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise RunError(f"cannot connect to the Dask scheduler at {scheduler}: {exc}") from exc
    try:
        futures = {client.submit(worker.execute_task, t, key=f"aimskit-{t.name}-{id(t)}", pure=False): t for t in tasks}
        on_start([t.name for t in tasks][:1])
        for fut in as_completed(list(futures)):
            task = futures.pop(fut)
            try:
                result = fut.result()
            except Exception as exc:  # KilledWorker and the like: the task never returned
                result = _crashed(task, f"the Dask task failed: {type(exc).__name__}: {exc}")
            on_result(task, result)
            on_start([t.name for t in futures.values()][:1])
    finally:
        client.close()


def warmup_code(steps: Sequence[str]) -> str:
    """Imports a kernel runs as soon as it starts, ahead of its report (the modules every report imports)."""
    modules = ["pandas", "plotly.graph_objects", "plotly.io", "aimskit.engagement", "aimskit.report"]
    modules += ["aimskit.charts", "aimskit.reports.common"]
    for step in steps:
        if step in STEPS:
            modules += STEPS[step].modules
    # no name is left in the kernel's namespace
    return f'__import__("aimskit.worker").worker.warm_caches({list(dict.fromkeys(modules))!r})'


def run(
    path: str | Path | None = None,
    *,
    steps: Sequence[str] = (),
    systems: Sequence[str] = (),
    out: str | Path | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    self_contained: bool = False,
    jobs: int | None = None,
    force: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> RunResult:
    """Produce every report of ``steps`` for the engagement at ``path``.

    ``path`` defaults to the bundled example and ``out`` to ``outputs/example`` (or
    ``outputs/<folder name>``). ``jobs`` worker processes (default: the number of CPUs) run
    the reports; ``executor="dask"`` sends them to the Dask scheduler at ``scheduler``
    instead. Reports whose inputs are unchanged since they were last written are reused
    unless ``force``. ``timeout`` is the limit, in seconds, for one report. Raises
    :class:`~aimskit.problems.InvalidEngagementError` when the engagement has errors and
    :class:`RunError` for an unknown step or system.
    """
    from aimskit import portfolio, render
    from aimskit.worker import ReportTask

    if executor not in EXECUTORS:
        raise RunError(f"unknown executor '{executor}'{suggest(executor, EXECUTORS)} (available: local, dask)")
    if executor == "dask" and not scheduler:
        raise RunError("the dask executor needs the address of a scheduler (--scheduler tcp://host:8786)")
    jobs = max(1, jobs or os.cpu_count() or 1)
    src = Path(path) if path else resources.example_engagement()
    eng = engagement.load(src)
    out_root = Path(out) if out else Path("outputs") / ("example" if path is None else src.resolve().name)
    jobs_planned = plan(eng, steps, systems)
    for nb, param in {(j.notebook, STEPS[j.step].scope_param) for j in jobs_planned}:
        check_notebook(nb, ["engagement_path", "output_dir", param, "results_path"])
    try:
        check_output_folder(out_root, src)
        out_root.mkdir(parents=True, exist_ok=True)
        if not self_contained:
            render.install_plotly_asset(out_root)
    except OSError as exc:
        raise RunError(f"cannot write to the output folder {out_root}: {exc.strerror or exc}") from exc
    step_names = list(dict.fromkeys(job.step for job in jobs_planned))
    _clean_partial_files(out_root, step_names)
    started = _now()
    run_parameters = {
        "steps": step_names,
        "systems": list(systems),
        "timeout_s": timeout,
        "self_contained": self_contained,
        "kernel": KERNEL_NAME,
        "jobs": jobs,
        "executor": executor,
        "scheduler": scheduler,
        "force": force,
    }
    packages = _versions()
    context = {
        "notebooks": {str(j.notebook): sha256_file(j.notebook) for j in jobs_planned},
        "catalog": {"version": catalog.version(), "files": {p.name: sha256_file(p) for p in catalog.data_files()}},
        "packages": packages,
        "render": {"self_contained": self_contained, "kernel": KERNEL_NAME},
    }
    footer = (
        f"aimskit {aimskit.__version__} - catalog {catalog.version()} - "
        f"{eng.organisation} - assessment date {eng.meta.assessment_date.isoformat()}"
    )
    warmup = warmup_code(list(STEPS))
    inputs_by_step = {step: read_inputs(eng, step) for step in step_names}
    outcomes: dict[ReportJob, ReportOutcome] = {}
    todo: list[tuple[ReportJob, ReportOutcome, ReportTask]] = []
    for job in jobs_planned:
        step_dir = out_root / job.step
        params = {
            "engagement_path": str(Path(eng.path).resolve()),
            "output_dir": str(step_dir.resolve()),
            STEPS[job.step].scope_param: job.scope_id,
        }
        inputs = inputs_by_step[job.step]
        key = cache_key(job, inputs, context, params)
        reused = None if force else _reusable(_load_record(_record_path(out_root, job)), key, out_root)
        if reused is not None:
            outcomes[job] = reused
            continue
        base = ReportOutcome(
            name=job.name,
            step=job.step,
            system_id=job.system_id,
            status="failed",
            started="",
            finished="",
            duration_s=0.0,
            parameters=params,
            scope_id=job.scope_id,
            cache_key=key,
            inputs_sha256=inputs,
        )
        title = f"{STEPS[job.step].title} - {eng.organisation}"
        plotly_src = None if self_contained else render.relative_src(step_dir / f"{job.scope}.html", out_root)
        task = ReportTask(
            name=job.name,
            notebook=str(Path(job.notebook).resolve()),
            parameters=params,
            title=title,
            footer=footer,
            colour=eng.meta.branding.colour,
            plotly_src=plotly_src,
            timeout=timeout,
            warmup=warmup,
        )
        todo.append((job, base, task))
    # with N workers, the last N reports need no kernel started ahead of them
    lanes = 1 if executor == "local" and jobs <= 1 else jobs
    tasks = [
        ReportTask(**{**asdict(t), "prefetch": i < len(todo) - lanes}) if executor == "local" else t
        for i, (_, _, t) in enumerate(todo)
    ]
    by_name = {t.name: (job, base) for (job, base, _), t in zip(todo, tasks, strict=True)}
    total = len(jobs_planned)
    state = {"done": 0, "failed": 0, "running": []}

    def report(event: str, outcome: ReportOutcome | None) -> None:
        if progress:
            progress(Progress(event, outcome, state["done"], state["failed"], total, list(state["running"])))

    def write_run_files(status: str | None) -> tuple[Path, Path]:
        ordered = [outcomes[j] for j in jobs_planned if j in outcomes]
        manifest = build_manifest(eng, ordered, jobs_planned, run_parameters, started, _now(), status=status)
        manifest_path, index_path = out_root / MANIFEST, out_root / INDEX
        atomic_write_text(manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        atomic_write_text(index_path, portfolio.index_html(eng, manifest))
        return manifest_path, index_path

    write_run_files("running")  # marks the folder as aimskit's from the start
    for job in jobs_planned:
        if job in outcomes:
            state["done"] += 1
            report("cached", outcomes[job])

    def on_start(names: list[str]) -> None:
        state["running"] = names
        report("running", None)

    def on_result(task: Any, res: Any) -> None:
        job, base = by_name[task.name]
        outcome = _write_outcome(out_root, job, res, base)
        outcomes[job] = outcome
        state["done"] += 1
        state["failed"] += outcome.status != "ok"
        state["running"] = [n for n in state["running"] if n != task.name]
        report("done", outcome)

    try:
        if executor == "dask":
            _execute_dask(tasks, str(scheduler), on_start, on_result)
        else:
            _execute_local(tasks, jobs, on_start, on_result)
    except BaseException:
        with contextlib.suppress(Exception):
            write_run_files("interrupted")
        raise
    manifest_path, index_path = write_run_files(None)
    return RunResult(
        out=out_root,
        reports=[outcomes[j] for j in jobs_planned],
        manifest=manifest_path,
        index=index_path,
        warnings=list(eng.warnings),
    )
