"""Executors: where the reports of a run execute, chosen by name (as papermill chooses its engines).

``local`` (worker processes on this machine, or this process with ``jobs=1``) and ``dask`` (the
workers of a Dask distributed cluster) are built in. Another executor is a subclass of
:class:`Executor`, registered with :func:`register` or, from a package, through an entry point
of the group ``aimskit.executors``::

    [project.entry-points."aimskit.executors"]
    slurm = "mypackage.slurm:SlurmExecutor"

Entry points are loaded only when a name is not registered already, so an installed plugin
costs nothing until a run asks for it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any

from aimskit.base.dependencies import require
from aimskit.base.problems import suggest
from aimskit.batch import worker
from aimskit.batch.errors import RunError
from aimskit.batch.worker import ReportTask, TaskResult

ENTRY_POINT_GROUP = "aimskit.executors"

OnStart = Callable[[list[str]], None]  # the names of the reports running now (the oldest first)
OnResult = Callable[[ReportTask, TaskResult], None]


class Executor(ABC):
    """Executes report tasks and hands back each one's result as it finishes.

    A run builds its executor with the run's options (``jobs``, ``scheduler``); the constructor
    refuses options it cannot work with by raising :class:`~aimskit.batch.RunError`, before
    anything is written. :meth:`execute` calls ``on_start`` with the reports being executed
    whenever that set changes, and ``on_result`` exactly once per task, in the calling thread;
    a task that never returns (a crashed worker) gets a failed result (:func:`failed_result`),
    it must not raise. Tasks are executed by :func:`aimskit.batch.worker.execute_task`, which
    needs the engagement folder but not the output folder.
    """

    name: str = ""

    def __init__(self, *, jobs: int = 1, scheduler: str | None = None) -> None:
        self.jobs = max(1, jobs)
        self.scheduler = scheduler

    def prepare(self, tasks: Sequence[ReportTask]) -> list[ReportTask]:
        """The tasks as this executor runs them (by default unchanged: every kernel starts the next one ahead)."""
        return list(tasks)

    @abstractmethod
    def execute(self, tasks: Sequence[ReportTask], on_start: OnStart, on_result: OnResult) -> None:
        """Execute every task; return when each has its result."""


failed_result = worker.failed_result


class LocalExecutor(Executor):
    """Worker processes on this machine (``jobs`` of them), or this process when ``jobs`` is 1."""

    name = "local"

    def prepare(self, tasks: Sequence[ReportTask]) -> list[ReportTask]:
        # with N workers, the last N reports need no kernel started ahead of them
        lanes = 1 if self.jobs <= 1 else self.jobs
        return [replace(t, prefetch=i < len(tasks) - lanes) for i, t in enumerate(tasks)]

    def execute(self, tasks: Sequence[ReportTask], on_start: OnStart, on_result: OnResult) -> None:
        if self.jobs <= 1:
            try:
                for task in tasks:
                    on_start([task.name])
                    on_result(task, worker.execute_task(task))
            finally:
                worker.shutdown()
            return
        self._execute_pool(list(tasks), on_start, on_result)

    def _execute_pool(self, tasks: list[ReportTask], on_start: OnStart, on_result: OnResult) -> None:
        import multiprocessing as mp
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        jobs = self.jobs
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        pending = list(tasks)
        tries: dict[str, int] = {}
        while pending:
            pool = ProcessPoolExecutor(max_workers=min(jobs, len(pending)), mp_context=mp.get_context(method))
            futures = {pool.submit(worker.execute_task, t): t for t in pending}
            running = _Running([t.name for t in pending], jobs)
            pending = []
            broken = False
            try:
                while futures:
                    on_start(running.first())
                    # (every future is waited on at each turn: a few microseconds each, not worth a
                    # structure of its own even for thousands of reports)
                    finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        task = futures.pop(fut)
                        running.done(task.name)
                        try:
                            on_result(task, fut.result())
                        except BrokenProcessPool:
                            broken = True
                            tries[task.name] = tries.get(task.name, 0) + 1
                            if tries[task.name] < 2:
                                pending.append(task)  # a worker crashed; this report may be innocent: retry once
                            else:
                                on_result(task, failed_result(task.name, "the worker process crashed (twice)"))
                    if broken:
                        for fut, task in list(futures.items()):
                            futures.pop(fut)
                            pending.append(task)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)


class _Running:
    """The first ``jobs`` reports, in submission order, not finished yet (what the workers are running):
    in constant time per turn. (A scan of the pending tasks for each of them cost, at 2,000 reports, a
    quarter of a second of the run process's CPU per finished report, taken from the workers.)"""

    def __init__(self, names: list[str], jobs: int) -> None:
        self.names, self.jobs, self.start = names, jobs, 0
        self.left = set(names)

    def done(self, name: str) -> None:
        self.left.discard(name)

    def first(self) -> list[str]:
        while self.start < len(self.names) and self.names[self.start] not in self.left:
            self.start += 1
        out: list[str] = []
        for name in itertools.islice(self.names, self.start, None):
            if len(out) == self.jobs:
                break
            if name in self.left:
                out.append(name)
        return out


class DaskExecutor(Executor):
    """The workers of the Dask distributed cluster whose scheduler is at ``scheduler``."""

    name = "dask"

    def __init__(self, *, jobs: int = 1, scheduler: str | None = None) -> None:
        require("distributed", "The dask executor")  # without the extra: one line, before the run starts
        if not scheduler:
            raise RunError("the dask executor needs the address of a scheduler (--scheduler tcp://host:8786)")
        super().__init__(jobs=jobs, scheduler=scheduler)

    def execute(self, tasks: Sequence[ReportTask], on_start: OnStart, on_result: OnResult) -> None:
        distributed = require("distributed", "The dask executor")
        Client, as_completed = distributed.Client, distributed.as_completed
        try:
            client = Client(self.scheduler, timeout=30)
        except (OSError, TimeoutError) as exc:
            raise RunError(f"cannot connect to the Dask scheduler at {self.scheduler}: {exc}") from exc
        try:
            shipped = self._ship_snapshot(client, tasks)
            futures = {
                (
                    client.submit(worker.execute_task, t, key=f"aimskit-{t.name}-{id(t)}", pure=False)
                    if shipped is None
                    else client.submit(worker.execute_shipped, t, shipped, key=f"aimskit-{t.name}-{id(t)}", pure=False)
                ): t
                for t in tasks
            }
            on_start([t.name for t in tasks][:1])
            for fut in as_completed(list(futures)):
                task = futures.pop(fut)
                try:
                    result = fut.result()
                except Exception as exc:  # KilledWorker and the like: the task never returned
                    result = failed_result(task.name, f"the Dask task failed: {type(exc).__name__}: {exc}")
                on_result(task, result)
                on_start([t.name for t in itertools.islice(futures.values(), 1)])
        finally:
            client.close()

    @staticmethod
    def _ship_snapshot(client: Any, tasks: Sequence[ReportTask]) -> Any:
        """The run's snapshot for workers that cannot read its file (no shared filesystem): its bytes,
        scattered once to every worker (a Dask future each task depends on); None when every worker
        sees the file (or there is none). Without either, a worker's report reads the engagement folder."""
        path = next((t.snapshot for t in tasks if t.snapshot), None)
        if path is None:
            return None
        try:
            seen = client.run(os.path.isfile, path)
        except Exception:  # pragma: no cover - a scheduler that refuses run(): ship it
            seen = {}
        if seen and all(seen.values()):
            return None
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
        return client.scatter(data, broadcast=True, hash=False)


_registry: dict[str, type[Executor]] = {"local": LocalExecutor, "dask": DaskExecutor}


def register(name: str, cls: type[Executor]) -> None:
    """Make ``cls`` the executor called ``name`` (``aimskit run --executor NAME``)."""
    if not (isinstance(cls, type) and issubclass(cls, Executor)):
        raise TypeError(f"an executor must be a subclass of aimskit.batch.executors.Executor, not {cls!r}")
    _registry[name] = cls


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available() -> list[str]:
    """The executor names a run accepts: the registered ones, then those of installed entry points."""
    names = list(_registry)
    with contextlib.suppress(Exception):  # broken package metadata must not hide the built-in executors
        names += [n for n in _entry_points() if n not in _registry]
    return names


def get(name: str) -> type[Executor]:
    """The executor class called ``name``; loads its entry point on first use."""
    if name in _registry:
        return _registry[name]
    ep = _entry_points().get(name)
    if ep is None:
        names = available()
        raise RunError(f"unknown executor '{name}'{suggest(name, names)} (available: {', '.join(names)})")
    try:
        cls = ep.load()
    except Exception as exc:
        raise RunError(f"the executor '{name}' ({ep.value}) cannot be loaded: {type(exc).__name__}: {exc}") from exc
    try:
        register(name, cls)
    except TypeError as exc:
        raise RunError(f"the executor '{name}' ({ep.value}): {exc}") from exc
    return cls


def create(name: str, *, jobs: int, scheduler: str | None) -> Executor:
    """The executor called ``name``, configured for a run (raises :class:`RunError` for unusable options)."""
    return get(name)(jobs=jobs, scheduler=scheduler)
