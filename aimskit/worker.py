"""Execute one report in a worker process: a fresh, pre-started kernel per report.

A worker (a process of the local pool, a Dask worker, or the main process with ``--jobs 1``)
calls :func:`execute_task` once per report. The report runs in a kernel that was started,
and told to import aimskit, pandas and plotly, *while the previous report ran*; the kernel is
used for exactly one report and then killed, so no state passes from one report to the next.
The worker then renders the HTML in its own process (no re-import per report) and returns the
files' contents: the caller writes them, atomically, where they belong. So a worker needs the
engagement folder (it is read by the notebook) but not the output folder, which lets a Dask
worker run on a machine that cannot see the output folder.

Everything a task needs travels in the :class:`ReportTask`; workers do not consult the step
registry.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KERNEL_NAME = "python3"
START_TIMEOUT = 60  # seconds for a kernel to answer its first request


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


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


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


SCRATCH_PREFIX = "aimskit-worker-"


def _remove_stale_scratch() -> None:
    """Remove the scratch folders of workers that were killed (``kill -9`` leaves them behind)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        pid = folder.name[len(SCRATCH_PREFIX) :].split("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive, or another user's
            continue


class _Loop(asyncio.SelectorEventLoop):
    """An event loop on which nbclient cannot install its SIGINT/SIGTERM handlers.

    nbclient's handlers kill the kernel and let the run go on: Ctrl-C would only fail the
    current report. Here Ctrl-C interrupts the run, and :func:`execute_task` kills its kernels."""

    def add_signal_handler(self, sig, callback, *args):
        raise RuntimeError("aimskit handles signals itself")


class _Kernels:
    """Per-thread state of a worker: an event loop, a scratch folder, the current and the next kernel."""

    def __init__(self) -> None:
        self.loop = _Loop()
        _remove_stale_scratch()
        self.scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
        self.next: Any = None  # (kernel manager, warm-up code) started ahead of need
        self.current: Any = None  # the kernel manager of the report being executed
        self.closed = False
        self.fork = fork_kernels_enabled()

    async def start(self, warmup: str) -> Any:
        """Launch a kernel; its client connects, waits until it answers, then sends the warm-up, in the background."""
        km = _manager_class()(kernel_name=KERNEL_NAME)
        zygote = _zygote(warmup) if self.fork else None
        if zygote is not None:
            _fork_from(km, zygote)
        # no history database per kernel (as nbclient does for the kernels it starts)
        await km.start_kernel(cwd=str(self.scratch), extra_arguments=["--HistoryManager.hist_file=:memory:"])
        km._aimskit_ready = asyncio.ensure_future(self._connect(km, warmup))
        return km

    @staticmethod
    async def _connect(km: Any, warmup: str) -> Any:
        kc = km.client()
        km._aimskit_client = kc
        kc.start_channels()
        await kc.wait_for_ready(timeout=START_TIMEOUT)
        if warmup:
            # the report's cells queue behind it on the shell channel
            kc.execute(warmup, silent=True, store_history=False)
        return kc

    async def take(self, warmup: str) -> Any:
        km, self.next = self.next, None
        if km is not None and km[1] == warmup and await km[0].is_alive():
            self.current = km[0]
            return km[0]
        if km is not None:
            await self.discard(km[0])
        self.current = await self.start(warmup)
        return self.current

    async def prefetch(self, warmup: str) -> None:
        if self.next is None:
            self.next = (await self.start(warmup), warmup)

    async def discard(self, km: Any) -> None:
        ready = getattr(km, "_aimskit_ready", None)
        if ready is not None and not ready.done():
            ready.cancel()
            with contextlib.suppress(BaseException):
                await ready
        kc = getattr(km, "_aimskit_client", None)
        if kc is not None:
            with contextlib.suppress(Exception):
                kc.stop_channels()
        with contextlib.suppress(Exception):
            await km.shutdown_kernel(now=True)

    def kill(self) -> None:
        """Kill the current and the next kernel now, without the event loop (which may be interrupted)."""
        kms = [self.current, self.next[0] if self.next else None]
        self.current = self.next = None
        for km in kms:
            if km is None:
                continue
            with contextlib.suppress(Exception):
                proc = km.provisioner.process
                proc.kill()
                proc.wait(timeout=5)
            with contextlib.suppress(Exception):
                km.cleanup_connection_file()

    def close(self) -> None:
        self.closed = True
        self.kill()
        shutil.rmtree(self.scratch, ignore_errors=True)


_local = threading.local()
_all: list[_Kernels] = []
_all_lock = threading.Lock()


def _state() -> _Kernels:
    state = getattr(_local, "kernels", None)
    if state is None or state.closed:
        state = _local.kernels = _Kernels()
        with _all_lock:
            if not _all:
                _register_cleanup()
            _all.append(state)
    return state


def shutdown() -> None:
    """Kill the kernels started ahead of need in this process, and its zygotes (called at exit)."""
    with _all_lock:
        states, _all[:] = list(_all), []
    for state in states:
        state.close()
    _close_zygotes()


def _fork_from(km: Any, zygote: Any) -> None:
    """Make kernel manager ``km`` obtain its kernel from ``zygote`` instead of starting a new Python."""
    pre_start = km._async_pre_start_kernel

    async def pre_start_kernel(**kw: Any) -> Any:
        cmd, kw2 = await pre_start(**kw)
        provisioner = km.provisioner

        async def launch_kernel(cmd: list[str], **kwargs: Any) -> Any:
            cwd = str(kwargs.get("cwd") or os.getcwd())
            env = {k: str(v) for k, v in (kwargs.get("env") or os.environ).items()}
            pid = zygote.fork(cmd[cmd.index("-f") :], cwd, env)
            provisioner.process = _ForkedProcess(pid)
            provisioner.pid = provisioner.pgid = pid  # the child called setsid()
            provisioner.cwd = cwd
            return provisioner.connection_info

        provisioner.launch_kernel = launch_kernel
        return cmd, kw2

    km._async_pre_start_kernel = pre_start_kernel


def _forget_parent_state() -> None:
    """A forked worker must not use (or kill) the kernels, zygotes and loop of the process it was forked from."""
    global _local
    _local = threading.local()
    _all.clear()
    _zygotes.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent_state)


def _register_cleanup() -> None:
    import atexit
    from multiprocessing import util

    atexit.register(shutdown)
    # a multiprocessing worker leaves with os._exit, which skips atexit; its finalizers still run
    util.Finalize(None, shutdown, exitpriority=10)


def _manager_class():
    """A kernel manager that encrypts its local connection when jupyter_client supports it."""
    from jupyter_client.manager import AsyncKernelManager

    if "transport_encryption" not in AsyncKernelManager.class_trait_names():
        return AsyncKernelManager
    from traitlets import default

    class EncryptedKernelManager(AsyncKernelManager):
        @default("transport_encryption")
        def _default_transport_encryption(self):  # pragma: no cover - trivial
            return "auto"

    return EncryptedKernelManager


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


def describe(exc: BaseException, nb: Any = None, notebook: Path | None = None) -> str:
    """One readable line for any failure of a notebook run."""
    from aimskit.runner import _source_cell

    name = type(exc).__name__
    if name == "CellExecutionError":
        index = _error_cell(nb) if nb is not None else None
        where = "a cell" if index is None else f"cell {_source_cell(notebook, index) if notebook else index + 1}"
        where += f" of {notebook.name}" if notebook else ""
        evalue = str(exc.evalue).strip().splitlines()
        return f"{where}: {exc.ename}: {evalue[0] if evalue else ''}".rstrip(": ")
    if name == "CellTimeoutError":
        return f"timeout: the report ran longer than the limit ({str(exc).splitlines()[0]})"
    if name == "DeadKernelError":
        return "the kernel died (out of memory, or the process was killed)"
    text = str(exc).strip().splitlines()
    return f"{name}: {text[0] if text else ''}".rstrip(": ")


async def _run(task: ReportTask, state: _Kernels, task_dir: Path, results_path: Path) -> tuple[Any, str | None, int]:
    from nbclient import NotebookClient
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    source = Path(task.notebook)
    # files the notebook writes beside its report go to a private folder; the caller places them
    params = dict(task.parameters, output_dir=str(task_dir), results_path=str(results_path))

    def fresh() -> Any:
        nb = load_notebook_node(str(source))
        return parameterize_notebook(nb, params, kernel_name=KERNEL_NAME, language="python")

    nb = fresh()
    deadline = time.monotonic() + task.timeout
    error: str | None = None
    attempts = 0
    for attempt in (1, 2):
        attempts = attempt
        if attempt == 1:
            km = await state.take(task.warmup)
        else:
            km = state.current = await state.start(task.warmup)
        if task.prefetch and attempt == 1:
            # the next report's kernel boots (in its own process) while this report runs
            await state.prefetch(task.warmup)
        client = NotebookClient(
            nb,
            km=km,
            timeout_func=lambda _cell: max(1, round(deadline - time.monotonic())),
            startup_timeout=START_TIMEOUT,
            kernel_name=KERNEL_NAME,
            record_timing=False,
            allow_errors=False,
        )
        try:
            client.kc = await km._aimskit_ready  # connected and answering: nbclient skips its own handshake
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
            await state.discard(km)
    return nb, error, attempts


def execute_task(task: ReportTask) -> TaskResult:
    """Execute and render one report in this process; never raises for a report's failure."""
    import nbformat

    from aimskit import render

    state = _state()
    started, t0 = _now(), time.perf_counter()
    task_dir = Path(tempfile.mkdtemp(prefix="report-", dir=state.scratch))
    results_path = task_dir / ".aimskit-results.json"
    result = TaskResult(
        name=task.name, status="failed", started=started, finished=started, duration_s=0.0, worker=_worker_id()
    )
    nb = None
    error: str | None
    try:
        nb, error, result.attempts = state.loop.run_until_complete(_run(task, state, task_dir, results_path))
    except Exception as exc:  # pragma: no cover - a bug in the worker itself
        state.kill()
        error = describe(exc)
    except BaseException:  # Ctrl-C, SystemExit: no kernel may outlive the run
        state.close()
        raise
    try:
        if nb is not None and any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
            result.html = render.render_html_text(
                nb,
                title=task.title,
                plotly_src=task.plotly_src,
                colour=task.colour,
                footer=task.footer,
                error=error,
            )
            result.ipynb = nbformat.writes(nb)
        elif error is None:
            error = "the notebook produced no output"
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
    except Exception as exc:  # rendering must not take the run down either
        error = error or f"rendering failed: {describe(exc)}"
    finally:
        shutil.rmtree(task_dir, ignore_errors=True)
    result.error = error
    result.status = "ok" if error is None else "failed"
    result.finished = _now()
    result.duration_s = round(time.perf_counter() - t0, 2)
    return result


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- forked kernels ---------------------------------------------------------------------------
#
# Starting a kernel the usual way (a new Python, importing ipykernel, then the warm-up imports of
# pandas, plotly and aimskit) costs about 1.3 s of CPU per report. A *zygote* does those imports
# once per worker, then forks one child per report; the child starts an IPython kernel with the
# modules already in memory (copy-on-write) and is still a new, single-use process. Disabled with
# AIMSKIT_FORK_KERNELS=0, on systems without fork, and when the 'python3' kernel is another Python.

ZYGOTE = r"""
import json, os, random, signal, sys
sys.modules.setdefault("rfc3987_syntax", None)
import ipykernel.kernelapp  # noqa: F401  (the kernel's own imports)
warmup = sys.argv[1]
if warmup:
    try:
        exec(compile(warmup, "<aimskit warm-up>", "exec"), {})
    except Exception as exc:
        print(f"aimskit zygote: warm-up failed: {exc!r}", file=sys.stderr)
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system
signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the worker's business; EOF on stdin ends us
out = sys.stdout
out.write("ready\n")
out.flush()
for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(req["env"])
            os.environ["JPY_PARENT_PID"] = str(os.getppid())
            random.seed()
            if "numpy" in sys.modules:
                sys.modules["numpy"].random.seed()
            # exit when the zygote dies (the trait's default was read from the environment at import)
            argv = [*req["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
            sys.argv = ["ipykernel_launcher", *argv]
            from ipykernel.kernelapp import IPKernelApp
            IPKernelApp.launch_instance(argv=argv)
        finally:
            os._exit(0)
    out.write(f"{pid}\n")
    out.flush()
"""


class _ForkedProcess:
    """The Popen-like handle jupyter_client's local provisioner needs, for a kernel the zygote forked."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -9
            except PermissionError:  # pragma: no cover - the pid was reused by another user
                self.returncode = -9
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                import subprocess

                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)

    def kill(self) -> None:
        import signal

        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        import signal

        self.send_signal(signal.SIGTERM)


class _Zygote:
    def __init__(self, warmup: str) -> None:
        import subprocess
        import sys

        self.warmup = warmup
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, warmup], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the kernel zygote did not start")

    def fork(self, argv: list[str], cwd: str, env: dict[str, str]) -> int:
        self.proc.stdin.write(json.dumps({"argv": argv, "cwd": cwd, "env": env}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError("the kernel zygote died")
        return int(line)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        with contextlib.suppress(Exception):
            self.proc.kill()


_zygotes: dict[tuple[int, str], _Zygote] = {}


def _zygote(warmup: str) -> _Zygote | None:
    key = (os.getpid(), warmup)
    zyg = _zygotes.get(key)
    if zyg is not None and zyg.proc.poll() is None:
        return zyg
    try:
        zyg = _zygotes[key] = _Zygote(warmup)
    except Exception:
        return None
    return zyg


def fork_kernels_enabled() -> bool:
    import sys

    if os.environ.get("AIMSKIT_FORK_KERNELS", "1") in ("0", "false", "no") or not hasattr(os, "fork"):
        return False
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        exe = KernelSpecManager().get_kernel_spec(KERNEL_NAME).argv[0]
    except Exception:
        return False
    return exe in ("python", "python3", "{python}") or Path(exe).resolve() == Path(sys.executable).resolve()


def _close_zygotes() -> None:
    for key in [k for k in _zygotes if k[0] == os.getpid()]:
        _zygotes.pop(key).close()
