"""Batch runs: incremental re-runs, resuming after kill -9, the Dask executor, stale reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import nbformat
import pytest
from click.testing import CliRunner

from aimskit import batch
from aimskit.engagement.parts import risk as risk_part
from aimskit.steps import STEPS, Step
from aimskit.ui.cli import cli

PARAMS = 'engagement_path = ""\noutput_dir = ""\nsystem_id = None\nresults_path = ""'
WRITE = 'import json, pathlib\npathlib.Path(results_path).write_text(json.dumps({"headline": {"n": 1}}))'


def _notebook(path: Path, body: str = WRITE) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print('hello')"), nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, str(path))
    return path


def _step(monkeypatch, name: str, nb: Path, parts: tuple = ()) -> None:
    monkeypatch.setitem(STEPS, name, Step(name, f"Test step {name}", str(nb), per_system=False, parts=parts))


def _by_name(result) -> dict:
    return {r.name: r for r in result.reports}


def test_unchanged_reports_are_reused_and_changed_inputs_re_execute_them(tmp_path, monkeypatch, example_copy):
    _step(monkeypatch, "alpha", _notebook(tmp_path / "alpha.ipynb"), (risk_part.PART,))
    _step(monkeypatch, "beta", _notebook(tmp_path / "beta.ipynb"))
    out = tmp_path / "out"

    def run(**kw):
        result = batch.run(example_copy, steps=["alpha", "beta"], out=out, jobs=2, **kw)
        assert result.ok, [r.error for r in result.reports]
        return {name: r.cached for name, r in _by_name(result).items()}

    assert run() == {"alpha/organisation": False, "beta/organisation": False}
    html = out / "alpha" / "organisation.html"
    stamp = html.stat().st_mtime_ns
    assert run() == {"alpha/organisation": True, "beta/organisation": True}
    assert html.stat().st_mtime_ns == stamp, "a reused report is not written again"
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    alpha = man["reports"][0]
    assert alpha["cached"] is True and len(alpha["cache_key"]) == 64
    assert set(alpha["inputs_sha256"]) == {
        "engagement.yaml",
        "systems.csv",
        "gap.csv",
        "risks.csv",
        "soa.csv",
        "logo.svg",
    }

    # risks.csv is read by alpha only (through the risk part it declares)
    risks = example_copy / "risks.csv"
    risks.write_text(risks.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert run() == {"alpha/organisation": False, "beta/organisation": True}
    # the logo is in every report
    logo = example_copy / "logo.svg"
    logo.write_text(logo.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert run() == {"alpha/organisation": False, "beta/organisation": False}
    assert run(force=True) == {"alpha/organisation": False, "beta/organisation": False}
    # a damaged output file is never taken as done
    html.write_text(html.read_text(encoding="utf-8")[:100], encoding="utf-8")
    assert run() == {"alpha/organisation": False, "beta/organisation": True}
    # another notebook, another key
    _step(monkeypatch, "beta", _notebook(tmp_path / "beta.ipynb", WRITE + "\n# changed"))
    assert run() == {"alpha/organisation": True, "beta/organisation": False}


def test_a_failed_report_is_executed_again(tmp_path, monkeypatch):
    _step(monkeypatch, "boom", _notebook(tmp_path / "boom.ipynb", "1/0"))
    for _ in range(2):
        result = batch.run(None, steps=["boom"], out=tmp_path / "out", jobs=1)
        (report,) = result.reports
        assert report.status == "failed" and not report.cached
        assert report.error == "cell 3 of boom.ipynb: ZeroDivisionError: division by zero"


def test_reports_no_longer_planned_leave_the_index_but_stay_on_disk(tmp_path, example_copy):
    out = tmp_path / "out"
    assert batch.run(example_copy, steps=["gap"], systems=["cv-screen", "llm-assist"], out=out).ok
    systems = example_copy / "systems.csv"
    lines = systems.read_text(encoding="utf-8").splitlines()
    lines = [
        line.replace(",limited,yes,", ",limited,no,") if line.startswith("llm-assist,") else line for line in lines
    ]
    systems.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = batch.run(example_copy, steps=["gap"], systems=["cv-screen"], out=out)
    assert [r.name for r in result.reports] == ["gap/system-cv-screen"]
    index = result.index.read_text(encoding="utf-8")
    assert "system-cv-screen.html" in index and "llm-assist" not in index
    assert (out / "gap" / "system-llm-assist.html").is_file(), "earlier output is not deleted"
    # the gap report of cv-screen reads its own row of systems.csv only (a Slice): another system's row
    # changed, so it is reused
    assert _by_name(result)["gap/system-cv-screen"].cached is True


def test_editing_one_systems_row_re_runs_its_reports_and_the_organisation_reports_only(tmp_path, example_copy):
    """Fine-grained incremental runs on the example: every report's key holds the data it reads."""
    out = tmp_path / "out"
    first = batch.run(example_copy, out=out, jobs=2)
    assert first.ok, [r.error for r in first.failed]
    names = {r.name for r in first.reports}
    systems = {r.system_id for r in first.reports if r.system_id}
    sliced = [name for name, step in STEPS.items() if step.slices_per_system]

    def executed() -> set[str]:
        result = batch.run(example_copy, out=out, jobs=2)
        assert result.ok, [r.error for r in result.failed]
        return {r.name for r in result.reports if not r.cached}

    # one gap row of one system
    gap = example_copy / "gap.csv"
    lines = gap.read_text(encoding="utf-8").splitlines()
    i = next(i for i, line in enumerate(lines) if line.split(",")[1] == "cv-screen")
    lines[i] = lines[i].replace(",partially_compliant,1,", ",partially_compliant,2,", 1)  # its maturity
    assert lines[i] != gap.read_text(encoding="utf-8").splitlines()[i]
    gap.write_text("\n".join(lines) + "\n", encoding="utf-8")
    organisation = {f"{step}/organisation" for step in STEPS}  # every step reads gap.csv
    assert all("gap.csv" in step.reads for step in STEPS.values())
    # the per-scope reports of steps whose reports show organisation-wide figures (risk: the SoA over
    # every system; audit and review: an audit or review of the whole AIMS) read gap.csv whole
    unsliced = {n for n in names if n.split("/")[0] not in sliced and not n.endswith("/organisation")}
    expected = organisation | ({f"{step}/system-cv-screen" for step in sliced} & names) | unsliced
    ran = executed()
    assert ran == expected
    others = {f"{step}/system-{sid}" for step in sliced for sid in systems if sid != "cv-screen"}
    assert others and not others & ran, "another system's reports were executed again"

    # one system's profile
    profile = example_copy / "systems" / "cv-screen.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
    readers = {name for name, step in STEPS.items() if "systems" in step.reads}
    assert "risk" not in readers and "impact" in readers
    whole = {n for n in names if n.split("/")[0] in readers and n.split("/")[0] not in sliced}  # review
    ran = executed()
    assert ran == ({f"{step}/system-cv-screen" for step in readers if step in sliced} & names) | whole | {
        f"{step}/organisation" for step in readers
    }
    assert not others & ran
    assert executed() == set(), "nothing changed: everything is reused"


def _tree(pid: int) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def test_kill_9_midway_then_resume_completes_and_reuses_finished_reports(tmp_path, example_copy):
    import psutil

    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "aimskit.ui.cli",
        "run",
        str(example_copy),
        "--step",
        "gap",
        "--out",
        str(out),
        "-j",
        "2",
    ]
    records = out / ".aimskit" / "records" / "gap"
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    children = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        children = _tree(proc.pid) or children
        if records.is_dir() and len(list(records.glob("*.json"))) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed: " + proc.stdout.read().decode()
    # kernels started by jupyter_client, or forked from a zygote (whose command line they keep), and the zygotes
    kernels = [c for c in _tree(proc.pid) if any(k in " ".join(c.cmdline()) for k in ("ipykernel", "batch.zygote"))]
    assert kernels, "a report was running"
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its workers (kernels run in their own sessions)
    proc.wait()
    # kernels notice that their worker died and exit (ipykernel polls its parent every second)
    _gone, alive = psutil.wait_procs(kernels + children, timeout=30)
    assert not alive, f"processes left behind: {[p.cmdline() for p in alive]}"

    done_before = {p.stem: (out / "gap" / f"{p.stem}.html").stat().st_mtime_ns for p in records.glob("*.json")}
    assert 2 <= len(done_before) < 6
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["status"] == "running", "the killed run never finished its manifest"

    res = CliRunner().invoke(cli, ["run", str(example_copy), "--step", "gap", "--out", str(out), "--jobs", "2"])
    assert res.exit_code == 0, res.output
    assert f"reused {len(done_before)} report{'' if len(done_before) == 1 else 's'}" in res.output
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["status"] == "ok" and len(man["reports"]) == 6
    for r in man["reports"]:
        scope = r["name"].split("/")[1]
        assert r["status"] == "ok"
        assert r["cached"] is (scope in done_before), r["name"]
        if scope in done_before:
            assert (out / r["files"]["html"]).stat().st_mtime_ns == done_before[scope]
    leftovers = [p for p in out.rglob(".*") if p.is_file()]
    assert not leftovers, leftovers
    import tempfile

    scratch = [p for c in children for p in Path(tempfile.gettempdir()).glob(f"aimskit-worker-{c.pid}-*")]
    assert not scratch, "the next run removes the scratch folders of killed workers"


def test_dask_executor_on_a_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "out"
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        res = CliRunner().invoke(
            cli,
            [
                "run",
                "--step",
                "gap",
                "--step",
                "risk",
                "--system",
                "cv-screen",
                "--out",
                str(out),
                "--executor",
                "dask",
                "--scheduler",
                address,
            ],
        )
        assert res.exit_code == 0, res.output
        man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert man["parameters"]["executor"] == "dask" and man["parameters"]["scheduler"] == address
        workers = {r["worker"] for r in man["reports"]}
        assert all(r["status"] == "ok" and not r["cached"] for r in man["reports"])
        assert f"{os.uname().nodename}:{os.getpid()}" not in workers, "executed in the Dask workers"
        html = (out / "gap" / "system-cv-screen.html").read_text(encoding="utf-8")
        assert '<script src="../assets/plotly.min.js"></script>' in html
        # files a notebook writes beside its report come back from the worker too
        risk = next(r for r in man["reports"] if r["step"] == "risk")
        assert (out / risk["files"]["soa_csv"]).is_file() and risk["files"]["soa_csv"].endswith(
            "system-cv-screen-soa.csv"
        )
        steps, systems = ["gap", "risk"], ["cv-screen"]
        again = batch.run(None, steps=steps, systems=systems, out=out, executor="dask", scheduler=address)
        assert [r.cached for r in again.reports] == [True, True]
    with pytest.raises(batch.RunError, match="needs the address of a scheduler"):
        batch.run(None, out=out, executor="dask")


ISOLATION = (
    "import json, os, pathlib\n"
    "seen = globals().get('leak')\n"
    "leak = 1\n"
    "builtin = ('In', 'Out', 'exit', 'quit', 'get_ipython', 'open')\n"
    "names = sorted(n for n in globals() if not n.startswith('_') and n not in builtin)\n"
    "head = {'pid': os.getpid(), 'seen': seen, 'names': names}\n"
    "pathlib.Path(results_path).write_text(json.dumps({'headline': head}))"
)


@pytest.mark.parametrize("fork", ["1", "0"], ids=["forked-kernels", "started-kernels"])
def test_every_report_gets_a_fresh_kernel_and_nothing_leaks(tmp_path, monkeypatch, fork):
    monkeypatch.setenv("AIMSKIT_FORK_KERNELS", fork)
    nb = _notebook(tmp_path / "iso.ipynb", ISOLATION)
    monkeypatch.setitem(STEPS, "iso", Step("iso", "Isolation", str(nb)))
    result = batch.run(None, steps=["iso"], systems=["cv-screen", "llm-assist"], out=tmp_path / "out", jobs=1)
    monkeypatch.setitem(STEPS, "iso2", Step("iso2", "Isolation", str(nb), per_system=False))
    result2 = batch.run(None, steps=["iso2"], out=tmp_path / "out2", jobs=1)
    heads = [r.headline for r in [*result.reports, *result2.reports]]
    assert all(r.status == "ok" for r in [*result.reports, *result2.reports])
    assert len({h["pid"] for h in heads}) == 3, "one kernel process per report"
    assert all(h["seen"] is None for h in heads), "no state from an earlier report"
    expected = ["builtin", "engagement_path", "json", "leak", "os", "output_dir", "pathlib", "results_path", "seen"]
    expected.append("system_id")
    assert heads[0]["names"] == expected, "the warm-up leaves no name in the kernel"


PRELOAD = (
    "import json, pathlib, sys\n"
    "import aimskit.engagement as e\n"
    "pre = sorted(e._PRELOADED)\n"
    "before = set(sys.modules)\n"
    "from aimskit.present import report\n"
    "report.setup()\n"
    "new = sorted(set(sys.modules) - before)\n"
    "eng = e.load(engagement_path)\n"
    "head = {'preloaded': pre, 'after': sorted(e._PRELOADED), 'new_modules': new, 'systems': len(eng.systems),\n"
    "        'debugger': 'debugpy' in sys.modules}\n"
    "pathlib.Path(results_path).write_text(json.dumps({'headline': head}))"
)


@pytest.mark.parametrize("fork", ["1", "0"], ids=["forked-kernels", "started-kernels"])
def test_a_forked_kernel_inherits_the_runs_snapshot_and_its_imports(tmp_path, monkeypatch, fork):
    from aimskit.batch import kernels

    monkeypatch.setenv("AIMSKIT_FORK_KERNELS", fork)
    if fork == "1" and not kernels.fork_kernels_enabled():
        pytest.skip("this system cannot fork kernels")
    nb = _notebook(tmp_path / "pre.ipynb", PRELOAD)
    monkeypatch.setitem(STEPS, "pre", Step("pre", "Preload", str(nb)))
    result = batch.run(None, steps=["pre"], systems=["cv-screen", "llm-assist"], out=tmp_path / "out", jobs=1)
    assert all(r.status == "ok" for r in result.reports), [r.error for r in result.reports]
    for head in (r.headline for r in result.reports):
        assert head["systems"] > 0
        assert head["new_modules"] == [], "the warm-up imports what report.setup() needs"
        assert head["after"] == [], "a kernel takes the snapshot read ahead once"
        if fork == "1":  # read by the zygote, before the fork: every kernel starts with it
            (path,) = head["preloaded"]
            assert path.endswith(".pickle") and "scratch" in path
            assert head["debugger"], "the kernel's own imports are the zygote's"
        else:
            assert head["preloaded"] == []


def _manifest(reports: list[dict]) -> dict:
    return {
        "parameters": {"steps": ["gap"]},
        "reports": reports,
        "status": "ok",
        "aimskit_version": "0",
        "catalog_version": "0",
        "started": "s",
        "finished": "f",
    }


def _report(scope_id, conformity, status="ok", cached=False):
    return {
        "name": f"gap/{scope_id}",
        "step": "gap",
        "system_id": scope_id,
        "scope_id": scope_id,
        "status": status,
        "error": None if status == "ok" else "boom",
        "duration_s": 1.0,
        "files": {"html": f"gap/{scope_id}.html"},
        "headline": {"conformity": conformity, "clause_nonconformities": 3},
        "cached": cached,
    }


def test_index_matrix_rolls_up_the_systems_only():
    from aimskit import engagement
    from aimskit.base import resources
    from aimskit.results import portfolio

    eng = engagement.load(resources.example_engagement())
    org = _report(None, 10.0)
    org["system_id"] = None
    reports = [
        org,
        _report("credit-score", 50.0, cached=True),
        _report("cv-screen", 70.0),
        _report("x", 99.0, "failed"),
    ]
    html = portfolio.index_html(eng, _manifest(reports))
    matrix = html.split("<h2>Portfolio")[1].split("<h2>")[0]
    assert matrix.count("<tr><td") == 4  # organisation + 3 systems
    rollup = matrix.split("<tfoot>")[1]
    # conformity of the two systems that succeeded: median 60, min 50, max 70 (organisation's 10 and failed 99 excluded)
    assert [cell for cell in rollup.split('<td class="num">')[1:] if "%" in cell][:3] == [
        "60%</td>",
        "50%</td>",
        "70%</td>",
    ]
    assert "1 reused unchanged" in html and 'class="ak-table ak-sortable"' in html


def test_every_report_records_where_its_time_went(tmp_path, monkeypatch, example_copy):
    _step(monkeypatch, "alpha", _notebook(tmp_path / "alpha.ipynb"))
    result = batch.run(example_copy, steps=["alpha"], out=tmp_path / "out", jobs=1)
    assert result.ok, [r.error for r in result.reports]
    (report,) = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["reports"]
    timings = report["timings"]
    from aimskit.batch.worker import PHASES

    assert set(timings) <= set(PHASES) and {"kernel", "setup_cell", "cells", "html", "write"} <= set(timings)
    assert all(v >= 0 for v in timings.values())
    assert timings["setup_cell"] > 0 and timings["html"] > 0
    assert (
        sum(v for k, v in timings.items() if not k.endswith("_cpu")) <= report["duration_s"] + 0.05 + timings["write"]
    )


class _Capture(batch.Executor):
    """An executor that executes nothing: it keeps the tasks it was given (and whether their snapshot existed)."""

    seen: ClassVar[list] = []

    def execute(self, tasks, on_start, on_result):
        type(self).seen = [(t, bool(t.snapshot) and Path(t.snapshot).is_file()) for t in tasks]
        for t in tasks:
            on_result(t, batch.executors.failed_result(t.name, "not executed"))


def test_each_task_names_the_runs_snapshot(tmp_path, monkeypatch, example_copy):
    """A Dask worker does not share the run's environment: the snapshot travels in the task."""
    _step(monkeypatch, "alpha", _notebook(tmp_path / "alpha.ipynb"))
    monkeypatch.setitem(batch.executors._registry, "capture", _Capture)
    batch.run(example_copy, steps=["alpha"], out=tmp_path / "out", executor="capture")
    ((task, existed),) = _Capture.seen
    assert task.snapshot and Path(task.snapshot).name.startswith("engagement-") and existed
    assert not Path(task.snapshot).exists(), "removed at the end of the run"


def test_a_snapshot_is_shipped_to_workers_that_cannot_see_it(tmp_path, monkeypatch):
    from aimskit.batch import executors, worker

    snap = tmp_path / "engagement-abc.pickle"
    snap.write_bytes(b"snapshot bytes")
    task = worker.ReportTask("a/b", "nb", {}, "t", "f", "#000000", None, 60, snapshot=str(snap))

    class Client:
        def __init__(self, sees):
            self.sees, self.scattered = sees, []

        def run(self, fn, path):
            return {"w1": self.sees, "w2": fn(path)}

        def scatter(self, data, broadcast, hash):
            self.scattered.append((data, broadcast))
            return "future"

    shared = Client(True)
    assert executors.DaskExecutor._ship_snapshot(shared, [task]) is None and not shared.scattered
    remote = Client(False)
    assert executors.DaskExecutor._ship_snapshot(remote, [task]) == "future"
    assert remote.scattered == [(b"snapshot bytes", True)]
    assert (
        executors.DaskExecutor._ship_snapshot(remote, [worker.ReportTask("a", "nb", {}, "t", "f", "#0", None, 1)])
        is None
    )

    ran = []
    monkeypatch.setattr(worker, "execute_task", lambda t: ran.append(t) or "result")
    assert worker.execute_shipped(task, b"snapshot bytes") == "result"
    local = Path(ran[0].snapshot)
    assert local != snap and local.name == snap.name and local.read_bytes() == b"snapshot bytes"
    worker.execute_shipped(task, b"snapshot bytes")
    assert ran[1].snapshot == str(local), "written once per worker"


SNAPSHOT_SEEN = (
    "import json, os, pathlib\n"
    "from aimskit import engagement\n"
    "used = engagement._from_snapshot(pathlib.Path(engagement_path), None) is not None\n"
    "pathlib.Path(results_path).write_text(json.dumps({'headline': {'snapshot': used, "
    "'named': bool(os.environ.get(engagement.SNAPSHOT_ENV))}}))"
)


def test_dask_workers_load_the_runs_snapshot(tmp_path, monkeypatch, example_copy):
    """Workers of a cluster started before the run (so without the run's environment) get the snapshot."""
    distributed = pytest.importorskip("distributed")
    _step(monkeypatch, "alpha", _notebook(tmp_path / "alpha.ipynb", SNAPSHOT_SEEN))
    with distributed.LocalCluster(processes=True, n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster:
        result = batch.run(
            example_copy, steps=["alpha"], out=tmp_path / "out", executor="dask", scheduler=cluster.scheduler_address
        )
    assert result.ok, [r.error for r in result.reports]
    assert result.reports[0].headline == {"snapshot": True, "named": True}
