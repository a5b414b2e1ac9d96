"""Execute one report in a worker process: a fresh, pre-started kernel per report.

A worker (a process of the local pool, a Dask worker, or the main process with ``--jobs 1``)
calls :func:`execute_task` once per report. The report runs in a kernel that was started,
and told to import aimskit, pandas and plotly, *while the previous report ran*; the kernel is
used for exactly one report and then killed, so no state passes from one report to the next
(:mod:`aimskit.batch.kernels`). The worker then renders the HTML in its own process (no
re-import per report) and returns the files' contents: the caller writes them, atomically,
where they belong. So a worker needs the engagement folder (it is read by the notebook) but not
the output folder, which lets a Dask worker run on a machine that cannot see the output folder.

Everything a task needs travels in the :class:`ReportTask`; workers do not consult the step
registry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aimskit.batch import kernels
from aimskit.batch.kernels import KERNEL_NAME, START_TIMEOUT, shutdown

__all__ = ["PHASES", "ReportTask", "TaskResult", "describe", "execute_task", "shutdown", "source_cell", "warm_caches"]


@dataclass(frozen=True)
class ReportTask:
    """One report to execute and render; plain data, picklable."""

    name: str
    notebook: str
    parameters: dict[str, Any]
    title: str
    footer: str
    colour: str
    plotly_src: str | None  # relative URL of the shared plotly.js; None inlines it
    timeout: int  # seconds for the whole report
    warmup: str = ""  # Python code the pre-started kernel runs before the report (imports)
    prefetch: bool = True  # start the next kernel while this report runs
    snapshot: str | None = None  # the run's validated engagement snapshot, for $AIMSKIT_SNAPSHOT


@dataclass
class TaskResult:
    name: str
    status: str  # ok | failed
    started: str
    finished: str
    duration_s: float
    error: str | None = None
    ipynb: str | None = None  # the executed notebook (JSON text)
    html: str | None = None
    results: str | None = None  # the results JSON text the notebook wrote
    headline: dict[str, Any] = field(default_factory=dict)
    worker: str = ""
    attempts: int = 1
    attachments: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # kind -> (file name, content)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (see PHASES)


#: the phases of a report timed by :func:`execute_task` (seconds; ``*_cpu``: CPU seconds), in order
PHASES = {
    "parameters": "read the notebook and inject the parameters",
    "kernel": "wait for the report's kernel (started ahead while the previous report ran)",
    "prefetch": "start the next report's kernel",
    "setup_cell": "first cell: imports, engagement.load (snapshot), the step's computation, handover files",
    "cells": "the other cells: tables, figures and their serialisation into the notebook",
    "shutdown": "stop the report's kernel",
    "html": "render the HTML (nbconvert)",
    "ipynb": "serialise the executed notebook",
    "results": "read the results JSON and attachments",
    "write": "write the files and the record (the run's main process)",
    "kernel_cpu": "CPU seconds of the report's kernel process (its start-up included)",
    "worker_cpu": "CPU seconds of the worker process for this report",
}


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def failed_result(name: str, reason: str) -> TaskResult:
    """The result of a task that never returned one (its worker crashed, the scheduler lost it)."""
    stamp = now()
    return TaskResult(name=name, status="failed", started=stamp, finished=stamp, duration_s=0.0, error=reason)


def warm_caches(modules: list[str]) -> None:
    """Fill, ahead of a report, the caches every report fills in the same way.

    Imports ``modules``, loads the catalogs (package data) and builds a throw-away plotly figure
    of the common trace types with the report template (plotly imports its validators and builds
    the template on first use: about 0.5 s). Nothing of an engagement is read. Runs in the kernel
    zygote (then every forked kernel starts with these caches) or in a kernel before its report."""
    import importlib

    for module in modules:
        importlib.import_module(module)
    import plotly.graph_objects as go
    import plotly.io as pio

    from aimskit import catalog

    catalog.version()  # catalog.yaml, parsed once (every report's provenance and footer name the version)
    for name in catalog.names():
        catalog.load(name)
    fig = go.Figure(
        [
            go.Bar(x=[1], y=["a"], orientation="h", marker_color="#1F4E79", text=["1"], hovertemplate="%{x}"),
            go.Heatmap(z=[[1]], x=["a"], y=["b"], colorscale="RdYlGn", zmin=0, zmax=1, text=[["1"]]),
            go.Scatter(x=[1], y=[1], mode="markers+lines", marker={"symbol": "diamond", "size": 10}),
        ]
    )
    fig.update_layout(template="plotly_white", title={"text": "x"}, barmode="stack", legend={"orientation": "h"})
    fig.update_xaxes(title="x", range=[0, 1])
    fig.update_yaxes(autorange="reversed")
    pio.to_html(fig, include_plotlyjs=False, full_html=False, validate=False)
    # a report's first call, report.setup(), installs the figure renderer: plotly imports its renderers
    # module then, and with it nbformat and jsonschema (about 0.1 s of CPU, measured in forked kernels);
    # the figure shown through the renderers fills the caches of that path too. report.setup() installs
    # a fresh renderer again (no figure seen here counts in a report's div ids).
    from aimskit.present import report

    report.setup()
    pio.renderers._build_mime_bundle(fig.to_dict(), renderers_string=pio.renderers.default)


def _is_start_failure(exc: BaseException) -> bool:
    text = str(exc)
    return isinstance(exc, RuntimeError | TimeoutError) and (
        "Kernel died before replying" in text or "didn't respond" in text
    )


def _error_cell(nb: Any) -> int | None:
    for i, cell in enumerate(nb.cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return i
    return None


def source_cell(source: Path, index: int) -> int:
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


def describe(exc: BaseException, nb: Any = None, notebook: Path | None = None) -> str:
    """One readable line for any failure of a notebook run."""
    name = type(exc).__name__
    if name == "CellExecutionError":
        index = _error_cell(nb) if nb is not None else None
        where = "a cell" if index is None else f"cell {source_cell(notebook, index) if notebook else index + 1}"
        where += f" of {notebook.name}" if notebook else ""
        evalue = str(getattr(exc, "evalue", "")).strip().splitlines()
        return f"{where}: {getattr(exc, 'ename', name)}: {evalue[0] if evalue else ''}".rstrip(": ")
    if name == "CellTimeoutError":
        return f"timeout: the report ran longer than the limit ({str(exc).splitlines()[0]})"
    if name == "DeadKernelError":
        return "the kernel died (out of memory, or the process was killed)"
    text = str(exc).strip().splitlines()
    return f"{name}: {text[0] if text else ''}".rstrip(": ")


async def _run(
    task: ReportTask, state: kernels.Kernels, task_dir: Path, results_path: Path, timings: dict[str, float]
) -> tuple[Any, str | None, int]:
    from nbclient import NotebookClient
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    source = Path(task.notebook)
    # files the notebook writes beside its report go to a private folder; the caller places them
    params = dict(task.parameters, output_dir=str(task_dir), results_path=str(results_path))

    def fresh() -> Any:
        nb = load_notebook_node(str(source))
        return parameterize_notebook(nb, params, kernel_name=KERNEL_NAME, language="python")

    clock = time.perf_counter()
    nb = fresh()
    timings["parameters"] = time.perf_counter() - clock
    deadline = time.monotonic() + task.timeout
    error: str | None = None
    attempts = 0
    for attempt in (1, 2):
        attempts = attempt
        clock = time.perf_counter()
        if attempt == 1:
            km = await state.take(task.warmup)
        else:
            km = state.current = await state.start(task.warmup)
        timings["kernel"] = time.perf_counter() - clock
        if task.prefetch and attempt == 1:
            # the next report's kernel boots (in its own process) while this report runs
            clock = time.perf_counter()
            await state.prefetch(task.warmup)
            timings["prefetch"] = time.perf_counter() - clock
        client = NotebookClient(
            nb,
            km=km,
            timeout_func=lambda _cell: max(1, round(deadline - time.monotonic())),
            startup_timeout=START_TIMEOUT,
            kernel_name=KERNEL_NAME,
            record_timing=False,
            allow_errors=False,
        )
        _time_cells(client, nb, timings)
        try:
            clock = time.perf_counter()
            client.kc = await km._aimskit_ready  # connected and answering: nbclient skips its own handshake
            timings["kernel"] += time.perf_counter() - clock
            await client.async_execute()
            error = None
            break
        except Exception as exc:  # every failure is recorded, none is trusted to the metadata
            error = describe(exc, nb, source)
            if attempt == 1 and _is_start_failure(exc):
                nb = fresh()
                continue
            break
        finally:
            state.current = None
            timings["kernel_cpu"] = kernels.cpu_seconds(km)
            clock = time.perf_counter()
            await state.discard(km)
            timings["shutdown"] = time.perf_counter() - clock
    return nb, error, attempts


def _time_cells(client: Any, nb: Any, timings: dict[str, float]) -> None:
    """Time the cells ``client`` executes: the first one after the parameters (the imports, the
    engagement and the computation) as ``setup_cell``, the others together as ``cells``."""
    tags = [set(c.get("metadata", {}).get("tags", [])) for c in nb.cells]
    params = [i for i, t in enumerate(tags) if t & {"parameters", "injected-parameters"}]
    first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and i > max(params, default=-1)), -1)
    execute_cell = client.async_execute_cell
    timings["setup_cell"] = timings["cells"] = 0.0

    async def timed(cell: Any, cell_index: int, *args: Any, **kwargs: Any) -> Any:
        clock = time.perf_counter()
        try:
            return await execute_cell(cell, cell_index, *args, **kwargs)
        finally:
            timings["setup_cell" if cell_index == first else "cells"] += time.perf_counter() - clock

    client.async_execute_cell = timed


@contextlib.contextmanager
def _snapshot_env(path: str | None) -> Iterator[None]:
    """``$AIMSKIT_SNAPSHOT`` names the task's snapshot while it runs (inherited by the kernels started meanwhile)."""
    from aimskit.engagement import SNAPSHOT_ENV

    if not path:
        yield
        return
    before = os.environ.get(SNAPSHOT_ENV)
    os.environ[SNAPSHOT_ENV] = path
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(SNAPSHOT_ENV, None)
        else:
            os.environ[SNAPSHOT_ENV] = before


_shipped: dict[str, Path] = {}


def execute_shipped(task: ReportTask, snapshot: bytes) -> TaskResult:
    """:func:`execute_task` on a worker that cannot see the run's snapshot file: its bytes (sent once
    per worker) are written to a file of this worker, named as the run named it, and used instead."""
    name = Path(task.snapshot or "engagement.pickle").name
    local = _shipped.get(name)
    if local is None or not local.is_file():
        from aimskit.base.fileio import atomic_write_bytes

        folder = Path(tempfile.gettempdir()) / f"aimskit-snapshots-{os.getpid()}"
        local = folder / name
        atomic_write_bytes(local, snapshot)
        _shipped[name] = local
        if len(_shipped) == 1:
            import atexit

            atexit.register(shutil.rmtree, folder, True)
    return execute_task(replace(task, snapshot=str(local)))


def execute_task(task: ReportTask) -> TaskResult:
    """Execute and render one report in this process; never raises for a report's failure."""
    with _snapshot_env(task.snapshot):
        result = _execute_task(task)
    _freeze_once()
    return result


_frozen = False


def _freeze_once() -> None:
    """After this process's first report: what it holds by then (the modules, templates and caches
    of nbclient, nbconvert and, on a Dask worker, distributed) moved out of the collector's sight.

    A worker's full collections otherwise walk those objects again and again as reports come and go
    (see :func:`gc.freeze`); one collection first, so that nothing of the report is kept for good."""
    global _frozen
    if not _frozen:
        import gc

        gc.collect()
        gc.freeze()
        _frozen = True


def _execute_task(task: ReportTask) -> TaskResult:
    import nbformat

    from aimskit.present import render

    state = kernels.state()
    started, t0 = now(), time.perf_counter()
    task_dir = Path(tempfile.mkdtemp(prefix="report-", dir=state.scratch))
    results_path = task_dir / ".aimskit-results.json"
    result = TaskResult(
        name=task.name, status="failed", started=started, finished=started, duration_s=0.0, worker=_worker_id()
    )
    nb = None
    error: str | None
    timings = result.timings
    cpu0 = time.process_time()
    try:
        nb, error, result.attempts = state.loop.run_until_complete(_run(task, state, task_dir, results_path, timings))
    except Exception as exc:  # pragma: no cover - a bug in the worker itself
        state.kill()
        error = describe(exc)
    except BaseException:  # Ctrl-C, SystemExit: no kernel may outlive the run
        state.close()
        raise
    try:
        if nb is not None and any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
            clock = time.perf_counter()
            result.html = render.render_html_text(
                nb,
                title=task.title,
                plotly_src=task.plotly_src,
                colour=task.colour,
                footer=task.footer,
                error=error,
            )
            timings["html"] = time.perf_counter() - clock
            clock = time.perf_counter()
            # (nbformat.writes validates first, only to log: half the time, for a notebook nbclient just wrote)
            result.ipynb = nbformat.versions[nb.nbformat].writes_json(nb)
            timings["ipynb"] = time.perf_counter() - clock
        elif error is None:
            error = "the notebook produced no output"
        clock = time.perf_counter()
        if error is None:
            if not results_path.is_file():
                error = "the notebook wrote no results file"
            else:
                result.results = results_path.read_text(encoding="utf-8")
                data = json.loads(result.results)
                result.headline = data.get("headline", {})
                for kind, name in (data.get("attachments") or {}).items():
                    attached = task_dir / str(name)
                    reserved = str(kind) in ("ipynb", "html", "json")
                    if attached.parent == task_dir and attached.is_file() and not reserved:
                        result.attachments[str(kind)] = (attached.name, attached.read_bytes())
        timings["results"] = time.perf_counter() - clock
    except Exception as exc:  # rendering must not take the run down either
        error = error or f"rendering failed: {describe(exc)}"
    finally:
        shutil.rmtree(task_dir, ignore_errors=True)
    result.error = error
    result.status = "ok" if error is None else "failed"
    result.finished = now()
    result.duration_s = round(time.perf_counter() - t0, 2)
    timings["worker_cpu"] = time.process_time() - cpu0
    result.timings = {k: round(v, 4) for k, v in timings.items()}
    return result


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
