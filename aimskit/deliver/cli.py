"""The deliverable commands: ``aimskit pdf``, ``aimskit word``, ``aimskit pack``, ``aimskit word-template``.

Each mirrors a library call (:func:`aimskit.deliver.pdf.export`, :func:`aimskit.deliver.pdf.pack`,
:func:`aimskit.deliver.word.default_template`); :func:`register` adds them to the main command group.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

EXIT_PROBLEMS = 1
PAPER = click.Choice(["a4", "letter"], case_sensitive=False)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_PROBLEMS)


def deliver(
    out: Path,
    *,
    pdf: bool,
    word: bool,
    pack: bool,
    paper: str = "a4",
    steps: Sequence[str] = (),
    engagement: Path | None = None,
    quiet: bool = False,
) -> None:
    """Write the asked-for deliverables for the run in ``out`` (one browser for all), or exit 1 with why."""
    from aimskit.deliver import pdf as pdf_mod
    from aimskit.deliver.browser import Browser, BrowserUnavailable
    from aimskit.problems import InvalidEngagementError

    def say(text: str) -> None:
        if not quiet:
            click.echo(text)

    try:
        with Browser() as browser:
            written: list[Path] = []
            if pdf or word:
                written += pdf_mod.export(
                    out,
                    pdf=pdf,
                    word=word,
                    paper=paper.lower(),
                    steps=steps,
                    engagement_path=engagement,
                    browser=browser,
                    progress=say,
                ).files
            if pack:
                written += pdf_mod.pack(
                    out, paper=paper.lower(), engagement_path=engagement, browser=browser, progress=say
                ).files
            pdf_mod.write_index(out, engagement)
    except BrowserUnavailable as exc:
        _fail(str(exc))
    except pdf_mod.DeliverError as exc:
        _fail(str(exc))
    except InvalidEngagementError as exc:
        for p in exc.problems:
            if p.severity == "error":
                click.echo(p.format())
        _fail("the engagement has problems; fix them (aimskit validate) and run again")
    kinds = " and ".join(k for k, on in (("PDF", pdf or pack), ("Word", word)) if on)
    click.echo(f"{len(written)} {kinds} file(s) written in {out}; open {Path(out) / 'index.html'}")


def _common(fn: Any) -> Any:
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
    def pdf_cmd(out, steps, word, with_pack, paper, engagement, quiet) -> None:
        """A PDF beside every report of the run in OUT (headless Chromium).

        Each PDF has a cover with the document control of engagement.yaml, a contents page with
        page numbers, the running header and footer, and wide tables on landscape pages."""
        deliver(out, pdf=True, word=word, pack=with_pack, paper=paper, steps=steps, engagement=engagement, quiet=quiet)

    @group.command("word")
    @click.argument("out", type=click.Path(path_type=Path, file_okay=False))
    @click.option("--step", "-s", "steps", multiple=True, metavar="NAME", help="Only this step's reports (repeatable).")
    @_common
    def word_cmd(out, steps, paper, engagement, quiet) -> None:
        """An editable Word file (.docx) beside every report of the run in OUT.

        Uses branding.word_template of engagement.yaml when set; charts are pictures drawn by the
        same headless Chromium as the PDF."""
        deliver(out, pdf=False, word=True, pack=False, paper=paper, steps=steps, engagement=engagement, quiet=quiet)

    @group.command("pack")
    @click.argument("out", type=click.Path(path_type=Path, file_okay=False))
    @_common
    def pack_cmd(out, paper, engagement, quiet) -> None:
        """The engagement pack of the run in OUT: one PDF binding every report in certification
        order with one contents, and an executive edition (the executive summaries), in OUT/pack/."""
        deliver(out, pdf=False, word=False, pack=True, paper=paper, engagement=engagement, quiet=quiet)

    @group.command("word-template")
    @click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
    def word_template_cmd(path) -> None:
        """Write a Word template with every style the reports use, to restyle and set as
        branding.word_template in engagement.yaml. Never overwrites a file."""
        from aimskit.deliver import word

        if Path(path).exists():
            _fail(f"{path} exists; choose a new file name")
        from aimskit.deliver.browser import BrowserUnavailable

        try:
            word.default_template(path)
        except BrowserUnavailable as exc:  # (python-docx missing)
            _fail(str(exc))
        click.echo(f"created {path}; restyle it, then set branding.word_template: {Path(path).name} in engagement.yaml")
