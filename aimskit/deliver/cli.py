"""The deliverable commands: ``aimskit pdf``, ``aimskit word``, ``aimskit pack``, ``aimskit word-template``.

Each mirrors a library call (:func:`aimskit.deliver.pdf.export`, :func:`aimskit.deliver.pdf.pack`,
:func:`aimskit.deliver.word.default_template`); :func:`register` adds them to the main command group.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from aimskit.base.problems import plural

PAPER = click.Choice(["a4", "letter"], case_sensitive=False)


def check_ready(*, pdf: bool, word: bool, pack: bool) -> None:
    """Raise now what :func:`deliver` would raise only after the reports: a package of PDF or Word
    output that is not installed (:class:`~aimskit.base.dependencies.MissingDependency`), or no Chromium
    (:class:`~aimskit.deliver.browser.BrowserUnavailable`). ``aimskit run --pdf/--word/--pack`` calls
    it before any report runs."""
    if not (pdf or word or pack):
        return
    from aimskit.deliver import browser
    from aimskit.deliver import pdf as pdf_mod
    from aimskit.deliver import word as word_mod

    browser._driver()
    pdf_mod._pypdf()
    if word:
        word_mod._docx()
    browser.find_chromium()


def deliver(  # noqa: PLR0913 - keyword-only, one per option of the deliverable commands
    out: Path,
    *,
    pdf: bool,
    word: bool,
    pack: bool,
    paper: str = "a4",
    steps: Sequence[str] = (),
    engagement: Path | None = None,
    quiet: bool = False,
    force: bool = False,
) -> list[Path]:
    """Write the asked-for deliverables for the run in ``out`` (one browser for all); return the files.

    Problems raise, as everywhere in the command line (the main group turns them into a message
    and the exit code of :func:`aimskit.ui.cli.exit_code`): :class:`~aimskit.results.run.RunFolderError`
    (a folder that is not a readable run, every problem positioned), :class:`~aimskit.deliver.pdf.DeliverError`
    and :class:`~aimskit.deliver.browser.BrowserUnavailable` (1), an engagement with errors (1, every
    problem printed), an unknown step (2). PDF and Word files still matching their report are kept
    unless ``force``."""
    from aimskit.deliver import pdf as pdf_mod
    from aimskit.deliver.browser import Browser
    from aimskit.results.run import Run

    check_ready(pdf=pdf, word=word, pack=pack)  # a missing package or Chromium first: nothing can be made
    Run.open(out)  # then a folder that is not a readable run: its problems before a browser starts (RunFolderError)

    def say(text: str) -> None:
        if not quiet:
            click.echo(text)

    written: list[Path] = []
    kept: list[str] = []
    with Browser() as browser:
        if pdf or word:
            done = pdf_mod.export(
                out,
                pdf=pdf,
                word=word,
                paper=paper.lower(),
                steps=steps,
                engagement_path=engagement,
                browser=browser,
                progress=say,
                force=force,
            )
            written += done.files
            kept += done.skipped
        if pack:
            done = pdf_mod.pack(
                out, paper=paper.lower(), engagement_path=engagement, browser=browser, progress=say, force=force
            )
            written += done.files
            kept += done.skipped
        pdf_mod.write_index(out, engagement)
    kinds = " and ".join(k for k, on in (("PDF", pdf or pack), ("Word", word)) if on)
    reused = f" ({len(kept)} unchanged, kept)" if kept else ""
    click.echo(f"{plural(len(written), kinds + ' file')} written{reused} in {out}; open {Path(out) / 'index.html'}")
    return written


def _common(fn: Any) -> Any:
    fn = click.option("--force", is_flag=True, help="Write every file again, even those still matching their report.")(
        fn
    )
    fn = click.option("--quiet", "-q", is_flag=True, help="Print only the summary.")(fn)
    fn = click.option(
        "--engagement",
        "-e",
        type=click.Path(path_type=Path, file_okay=False),
        help="The engagement folder, when it moved since the run (default: the one in manifest.json).",
    )(fn)
    fn = click.option("--paper", type=PAPER, default="a4", show_default=True, help="Paper size.")(fn)
    return fn


def register(group: click.Group) -> None:
    @group.command("pdf")
    @click.argument("out", type=click.Path(path_type=Path, file_okay=False))
    @click.option("--step", "-s", "steps", multiple=True, metavar="NAME", help="Only this step's reports (repeatable).")
    @click.option("--word", is_flag=True, help="Also write the editable .docx of every report.")
    @click.option("--pack", "with_pack", is_flag=True, help="Also write the engagement pack and its executive edition.")
    @_common
    def pdf_cmd(out, steps, word, with_pack, paper, engagement, quiet, force) -> None:
        """A PDF beside every report of the run in OUT (headless Chromium).

        Each PDF has a cover with the document control of engagement.yaml, a contents page with
        page numbers, the running header and footer, and wide tables on landscape pages."""
        deliver(
            out,
            pdf=True,
            word=word,
            pack=with_pack,
            paper=paper,
            steps=steps,
            engagement=engagement,
            quiet=quiet,
            force=force,
        )

    @group.command("word")
    @click.argument("out", type=click.Path(path_type=Path, file_okay=False))
    @click.option("--step", "-s", "steps", multiple=True, metavar="NAME", help="Only this step's reports (repeatable).")
    @_common
    def word_cmd(out, steps, paper, engagement, quiet, force) -> None:
        """An editable Word file (.docx) beside every report of the run in OUT.

        Uses branding.word_template of engagement.yaml when set; charts are pictures drawn by the
        same headless Chromium as the PDF."""
        deliver(
            out,
            pdf=False,
            word=True,
            pack=False,
            paper=paper,
            steps=steps,
            engagement=engagement,
            quiet=quiet,
            force=force,
        )

    @group.command("pack")
    @click.argument("out", type=click.Path(path_type=Path, file_okay=False))
    @_common
    def pack_cmd(out, paper, engagement, quiet, force) -> None:
        """The engagement pack of the run in OUT: one PDF binding every report in certification
        order with one contents, and an executive edition (the executive summaries), in OUT/pack/."""
        deliver(out, pdf=False, word=False, pack=True, paper=paper, engagement=engagement, quiet=quiet, force=force)

    @group.command("word-template")
    @click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
    def word_template_cmd(path) -> None:
        """Write a Word template with every style the reports use, to restyle and set as
        branding.word_template in engagement.yaml. Never overwrites a file."""
        from aimskit.deliver import word
        from aimskit.deliver.pdf import DeliverError

        if Path(path).exists():
            raise DeliverError(f"{path} exists; choose a new file name")
        word.default_template(path)  # (BrowserUnavailable when python-docx is missing: exit 1)
        click.echo(f"created {path}; restyle it, then set branding.word_template: {Path(path).name} in engagement.yaml")
