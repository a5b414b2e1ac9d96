"""Benchmark of the deliverables: PDF cost per report, Word on top, and the engagement pack.

    python benchmarks/bench_pdf.py              # the bundled example (23 reports)
    python benchmarks/bench_pdf.py --no-save    # print only

Runs the example into a temporary folder (``aimskit run``, not timed here: see bench.py), then,
in this process, with one headless Chromium reused across the reports:

(a) start   launching Chromium (paid once per batch)
(b) pdf     a PDF per report: load at the printable width, charts drawn, wide tables measured,
            two prints (contents page numbers, then the confirmed print)
(c) word    the same with the chart pictures and the .docx on top
(d) pack    the engagement pack and its executive edition

Prints a table and writes it, with the machine described, to
``benchmarks/results/<date>-pdf-<host>.md`` (and ``.json``) unless ``--no-save``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from aimskit import batch  # noqa: E402
from aimskit.deliver import pdf  # noqa: E402
from aimskit.deliver.browser import Browser, find_chromium  # noqa: E402


def machine() -> dict[str, str]:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpus": str(os.cpu_count())}
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        info["cpu"] = model
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        info["memory"] = f"{int(mem.split()[1]) / 1024 / 1024:.1f} GiB"
        info["load_average"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except (OSError, StopIteration):
        pass
    try:
        exe = find_chromium()
        info["chromium"] = subprocess.run(
            [str(exe), "--version"], capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except Exception as exc:
        info["chromium"] = f"not found ({exc})"
    return info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--paper", default="a4", choices=["a4", "letter"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        result = batch.run(out=out, jobs=os.cpu_count() or 1)
        assert result.ok, [r.error for r in result.failed]
        t0 = time.perf_counter()
        browser = Browser().start()
        start_s = time.perf_counter() - t0
        try:
            t1 = time.perf_counter()
            only_pdf = pdf.export(out, pdf=True, word=False, paper=args.paper, browser=browser)
            pdf_s = time.perf_counter() - t1
            t2 = time.perf_counter()
            with_word = pdf.export(out, pdf=True, word=True, paper=args.paper, browser=browser)
            word_s = time.perf_counter() - t2
            t3 = time.perf_counter()
            packed = pdf.pack(out, paper=args.paper, browser=browser)
            pack_s = time.perf_counter() - t3
        finally:
            browser.close()
        sizes = [f.stat().st_size for f in only_pdf.files]
        docx_sizes = [f.stat().st_size for f in with_word.files if f.suffix == ".docx"]
        n = len(only_pdf.timings)
        per = [t["seconds"] for t in only_pdf.timings]
        per_word = [t["seconds"] for t in with_word.timings]
        pages = [t["pages"] for t in only_pdf.timings]
        rows = {
            "reports": n,
            "browser_start_s": round(start_s, 2),
            "pdf_total_s": round(pdf_s, 1),
            "pdf_per_report_median_s": round(statistics.median(per), 2),
            "pdf_per_report_max_s": round(max(per), 2),
            "pdf_per_page_s": round(pdf_s / sum(pages), 3),
            "pages_total": sum(pages),
            "pdf_size_median_kb": round(statistics.median(sizes) / 1024),
            "pdf_and_word_per_report_median_s": round(statistics.median(per_word), 2),
            "pdf_and_word_total_s": round(word_s, 1),
            "docx_size_median_kb": round(statistics.median(docx_sizes) / 1024) if docx_sizes else None,
            "pack": {t["report"]: {"pages": t["pages"], "seconds": t["seconds"]} for t in packed.timings},
            "pack_total_s": round(pack_s, 1),
            "per_report": only_pdf.timings,
        }
    info = machine()
    lines = [
        f"# PDF / Word / pack benchmark, {dt.date.today().isoformat()}",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()),
        "",
        "Command: `python benchmarks/bench_pdf.py` (the bundled example, one Chromium reused for every report)",
        "",
        "| measure | value |",
        "|---|---|",
        f"| reports | {n} ({sum(pages)} pages) |",
        f"| Chromium start (once per batch) | {rows['browser_start_s']} s |",
        f"| PDF per report, median / max | {rows['pdf_per_report_median_s']} s / {rows['pdf_per_report_max_s']} s |",
        f"| PDF, all reports | {rows['pdf_total_s']} s ({rows['pdf_per_page_s']} s per page) |",
        f"| PDF size, median | {rows['pdf_size_median_kb']} KB |",
        f"| PDF + Word per report, median | {rows['pdf_and_word_per_report_median_s']} s |",
        f"| PDF + Word, all reports | {rows['pdf_and_word_total_s']} s "
        f"(docx median {rows['docx_size_median_kb']} KB) |",
    ]
    for name, t in rows["pack"].items():
        lines.append(f"| {name} | {t['pages']} pages, {t['seconds']} s |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_save:
        stem = HERE / "results" / f"{dt.datetime.now():%Y-%m-%d-%H%M}-pdf-{platform.node() or 'host'}"
        stem.parent.mkdir(exist_ok=True)
        stem.with_suffix(".md").write_text(text, encoding="utf-8")
        stem.with_suffix(".json").write_text(json.dumps({"machine": info, **rows}, indent=1) + "\n", encoding="utf-8")
        print(f"written {stem}.md and .json")


if __name__ == "__main__":
    main()
