"""The kernel zygote: a process that imports a kernel's modules once, then forks one kernel per report.

Run as ``python -m aimskit.batch.zygote WARMUP`` by :class:`aimskit.batch.kernels.Zygote`.
``WARMUP`` is Python code (the imports every report needs) executed once, in a namespace of
its own. The zygote then prints ``ready`` and reads requests from stdin, one JSON object per
line (``{"argv": [...], "cwd": ..., "env": {...}}``); for each it forks a child that becomes a
new session and starts an IPython kernel with ``argv`` (the kernel's ``-f connection-file``
arguments), and answers with the child's pid on a line. It exits at the end of stdin.

The child is a new, single-use process: it inherits the imported modules (copy-on-write),
nothing of a report. This module imports nothing of aimskit itself (the package's
``__init__`` is imported by ``python -m``, which keeps it cheap); it must stay importable
without side effects, since the forked kernels start from its memory.
"""

from __future__ import annotations

import gc
import json
import os
import random
import signal
import sys


def _launch_kernel(req: dict) -> None:
    """In the forked child: become the kernel the request asks for (never returns)."""
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
        gc.enable()  # paused in the zygote (see main); the imported modules stay frozen
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


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    # (as aimskit/__init__.py does, for when this file runs on its own)
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    # as with ``python -c``: the kernels import from their own working folder, not from the worker's
    if sys.path and sys.path[0] == os.getcwd():
        sys.path[0] = ""
    # the documented pattern for fork without exec (see gc.freeze): no collection while the modules
    # are imported, then every object so far moved to the permanent generation, so a kernel's
    # collections never walk (nor write to the pages of) the tens of thousands of module objects
    gc.disable()
    import ipykernel.kernelapp  # noqa: F401  (the kernel's own imports)

    warmup = args[0] if args else ""
    if warmup:
        try:
            exec(compile(warmup, "<aimskit warm-up>", "exec"), {})
        except Exception as exc:
            print(f"aimskit zygote: warm-up failed: {exc!r}", file=sys.stderr)
    gc.freeze()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the worker's business; EOF on stdin ends us
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        req = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _launch_kernel(req)
        out.write(f"{pid}\n")
        out.flush()


if __name__ == "__main__":
    main()
