"""``aimskit lab``: JupyterLab on a working copy of the workbooks, pointed at one engagement.

The working copy (by default ``./aimskit-lab/<engagement folder name>/``) holds the workbooks (the
forms) and the step notebooks, each with ``engagement_path`` set to the engagement in a papermill
``injected-parameters`` cell, so the user opens a notebook and runs it. Notebooks already in the
working copy are kept (the user may have changed them); only missing ones are added.

JupyterLab rather than Voila: it is already a dependency (Voila is not), the same session is where
the step notebooks are run and their reports rendered, and the forms do not depend on hiding code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aimskit.base import resources
from aimskit.base.fileio import atomic_write_text
from aimskit.base.problems import AimskitError
from aimskit.engagement import ENGAGEMENT_FILE

FIRST = "gap_questionnaire.ipynb"


class LabError(AimskitError):
    """The working copy cannot be made (the message says why)."""


def default_dir(engagement: Path) -> Path:
    return Path.cwd() / "aimskit-lab" / Path(engagement).resolve().name


def prepare(engagement: str | Path, dest: str | Path | None = None) -> tuple[Path, list[Path], list[Path]]:
    """Create the working copy for ``engagement``; returns (folder, written, kept)."""
    import nbformat
    from papermill.parameterize import parameterize_notebook

    folder = Path(engagement).resolve()
    if not (folder / ENGAGEMENT_FILE).is_file():
        raise LabError(
            f"{folder} is not an engagement folder (no {ENGAGEMENT_FILE}); create one with 'aimskit init PATH' "
            "(or 'aimskit init --example PATH' for a copy of the example)"
        )
    if resources.example_engagement().resolve() == folder:
        raise LabError(
            "the bundled example cannot be edited in place; copy it with 'aimskit init --example PATH' and open that"
        )
    target = Path(dest) if dest is not None else default_dir(folder)
    if target.exists() and not target.is_dir():
        raise LabError(f"{target} exists and is not a folder")
    target.mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    books = sorted(resources.workbooks_dir().glob("*.ipynb")) + resources.report_notebooks()
    for source in books:
        out = target / source.name
        if out.exists():
            kept.append(out)
            continue
        nb = nbformat.read(str(source), as_version=4)
        for cell in nb.cells:
            cell.metadata.setdefault("tags", [])  # papermill expects every cell to have tags
        nb.metadata.setdefault("papermill", {})
        nb = parameterize_notebook(nb, {"engagement_path": str(folder)}, report_mode=False)
        for i, cell in enumerate(nb.cells):
            if "injected-parameters" in cell.metadata.tags:
                cell.id = f"injected-parameters-{i}"  # papermill gives it a random id
            if not cell.metadata.tags:
                del cell.metadata["tags"]
        nb.metadata.pop("papermill", None)
        atomic_write_text(out, nbformat.writes(nb) + "\n")
        written.append(out)
    return target, written, kept


def command(folder: Path, *, port: int | None = None, browser: bool = True) -> list[str]:
    """The JupyterLab command line for the working copy (opens the gap questionnaire first)."""
    argv = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}", str(Path(folder) / FIRST)]
    if port is not None:
        argv.append(f"--ServerApp.port={port}")
    if not browser:
        argv.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers: JupyterLab refuses root without it
        argv.append("--allow-root")
    return argv
