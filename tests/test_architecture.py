"""The shape of the house: the stage folders and their layers, step declarations, the parts registry
and the cache inputs they derive.

The key test runs every step's report notebook in this process on a copy of the example, records
every file of the engagement folder that is opened or listed while it loads and computes, and checks
that each one is among the step's cache inputs (``Step.reads``). A step that reads a file it does not
declare would make the incremental cache reuse a stale report after that file changes.

The layout tests read the import contract in pyproject.toml: one layer per folder of ``aimskit/``,
every module inside one, few modules loose at the package root, no function longer than a screenful
or two, and no import cycle.
"""

from __future__ import annotations

import ast
import builtins
import io
import json
import os
import tomllib
from pathlib import Path

import pytest

import aimskit
from aimskit import engagement
from aimskit.base import resources
from aimskit.engagement.parts import registry as parts_registry
from aimskit.engagement.parts.base import Part
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


def _code_cells(notebook: Path) -> list[tuple[list[str], str]]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return [(c["metadata"].get("tags", []), "".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"]


def _run_notebook_in_process(notebook: Path, params: dict[str, object]) -> None:
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
                raise AssertionError(f"{notebook.name}: a cell failed") from (
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
    _run_notebook_in_process(step.notebook_path, params)
    allowed = (*step.reads, *([logo] if logo else []))
    assert rec.touched, "the recorder saw no file at all: it is not recording"
    missing = sorted(name for name in rec.touched if name != "." and not _covered(name, allowed))
    assert not missing, f"step {step_name} reads {missing} but its cache inputs are {step.reads}"


def _keep_one_system(folder: Path, keep: str) -> None:
    """Remove every other system's slice from the engagement at ``folder`` (rows, profiles)."""
    import csv

    from aimskit.engagement.parts import slicing

    for name, spec in slicing.slices().items():
        path = folder / name
        if spec.index:  # a folder sliced by its index CSV: keep the system's index rows (its files stay)
            path = path / spec.index
        elif not spec.column:
            if path.is_dir():
                for p in path.iterdir():
                    if p.is_file() and p.stem != keep and not p.name.startswith(("_", ".")):
                        p.unlink()
            continue
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        col = [h.strip().lower() for h in rows[0]].index(spec.column)
        kept = [r for r in rows[1:] if r and (r[col].strip() == keep or (spec.shared and not r[col].strip()))]
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows([rows[0], *kept])


def _results(step_name: str, folder: Path, out: Path, scope: str | None) -> str:
    step = STEPS[step_name]
    out.mkdir(parents=True, exist_ok=True)
    params: dict[str, object] = {"engagement_path": str(folder), "output_dir": str(out), "results_path": ""}
    params["results_path"] = str(out / "results.json")
    if scope is not None:
        params[step.scope_param] = scope
    _run_notebook_in_process(step.notebook_path, params)
    return (out / "results.json").read_text(encoding="utf-8")


def _system_scoped() -> list[str]:
    return [name for name, step in STEPS.items() if step.slices_per_system]


@pytest.mark.parametrize("step_name", _system_scoped())
def test_a_per_system_report_reads_only_its_slices(tmp_path, example_copy, step_name):
    """A per-system report's cache key holds its system's slices only (``Slice``), so it must not
    depend on any other system's rows or files: with every other system removed from the engagement,
    its key and its results are the same, while the organisation report's results change."""
    from aimskit.batch import cache

    step = STEPS[step_name]
    eng = engagement.load(example_copy, parts=step.needs)
    sid = step.scope_values(eng)[0]
    key_before, org_key_before = cache.read_inputs(eng, step_name, sid), cache.read_inputs(eng, step_name, None)
    full = _results(step_name, example_copy, tmp_path / "full", sid)
    org_full = _results(step_name, example_copy, tmp_path / "org-full", None)
    _keep_one_system(example_copy, sid)
    alone = engagement.load(example_copy, parts=step.needs)
    assert alone.in_scope_ids == [sid]
    assert cache.read_inputs(alone, step_name, sid) == key_before, "removing other systems changed the key"
    assert cache.read_inputs(alone, step_name, None) != org_key_before
    assert _results(step_name, example_copy, tmp_path / "alone", sid) == full, (
        f"{step_name}/system-{sid} depends on other systems' data: its cache key would reuse a stale report"
    )
    if len(step.scope_values(eng)) > 1:  # the organisation report covers the others too: it must change
        org_alone = _results(step_name, example_copy, tmp_path / "org-alone", None)
        assert org_alone != org_full, "the removal changed nothing"


def test_a_slice_key_changes_with_the_systems_own_rows(example_copy):
    from aimskit.batch import cache

    eng = engagement.load(example_copy)
    a, b = eng.in_scope_ids[:2]
    before = {s: cache.read_inputs(eng, "gap", s) for s in (a, b)}
    assert "gap.csv[" + a + "]" in before[a]
    gap = example_copy / "gap.csv"
    lines = gap.read_text(encoding="utf-8").splitlines()
    i = next(i for i, line in enumerate(lines) if line.split(",")[1] == a)
    lines[i] = lines[i] + " "  # a change to a row of system a
    gap.write_text("\n".join(lines) + "\n", encoding="utf-8")
    after = {s: cache.read_inputs(eng, "gap", s) for s in (a, b)}
    assert after[a] != before[a] and after[b] == before[b]


def test_the_recorder_would_catch_an_undeclared_file(tmp_path, record, example_copy):
    """The test above can fail: a read of risks.csv outside the gap step's declared parts is seen."""
    rec = record(example_copy)
    (example_copy / "risks.csv").read_text(encoding="utf-8")
    assert "risks.csv" in rec.touched
    assert not _covered("risks.csv", STEPS["gap"].reads)


def test_a_step_cannot_use_a_part_it_did_not_declare(example_copy):
    from aimskit.engagement.parts import risk as risk_part
    from aimskit.steps import risk

    eng = engagement.load(example_copy, parts=STEPS["gap"].needs)
    with pytest.raises(engagement.PartNotLoaded, match="'risk' part"):
        risk.assess(eng)
    assert set(eng.parts) == {"security"}, "gap reads the security part only (red-team runs as evidence)"
    full = engagement.load(example_copy)
    assert full.part(risk_part.PART) is full.parts["risk"]


def test_parts_are_registered_after_the_parts_they_depend_on():
    seen: set[str] = set()
    for part in parts_registry.PARTS:
        assert all(dep.name in seen for dep in part.depends), f"{part.name} is read before its dependencies"
        seen.add(part.name)
    assert len({p.name for p in parts_registry.PARTS}) == len(parts_registry.PARTS)


def test_cache_inputs_are_derived_from_the_parts():
    assert STEPS["gap"].reads == ("engagement.yaml", "systems.csv", "gap.csv", "security")
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
    from aimskit.engagement.parts.core import EngagementMeta

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


# ---------------------------------------------------------------------------------------------
# the stage folders: one layer of the import contract each

PACKAGE = Path(aimskit.__file__).resolve().parent  # the aimskit under test (installed or a checkout)
REPO = Path(__file__).resolve().parent.parent  # the checkout: pyproject.toml, docs/
MAX_LOOSE_MODULES = 4
MAX_FUNCTION_LINES = 100


def _stage_layers() -> list[str]:
    """The layers of the contract whose layers are all folders of aimskit/ (pyproject.toml), top first."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = pyproject["tool"]["importlinter"]["contracts"]
    stage = [
        c
        for c in contracts
        if c["type"] == "layers" and all(m.strip().count(".") == 1 for layer in c["layers"] for m in _split(layer))
    ]
    assert len(stage) == 1, f"expected one contract over the folders of aimskit/, found {len(stage)}"
    return [m for layer in stage[0]["layers"] for m in _split(layer)]


def _split(layer: str) -> list[str]:
    """The modules of one layer (``a | b``: independent siblings; ``a : b``: siblings)."""
    return [m.strip() for m in layer.replace(":", "|").split("|") if m.strip()]


def _modules(root: Path = PACKAGE) -> list[str]:
    """Every module of the package at ``root`` by its dotted name (a package by its ``__init__``)."""
    out = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        out.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


def _layout_problems(root: Path, layers: list[str]) -> list[str]:
    """What breaks the rules of the layout: a folder without its layer (or a layer without its folder),
    a module in no layer, more than :data:`MAX_LOOSE_MODULES` modules loose at the root."""
    package = root.name
    folders = sorted(f"{package}.{p.name}" for p in root.iterdir() if p.is_dir() and any(p.rglob("*.py")))
    problems = []
    if len(set(layers)) != len(layers):
        problems.append(f"a folder is in two layers: {layers}")
    if sorted(set(layers)) != folders:
        problems.append(
            f"the contract's layers {sorted(set(layers))} are not the folders of {package}/ {folders}: add a row "
            "for a new folder to the contract in pyproject.toml (and to docs/architecture.md)"
        )
    outside = [m for m in _modules(root) if m.count(".") > 1 and not any(m.startswith(f"{x}.") for x in layers)]
    if outside:
        problems.append(f"modules in no layer: {outside}")
    loose = sorted(p.name for p in root.glob("*.py"))
    if len(loose) > MAX_LOOSE_MODULES:
        problems.append(f"{len(loose)} modules loose at the package root (at most {MAX_LOOSE_MODULES}): {loose}")
    return problems


def test_one_layer_per_stage_folder_and_every_module_in_one():
    assert _layout_problems(PACKAGE, _stage_layers()) == []


def test_the_layout_check_finds_each_breach(tmp_path):
    root = tmp_path / "pkg"
    for folder in ("low", "high", "extra/inner"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("", encoding="utf-8")
    for name in ("__init__", "__main__", "a", "b", "c"):
        (root / f"{name}.py").write_text("", encoding="utf-8")
    assert _split("pkg.high | pkg.low : pkg.extra") == ["pkg.high", "pkg.low", "pkg.extra"]
    assert _layout_problems(root, ["pkg.high", "pkg.low", "pkg.extra"]) == [
        "5 modules loose at the package root (at most 4): ['__init__.py', '__main__.py', 'a.py', 'b.py', 'c.py']"
    ]
    (root / "c.py").unlink()
    assert _layout_problems(root, ["pkg.high", "pkg.low", "pkg.extra"]) == []
    found = _layout_problems(root, ["pkg.high", "pkg.low"])
    assert len(found) == 2 and "not the folders" in found[0] and "pkg.extra.inner" in found[1]
    assert "in two layers" in _layout_problems(root, ["pkg.high", "pkg.low", "pkg.extra", "pkg.low"])[0]


def test_the_architecture_page_shows_every_layer_in_order():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text[text.index("## Stages and layers") :]
    layers = _stage_layers()
    where = {layer: section.find(f"`{layer.removeprefix('aimskit.')}/`") for layer in layers}
    assert -1 not in where.values(), f"docs/architecture.md lacks a row for {[k for k, v in where.items() if v < 0]}"
    assert list(where.values()) == sorted(where.values()), "docs/architecture.md orders the layers otherwise"


def _long_functions(root: Path, limit: int) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_is_longer_than_100_lines():
    long = _long_functions(PACKAGE, MAX_FUNCTION_LINES)
    assert not long, (
        f"functions over {MAX_FUNCTION_LINES} lines (split them into named helpers that read as the steps "
        "of the rule):\n" + "\n".join(long)
    )


def test_the_function_length_check_measures_whole_functions(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(100))
    (pkg / "m.py").write_text(f"def short():\n    return 1\n\n\nasync def long():\n{body}\n", encoding="utf-8")
    assert _long_functions(pkg, 100) == ["pkg/m.py:5 long (101 lines)"]


# ---------------------------------------------------------------------------------------------
# a step is one folder plus one registry line: every other fact about it is a field of its STEP


def test_every_step_is_its_folder_with_its_notebook():
    from aimskit.steps import registry

    assert list(STEPS) == list(registry.REGISTERED)
    for name, step in STEPS.items():
        assert step.folder == PACKAGE / "steps" / name
        assert step.notebook_path == PACKAGE / "steps" / name / step.notebook and step.notebook_path.is_file()
        assert resources.notebook(step.notebook) == step.notebook_path  # the lookup by name still finds it
        assert step.compute == f"aimskit.steps.{name}" and step.view == f"aimskit.steps.{name}.view"
    assert sorted(resources.report_notebooks()) == sorted(s.notebook_path for s in STEPS.values())


def test_every_step_has_its_own_place_in_the_pack():
    from aimskit.steps import registry

    orders = [step.pack_order for step in STEPS.values()]
    assert all(isinstance(o, int) for o in orders), orders
    assert len(set(orders)) == len(orders), f"two steps share a place in the pack: {orders}"
    pack = registry.in_pack_order(STEPS)
    assert pack[0] == "readiness" and pack.index("gap") < pack.index("risk") < pack.index("review")
    assert registry.in_pack_order(["crosswalk", "old", "gap"]) == ["gap", "crosswalk", "old"]
    assert registry.commentary_names() == (*pack, *registry.PLANNED)


def _fake_step_module(monkeypatch, name: str, step: object) -> None:
    import sys
    import types

    module = types.ModuleType(f"aimskit.steps.{name}")
    module.STEP = step  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)


def test_the_registry_refuses_a_declaration_that_would_misplace_a_step(monkeypatch):
    from aimskit.steps import registry
    from aimskit.steps.base import Step

    _fake_step_module(monkeypatch, "nopos", Step("nopos", "No position", "nopos.ipynb"))
    _fake_step_module(monkeypatch, "samepos", Step("samepos", "Same", "samepos.ipynb", pack_order=20))
    _fake_step_module(monkeypatch, "misnamed", Step("other", "Misnamed", "x.ipynb", pack_order=999))
    _fake_step_module(monkeypatch, "nostep", None)
    cases = {
        ("gap", "nopos"): "has no pack_order",
        ("gap", "samepos"): "pack_order 20, as step 'gap' has",
        ("gap", "misnamed"): "is named 'other'",
        ("gap", "gap"): "registered twice",
        ("nostep",): "declares no STEP",
    }
    for names, message in cases.items():
        with pytest.raises(registry.DeclarationError, match=message):
            registry.registered(names)
    assert list(registry.registered(["gap", "risk"])) == ["gap", "risk"]
