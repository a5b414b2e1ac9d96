"""Execute step notebooks and render them as reports, in parallel, resumably.

One call of :func:`run` validates the engagement, plans one report per step and scope
(organisation-wide, and per AI system; :mod:`~aimskit.batch.plan`), and hands the reports to an
*executor* (:mod:`~aimskit.batch.executors`: worker processes with ``jobs`` > 1, Dask workers
with ``executor="dask"``, or one registered by a plugin). Each report executes in a fresh,
single-use kernel of a worker (:mod:`~aimskit.batch.worker`, :mod:`~aimskit.batch.kernels`,
:mod:`~aimskit.batch.zygote`), which renders the HTML. This process writes every file,
atomically, then a small *record* per report (``.aimskit/records/<step>/<scope>.json``), then
``manifest.json`` and ``index.html`` (:mod:`~aimskit.batch.manifest`). A report that fails (an
exception in a cell, a timeout, a dead kernel, a crashed worker) is recorded as failed with a
one-line reason; the other reports still run.

Incremental and resumable (:mod:`~aimskit.batch.cache`): a report whose *cache key* (the hashes
of the engagement files its step reads, of the notebook and the catalog, the aimskit and package
versions, its parameters and rendering options) equals the key in its record, and whose files
are intact, is reused rather than executed again (unless ``force``). A run interrupted at any
point, even by ``kill -9``, leaves only complete files and complete records, so running again
completes it.
"""

from __future__ import annotations

from aimskit.batch.cache import cache_key, read_inputs
from aimskit.batch.errors import RunError
from aimskit.batch.executors import Executor
from aimskit.batch.executors import available as available_executors
from aimskit.batch.executors import register as register_executor
from aimskit.batch.kernels import KERNEL_NAME, check_kernel, kernel_warning
from aimskit.batch.manifest import ReportOutcome, build_manifest
from aimskit.batch.plan import INDEX, MANIFEST, RECORDS, ReportJob, check_notebook, check_output_folder, plan
from aimskit.batch.runs import DEFAULT_TIMEOUT, BatchRun, Progress, RunResult, run, warmup_code

__all__ = [
    "DEFAULT_TIMEOUT",
    "INDEX",
    "KERNEL_NAME",
    "MANIFEST",
    "RECORDS",
    "BatchRun",
    "Executor",
    "Progress",
    "ReportJob",
    "ReportOutcome",
    "RunError",
    "RunResult",
    "available_executors",
    "build_manifest",
    "cache_key",
    "check_kernel",
    "check_notebook",
    "check_output_folder",
    "kernel_warning",
    "plan",
    "read_inputs",
    "register_executor",
    "run",
    "warmup_code",
]


def __getattr__(name: str) -> object:
    if name == "Run":  # deprecated: the run in progress is BatchRun; aimskit.results.run.Run is a finished run
        import warnings

        warnings.warn(
            "aimskit.batch.Run is now aimskit.batch.BatchRun (aimskit.results.run.Run reads a finished run)",
            DeprecationWarning,
            stacklevel=2,
        )
        return BatchRun
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
