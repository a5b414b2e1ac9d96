"""Plotly rendering set-up for report notebooks.

plotly >= 6 shows figures in a kernel with the ``plotly_mimetype`` renderer only, which
nbconvert cannot render: the HTML report would have no charts. We add an HTML renderer that
emits the figure's div and script *without* plotly.js; the report template supplies plotly.js
once (inline, or one shared file beside the reports), so charts work offline. JupyterLab still
uses the interactive mime renderer. Div ids are derived from the figure content, so rendering
the same report twice gives the same HTML.
"""

from __future__ import annotations

import hashlib
import json

import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer  # stable since plotly 4; major pinned

RENDERER = "aimskit_report"


class ReportHtmlRenderer(MimetypeRenderer):
    """``text/html`` output without plotly.js and with a deterministic div id."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def to_mimebundle(self, fig_dict):
        digest = hashlib.sha256(json.dumps(fig_dict, sort_keys=True, default=str).encode()).hexdigest()[:12]
        n = self.seen.get(digest, 0)
        self.seen[digest] = n + 1
        div_id = f"ak-fig-{digest}-{n}"
        html = pio.to_html(
            fig_dict,
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            default_width="100%",
            default_height=fig_dict.get("layout", {}).get("height", 480),
            validate=False,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True},
        )
        return {"text/html": html}


def install_renderer() -> None:
    pio.renderers[RENDERER] = ReportHtmlRenderer()
    pio.renderers.default = f"plotly_mimetype+{RENDERER}"
