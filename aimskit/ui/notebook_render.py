"""Render the report of one step notebook, from JupyterLab or the command line.

``aimskit render gap_assessment.ipynb`` (or ``aimskit.render_report()`` in a cell of that notebook)
executes the notebook as saved on disk in a fresh kernel, with its own parameters (or those given),
and renders it with the same template as ``aimskit run``: code hidden, the cells tagged
``remove_cell`` (the "How to use this notebook" cell) and the parameters removed, plotly.js inlined
so the charts show offline, the branding colour and footer of the engagement.

JupyterLab's *Export as HTML* and stock ``jupyter nbconvert`` do none of this (blank charts with
plotly 6+, scripts from a CDN, code and instructions shown), which is why this route exists.
"""

from __future__ import annotations

import ast
import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aimskit.base.problems import AimskitError
from aimskit.present.report import esc

RENDERING_ENV = "AIMSKIT_RENDERING"
KERNEL_NAME = "python3"


class RenderError(AimskitError):
    """The notebook could not be rendered (the message says why)."""


@dataclass
class Rendered:
    """The result of :func:`render_report`; shows a link in a notebook."""

    html: Path | None
    notebook: Path
    error: str | None = None
    skipped: bool = False

    def _repr_html_(self) -> str:
        if self.skipped:
            return ""
        if self.html is None:
            why = f"The report of {esc(self.notebook.name)} was not rendered: {esc(self.error)}"
            return f"<p style='color:#B71C1C'>{why}</p>"
        note = f" <b>It did not complete</b>: {esc(self.error)}" if self.error else ""
        link = os.path.relpath(self.html, Path.cwd())
        return (
            f"<p>Report written to <a href='{esc(link)}' target='_blank'>{esc(self.html)}</a> "
            f"(self-contained; charts work offline).{note} Open it in a browser: JupyterLab's HTML viewer runs "
            "no scripts unless the file is trusted, so charts do not show there.</p>"
        )

    def __str__(self) -> str:
        if self.skipped:
            return "skipped (the notebook is being rendered)"
        if self.html is None:
            return f"not rendered: {self.error}"
        return f"report written to {self.html}" + (f" (did not complete: {self.error})" if self.error else "")


def notebook_parameters(nb: Any) -> dict[str, Any]:
    """The values of the ``parameters`` (and papermill's ``injected-parameters``) cells: plain
    assignments of literals, read without running any code."""
    values: dict[str, Any] = {}
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type != "code" or not {"parameters", "injected-parameters"} & set(tags):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
            if isinstance(node, ast.AnnAssign):
                target = node.target
            value = getattr(node, "value", None)
            if isinstance(target, ast.Name) and value is not None:
                with contextlib.suppress(ValueError, SyntaxError):
                    values[target.id] = ast.literal_eval(value)
    return values


def current_notebook() -> Path | None:
    """The notebook this kernel runs for, when JupyterLab says so (``__session__`` / JPY_SESSION_NAME)."""
    name = os.environ.get("JPY_SESSION_NAME")
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None and shell.user_ns.get("__session__"):
            name = shell.user_ns["__session__"]
    except ImportError:  # pragma: no cover - IPython is a dependency
        pass
    if name and str(name).endswith(".ipynb"):
        for path in (Path(name), Path.cwd() / Path(name).name):  # the kernel runs in the notebook's folder
            if path.is_file():
                return path
    return None


@contextlib.contextmanager
def _rendering() -> Iterator[None]:
    old = os.environ.get(RENDERING_ENV)
    os.environ[RENDERING_ENV] = "1"  # inherited by the kernel: a render_report() cell does nothing there
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(RENDERING_ENV, None)
        else:
            os.environ[RENDERING_ENV] = old


def _has_outputs(path: Path) -> bool:
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    return any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def _manager() -> dict[str, Any]:
    """The runner's kernel manager (encrypted local transport: no TCP warning in the output)."""
    from aimskit.batch.kernels import manager_class

    return {"kernel_manager_class": manager_class()}


def render_report(
    notebook: str | Path | None = None,
    out: str | Path | None = None,
    *,
    parameters: Mapping[str, Any] | None = None,
    timeout: int = 600,
) -> Rendered:
    """Execute ``notebook`` (default: the one this JupyterLab kernel belongs to) and render its report.

    The notebook is read from disk: save it first. ``out`` defaults to the notebook's name with
    ``.html`` beside it. Raises :class:`RenderError` when there is nothing to render; a report whose
    execution failed is still written, with a banner saying where it stopped.
    """
    if os.environ.get(RENDERING_ENV):
        return Rendered(None, Path(notebook or "notebook.ipynb"), skipped=True)
    import nbformat
    import papermill as pm

    from aimskit import catalog, engagement
    from aimskit.base import resources
    from aimskit.base.problems import InvalidEngagementError
    from aimskit.present import render
    from aimskit.steps.registry import STEPS

    path = Path(notebook) if notebook is not None else current_notebook()
    if path is None:
        raise RenderError("name the notebook to render, e.g. render_report('gap_assessment.ipynb')")
    path = path.resolve()
    if not path.is_file():
        raise RenderError(f"{path} does not exist")
    nb = nbformat.read(str(path), as_version=4)
    params = {**notebook_parameters(nb), **dict(parameters or {})}
    eng_path = params.get("engagement_path") or str(resources.example_engagement())
    try:
        eng = engagement.load(eng_path)
    except InvalidEngagementError as exc:
        first = "; ".join(p.format() for p in exc.problems[:3] if p.severity == "error")
        raise RenderError(f"the engagement has problems (run 'aimskit validate {eng_path}'): {first}") from exc
    step = next((s for s in STEPS.values() if s.notebook == path.name), None)
    title = (
        f"{step.title} - {eng.organisation}"
        if step
        else f"{path.stem.replace('_', ' ').capitalize()} - {eng.organisation}"
    )
    footer = (
        f"aimskit {__import__('aimskit').__version__} - catalog {catalog.version()} - "
        f"{eng.organisation} - assessment date {eng.meta.assessment_date.isoformat()}"
    )
    html_path = Path(out) if out is not None else path.with_suffix(".html")
    error = None
    with tempfile.TemporaryDirectory(prefix="aimskit-render-") as tmp, _rendering():
        executed = Path(tmp) / path.name
        for _attempt in range(2):  # one retry when the kernel did not even start (a loaded machine)
            error = None
            try:
                pm.execute_notebook(
                    str(path),
                    str(executed),
                    parameters=dict(parameters or {}),
                    kernel_name=KERNEL_NAME,
                    cwd=str(path.parent),
                    progress_bar=False,
                    request_save_on_cell_execute=False,
                    execution_timeout=timeout,
                    log_output=False,
                    **_manager(),
                )
            except pm.PapermillExecutionError as exc:
                error = f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
            except Exception as exc:  # timeout, dead kernel: papermill's metadata cannot be trusted then
                error = f"{type(exc).__name__}: {exc}"
            if executed.is_file() and (error is None or _has_outputs(executed)):
                break
        if not executed.is_file():
            raise RenderError(f"the notebook did not run: {error}")
        result = nbformat.read(str(executed), as_version=4)
    render.render_html(result, html_path, title=title, colour=eng.meta.branding.colour, footer=footer, error=error)
    return Rendered(html_path.resolve(), path, error)
