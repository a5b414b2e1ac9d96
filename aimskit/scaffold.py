"""``aimskit init``: create a blank engagement, or a copy of the bundled example.

Nothing is ever overwritten: an existing non-empty folder is refused.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from aimskit import resources
from aimskit.engagement import GAP_SCHEMA, SYSTEMS_SCHEMA
from aimskit.fileio import atomic_write_text
from aimskit.inputs.impact import IMPACTS_SCHEMA, profile_template
from aimskit.inputs.risk import RISKS_SCHEMA, SOA_SCHEMA
from aimskit.tables import template_csv

ENGAGEMENT_TEMPLATE = """\
# aimskit engagement, format version 1. Lines starting with # are comments.
# Fill in every key; see the README ("The engagement folder") for the meaning of each.
format_version: 1
organisation:
  name: Example Organisation Ltd         # required
  sector: ""                             # e.g. Consumer finance
  country: ""
  # employees: 250
  description: ""
scope: >-
  Describe the scope of the AI management system: the organisational units, AI systems,
  locations and the organisation's role(s) for AI.
assessors:
  - name: Your Name                      # at least one assessor
    role: Lead assessor
    organisation: ""
assessment_date: 2026-01-31              # YYYY-MM-DD
ai_roles: [deployer]                     # provider, producer, developer, deployer, user, customer, partner, importer, distributor
target_maturity:
  default: 3                             # 0 incomplete ... 5 optimizing
  # "6.1.2": 4                           # overrides by requirement, clause or Annex A objective ("A.7")
branding:
  name: ""                               # shown as "Prepared by"
  colour: "#1F4E79"
  # logo: logo.png                       # an image file in this folder
context:
  external_issues: []
  internal_issues: []
# Risk criteria (optional; these are the defaults). Every reachable score must fall in exactly one band.
# risk_criteria:
#   likelihood: {name: Likelihood, levels: [{value: 1, label: Rare}, {value: 2, label: Unlikely},
#                {value: 3, label: Possible}, {value: 4, label: Likely}, {value: 5, label: Almost certain}]}
#   impact: {name: Impact, levels: [{value: 1, label: Negligible}, {value: 2, label: Minor},
#            {value: 3, label: Moderate}, {value: 4, label: Major}, {value: 5, label: Severe}]}
#   method: product                      # product, sum, or matrix (with matrix: one row of scores per likelihood)
#   bands:
#     - {id: very_low, label: Very low, min: 1, max: 2, colour: "#2E7D32"}
#     - {id: low, label: Low, min: 3, max: 4, colour: "#8BC34A"}
#     - {id: medium, label: Medium, min: 5, max: 9, colour: "#F2A900"}
#     - {id: high, label: High, min: 10, max: 16, colour: "#EF6C00"}
#     - {id: very_high, label: Very high, min: 17, max: 25, colour: "#C62828"}
#   acceptance:                          # who may accept a residual risk above the appetite
#     medium: [AI governance committee, Chief Risk Officer]
#     high: [Executive committee]        # a level not listed may not be accepted
#   appetite: low                        # highest level retained without a recorded acceptance
# Impact criteria (optional): the same keys as risk_criteria, with the impact axis named Severity, plus
# the level from which a negative impact counts as severe (it must then be linked to a risk).
# impact_criteria:
#   severe_level: high
"""

SYSTEM_EXAMPLE = {c.name: c.example for c in SYSTEMS_SCHEMA.columns}
GAP_EXAMPLE = {c.name: c.example for c in GAP_SCHEMA.columns}


def blank_files() -> dict[str, str]:
    """The files of a blank engagement: headers and one commented example row each."""
    return {
        "engagement.yaml": ENGAGEMENT_TEMPLATE,
        "systems.csv": template_csv(SYSTEMS_SCHEMA, [SYSTEM_EXAMPLE]),
        "gap.csv": template_csv(GAP_SCHEMA, [GAP_EXAMPLE]),
        "risks.csv": template_csv(RISKS_SCHEMA, [{c.name: c.example for c in RISKS_SCHEMA.columns}]),
        "soa.csv": template_csv(SOA_SCHEMA, [{c.name: c.example for c in SOA_SCHEMA.columns}]),
        "impacts.csv": template_csv(IMPACTS_SCHEMA, [{c.name: c.example for c in IMPACTS_SCHEMA.columns}]),
        "systems/_example.yaml": profile_template(),
    }


class InitError(Exception):
    """The target folder cannot be used."""


def init_engagement(path: str | Path, example: bool = False) -> list[Path]:
    """Create an engagement folder at ``path``; returns the files written."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()):
        raise InitError(f"{target} is not empty; refusing to overwrite anything in it")
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if example:
        source = resources.example_engagement()
        for item in sorted(source.iterdir()):
            if item.is_file():
                shutil.copy2(item, target / item.name)
                written.append(target / item.name)
            elif item.is_dir():  # systems/: one profile per AI system
                shutil.copytree(item, target / item.name)
                written.extend(sorted(p for p in (target / item.name).rglob("*") if p.is_file()))
        return written
    source = resources.templates_dir()
    files = blank_files()
    for name, text in files.items():
        bundled = source / name
        content = bundled.read_text(encoding="utf-8") if bundled.is_file() else text
        atomic_write_text(target / name, content)
        written.append(target / name)
    return written


def copy_notebooks(dest: str | Path) -> tuple[list[Path], list[Path]]:
    """Copy the step notebooks into ``dest`` to work on them in JupyterLab.

    Returns ``(copied, skipped)``: a notebook that already exists in ``dest`` is never overwritten.
    """
    target = Path(dest)
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} exists and is not a folder")
    target.mkdir(parents=True, exist_ok=True)
    copied: list[Path] = []
    skipped: list[Path] = []
    for nb in sorted(resources.notebooks_dir().glob("*.ipynb")):
        out = target / nb.name
        if out.exists():
            skipped.append(out)
            continue
        atomic_write_text(out, nb.read_text(encoding="utf-8"))
        copied.append(out)
    return copied, skipped
