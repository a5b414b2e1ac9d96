"""The batch package's seams: the executor registry (built in, registered, entry points), the kernel
zygote as a module, the one kernelspec check, the warm-up modules, and the layering of its modules."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import nbformat
import pytest
from click.testing import CliRunner

from aimskit import batch
from aimskit.batch import executors, kernels, worker
from aimskit.steps import STEPS, Step
from aimskit.ui.cli import cli

PARAMS = 'engagement_path = ""\noutput_dir = ""\nsystem_id = None\nresults_path = ""'
WRITE = (
    "import json, os, pathlib, psutil\n"
    "parent = ' '.join(psutil.Process(os.getppid()).cmdline())\n"
    "pathlib.Path(results_path).write_text(json.dumps({'headline': {'pid': os.getpid(), 'parent': parent}}))"
)


def _notebook(path: Path, body: str = WRITE) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, str(path))
    return path


class RecordingExecutor(executors.Executor):
    """A third-party executor: runs the tasks in this process, in reverse order, and records them."""

    name = "recording"
    seen: ClassVar[list[str]] = []

    def execute(self, tasks, on_start, on_result):
        for task in reversed(list(tasks)):
            RecordingExecutor.seen.append(task.name)
            on_start([task.name])
            on_result(task, worker.execute_task(task))
        worker.shutdown()


class LazyExecutor(executors.Executor):
    """An executor that returns without executing anything: its reports must still be recorded, as failed."""

    name = "lazy"

    def execute(self, tasks, on_start, on_result):
        return None


@pytest.fixture
def registry(monkeypatch):
    """A private copy of the registry, and no installed entry points but those a test adds."""
    monkeypatch.setattr(executors, "_registry", dict(executors._registry))
    eps: list[metadata.EntryPoint] = []
    real = metadata.entry_points

    def entry_points(**kw):  # ours are the test's; others (jupyter_client's provisioners) stay real
        if kw.get("group") == executors.ENTRY_POINT_GROUP:
            return [e for e in eps if e.group == kw["group"]]
        return real(**kw)

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    RecordingExecutor.seen = []
    return eps


@pytest.fixture
def one_step(tmp_path, monkeypatch):
    nb = _notebook(tmp_path / "tiny.ipynb")
    monkeypatch.setitem(STEPS, "tiny", Step("tiny", "Tiny", str(nb)))
    return "tiny"


def test_a_registered_executor_runs_the_reports(tmp_path, registry, one_step):
    batch.register_executor("recording", RecordingExecutor)
    assert batch.available_executors() == ["local", "dask", "recording"]
    events = []
    result = batch.run(
        None,
        steps=[one_step],
        systems=["cv-screen", "llm-assist"],
        out=tmp_path / "out",
        executor="recording",
        progress=events.append,
    )
    assert result.ok, [r.error for r in result.reports]
    assert RecordingExecutor.seen == ["tiny/system-llm-assist", "tiny/system-cv-screen"]
    # outcomes keep the planned order whatever order the executor finishes in
    assert [r.name for r in result.reports] == ["tiny/system-cv-screen", "tiny/system-llm-assist"]
    man = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert man["parameters"]["executor"] == "recording" and man["status"] == "ok"
    assert [(e.event, e.done, e.total) for e in events if e.event == "done"] == [("done", 1, 2), ("done", 2, 2)]
    # the default prepare() leaves every task's prefetch alone (only the local executor trims it)
    again = batch.run(None, steps=[one_step], systems=["cv-screen"], out=tmp_path / "out", executor="recording")
    assert [r.cached for r in again.reports] == [True], "the cache does not depend on the executor"


def test_an_executor_from_an_entry_point_is_loaded_on_first_use(tmp_path, registry, one_step):
    registry.append(
        metadata.EntryPoint(name="plugin", value=f"{__name__}:RecordingExecutor", group=executors.ENTRY_POINT_GROUP)
    )
    registry.append(metadata.EntryPoint(name="other", value="json:loads", group="something.else"))
    assert "plugin" in executors.available() and "other" not in executors.available()
    assert "plugin" not in executors._registry, "listing the names loads nothing"
    res = CliRunner().invoke(
        cli,
        ["run", "--step", one_step, "--system", "cv-screen", "--out", str(tmp_path / "out"), "--executor", "plugin"],
    )
    assert res.exit_code == 0, res.output
    assert RecordingExecutor.seen == ["tiny/system-cv-screen"]
    assert executors.get("plugin") is RecordingExecutor


def test_unknown_and_broken_executors_are_refused_with_the_available_names(tmp_path, registry):
    with pytest.raises(
        batch.RunError, match=r"unknown executor 'dsak'; did you mean 'dask'\? \(available: local, dask\)"
    ):
        batch.run(None, out=tmp_path / "out", executor="dsak")
    assert not (tmp_path / "out").exists(), "refused before anything is written"
    res = CliRunner().invoke(cli, ["run", "--out", str(tmp_path / "out"), "--executor", "nope"])
    assert res.exit_code == 2 and "unknown executor 'nope'" in res.output and "available: local, dask" in res.output
    registry.append(metadata.EntryPoint(name="notone", value="json:loads", group=executors.ENTRY_POINT_GROUP))
    registry.append(metadata.EntryPoint(name="missing", value="no_such_module_x:E", group=executors.ENTRY_POINT_GROUP))
    with pytest.raises(batch.RunError, match=r"the executor 'notone' .*must be a subclass"):
        executors.get("notone")
    with pytest.raises(batch.RunError, match=r"the executor 'missing' .*cannot be loaded: ModuleNotFoundError"):
        executors.get("missing")
    with pytest.raises(TypeError, match="subclass"):
        batch.register_executor("bad", object)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        executors.Executor()  # type: ignore[abstract]


def test_an_executor_that_drops_a_report_leaves_it_failed_not_missing(tmp_path, registry, one_step):
    batch.register_executor("lazy", LazyExecutor)
    result = batch.run(None, steps=[one_step], systems=["cv-screen"], out=tmp_path / "out", executor="lazy")
    (report,) = result.reports
    assert report.status == "failed" and "executor 'lazy' returned no result" in report.error


def test_the_local_executor_starts_no_kernel_ahead_of_the_last_reports():
    tasks = [worker.ReportTask(f"t{i}", "nb", {}, "t", "f", "#000", None, 1) for i in range(5)]
    assert [t.prefetch for t in executors.LocalExecutor(jobs=1).prepare(tasks)] == [True] * 4 + [False]
    assert [t.prefetch for t in executors.LocalExecutor(jobs=2).prepare(tasks)] == [True] * 3 + [False] * 2
    assert all(t.prefetch for t in executors.DaskExecutor(jobs=2, scheduler="tcp://x:1").prepare(tasks))


@pytest.mark.parametrize("fork", ["1", "0"], ids=["forked-kernels", "started-kernels"])
def test_kernels_fork_from_the_zygote_module(tmp_path, monkeypatch, one_step, fork):
    pytest.importorskip("psutil")
    monkeypatch.setenv("AIMSKIT_FORK_KERNELS", fork)
    if fork == "1" and not kernels.fork_kernels_enabled():
        pytest.skip("this system cannot fork kernels")
    result = batch.run(None, steps=[one_step], systems=["cv-screen"], out=tmp_path / "out", jobs=1)
    (report,) = result.reports
    assert report.status == "ok", report.error
    forked = f"-m {kernels.ZYGOTE_MODULE} " in report.headline["parent"]
    assert forked is (fork == "1"), report.headline["parent"]


def test_the_zygote_is_a_module_that_warms_up_then_forks_on_request(tmp_path):
    marker = tmp_path / "warm"
    code = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('1')"
    proc = subprocess.Popen(
        [sys.executable, "-m", kernels.ZYGOTE_MODULE, code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline() == "ready\n"
        assert marker.read_text() == "1", "the warm-up ran before 'ready'"
    finally:
        proc.stdin.close()
    assert proc.wait(timeout=30) == 0, "the zygote ends at the end of its input"
    assert proc.stderr.read() == ""
    broken = subprocess.run(
        [sys.executable, "-m", kernels.ZYGOTE_MODULE, "1/0"], input="", capture_output=True, text=True, timeout=60
    )
    assert broken.stdout == "ready\n" and "warm-up failed: ZeroDivisionError" in broken.stderr


def test_one_kernelspec_check_decides_forking_and_the_warning(monkeypatch):
    check = batch.check_kernel()
    assert check.found and check.this_python and check.warning is None
    monkeypatch.setenv("AIMSKIT_FORK_KERNELS", "1")
    other = kernels.KernelCheck(True, "/opt/other/python", warning="the 'python3' kernel runs /opt/other/python")
    monkeypatch.setattr(kernels, "check_kernel", lambda: other)
    assert kernels.fork_kernels_enabled() is False
    assert kernels.kernel_warning() == other.warning
    assert batch.KERNEL_NAME == kernels.KERNEL_NAME == "python3"
    # no other module of the package names a kernel
    for path in Path(batch.__file__).parent.glob("*.py"):
        if path.name != "kernels.py":
            assert '"python3"' not in path.read_text(encoding="utf-8"), path.name


def test_warmup_takes_the_modules_a_step_declares_else_guesses_them(monkeypatch):
    from aimskit.batch.runs import step_modules

    assert step_modules("gap") == list(STEPS["gap"].modules) == ["aimskit.steps.gap", "aimskit.steps.gap.view"]
    # a step that declares no module (as the test steps): guessed from its name
    monkeypatch.setitem(STEPS, "risk2", SimpleNamespace(modules=()))
    assert step_modules("risk2") == []
    monkeypatch.setitem(STEPS, "risk", SimpleNamespace())  # the older shape, without `modules`
    assert step_modules("risk") == ["aimskit.steps.risk", "aimskit.steps.risk.view"]
    monkeypatch.setitem(STEPS, "declared", SimpleNamespace(modules=("aimskit.catalog", "aimskit.formats.csvschema")))
    assert step_modules("declared") == ["aimskit.catalog", "aimskit.formats.csvschema"]
    monkeypatch.setitem(STEPS, "nomods", SimpleNamespace(modules=()))
    assert step_modules("nomods") == [], "nothing declared and nothing to guess"
    code = batch.warmup_code(["gap", "declared"])
    assert code.startswith('__import__("aimskit.batch.worker").batch.worker.warm_caches([')
    assert "'aimskit.formats.csvschema'" in code and code.count("'aimskit.catalog'") == 1


# the order of the package's modules: each imports only those before it (no cycle, workers need no run)
LAYERS = ["errors", "kernels", "zygote", "worker", "plan", "manifest", "cache", "executors", "runs"]


def test_batch_modules_import_downwards_only():
    folder = Path(batch.__file__).parent
    assert sorted(LAYERS) == sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    for name in LAYERS:
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                mod = node.module
                if mod == "aimskit.batch":
                    imported |= {a.name for a in node.names}
                elif mod.startswith("aimskit.batch."):
                    imported.add(mod.split(".")[2])
        allowed = set(LAYERS[: LAYERS.index(name)])
        assert imported <= allowed, f"{name} imports {sorted(imported - allowed)}"
    zygote = (folder / "zygote.py").read_text(encoding="utf-8")
    assert "import aimskit" not in zygote and "from aimskit" not in zygote


def test_the_reports_shown_running_are_the_first_unfinished_ones_in_submission_order():
    running = executors._Running(["a", "b", "c", "d", "e"], 2)
    assert running.first() == ["a", "b"]
    running.done("b")
    assert running.first() == ["a", "c"]
    running.done("a")
    running.done("d")
    assert running.first() == ["c", "e"]
    for name in "ce":
        running.done(name)
    assert running.first() == []
