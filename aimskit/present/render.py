"""Render an executed notebook to a report HTML page, in-process, with code hidden.

plotly.js is supplied once per page by the ``aimskit`` nbconvert template: either as a
``<script src>`` to one shared copy beside the reports (``assets/plotly.min.js``), or inline
for a single self-contained file. Never from a CDN: reports must open offline.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

# (importing any aimskit module first runs aimskit/__init__.py, which blocks the slow rfc3987_syntax import)
import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

import aimskit
from aimskit.base import resources
from aimskit.base.fileio import atomic_write_bytes, atomic_write_text

REMOVE_CELL_TAGS = {"remove_cell", "parameters", "injected-parameters"}
PLOTLY_ASSET = Path("assets") / "plotly.min.js"


def plotly_js_path() -> Path:
    import plotly
    from plotly.offline import get_plotlyjs_version  # noqa: F401  (ensures plotly is installed)

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@functools.lru_cache(maxsize=1)
def _plotly_js() -> str:
    return plotly_js_path().read_text(encoding="utf-8")


_SCRIPT = re.compile(r"(<script\b.*?</script\s*>)", re.S | re.I)
_FOCUSABLE = re.compile(
    r'<div\b(?=[^>]*\sclass="(?:[^"]*\s)?(?:jp-OutputArea-output|jp-Cell-inputWrapper)[\s"])[^>]*?(?=/?>)'
)
_IMG = re.compile(r"<img\b(?![^>]*\salt=)[^>]*?(?=/?>)", re.I)
NO_ALT = "No description has been provided for this image"


def _accessible(html: str) -> str:
    """What nbconvert's HTMLExporter adds after rendering, without parsing the page: ``tabindex="0"``
    on every cell's input wrapper and output area (keyboard focus) and an ``alt`` text on every
    image without one. nbconvert parses and re-serialises the whole page with BeautifulSoup for it
    (about 60% of a report's rendering time); the page is the same but for that serialisation
    (entities as the template wrote them). Script bodies are left alone."""
    parts = _SCRIPT.split(html)
    for i in range(0, len(parts), 2):  # the even parts are outside <script> elements
        text = _FOCUSABLE.sub(lambda m: m.group(0) + ' tabindex="0"', parts[i])
        parts[i] = _IMG.sub(lambda m: m.group(0) + f' alt="{NO_ALT}"', text)
    return "".join(parts)


class ReportExporter(HTMLExporter):
    """nbconvert's HTML exporter without the BeautifulSoup pass over the rendered page (see :func:`_accessible`)."""

    def from_notebook_node(  # type: ignore[override]
        self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, Any]:
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter(
            "highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        )
        resources = self._init_resources(resources)
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
        )
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _accessible(html), resources


@functools.lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    c = Config()
    c.TemplateExporter.extra_template_basedirs = [str(resources.nbconvert_templates())]
    c.HTMLExporter.template_name = "aimskit"
    c.TemplateExporter.exclude_input = True
    c.TemplateExporter.exclude_input_prompt = True
    c.TemplateExporter.exclude_output_prompt = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = REMOVE_CELL_TAGS
    c.HTMLExporter.embed_images = True
    return ReportExporter(config=c)


def install_plotly_asset(out_root: Path) -> Path:
    """Copy plotly.min.js into ``out_root/assets`` once (atomically); returns its path."""
    target = Path(out_root) / PLOTLY_ASSET
    source = plotly_js_path()
    if not target.is_file() or target.stat().st_size != source.stat().st_size:
        atomic_write_bytes(target, source.read_bytes())
    return target


def render_html(
    nb: Any,
    html_path: Path,
    *,
    title: str,
    plotly_src: str | None = None,
    colour: str = "#1F4E79",
    footer: str = "",
    error: str | None = None,
) -> Path:
    """Render notebook ``nb`` (a NotebookNode or a path) to ``html_path``.

    ``plotly_src`` is the relative URL of the shared plotly.js; ``None`` inlines it. ``error``
    puts a banner at the top saying the report did not complete, and why.
    """
    body = render_html_text(nb, title=title, plotly_src=plotly_src, colour=colour, footer=footer, error=error)
    atomic_write_text(Path(html_path), body)
    return Path(html_path)


def render_html_text(
    nb: Any,
    *,
    title: str,
    plotly_src: str | None = None,
    colour: str = "#1F4E79",
    footer: str = "",
    error: str | None = None,
) -> str:
    """The report page of notebook ``nb`` as text (see :func:`render_html`)."""
    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.read(str(nb), as_version=4)
    nb = _strip_plotly_mime(nb)
    nb.metadata["title"] = title
    res: dict[str, Any] = {
        "metadata": {"name": title},
        "aimskit_colour": colour,
        "aimskit_footer": footer or f"Generated by aimskit {aimskit.__version__}",
        "aimskit_error": error,
    }
    if plotly_src:
        res["aimskit_plotly_src"] = plotly_src
    else:
        res["aimskit_plotly_inline"] = _plotly_js()
    body, _ = _exporter().from_notebook_node(nb, resources=res)
    return body


def _strip_plotly_mime(nb: Any) -> Any:
    """Drop the plotly mime bundle nbconvert cannot show (the text/html twin is kept)."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data and "application/vnd.plotly.v1+json" in data and "text/html" in data:
                del data["application/vnd.plotly.v1+json"]
    return nb


def relative_src(html_path: Path, out_root: Path) -> str:
    """URL of the shared plotly.js relative to a report page."""
    rel = os.path.relpath(Path(out_root) / PLOTLY_ASSET, Path(html_path).parent)
    return Path(rel).as_posix()
