"""The committed notebooks: clean, parameterised, and free of business logic."""

from __future__ import annotations

import ast

import nbformat
import pytest

from aimskit.base import resources
from aimskit.steps import STEPS

NOTEBOOKS = resources.report_notebooks()


def test_every_step_has_its_notebook():
    names = {p.name for p in NOTEBOOKS}
    for step in STEPS.values():
        assert step.notebook in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip outputs before committing"
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_business_logic(path):
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        logic = ast.For | ast.While | ast.FunctionDef | ast.ClassDef | ast.ListComp | ast.DictComp | ast.If
        for node in ast.walk(tree):
            assert not isinstance(node, logic), f"logic belongs in aimskit, not in {path.name}:\n{cell.source}"
