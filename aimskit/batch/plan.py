"""The reports a run produces (one per step and scope) and the checks made before any runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aimskit.base.problems import InvalidEngagementError, Problems, suggest
from aimskit.batch.errors import RunError, RunUsageError
from aimskit.engagement import Engagement
from aimskit.results.run import MANIFEST, check_output_manifest
from aimskit.steps.base import scope_name
from aimskit.steps.registry import PLANNED, STEPS, check_engagement

INDEX = "index.html"
RECORDS = Path(".aimskit") / "records"


@dataclass(frozen=True)
class ReportJob:
    step: str
    scope_id: str | None
    notebook: Path

    @property
    def system_id(self) -> str | None:
        return self.scope_id if STEPS[self.step].scope_param == "system_id" else None

    @property
    def scope(self) -> str:
        return scope_name(STEPS[self.step].scope_prefix, self.scope_id)

    @property
    def name(self) -> str:
        return f"{self.step}/{self.scope}"


def plan(eng: Engagement, steps: Sequence[str] = (), systems: Sequence[str] = ()) -> list[ReportJob]:
    """The reports to produce.

    No ``systems``: per step, one organisation-wide report plus one per scope value (by default
    the in-scope AI systems; see :class:`aimskit.steps.Step`). With ``systems``: one report per
    system-scoped step for each system named, and the organisation report of the other steps.

    Raises :class:`~aimskit.base.problems.InvalidEngagementError` for what only the steps can check
    in the engagement (:func:`aimskit.steps.registry.check_engagement`), and :class:`RunUsageError`
    for an unknown step or system.
    """
    problems = Problems()
    check_engagement(eng.path, problems)
    if problems.errors:
        raise InvalidEngagementError(problems.items)
    chosen = _known_steps(steps)
    _check_systems(eng, systems)
    jobs: list[ReportJob] = []
    for step in chosen:
        spec = STEPS[step]
        nb = spec.notebook_path
        scopes: list[str | None]
        if systems:
            # --system asks for per-system reports; steps not scoped by system keep their organisation report
            scopes = list(dict.fromkeys(systems)) if spec.system_scoped else [None]
        else:
            scopes = [None, *spec.scope_values(eng)]
        jobs.extend(ReportJob(step, sid, nb) for sid in scopes)
    return jobs


def _known_steps(steps: Sequence[str]) -> list[str]:
    """The steps asked for, each once (every registered step when none is), refusing an unknown one."""
    chosen = list(dict.fromkeys(steps)) or list(STEPS)
    for step in chosen:
        if step not in STEPS:
            if step in PLANNED:
                raise RunUsageError(f"step '{step}' is planned but not available yet (available: {', '.join(STEPS)})")
            raise RunUsageError(f"unknown step '{step}'{suggest(step, STEPS)} (available: {', '.join(STEPS)})")
    return chosen


def _check_systems(eng: Engagement, systems: Sequence[str]) -> None:
    """Refuse a system (``--system``) the inventory does not have or has out of scope."""
    in_scope = eng.in_scope_ids
    known = list(eng.systems["id"])
    for sid in systems:
        if sid not in known:
            raise RunUsageError(f"unknown system '{sid}'{suggest(sid, known)} (systems: {', '.join(known)})")
        if sid not in in_scope:
            raise RunUsageError(f"system '{sid}' is out of scope (in_scope = no in systems.csv)")


def check_notebook(path: Path, names: Sequence[str]) -> None:
    """Refuse a notebook without a ``parameters`` cell or without the parameters we pass."""
    import papermill

    if not path.is_file():
        raise RunError(f"notebook not found: {path}")
    params = papermill.inspect_notebook(str(path))
    if not params:
        raise RunError(f"{path.name} has no cell tagged 'parameters'; papermill would ignore our values")
    missing = [n for n in names if n not in params]
    if missing:
        raise RunError(f"{path.name} does not declare the parameter(s) {', '.join(missing)}")


def check_output_folder(out_root: Path, engagement_path: Path) -> None:
    """Refuse an output folder where writing could overwrite something the user wrote, or another
    program or a newer aimskit wrote (a ``manifest.json`` that is not this aimskit's:
    :class:`~aimskit.results.run.RunFolderError`, every problem positioned)."""
    out_abs, eng_abs = Path(out_root).resolve(), Path(engagement_path).resolve()
    if out_abs == eng_abs or eng_abs in out_abs.parents:
        raise RunError(f"the output folder {out_root} is inside the engagement folder; choose another with --out")
    if out_abs.is_file():
        raise RunError(f"the output folder {out_root} is a file")
    # (a run killed before its first manifest leaves only its own assets/ and .aimskit/ folders)
    ours = {"assets", RECORDS.parts[0]}
    if out_abs.is_dir() and any(p.name not in ours for p in out_abs.iterdir()) and not (out_abs / MANIFEST).is_file():
        raise RunError(
            f"{out_root} is not empty and holds no aimskit {MANIFEST}; refusing to write into it "
            "(choose an empty or new folder with --out)"
        )
    check_output_manifest(out_abs)
