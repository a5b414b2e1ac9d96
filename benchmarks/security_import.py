"""Benchmark of the garak importer on a large report: import time and peak memory.

    python benchmarks/security_import.py              # 500 MB
    python benchmarks/security_import.py --mb 50      # quicker

Builds a garak ``report.jsonl`` of the requested size in a temporary folder by repeating the
scored-attempt rows (``status == 2``) of a real report (the garak 0.17.1 fixture
``tests/fixtures/redteam/garak/test-Repeat.report.jsonl``) between its header rows and its eval,
completion and digest rows, then imports it in a fresh subprocess and reports the wall time and
the peak resident memory of that subprocess (``ru_maxrss``). Writes the result, with the machine
described, to ``benchmarks/results/<date>-security-import-<host>.md`` unless ``--no-save``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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
from aimskit.security.importers import import_file
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=500)
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args()
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
        f"Python {info['python']}; shared with other jobs while measured.\n\n"
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
