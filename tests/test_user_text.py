"""User text is data, never a template: text holding format fields, printf markers or plotly
template fields runs through every report and prints as written."""

from __future__ import annotations

import ast
import copy
import csv
import re
from pathlib import Path

import pytest
import yaml
from notebook_harness import run_notebook

from aimskit import engagement
from aimskit.base.problems import fill
from aimskit.engagement import criteria
from aimskit.engagement.parts import impact as impact_input

REPO = Path(__file__).resolve().parent.parent
HOSTILE = "{0} {per_year} %s %(x)s ${x} %{z}"


def _hostile_criteria(raw: dict) -> dict:
    raw = copy.deepcopy(raw)
    raw["likelihood"]["name"] = f"Likelihood {HOSTILE}"
    raw["impact"]["name"] = f"{raw['impact']['name']} {HOSTILE}"
    for axis in ("likelihood", "impact"):
        for level in raw[axis]["levels"]:
            level["label"] = f"{level['label']} {HOSTILE}"
    for band in raw["bands"]:
        band["label"] = f"{band['label']} {HOSTILE}"
    return raw


@pytest.fixture
def hostile(example_copy: Path) -> Path:
    path = example_copy / "engagement.yaml"
    meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    meta["risk_criteria"] = _hostile_criteria({**criteria.default_risk_raw(), **meta["risk_criteria"]})
    meta["impact_criteria"] = _hostile_criteria({**impact_input.default_impact_raw(), **meta["impact_criteria"]})
    meta["organisation"]["name"] += f" {HOSTILE}"
    meta["scope"] += f" {HOSTILE}"
    path.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    systems = example_copy / "systems.csv"
    rows = list(csv.DictReader(systems.open(encoding="utf-8")))
    for row in rows:
        row["name"] += f" {HOSTILE}"
        row["owner"] += f" {HOSTILE}"
    with systems.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert not [p for p in engagement.validate(example_copy) if p.severity == "error"]
    return example_copy


NOTEBOOKS = ["gap_assessment", "risk_assessment", "impact_assessment", "internal_audit", "management_review"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_report_prints_template_like_user_text_as_written(hostile: Path, name: str):
    eng = engagement.load(hostile)
    for system_id in (None, eng.in_scope_ids[0]):
        if name in ("internal_audit", "management_review") and system_id:
            continue
        shown = run_notebook(name, engagement_path=str(hostile), system_id=system_id)
        assert "{per_year}" in shown
        for template in re.findall(r'"hovertemplate":"((?:[^"\\]|\\.)*)"', shown):
            assert "%{z}" not in template, f"user text read as a plotly template field: {template}"


def test_formula_names_the_scales_as_written():
    raw = _hostile_criteria(criteria.default_risk_raw())
    for method in ("product", "sum"):
        c = criteria.Criteria.model_validate({**raw, "method": method})
        assert criteria.formula(c).count(HOSTILE.lower()) == 2


def test_fill_never_reads_a_value_as_a_template():
    assert fill("{a} and {b}", a="{b}", b="%s") == "{b} and %s"
    assert fill("{a} {missing}", a=1) == "1 {missing}"


_ALLOWED_FORMAT_RECEIVERS = {"_FRIENDLY_TYPES"}  # fixed message texts in aimskit's code


def test_no_format_call_on_text_that_may_come_from_data():
    """``str.format``/``format_map``/``%``/``string.Template`` only on text written in the code."""
    offenders = []
    for path in sorted((REPO / "aimskit").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in ("format", "format_map"):
                    receiver = node.func.value
                    if isinstance(receiver, ast.Constant) and isinstance(receiver.value, str):
                        continue
                    if isinstance(receiver, ast.Subscript) and getattr(receiver.value, "id", "") in (
                        _ALLOWED_FORMAT_RECEIVERS
                    ):
                        continue
                    if isinstance(receiver, ast.Name) and receiver.id in ("self", "p", "problem"):
                        continue  # Problem.format()
                    offenders.append(f"{where}: .{node.func.attr}() on {ast.unparse(receiver)}")
                if node.func.attr in ("substitute", "safe_substitute"):
                    offenders.append(f"{where}: string.Template")
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.JoinedStr):
                offenders.append(f"{where}: % on an f-string")
    assert offenders == []


def test_validation_messages_quote_scale_names_as_written():
    from aimskit.base.problems import Problems

    raw = _hostile_criteria(criteria.default_risk_raw())
    raw["bands"] = [*raw["bands"], {"id": "beyond", "label": "Beyond", "min": 26, "max": 30}]
    problems = Problems()
    criteria.parse(raw, None, ("risk_criteria",), "engagement.yaml", problems, criteria.default_risk_raw())
    assert [p.message for p in problems] == [
        f"band 'beyond' (26-30) can never be reached with score = likelihood {HOSTILE.lower()} x "
        f"impact {HOSTILE.lower()}"
    ]
