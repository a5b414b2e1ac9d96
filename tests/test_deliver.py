"""Deliverables: PDF per report, engagement pack, executive edition, Word files, document control.

The PDF and Word tests drive the real headless Chromium and read the real files back (pdftotext,
pypdf, python-docx). They are skipped when Chromium is absent unless AIMSKIT_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from aimskit import batch, engagement
from aimskit.base import resources
from aimskit.present import report
from aimskit.results import portfolio
from aimskit.results.run import Run
from aimskit.ui.cli import cli

# ---------------------------------------------------------------------------------------------
# document control (no browser)


def _set_control(folder: Path, text: str) -> None:
    path = folder / "engagement.yaml"
    body = path.read_text(encoding="utf-8")
    body = re.sub(r"^document_control:\n(?:  .*\n|    .*\n)*", "", body, flags=re.M)
    path.write_text(body + text, encoding="utf-8")


def _messages(folder: Path) -> list[str]:
    from aimskit.steps import registry  # (what `aimskit validate` reports: the commentary's step names too)

    return [p.format() for p in registry.validate(folder)]


def test_example_document_control_is_read(example_copy):
    dc = engagement.load(example_copy).meta.document_control
    assert dc.status == "draft" and dc.version == "0.9" and dc.commentary["gap"].startswith("Brightwater")


def test_final_document_needs_an_approver_and_a_date(example_copy):
    _set_control(example_copy, "document_control:\n  version: '1.0'\n  status: final\n")
    found = [m for m in _messages(example_copy) if "final document" in m]
    assert len(found) == 2
    lines = (example_copy / "engagement.yaml").read_text().splitlines()
    line = next(i for i, t in enumerate(lines, 1) if t.strip() == "status: final")
    assert all(f"engagement.yaml:{line}:" in m for m in found), found


def test_bad_document_control_values_are_positioned(example_copy):
    _set_control(
        example_copy,
        "document_control:\n  status: approved\n  approval_date: 27/11/2026\n  commentary:\n    gapp: text\n",
    )
    msgs = _messages(example_copy)
    assert any("'approved' is not one of: draft, final" in m for m in msgs), msgs
    assert any("approval_date" in m and "YYYY-MM-DD" in m for m in msgs), msgs
    assert any("unknown step 'gapp'" in m and "did you mean 'gap'" in m for m in msgs), msgs
    lines = (example_copy / "engagement.yaml").read_text().splitlines()
    start = lines.index("document_control:") + 1
    found = [int(m_.group(1)) for m in msgs if (m_ := re.match(r".*engagement\.yaml:(\d+):\d+: ", m))]
    assert sorted(found) == [start + 1, start + 2, start + 4], msgs  # status, approval_date, the 'gapp' key


def test_commentary_steps_are_the_steps(example_copy, monkeypatch):
    """A commentary may name every registered step and nothing else; the names come from the registry
    (a step added there is accepted with no other change), not from a list in the engagement layer."""
    from aimskit.base.problems import InvalidEngagementError
    from aimskit.engagement import doccontrol
    from aimskit.steps import STEPS, Step, registry

    assert not hasattr(doccontrol, "STEP_NAMES"), "the step names are the registry's"
    _set_control(example_copy, "document_control:\n  commentary:\n" + "".join(f"    {s}: text\n" for s in STEPS))
    assert not [m for m in _messages(example_copy) if "AK223" in m]
    _set_control(example_copy, "document_control:\n  commentary:\n    extra: text\n")
    assert any("unknown step 'extra'" in m for m in _messages(example_copy))
    with pytest.raises(InvalidEngagementError, match="unknown step 'extra'"):
        batch.plan(engagement.load(example_copy), ["gap"])  # a run refuses it before anything runs
    monkeypatch.setitem(STEPS, "extra", Step("extra", "Extra", "extra.ipynb"))
    assert "extra" in registry.commentary_names()
    assert not [m for m in _messages(example_copy) if "AK223" in m]


def test_version_written_as_a_number_is_kept_as_text(example_copy):
    _set_control(example_copy, "document_control:\n  version: 2.0\n")
    assert engagement.load(example_copy).meta.document_control.version == "2.0"


def test_word_template_is_validated(example_copy):
    path = example_copy / "engagement.yaml"
    text = path.read_text().replace("  logo: logo.svg\n", "  logo: logo.svg\n  word_template: brand.docx\n")
    path.write_text(text)
    assert any("Word template 'brand.docx' not found" in m for m in _messages(example_copy))
    (example_copy / "brand.docx").write_text("not a zip")
    assert any("cannot be read as a .docx" in m for m in _messages(example_copy))
    import zipfile

    with zipfile.ZipFile(example_copy / "brand.docx", "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
        ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
        z.writestr("word/styles.xml", f'<w:styles {ns}><w:style><w:name w:val="Normal"/></w:style></w:styles>')
    msgs = [m for m in _messages(example_copy) if "lacks the style" in m]
    assert msgs and "Heading 1" in msgs[0] and "Normal," not in msgs[0]


def test_word_template_command_writes_a_valid_template(example_copy):
    pytest.importorskip("docx")
    result = CliRunner().invoke(cli, ["word-template", str(example_copy / "brand.docx")])
    assert result.exit_code == 0, result.output
    path = example_copy / "engagement.yaml"
    path.write_text(path.read_text().replace("  logo: logo.svg\n", "  logo: logo.svg\n  word_template: brand.docx\n"))
    assert not [m for m in _messages(example_copy) if "template" in m.lower() and "blank template" not in m]
    again = CliRunner().invoke(cli, ["word-template", str(example_copy / "brand.docx")])
    assert again.exit_code == 1 and "exists" in again.output


def test_title_block_shows_document_control_and_commentary(example_copy):
    eng = engagement.load(example_copy)
    html = report.title_block(eng, "Gap", "sub", step="gap").data
    assert "version 0.9, draft" in html and "Confidential - Brightwater" in html
    assert "Commentary from Fenwick Assurance Partners" in html and "Brightwater has the foundations" in html
    assert "Commentary" not in report.title_block(eng, "Gap", "sub").data  # a per-system report


def test_commentary_is_escaped(example_copy):
    _set_control(example_copy, "document_control:\n  commentary:\n    gap: <script>x</script> & more\n")
    html = report.title_block(engagement.load(example_copy), "Gap", step="gap").data
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt; &amp; more" in html


def test_missing_browser_is_a_clear_message(monkeypatch, tmp_path):
    from aimskit.deliver import browser

    monkeypatch.setenv("AIMSKIT_CHROMIUM", str(tmp_path / "nothing"))
    with pytest.raises(browser.BrowserUnavailable, match=r"AIMSKIT_CHROMIUM=.* is not an executable"):
        browser.find_chromium()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "manifest.json").write_text("{}")
    result = CliRunner().invoke(cli, ["pdf", str(tmp_path / "out")])
    assert result.exit_code == 1 and "is not an executable" in result.output


def test_pdf_of_a_folder_without_a_run_is_refused(tmp_path):
    if not shutil.which("chromium") and not os.environ.get("AIMSKIT_CHROMIUM"):
        pytest.skip("chromium not installed")
    result = CliRunner().invoke(cli, ["pdf", str(tmp_path)])
    assert result.exit_code == 1 and "no manifest.json" in result.output


# ---------------------------------------------------------------------------------------------
# PDF and Word, with the real browser


def _require_browser() -> None:
    from aimskit.deliver import browser

    try:
        browser.find_chromium()
        import choreographer  # noqa: F401
        import docx  # noqa: F401
        import pypdf  # noqa: F401
    except (browser.BrowserUnavailable, ImportError) as exc:
        if os.environ.get("AIMSKIT_REQUIRE_BROWSER"):
            pytest.fail(f"PDF tests need Chromium and the pdf extra (AIMSKIT_REQUIRE_BROWSER is set): {exc}")
        pytest.skip(str(exc))
    if not shutil.which("pdftotext"):
        if os.environ.get("AIMSKIT_REQUIRE_BROWSER"):
            pytest.fail("pdftotext (poppler-utils) is needed to read the PDFs back")
        pytest.skip("pdftotext not installed")


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """Four reports (gap and risk, organisation and one system) with their PDF and Word files, and the pack."""
    _require_browser()
    from aimskit.deliver import pdf
    from aimskit.deliver.browser import Browser

    base = tmp_path_factory.mktemp("deliver")
    eng = base / "example"
    shutil.copytree(resources.example_engagement(), eng)
    # one AI system in scope keeps this quick: gap and risk, organisation-wide and for credit-score
    systems = (eng / "systems.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [systems[0]] + [
        line if line.startswith("credit-score,") else re.sub(r",yes,", ",no,", line, count=1) for line in systems[1:]
    ]
    (eng / "systems.csv").write_text("".join(kept), encoding="utf-8")
    out = base / "out"
    result = batch.run(eng, steps=["gap", "risk"], out=out, jobs=2)
    assert result.ok
    with Browser() as browser:
        export = pdf.export(out, word=True, browser=browser)
        packed = pdf.pack(out, browser=browser)
    pdf.write_index(out)
    return out, export, packed


def _text(pdf_path: Path, first: int | None = None, last: int | None = None, layout: bool = True) -> str:
    """pdftotext's text (``layout``: lines as printed; without: in reading order, each table cell whole)."""
    args = ["pdftotext", "-layout"] if layout else ["pdftotext"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run([*args, str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _html_headers(html: Path) -> list[list[str]]:
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    return [[th.get_text(" ", strip=True) for th in t.select("thead th")] for t in soup.select("table.ak-table")]


def _page_words(path: Path) -> list[list[tuple[float, str]]]:
    """Per page, every word with the top of its box (pdftotext -bbox)."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [
        [
            (float(y0), html.unescape(w))
            for y0, w in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)<', p)
        ]
        for p in re.findall(r"<page .*?</page>", bbox, re.S)
    ]


def _header_row_printed(pages_words: list[list[tuple[float, str]]], headers: list[str]) -> bool:
    """Some page prints a header row holding every word of every column header: the words of the
    headers, found within 15 pt above and 30 pt below one occurrence of the first one (header
    cells wrap, and are centred vertically)."""
    needed = [w for h in headers for w in h.split()]
    for words in pages_words:
        for y, word in words:
            if word != needed[0]:
                continue
            band = {w for y1, w in words if y - 15 <= y1 <= y + 30}
            if all(w in band for w in needed):
                return True
    return False


def test_every_report_has_a_pdf_and_a_docx(delivered):
    out, export, _ = delivered
    names = {"gap/organisation", "gap/system-credit-score", "risk/organisation", "risk/system-credit-score"}
    assert {t["report"] for t in export.timings} == names
    for name in names:
        assert (out / f"{name}.pdf").is_file() and (out / f"{name}.docx").is_file()


@pytest.mark.parametrize("name", ["gap/organisation", "risk/organisation", "risk/system-credit-score"])
def test_pdf_carries_every_table_column_and_stays_in_the_page(delivered, name):
    import pypdf

    out, export, _ = delivered
    path = out / f"{name}.pdf"
    reader = pypdf.PdfReader(path)
    pages = len(reader.pages)
    assert pages == next(t["pages"] for t in export.timings if t["report"] == name)
    assert pages >= 8
    bbox = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages_words = _page_words(path)
    for headers in _html_headers(out / f"{name}.html"):
        assert _header_row_printed(pages_words, headers), f"a column header of {headers} is missing from {name}.pdf"
    # no word outside its page box (a clipped column would print beyond the right edge)
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', bbox, re.S):
        width, height = float(page.group(1)), float(page.group(2))
        for m in re.finditer(r'xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)"', page.group(3)):
            x0, y0, x1, y1 = map(float, m.groups())
            assert x0 >= 0 and y0 >= 0 and x1 <= width + 0.5 and y1 <= height + 0.5, (name, m.group(0))


def test_risk_register_is_on_landscape_pages(delivered):
    import pypdf

    out, _, _ = delivered
    path = out / "risk/organisation.pdf"
    reader = pypdf.PdfReader(path)
    landscape = [i + 1 for i, p in enumerate(reader.pages) if p.mediabox.width > p.mediabox.height]
    portrait = [i + 1 for i, p in enumerate(reader.pages) if p.mediabox.width < p.mediabox.height]
    assert landscape and portrait
    register = next(h for h in _html_headers(out / "risk/organisation.html") if "Residual" in h and "Status" in h)
    words = _page_words(path)
    assert _header_row_printed([words[p - 1] for p in landscape], register)


def test_cover_contents_and_running_header_footer(delivered):
    import pypdf

    out, _, _ = delivered
    path = out / "risk/organisation.pdf"
    reader = pypdf.PdfReader(path)
    n = len(reader.pages)
    cover = _text(path, 1)
    assert "Board and AI Governance Committee" in cover and "Document version" in cover and "Draft" in cover
    for page in (2, n // 2, n):
        text = _text(path, page)
        assert f"Page {page} of {n}" in text
        assert "Version 0.9 · Draft · Confidential - Brightwater" in text
        assert "Brightwater" in text.splitlines()[0] or "Brightwater" in text[:300]
    # the contents: each section's printed page number is the page its heading is on
    contents = _text(path, 2)
    named = reader.named_destinations
    checked = 0
    for line in contents.splitlines():
        m = re.match(r"\s*(\S.*?\S)\s{2,}(\d+)\s*$", line)
        if not m:
            continue
        title, number = m.group(1), int(m.group(2))
        assert title in _text(path, number), f"'{title}' is not on page {number}"
        checked += 1
    assert checked >= 6 and len(named) >= checked
    assert reader.outline  # PDF bookmarks


def test_charts_are_in_the_pdf(delivered):
    out, _, _ = delivered
    path = out / "gap/organisation.pdf"
    text = _text(path)
    html = (out / "gap/organisation.html").read_text(encoding="utf-8")
    titles = re.findall(r'"title":\{"font":\{"size":16\},(?:"pad":\{[^{}]*\},)?"text":"([^"]+)"', html)
    assert len(titles) >= 4
    for title in titles:
        assert _squash(title.replace("\\u00d7", "×")) in _squash(text), f"chart '{title}' missing"
    # the charts are vector drawings: the heat map page holds hundreds of path operations
    import pypdf

    reader = pypdf.PdfReader(path)
    page = next(i for i in range(len(reader.pages)) if "conformity per objective" in _text(path, i + 1))
    ops = reader.pages[page].get_contents().get_data().count(b" re")
    assert ops > 40


def test_heatmap_labels_do_not_overlap_the_title(delivered):
    """The heat map's title sits above its column labels (their vertical ranges do not meet)."""
    out, _, _ = delivered
    path = out / "gap/organisation.pdf"
    bbox = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    checked = 0
    for page in re.findall(r"<page .*?</page>", bbox, re.S):
        words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)<', page)
        if "conformity per objective" not in " ".join(w for _, _, w in words):
            continue
        checked += 1
        # the title's line: the words "per objective" side by side
        title = [
            (float(a), float(b))
            for (a, b, w), (a2, _, w2) in itertools.pairwise(words)
            if w == "per" and w2 == "objective" and a == a2
        ]
        label = [(float(a), float(b)) for a, b, w in words if w in ("Scoring", "Model")]  # the column label
        assert title and label
        assert max(b for _, b in title) <= min(a for a, _ in label) + 0.5
    assert checked == 1


def test_pack_binds_every_report_in_certification_order(delivered):
    import pypdf

    _, export, packed = delivered
    full, executive = packed.files
    reader = pypdf.PdfReader(full)
    report_pages = sum(t["pages"] for t in export.timings)
    assert len(reader.pages) >= report_pages - 4 * 2  # every report's pages, less their own covers and contents
    text = _text(full)
    gap, risk = text.index("ISO/IEC 42001 gap assessment"), text.index("AI risk assessment, treatment")
    assert gap < risk
    contents = _text(full, 2)
    assert "Contents" in contents and re.search(r"gap assessment: Organisation-wide.*\s(\d+)\s*$", contents, re.M)
    exec_reader = pypdf.PdfReader(executive)
    assert len(exec_reader.pages) <= 12 < len(reader.pages)
    exec_text = _text(executive)
    assert exec_text.count("Executive summary") == 2 and "Risk register" not in exec_text  # gap and risk
    assert "AI system: Consumer Credit Scoring" not in exec_text  # per-system reports: in the full pack only
    assert "Commentary from Fenwick Assurance Partners" in exec_text


def test_word_files_carry_headings_tables_and_charts(delivered):
    import docx

    out, _, _ = delivered
    for name in ("gap/organisation", "risk/organisation"):
        d = docx.Document(str(out / f"{name}.docx"))
        headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
        soup = BeautifulSoup((out / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
        for h2 in soup.select(".jp-MarkdownCell h2"):
            text = h2.get_text(" ", strip=True).replace("¶", "").strip()
            assert text in headings, f"heading '{text}' missing from {name}.docx"
        first_rows = [[c.text for c in t.rows[0].cells] for t in d.tables if t.rows]
        for headers in _html_headers(out / f"{name}.html"):
            assert headers in first_rows, f"table {headers[:3]} missing from {name}.docx"
        charts = len(soup.select(".plotly-graph-div"))
        assert len(d.inline_shapes) == charts > 0
        assert d.core_properties.version == "0.9" and d.core_properties.category == "Draft"
        footer = d.sections[0].footer.paragraphs[-1]._p.xml
        assert "NUMPAGES" in footer and "Confidential - Brightwater" in footer


def test_index_links_the_deliverables_and_carries_the_branding(delivered):
    out, _, packed = delivered
    html = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="gap/organisation.pdf"' in html and 'href="risk/system-credit-score.docx"' in html
    assert f'href="pack/{packed.files[0].name}"' in html
    assert "Prepared for Board and AI Governance Committee" in html and 'class="ak-logo"' in html


def test_index_without_deliverables_has_no_dead_links(example_copy):
    eng = engagement.load(example_copy)
    manifest = {
        "parameters": {"steps": ["gap"]},
        "reports": [],
        "status": "ok",
        "aimskit_version": "x",
        "catalog_version": "y",
        "started": "s",
        "finished": "f",
    }
    html = portfolio.index_html(eng, manifest)
    assert ".pdf" not in html and "Engagement pack" not in html and "version 0.9, draft" in html


def test_word_with_a_consultant_template(delivered, tmp_path):
    """A consultant's template: its styles and boilerplate are kept, the report follows."""
    import docx

    from aimskit.deliver import pdf, word

    out, _, _ = delivered
    eng_path = tmp_path / "eng"
    shutil.copytree(resources.example_engagement(), eng_path)
    template = docx.Document()
    template.add_paragraph("Fenwick boilerplate: terms of engagement", style="Normal")
    template.styles["Heading 1"].font.name = "Georgia"
    template.save(str(eng_path / "brand.docx"))
    yaml_path = eng_path / "engagement.yaml"
    yaml_path.write_text(
        yaml_path.read_text().replace("  logo: logo.svg\n", "  logo: logo.svg\n  word_template: brand.docx\n")
    )
    eng = engagement.load(eng_path)
    (part,) = pdf.report_parts(Run.open(out), only=["gap/organisation"])
    d = docx.Document(io.BytesIO(word.report_docx(eng, part, {})))
    assert d.paragraphs[0].text == "Fenwick boilerplate: terms of engagement"
    assert d.styles["Heading 1"].font.name == "Georgia"
    assert any(p.style.name == "Heading 1" and p.text == "Executive summary" for p in d.paragraphs)


def test_cover_has_no_running_header_or_footer(delivered):
    """The cover is page 1 of the count (the contents say so) but carries no header or footer."""
    import pypdf

    out, _, packed = delivered
    for path in (out / "risk/organisation.pdf", out / "gap/system-credit-score.pdf", *packed.files):
        n = len(pypdf.PdfReader(path).pages)
        cover = _text(path, 1)
        assert "Page 1 of" not in cover and "Version 0.9 · Draft · Confidential" not in cover, path.name
        assert "Document version" in cover and "CONFIDENTIAL" in cover  # the cover's own content stays
        assert f"Page 2 of {n}" in _text(path, 2), path.name
    # the outline and the contents' links still lead to their pages
    reader = pypdf.PdfReader(out / "risk/organisation.pdf")
    assert reader.outline and reader.named_destinations


def _landscape_pages(path: Path) -> set[int]:
    import pypdf

    return {i + 1 for i, p in enumerate(pypdf.PdfReader(path).pages) if p.mediabox.width > p.mediabox.height}


def test_wide_table_keeps_its_heading_on_its_landscape_page(delivered):
    """No section heading is left alone at the foot of the portrait page before its landscape table."""
    import pypdf

    out, _, _ = delivered
    path = out / "risk/organisation.pdf"
    landscape = _landscape_pages(path)
    n = len(pypdf.PdfReader(path).pages)
    checked = 0
    for heading, column in (("Risk register", "Inherent"), ("Risk treatment plan", "Residual accepted by")):
        pages = [p for p in range(3, n + 1) if heading in [line.strip() for line in _text(path, p).splitlines()]]
        assert pages, heading
        for page in pages:
            assert page in landscape, f"'{heading}' is on portrait page {page}, its table on landscape pages"
            assert column in _text(path, page), f"'{heading}' on page {page} without its table"
            checked += 1
    assert checked == 2
    # and moving the headings left no page empty (more than the running header and footer on each)
    for page in range(2, n + 1):
        assert len([t for t in _text(path, page).splitlines() if t.strip()]) > 2, f"page {page} is empty"


def test_pdf_and_word_follow_their_reports(delivered, tmp_path):
    """Unchanged reports keep their PDF and Word files; a report executed again gets new ones, and
    until then the index does not link its out-of-date files."""
    from aimskit.deliver import pdf
    from aimskit.deliver.browser import Browser

    base, _, _ = delivered
    eng, out = tmp_path / "example", tmp_path / "out"
    shutil.copytree(base.parent / "example", eng)
    shutil.copytree(base, out)
    before = {f: f.read_bytes() for f in itertools.chain(out.rglob("*.pdf"), out.rglob("*.docx"))}
    with Browser() as browser:
        again = pdf.export(out, word=True, engagement_path=eng, browser=browser)
        packed = pdf.pack(out, engagement_path=eng, browser=browser)
    assert again.files == [] and packed.files == []
    assert sorted(again.skipped) == sorted(p.name for p in pdf.report_parts(Run.open(out)))
    assert len(packed.skipped) == 2
    assert all(f.read_bytes() == data for f, data in before.items())

    risks = eng / "risks.csv"
    text = risks.read_text(encoding="utf-8")
    assert "Score drift after a change in the applicant mix" in text
    risks.write_text(text.replace("after a change in the applicant mix", "after a broker surge"), encoding="utf-8")
    pages = {f.relative_to(out).with_suffix("").as_posix(): f.read_bytes() for f in out.glob("*/*.html")}
    result = batch.run(eng, steps=["gap", "risk"], out=out, jobs=2)
    assert result.ok
    changed = {name for name, data in pages.items() if (out / f"{name}.html").read_bytes() != data}
    kept = {r.name for r in result.reports} - changed
    assert "risk/organisation" in changed and "gap/organisation" in kept  # (reports are deterministic)
    listed = pdf.read_deliverables(out)
    assert "risk/organisation.pdf" not in listed and "gap/organisation.pdf" in listed  # not linked while stale
    assert not any(k.startswith("pack/") for k in listed)  # the pack binds the changed report

    with Browser() as browser:
        third = pdf.export(out, word=True, browser=browser)
        packed = pdf.pack(out, browser=browser)
    rewritten = {f.relative_to(out).with_suffix("").as_posix() for f in third.files}
    assert rewritten == changed and set(third.skipped) == kept
    assert _squash("Score drift after a broker surge") in _squash(_text(out / "risk/organisation.pdf"))
    assert (out / "gap/organisation.pdf").read_bytes() == before[out / "gap/organisation.pdf"]
    assert len(packed.files) == 2  # the full edition and the executive one bind risk/organisation
    listed = pdf.read_deliverables(out)
    assert set(listed) >= {"risk/organisation.pdf", "risk/organisation.docx", "gap/organisation.pdf"}
    with Browser() as browser:
        assert pdf.export(out, word=True, browser=browser, force=True).files  # --force writes them all again


def test_writing_the_index_keeps_the_baseline_section(delivered, tmp_path):
    """aimskit run --pdf --baseline OLD: the index written again with the PDF links keeps the comparison."""
    from aimskit.deliver import pdf
    from aimskit.results import compare

    base, _, _ = delivered
    out = tmp_path / "out"
    shutil.copytree(base, out)
    eng = engagement.load(base.parent / "example")
    compare.with_baseline(base, eng, out)
    assert "Changes since the baseline run" in (out / "index.html").read_text(encoding="utf-8")
    pdf.write_index(out)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Changes since the baseline run" in index and 'href="compare.html"' in index
    assert 'href="risk/organisation.pdf"' in index
    # a compare.json left by an earlier run into the folder is not shown for this one
    data = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    data["new"]["started"] = "2000-01-01T00:00:00"
    (out / "compare.json").write_text(json.dumps(data), encoding="utf-8")
    pdf.write_index(out)
    assert "Changes since the baseline run" not in (out / "index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# the deliverable commands' exit codes (those of aimskit/ui/cli.py: 0 ok, 1 problems, 2 usage, never 3)


def _fake_run(tmp_path: Path, example_copy: Path, html_text: str) -> Path:
    out = tmp_path / "out"
    (out / "gap").mkdir(parents=True)
    (out / "gap" / "organisation.html").write_text(html_text, encoding="utf-8")
    manifest = {
        "engagement": {"path": str(example_copy)},
        "parameters": {"steps": ["gap"]},
        "reports": [
            {
                "step": "gap",
                "name": "gap/organisation",
                "scope_id": None,
                "status": "ok",
                "files": {"html": "gap/organisation.html"},
            }
        ],
    }
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return out


def test_deliver_raises_instead_of_exiting(tmp_path, monkeypatch):
    """The library call behind the commands raises aimskit's errors (no sys.exit inside a library)."""
    from aimskit.base.problems import AimskitError
    from aimskit.deliver.browser import BrowserUnavailable
    from aimskit.deliver.cli import deliver

    monkeypatch.setenv("AIMSKIT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(BrowserUnavailable) as caught:
        deliver(tmp_path, pdf=True, word=False, pack=False)
    assert isinstance(caught.value, AimskitError)


@pytest.mark.parametrize("command", ["pdf", "pack", "word"])
def test_deliver_commands_missing_browser_exit_1(tmp_path, monkeypatch, command):
    monkeypatch.setenv("AIMSKIT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    result = CliRunner().invoke(cli, [command, str(tmp_path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    assert "error: AIMSKIT_CHROMIUM=" in result.stderr and "Traceback" not in result.output


def test_deliver_command_on_a_page_that_is_not_a_report_exits_1(tmp_path, example_copy):
    _require_browser()
    out = _fake_run(tmp_path, example_copy, "<html><body><p>edited by hand</p></body></html>")
    result = CliRunner().invoke(cli, ["pdf", str(out)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    assert "is not an aimskit report page" in result.stderr


def test_deliver_command_with_an_unknown_step_is_a_usage_error(tmp_path, example_copy):
    _require_browser()
    out = _fake_run(tmp_path, example_copy, "<html><body><main></main></body></html>")
    result = CliRunner().invoke(cli, ["pdf", str(out), "--step", "rsik"])
    assert result.exit_code == 2, (result.output, result.exception)
    assert "step 'rsik' has no report" in result.stderr


def test_deliver_command_on_an_invalid_engagement_lists_its_problems(tmp_path, example_copy):
    _require_browser()
    out = _fake_run(tmp_path, example_copy, "<html><body><main></main></body></html>")
    _set_control(example_copy, "document_control:\n  status: finished\n")
    result = CliRunner().invoke(cli, ["pdf", str(out)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    assert "engagement.yaml:" in result.output and "problem" in result.stderr


def test_executive_edition_of_a_report_without_an_executive_summary_keeps_its_first_section():
    """The readiness report opens with its verdict, not an 'Executive summary': the board edition
    shows the verdict instead of a bare title."""
    from aimskit.deliver import document

    page = (
        '<main><div class="jp-Cell jp-CodeCell"><div class="ak-title"><h1>Readiness</h1></div></div>'
        '<div class="jp-Cell jp-MarkdownCell"><h2 id="verdict">Verdict</h2></div>'
        '<div class="jp-Cell jp-CodeCell"><p>Not ready for stage 1</p></div>'
        '<div class="jp-Cell jp-MarkdownCell"><h2 id="docs">Mandatory documented information</h2></div>'
        '<div class="jp-Cell jp-CodeCell"><p>every document</p></div></main>'
    )
    cells = BeautifulSoup(page, "html.parser").find("main").find_all("div", class_="jp-Cell", recursive=False)
    kept = [c.get_text(" ", strip=True) for c in document._executive_cells(cells)]
    assert kept == ["Readiness", "Verdict", "Not ready for stage 1"]
    # the summary is the section with the headline figures, whatever its heading says
    with_figures = page.replace("<p>every document</p>", '<div class="ak-kpis">3 documents missing</div>')
    with_figures = with_figures.replace(">Verdict<", ">Executive summary<")
    cells = BeautifulSoup(with_figures, "html.parser").find("main").find_all("div", class_="jp-Cell", recursive=False)
    kept = [c.get_text(" ", strip=True) for c in document._executive_cells(cells)]
    assert kept == ["Readiness", "Mandatory documented information", "3 documents missing"]


def test_executive_edition_never_leaves_a_report_title_alone_at_a_page_foot(delivered):
    _, _, packed = delivered
    executive = packed.files[1]
    import pypdf

    for page in range(3, len(pypdf.PdfReader(executive).pages) + 1):
        text = _text(executive, page)
        for title in ("ISO/IEC 42001 gap assessment", "AI risk assessment, treatment"):
            if title in text:
                assert "Executive summary" in text[text.index(title) :], f"'{title}' alone on page {page}"


def test_landscape_tables_keep_words_whole(delivered):
    """A table on a landscape page has the room to keep its words whole ('Generativ' / 'e AI' was
    printed in the AI systems table): only a table too wide even for landscape breaks inside words."""
    out, _, _ = delivered
    words = [w for page in _page_words(out / "gap/organisation.pdf") for _, w in page]
    assert "Generative" in words and "Generativ" not in words
