"""Every step, in run order: one line per step.

The runner, the cache, the portfolio index, the engagement pack and the docs read :data:`STEPS`.
Adding a step is its folder (``aimskit/steps/<name>/``: ``__init__.py`` with its computation and its
``STEP``, ``view.py``, its notebook; ``python -m aimskit.steps.scaffold`` writes them) plus its name
on one line of :data:`REGISTERED`. Everything else about it is a field of its ``STEP`` and derived
from there: its place in the pack (:func:`in_pack_order`), the names a document-control commentary
may use (:func:`commentary_names`, checked by :func:`check_engagement`), its notebook
(``Step.notebook_path``), the files that key its cache (``Step.reads``).

The registry checks every declaration as it loads (:func:`registered`): a step whose name is not its
folder's, or without a position in the pack of its own, fails at import instead of being placed
silently.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from aimskit.base.fileio import inside
from aimskit.base.problems import Problem, Problems, suggest
from aimskit.base.vocab import ENGAGEMENT_FILE
from aimskit.formats.yamlio import YamlDocument, load_yaml
from aimskit.steps.base import Step

#: The registered steps in run order (the order of a run, its manifest and its index): the name of
#: each step's folder under ``aimskit/steps/``, one line each.
REGISTERED: tuple[str, ...] = (
    "gap",
    "risk",
    "impact",
    "audit",
    "review",
    "readiness",
    "crosswalk",
    "security",
)

PLANNED: tuple[str, ...] = ()
"""Steps that are announced but not available yet (``--step`` says so instead of "unknown")."""


class DeclarationError(ValueError):
    """A step declaration the registry cannot accept (an aimskit bug, found at import)."""


def registered(names: Iterable[str]) -> dict[str, Step]:
    """The ``STEP`` of each step folder named, by name, each checked against the others."""
    steps: dict[str, Step] = {}
    for name in names:
        module = importlib.import_module(f"aimskit.steps.{name}")
        step = getattr(module, "STEP", None)
        if not isinstance(step, Step):
            raise DeclarationError(f"aimskit/steps/{name}/__init__.py declares no STEP (a Step)")
        _check_declaration(step, name, steps)
        steps[name] = step
    return steps


def _check_declaration(step: Step, folder: str, earlier: dict[str, Step]) -> None:
    where = f"the STEP of aimskit/steps/{folder}/"
    if folder in earlier:
        raise DeclarationError(f"step '{folder}' is registered twice")
    if step.name != folder:
        raise DeclarationError(f"{where} is named '{step.name}': a step's name is its folder's name")
    if not isinstance(step.pack_order, int) or isinstance(step.pack_order, bool):
        raise DeclarationError(f"{where} has no pack_order (its position in the engagement pack, an integer)")
    same = [s.name for s in earlier.values() if s.pack_order == step.pack_order]
    if same:
        raise DeclarationError(
            f"{where} has pack_order {step.pack_order}, as step '{same[0]}' has: every step needs its own position"
        )


STEPS: dict[str, Step] = registered(REGISTERED)


def in_pack_order(names: Iterable[str]) -> list[str]:
    """``names`` (step names, each once) in the order of the engagement pack: registered steps by
    their ``pack_order``, then any other name (a step of an older run) in the order given."""
    # (a step added to STEPS at run time without a position, as tests do, comes after the registered ones)
    unique = list(dict.fromkeys(names))
    known = sorted(
        (n for n in unique if n in STEPS), key=lambda n: (STEPS[n].pack_order is None, STEPS[n].pack_order or 0)
    )
    return known + [n for n in unique if n not in STEPS]


def commentary_names() -> tuple[str, ...]:
    """The steps a document-control commentary may name: the registered ones (in pack order) and the planned."""
    return (*in_pack_order(STEPS), *PLANNED)


def check_engagement(path: str | Path, problems: Problems) -> None:
    """Add the problems of the engagement at ``path`` that only the registered steps can tell:
    a ``document_control.commentary`` entry naming no step (AK223, at the key's position).

    Everything else is :func:`aimskit.engagement.validate`'s (the engagement layer does not know the
    steps); an engagement.yaml that cannot be read is reported there, and is skipped here."""
    found = _commentary(Path(path))
    if found is None:
        return
    shown, doc, commentary = found
    known = commentary_names()
    for key in commentary:
        if str(key) not in known:
            line, column = doc.where(("document_control", "commentary", key), key=True)
            problems.error(
                shown,
                line,
                column,
                f"unknown step '{key}' in document_control.commentary{suggest(str(key), known)} "
                f"(steps: {', '.join(known)})",
                code="AK223",
            )


def _commentary(folder: Path) -> tuple[str, YamlDocument, dict[Any, Any]] | None:
    """The engagement.yaml of ``folder`` (as problems name it), parsed, and its commentary mapping;
    None when there is none or the file cannot be read (the engagement's validation says why)."""
    file = folder / ENGAGEMENT_FILE
    try:
        if not file.is_file() or not inside(folder, file):
            return None
        doc = load_yaml(file, str(file), Problems())  # (its problems are the engagement's to report)
    except OSError:
        return None
    if doc is None or not isinstance(doc.data, dict):
        return None
    dc = doc.data.get("document_control")
    commentary = dc.get("commentary") if isinstance(dc, dict) else None
    return (str(file), doc, commentary) if isinstance(commentary, dict) else None


def validate(path: str | Path, ignore: Sequence[str] = ()) -> list[Problem]:
    """Every problem of the engagement at ``path``: :func:`aimskit.engagement.validate`'s and
    :func:`check_engagement`'s, sorted by file and line (what ``aimskit validate`` reports)."""
    from aimskit import engagement

    problems = Problems(engagement.validate(path, ignore=ignore))
    check_engagement(path, problems)
    return sorted(problems.items, key=lambda p: (p.file, p.line))
