"""Benchmark of batch runs: a synthetic engagement of N AI systems, every report, four ways.

    python benchmarks/bench.py                 # 50 systems, every available step
    python benchmarks/bench.py --systems 10    # quicker
    python benchmarks/bench.py --scale         # 50 and 500 systems: flat per-report cost, org-wide compute
    python benchmarks/bench.py --modes naive,jobs-N,dask --repeat 2 --profile   # the speed and Dask figures

Modes, each in a fresh subprocess on this machine, one after the other:

(a) naive   the papermill + ``jupyter nbconvert --to html`` command lines, one report at a time,
            on a sample of the reports (``--sample``, default 5)
(b) jobs-1  ``aimskit run --jobs 1 --force``
(c) jobs-N  ``aimskit run --force`` with one worker per CPU
(d) floor   the same number of reports of an empty notebook that only imports aimskit, run
            like (c): the cost of the machinery (kernel, parameters, rendering) without the work
(e) dask    ``aimskit run --executor dask`` on a ``LocalCluster`` of ``--jobs`` process workers
            (one thread each) started by the same command (its start-up is in the wall time)

``--repeat K`` runs the modes other than (a) K times, in turn, and reports the median run (each
run's figure is in the table): compare modes measured back to back. ``--profile`` adds where a
report's time goes: the mean of each phase its worker timed (``aimskit.batch.worker.PHASES``,
recorded per report in ``manifest.json`` as ``timings``), per mode.

For each: wall time per report, ratio to the naive loop, peak memory of the whole process tree
(the runner, its workers and their kernels; RSS summed, sampled every 50 ms), and the median
and largest report HTML. Prints a table and writes it, with the machine described, to
``benchmarks/results/<date>-<host>.md`` (and ``.json``) unless ``--no-save``.

The synthetic engagement starts as a copy of the example (so a new step's files are there without
any change here); files whose size grows with the portfolio have a generator (``GENERATORS``) that
scales them to the number of systems. A step adding such a file may add one to measure it at scale.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from aimskit import catalog  # noqa: E402
from aimskit.base import resources  # noqa: E402
from aimskit.steps import STEPS  # noqa: E402

EXAMPLE = resources.example_engagement()
TEMPLATES = ["credit-score", "llm-assist", "cv-screen", "collections-forecast", "fraud-detect"]


# --- synthetic engagement -----------------------------------------------------------------


def _read_csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader((EXAMPLE / name).open(encoding="utf-8")))


def _write_csv(rows: list[dict[str, str]], fields: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def system_ids(n: int) -> list[str]:
    """The example's five in-scope systems (so every cross-reference of the copied files holds), then copies."""
    return [*TEMPLATES[:n], *(f"{TEMPLATES[i % len(TEMPLATES)]}-{i + 1:03d}" for i in range(len(TEMPLATES), n))]


def _copies(n: int) -> list[tuple[str, str, int]]:
    """(new system id, template system id, number) of the generated systems."""
    return [(sid, TEMPLATES[i % len(TEMPLATES)], i + 1) for i, sid in enumerate(system_ids(n)) if i >= len(TEMPLATES)]


def gen_systems_csv(n: int, rng: random.Random) -> str:
    example = _read_csv("systems.csv")
    by_id = {r["id"]: r for r in example}
    rows = list(example)  # the example's systems, the out-of-scope one included
    for sid, template, i in _copies(n):
        row = dict(by_id[template])
        row.update(id=sid, name=f"{row['name']} #{i}", in_scope="yes")
        rows.append(row)
    return _write_csv(rows, list(example[0].keys()))


STATUS_MATURITY = {
    "compliant": (3, 5),
    "partially_compliant": (1, 3),
    "non_compliant": (0, 1),
    "not_applicable": None,
    "not_assessed": None,
}


def gen_gap_csv(n: int, rng: random.Random) -> str:
    """The example's rows, and per generated system ~20 Annex A controls with varied answers."""
    example = _read_csv("gap.csv")
    rows = list(example)
    templates = [r for r in example if r["system_id"]]
    controls = sorted(catalog.load("iso42001-annex-a")["id"])
    weights = [35, 30, 20, 5, 10]
    for sid, _, _ in _copies(n):
        for rid in sorted(rng.sample(controls, k=min(20, len(controls)))):
            status = rng.choices(list(STATUS_MATURITY), weights=weights)[0]
            span = STATUS_MATURITY[status]
            row = dict(rng.choice(templates))
            row.update(
                requirement_id=rid,
                system_id=sid,
                status=status,
                maturity="" if span is None else str(rng.randint(*span)),
                target_date=row["target_date"] if status in ("partially_compliant", "non_compliant") else "",
            )
            rows.append(row)
    return _write_csv(rows, list(example[0].keys()))


def _risk_ids(template: str, i: int) -> dict[str, str]:
    return {r["risk_id"]: f"{r['risk_id']}-{i:03d}" for r in _read_csv("risks.csv") if r["system_id"] == template}


def gen_risks_csv(n: int, rng: random.Random) -> str:
    """The example's risks, and a copy of its template system's risks for every generated system."""
    example = _read_csv("risks.csv")
    rows = list(example)
    for sid, template, i in _copies(n):
        ids = _risk_ids(template, i)
        rows += [dict(r, risk_id=ids[r["risk_id"]], system_id=sid) for r in example if r["system_id"] == template]
    return _write_csv(rows, list(example[0].keys()))


def gen_impacts_csv(n: int, rng: random.Random) -> str:
    """The example's impacts, and a copy of its template system's impacts (linked to the copied risks)."""
    example = _read_csv("impacts.csv")
    rows = list(example)
    for sid, template, i in _copies(n):
        ids = _risk_ids(template, i)
        for r in example:
            if r["system_id"] == template:
                links = "; ".join(ids.get(x.strip(), x.strip()) for x in r["risk_ids"].split(";") if x.strip())
                rows.append(dict(r, impact_id=f"{r['impact_id']}-{i:03d}", system_id=sid, risk_ids=links))
    return _write_csv(rows, list(example[0].keys()))


def _copy(name: str) -> Callable[[int, random.Random], str]:
    return lambda n, rng: (EXAMPLE / name).read_text(encoding="utf-8")


#: one generator per engagement file: (systems, rng) -> file text. Files of the example engagement
#: without a generator are copied as they are (see make_engagement); per-system profiles below.
GENERATORS: dict[str, Callable[[int, random.Random], str]] = {
    "systems.csv": gen_systems_csv,
    "gap.csv": gen_gap_csv,
    "risks.csv": gen_risks_csv,
    "impacts.csv": gen_impacts_csv,
}


def make_engagement(folder: Path, n: int, seed: int = 42001) -> Path:
    """A valid engagement: the example's files, the generated ones, a profile per generated system."""
    from aimskit import engagement

    if n < len(TEMPLATES):
        raise SystemExit(f"--systems must be at least {len(TEMPLATES)} (the example's systems come first)")
    shutil.copytree(EXAMPLE, folder)
    rng = random.Random(seed)
    for name, generate in GENERATORS.items():
        (folder / name).write_text(generate(n, rng), encoding="utf-8")
    profiles = folder / "systems"
    if profiles.is_dir():
        for sid, template, _ in _copies(n):
            if (profiles / f"{template}.yaml").is_file():
                shutil.copyfile(profiles / f"{template}.yaml", profiles / f"{sid}.yaml")
    eng = engagement.load(folder)  # raises if the generators produced an invalid engagement
    if len(eng.in_scope_ids) != n:
        raise SystemExit(f"expected {n} systems in scope, got {len(eng.in_scope_ids)}")
    return folder


FLOOR_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "metadata": {"tags": ["parameters"]},
            "source": 'engagement_path = ""\noutput_dir = ""\nsystem_id = None\nresults_path = ""',
            "outputs": [],
            "execution_count": None,
        },
        {
            "cell_type": "code",
            "metadata": {},
            "source": "import json\nimport aimskit\n"
            'open(results_path, "w").write(json.dumps({"headline": {"aimskit": aimskit.__version__}}))',
            "outputs": [],
            "execution_count": None,
        },
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}

FLOOR_DRIVER = """
import sys
from aimskit import batch
from aimskit.steps import STEPS, Step
nb, eng, out, copies, jobs = sys.argv[1:]
STEPS.clear()
# about as many reports as the real plan: each copy of the step is one organisation report + one per system
for i in range(int(copies)):
    STEPS[f"floor{i}"] = Step(f"floor{i}", "Floor: an empty notebook", nb)
result = batch.run(eng, out=out, jobs=int(jobs), force=True)
sys.exit(0 if result.ok else 1)
"""


DASK_DRIVER = """
import json, sys, time
from pathlib import Path
import distributed
from aimskit import batch
eng, out, jobs = sys.argv[1:]
import dask
# the workers' statistical profiler (stack samples every 10 ms, for the dashboard's profile page) off, as
# docs/batch.md advises for a cluster that runs reports: it costs about 0.02 s of CPU per report here
dask.config.set({"distributed.worker.profile.enabled": False})
t = time.perf_counter()
with distributed.LocalCluster(processes=True, n_workers=int(jobs), threads_per_worker=1, dashboard_address=None) as c:
    Path(out).parent.joinpath("dask-cluster.json").write_text(json.dumps({"start_s": time.perf_counter() - t}))
    result = batch.run(eng, out=out, force=True, executor="dask", scheduler=c.scheduler_address)
sys.exit(0 if result.ok else 1)
"""


# --- measuring ----------------------------------------------------------------------------


def measure(cmds: list[list[str]]) -> dict[str, float]:
    """Run the commands one after the other; wall time and peak RSS of the process tree."""
    import psutil

    peak = 0
    t0 = time.perf_counter()
    for cmd in cmds:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stop = threading.Event()

        def sample(pid: int = proc.pid, stop: threading.Event = stop) -> None:
            nonlocal peak
            while not stop.is_set():
                with contextlib.suppress(psutil.Error):
                    root = psutil.Process(pid)
                    total = 0
                    for p in [root, *root.children(recursive=True)]:
                        with contextlib.suppress(psutil.Error):
                            total += p.memory_info().rss
                    peak = max(peak, total)
                stop.wait(0.05)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        _, err = proc.communicate()
        stop.set()
        thread.join()
        if proc.returncode != 0:
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode()[-3000:]}")
    return {"wall_s": time.perf_counter() - t0, "peak_rss_mb": peak / 2**20}


def phases(manifest: Path) -> dict[str, float]:
    """Mean seconds per report of each phase its worker timed (``aimskit.batch.worker.PHASES``), from a manifest."""
    reports = [r for r in json.loads(manifest.read_text(encoding="utf-8"))["reports"] if r.get("timings")]
    keys = dict.fromkeys(k for r in reports for k in r["timings"])
    out = {k: statistics.fmean(r["timings"].get(k, 0.0) for r in reports) for k in keys}
    out["duration"] = statistics.fmean(r["duration_s"] for r in reports) if reports else 0.0
    return out


def profile_table(results: dict[str, dict]) -> str:
    """Mean seconds per report of every phase, one column per mode that recorded them."""
    from aimskit.batch.worker import PHASES

    modes = [m for m, s in results.items() if s.get("phases")]
    lines = ["| phase (mean s per report, in its worker) | " + " | ".join(modes) + " |"]
    lines.append("|---|" + "---:|" * len(modes))
    for key, what in [*PHASES.items(), ("duration", "the whole report in its worker (wall)")]:
        cells = " | ".join(f"{results[m]['phases'].get(key, 0.0):.3f}" for m in modes)
        lines.append(f"| `{key}`: {what} | {cells} |")
    return "\n".join(lines)


def html_sizes(folder: Path) -> list[int]:
    return sorted(p.stat().st_size for p in folder.rglob("*.html") if p.name != "index.html")


def import_time() -> float:
    """Median wall time of ``python -c "import aimskit"`` (interpreter start included), 5 runs."""
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import aimskit"], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def machine() -> dict[str, str]:
    info = {"python": platform.python_version(), "os": platform.platform(), "cpus": str(os.cpu_count())}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram"] = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    info["host"] = platform.node()
    return info


def describe_run(title: str, info: dict[str, str], load_start: str, after: str, rows: dict, args) -> str:
    """The header of a benchmark's results: what ran, the machine, the load average, the note."""
    header = (
        f"{title}\n\n"
        f"Machine: {info.get('cpu', '?')}, {info['cpus']} CPUs, {info.get('ram', '?')} RAM, "
        f"Python {info['python']}, {info['os']}\n"
        f"Load average (1, 5, 15 min) at the start: {load_start}; {after}: "
        + "; ".join(f"{name} {r['load_after']}" for name, r in rows.items())
        + "\n"
    )
    if args.note:
        header += f"\nNote: {args.note}\n"
    return header


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


ORG_COMPUTE = """
import json, sys, time
from aimskit import engagement
from aimskit.steps import gap, impact
folder = sys.argv[1]
t = time.perf_counter(); eng = engagement.load(folder); out = {"engagement.load": time.perf_counter() - t}
for name, fn in (("gap.assess", gap.assess), ("impact.assess", impact.assess)):
    t = time.perf_counter(); fn(eng); out[name] = time.perf_counter() - t
out["gap_rows"] = len(eng.gap); out["risks"] = len(eng.parts["risk"].risks)
print(json.dumps(out))
"""


def scale(args: argparse.Namespace) -> None:
    """``--scale``: per-report wall time at each size on the same sample of per-system reports, the
    ratio to the smallest size, organisation-wide compute times and peak memory of the process tree."""
    sizes = [int(x) for x in args.scale_sizes.split(",")]
    work = args.work or Path(tempfile.mkdtemp(prefix="aimskit-scale-"))
    load_start = load()
    rows: dict[int, dict] = {}
    for n in sizes:
        eng = make_engagement(work / f"engagement-{n}", n)
        proc = subprocess.run([sys.executable, "-c", ORG_COMPUTE, str(eng)], check=True, capture_output=True, text=True)
        org = json.loads(proc.stdout.strip().splitlines()[-1])
        ids = system_ids(n)
        cmd = [sys.executable, "-m", "aimskit.ui.cli", "run", str(eng), "--force", "--quiet", "--jobs", str(args.jobs)]
        cmd += ["--out", str(work / f"out-{n}")]
        if args.scale_sample > 0:  # 0: every system (the whole plan)
            sample = [ids[round(k * (n - 1) / max(1, args.scale_sample - 1))] for k in range(args.scale_sample)]
            for sid in dict.fromkeys(sample):
                cmd += ["--system", sid]
        stats = measure([cmd])
        records = json.loads((work / f"out-{n}" / "manifest.json").read_text(encoding="utf-8"))["reports"]
        reports = len(records)
        # a report's own time in its worker, per kind: per-system reports (flat by design) and the
        # organisation-wide ones (whose content grows with the portfolio)
        kinds = {
            "system": [r for r in records if r.get("system_id")],
            "org": [r for r in records if not r.get("system_id")],
        }
        for kind, rs in kinds.items():
            stats[f"{kind}_reports"] = len(rs)
            stats[f"{kind}_report_s"] = sum(r["duration_s"] for r in rs) / len(rs) if rs else 0.0
        stats.update(org, systems=n, reports=reports, per_report_s=stats["wall_s"] / reports, load_after=load())
        rows[n] = stats
        print(f"  {n} systems: {stats['per_report_s']:.2f} s/report, load {stats['load_after']}", flush=True)
    base = rows[sizes[0]]["per_report_s"]
    lines = [
        "| systems | gap rows | risks | `engagement.load` s | `gap.assess` s | `impact.assess` s | reports run | "
        f"s / report | vs {sizes[0]} | per-system report s (vs {sizes[0]}) | organisation report s | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base_sys = rows[sizes[0]]["system_report_s"] or 1.0
    for n, r in rows.items():
        lines.append(
            f"| {n} | {r['gap_rows']} | {r['risks']} | {r['engagement.load']:.2f} | {r['gap.assess']:.2f} | "
            f"{r['impact.assess']:.2f} | {r['reports']} | {r['per_report_s']:.2f} | {r['per_report_s'] / base:.2f}x | "
            f"{r['system_report_s']:.2f} ({r['system_report_s'] / base_sys:.2f}x, {r['system_reports']}) | "
            f"{r['org_report_s']:.2f} ({r['org_reports']}) | {r['peak_rss_mb']:.0f} |"
        )
    lines.append(
        "\n`s / report`: the run's wall time over its reports, with `--jobs` workers. The two report columns: "
        "a report's own time in its worker (`duration_s` in the manifest, mean), per-system and organisation-wide."
    )
    targets = scale_targets(rows)
    if targets:
        lines.append("\nTargets (issue 18):\n" + "\n".join(targets))
    table = "\n".join(lines)
    info, when = machine(), dt.datetime.now(dt.UTC)
    title = (
        f"aimskit scale benchmark, {when:%Y-%m-%d %H:%M} UTC: {', '.join(map(str, sizes))} systems; per size "
        + (
            f"the reports of {args.scale_sample} systems spread over the portfolio (every step)"
            if args.scale_sample > 0
            else "every report of the plan (every system, every step)"
        )
        + f", --jobs {args.jobs}"
    )
    header = describe_run(title, info, load_start, "after each size", {str(n): r for n, r in rows.items()}, args)
    print()
    print(header)
    print(table)
    if not args.no_save:
        stem = HERE / "results" / f"{when:%Y-%m-%d-%H%M}-{info['host']}-scale"
        cmdline = "python benchmarks/bench.py " + " ".join(sys.argv[1:])
        stem.with_suffix(".md").write_text(f"# {header}\nCommand: `{cmdline}`\n\n{table}\n", encoding="utf-8")
        payload = {"when": when.isoformat(), "machine": info, "args": vars(args) | {"work": str(work)}}
        payload |= {"results": {str(n): r for n, r in rows.items()}, "load_start": load_start}
        stem.with_suffix(".json").write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nsaved {stem}.md and .json")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


#: The targets of the speed work (issue 18), printed with each benchmark's table: met or not, with the figure.
TARGET_PER_REPORT_S = 0.35  # 50 systems, --jobs 2
TARGET_VS_NAIVE = 25.0
TARGET_DASK_RATIO = 1.15
TARGET_SCALE_RATIO = 1.25  # 500 against 50 systems, per report
TARGET_PEAK_RSS_MB = 2500.0


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def mode_targets(results: dict[str, dict], jobs: int) -> list[str]:
    """The speed targets the modes of this run can tell, each with its figure and verdict."""
    out: list[str] = []
    local = results.get("jobs-N", {}).get("per_report_s")
    naive = results.get("naive", {}).get("per_report_s")
    if local:
        out.append(
            f"- per report with {jobs} workers <= {TARGET_PER_REPORT_S} s: {local:.3f} s, "
            f"{_verdict(local <= TARGET_PER_REPORT_S)}"
        )
    if local and naive:
        ratio = naive / local
        out.append(
            f"- at least {TARGET_VS_NAIVE:.0f}x the naive loop: {ratio:.1f}x, {_verdict(ratio >= TARGET_VS_NAIVE)}"
        )
    dask = results.get("dask", {}).get("per_report_s")
    if local and dask:
        ratio = dask / local
        pairs = list(zip(results["dask"].get("runs", [dask]), results["jobs-N"].get("runs", [local]), strict=False))
        each = ", ".join(f"{d / j:.2f}x" for d, j in pairs)
        out.append(
            f"- Dask within {TARGET_DASK_RATIO - 1:.0%} of the local executor: {ratio:.2f}x (median runs; "
            f"run by run {each}), {_verdict(ratio <= TARGET_DASK_RATIO)}"
        )
    return out


def scale_targets(rows: dict[int, dict]) -> list[str]:
    """The scale targets: per report at the largest size against the smallest, and peak memory."""
    sizes = sorted(rows)
    if len(sizes) < 2:
        return []
    small, large = rows[sizes[0]], rows[sizes[-1]]
    ratio = large["per_report_s"] / small["per_report_s"]
    rss = large["peak_rss_mb"]
    return [
        f"- per report at {sizes[-1]} systems within {TARGET_SCALE_RATIO}x of {sizes[0]}: {ratio:.2f}x, "
        f"{_verdict(ratio <= TARGET_SCALE_RATIO)}",
        f"- peak RSS at {sizes[-1]} systems < {TARGET_PEAK_RSS_MB:.0f} MB: {rss:.0f} MB, "
        f"{_verdict(rss < TARGET_PEAK_RSS_MB)}",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--systems", type=int, default=50, help="AI systems in scope (default 50; at least 5)")
    ap.add_argument("--sample", type=int, default=5, help="reports run by the naive loop (default 5)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers for modes (c) and (d)")
    ap.add_argument(
        "--modes", default="naive,jobs-1,jobs-N,floor", help="comma-separated modes: naive, jobs-1, jobs-N, floor, dask"
    )
    ap.add_argument("--work", type=Path, help="working folder (default: a temporary folder, removed)")
    ap.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/")
    ap.add_argument("--note", default="", help="a remark saved with the results (e.g. other load on the machine)")
    ap.add_argument("--repeat", type=int, default=1, help="run the modes other than naive this many times, in turn")
    ap.add_argument("--profile", action="store_true", help="print where each report's time goes, per phase")
    ap.add_argument("--scale", action="store_true", help="the scale benchmark instead (sizes --scale-sizes)")
    ap.add_argument("--scale-sizes", default="50,500", help="portfolio sizes of --scale (default 50,500)")
    ap.add_argument(
        "--scale-sample", type=int, default=10, help="systems whose reports --scale runs per size (0: every system)"
    )
    args = ap.parse_args()
    if args.scale:
        scale(args)
        return
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]

    load_start = load()
    work = args.work or Path(tempfile.mkdtemp(prefix="aimskit-bench-"))
    eng = make_engagement(work / "engagement", args.systems)
    from aimskit import batch, engagement

    steps = list(STEPS)
    planned = batch.plan(engagement.load(eng))
    reports = len(planned)
    bindir = Path(sys.executable).parent
    aimskit_cmd = [sys.executable, "-m", "aimskit.ui.cli", "run", str(eng), "--force", "--quiet"]
    results: dict[str, dict] = {}
    print(f"{args.systems} systems, steps {', '.join(steps)}: {reports} reports; work folder {work}", flush=True)

    def record(mode: str, n: int, stats: dict, out: Path | None) -> None:
        stats.update(reports=n, per_report_s=stats["wall_s"] / n, load_after=load())
        if out is not None:
            sizes = html_sizes(out)
            stats.update(html_median_kb=statistics.median(sizes) / 1000, html_max_kb=max(sizes) / 1000)
            if (out / "manifest.json").is_file():
                stats["phases"] = phases(out / "manifest.json")
        if mode in results:  # --repeat: keep every run's figure, report the median run
            runs = [*results[mode].get("runs", [results[mode]["per_report_s"]]), stats["per_report_s"]]
            others = [*results[mode].get("all", [results[mode]]), stats]
            stats = sorted(others, key=lambda x: x["per_report_s"])[(len(others) - 1) // 2] | {"runs": runs}
            stats["all"] = others
        results[mode] = stats
        print(f"  {mode}: {stats['per_report_s']:.3f} s/report ({n} reports, load {load()})", flush=True)

    if "naive" in modes:
        out = work / "naive"
        out.mkdir(parents=True, exist_ok=True)
        cmds = []
        # an even sample of the plan: every step, organisation-wide and per-scope reports
        picks = [planned[round(k * (len(planned) - 1) / max(1, args.sample - 1))] for k in range(args.sample)]
        sample = list(dict.fromkeys(picks))
        for job in sample:
            step, sid = job.step, job.scope_id
            nb = STEPS[step].notebook_path
            executed = out / f"{step}-{job.scope}.ipynb"
            cmd = [str(bindir / "papermill"), str(nb), str(executed), "-p", "engagement_path", str(eng)]
            cmd += ["-p", "output_dir", str(out), "-p", "results_path", str(out / f"{executed.stem}.json")]
            if sid:
                cmd += ["-p", STEPS[step].scope_param, sid]
            cmds.append(cmd)
            cmds.append([str(bindir / "jupyter"), "nbconvert", "--to", "html", str(executed)])
        record("naive", len(sample), measure(cmds), out)
    for _ in range(max(1, args.repeat)):  # the other modes back to back, --repeat times
        if "jobs-1" in modes:
            out = work / "jobs-1"
            record("jobs-1", reports, measure([[*aimskit_cmd, "--out", str(out), "--jobs", "1"]]), out)
        if "jobs-N" in modes:
            out = work / "jobs-N"
            record("jobs-N", reports, measure([[*aimskit_cmd, "--out", str(out), "--jobs", str(args.jobs)]]), out)
        if "dask" in modes:
            out = work / "dask"
            cmd = [sys.executable, "-c", DASK_DRIVER, str(eng), str(out), str(args.jobs)]
            stats = measure([cmd])
            stats["cluster_start_s"] = json.loads((work / "dask-cluster.json").read_text())["start_s"]
            record("dask", reports, stats, out)
        if "floor" in modes:
            out = work / "floor"
            nb = work / "floor.ipynb"
            nb.write_text(json.dumps(FLOOR_NOTEBOOK), encoding="utf-8")
            copies = max(1, round(reports / (args.systems + 1)))
            cmd = [sys.executable, "-c", FLOOR_DRIVER, str(nb), str(eng), str(out), str(copies), str(args.jobs)]
            record("floor", copies * (args.systems + 1), measure([cmd]), None)
    import_s = import_time()

    naive = results.get("naive", {}).get("per_report_s")
    labels = {
        "naive": "(a) papermill + nbconvert CLI loop",
        "jobs-1": "(b) aimskit run --jobs 1",
        "jobs-N": f"(c) aimskit run --jobs {args.jobs}",
        "floor": f"(d) floor: empty notebook, --jobs {args.jobs}",
        "dask": f"(e) aimskit run --executor dask, LocalCluster of {args.jobs} process workers",
    }
    lines = [
        "| mode | reports | wall s | s / report | vs naive | peak RSS MB | median HTML KB | max HTML KB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, s in results.items():
        ratio = f"{naive / s['per_report_s']:.1f}x" if naive else "-"
        runs = f" (runs: {', '.join(f'{x:.3f}' for x in s['runs'])})" if "runs" in s else ""
        lines.append(
            f"| {labels[mode]}{runs} | {s['reports']} | {s['wall_s']:.1f} | {s['per_report_s']:.3f} | {ratio} | "
            f"{s['peak_rss_mb']:.0f} | {s.get('html_median_kb', 0):.0f} | {s.get('html_max_kb', 0):.0f} |"
        )
    table = "\n".join(lines)
    info, when = machine(), dt.datetime.now(dt.UTC)
    title = f"aimskit benchmark, {when:%Y-%m-%d %H:%M} UTC: {args.systems} systems, steps {', '.join(steps)}"
    header = describe_run(title, info, load_start, "after each mode", results, args)
    header += f'`python -c "import aimskit"`: {import_s:.3f} s (median of 5, interpreter start included)\n'
    if args.profile or "dask" in results:
        table += "\n\n" + profile_table(results)
    targets = mode_targets(results, args.jobs)
    if targets:
        table += "\n\nTargets (issue 18):\n" + "\n".join(targets)
    print()
    print(header)
    print(table)
    if not args.no_save:
        stem = HERE / "results" / f"{when:%Y-%m-%d-%H%M}-{info['host']}"
        stem.parent.mkdir(parents=True, exist_ok=True)
        cmdline = "python benchmarks/bench.py " + " ".join(sys.argv[1:])
        stem.with_suffix(".md").write_text(f"# {header}\nCommand: `{cmdline}`\n\n{table}\n", encoding="utf-8")
        payload = {"when": when.isoformat(), "machine": info, "args": vars(args) | {"work": str(work)}}
        payload |= {"import_aimskit_s": import_s, "results": results, "steps": steps, "load_start": load_start}
        stem.with_suffix(".json").write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nsaved {stem}.md and .json")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
