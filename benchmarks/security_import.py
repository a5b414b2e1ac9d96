"""Benchmark of the garak importer on a large report: import time and peak memory.

    python benchmarks/security_import.py              # 500 MB
    python benchmarks/security_import.py --mb 50      # quicker
    python benchmarks/security_import.py --batch      # per-report cost in a batch run (snapshot check)

Builds a garak ``report.jsonl`` of the requested size in a temporary folder by repeating the
scored-attempt rows (``status == 2``) of a real report (the garak 0.17.1 fixture
``tests/fixtures/redteam/garak/test-Repeat.report.jsonl``) between its header rows and its eval,
completion and digest rows, then imports it in a fresh subprocess and reports the wall time and
the peak resident memory of that subprocess (``ru_maxrss``). Writes the result, with the machine
described, to ``benchmarks/results/<date>-security-import-<host>.md`` unless ``--no-save``.

``--batch`` measures what one report pays for the security part in a batch run: a copy of the
example engagement gains a run whose result file is the big garak report; the engagement is
loaded once and its snapshot saved (as ``aimskit run`` does); then, in fresh subprocesses with
``$AIMSKIT_SNAPSHOT`` set (as a report's kernel has), it times loading the engagement from the
snapshot (the check that no input changed), the provenance table of the organisation and of the
llm-assist report, and counts the importer calls (0: the parsed findings come from the snapshot).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench import machine

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "fixtures" / "redteam" / "garak" / "test-Repeat.report.jsonl"

CHILD = """
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from aimskit.formats.redteam import import_file
r = import_file(Path(sys.argv[1]))
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
errors = [p for p in r.problems if p[2] == "error"]
print(json.dumps({"seconds": elapsed, "peak_rss_mb": peak, "findings": len(r.findings), "attempts": r.attempts,
                  "errors": errors}))
"""


def build(path: Path, mb: int) -> tuple[int, int]:
    lines = SOURCE.read_bytes().splitlines(keepends=True)
    rows = [json.loads(x) for x in lines]
    head = [
        x for x, r in zip(lines, rows, strict=True) if r["entry_type"] in ("start_run setup", "init", "plugin_cache")
    ]
    body = [x for x, r in zip(lines, rows, strict=True) if r["entry_type"] == "attempt" and r.get("status") == 2]
    tail = [x for x, r in zip(lines, rows, strict=True) if r["entry_type"] in ("eval", "completion", "digest")]
    target = mb * 1024 * 1024
    n = 0
    with path.open("wb") as fh:
        fh.writelines(head)
        size = sum(map(len, head))
        chunk = b"".join(body)
        while size < target:
            fh.write(chunk)
            size += len(chunk)
            n += len(body)
        fh.writelines(tail)
    return path.stat().st_size, n


BATCH_CHILD = """
import json, os, sys, time
from pathlib import Path
from aimskit.formats import redteam as importers
calls = []
real = importers.import_file
importers.import_file = lambda *a, **k: (calls.append(a), real(*a, **k))[1]
import aimskit.engagement.parts.security as sp
sp.import_file = importers.import_file
from aimskit import engagement
from aimskit.present import common
from aimskit.steps import gap
folder = Path(sys.argv[1])
t0 = time.perf_counter()
eng = engagement.load(folder, parts=gap.STEP.needs)
t1 = time.perf_counter()
common.provenance(eng)
t2 = time.perf_counter()
common.provenance(eng, gap.STEP, "llm-assist")
t3 = time.perf_counter()
big = eng.parts["security"].imported.get("RT-BIG")
print(json.dumps({"load": t1 - t0, "provenance_org": t2 - t1, "provenance_system": t3 - t2, "imports": len(calls),
                  "big_findings": len(big.findings) if big else None}))
"""


def batch(mb: int, repeats: int) -> tuple[str, dict]:
    """Per-report cost of the security part in a batch run (see the module docstring)."""
    import os
    import shutil
    import time

    from aimskit import engagement
    from aimskit.base import resources

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "example"
        shutil.copytree(resources.example_engagement(), folder)
        big = folder / "security" / "garak" / "big.report.jsonl"
        size, _ = build(big, mb)
        with (folder / "security" / "runs.csv").open("a", encoding="utf-8") as fh:
            fh.write("RT-BIG,llm-assist,garak,security/garak/big.report.jsonl,2026-11-14,big,bench,,,\n")
        t0 = time.perf_counter()
        eng = engagement.load(folder)
        t1 = time.perf_counter()
        from aimskit.batch import cache

        k0 = time.perf_counter()
        cache.read_inputs(eng, "gap", None)
        cache.read_inputs(eng, "gap", "llm-assist")
        keys = time.perf_counter() - k0
        t1k = time.perf_counter()
        snap = Path(tmp) / "snapshot.pickle"
        engagement.save_snapshot(eng, snap)
        t2 = time.perf_counter()
        env = {**os.environ, "AIMSKIT_SNAPSHOT": str(snap)}
        runs = []
        for _ in range(repeats):
            out = subprocess.run(
                [sys.executable, "-c", BATCH_CHILD, str(folder)], capture_output=True, text=True, check=True, env=env
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        t3 = time.perf_counter()
        cold = subprocess.run(  # without the snapshot: what a report would pay parsing the folder itself
            [sys.executable, "-c", BATCH_CHILD, str(folder)], capture_output=True, text=True, check=True
        )
        nosnap = json.loads(cold.stdout.strip().splitlines()[-1])
        snap_mb = snap.stat().st_size / 2**20
    best = {k: min(r[k] for r in runs) for k in ("load", "provenance_org", "provenance_system")}
    res = {
        "size": size,
        "parse_and_validate": t1 - t0,
        "save_snapshot": t2 - t1k,
        "snapshot_mb": snap_mb,
        "runs": runs,
        "keys": keys,
        "best": best,
        "no_snapshot": nosnap,
        "children_wall": t3 - t2,
    }
    return _batch_text(mb, repeats, res), res


def _batch_text(mb: int, repeats: int, res: dict) -> str:
    info = machine()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    b, n = res["best"], res["no_snapshot"]
    return (
        f"# Security part in a batch run: per-report cost with a {res['size'] / 2**20:.0f} MB garak report\n\n"
        f"Machine: {info.get('cpu', '?')}, {info['cpus']} CPUs, {info.get('ram', '?')} RAM, {info['os']}, "
        f"Python {info['python']}; shared with other engineers' jobs: load average "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1 / 5 / 15 min) when measured.\n\n"
        "The example engagement plus run RT-BIG (llm-assist) whose result file is the big garak report. "
        f"Each figure is the best of {repeats} fresh report processes loading from the run's snapshot "
        "(`$AIMSKIT_SNAPSHOT`), as a report's kernel does in `aimskit run`.\n\n"
        "| measure | value |\n|---|---|\n"
        f"| parse and validate the engagement once (the run's parent) | {res['parse_and_validate']:.1f} s |\n"
        f"| save the snapshot | {res['save_snapshot']:.2f} s ({res['snapshot_mb']:.1f} MB) |\n"
        f"| per report: load from the snapshot (check no input changed) | {b['load'] * 1000:.0f} ms |\n"
        f"| per report: provenance table, organisation report | {b['provenance_org'] * 1000:.0f} ms |\n"
        f"| per report: provenance table, llm-assist report | {b['provenance_system'] * 1000:.0f} ms |\n"
        f"| run's parent: cache keys of the gap reports (organisation, llm-assist; aimskit/batch, unchanged) | "
        f"{res['keys']:.2f} s |\n"
        f"| per report: importer calls (findings from the snapshot) | {max(r['imports'] for r in res['runs'])} |\n"
        f"| findings of RT-BIG in the snapshot | {res['runs'][0]['big_findings']} |\n"
        f"| without a snapshot: load (parse, import, validate) | {n['load']:.1f} s, {n['imports']} importer calls |\n\n"
        f"Command: `python benchmarks/security_import.py --batch --mb {mb} --repeats {repeats}`\n"
    )


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=500)
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--batch", action="store_true", help="per-report cost of the security part in a batch run")
    ap.add_argument("--repeats", type=int, default=3, help="--batch: report processes to time (best of)")
    ap.add_argument("--label", default="", help="--batch: suffix of the results file (e.g. before, after)")
    args = ap.parse_args()
    if args.batch:
        text, _res = batch(args.mb, args.repeats)
        print(text)
        if not args.no_save:
            stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M")
            label = f"-{args.label}" if args.label else ""
            dest = ROOT / "benchmarks" / "results" / f"{stamp}-security-batch{label}-{machine()['host']}.md"
            dest.write_text(text, encoding="utf-8")
            print(f"written to {dest}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.report.jsonl"
        size, attempts = build(path, args.mb)
        out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True)
        res = json.loads(out.stdout)
    info = machine()
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M")
    text = (
        f"# garak importer on a {size / 2**20:.0f} MB report.jsonl ({stamp})\n\n"
        f"Machine: {info.get('cpu', '?')}, {info['cpus']} CPUs, {info.get('ram', '?')} RAM, {info['os']}, "
        f"Python {info['python']}; load average (1, 5, 15 min) after the import: {_load()}.\n\n"
        f"File: {size:,} bytes, {attempts:,} scored attempt rows repeated from the garak 0.17.1 fixture, "
        "plus its header, eval, completion and digest rows.\n\n"
        "| measure | value |\n|---|---|\n"
        f"| import time (wall, incl. Python start-up of the import) | {res['seconds']:.1f} s |\n"
        f"| throughput | {size / 2**20 / res['seconds']:.0f} MB/s |\n"
        f"| peak RSS of the importing process | {res['peak_rss_mb']:.0f} MB |\n"
        f"| findings / counted attempts (from the eval rows) | {res['findings']} / {res['attempts']} |\n"
        f"| errors | {len(res['errors'])} |\n\n"
        "Command: `python benchmarks/security_import.py --mb " + str(args.mb) + "`\n"
    )
    print(text)
    if not args.no_save:
        dest = ROOT / "benchmarks" / "results" / f"{stamp}-security-import-{info['host']}.md"
        dest.write_text(text, encoding="utf-8")
        print(f"written to {dest}")


if __name__ == "__main__":
    main()
