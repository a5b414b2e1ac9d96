"""docs/architecture.md, "Adding a step", followed literally in a copy of the package.

The copy of ``aimskit/`` gets the scaffold's folder and the one registry line the scaffold prints;
then, in subprocesses that import the copy (``PYTHONPATH``), the new step is planned, validated
with a document-control commentary naming it, run on the example engagement, and bound into the
pack. Nothing else of the copy changes: no list of step names, pack order or notebook name to edit.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import aimskit
from aimskit.base.problems import UsageError
from aimskit.steps import scaffold

PACKAGE = Path(aimskit.__file__).resolve().parent  # the aimskit under test (installed or a checkout)
REPO = Path(__file__).resolve().parent.parent  # the checkout: pyproject.toml, docs/
NAME = "vendor_review"
TITLE = 'AI supplier review <b>&</b> "due diligence"'
COMMENTARY = "Suppliers <script>x</script> reviewed."

PLAN_AND_PACK = """
import json, sys
from pathlib import Path
from aimskit import batch, engagement
from aimskit.deliver import pdf
from aimskit.results.run import Run
from aimskit.steps import registry

eng_path, out = Path(sys.argv[1]), Path(sys.argv[2])
jobs = batch.plan(engagement.load(eng_path), [sys.argv[3]])
parts = pdf.report_parts(Run.open(out)) if out.is_dir() else []
print(json.dumps({
    "registry": registry.__file__,
    "notebooks": sorted({str(j.notebook) for j in jobs}),
    "reports": [j.name for j in jobs],
    "pack": registry.in_pack_order(registry.STEPS),
    "commentary": list(registry.commentary_names()),
    "parts": [p.name for p in parts],
}))
"""


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _add_registry_line(registry: Path, line: str) -> None:
    """Step 2 of the walk-through: the printed line, last in ``REGISTERED``."""
    text = registry.read_text(encoding="utf-8")
    start = text.index("REGISTERED: tuple[str, ...] = (\n")
    end = text.index("\n)\n", start)
    registry.write_text(text[:end] + "\n" + line + text[end:], encoding="utf-8")


def _set_commentary(engagement_yaml: Path, key: str) -> None:
    text = engagement_yaml.read_text(encoding="utf-8")
    assert "\n  commentary:\n" in text
    engagement_yaml.write_text(
        text.replace("\n  commentary:\n", f"\n  commentary:\n    {key}: {json.dumps(COMMENTARY)}\n", 1),
        encoding="utf-8",
    )


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture
def copy(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the package (``<tmp>/copy/aimskit``) and the environment of a Python that imports it."""
    root = tmp_path / "copy"
    shutil.copytree(PACKAGE, root / "aimskit", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    return root / "aimskit", env


def test_adding_a_step_is_one_folder_and_one_registry_line(tmp_path, copy, example_copy):
    package, env = copy
    before = _hashes(package)
    registry = package / "steps" / "registry.py"
    registry_before = registry.read_text(encoding="utf-8")

    # 1. its folder, from the scaffold
    made = _run([sys.executable, "-m", "aimskit.steps.scaffold", NAME, TITLE], env, tmp_path)
    assert made.returncode == 0, made.stderr
    folder = package / "steps" / NAME
    assert {f"wrote {folder / f}" for f in ("__init__.py", "view.py", f"{NAME}.ipynb")} <= set(made.stdout.splitlines())
    # 2. one registry line: the one it printed
    line = made.stdout.splitlines()[-1]
    assert line.strip() == f'"{NAME}",'
    _add_registry_line(registry, line)

    # nothing else changed: its folder and one added line of the registry
    after = _hashes(package)
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    assert changed == sorted(
        ["steps/registry.py", f"steps/{NAME}/__init__.py", f"steps/{NAME}/view.py", f"steps/{NAME}/{NAME}.ipynb"]
    )
    diff = list(difflib.unified_diff(registry_before.splitlines(), registry.read_text(encoding="utf-8").splitlines()))
    edits = [d for d in diff[2:] if d[:1] in "+-"]
    assert edits == [f"+{line}"], diff
    _check_notebook(folder / f"{NAME}.ipynb")
    _check_style(folder)

    # the engagement may comment on the new step; a misspelling is refused with the new name suggested
    _set_commentary(example_copy / "engagement.yaml", NAME)
    valid = _run([sys.executable, "-m", "aimskit", "validate", str(example_copy)], env, tmp_path)
    assert valid.returncode == 0 and "AK223" not in valid.stdout + valid.stderr, valid.stdout + valid.stderr

    # plan, run, index
    planned = json.loads(
        _run([sys.executable, "-c", PLAN_AND_PACK, str(example_copy), "-", NAME], env, tmp_path).stdout
    )
    assert Path(planned["registry"]).is_relative_to(package)
    assert planned["notebooks"] == [str(folder / f"{NAME}.ipynb")]
    in_scope = ["credit-score", "llm-assist", "cv-screen", "collections-forecast", "fraud-detect"]
    assert planned["reports"] == [f"{NAME}/organisation", *(f"{NAME}/system-{s}" for s in in_scope)]
    assert planned["pack"][-1] == NAME and planned["commentary"][-1] == NAME
    out = tmp_path / "out"
    run = ["run", str(example_copy), "--step", NAME, "--step", "readiness", "--out", str(out), "--jobs", "2"]
    ran = _run([sys.executable, "-m", "aimskit", *run], env, tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    _check_reports(out, in_scope)

    # the pack: readiness first (its pack_order), then the new step, organisation report first
    packed = json.loads(
        _run([sys.executable, "-c", PLAN_AND_PACK, str(example_copy), str(out), NAME], env, tmp_path).stdout
    )
    assert packed["parts"] == [
        "readiness/organisation",
        f"{NAME}/organisation",
        *(f"{NAME}/system-{s}" for s in in_scope),
    ]

    _set_commentary(example_copy / "engagement.yaml", NAME.replace("_", ""))
    invalid = _run([sys.executable, "-m", "aimskit", "validate", str(example_copy)], env, tmp_path)
    assert invalid.returncode == 1
    assert f"unknown step 'vendorreview' in document_control.commentary; did you mean '{NAME}'?" in invalid.stdout
    assert f"engagement.yaml:{_line_of(example_copy / 'engagement.yaml', 'vendorreview:')}:5:" in invalid.stdout


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def _check_reports(out: Path, in_scope: list[str]) -> None:
    org = (out / NAME / "organisation.html").read_text(encoding="utf-8")
    assert "AI supplier review &lt;b&gt;&amp;&lt;/b&gt; &quot;due diligence&quot;" in org  # the title, escaped
    assert "Suppliers &lt;script&gt;x&lt;/script&gt; reviewed." in org and "<script>x" not in org
    assert "Consumer Credit Scoring Model (BW-Score v7)" in org and "Operation and monitoring" in org
    results = json.loads((out / NAME / "organisation.json").read_text(encoding="utf-8"))
    assert results["step"] == NAME and results["headline"] == {"systems": len(in_scope), "without_owner": 0}
    one = json.loads((out / NAME / f"system-{in_scope[0]}.json").read_text(encoding="utf-8"))
    assert one["headline"]["systems"] == 1 and [s["id"] for s in one["systems"]] == [in_scope[0]]
    assert "Suppliers" not in (out / NAME / f"system-{in_scope[0]}.html").read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "AI systems covered" in index and "Without an owner" in index  # its headline figures


def _check_notebook(path: Path) -> None:
    """The conventions of a report notebook: clean, one ``parameters`` cell declaring what the runner
    passes, one statement per code cell, no logic, the provenance table, the results saved."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3" and nb["nbformat"] == 4
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    params = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1
    declared = {t.target.id for t in ast.parse("".join(params[0]["source"])).body if isinstance(t, ast.AnnAssign)}
    declared |= {t.targets[0].id for t in ast.parse("".join(params[0]["source"])).body if isinstance(t, ast.Assign)}
    assert declared == {"engagement_path", "output_dir", "system_id", "results_path"}
    sources = ["".join(c["source"]) for c in code if c not in params]
    logic = ast.For | ast.While | ast.FunctionDef | ast.ClassDef | ast.ListComp | ast.DictComp | ast.If
    for source in sources:
        body = [s for s in ast.parse(source).body if not isinstance(s, ast.Import | ast.ImportFrom)]
        assert len(body) <= 1, f"one call per cell:\n{source}"
        assert not any(isinstance(n, logic) for n in ast.walk(ast.parse(source))), source
    assert f"common.provenance(eng, {NAME}.STEP, system_id)" in sources
    assert any(s.startswith("report.save_results(") for s in sources)
    nbformat = pytest.importorskip("nbformat")
    nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))


def _check_style(folder: Path) -> None:
    """The generated code passes the project's ruff rules and format as written."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    config = ["--config", str(REPO / "pyproject.toml")]
    for args in (["check", *config, str(folder)], ["format", "--check", *config, str(folder)]):
        done = subprocess.run([ruff, *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_scaffold_refuses_what_cannot_be_a_step(tmp_path):
    steps = tmp_path / "steps"
    steps.mkdir()
    cases = {
        "Vendor": "cannot name a step: use lower-case",
        "1st": "cannot name a step: use lower-case",
        "a-b": "cannot name a step: use lower-case",
        "x" * 41: "cannot name a step: use lower-case",
        "gap": "exists already",
        "registry": "Python or aimskit uses the name",
        "view": "Python or aimskit uses the name",
        "class": "Python or aimskit uses the name",
        "list": "Python or aimskit uses the name",
        "vendor\x1b[2J": "cannot name a step",
    }
    for name, message in cases.items():
        with pytest.raises(UsageError, match=message.replace("[", r"\[")):
            scaffold.new_step(name, "A title", steps_dir=steps)
    for title in ("", "   ", "two\nlines", "x" * 101):
        with pytest.raises(UsageError, match="one line of printable text"):
            scaffold.new_step("vendor_review", title, steps_dir=steps)
    (steps / "taken").mkdir()
    with pytest.raises(UsageError, match="exists already"):
        scaffold.new_step("taken", "A title", steps_dir=steps)
    assert sorted(p.name for p in steps.iterdir()) == ["taken"]  # nothing written


def test_the_scaffold_writes_a_step_of_its_own(tmp_path):
    from aimskit.steps import STEPS

    steps = tmp_path / "steps"
    steps.mkdir()
    written = scaffold.new_step("org_only", "  Organisation review  ", per_system=False, steps_dir=steps)
    assert [p.relative_to(steps).as_posix() for p in written] == [
        "org_only/__init__.py",
        "org_only/view.py",
        "org_only/org_only.ipynb",
    ]
    source = (steps / "org_only" / "__init__.py").read_text(encoding="utf-8")
    last = max(s.pack_order or 0 for s in STEPS.values())
    assert f"pack_order={last + scaffold.PACK_GAP}," in source and "per_system=False," in source
    assert '    "Organisation review",\n' in source
    nb = (steps / "org_only" / "org_only.ipynb").read_text(encoding="utf-8")
    assert "organisation-wide: leave None" in nb
    assert nb == scaffold.notebook_text("org_only", "Organisation review", per_system=False)  # generated, stable


def test_the_contributor_command_says_what_is_wrong(tmp_path):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    bad = _run([sys.executable, "-m", "aimskit.steps.scaffold", "gap", "Gap again"], env, tmp_path)
    assert bad.returncode == 2 and "error: step 'gap' exists already" in bad.stderr and "Traceback" not in bad.stderr
    usage = _run([sys.executable, "-m", "aimskit.steps.scaffold", "only_a_name"], env, tmp_path)
    assert usage.returncode == 2 and usage.stderr.startswith("usage: python -m aimskit.steps.scaffold")
