"""Kernels for reports: the kernel name and its kernelspec check, and the single-use kernels of a worker.

A worker keeps, per thread, an event loop, a scratch folder, the kernel of the report being
executed and the kernel started ahead of the next report (:class:`Kernels`). Kernels are forked
from a *zygote* (:mod:`aimskit.batch.zygote`) when this Python can fork and the kernelspec runs
this Python; otherwise each is a new Python started by jupyter_client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVarTuple, Unpack

KERNEL_NAME = "python3"  # the one kernel every report runs in
START_TIMEOUT = 60  # seconds for a kernel to answer its first request
SCRATCH_PREFIX = "aimskit-worker-"
ZYGOTE_MODULE = "aimskit.batch.zygote"


# --- the kernelspec check ------------------------------------------------------------------------


@dataclass(frozen=True)
class KernelCheck:
    """What the kernelspec of :data:`KERNEL_NAME` runs, compared with this Python."""

    found: bool
    executable: str = ""
    this_python: bool = False  # the kernel runs this interpreter (so aimskit is importable there)
    warning: str | None = None


def check_kernel() -> KernelCheck:
    """Look up the kernelspec of :data:`KERNEL_NAME` (the only place that does)."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        try:
            spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        except NoSuchKernel:
            return KernelCheck(
                False, warning=f"no Jupyter kernel named '{KERNEL_NAME}'; install ipykernel in this environment"
            )
        exe = spec.argv[0] if spec.argv else ""
    except Exception:  # pragma: no cover - a broken Jupyter installation: let the run report it
        return KernelCheck(False)
    generic = ("python", "python3", "{python}", sys.executable)
    if exe in generic or Path(exe).resolve() == Path(sys.executable).resolve():
        return KernelCheck(True, exe, this_python=True)
    return KernelCheck(
        True,
        exe,
        warning=(
            f"the '{KERNEL_NAME}' kernel runs {exe}, not this Python ({sys.executable}); reports fail "
            "if aimskit is not installed there (fix: python -m ipykernel install --sys-prefix)"
        ),
    )


def kernel_warning() -> str | None:
    """A warning when the kernel would run another interpreter than this one, or is missing."""
    return check_kernel().warning


def fork_kernels_enabled() -> bool:
    """Fork kernels from a zygote, unless AIMSKIT_FORK_KERNELS=0, without fork, or when the kernel is another Python."""
    if os.environ.get("AIMSKIT_FORK_KERNELS", "1") in ("0", "false", "no") or not hasattr(os, "fork"):
        return False
    return check_kernel().this_python


# --- the kernels of a worker ---------------------------------------------------------------------


def remove_stale_scratch() -> None:
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


_Ts = TypeVarTuple("_Ts")


class _Loop(asyncio.SelectorEventLoop):
    """An event loop on which nbclient cannot install its SIGINT/SIGTERM handlers.

    nbclient's handlers kill the kernel and let the run go on: Ctrl-C would only fail the
    current report. Here Ctrl-C interrupts the run, and the worker kills its kernels."""

    def add_signal_handler(self, sig: int, callback: Callable[[Unpack[_Ts]], object], *args: *_Ts) -> None:
        raise RuntimeError("aimskit handles signals itself")


def manager_class():
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


def _snapshot() -> str | None:
    """The snapshot a kernel started now inherits (``$AIMSKIT_SNAPSHOT``)."""
    from aimskit.engagement import SNAPSHOT_ENV

    return os.environ.get(SNAPSHOT_ENV)


def cpu_seconds(km: Any) -> float:
    """CPU seconds (user and system) the kernel process of ``km`` has used so far; 0 when unknown."""
    try:
        import psutil

        times = psutil.Process(km.provisioner.process.pid).cpu_times()
        return float(times.user + times.system)
    except Exception:
        return 0.0


class Kernels:
    """Per-thread state of a worker: an event loop, a scratch folder, the current and the next kernel."""

    def __init__(self) -> None:
        self.loop = _Loop()
        remove_stale_scratch()
        self.scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
        self.next: Any = None  # (kernel manager, warm-up code) started ahead of need
        self.current: Any = None  # the kernel manager of the report being executed
        self.closed = False
        self.fork = fork_kernels_enabled()

    async def start(self, warmup: str) -> Any:
        """Launch a kernel; its client connects, waits until it answers, then sends the warm-up, in the background."""
        km = manager_class()(kernel_name=KERNEL_NAME)
        zygote = _zygote(warmup) if self.fork else None
        if zygote is not None:
            _fork_from(km, zygote)
        # no history database per kernel (as nbclient does for the kernels it starts)
        await km.start_kernel(cwd=str(self.scratch), extra_arguments=["--HistoryManager.hist_file=:memory:"])
        # a kernel forked from the zygote has run the warm-up already (the zygote ran it before forking)
        km._aimskit_ready = asyncio.ensure_future(self._connect(km, "" if zygote is not None else warmup))
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
        # a kernel started ahead for another run (another snapshot) is not used
        if km is not None and km[1:] == (warmup, _snapshot()) and await km[0].is_alive():
            self.current = km[0]
            return km[0]
        if km is not None:
            await self.discard(km[0])
        self.current = await self.start(warmup)
        return self.current

    async def prefetch(self, warmup: str) -> None:
        if self.next is None:
            self.next = (await self.start(warmup), warmup, _snapshot())

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
        # jupyter_client polls every 0.1 s for the killed kernel to be gone: a tenth of a second per
        # report; the kill takes a few milliseconds
        wait = km._async_wait
        km._async_wait = lambda pollinterval=0.1: wait(pollinterval=0.005)
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
_all: list[Kernels] = []
_all_lock = threading.Lock()


def state() -> Kernels:
    """This thread's kernels (created on first use; the process cleans them up at exit)."""
    current = getattr(_local, "kernels", None)
    if current is None or current.closed:
        current = _local.kernels = Kernels()
        with _all_lock:
            if not _all:
                _register_cleanup()
            _all.append(current)
    return current


def shutdown() -> None:
    """Kill the kernels started ahead of need in this process, and its zygotes (called at exit)."""
    with _all_lock:
        states, _all[:] = list(_all), []
    for kernels in states:
        kernels.close()
    _close_zygotes()


def _register_cleanup() -> None:
    import atexit
    from multiprocessing import util

    atexit.register(shutdown)
    # a multiprocessing worker leaves with os._exit, which skips atexit; its finalizers still run
    util.Finalize(None, shutdown, exitpriority=10)


def _forget_parent_state() -> None:
    """A forked worker must not use (or kill) the kernels, zygotes and loop of the process it was forked from."""
    global _local
    _local = threading.local()
    _all.clear()
    _zygotes.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent_state)


# --- forked kernels ---------------------------------------------------------------------------
#
# Starting a kernel the usual way (a new Python, importing ipykernel, then the warm-up imports of
# pandas, plotly and aimskit) costs about 1.3 s of CPU per report. A *zygote* does those imports
# once per worker, then forks one child per report; the child starts an IPython kernel with the
# modules already in memory (copy-on-write) and is still a new, single-use process. Disabled with
# AIMSKIT_FORK_KERNELS=0, on systems without fork, and when the 'python3' kernel is another Python.


def _fork_from(km: Any, zygote: Zygote) -> None:
    """Make kernel manager ``km`` obtain its kernel from ``zygote`` instead of starting a new Python."""
    pre_start = km._async_pre_start_kernel

    async def pre_start_kernel(**kw: Any) -> Any:
        cmd, kw2 = await pre_start(**kw)
        provisioner = km.provisioner

        async def launch_kernel(cmd: list[str], **kwargs: Any) -> Any:
            cwd = str(kwargs.get("cwd") or os.getcwd())
            env = {k: str(v) for k, v in (kwargs.get("env") or os.environ).items()}
            pid = zygote.fork(cmd[cmd.index("-f") :], cwd, env)
            provisioner.process = ForkedProcess(pid)
            provisioner.pid = provisioner.pgid = pid  # the child called setsid()
            provisioner.cwd = cwd
            return provisioner.connection_info

        provisioner.launch_kernel = launch_kernel
        return cmd, kw2

    km._async_pre_start_kernel = pre_start_kernel


class ForkedProcess:
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
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0.0)
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


class Zygote:
    """The worker's side of a zygote process (:mod:`aimskit.batch.zygote`): ask it to fork a kernel."""

    def __init__(self, warmup: str) -> None:
        self.warmup = warmup
        self.proc = subprocess.Popen(
            [sys.executable, "-m", ZYGOTE_MODULE, warmup], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both are pipes
        self._requests, self._answers = self.proc.stdin, self.proc.stdout
        if self._answers.readline().strip() != "ready":
            raise RuntimeError("the kernel zygote did not start")

    def fork(self, argv: list[str], cwd: str, env: dict[str, str]) -> int:
        from aimskit.engagement import SNAPSHOT_ENV

        request: dict[str, Any] = {"argv": argv, "cwd": cwd, "env": env}
        snapshot = env.get(SNAPSHOT_ENV)
        if snapshot:  # the zygote reads the run's snapshot once; its kernels inherit it unpickled
            request["prepare"] = f'__import__("aimskit.engagement").engagement.preload_snapshot({snapshot!r})'
        self._requests.write(json.dumps(request) + "\n")
        self._requests.flush()
        line = self._answers.readline()
        if not line.strip().isdigit():
            raise RuntimeError("the kernel zygote died")
        return int(line)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._requests.close()
            self.proc.wait(timeout=5)
        with contextlib.suppress(Exception):
            self.proc.kill()


_zygotes: dict[tuple[int, str], Zygote] = {}


def _zygote(warmup: str) -> Zygote | None:
    key = (os.getpid(), warmup)
    zyg = _zygotes.get(key)
    if zyg is not None and zyg.proc.poll() is None:
        return zyg
    try:
        zyg = _zygotes[key] = Zygote(warmup)
    except Exception:
        return None
    return zyg


def _close_zygotes() -> None:
    for key in [k for k in _zygotes if k[0] == os.getpid()]:
        _zygotes.pop(key).close()
