"""Report blocks shared by every step: the method appendix and the data provenance table."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

import aimskit
from aimskit import catalog
from aimskit.engagement.parts import slicing
from aimskit.present import blocks, report

if TYPE_CHECKING:
    from aimskit.engagement import Engagement


def title(
    eng: Engagement, report_title: str, result: Any, organisation_subtitle: str, step: str | None = None
) -> blocks.Title:
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


def provenance(eng: Engagement, step: Any = None, system_id: str | None = None) -> blocks.Block:
    """Versions of aimskit and the catalog, and the sha256 of every input file.

    A per-system report (``system_id``) of a ``step`` whose reports are sliced
    (``Step.slices_per_system``) reads its system's slice of the files that divide by
    system (:mod:`aimskit.engagement.parts.slicing`): the table gives the slice's hash (the one its cache key
    holds), so the report does not change when another system's rows do.
    """
    rows = [
        {"item": "aimskit", "value": aimskit.__version__},
        {"item": "catalog", "value": catalog.version()},
        {"item": "framework", "value": catalog.manifest()["frameworks"]["iso42001"]["title"]},
        {"item": "python / pandas", "value": f"{platform.python_version()} / {pd.__version__}"},
    ]
    if system_id is None or step is None or not step.slices_per_system:
        for name, digest in eng.input_hashes().items():
            rows.append({"item": f"input {name}", "value": f"sha256 {digest}"})
        return report.table(pd.DataFrame(rows), {"item": "Item", "value": "Value"})
    sliced = slicing.slices()
    known = getattr(eng, "hashes", None) or {}  # verified at load from a run's snapshot: not read again
    by_path = {str(Path(p).resolve()): known[n] for n, p in eng.files.items() if n in known}

    table = getattr(eng, "slices", None) or {}  # computed once by the run, from files with the hashes above

    def whole(name: str) -> str:
        return known.get(name) or slicing.file_sha256(Path(eng.files[name]))

    def sliced_hash(path: Path, spec: Any) -> str | None:
        by_system = table.get(spec.file) or {}
        if system_id in by_system:
            return by_system[system_id]
        return slicing.slice_hash(path, spec, system_id, by_path)

    for name in sorted(eng.files):
        folder, _, rest = name.partition("/")
        spec = sliced.get(folder) if rest else None
        if spec is not None and spec.index:  # a folder sliced by its index: one row for the system's slice
            if name == f"{folder}/{spec.index}":
                rows.append(
                    {
                        "item": f"input {folder}/ (the rows of {system_id} in {spec.index} and the files they name)",
                        "value": f"sha256 {sliced_hash(Path(eng.path) / folder, spec)}",
                    }
                )
            continue
        if spec is not None and not spec.column:  # a per-system folder: its own file only
            if Path(rest).stem != system_id:
                continue
            rows.append({"item": f"input {name}", "value": f"sha256 {whole(name)}"})
            continue
        path, spec = Path(eng.files[name]), sliced.get(name)
        if spec is None:  # read whole (a file's key may name more than its path: hash the file it names)
            rows.append({"item": f"input {name}", "value": f"sha256 {whole(name)}"})
            continue
        label = f"rows of {system_id} and organisation-wide rows" if spec.shared else f"the row of {system_id}"
        rows.append({"item": f"input {name} ({label})", "value": f"sha256 {sliced_hash(path, spec)}"})
    return report.table(pd.DataFrame(rows), {"item": "Item", "value": "Value"})
