"""What a step is: one declaration that the runner, the cache, the index and the docs read.

A step is the folder ``aimskit/steps/<name>/`` and this declaration at the end of its ``__init__.py``:
its notebook (a file of its folder: :attr:`Step.notebook_path`), the modules of its computation and
its report view, its place in the engagement pack (``pack_order``), the optional engagement parts it
reads, the other steps whose computation it calls, what one report covers (its *scope*) and its
headline figures for the portfolio index. Every other fact about it is derived (the names a
document-control commentary may use, from the registry). The files that key its incremental cache
are **derived** from the parts (:attr:`Step.reads`), never listed by hand: a step that reads a part
it did not declare fails (``Engagement.part`` refuses it), so a missing declaration cannot make the
cache reuse a stale report.

Scopes: every step renders one organisation-wide report (scope value ``None``). A step with
``per_system`` also renders one report per scope value: by default one per in-scope AI system
(parameter ``system_id``); a step may name another parameter (``audit_id``) and list its values
with ``scopes(engagement)``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aimskit.base.vocab import CORE_FILES
from aimskit.engagement.parts.base import Part, closure
from aimskit.engagement.parts.registry import in_order

if TYPE_CHECKING:
    from aimskit.engagement import Engagement

FigureKind = Literal["pct", "num", "dec", "text"]


@dataclass(frozen=True)
class Figure:
    """One headline figure of a step's results (``results["headline"][key]``), shown in the index."""

    key: str
    label: str
    kind: FigureKind = "num"  # pct: 0-1 shown as %, num: a count, dec: one decimal, text


@dataclass(frozen=True, eq=False)
class Step:
    name: str  # also the name of its folder, aimskit/steps/<name>/ (the registry checks)
    title: str
    notebook: str  # file name of its report notebook in its folder (an absolute path is taken as it is)
    compute: str = ""  # module of the pure computation (aimskit.steps.<name>), whose folder holds the notebook
    view: str = ""  # module of the report view (aimskit.steps.<name>.view)
    # its position in the engagement pack (PDF and Word), low first; every registered step has its own
    # (the registry refuses a step without one or with another step's: a pack cannot go silently wrong)
    pack_order: int | None = None
    parts: tuple[Part[Any], ...] = ()  # the optional engagement parts its computation reads
    uses: tuple[Step, ...] = ()  # other steps whose computation it calls (their parts are read too)
    headline: tuple[Figure, ...] = ()
    per_system: bool = True
    scope_param: str = "system_id"
    scope_prefix: str = "system"
    scopes: Callable[[Engagement], list[str]] | None = None
    # a per-system report reads only its system's slices of the files that divide by system
    # (inputs.base.Slice), so its cache key holds those slices; False when a per-system report also
    # shows organisation-wide figures computed over every system (tests/test_architecture.py checks)
    sliced: bool = True

    def __repr__(self) -> str:
        return f"Step({self.name!r})"

    @property
    def system_scoped(self) -> bool:
        return self.per_system and self.scope_param == "system_id"

    @property
    def slices_per_system(self) -> bool:
        """Whether a per-system report's cache key (and provenance) holds its system's slices only."""
        return self.system_scoped and self.sliced

    @property
    def needs(self) -> tuple[Part[Any], ...]:
        """Every part its reports read: its own, those of the steps it uses, and their dependencies."""
        seen: dict[str, Step] = {}

        def visit(step: Step) -> None:
            if step.name not in seen:
                seen[step.name] = step
                for used in step.uses:
                    visit(used)

        visit(self)
        parts = closure([p for s in seen.values() for p in s.parts])
        return tuple(in_order(parts))

    @property
    def reads(self) -> tuple[str, ...]:
        """The engagement files (and folders) its reports read: the core files and those of its parts."""
        files = [*CORE_FILES, *(f for part in self.needs for f in part.files)]
        return tuple(dict.fromkeys(files))

    @property
    def folder(self) -> Path:
        """Its folder: the package of its computation (``aimskit/steps/<name>/``)."""
        spec = importlib.util.find_spec(self.compute) if self.compute else None
        if spec is None or not spec.origin:  # (not written yet: where it belongs)
            return Path(__file__).resolve().parent / self.name
        return Path(spec.origin).parent

    @property
    def notebook_path(self) -> Path:
        """Its report notebook, in its folder (package data); a :attr:`notebook` given as an absolute
        path (a test's notebook) is that path."""
        path = Path(self.notebook)
        return path if path.is_absolute() else self.folder / path

    @property
    def modules(self) -> tuple[str, ...]:
        """The modules a kernel imports ahead of its report."""
        return tuple(m for m in (self.compute, self.view) if m)

    def scope_values(self, eng: Engagement) -> list[str]:
        """The scope values of the per-scope reports (empty when the step has only the organisation report)."""
        if not self.per_system:
            return []
        if self.scopes is not None:
            return list(self.scopes(eng))
        return list(eng.in_scope_ids)


def scope_name(prefix: str, value: str | None) -> str:
    """The file stem of one report: ``organisation`` or ``<prefix>-<value>`` (``system-credit-score``)."""
    return "organisation" if value is None else f"{prefix}-{value}"
