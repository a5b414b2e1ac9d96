"""The ``aimskit`` command line: a thin skin over the library.

Every command mirrors a library call: ``run`` -> :func:`aimskit.batch.run`, ``validate`` ->
:func:`aimskit.engagement.validate`, ``catalog`` -> :func:`aimskit.catalog.load`, ``init`` ->
:func:`aimskit.engagement.scaffold.init_engagement`. Problems in the user's input are printed as
``file:line:column: message`` and give exit code 1, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import traceback
from pathlib import Path

import click

import aimskit
from aimskit.base.problems import plural, safe_text

EXIT_OK = 0
EXIT_PROBLEMS = 1  # problems in the user's input, or a report that failed
EXIT_USAGE = 2  # the command line asked for something that does not exist (click uses 2 as well)
EXIT_INTERNAL = 3  # an aimskit bug: anything raised that is not an AimskitError


def _safe_streams() -> None:
    """Make stdout and stderr write any text in any encoding: what the encoding (cp1252 when Windows
    redirects to a file, ``PYTHONIOENCODING``) cannot hold is written backslash-escaped instead of
    failing, so no message is ever lost to an encoding error."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "") not in ("backslashreplace", "surrogateescape"):
            with contextlib.suppress(ValueError, OSError):  # a stream that cannot be reconfigured stays as it is
                reconfigure(errors="backslashreplace")


def _echo_problems(problems) -> None:
    for p in problems:
        click.echo(p.format(), err=False)


class _Failed(Exception):
    """A command has reported its failure already and exits with ``code``."""

    def __init__(self, code: int = EXIT_PROBLEMS) -> None:
        self.code = code


def exit_code(exc: BaseException) -> int:
    """The one mapping of errors to exit codes (the README's table shows it)."""
    from aimskit.base.problems import AimskitError, UsageError

    if isinstance(exc, _Failed):
        return exc.code
    if isinstance(exc, UsageError):
        return EXIT_USAGE
    if isinstance(exc, AimskitError):
        return EXIT_PROBLEMS
    return EXIT_INTERNAL


class _Group(click.Group):
    """Turns every AimskitError a command raises into its message and exit code, in one place."""

    def invoke(self, ctx: click.Context):
        from aimskit.base.problems import AimskitError, InvalidEngagementError

        try:
            return super().invoke(ctx)
        except _Failed as exc:
            ctx.exit(exc.code)
        except InvalidEngagementError as exc:
            errors = [p for p in exc.problems if p.severity == "error"]
            _echo_problems(errors)
            click.echo(
                f"The engagement has {plural(len(errors), 'problem')}; nothing was run. "
                f"Fix {'it' if len(errors) == 1 else 'them'} and run again.",
                err=True,
            )
            ctx.exit(exit_code(exc))
        except AimskitError as exc:
            message = exc.args[0] if exc.args else str(exc)
            click.echo(f"error: {safe_text(message)}", err=True)
            _echo_problems(getattr(exc, "problems", ()))  # positioned, one a line (a run folder that cannot be read)
            ctx.exit(exit_code(exc))
        except ImportError as exc:  # a package missing or broken in this environment, not a bug of aimskit's
            from aimskit.base.dependencies import from_import_error

            missing = from_import_error(exc)
            if missing is None:
                raise
            click.echo(f"error: {safe_text(missing)}", err=True)
            ctx.exit(EXIT_PROBLEMS)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(aimskit.__version__, prog_name="aimskit")
def cli() -> None:
    """aimskit: ISO/IEC 42001 AI management system assessments as notebooks and reports."""
    _safe_streams()


def _executor_name(value: str) -> str:
    """Refuse an executor no one registered (a usage error), naming those that are."""
    from aimskit.base.problems import suggest
    from aimskit.batch import executors

    names = executors.available()
    if value not in names:
        raise click.BadParameter(f"unknown executor '{value}'{suggest(value, names)} (available: {', '.join(names)})")
    return value


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--step",
    "-s",
    "steps",
    multiple=True,
    metavar="NAME",
    help="Step to run (repeatable). Default: every available step.",
)
@click.option(
    "--system",
    "systems",
    multiple=True,
    metavar="ID",
    help="Only the per-system reports of these AI systems (repeatable).",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    help="Output folder. Default: outputs/example, or outputs/<engagement folder name>.",
)
@click.option(
    "--timeout",
    default=600,
    show_default=True,
    type=click.IntRange(min=1),
    help="Seconds one report may take to execute (all its cells together).",
)
@click.option(
    "--self-contained",
    is_flag=True,
    help="Inline plotly.js in every HTML file (one file per report, ~5 MB each) "
    "instead of one shared assets/plotly.min.js.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Reports executed at once, each in its own worker process. Default: the number of CPUs.",
)
@click.option("--force", is_flag=True, help="Execute every report again, even those whose inputs are unchanged.")
@click.option(
    "--executor",
    metavar="NAME",
    default="local",
    show_default=True,
    callback=lambda _ctx, _param, value: _executor_name(value),
    help="Where reports run: 'local' (worker processes on this machine), 'dask' (a Dask distributed cluster), "
    "or an executor a plugin registers (entry point group aimskit.executors).",
)
@click.option("--scheduler", metavar="ADDRESS", help="Address of the Dask scheduler (with --executor dask).")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and the summary.")
@click.option(
    "--baseline",
    metavar="OLD_OUT",
    type=click.Path(path_type=Path),
    help="Output folder of an earlier run: also write compare.html and a section on what changed in the index.",
)
@click.option("--pdf", is_flag=True, help="Then a PDF of every report (as 'aimskit pdf OUT').")
@click.option("--word", is_flag=True, help="Then an editable .docx of every report (as 'aimskit word OUT').")
@click.option("--pack", "with_pack", is_flag=True, help="Then the engagement pack (as 'aimskit pack OUT').")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True, help="PDF paper size.")
def run(  # noqa: PLR0913 - click passes each of the command's 16 options as an argument
    path,
    steps,
    systems,
    out,
    timeout,
    self_contained,
    jobs,
    force,
    executor,
    scheduler,
    quiet,
    pdf,
    word,
    with_pack,
    paper,
    baseline,
) -> None:
    """Execute the step notebooks for the engagement at PATH and render the reports.

    With no PATH, the bundled example engagement is used. Writes per report an executed
    .ipynb, an .html and a .json of the results, and per run index.html and manifest.json.
    Reports whose inputs are unchanged since the last run into the same folder are reused
    (--force executes them again); an interrupted run completes when run again.
    """
    from aimskit import batch

    display = _ProgressDisplay(quiet=quiet, live=sys.stdout.isatty())

    if pdf or word or with_pack:  # what the deliverables need, checked before any report runs
        from aimskit.deliver.cli import check_ready

        check_ready(pdf=pdf, word=word, pack=with_pack)
    warning = batch.kernel_warning()
    if warning:
        click.echo(f"warning: {safe_text(warning)}", err=True)
    try:
        result = batch.run(
            path,
            steps=steps,
            systems=systems,
            out=out,
            timeout=timeout,
            self_contained=self_contained,
            jobs=jobs,
            force=force,
            executor=executor,
            scheduler=scheduler,
            progress=display,
            baseline=baseline,
        )
    finally:
        display.clear()
    display.flush_cached()
    for problem in result.warnings:
        click.echo(problem.format(), err=True)
    n, failed = len(result.reports), len(result.failed)
    click.echo(
        f"{n - failed} of {plural(n, 'report')} written to {safe_text(result.out)}; open {safe_text(result.index)}"
    )
    if failed:
        click.echo(f"{plural(failed, 'report')} failed; see {safe_text(result.manifest)}", err=True)
    if pdf or word or with_pack:  # the deliverables of the reports that succeeded (problems raise: exit 1)
        from aimskit.deliver.cli import deliver

        deliver(result.out, pdf=pdf, word=word, pack=with_pack, paper=paper, quiet=quiet, force=force)
    if failed:
        raise _Failed(EXIT_PROBLEMS)


class _ProgressDisplay:
    """One line per executed report; on a terminal also a status line (done, failed, remaining, current)."""

    def __init__(self, *, quiet: bool, live: bool) -> None:
        self.quiet, self.live = quiet, live
        self.cached = 0
        self.status = ""

    def __call__(self, p) -> None:
        if p.event == "cached":
            self.cached += 1
            return
        self.flush_cached()
        if p.event == "done" and p.outcome is not None:
            self.clear()
            o = p.outcome
            if o.status == "ok":
                if not self.quiet:
                    click.echo(f"[{p.done}/{p.total}] ok      {safe_text(o.name)} ({o.duration_s:.1f} s)")
            else:
                click.echo(f"[{p.done}/{p.total}] FAILED  {safe_text(o.name)}: {safe_text(o.error)}", err=True)
        if self.live and not self.quiet:
            current = f" - running {safe_text(', '.join(p.running))}" if p.running else ""
            self.status = f"{p.done - p.failed} done, {p.failed} failed, {p.total - p.done} remaining{current}"
            width = shutil.get_terminal_size((100, 20)).columns - 1
            click.echo(f"\r\033[K{self.status[:width]}", nl=False)

    def flush_cached(self) -> None:
        if self.cached and not self.quiet:
            self.clear()
            click.echo(
                f"reused {plural(self.cached, 'report')} whose inputs are unchanged (--force executes them again)"
            )
        self.cached = 0

    def clear(self) -> None:
        if self.status:
            click.echo("\r\033[K", nl=False)
            self.status = ""


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--ignore",
    "ignore",
    multiple=True,
    metavar="CODE",
    help="Leave out warnings with this code (repeatable; codes in docs/problem-codes.md).",
)
def validate(path, strict, ignore) -> None:
    """Check the engagement at PATH and report every problem as file:line:column: message [CODE]."""
    from aimskit.base import codes
    from aimskit.base.problems import UsageError, suggest
    from aimskit.steps import registry

    for code in ignore:
        if code not in codes.CODES:
            raise UsageError(f"unknown problem code '{code}'{suggest(code, codes.CODES)} (see docs/problem-codes.md)")
    problems = registry.validate(path, ignore=ignore)  # the engagement's checks and the steps' (AK223)
    _echo_problems(problems)
    errors = [p for p in problems if p.severity == "error" or strict]
    warnings = len(problems) - len([p for p in problems if p.severity == "error"])
    if errors:
        click.echo(f"{plural(len(errors), 'problem')} found in {safe_text(path)}.", err=True)
        raise _Failed(EXIT_PROBLEMS)
    note = f" ({plural(warnings, 'warning')})" if warnings else ""
    click.echo(f"OK: {safe_text(path)} is a valid aimskit engagement{note}.")


@cli.command("catalog")
@click.argument("name", required=False)
@click.argument("args", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table: aligned columns for reading; csv and json: for other programs.",
)
@click.option("--sources", is_flag=True, help="Show the source and licence of every data file.")
def catalog_cmd(name, args, fmt, sources) -> None:
    """Print the catalog NAME (list the catalogs when NAME is omitted).

    \b
    aimskit catalog crosswalk FROM TO [ID ...] maps IDs between frameworks
    (aimskit.catalog.crosswalk.map_ids; every ID of FROM when none is given):
    frameworks iso42001, nist-ai-rmf, eu-ai-act, iso27001.
    """
    import pandas as pd

    from aimskit import catalog
    from aimskit.base.spreadsheet import safe_frame

    if name == "crosswalk":
        _crosswalk_cmd(args, fmt)
        return
    if args:
        raise click.UsageError(f"unexpected argument(s) after the catalog name: {' '.join(args)}")
    if sources:
        man = catalog.manifest()
        rows = [{"file": f, **info} for f, info in man["files"].items()]
        df = pd.DataFrame(rows)
        click.echo(f"catalog version {man['catalog_version']}")
    elif not name:
        df = pd.DataFrame(
            [{"name": n, "rows": len(catalog.load(n)), "description": d} for n, d in catalog.names().items()]
        )
        click.echo(f"catalog version {catalog.version()}")
    else:
        df = catalog.load(name)
    if fmt == "json":
        click.echo(json.dumps(catalog.to_records(df), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(safe_frame(catalog.to_flat(df)).to_csv(index=False), nl=False)
    else:
        flat = catalog.to_flat(df, sep="; ")
        if name and fmt == "table":
            keep = [c for c in flat.columns if c not in ("questions", "evidence", "summary")]
            flat = flat[keep]
        with pd.option_context("display.max_rows", None, "display.max_colwidth", 70, "display.width", 200):
            click.echo(flat.to_string(index=False))


def _crosswalk_cmd(args: tuple[str, ...], fmt: str) -> None:
    """``aimskit catalog crosswalk FROM TO [ID ...]``: :func:`aimskit.catalog.crosswalk.map_ids`."""
    import pandas as pd

    from aimskit import catalog
    from aimskit.catalog import crosswalk

    if len(args) < 2:
        click.echo("error: usage: aimskit catalog crosswalk FROM TO [ID ...]", err=True)
        click.echo(crosswalk.frameworks().to_string(index=False), err=True)
        raise _Failed(EXIT_USAGE)
    source, target, *wanted = args
    df = crosswalk.map_ids(wanted, source, target) if wanted else crosswalk.full(source, target)
    if fmt == "json":
        click.echo(json.dumps(catalog.to_records(df), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        from aimskit.base.spreadsheet import safe_frame

        click.echo(safe_frame(df).to_csv(index=False), nl=False)
    else:
        cols = ["from_id", "to_id", "detail", "path", "chain", "relationship", "hop1_source_kind", "hop2_source_kind"]
        with pd.option_context("display.max_rows", None, "display.max_colwidth", 50, "display.width", 200):
            click.echo(df[cols].to_string(index=False))


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--example", is_flag=True, help="Copy the bundled example engagement instead.")
@click.option(
    "--full", is_flag=True, help="List every requirement and Annex A control in gap.csv and soa.csv, unanswered."
)
def init(path, example, full) -> None:
    """Create a blank engagement at PATH (headers and a commented example row per file)."""
    from aimskit.engagement.scaffold import init_engagement

    if example and full:
        from aimskit.base.problems import UsageError

        raise UsageError("--example and --full cannot be combined")
    written = init_engagement(path, example=example, full=full)
    for f in written:
        click.echo(f"created {safe_text(f)}")
    click.echo(f"Next: edit the files, then 'aimskit validate {safe_text(path)}' and 'aimskit run {safe_text(path)}'.")


@cli.command()
@click.argument("dest", required=False, default="notebooks", type=click.Path(path_type=Path))
def notebooks(dest) -> None:
    """Copy the step notebooks and the workbooks into DEST (default: ./notebooks) to open them in JupyterLab.

    Existing files are never overwritten."""
    from aimskit.engagement.scaffold import copy_notebooks

    copied, skipped = copy_notebooks(dest)
    for f in copied:
        click.echo(f"copied {safe_text(f)}")
    for f in skipped:
        click.echo(f"kept {safe_text(f)} (already exists; not overwritten)")
    click.echo(f"Next: jupyter lab {safe_text(dest)}")


@cli.command()
@click.argument("notebook", type=click.Path(path_type=Path))
@click.option("--out", "-o", type=click.Path(path_type=Path), help="HTML file. Default: NOTEBOOK with .html.")
@click.option(
    "--parameter", "-p", "params", nargs=2, multiple=True, metavar="NAME VALUE", help="Set a notebook parameter."
)
@click.option(
    "--timeout", default=600, show_default=True, type=click.IntRange(min=1), help="Seconds a notebook cell may run."
)
def render(notebook, out, params, timeout) -> None:
    """Execute the step NOTEBOOK as saved and render its report (as 'aimskit run' does: code hidden,
    charts offline, the engagement's branding). From JupyterLab: aimskit.render_report() in a cell."""
    from aimskit.ui.notebook_render import render_report

    result = render_report(notebook, out, parameters=dict(params), timeout=timeout)  # RenderError: exit 1
    click.echo(str(result))
    if result.error:
        raise _Failed(EXIT_PROBLEMS)


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--dir", "dest", type=click.Path(path_type=Path), help="Working copy. Default: ./aimskit-lab/<name>.")
@click.option("--port", type=click.IntRange(1, 65535), help="Port for JupyterLab.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
def lab(path, dest, port, no_browser) -> None:
    """Open JupyterLab on a working copy of the workbooks (forms) and step notebooks for the engagement
    at PATH (default: the current folder)."""
    import subprocess

    from aimskit.ui import lab as lab_mod

    folder, written, kept = lab_mod.prepare(path or Path.cwd(), dest)  # LabError: exit 1
    for f in written:
        click.echo(f"copied {f}")
    if kept:
        click.echo(f"kept {plural(len(kept), 'notebook')} already in {folder} (not overwritten)")
    click.echo(f"Starting JupyterLab in {folder} (Ctrl+C to stop)")
    code = subprocess.call(lab_mod.command(folder, port=port, browser=not no_browser))
    if code:
        raise _Failed(code)


@cli.group("export")
def export_group() -> None:
    """Export the engagement (xlsx) or the results of a finished run (oscal) to another format."""


@export_group.command("xlsx")
@click.argument("engagement_path", metavar="ENGAGEMENT", type=click.Path(path_type=Path))
@click.argument("book", metavar="BOOK.xlsx", type=click.Path(path_type=Path))
def export_xlsx_cmd(engagement_path, book) -> None:
    """Write the engagement as an Excel workbook (a sheet per file, dropdowns, every requirement listed)."""
    from aimskit.engagement.xlsx import export_xlsx

    sheets = export_xlsx(engagement_path, book)  # an XlsxError is an AimskitError: a message and exit 1
    click.echo(
        f"wrote {book} ({len(sheets)} sheets). Next: fill it in, then 'aimskit import xlsx {book} {engagement_path}'."
    )


@cli.group("import")
def import_group() -> None:
    """Import engagement files from another format."""


@import_group.command("xlsx")
@click.argument("book", metavar="BOOK.xlsx", type=click.Path(path_type=Path))
@click.argument("engagement_path", metavar="ENGAGEMENT", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Write the files even when the workbook has errors.")
def import_xlsx_cmd(book, engagement_path, force) -> None:
    """Write the engagement files from BOOK.xlsx, checked as by 'aimskit validate' (previous files backed up)."""
    from aimskit.engagement.xlsx import XlsxError, import_xlsx

    if not Path(book).is_file():
        raise XlsxError(f"{book} not found")
    result = import_xlsx(book, engagement_path, force=force)
    for p in result.problems:
        click.echo(p.format())
    for f in result.written:
        click.echo(f"wrote {f}")
    if result.unchanged:
        click.echo(f"{plural(len(result.unchanged), 'file')} unchanged (kept as they are)")
    if result.backup is not None:
        click.echo(f"previous versions kept in {result.backup}")
    if result.errors:
        if force:
            click.echo(f"{plural(len(result.errors), 'error')} found in {book}; written anyway (--force).", err=True)
        else:
            click.echo(f"{plural(len(result.errors), 'error')} found in {book}; nothing was written.", err=True)
        raise _Failed(EXIT_PROBLEMS)


from aimskit.deliver.cli import register as _register_deliverables  # noqa: E402

_register_deliverables(cli)  # aimskit pdf, word, pack, word-template


@export_group.command("oscal")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--dest", "-d", type=click.Path(path_type=Path), help="Folder for the OSCAL files. Default: OUT/oscal.")
def export_oscal(out, dest) -> None:
    """Write OSCAL JSON (catalog, profile, assessment plan and results, POA&M) from the run in OUT.

    Needs the optional extra: pip install 'aimskit[oscal]'."""
    from aimskit.results import oscal

    written = oscal.export(out, dest or Path(out) / "oscal")
    for f in written:
        click.echo(f"wrote {f}")


@cli.command("compare")
@click.argument("old_out", type=click.Path(path_type=Path))
@click.argument("new_out", type=click.Path(path_type=Path))
@click.option(
    "--dest", "-d", type=click.Path(path_type=Path), help="Folder for compare.html and .json. Default: NEW_OUT."
)
@click.option("--self-contained", is_flag=True, help="Inline plotly.js in compare.html.")
def compare_cmd(old_out, new_out, dest, self_contained) -> None:
    """Show what changed between two runs of the same engagement (output folders OLD_OUT and NEW_OUT)."""
    from aimskit.results import compare

    result = compare.compare(old_out, new_out)
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    for line in compare.summary(result):
        click.echo(line)
    html_path, json_path = compare.write(result, dest or new_out, self_contained=self_contained)
    click.echo(f"wrote {html_path} and {json_path}")


def main() -> None:
    _safe_streams()
    try:
        cli.main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # an aimskit bug: one line, the traceback only on request
        if os.environ.get("AIMSKIT_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"internal error: {type(exc).__name__}: {safe_text(exc)} "
            "(set AIMSKIT_DEBUG=1 for the traceback; please report it)",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":  # pragma: no cover
    main()
