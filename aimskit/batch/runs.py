"""One batch run: validate, plan, reuse what is unchanged, execute the rest, record everything.

:func:`run` builds a :class:`BatchRun` and executes it. The run object holds the run's state: the
planned reports, the outcome of each (reused or executed), the counts a progress display
shows, and it writes ``manifest.json`` and ``index.html`` (at the start, marking the folder as
aimskit's, after an interruption, and at the end). A finished run is read back with
:class:`aimskit.results.run.Run` (named ``BatchRun`` here so that the two are not confused; the old
name ``Run`` of this class is a deprecated alias).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aimskit
from aimskit import catalog, engagement
from aimskit.base import resources
from aimskit.base.fileio import atomic_write_text
from aimskit.batch import cache, executors
from aimskit.batch.errors import RunError
from aimskit.batch.kernels import KERNEL_NAME
from aimskit.batch.manifest import ReportOutcome, build_manifest, versions
from aimskit.batch.plan import INDEX, MANIFEST, ReportJob, check_notebook, check_output_folder, plan
from aimskit.batch.worker import ReportTask, TaskResult, now
from aimskit.engagement import Engagement, sha256_file
from aimskit.engagement.parts import slicing
from aimskit.results import compare
from aimskit.steps.registry import STEPS

DEFAULT_TIMEOUT = 600  # seconds per cell
SCRATCH = Path(".aimskit") / "scratch"  # the run's temporary files (the engagement snapshot)
# modules every report imports, pre-imported in its kernel
COMMON_MODULES = (
    "pandas",
    "plotly.graph_objects",
    "plotly.io",
    "aimskit.engagement",
    "aimskit.present.report",
    "aimskit.present.charts",
    "aimskit.present.common",
)


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


@dataclass
class Progress:
    """What a progress display needs after each event of a run."""

    event: str  # planned | cached | done
    outcome: ReportOutcome | None
    done: int  # reports finished (ok, failed or reused)
    failed: int
    total: int
    running: list[str] = field(default_factory=list)  # reports being executed (the oldest first)


def step_modules(step: str) -> list[str]:
    """The modules a step's reports import: those its :class:`~aimskit.steps.Step` declares
    (``modules``), else (none declared) ``aimskit.steps.<step>`` and ``aimskit.steps.<step>.view``
    where they exist."""

    declared = getattr(STEPS.get(step), "modules", None)
    if declared:
        return list(declared)
    guessed = (f"aimskit.steps.{step}", f"aimskit.steps.{step}.view")
    return [mod for mod in guessed if _exists(mod)]


def _exists(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its package is absent (a step module outside aimskit.steps)
        return False


def warmup_code(steps: Sequence[str]) -> str:
    """Imports a kernel runs as soon as it starts, ahead of its report (the modules every report imports)."""
    modules = list(COMMON_MODULES)
    for step in steps:
        modules += step_modules(step)
    # no name is left in the kernel's namespace
    return f'__import__("aimskit.batch.worker").batch.worker.warm_caches({list(dict.fromkeys(modules))!r})'


@dataclass
class _Pending:
    job: ReportJob
    base: ReportOutcome  # the outcome so far: what the run knows before the report executes
    task: ReportTask


class BatchRun:
    """The state of one run in progress: its plan, the outcome of every report, progress and the run files.

    ``parameters`` are the run's, as the manifest records them; the report timeout (``timeout_s``)
    and ``self_contained`` are read from them."""

    def __init__(
        self,
        eng: Engagement,
        jobs: Sequence[ReportJob],
        out_root: Path,
        executor: executors.Executor,
        *,
        parameters: dict[str, Any],
        force: bool = False,
        progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.eng = eng
        self.jobs = list(jobs)
        self.out_root = out_root
        self.executor = executor
        self.parameters = parameters
        self.timeout = int(parameters.get("timeout_s", DEFAULT_TIMEOUT))
        self.self_contained = bool(parameters.get("self_contained", False))
        self.force = force
        self.progress = progress
        self.started = now()
        self.outcomes: dict[ReportJob, ReportOutcome] = {}
        self.pending: dict[str, _Pending] = {}  # by report name: the reports to execute
        self.done = 0
        self.failed = 0
        self.running: list[str] = []
        self.memo: slicing.SliceMemo | None = None  # the slice hashes of planning, handed to the snapshot

    @property
    def total(self) -> int:
        return len(self.jobs)

    # --- before execution ----------------------------------------------------------------------

    def context(self) -> dict[str, Any]:
        """What, besides its own inputs, every report's cache key holds."""
        return {
            "notebooks": {str(j.notebook): sha256_file(j.notebook) for j in self.jobs},
            "catalog": {"version": catalog.version(), "files": {p.name: sha256_file(p) for p in catalog.data_files()}},
            "packages": versions(),
            "render": {"self_contained": self.self_contained, "kernel": KERNEL_NAME},
        }

    def prepare(self) -> None:
        """Take each report whose cache key is unchanged from its record; make a task of every other one."""
        from aimskit.present import render

        eng, out_root = self.eng, self.out_root
        context = self.context()
        footer = (
            f"aimskit {aimskit.__version__} - catalog {catalog.version()} - "
            f"{eng.organisation} - assessment date {eng.meta.assessment_date.isoformat()}"
        )
        warmup = warmup_code(list(STEPS))
        inputs_by_scope: dict[tuple[str, str | None], dict[str, str | None]] = {}
        memo = self.memo = slicing.SliceMemo()  # each input file read and divided by system once, for every report
        todo: list[_Pending] = []
        for job in self.jobs:
            step_dir = out_root / job.step
            params = {
                "engagement_path": str(Path(eng.path).resolve()),
                "output_dir": str(step_dir.resolve()),
                STEPS[job.step].scope_param: job.scope_id,
            }
            scoped = job.system_id if STEPS[job.step].slices_per_system else None
            if (job.step, scoped) not in inputs_by_scope:
                inputs_by_scope[job.step, scoped] = cache.read_inputs(eng, job.step, scoped, memo)
            inputs = inputs_by_scope[job.step, scoped]
            key = cache.cache_key(job, inputs, context, params)
            record = None if self.force else cache.load_record(cache.record_path(out_root, job))
            reused = cache.reusable(record, key, out_root)
            if reused is not None:
                self.outcomes[job] = reused
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
            plotly_src = None if self.self_contained else render.relative_src(step_dir / f"{job.scope}.html", out_root)
            task = ReportTask(
                name=job.name,
                notebook=str(Path(job.notebook).resolve()),
                parameters=params,
                title=f"{STEPS[job.step].title} - {eng.organisation}",
                footer=footer,
                colour=eng.meta.branding.colour,
                plotly_src=plotly_src,
                timeout=self.timeout,
                warmup=warmup,
            )
            todo.append(_Pending(job, base, task))
        tasks = self.executor.prepare([p.task for p in todo])
        self.pending = {t.name: _Pending(p.job, p.base, t) for p, t in zip(todo, tasks, strict=True)}

    # --- events ----------------------------------------------------------------------------------

    def report(self, event: str, outcome: ReportOutcome | None) -> None:
        if self.progress:
            self.progress(Progress(event, outcome, self.done, self.failed, self.total, list(self.running)))

    def on_start(self, names: list[str]) -> None:
        self.running = names
        self.report("running", None)

    def on_result(self, task: ReportTask, res: TaskResult) -> None:
        pending = self.pending[task.name]
        outcome = cache.write_outcome(self.out_root, pending.job, res, pending.base)
        self.outcomes[pending.job] = outcome
        self.done += 1
        self.failed += outcome.status != "ok"
        self.running = [n for n in self.running if n != task.name]
        self.report("done", outcome)

    # --- the run files -------------------------------------------------------------------------

    def write_run_files(self, status: str | None) -> tuple[Path, Path]:
        """Write ``manifest.json`` and ``index.html`` for the reports with an outcome so far."""
        from aimskit.results import portfolio

        ordered = [self.outcomes[j] for j in self.jobs if j in self.outcomes]
        manifest = build_manifest(self.eng, ordered, self.jobs, self.parameters, self.started, now(), status=status)
        manifest_path, index_path = self.out_root / MANIFEST, self.out_root / INDEX
        atomic_write_text(manifest_path, manifest.to_text())
        atomic_write_text(index_path, portfolio.index_html(self.eng, manifest))
        return manifest_path, index_path

    # --- execution -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def snapshot(self) -> Any:
        """Parse and validate once: the run's engagement, pickled into its scratch folder (named by
        its input hashes), is named in ``$AIMSKIT_SNAPSHOT`` for the workers and their kernels, whose
        ``engagement.load`` uses it while every input still has the recorded hash."""
        if not self.pending or self.eng.loaded is not None:
            yield None
            return
        digest = cache.canonical_hash(self.eng.input_hashes())[:16]
        path = self.out_root / SCRATCH / f"engagement-{digest}.pickle"
        try:
            engagement.save_snapshot(self.eng, path, self.memo)
            self.memo = None  # (its parsed files are not needed any more, nor inherited by forked workers)
        except Exception:  # an engagement that cannot be pickled: the workers read the folder
            yield None
            return
        before = os.environ.get(engagement.SNAPSHOT_ENV)
        os.environ[engagement.SNAPSHOT_ENV] = str(path.resolve())
        try:
            yield path
        finally:
            if before is None:
                os.environ.pop(engagement.SNAPSHOT_ENV, None)
            else:
                os.environ[engagement.SNAPSHOT_ENV] = before
            with contextlib.suppress(OSError):
                path.unlink()

    def execute(self) -> RunResult:
        """Reuse, execute, record; returns when every planned report has an outcome."""
        self.prepare()
        self.write_run_files("running")  # marks the folder as aimskit's from the start
        for job in self.jobs:
            if job in self.outcomes:
                self.done += 1
                self.report("cached", self.outcomes[job])
        try:
            with self.snapshot() as snap:
                tasks = [p.task for p in self.pending.values()]
                if snap is not None:  # named in each task too: a Dask worker does not share our environment
                    tasks = [replace(t, snapshot=str(snap.resolve())) for t in tasks]
                self.executor.execute(tasks, self.on_start, self.on_result)
        except BaseException:
            with contextlib.suppress(Exception):
                self.write_run_files("interrupted")
            raise
        missing = [j.name for j in self.jobs if j not in self.outcomes]
        if missing:  # an executor that returned without a result for every task
            for name in missing:
                self.on_result(self.pending[name].task, _no_result(name, self.executor))
        manifest_path, index_path = self.write_run_files(None)
        return RunResult(
            out=self.out_root,
            reports=[self.outcomes[j] for j in self.jobs],
            manifest=manifest_path,
            index=index_path,
            warnings=list(self.eng.warnings),
        )


def _no_result(name: str, executor: executors.Executor) -> TaskResult:
    return executors.failed_result(name, f"the executor '{executor.name}' returned no result for this report")


def run(  # noqa: PLR0913 - keyword-only options of the library's main call, one per option of `aimskit run`
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
    baseline: str | Path | None = None,
) -> RunResult:
    """Produce every report of ``steps`` for the engagement at ``path``.

    With ``baseline`` (the output folder of an earlier run of the same engagement), also writes
    ``compare.html`` and ``compare.json`` and a section in the index (:mod:`aimskit.results.compare`).

    ``path`` defaults to the bundled example and ``out`` to ``outputs/example`` (or
    ``outputs/<folder name>``). ``jobs`` worker processes (default: the number of CPUs) run
    the reports; ``executor="dask"`` sends them to the Dask scheduler at ``scheduler``
    instead (any executor registered in :mod:`aimskit.batch.executors` can be named).
    Reports whose inputs are unchanged since they were last written are reused unless
    ``force``. ``timeout`` is the limit, in seconds, for one report. Raises
    :class:`~aimskit.base.problems.InvalidEngagementError` when the engagement has errors and
    :class:`RunError` for an unknown step, system or executor.
    """
    from aimskit.present import render

    jobs = max(1, jobs or os.cpu_count() or 1)
    chosen = executors.create(executor, jobs=jobs, scheduler=scheduler)
    src = Path(path) if path else resources.example_engagement()
    eng = engagement.load(src)
    if baseline is not None:
        compare.check_baseline(baseline, eng.organisation)
    out_root = Path(out) if out else Path("outputs") / ("example" if path is None else src.resolve().name)
    planned = plan(eng, steps, systems)
    for nb, param in {(j.notebook, STEPS[j.step].scope_param) for j in planned}:
        check_notebook(nb, ["engagement_path", "output_dir", param, "results_path"])
    try:
        check_output_folder(out_root, src)
        out_root.mkdir(parents=True, exist_ok=True)
        if not self_contained:
            render.install_plotly_asset(out_root)
    except OSError as exc:
        raise RunError(f"cannot write to the output folder {out_root}: {exc.strerror or exc}") from exc
    step_names = list(dict.fromkeys(job.step for job in planned))
    cache.clean_partial_files(out_root, step_names)
    parameters = {
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
    result = BatchRun(
        eng,
        planned,
        out_root,
        chosen,
        parameters=parameters,
        force=force,
        progress=progress,
    ).execute()
    if baseline is not None:
        compare.with_baseline(baseline, eng, result.out, self_contained=self_contained)
    return result


def __getattr__(name: str) -> Any:
    if name == "Run":  # the name of BatchRun before the finished run got its own Run (aimskit.results.run)
        warnings.warn(
            "aimskit.batch.runs.Run is now BatchRun (aimskit.results.run.Run reads a finished run)",
            DeprecationWarning,
            stacklevel=2,
        )
        return BatchRun
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
