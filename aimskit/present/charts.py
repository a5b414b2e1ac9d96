"""Plotly figures for the reports. Each function takes computed DataFrames and returns a figure;
nothing here computes a metric (see :mod:`aimskit.steps`)."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from aimskit.base.vocab import MATURITY_LEVELS, STATUS_LABELS, STATUSES

STATUS_COLOURS = {
    "compliant": "#2E7D32",
    "partially_compliant": "#F2A900",
    "non_compliant": "#C62828",
    "not_applicable": "#9E9E9E",
    "not_assessed": "#CFD8DC",
}
FONT = "Segoe UI, Helvetica Neue, Arial, sans-serif"


def _legend_names(fig: go.Figure) -> list[str]:
    return [str(t.name or "") for t in fig.data if t.type != "heatmap" and t.showlegend is not False]


def _layout(fig: go.Figure, title: str, height: int, bottom: int = 40) -> go.Figure:
    """Shared layout: the title at the top pushing the plot down as it needs (automargin), the
    legend, when there is one, at the bottom of the figure under the axis title. A legend placed
    above the plot overlaps the title as soon as the chart is narrower than both, as on a
    printed page; at the bottom it wraps into as many rows as it needs, counted here."""
    names = _legend_names(fig)
    legend = len(names) > 1
    rows = 0
    if legend:  # about 7 px per character plus 40 px per item, on a 650 px printed width
        rows = math.ceil(sum(7 * len(n) + 40 for n in names) / 650)
    fig.update_layout(
        # (pad: a clear gap between the title and the first bar or tick label under it, which touched it)
        title={
            "text": title,
            "x": 0,
            "xanchor": "left",
            "font": {"size": 16},
            "automargin": True,
            "yref": "paper",
            "y": 1,
            "yanchor": "bottom",
            "pad": {"b": 14},
        },
        height=height + 24 * rows,
        margin={"l": 10, "r": 10, "t": 40, "b": bottom + 24 * rows + (10 if legend else 0)},
        font={"family": FONT, "size": 12},
        plot_bgcolor="white",
        paper_bgcolor="white",
        showlegend=legend,
        legend={
            "orientation": "h",
            "yref": "container",
            "yanchor": "bottom",
            "y": 0,
            "xanchor": "left",
            "x": 0,
            "traceorder": "normal",
        },
    )
    return fig


def _literal(text: Any) -> str:
    """User or catalog text placed in a plotly hover template, shown as written: HTML-escaped, and
    ``%`` written as an entity so that text holding ``%{y}`` is never read as a template field."""
    return html.escape(str(text)).replace("%", "&#37;")


def _label(row: pd.Series, width: int = 40) -> str:
    """A clause's or objective's ID and full title, wrapped over lines (never cut: the whole title
    shows on the axis and on hover)."""
    return _wrap(f"{row['group_id']} {row['group_title']}", width)


def status_bars(by_group: pd.DataFrame, title: str) -> go.Figure:
    """Stacked horizontal bars: share of each status per clause or objective."""
    labels = [_label(r) for _, r in by_group.iterrows()]
    fig = go.Figure()
    for status in STATUSES:
        fig.add_bar(
            y=labels,
            x=by_group[f"share_{status}"],
            name=STATUS_LABELS[status],
            orientation="h",
            marker_color=STATUS_COLOURS[status],
            customdata=by_group[[status, "total"]].to_numpy(),
            hovertemplate="%{y}<br>"
            + _literal(STATUS_LABELS[status])
            + ": %{customdata[0]} of %{customdata[1]} (%{x:.0f}%)<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(range=[0, 100], ticksuffix="%", gridcolor="#eeeeee", title="share of requirements")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=120 + 34 * len(labels))


def maturity_vs_target(mat: pd.DataFrame, title: str) -> go.Figure:
    """Mean maturity (bars) against mean target (markers) per clause or objective."""
    labels = [_label(r) for _, r in mat.iterrows()]
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=mat["mean_maturity"],
        name="Mean maturity",
        marker_color="#1F4E79",
        customdata=mat[["assessed", "below_target"]].to_numpy(),
        hovertemplate="%{x}<br>mean maturity %{y:.2f} over %{customdata[0]} assessed"
        "<br>%{customdata[1]} below target<extra></extra>",
    )
    fig.add_scatter(
        x=labels,
        y=mat["mean_target"],
        name="Target",
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 30, "line": {"width": 3, "color": "#C62828"}},
        hovertemplate="%{x}<br>mean target %{y:.2f}<extra></extra>",
    )
    fig.update_yaxes(
        range=[0, 5.2],
        tickvals=list(MATURITY_LEVELS),
        ticktext=[f"{k} {v}" for k, v in MATURITY_LEVELS.items()],
        gridcolor="#eeeeee",
    )
    fig.update_xaxes(tickangle=-30, automargin=True)
    # (room for the angled labels and the legend under them: automargin does not add the two)
    return _layout(fig, title, height=520, bottom=150)


def _wrap(text: str, width: int = 22) -> str:
    """Escape a user-provided label (plotly reads a subset of HTML in text) and break it over
    lines with <br>."""
    words, lines, line = html.escape(str(text)).split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


#: Width (CSS pixels) a heat map's columns share on a printed page, after the row labels and the colour bar.
HEATMAP_COLUMNS_PX = 340


def _column_chars(n: int) -> int:
    """Characters per line of a heat map's column label, so that ``n`` labels do not overlap on a page."""
    return max(7, min(22, int(HEATMAP_COLUMNS_PX / max(n, 1) / 7)))


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def system_heatmap(heat: pd.DataFrame, titles: dict[str, str], system_names: dict[str, str], title: str) -> go.Figure:
    """Conformity score per Annex A objective x AI system."""
    z = heat.to_numpy(dtype=float)
    chars = _column_chars(len(heat.columns))
    return _percent_heatmap(
        z,
        x=[_wrap(system_names.get(c, c), chars) for c in heat.columns],
        y=[html.escape(_short(f"{r} {titles.get(r, '')}")) for r in heat.index],
        text=[["n/a" if math.isnan(v) else f"{v:.0f}%" for v in row] for row in z],
        scale=_Scale([[0, "#C62828"], [0.5, "#F2A900"], [1, "#2E7D32"]], "conformity", "conformity %{text}"),
        title=title,
        row_height=40,
    )


@dataclass(frozen=True)
class _Scale:
    """A heat map's colour scale: its colours, the title of its colour bar, what hovering a cell says."""

    colours: list
    title: str
    hover: str


def _percent_heatmap(
    z: Any,
    x: list[str],
    y: list[str],
    text: list[list[str]],
    scale: _Scale,
    title: str,
    row_height: int,
) -> go.Figure:
    """A 0-100% heat map with the value written in each cell and the column labels on top."""
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=y,
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=100,
            colorscale=scale.colours,
            colorbar={"title": {"text": scale.title, "side": "top"}, "ticksuffix": "%", "thickness": 12},
            hovertemplate="%{y}<br>%{x}<br>" + scale.hover + "<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top", tickangle=0, tickfont={"size": 11}, automargin=True)
    lines = max((label.count("<br>") + 1 for label in x), default=1)
    fig = _layout(fig, title, height=160 + 16 * lines + row_height * len(y))
    # the title at the top of the figure, the column labels under it: their room is reserved
    fig.update_layout(
        margin={"t": 56 + 15 * lines},
        title={"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 8}, "automargin": False},
    )
    return fig


def risk_matrix(
    c: Any,
    title: str,
    counts: pd.DataFrame | None = None,
    hover: pd.DataFrame | None = None,
) -> go.Figure:
    """The criteria's matrix coloured by band; with ``counts`` (same shape as
    :func:`aimskit.engagement.criteria.matrix_frame`) each cell shows how many items fall in it and
    ``hover`` (same shape, text) lists them."""
    from aimskit.engagement import criteria

    bands = criteria.matrix_frame(c)
    scores = criteria.score_frame(c)
    n = len(c.bands)
    z = [[c.rank(b) for b in row] for row in bands.to_numpy()]
    scale = []
    for k, band in enumerate(c.bands):
        scale += [[k / n, band.colour], [(k + 1) / n, band.colour]]
    if counts is None:
        text = [[str(s) for s in row] for row in scores.to_numpy()]
    else:
        text = [[str(int(v)) if v else "" for v in row] for row in counts.to_numpy()]
    labels = {b.id: html.escape(b.label) for b in c.bands}
    info = [
        [
            f"{labels[b]} (score {s})"
            + ("" if hover is None else "<br>" + html.escape(str(hover.iloc[i, j] or "")).replace("\n", "<br>"))
            for j, (b, s) in enumerate(zip(brow, srow, strict=True))
        ]
        for i, (brow, srow) in enumerate(zip(bands.to_numpy(), scores.to_numpy(), strict=True))
    ]
    x = [f"{v} {html.escape(c.impact.label(v))}" for v in bands.columns]
    y = [f"{v} {html.escape(c.likelihood.label(v))}" for v in bands.index]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=y,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 15, "color": "white"},
            customdata=info,
            zmin=-0.5,
            zmax=n - 0.5,
            colorscale=scale,
            showscale=False,
            hovertemplate=f"{_literal(c.likelihood.name)} %{{y}}<br>{_literal(c.impact.name)} %{{x}}"
            "<br>%{customdata}<extra></extra>",
            xgap=3,
            ygap=3,
        )
    )
    fig.update_xaxes(title=html.escape(c.impact.name), side="bottom")
    fig.update_yaxes(title=html.escape(c.likelihood.name), autorange="reversed")  # highest likelihood on top
    return _layout(fig, title, height=120 + 70 * len(y))


def level_bars(table: pd.DataFrame, key: str, c: Any, title: str, labels: dict[str, str] | None = None) -> go.Figure:
    """Horizontal bars stacked by band: one bar per value of ``key`` (from
    :func:`aimskit.steps.risk.by_dimension`), coloured with the criteria's band colours."""
    names = [_wrap((labels or {}).get(v, v), 40).replace("<br>", " ") for v in table[key]]
    fig = go.Figure()
    for band in c.bands:
        fig.add_bar(
            y=names,
            x=table[band.id],
            name=html.escape(band.label),
            orientation="h",
            marker_color=band.colour,
            hovertemplate="%{y}<br>" + _literal(band.label) + ": %{x}<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="number of risks", gridcolor="#eeeeee", dtick=1 if table["total"].max() <= 10 else None)
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=130 + 30 * max(len(names), 2))


def before_after(levels: pd.DataFrame, c: Any, title: str) -> go.Figure:
    """Number of items per band before (inherent) and after (residual) treatment."""
    fig = go.Figure()
    for col, name, colour in (
        ("inherent", "Inherent (before treatment)", "#90A4AE"),
        ("residual", "Residual (after treatment)", "#1F4E79"),
    ):
        fig.add_bar(
            x=[html.escape(lb) for lb in levels["label"]],
            y=levels[col],
            name=name,
            marker_color=colour,
            text=levels[col],
            textposition="outside",
            hovertemplate=_literal(name) + " %{x}: %{y}<extra></extra>",
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="number of risks", gridcolor="#eeeeee")
    return _layout(fig, title, height=380)


GRADE_COLOURS = {
    "major_nonconformity": "#8E0000",
    "minor_nonconformity": "#C62828",
    "observation": "#F2A900",
    "opportunity_for_improvement": "#1F4E79",
    "good_practice": "#2E7D32",
}


def findings_by_group(by_group: pd.DataFrame, labels: dict[str, str], title: str) -> go.Figure:
    """Stacked horizontal bars: number of findings per clause / objective and grade."""
    ylabels = [_label(r) for _, r in by_group.iterrows()]
    fig = go.Figure()
    for grade, label in labels.items():
        fig.add_bar(
            y=ylabels,
            x=by_group[grade],
            name=label,
            orientation="h",
            marker_color=GRADE_COLOURS[grade],
            hovertemplate="%{y}<br>" + _literal(label) + ": %{x}<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(gridcolor="#eeeeee", title="findings", dtick=1)
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=140 + 34 * max(len(ylabels), 1))


def coverage_heatmap(cov: pd.DataFrame, columns: dict[str, str], title: str) -> go.Figure:
    """Share of each clause's / objective's requirements in each audit's scope (0-100%)."""
    z = cov[list(columns)].to_numpy(dtype=float)
    return _percent_heatmap(
        z,
        x=[_wrap(c, _column_chars(len(columns))) for c in columns.values()],
        y=[_label(r) for _, r in cov.iterrows()],
        text=[[f"{v:.0f}%" for v in row] for row in z],
        scale=_Scale(
            [[0, "#F4F6F8"], [0.01, "#DCE6F0"], [1, "#1F4E79"]], "in scope", "%{text} of the requirements in scope"
        ),
        title=title,
        row_height=30,
    )


PARTY_COLOURS = {"individual": "#1F4E79", "group": "#5B9BD5", "society": "#F2A900", "environment": "#2E7D32"}


def impact_bars(counts: pd.DataFrame, title: str) -> go.Figure:
    """Horizontal stacked bars: number of impacts per area (rows of ``counts``), one colour per
    affected party (columns of ``counts``)."""
    fig = go.Figure()
    for party in counts.columns:
        fig.add_bar(
            y=[html.escape(str(a)) for a in counts.index],
            x=counts[party],
            name=html.escape(str(party)),
            orientation="h",
            marker_color=PARTY_COLOURS.get(str(party), "#9E9E9E"),
            hovertemplate="%{y}<br>" + _literal(party) + ": %{x}<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="number of impacts", gridcolor="#eeeeee", dtick=1)
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=140 + 34 * max(len(counts.index), 1))


PLAN_COLOURS = {"overdue": "#C62828", "late": "#EF6C00", "in time": "#1F4E79", "phase": "#9DB7D5"}


def certification_timeline(
    bars: pd.DataFrame, milestones: pd.DataFrame, as_of: Any, title: str, row_height: int = 20
) -> go.Figure:
    """A Gantt-style chart to the certificate. ``bars``: label (one line), start, end (dates), state
    (overdue / late / in time / phase), hover; ``milestones``: title, date (the stage audits)."""
    fig = go.Figure()
    day_ms = 86_400_000
    for state, colour in PLAN_COLOURS.items():
        part = bars[bars["state"] == state]
        if part.empty:
            continue
        fig.add_bar(
            y=[html.escape(str(x)) for x in part["label"]],
            base=[d.isoformat() for d in part["start"]],
            x=[max(1, (e - s).days) * day_ms for s, e in zip(part["start"], part["end"], strict=True)],
            orientation="h",
            name=state,
            marker_color=colour,
            customdata=[_literal(h) for h in part["hover"]],
            hovertemplate="%{customdata}<extra></extra>",
        )
    shown = [m for m in milestones.to_dict(orient="records") if m["date"] is not None]
    for m in [{"title": "Assessment date", "date": as_of}, *shown]:
        x = m["date"].isoformat()
        fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line={"color": "#555555", "dash": "dot"})
        fig.add_annotation(
            x=x,
            y=1,
            yref="paper",
            text=html.escape(str(m["title"])),
            showarrow=False,
            textangle=-90,
            xanchor="right",
            yanchor="top",
            font={"size": 11, "color": "#333333"},
        )
    order = list(dict.fromkeys(html.escape(str(x)) for x in bars["label"]))
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(type="date", gridcolor="#eeeeee")
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed")
    return _layout(fig, title, height=160 + row_height * max(len(order), 1))
