"""The shape of the house: step declarations, the parts registry and the cache inputs they derive.

The key test runs every step's report notebook in this process on a copy of the example, records
every file of the engagement folder that is opened or listed while it loads and computes, and checks
that each one is among the step's cache inputs (``Step.reads``). A step that reads a file it does not
declare would make the incremental cache reuse a stale report after that file changes.
"""

from __future__ import annotations

import builtins
import io
import json
import os
from pathlib import Path

import pytest

from aimskit import engagement, resources
from aimskit.inputs import registry as parts_registry
from aimskit.inputs.base import Part
from aimskit.steps import STEPS


class _Recorder:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.touched: set[str] = set()

    def note(self, path: object) -> None:
        if isinstance(path, int):  # a file descriptor
            return
        try:
            p = Path(os.fsdecode(path)).resolve()  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return
        if p == self.root or self.root in p.parents:
            self.touched.add(p.relative_to(self.root).as_posix())


@pytest.fixture
def record(monkeypatch):
    def install(root: Path) -> _Recorder:
        rec = _Recorder(root)
        real_open, real_io_open = builtins.open, io.open
        real_scandir, real_listdir = os.scandir, os.listdir

        def rec_open(file, *a, **k):
            rec.note(file)
            return real_open(file, *a, **k)

        def rec_io_open(file, *a, **k):
            rec.note(file)
            return real_io_open(file, *a, **k)

        def rec_scandir(path=".", *a, **k):
            rec.note(path)
            return real_scandir(path, *a, **k)

        def rec_listdir(path=".", *a, **k):
            rec.note(path)
            return real_listdir(path, *a, **k)

        monkeypatch.setattr(builtins, "open", rec_open)
        monkeypatch.setattr(io, "open", rec_io_open)
        monkeypatch.setattr(os, "scandir", rec_scandir)
        monkeypatch.setattr(os, "listdir", rec_listdir)
        return rec

    return install


def _covered(name: str, reads: tuple[str, ...]) -> bool:
    return any(name == r or name.startswith(r.rstrip("/") + "/") for r in reads)


def _code_cells(notebook: str) -> list[tuple[list[str], str]]:
    nb = json.loads(resources.notebook(notebook).read_text(encoding="utf-8"))
    return [(c["metadata"].get("tags", []), "".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"]


def _run_notebook_in_process(notebook: str, params: dict[str, object]) -> None:
    import sys

    from IPython.core.interactiveshell import InteractiveShell

    main = sys.modules["__main__"]  # IPython swaps in a module of its own (without __spec__: Dask needs it)
    shell = InteractiveShell.instance()
    try:
        for tags, source in _code_cells(notebook):
            if "parameters" in tags:
                source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items())
            result = shell.run_cell(source, silent=False, store_history=False)
            if not result.success:
                raise AssertionError(f"{notebook}: a cell failed") from (
                    result.error_in_exec or result.error_before_exec
                )
    finally:
        shell.reset(new_session=False)
        InteractiveShell.clear_instance()
        sys.modules["__main__"] = main


def _scopes() -> list[tuple[str, str | None]]:
    eng = engagement.load(resources.example_engagement())
    out: list[tuple[str, str | None]] = []
    for name, step in STEPS.items():
        out.append((name, None))
        values = step.scope_values(eng)
        if values:
            out.append((name, values[0]))
    return out


@pytest.mark.parametrize(("step_name", "scope"), _scopes(), ids=lambda v: str(v))
def test_every_file_a_report_reads_is_among_its_cache_inputs(tmp_path, record, example_copy, step_name, scope):
    step = STEPS[step_name]
    logo = engagement.load(example_copy).meta.branding.logo  # every report embeds it (a cache input too)
    rec = record(example_copy)
    params: dict[str, object] = {"engagement_path": str(example_copy), "output_dir": str(tmp_path / "out")}
    (tmp_path / "out").mkdir()
    if scope is not None:
        params[step.scope_param] = scope
    _run_notebook_in_process(step.notebook, params)
    allowed = (*step.reads, *([logo] if logo else []))
    assert rec.touched, "the recorder saw no file at all: it is not recording"
    missing = sorted(name for name in rec.touched if name != "." and not _covered(name, allowed))
    assert not missing, f"step {step_name} reads {missing} but its cache inputs are {step.reads}"


def test_the_recorder_would_catch_an_undeclared_file(tmp_path, record, example_copy):
    """The test above can fail: a read of risks.csv outside the gap step's declared parts is seen."""
    rec = record(example_copy)
    (example_copy / "risks.csv").read_text(encoding="utf-8")
    assert "risks.csv" in rec.touched
    assert not _covered("risks.csv", STEPS["gap"].reads)


def test_a_step_cannot_use_a_part_it_did_not_declare(example_copy):
    from aimskit.inputs import risk as risk_part
    from aimskit.steps import risk

    eng = engagement.load(example_copy, parts=STEPS["gap"].needs)
    with pytest.raises(engagement.PartNotLoaded, match="'risk' part"):
        risk.assess(eng)
    assert not eng.parts, "gap reads no optional part"
    full = engagement.load(example_copy)
    assert full.part(risk_part.PART) is full.parts["risk"]


def test_parts_are_registered_after_the_parts_they_depend_on():
    seen: set[str] = set()
    for part in parts_registry.PARTS:
        assert all(dep.name in seen for dep in part.depends), f"{part.name} is read before its dependencies"
        seen.add(part.name)
    assert len({p.name for p in parts_registry.PARTS}) == len(parts_registry.PARTS)


def test_cache_inputs_are_derived_from_the_parts():
    assert STEPS["gap"].reads == ("engagement.yaml", "systems.csv", "gap.csv")
    review = set(STEPS["review"].reads)
    # the review pack computes the risk, impact and audit pictures: their files key its cache
    for step in ("risk", "impact", "audit"):
        assert set(STEPS[step].reads) <= review
    assert {"systems", "impacts.csv", "risks.csv", "reviews.yaml"} <= review


def test_every_part_file_has_a_blank_template_or_is_a_folder():
    templates = {name for part in parts_registry.PARTS for name in part.templates}
    for part in parts_registry.PARTS:
        for f in part.files:
            assert f in templates or any(t.startswith(f + "/") for t in templates), f"{part.name}: no template for {f}"


def test_engagement_yaml_keys_of_parts_are_not_in_the_core_model():
    from aimskit.inputs.core import EngagementMeta

    owned = {k.name for p in parts_registry.PARTS for k in p.meta_keys}
    assert owned, "the parts own some engagement.yaml keys"
    assert not owned & set(EngagementMeta.model_fields)
    for name, field in EngagementMeta.model_fields.items():
        assert "Any" not in str(field.annotation), f"EngagementMeta.{name} is typed Any"


def test_a_new_part_and_step_need_only_their_declaration(tmp_path, monkeypatch, example_copy):
    """An extra part declared and registered is read by load() and derived into a step's inputs."""
    from aimskit.steps.base import Step

    (example_copy / "extra.csv").write_text("a\n1\n", encoding="utf-8")

    def read(ctx):
        path = ctx.optional_file("extra.csv")
        return path.read_text(encoding="utf-8") if path else ""

    extra: Part[str] = Part("extra", ("extra.csv",), read, str)
    monkeypatch.setattr(parts_registry, "PARTS", (*parts_registry.PARTS, extra))
    step = Step("extra", "Extra", "x.ipynb", parts=(extra,))
    assert "extra.csv" in step.reads
    eng = engagement.load(example_copy, parts=step.needs)
    assert eng.part(extra) == "a\n1\n"
    assert "extra.csv" in eng.files


def _cycles(graph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.find_modules_directly_imported_by(v) & modules:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for m in sorted(modules):
        if m not in index:
            visit(m)
    return out


def test_no_import_cycles():
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("aimskit")
    modules = set(graph.modules)
    assert _cycles(graph, modules) == []
