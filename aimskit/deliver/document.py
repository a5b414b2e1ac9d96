"""Assemble print documents from rendered report pages: cover, contents, the reports' bodies.

A *document* binds one or more *parts* (rendered report HTML files, as ``aimskit run`` writes
them) behind a cover page (client, title, document control) and a table of contents whose page
numbers are filled in after a first print (see :mod:`aimskit.deliver.pdf`). The executive
edition keeps, of every part, its title block and its executive summary only (the section with the
report's headline figures).

Everything here works on aimskit's own report markup: the cells nbconvert writes
(``div.jp-Cell``), the title block (``div.ak-title``), ``h2`` section headings of the notebooks'
markdown. User text in those pages is already escaped; text added here goes through
:func:`aimskit.present.report.esc`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, Tag

from aimskit.engagement import Engagement
from aimskit.present import report
from aimskit.present.report import esc

PRINT_CSS = Path(__file__).resolve().parent.parent / "present" / "templates" / "print.css"
PAPERS = {"a4": (8.27, 11.69, "A4"), "letter": (8.5, 11.0, "letter")}
MARGIN_IN = {"top": 0.75, "bottom": 0.7, "left": 0.5, "right": 0.5}


def printable_width(paper: str) -> int:
    """CSS pixels between the left and right margins of a portrait page."""
    width = PAPERS[paper][0]
    return int((width - MARGIN_IN["left"] - MARGIN_IN["right"]) * 96)


class NotAReport(ValueError):
    """A page that is not an aimskit report (edited by hand, or another tool's HTML)."""


@dataclass
class Part:
    """One report in a document."""

    html: Path
    title: str  # the report's title (its h1)
    subtitle: str = ""  # its scope ("Organisation-wide: ...", "AI system: ...")
    step: str = ""
    name: str = ""  # step/scope, e.g. risk/organisation
    # its report blocks, read through the run (results.Run.blocks); None for a page read on its own
    read_blocks: Callable[[], list[Any]] | None = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title


@dataclass
class Entry:
    """One line of the contents: a heading with its anchor, found in the document."""

    anchor: str
    text: str
    level: int  # 1: a report of a pack, 2: a section


@dataclass
class Document:
    html: str
    entries: list[Entry] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # the ids of the chart divs, in document order


def read_part(path: Path, name: str = "", step: str = "", read_blocks: Callable[[], list[Any]] | None = None) -> Part:
    """A rendered report page as a :class:`Part` (its title and scope read from the title block)."""
    soup = BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html.parser")
    h1 = soup.select_one(".ak-title h1")
    sub = soup.select_one(".ak-title .ak-sub")
    title = h1.get_text(" ", strip=True) if h1 else (soup.title.get_text(strip=True) if soup.title else Path(path).stem)
    subtitle = sub.get_text(" ", strip=True) if sub else ""
    return Part(Path(path), title, subtitle, step=step, name=name, read_blocks=read_blocks)


def _cells(path: Path, prefix: str) -> list[Tag]:
    """The top-level cells of a report page, with ids made unique for ``prefix`` (chart divs too)."""
    text = Path(path).read_text(encoding="utf-8")
    # chart div ids are content hashes: the same chart in two reports must not collide in a pack
    text = text.replace("ak-fig-", f"ak-fig-{prefix}-")
    soup = BeautifulSoup(text, "html.parser")
    main = soup.find("main")
    if main is None:
        raise NotAReport(f"{path} is not an aimskit report page (no <main> element); run 'aimskit run' again")
    for link in main.select("a.anchor-link"):
        link.decompose()
    for node in main.find_all(id=True):
        if not str(node["id"]).startswith("ak-fig-"):
            node["id"] = f"{prefix}-{node['id']}"
    for link in main.find_all("a", href=True):
        href = str(link["href"])
        if href.startswith("#"):
            link["href"] = f"#{prefix}-{href[1:]}"
    return [c for c in main.find_all("div", class_="jp-Cell", recursive=False)]


def _section_heading(cell: Tag) -> Tag | None:
    if "jp-MarkdownCell" not in (cell.get("class") or []):
        return None
    return cell.find("h2")


def _executive_cells(cells: list[Tag]) -> list[Tag]:
    """The cells before the first section (the title block) and the executive summary: the section
    that holds the report's headline figures (``div.ak-kpis``), else its first section (a report
    that opens with its verdict). Found by structure, as the Word file's
    (:func:`aimskit.present.blocks.executive_summary`), not by the heading's words."""
    sections: list[list[Tag]] = [[]]
    for cell in cells:
        if _section_heading(cell) is not None:
            sections.append([])
        sections[-1].append(cell)
    summary = next((s for s in sections[1:] if any(c.select_one(".ak-kpis") for c in s)), None)
    if summary is None and len(sections) > 1:
        summary = sections[1]
    return sections[0] + (summary or [])


def _text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def control_rows(eng: Engagement) -> list[tuple[str, str]]:
    """The document control of the engagement as (label, value) rows (empty values left out)."""
    dc = eng.meta.document_control
    rows = [
        ("Prepared for", dc.prepared_for or eng.organisation),
        ("Prepared by", eng.meta.branding.name),
        ("Document version", dc.version),
        ("Status", dc.status_label),
        ("Confidentiality", dc.confidentiality),
        ("Approved by", dc.approver),
        ("Approval date", _text(dc.approval_date)),
        ("Assessment date", eng.meta.assessment_date.isoformat()),
    ]
    return [(k, v) for k, v in rows if v]


def _cover(eng: Engagement, title: str, subtitle: str, edition: str) -> str:
    meta = eng.meta
    logo = ""
    if meta.branding.logo:
        logo_path = Path(eng.path) / meta.branding.logo
        if logo_path.is_file():
            logo = f'<img class="ak-cover-logo" alt="logo" src="{report._logo_data_uri(logo_path)}">'
    dc = meta.document_control
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in control_rows(eng))
    draft = '<div class="ak-cover-draft">Draft</div>' if dc.status == "draft" else ""
    return (
        f'<section class="ak-cover">{logo}{draft}'
        f'<div class="ak-cover-client">{esc(dc.prepared_for or eng.organisation)}</div>'
        f"<h1>{esc(title)}</h1>"
        + (f'<div class="ak-cover-sub">{esc(subtitle)}</div>' if subtitle else "")
        + (f'<div class="ak-cover-edition">{esc(edition)}</div>' if edition else "")
        + f'<table class="ak-control"><tbody>{rows}</tbody></table>'
        f'<div class="ak-cover-conf">{esc(dc.confidentiality)}</div></section>'
    )


def _contents(entries: Sequence[Entry]) -> str:
    lines = "".join(
        f'<li class="ak-toc-{e.level}"><a href="#{esc(e.anchor)}"><span class="ak-toc-text">{esc(e.text)}</span>'
        f'<span class="ak-toc-page" data-for="{esc(e.anchor)}">000</span></a></li>'
        for e in entries
    )
    return f'<section class="ak-contents"><h2 class="ak-contents-title">Contents</h2><ol>{lines}</ol></section>'


def _plotly_tag(plotly_js: Path | None) -> str:
    if plotly_js is not None and plotly_js.is_file():
        return f'<script src="{esc(plotly_js.resolve().as_uri())}"></script>'
    from aimskit.present import render

    return f'<script type="text/javascript">{render._plotly_js()}</script>'


def build(
    eng: Engagement,
    parts: Sequence[Part],
    *,
    title: str,
    subtitle: str = "",
    edition: str = "",
    executive: bool = False,
    paper: str = "a4",
    plotly_js: Path | None = None,
) -> Document:
    """The print document binding ``parts`` (see the module docstring).

    With one part, the contents list its sections; with several, every report (level 1) and, unless
    ``executive``, its sections (level 2). ``plotly_js`` is the shared plotly.js file (inlined when absent).
    """
    page_css = (Path(report.__file__).parent / "templates" / "aimskit" / "static" / "page.css").read_text("utf-8")
    print_css = PRINT_CSS.read_text(encoding="utf-8")
    size = PAPERS[paper][2]
    colour = eng.meta.branding.colour
    entries: list[Entry] = []
    body: list[str] = []
    single = len(parts) == 1
    for k, part in enumerate(parts):
        prefix = f"p{k}"
        cells = _cells(part.html, prefix)
        if executive:
            cells = _executive_cells(cells)
        anchor = f"{prefix}-report"
        if not single:
            entries.append(Entry(anchor, part.label, 1))
        for cell in cells:
            heading = _section_heading(cell)
            if heading is not None and not (executive and not single):
                heading_id = heading.get("id") or f"{prefix}-s{len(entries)}"
                heading["id"] = heading_id
                entries.append(Entry(str(heading_id), heading.get_text(" ", strip=True), 2 if not single else 1))
        inner = "".join(str(c) for c in cells)
        body.append(f'<article class="ak-part" id="{anchor}" data-step="{esc(part.step)}">{inner}</article>')
    charts = re.findall(r'<div id="(ak-fig-[^"]+)" class="plotly-graph-div"', "".join(body))
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
{_plotly_tag(plotly_js)}
<style>{page_css}</style>
{report.STYLE}
<style>:root {{ --ak-brand: {esc(colour)}; }} @page {{ size: {size} portrait; }}
@page ak-wide {{ size: {size} landscape; }}</style>
<style>{print_css}</style>
</head><body class="jp-Notebook ak-print{" ak-executive" if executive else ""}"><main>
{_cover(eng, title, subtitle, edition)}
{_contents(entries)}
{"".join(body)}
</main></body></html>
"""
    return Document(html, entries, charts)
