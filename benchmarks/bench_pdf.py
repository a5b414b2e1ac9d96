"""Benchmark of the deliverables: PDF cost per report, Word on top, and the engagement pack.

    python benchmarks/bench_pdf.py                         # the bundled example, every phase
    python benchmarks/bench_pdf.py --steps risk --reports 3 --phases pdf,pack   # a quick look
    python benchmarks/bench_pdf.py --out /tmp/bench-out    # keep the output folder (to look at the pages)
    python benchmarks/bench_pdf.py --no-save               # print only

Phases, each timed and printed as it goes (one headless Chromium reused for every report):

run    ``aimskit run`` of the example into a fresh folder (HTML reports; ``--force``, ``--jobs``)
start  launching Chromium (paid once per batch)
pdf    a PDF per report: load at the printable width, charts drawn, wide tables measured, the
       prints (contents page numbers, the confirmed print), then the cover printed again without header
       and footer and put in place of page 1 (pypdf)
word   the same with the chart pictures and the .docx on top
pack   the engagement pack and its executive edition (every report of the run)

``--steps`` limits the run (and so the pack) to some steps, ``--systems`` to some AI systems,
``--reports N`` the pdf and word phases to the first N reports in certification order. Every
phase writes its files anew (``force``): nothing is reused from a previous phase.

Writes the table, with the machine, its load average before and after, and the Chromium,
choreographer, pypdf and python-docx versions, to ``benchmarks/results/<date>-pdf-<host>.md``
(and ``.json``) unless ``--no-save``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from aimskit import batch  # noqa: E402
from aimskit.deliver import pdf  # noqa: E402
from aimskit.deliver.browser import Browser, find_chromium  # noqa: E402

PHASES = ("run", "pdf", "word", "pack")


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def machine() -> dict[str, str]:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpus": str(os.cpu_count())}
    try:
        info["cpu"] = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        info["memory"] = f"{int(mem.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    try:
        exe = find_chromium()
        version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
        info["chromium"] = f"{version} ({exe})"
    except Exception as exc:  # (reported, not fatal: the pdf phase says why it cannot run)
        info["chromium"] = f"not found ({exc})"
    for package in ("choreographer", "pypdf", "python-docx"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = "not installed"
    return info


def say(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", nargs="+", default=[], metavar="STEP", help="Only these steps (default: all).")
    ap.add_argument("--systems", nargs="+", default=[], metavar="ID", help="Only these AI systems' reports.")
    ap.add_argument("--reports", type=int, default=0, metavar="N", help="PDF/Word of the first N reports only.")
    ap.add_argument("--phases", default=",".join(PHASES), help=f"Comma-separated, of {', '.join(PHASES)}.")
    ap.add_argument("--out", type=Path, help="Output folder to keep (default: a temporary one).")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="Workers of the run phase.")
    ap.add_argument("--paper", default="a4", choices=["a4", "letter"])
    ap.add_argument("--no-save", action="store_true", help="Print only; write no results file.")
    args = ap.parse_args(argv)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = sorted(set(phases) - set(PHASES))
    if unknown:
        ap.error(f"unknown phase(s) {', '.join(unknown)}; choose from {', '.join(PHASES)}")

    command = "python benchmarks/bench_pdf.py" + "".join(f" {shlex.quote(a)}" for a in (argv or sys.argv[1:]))
    info = machine()
    load_before = load_average()
    say(f"machine: {info.get('cpu', '?')}, {info['cpus']} CPUs, load average {load_before}; {info['chromium']}")
    wall0 = time.perf_counter()
    rows: dict[str, Any] = {"command": command, "load_average_before": load_before, "phases": phases}
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "out"
        if "run" in phases or not (out / "manifest.json").is_file():
            t = time.perf_counter()
            result = batch.run(
                out=out, steps=args.steps, systems=args.systems, jobs=args.jobs, force=True, progress=None
            )
            rows["run_s"] = round(time.perf_counter() - t, 1)
            rows["run_reports"] = len(result.reports)
            if not result.ok:
                say(f"run: {len(result.failed)} report(s) failed: {[r.error for r in result.failed]}")
                return 1
            say(f"run (HTML): {len(result.reports)} reports in {rows['run_s']} s with {args.jobs} job(s)")
            lines.append(f"| run (HTML), {len(result.reports)} reports, {args.jobs} jobs | {rows['run_s']} s |")
        from aimskit.results.run import Run

        finished = Run.open(out)
        names = [p.name for p in pdf.report_parts(finished, args.steps)]
        if args.reports:
            names = names[: args.reports]
        t = time.perf_counter()
        browser = Browser().start()
        rows["browser_start_s"] = round(time.perf_counter() - t, 2)
        say(f"start: Chromium in {rows['browser_start_s']} s")
        lines.append(f"| Chromium start (once per batch) | {rows['browser_start_s']} s |")

        def progress(text: str) -> None:
            say(f"  {text}")

        try:
            if "pdf" in phases:
                say(f"pdf: {len(names)} report(s)")
                t = time.perf_counter()
                done = pdf.export(
                    out, pdf=True, only=names, paper=args.paper, browser=browser, progress=progress, force=True
                )
                total = time.perf_counter() - t
                per = [x["seconds"] for x in done.timings]
                pages = [x["pages"] for x in done.timings]
                sizes = [f.stat().st_size for f in done.files]
                rows.update(
                    pdf_reports=len(per),
                    pdf_total_s=round(total, 1),
                    pdf_per_report_median_s=round(statistics.median(per), 2),
                    pdf_per_report_max_s=round(max(per), 2),
                    pdf_pages=sum(pages),
                    pdf_per_page_s=round(total / sum(pages), 3),
                    pdf_size_median_kb=round(statistics.median(sizes) / 1024),
                    pdf_load_median_s=round(statistics.median(x["load_s"] for x in done.timings), 2),
                    pdf_print_median_s=round(statistics.median(x["print_s"] for x in done.timings), 2),
                    pdf_cover_median_s=round(statistics.median(x["cover_s"] for x in done.timings), 2),
                    per_report_pdf=done.timings,
                )
                say(f"pdf: {total:.1f} s, median {rows['pdf_per_report_median_s']} s per report")
                lines += [
                    f"| PDF, {len(per)} reports ({sum(pages)} pages) | {rows['pdf_total_s']} s "
                    f"({rows['pdf_per_page_s']} s per page) |",
                    f"| PDF per report, median / max | {rows['pdf_per_report_median_s']} s / "
                    f"{rows['pdf_per_report_max_s']} s |",
                    f"| of which load and charts / prints / cover, median | {rows['pdf_load_median_s']} s / "
                    f"{rows['pdf_print_median_s']} s / {rows['pdf_cover_median_s']} s |",
                    f"| PDF size, median | {rows['pdf_size_median_kb']} KB |",
                ]
            if "word" in phases:
                say(f"word: PDF and Word of {len(names)} report(s)")
                t = time.perf_counter()
                done = pdf.export(
                    out,
                    pdf=True,
                    word=True,
                    only=names,
                    paper=args.paper,
                    browser=browser,
                    progress=progress,
                    force=True,
                )
                total = time.perf_counter() - t
                per = [x["seconds"] for x in done.timings]
                docx = [f.stat().st_size for f in done.files if f.suffix == ".docx"]
                rows.update(
                    word_total_s=round(total, 1),
                    word_per_report_median_s=round(statistics.median(per), 2),
                    word_docx_median_s=round(statistics.median(x["word_s"] for x in done.timings), 2),
                    docx_size_median_kb=round(statistics.median(docx) / 1024),
                    per_report_word=done.timings,
                )
                say(f"word: {total:.1f} s, median {rows['word_per_report_median_s']} s per report")
                lines += [
                    f"| PDF + Word, {len(per)} reports | {rows['word_total_s']} s |",
                    f"| PDF + Word per report, median (of which the .docx) | {rows['word_per_report_median_s']} s "
                    f"({rows['word_docx_median_s']} s) |",
                    f"| .docx size, median | {rows['docx_size_median_kb']} KB |",
                ]
            if "pack" in phases:
                say("pack: the engagement pack and the executive edition")
                t = time.perf_counter()
                done = pdf.pack(out, paper=args.paper, browser=browser, progress=progress, force=True)
                rows["pack_total_s"] = round(time.perf_counter() - t, 1)
                rows["pack"] = {x["report"]: {"pages": x["pages"], "seconds": x["seconds"]} for x in done.timings}
                for name, x in rows["pack"].items():
                    edition = "executive edition" if name.endswith("executive-summary") else "engagement pack"
                    lines.append(
                        f"| {edition} ({len(finished.reports)} reports in the run) | "
                        f"{x['pages']} pages, {x['seconds']} s |"
                    )
        finally:
            browser.close()
    rows["wall_s"] = round(time.perf_counter() - wall0, 1)
    rows["load_average_after"] = load_average()
    header = [
        f"# PDF / Word / pack benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()),
        "",
        f"Load average (1, 5, 15 min): {load_before} before, {rows['load_average_after']} after.",
        "",
        f"Command: `{command}` ({rows['wall_s']} s wall in all)",
        "",
        "| measure | value |",
        "|---|---|",
    ]
    text = "\n".join(header + lines) + "\n"
    say("")
    say(text)
    if not args.no_save:
        stem = HERE / "results" / f"{dt.datetime.now():%Y-%m-%d-%H%M}-pdf-{platform.node() or 'host'}"
        stem.parent.mkdir(exist_ok=True)
        stem.with_suffix(".md").write_text(text, encoding="utf-8")
        stem.with_suffix(".json").write_text(json.dumps({"machine": info, **rows}, indent=1) + "\n", encoding="utf-8")
        say(f"written {stem}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
