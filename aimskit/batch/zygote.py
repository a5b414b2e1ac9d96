"""The kernel zygote: a process that imports a kernel's modules once, then forks one kernel per report.

Run as ``python -m aimskit.batch.zygote WARMUP`` by :class:`aimskit.batch.kernels.Zygote`.
``WARMUP`` is Python code (the imports every report needs) executed once, in a namespace of
its own. The zygote then prints ``ready`` and reads requests from stdin, one JSON object per
line (``{"argv": [...], "cwd": ..., "env": {...}, "prepare": ...}``); for each it runs the optional
``prepare`` code (in a namespace of its own; :func:`aimskit.engagement.preload_snapshot` reads the
run's snapshot ahead, once per snapshot), forks a child that becomes a new session and starts an
IPython kernel with ``argv`` (the kernel's ``-f connection-file`` arguments), and answers with the
child's pid on a line. It exits at the end of stdin.

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
from typing import Any

PROFILE_ENV = "AIMSKIT_KERNEL_PROFILE"  # a folder: each forked kernel writes its profile there (diagnosis)


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

        folder = os.environ.get(PROFILE_ENV)
        if folder:
            _profiled_kernel(IPKernelApp, argv, folder)
        else:
            IPKernelApp.launch_instance(argv=argv)
    finally:
        os._exit(0)


def _profiled_kernel(app_class: Any, argv: list[str], folder: str) -> None:
    """The kernel, profiled (``$AIMSKIT_KERNEL_PROFILE`` names a folder): its start-up and then what its
    cells execute (display formatting included) go to ``k<pid>.prof`` and ``c<pid>.prof`` in ``folder``,
    written after every cell (the worker kills a kernel at the end of its report). For diagnosis
    (``python -m pstats``); never set in a normal run."""
    import cProfile

    start, cells = cProfile.Profile(), cProfile.Profile()
    start.enable()
    app = app_class.instance()
    app.initialize(argv)
    start.disable()

    def written() -> None:
        cells.disable()
        cells.dump_stats(os.path.join(folder, f"c{os.getpid()}.prof"))
        start.dump_stats(os.path.join(folder, f"k{os.getpid()}.prof"))

    app.shell.events.register("pre_execute", cells.enable)
    app.shell.events.register("post_execute", written)
    app.start()


def _kernel_imports() -> None:
    """What every kernel would otherwise import or look up in its own start, done once here.

    Measured with a profile of forked kernels: ``IPythonKernel.__init__`` imports its debugger
    (debugpy and its vendored pydevd, about 0.1 s of CPU per kernel), the connection file's default
    address lists the machine's network interfaces (psutil, about 0.015 s), and the shell imports
    its display and completion modules. Each is imported (or looked up) the same way in every kernel."""
    import importlib

    # pydevd checks, as it is imported, whether the interpreter uses frozen modules, and says so on
    # stderr (the worker's terminal, from here); the check concerns breakpoints only
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    modules = (
        "ipykernel.ipkernel",
        "ipykernel.zmqshell",
        "ipykernel.debugger",
        "psutil",
        "IPython.core.completerlib",
        "IPython.core.debugger",
        "IPython.core.oinspect",
        "IPython.extensions.storemagic",
        "tornado.platform.asyncio",
    )
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # an optional module missing: the kernel does without it, as it would anyway
            continue
    try:
        from jupyter_client import localinterfaces

        localinterfaces.localhost()  # the interfaces are listed once, then cached in the module
    except Exception:
        pass


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

    _kernel_imports()

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
        prepare = req.get("prepare")
        if prepare:  # e.g. read the run's snapshot ahead, for every kernel forked from now on
            try:
                exec(compile(prepare, "<aimskit prepare>", "exec"), {})
            except Exception as exc:
                print(f"aimskit zygote: prepare failed: {exc!r}", file=sys.stderr)
            gc.freeze()  # what it made is inherited, never walked by a kernel's collections
        pid = os.fork()
        if pid == 0:
            _launch_kernel(req)
        out.write(f"{pid}\n")
        out.flush()


if __name__ == "__main__":
    main()
