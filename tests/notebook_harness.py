"""Execute a step notebook in this process (no kernel): fast enough to run a report on a crafted
engagement in a unit test. Returns everything the notebook displays, as one text (HTML of tables
and notes, JSON of figures: their hover templates and labels included)."""

from __future__ import annotations

import ast
from typing import Any

import nbformat

from aimskit.base import resources


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "to_plotly_json"):
        return value.to_json()
    if hasattr(value, "_repr_html_"):
        return value._repr_html_() or ""
    return str(value)


def run_notebook(name: str, **parameters: Any) -> str:
    nb = nbformat.read(resources.notebook(f"{name}.ipynb"), as_version=4)
    shown: list[str] = []
    namespace: dict[str, Any] = {"display": lambda *values: shown.extend(_shown(v) for v in values)}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "parameters" in cell.metadata.get("tags", []):
            exec(compile(cell.source, f"{name}:parameters", "exec"), namespace)
            namespace.update(parameters)
            continue
        tree = ast.parse(cell.source)
        last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        body = ast.Module(body=tree.body[:-1] if last else tree.body, type_ignores=[])
        exec(compile(body, name, "exec"), namespace)
        if last is not None:
            shown.append(_shown(eval(compile(ast.Expression(last.value), name, "eval"), namespace)))
    return "\n".join(shown)


def visible_text(shown: str) -> str:
    """The words a reader sees in what :func:`run_notebook` returned: no figure JSON, no markup."""
    import html
    import re

    parts = [p for p in shown.split("\n") if not p.startswith('{"data"')]
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", "\n".join(parts), flags=re.S)
    text = re.sub(r"<[^>]+>", "\n", text)
    return "\n".join(line.strip() for line in html.unescape(text).splitlines() if line.strip())
