"""A new step's folder, written from the conventions every step follows (for contributors).

    python -m aimskit.steps.scaffold vendor_review "AI supplier review"

writes ``aimskit/steps/vendor_review/``:

- ``__init__.py``: the computation, pure (the engagement in, a result out), and the ``STEP``
  declaration with the step's position in the engagement pack (after every registered step);
- ``view.py``: the report view (title with the step's commentary, headline figures, a table, the
  method appendix, ``results(result)`` for the results JSON), every value escaped;
- ``vendor_review.ipynb``: its report notebook, generated (never copied by hand): a markdown cell
  for the reader of the notebook, the cell tagged ``parameters`` (``engagement_path``,
  ``output_dir``, the scope parameter, ``results_path``), then one statement per code cell (calls
  into the library, no logic), the provenance table and the results saved.

The computation written is the starting point every step shares: the AI systems the report covers
(every in-scope system, or the one of a per-system report) with what the inventory says of each,
and the count of those without an owner. The step runs as written; the contributor then replaces
:func:`assess` and the view with the step's own rules. What is left is one line in
:data:`aimskit.steps.registry.REGISTERED` (printed), and a part in ``aimskit/engagement/parts/`` when
the step reads engagement files of its own (docs/architecture.md walks through it).
"""

from __future__ import annotations

import builtins
import json
import keyword
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aimskit.base.fileio import atomic_write_text
from aimskit.base.problems import UsageError, safe_text

STEPS_DIR = Path(__file__).resolve().parent
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_TITLE = 100
PACK_GAP = 10
#: Names a step cannot take: the modules beside the steps, and the names its view and notebook define.
RESERVED = frozenset(
    {"base", "common", "registry", "scaffold", "view", "report", "engagement", "resources", "eng", "result"}
    | {"engagement_path", "output_dir", "system_id", "results_path", "display", "annotations"}
    | {"title", "headline", "systems_table", "method", "results"}
)


def check_name(name: str, steps_dir: Path = STEPS_DIR) -> None:
    """Refuse a name that cannot be a new step's (:class:`UsageError`, saying why)."""
    from aimskit.steps.registry import PLANNED, REGISTERED

    shown = safe_text(name)
    if not NAME_PATTERN.fullmatch(name):
        raise UsageError(
            f"'{shown}' cannot name a step: use lower-case letters, digits and '_', starting with a letter "
            "(at most 40), such as vendor_review"
        )
    if keyword.iskeyword(name) or name in RESERVED or hasattr(builtins, name):
        raise UsageError(f"'{name}' cannot name a step: Python or aimskit uses the name; choose another")
    if name in REGISTERED or (steps_dir / name).exists():
        raise UsageError(f"step '{name}' exists already ({steps_dir / name})")
    if name in PLANNED:
        raise UsageError(f"step '{name}' is listed in PLANNED in aimskit/steps/registry.py: remove it from there first")


def check_title(title: str) -> str:
    """The title, stripped, or :class:`UsageError` when it is empty, too long or not one printable line."""
    text = title.strip()
    if not text or not text.isprintable() or len(text) > MAX_TITLE:
        raise UsageError(
            f"the title '{safe_text(title)}' must be one line of printable text, 1 to {MAX_TITLE} characters"
        )
    return text


def next_pack_order() -> int:
    """A position in the engagement pack after every registered step's."""
    from aimskit.steps.registry import STEPS

    return max((s.pack_order or 0 for s in STEPS.values()), default=0) + PACK_GAP


def registry_line(name: str) -> str:
    """The line that registers the step in :data:`aimskit.steps.registry.REGISTERED`."""
    return f'    "{name}",'


def new_step(name: str, title: str, per_system: bool = True, steps_dir: Path = STEPS_DIR) -> list[Path]:
    """Write the folder of a new step ``name`` with ``title`` under ``steps_dir`` (this package's
    ``aimskit/steps/``); return the files written. ``per_system``: one report per in-scope AI system
    besides the organisation-wide one. Raises :class:`UsageError` for a name or title it refuses."""
    check_name(name, steps_dir)
    text = check_title(title)
    words = {
        "__NAME__": name,
        "__CLASS__": "".join(w.capitalize() for w in name.split("_") if w) + "Result",
        "__TITLE__": python_string(text),
        "__PACK__": str(next_pack_order()),
        "__PER_SYSTEM__": str(bool(per_system)),
    }
    folder = steps_dir / name
    files = {
        folder / "__init__.py": _fill(COMPUTE_TEMPLATE, words),
        folder / "view.py": _fill(VIEW_TEMPLATE, words),
        folder / f"{name}.ipynb": notebook_text(name, text, per_system),
    }
    folder.mkdir(parents=True)
    for path, content in files.items():
        atomic_write_text(path, content)
    return list(files)


def python_string(text: str) -> str:
    """``text`` (printable) as a Python string literal, quoted as ``ruff format`` quotes it: in double
    quotes, unless it holds double quotes and no single ones."""
    quote = "'" if '"' in text and "'" not in text else '"'
    return quote + text.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


def _fill(template: str, words: dict[str, str]) -> str:
    for token, value in words.items():
        template = template.replace(token, value)
    return template


def notebook_text(name: str, title: str, per_system: bool = True) -> str:
    """The report notebook of step ``name`` as nbformat 4.5 JSON (what Jupyter writes)."""
    scope = (
        "an id from systems.csv for a per-system report (None: organisation-wide)"
        if per_system
        else f"the {name} report is organisation-wide: leave None"
    )
    cells = [
        _markdown(
            f"# {_markdown_text(title)} (aimskit step `{name}`)\n\nHow to use this notebook: set `engagement_path` "
            "in the next cell to your engagement folder (leave it empty to use the bundled example)"
            + (", optionally `system_id` for one AI system" if per_system else "")
            + f", then *Run All*. `aimskit run --step {name}` executes it for you and renders the HTML report.\n"
            "This cell is not part of the report.",
            remove=True,
        ),
        _code(
            'engagement_path: str = ""  # engagement folder (empty: the bundled example engagement)\n'
            'output_dir: str = ""  # folder for the report\'s files (empty: write nothing)\n'
            f"system_id = None  # {scope}\n"
            f'results_path: str = ""  # JSON file for the computed results (empty: {name}.json in output_dir)',
            tags=["parameters"],
        ),
        _code(
            "from pathlib import Path\n\nfrom aimskit import engagement\nfrom aimskit.base import resources\n"
            f"from aimskit.present import common, report\nfrom aimskit.steps import {name}\n"
            f"from aimskit.steps.{name} import view"
        ),
        _code("report.setup()"),
        _code(f"eng = engagement.load(engagement_path or resources.example_engagement(), parts={name}.STEP.needs)"),
        _code(f"result = {name}.assess(eng, system_id)"),
        _code("view.title(eng, result)"),
        _markdown("## Summary"),
        _code("view.headline(result)"),
        _markdown(
            "## AI systems covered\n\nThe in-scope AI systems of the inventory (`systems.csv`) this report covers, "
            "with their owner, type, lifecycle stage and EU AI Act tier."
        ),
        _code("view.systems_table(result)"),
        _markdown("## Appendix: method and data"),
        _code("view.method()"),
        _code(f"common.provenance(eng, {name}.STEP, system_id)"),
        _code(
            f'report.save_results(results_path or (output_dir and Path(output_dir) / "{name}.json"), '
            "view.results(result))",
            remove=True,
        ),
    ]
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:02d}"
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def _markdown_text(text: str) -> str:
    """User text in a markdown cell: shown as written, never read as HTML or markdown markup."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~&])", r"\\\1", text)


def _source(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _markdown(text: str, remove: bool = False) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {"tags": ["remove_cell"]} if remove else {}, "source": _source(text)}


def _code(text: str, tags: Sequence[str] = (), remove: bool = False) -> dict[str, Any]:
    all_tags = [*tags, *(["remove_cell"] if remove else [])]
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": all_tags} if all_tags else {},
        "outputs": [],
        "source": _source(text),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m aimskit.steps.scaffold NAME TITLE [--organisation-only]``: exit 0, or 2 with a message."""
    args = list(sys.argv[1:] if argv is None else argv)
    per_system = "--organisation-only" not in args
    args = [a for a in args if a != "--organisation-only"]
    if len(args) != 2 or any(a.startswith("-") for a in args):
        print('usage: python -m aimskit.steps.scaffold NAME "TITLE" [--organisation-only]', file=sys.stderr)
        return 2
    try:
        written = new_step(args[0], args[1], per_system=per_system)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write the step's folder: {safe_text(exc.strerror or exc)}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    print(f"Register it: add this line to REGISTERED in {STEPS_DIR / 'registry.py'}:\n{registry_line(args[0])}")
    return 0


COMPUTE_TEMPLATE = '''"""The ``__NAME__`` step: its computation (the engagement in, a result out) and its ``STEP``.

Written by :mod:`aimskit.steps.scaffold` as the starting point every step shares: the AI systems the
report covers (every in-scope system, or the one of a per-system report) with what the inventory
says of each, and how many have no owner. Replace :func:`assess` with the step's own rules; a file
of its own is read through a part declared in ``STEP.parts`` (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aimskit.engagement import Engagement
from aimskit.steps.base import Figure, Step
from aimskit.steps.common import blank, jsonable, records

#: The inventory columns (systems.csv) the report shows.
COLUMNS = ("id", "name", "owner", "type", "lifecycle_stage", "eu_ai_act_tier")


@dataclass
class __CLASS__:
    organisation: str
    assessment_date: dt.date
    system_id: str | None
    system_name: str | None
    systems: pd.DataFrame
    headline: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "step": STEP.name,
            "organisation": self.organisation,
            "assessment_date": self.assessment_date.isoformat(),
            "system_id": self.system_id,
            "headline": {k: jsonable(v) for k, v in self.headline.items()},
            "systems": records(self.systems),
        }


def covered_systems(eng: Engagement, system_id: str | None = None) -> pd.DataFrame:
    """The in-scope AI systems in file order (only ``system_id`` for a per-system report), with :data:`COLUMNS`."""
    systems = eng.systems[eng.systems["id"].isin(eng.in_scope_ids)]
    if system_id is not None:
        systems = systems[systems["id"] == system_id]
    return systems.loc[:, list(COLUMNS)].reset_index(drop=True)


def assess(eng: Engagement, system_id: str | None = None) -> __CLASS__:
    """The result of one report: the organisation's (``system_id`` None) or one AI system's."""
    systems = covered_systems(eng, system_id)
    return __CLASS__(
        organisation=eng.meta.organisation.name,
        assessment_date=eng.meta.assessment_date,
        system_id=system_id,
        system_name=eng.system_names.get(system_id) if system_id else None,
        systems=systems,
        headline={"systems": len(systems), "without_owner": sum(blank(v) for v in systems["owner"])},
    )


STEP = Step(
    "__NAME__",
    __TITLE__,
    notebook="__NAME__.ipynb",
    compute=__name__,
    view="aimskit.steps.__NAME__.view",
    pack_order=__PACK__,
    per_system=__PER_SYSTEM__,
    headline=(Figure("systems", "AI systems covered"), Figure("without_owner", "Without an owner")),
)
'''

VIEW_TEMPLATE = '''"""The report view of the ``__NAME__`` step: the blocks its notebook shows, every value escaped."""

from __future__ import annotations

from typing import Any

from aimskit.base.vocab import LIFECYCLE_LABELS, SYSTEM_TYPE_LABELS
from aimskit.engagement import Engagement
from aimskit.present import blocks, common, report
from aimskit.steps import __NAME__
from aimskit.steps.__NAME__ import __CLASS__

COLUMNS: dict[str, str | tuple[str, str]] = {
    "id": ("ID", "nowrap"),
    "name": "AI system",
    "owner": "Owner",
    "type": "Type",
    "lifecycle_stage": "Lifecycle stage",
    "eu_ai_act_tier": ("EU AI Act tier", "badge"),
}


def title(eng: Engagement, result: __CLASS__) -> blocks.Title:
    """The title block; the organisation report shows the consultant's commentary on this step."""
    return common.title(eng, __NAME__.STEP.title, result, "Organisation-wide", step=__NAME__.STEP.name)


def headline(result: __CLASS__) -> blocks.KeyFigures:
    h = result.headline
    unowned = h["without_owner"]
    return report.kpis(
        [
            ("AI systems covered", h["systems"], "in the scope of the AI management system", ""),
            ("Without an owner", unowned, "no owner in systems.csv", "bad" if unowned else "good"),
        ]
    )


def systems_table(result: __CLASS__) -> blocks.Block:
    """The systems covered, in words (the type and lifecycle stage by their labels)."""
    shown = result.systems.assign(
        type=[SYSTEM_TYPE_LABELS.get(v, v) for v in result.systems["type"]],
        lifecycle_stage=[LIFECYCLE_LABELS.get(v, v) for v in result.systems["lifecycle_stage"]],
    )
    return report.table(shown, COLUMNS, empty="No AI system is in scope.")


def method() -> blocks.Definitions:
    return report.definitions(
        {
            "AI systems covered": "the systems of systems.csv with in_scope = yes (the one system of a per-system "
            "report)",
            "Without an owner": "the systems covered whose owner column is empty",
        }
    )


def results(result: __CLASS__) -> dict[str, Any]:
    return result.to_json()
'''


if __name__ == "__main__":
    sys.exit(main())
