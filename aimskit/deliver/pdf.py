"""PDF of every report of an output folder, the engagement pack and its executive edition.

Each PDF is printed by headless Chromium (:mod:`aimskit.deliver.browser`) from a print document
(:mod:`aimskit.deliver.document`): a cover with the document control, a contents page, the
report. The page is laid out at the printable width so charts are drawn at the width they are
printed at; tables wider than the page are moved to landscape pages; the running header and
footer carry the client, the title, the version, the status, the confidentiality label and
"page N of M". The contents' page numbers come from a first print: Chromium writes a named
destination for every heading, whose page is read back (pypdf), filled in, and printed again
(the numbers' width is reserved, so the layout does not move; this is checked).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from aimskit.base.dependencies import require
from aimskit.base.fileio import atomic_write_bytes, atomic_write_text
from aimskit.base.problems import AimskitError, plural
from aimskit.deliver import document
from aimskit.deliver.browser import Browser, Page
from aimskit.deliver.document import Document, Part
from aimskit.engagement import Engagement
from aimskit.present.report import esc
from aimskit.results.run import DELIVERABLES_SCHEMA, SCHEMA_KEY, Run, read_own_json

PRINT_DIR = Path(".aimskit") / "print"
PACK_DIR = Path("pack")

# Which tables print on a landscape page: measured in the page rather than guessed from a column
# count. A table goes landscape when it cannot fit the portrait width with words kept whole, or when
# it has many columns and its one-line width is far beyond the page (its cells would otherwise be
# squeezed into towers of broken words).
MARK_WIDE = """(() => {
  const main = document.querySelector('main');
  const limit = main.getBoundingClientRect().width + 1;
  const body = document.body;
  document.querySelectorAll('.ak-wide').forEach(e => e.classList.remove('ak-wide'));
  const tables = [...document.querySelectorAll('table.ak-table')];
  body.classList.add('ak-measure-words');
  const words = tables.map(t => t.scrollWidth);
  body.classList.remove('ak-measure-words');
  body.classList.add('ak-measure-line');
  const lines = tables.map(t => t.scrollWidth);
  body.classList.remove('ak-measure-line');
  let n = 0;
  tables.forEach((t, i) => {
    const columns = t.tHead && t.tHead.rows.length ? t.tHead.rows[0].cells.length : 0;
    const box = t.closest('.ak-report') || t;
    if (words[i] > limit || (columns >= 8 && lines[i] > 1.6 * limit)) {
      box.classList.add('ak-wide');
      n += 1;
    }
    box.classList.toggle('ak-squeeze', words[i] > LANDSCAPE);  // even landscape is too narrow: break words
  });
  // a wide table's section heading (and its introduction) goes on the landscape page with it, not
  // left alone at the foot of the portrait page before. Walking back from the table: the outputs
  // before it in its cell, then the cells before, up to the markdown cell holding a heading; short
  // text and empty cells go along, a chart or another table stops the walk (nothing is moved).
  document.querySelectorAll('.ak-wide-lead').forEach(e => e.classList.remove('ak-wide-lead'));
  document.querySelectorAll('.ak-wide').forEach(box => {
    const cell = box.closest('.jp-Cell');
    if (!cell) return;
    const before = [];
    const output = box.closest('.jp-OutputArea-child');
    for (let o = output && output.previousElementSibling; o; o = o.previousElementSibling) before.push(o);
    for (let c = cell.previousElementSibling; c && c.classList.contains('jp-Cell'); c = c.previousElementSibling) {
      before.push(c);
    }
    const lead = [];
    let texts = 0;
    for (const e of before) {
      if (e.querySelector('.plotly-graph-div, table, img, svg') || e.classList.contains('ak-wide')) return;
      lead.push(e);
      if ((e.innerText || '').trim() === '') continue;
      if (e.matches('.jp-MarkdownCell') && e.querySelector('h1, h2, h3, h4')) {
        lead.forEach(x => x.classList.add('ak-wide-lead'));
        return;
      }
      texts += 1;
      if (texts > 3) return;
    }
  });
  return n;
})()"""


ONLY_COVER = (
    "(() => { document.querySelectorAll('main > :not(.ak-cover)').forEach(e => e.style.display = 'none');"
    " return true; })()"
)


def mark_wide(paper: str) -> str:
    """The script marking the wide tables, for ``paper``'s landscape printable width."""
    landscape = int((document.PAPERS[paper][1] - document.MARGIN_IN["left"] - document.MARGIN_IN["right"]) * 96)
    return MARK_WIDE.replace("LANDSCAPE", str(landscape))


def _fill_pages(pages: dict[str, int]) -> str:
    return (
        "(() => { const pages = " + json.dumps(pages) + ";"
        " document.querySelectorAll('.ak-toc-page').forEach(s => {"
        " const p = pages[s.dataset.for]; s.textContent = p === undefined ? '' : String(p); });"
        " return true; })()"
    )


def _template(text: str, align: str) -> str:
    return (
        '<div style="font-family:Helvetica,Arial,sans-serif;font-size:7.5pt;color:#5b6b7f;width:100%;'
        f'padding:0 {document.MARGIN_IN["left"]}in;display:flex;justify-content:space-between;align-items:center">'
        f"{text}</div>"
    )


def header_footer(eng: Engagement, title: str) -> dict[str, str]:
    """Chromium's header and footer templates: client and title on top; version, status,
    confidentiality and page N of M at the bottom (values escaped: they are user text)."""
    dc = eng.meta.document_control
    client = dc.prepared_for or eng.organisation
    left = f"<span>{esc(client)}</span>"
    right = f'<span style="text-align:right;max-width:60%">{esc(title)}</span>'
    footer = (
        f"<span>Version {esc(dc.version)} · {esc(dc.status_label)} · {esc(dc.confidentiality)}</span>"
        '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span>'
    )
    return {"headerTemplate": _template(left + right, "left"), "footerTemplate": _template(footer, "right")}


def print_options(paper: str) -> dict[str, Any]:
    width, height, _ = document.PAPERS[paper]
    m = document.MARGIN_IN
    return {
        "paperWidth": width,
        "paperHeight": height,
        "marginTop": m["top"],
        "marginBottom": m["bottom"],
        "marginLeft": m["left"],
        "marginRight": m["right"],
        "preferCSSPageSize": True,  # portrait pages, and landscape ones for the wide tables
        "displayHeaderFooter": True,
        "generateDocumentOutline": True,  # PDF bookmarks from the headings
    }


def _pypdf() -> Any:
    return require("pypdf", "PDF and Word output")


def _reader(data: bytes) -> Any:
    """A pypdf reader of a PDF Chromium wrote: strict, which skips pypdf's check of every
    cross-reference entry (seconds on a pack); lenient if strict reading fails."""
    pypdf = _pypdf()

    try:
        return pypdf.PdfReader(io.BytesIO(data), strict=True)
    except pypdf.errors.PdfReadError:
        return pypdf.PdfReader(io.BytesIO(data))


def destination_pages(pdf: bytes, anchors: Sequence[str]) -> dict[str, int]:
    """1-based page of each named destination ``anchors`` (the headings' ids) in ``pdf``."""
    reader = _reader(pdf)
    named = reader.named_destinations
    out: dict[str, int] = {}
    for anchor in anchors:
        dest = named.get(f"/{anchor}") or named.get(anchor)
        if dest is not None:
            page = reader.get_destination_page_number(dest)
            if page is not None and page >= 0:
                out[anchor] = page + 1
    return out


def replace_first_page(pdf: bytes, first: bytes) -> bytes:
    """``pdf`` with its first page's content and resources taken from the first page of ``first``
    (same size), as an incremental update appended to ``pdf``: the replaced page object, and the
    objects of ``first`` its content uses, renumbered. Nothing else of ``pdf`` is parsed or
    rewritten (cloning a 600-page pack with pypdf took minutes), so its outline, named
    destinations and links stay as Chromium wrote them."""
    import re

    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject

    main, cover = _reader(pdf), _reader(first)
    node_ref = main.trailer["/Root"].raw_get("/Pages")
    while True:  # the first leaf of the page tree, without reading the other pages
        node = node_ref.get_object()
        if node.get("/Type") != "/Pages":
            break
        node_ref = node.raw_get("/Kids")[0] if isinstance(node.raw_get("/Kids"), ArrayObject) else node["/Kids"][0]
    size = int(main.trailer["/Size"])
    mapping: dict[int, int] = {}
    queue: list[IndirectObject] = []

    def remap(o: Any) -> Any:
        if isinstance(o, IndirectObject):
            if o.idnum not in mapping:
                mapping[o.idnum] = size + len(mapping)
                queue.append(o)
            return IndirectObject(mapping[o.idnum], 0, main)
        if isinstance(o, DictionaryObject):  # (stream objects too)
            for key in list(o.keys()):
                o[key] = remap(o.raw_get(key))
        elif isinstance(o, ArrayObject):
            for i in range(len(o)):
                o[i] = remap(list.__getitem__(o, i))
        return o

    source = cover.pages[0]
    page = DictionaryObject(
        {NameObject(k): node.raw_get(k) for k in node if k not in ("/Contents", "/Resources", "/Annots")}
    )
    page[NameObject("/Contents")] = remap(source.raw_get("/Contents"))
    page[NameObject("/Resources")] = remap(source.raw_get("/Resources"))
    objects: list[tuple[int, int, Any]] = [(node_ref.idnum, node_ref.generation, page)]
    while queue:
        ref = queue.pop(0)
        obj = remap(cover.get_object(ref))
        objects.append((mapping[ref.idnum], 0, obj))
    out = io.BytesIO()
    out.write(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offsets: list[tuple[int, int, int]] = []
    for number, generation, obj in objects:
        offsets.append((number, generation, out.tell()))
        out.write(f"{number} {generation} obj\n".encode())
        obj.write_to_stream(out)
        out.write(b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 1\n0000000000 65535 f\r\n")  # (a section starting at 0, as readers expect)
    for number, generation, offset in sorted(offsets):
        out.write(f"{number} 1\n{offset:010d} {generation:05d} n\r\n".encode())
    trailer = DictionaryObject(
        {NameObject(k): main.trailer.raw_get(k) for k in main.trailer if k not in ("/Prev", "/XRefStm")}
    )
    trailer[NameObject("/Size")] = NumberObject(size + len(mapping))
    trailer[NameObject("/Prev")] = NumberObject(int(re.findall(rb"startxref\s+(\d+)", pdf)[-1]))
    out.write(b"trailer\n")
    trailer.write_to_stream(out)
    out.write(f"\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


@dataclass
class Printed:
    pdf: bytes
    pages: int
    wide_tables: int
    contents: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    charts: dict[str, bytes] = field(default_factory=dict)  # chart id -> PNG (when asked for)


CHART_BOXES = """(() => [...document.querySelectorAll('.plotly-graph-div')].map(d => {
  const r = d.getBoundingClientRect();
  return {id: d.id, x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height};
}))()"""


def chart_images(page: Page) -> dict[str, bytes]:
    """A PNG of every chart of the loaded page, keyed by the chart's div id."""
    out: dict[str, bytes] = {}
    for box in page.evaluate(CHART_BOXES) or []:
        if box["width"] < 1 or box["height"] < 1:
            continue
        clip = {k: box[k] for k in ("x", "y", "width", "height")}
        out[box["id"]] = page.screenshot(clip)
    return out


def print_document(
    browser: Browser, doc: Document, path: Path, eng: Engagement, title: str, paper: str = "a4", images: bool = False
) -> Printed:
    """Print ``doc`` (written to ``path`` first, so relative links resolve) to PDF bytes."""

    times: dict[str, float] = {}
    t0 = time.perf_counter()
    atomic_write_text(path, doc.html)
    page = browser.open(path, document.printable_width(paper))
    try:
        times["load_s"] = time.perf_counter() - t0
        wide = int(page.evaluate(mark_wide(paper)) or 0)
        charts = chart_images(page) if images else {}
        times["images_s"] = time.perf_counter() - t0 - times["load_s"]
        options = {**print_options(paper), **header_footer(eng, title)}
        anchors = [e.anchor for e in doc.entries]
        t1 = time.perf_counter()
        pdf = page.pdf(**options)
        contents = destination_pages(pdf, anchors)
        for _ in range(2):  # the numbers' width is reserved: the second print normally confirms the first
            page.evaluate(_fill_pages(contents))
            pdf = page.pdf(**options)
            again = destination_pages(pdf, anchors)
            if again == contents:
                break
            contents = again
        # the cover carries no running header or footer: page 1 printed again without them replaces
        # the first page (the page count and the contents' numbers are those of the whole print);
        # everything after the cover is hidden first, so this print lays out one page, not the pack
        t2 = time.perf_counter()
        times["print_s"] = t2 - t1
        page.evaluate(ONLY_COVER)
        cover = page.pdf(**{**options, "displayHeaderFooter": False, "pageRanges": "1"})
        pdf = replace_first_page(pdf, cover)
        times["cover_s"] = time.perf_counter() - t2
    finally:
        page.close()
    pages = len(_reader(pdf).pages)
    return Printed(pdf, pages, wide, contents, times, charts)


# ---------------------------------------------------------------------------------------------
# output folders


class DeliverError(AimskitError):
    """The output folder cannot be turned into documents (no manifest, engagement gone, a page that is
    not a report...): the command line prints the message and exits 1."""


def load_engagement(run: Run, engagement_path: str | Path | None = None) -> Any:
    """The engagement a run was made from (document control, branding), or ``engagement_path``."""
    from aimskit import engagement

    path = Path(engagement_path or run.manifest.engagement.path)
    if not path.is_dir():
        raise DeliverError(f"the engagement folder of this run ({path}) is gone; pass it with --engagement PATH")
    return engagement.load(path)


def report_parts(run: Run, steps: Sequence[str] = (), only: Sequence[str] = ()) -> list[Part]:
    """The successful reports of a run as parts, in certification order, organisation-wide first
    (``steps``: only these steps' reports, a step the run did not write being a usage error;
    ``only``: only the reports of these names, e.g. ``risk/organisation``)."""
    from aimskit.base.problems import UsageError, suggest
    from aimskit.steps.registry import in_pack_order

    reports = [r for r in run.reports if r.ok and r.files.get("html")]
    run_steps = list(dict.fromkeys(r.step for r in run.reports))
    for step in steps:
        if step not in run_steps:
            raise UsageError(
                f"step '{step}' has no report in {run.folder}{suggest(step, run_steps)} "
                f"(this run's steps: {', '.join(run_steps)})"
            )
    if steps:
        reports = [r for r in reports if r.step in steps]
    if only:
        reports = [r for r in reports if r.name in only]
    seen = list(dict.fromkeys(r.step for r in reports))
    order = in_pack_order(seen)  # each step's pack_order (a step of an older run, unknown now: last)
    ordered = sorted(reports, key=lambda r: (order.index(r.step), r.scope_id is not None))
    # (Run.open checked that every listed page is there)
    return [
        document.read_part(run.path(r.files["html"]), name=r.name, step=r.step, read_blocks=partial(run.blocks, r))
        for r in ordered
    ]


@dataclass
class Delivered:
    """What :func:`export` and :func:`pack` wrote."""

    files: list[Path] = field(default_factory=list)
    timings: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # reports (or pack editions) whose files were current, kept
    made_from: dict[Path, dict[str, Any]] = field(default_factory=dict)  # written file -> its fingerprint()


def fingerprint(eng: Engagement, out: Path, htmls: Sequence[Path], paper: str, kind: str) -> dict[str, Any]:
    """What a deliverable is made from, recorded beside it in deliverables.json: the report pages'
    hashes, the paper, the document control and branding of the engagement (the cover and the
    running header and footer), the print stylesheet, the Word template (for ``.docx``) and the
    aimskit version. A file whose record still matches (and whose bytes are those recorded) is reused."""
    import aimskit
    from aimskit.engagement import sha256_file

    meta = eng.meta
    record: dict[str, Any] = {
        "sources": {_rel(out, Path(h)): sha256_file(Path(h)) for h in htmls},
        "paper": paper,
        "aimskit": aimskit.__version__,
        "print_css": sha256_file(document.PRINT_CSS),
        "document_control": json.dumps(meta.document_control.model_dump(mode="json"), sort_keys=True),
        "branding": json.dumps(meta.branding.model_dump(mode="json"), sort_keys=True),
    }
    if kind == "docx" and meta.branding.word_template:
        template = Path(eng.path) / meta.branding.word_template
        record["word_template"] = sha256_file(template) if template.is_file() else ""
    return record


def _rel(out: Path, path: Path) -> str:
    """``path`` relative to the output folder ``out`` (posix), or absolute when outside it."""
    path = Path(path).resolve()
    return path.relative_to(Path(out).resolve()).as_posix() if path.is_relative_to(Path(out).resolve()) else str(path)


def _current(out: Path, target: Path, made_from: dict[str, Any], known: dict[str, Any]) -> bool:
    """Whether ``target`` exists, holds the bytes recorded for it and was made from ``made_from``."""
    from aimskit.engagement import sha256_file

    rel = target.relative_to(out).as_posix()
    return (
        target.is_file()
        and known.get("files", {}).get(rel) == sha256_file(target)
        and known.get("made_from", {}).get(rel) == made_from
    )


def export(  # noqa: PLR0913 - keyword-only options of a public library call, one per option of `aimskit pdf`
    out: str | Path,
    *,
    pdf: bool = True,
    word: bool = False,
    paper: str = "a4",
    steps: Sequence[str] = (),
    only: Sequence[str] = (),
    engagement_path: str | Path | None = None,
    browser: Browser | None = None,
    progress: Callable[[str], None] | None = None,
    force: bool = False,
) -> Delivered:
    """A PDF (and/or an editable Word file) beside every successful report of the run in ``out``:
    ``gap/organisation.html`` gives ``gap/organisation.pdf`` and ``gap/organisation.docx``.

    A PDF or Word file made from the report page as it is now (see :func:`fingerprint`) is kept
    and listed in ``skipped``, unless ``force``; one made from an earlier version of the page (the
    report was executed again since) is written again."""
    out = Path(out)
    run = Run.open(out)
    eng = load_engagement(run, engagement_path)
    parts = report_parts(run, steps, only)
    known = _read_record(out)
    result = Delivered()
    own = browser is None
    browser = browser or Browser()
    try:
        for part in parts:
            t0 = time.perf_counter()
            stem = part.html.with_suffix("")
            wanted = [kind for kind, on in (("pdf", pdf), ("docx", word)) if on]
            made = {kind: fingerprint(eng, out, [part.html], paper, kind) for kind in wanted}
            if not force and all(_current(out, stem.with_suffix(f".{k}"), made[k], known) for k in wanted):
                result.skipped.append(part.name)
                if progress:
                    progress(f"{part.name}: unchanged since its last {' and '.join(wanted).upper()}, kept")
                continue
            doc = _build(
                eng,
                [part],
                title=part.title,
                subtitle=part.subtitle,
                paper=paper,
                plotly_js=out / "assets" / "plotly.min.js",
            )
            printed = print_document(
                browser, doc, out / PRINT_DIR / f"{part.name}.html", eng, part.title, paper, images=word
            )
            if pdf:
                atomic_write_bytes(stem.with_suffix(".pdf"), printed.pdf)
                result.files.append(stem.with_suffix(".pdf"))
                result.made_from[stem.with_suffix(".pdf")] = made["pdf"]
            if word:
                from aimskit.deliver import word as word_mod

                t1 = time.perf_counter()
                data = word_mod.report_docx(eng, part, printed.charts)
                atomic_write_bytes(stem.with_suffix(".docx"), data)
                result.files.append(stem.with_suffix(".docx"))
                result.made_from[stem.with_suffix(".docx")] = made["docx"]
                printed.seconds["word_s"] = time.perf_counter() - t1
            total = time.perf_counter() - t0
            result.timings.append(
                {
                    "report": part.name,
                    "pages": printed.pages,
                    "wide_tables": printed.wide_tables,
                    "seconds": round(total, 3),
                    **{k: round(v, 3) for k, v in printed.seconds.items()},
                }
            )
            if progress:
                progress(f"{part.name}: {plural(printed.pages, 'page')}, {total:.1f} s")
    finally:
        if own:
            browser.close()
        _write_deliverables(out, result)
    return result


def _build(eng: Engagement, parts: Sequence[Part], **options: Any) -> Document:
    """:func:`document.build`, a page that is not an aimskit report being the user's problem."""
    try:
        return document.build(eng, parts, **options)
    except document.NotAReport as exc:
        raise DeliverError(str(exc)) from exc


def pack(
    out: str | Path,
    *,
    paper: str = "a4",
    engagement_path: str | Path | None = None,
    browser: Browser | None = None,
    progress: Callable[[str], None] | None = None,
    force: bool = False,
) -> Delivered:
    """The engagement pack (every report of the run in certification order, one contents) and its
    executive edition (the executive summaries of the organisation-wide reports), in ``out/pack/``;
    an edition whose reports are unchanged since it was bound is kept unless ``force``."""
    out = Path(out)
    run = Run.open(out)
    eng = load_engagement(run, engagement_path)
    parts = report_parts(run)
    if not parts:
        raise DeliverError(f"{out} holds no successful report to bind")
    known = _read_record(out)
    result = Delivered()
    slug = _slug(eng.organisation)
    own = browser is None
    browser = browser or Browser()
    try:
        for executive, name, title, edition in (
            (False, f"{slug}-engagement-pack", "ISO/IEC 42001 engagement pack", "Full edition"),
            (True, f"{slug}-executive-summary", "ISO/IEC 42001 engagement pack", "Executive edition"),
        ):
            t0 = time.perf_counter()
            # the board's edition: the organisation-wide reports (the per-system ones are in the full pack)
            bound = ([p for p in parts if p.name.endswith("/organisation")] or parts) if executive else parts
            target = out / PACK_DIR / f"{name}.pdf"
            made = fingerprint(eng, out, [p.html for p in bound], paper, "pdf")
            if not force and _current(out, target, made, known):
                result.skipped.append(name)
                if progress:
                    progress(f"{target.relative_to(out)}: its reports are unchanged, kept")
                continue
            subtitle = f"{len(bound)} reports · assessment date {eng.meta.assessment_date.isoformat()}"
            doc = _build(
                eng,
                bound,
                title=title,
                subtitle=subtitle,
                edition=edition,
                executive=executive,
                paper=paper,
                plotly_js=out / "assets" / "plotly.min.js",
            )
            printed = print_document(browser, doc, out / PRINT_DIR / f"{name}.html", eng, f"{title} ({edition})", paper)
            atomic_write_bytes(target, printed.pdf)
            result.files.append(target)
            result.made_from[target] = made
            total = time.perf_counter() - t0
            result.timings.append({"report": name, "pages": printed.pages, "seconds": round(total, 3)})
            if progress:
                progress(f"{target.relative_to(out)}: {plural(printed.pages, 'page')}, {total:.1f} s")
    finally:
        if own:
            browser.close()
        _write_deliverables(out, result)
    return result


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "engagement"


DELIVERABLES = "deliverables.json"


def _read_record(out: Path) -> dict[str, Any]:
    """``deliverables.json`` (empty when absent, unreadable or of another format version: every
    deliverable is then written again, which records them anew)."""
    return read_own_json(Path(out) / DELIVERABLES, DELIVERABLES_SCHEMA) or {}


def _write_deliverables(out: Path, result: Delivered) -> None:
    """Record what was written (merged with earlier calls): each file's sha256 and what it was
    made from (:func:`fingerprint`), which decides whether the next call may keep it."""
    from aimskit.engagement import sha256_file

    known = _read_record(out)
    files = known.get("files", {}) if isinstance(known.get("files"), dict) else {}
    made_from = known.get("made_from", {}) if isinstance(known.get("made_from"), dict) else {}
    for f in result.files:
        rel = f.relative_to(out).as_posix()
        files[rel] = sha256_file(f)
        made_from[rel] = result.made_from.get(f, {})
    data = {
        SCHEMA_KEY: DELIVERABLES_SCHEMA,
        "files": dict(sorted(files.items())),
        "made_from": dict(sorted(made_from.items())),
        "timings": result.timings or known.get("timings", []),
    }
    atomic_write_text(out / DELIVERABLES, json.dumps(data, indent=1) + "\n")


def read_deliverables(out: Path) -> dict[str, str]:
    """The deliverables recorded in ``out`` whose files are still there and still made from the
    report pages there now (relative path -> sha256): a PDF of a report executed again since is
    not listed (``aimskit pdf`` writes it again)."""
    from aimskit.engagement import sha256_file

    out = Path(out)
    known = _read_record(out)
    files = known.get("files", {}) if isinstance(known.get("files"), dict) else {}
    made_from = known.get("made_from", {}) if isinstance(known.get("made_from"), dict) else {}
    current: dict[str, str] = {}
    for rel, digest in files.items():
        if not (out / rel).is_file():
            continue
        sources = (made_from.get(rel) or {}).get("sources", {})
        if all((out / src).is_file() and sha256_file(out / src) == h for src, h in sources.items()):
            current[rel] = digest
    return current


def write_index(out: str | Path, engagement_path: str | Path | None = None) -> Path:
    """Write ``index.html`` again, with links to the PDF and Word files and the pack (and the
    section on the baseline run, when the run had one)."""
    from aimskit.results import compare, portfolio

    out = Path(out)
    run = Run.open(out)
    eng = load_engagement(run, engagement_path)
    target = out / "index.html"
    extra = compare.saved_index_section(run)
    html = portfolio.index_html(eng, run.manifest, deliverables=read_deliverables(out), extra=extra)
    atomic_write_text(target, html)
    return target
