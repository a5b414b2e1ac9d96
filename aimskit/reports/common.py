"""Report blocks shared by every step: the method appendix and the data provenance table."""

from __future__ import annotations

import platform
from typing import Any

import pandas as pd

import aimskit
from aimskit import catalog, report


def title(eng: Any, report_title: str, result: Any, organisation_subtitle: str, step: str | None = None) -> report.HTML:
    """The title block of a report whose result has ``system_id`` and ``system_name``."""
    sub = f"AI system: {result.system_name} ({result.system_id})" if result.system_id else organisation_subtitle
    # the commentary is on the step as a whole: shown in its organisation-wide report
    return report.title_block(eng, report_title, sub, step=None if result.system_id else step)


def with_levels(df: pd.DataFrame, crit: Any, columns: list[str]) -> pd.DataFrame:
    """A copy of ``df`` whose level columns (band ids of ``crit``) hold (label, colour) for the
    table kind "level", so badges show the configured band colours."""
    if df.empty:
        return df
    bands = {b.id: (b.label, b.colour) for b in crit.bands}
    out = df.copy()
    for col in columns:
        if col in out:
            out[col] = [bands.get(v) if isinstance(v, str) else None for v in out[col]]
    return out


def provenance(eng: Any) -> report.HTML:
    """Versions of aimskit and the catalog, and the sha256 of every input file."""
    rows = [
        {"item": "aimskit", "value": aimskit.__version__},
        {"item": "catalog", "value": catalog.version()},
        {"item": "framework", "value": catalog.manifest()["frameworks"]["iso42001"]["title"]},
        {"item": "python / pandas", "value": f"{platform.python_version()} / {pd.__version__}"},
    ]
    for name, digest in eng.input_hashes().items():
        rows.append({"item": f"input {name}", "value": f"sha256 {digest}"})
    return report.table(pd.DataFrame(rows), {"item": "Item", "value": "Value"})
