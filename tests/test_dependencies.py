"""What aimskit needs installed: every import declared, the base install enough for the bundled files,
and a missing package said once, in one line, with the command that installs it.

The end-to-end check (a wheel installed without extras into a fresh virtualenv) is in
``test_fresh_install.py``; these run in the test environment and block a package by putting
``None`` in ``sys.modules``, which makes Python's import raise ``ModuleNotFoundError`` for it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

from aimskit import engagement
from aimskit.base import dependencies, resources
from aimskit.formats.redteam import import_file
from aimskit.ui.cli import cli

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
EXTRAS_ONLY = {"compliance-trestle": "oscal", "distributed": "dask"}
"""The packages that stay out of the base install, and their extra (docs/dependencies.md)."""
GUARDED_IN = {"trestle": {"results/oscal.py"}, "distributed": {"batch/executors.py"}}
"""Where an extra's package may be imported: inside a function, after ``require``."""
COMES_WITH = {"pydantic-core": "pydantic"}
"""Imported directly, declared by the package that pins its exact version."""


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


BASE = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
EXTRAS = {extra: {_name(r) for r in reqs} for extra, reqs in PYPROJECT["project"]["optional-dependencies"].items()}


def _imports() -> list[tuple[str, str, int, bool]]:
    """(top-level module, file relative to aimskit/, line, at module level) for every import in aimskit/."""
    out = []
    root = REPO / "aimskit"
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                out.append((name.split(".")[0], str(path.relative_to(root)), node.lineno, id(node) in top_level))
    return out


def test_every_third_party_import_is_a_declared_dependency():
    """A package aimskit imports is in the base install, or in an extra and imported only where it is required."""
    owners = metadata.packages_distributions()
    undeclared, unguarded = [], []
    for module, where, line, module_level in _imports():
        if module in sys.stdlib_module_names or module in ("aimskit", "__future__"):
            continue
        dists = {re.sub(r"[-_.]+", "-", d).lower() for d in owners.get(module, [])}
        assert dists, f"aimskit/{where}:{line}: '{module}' is installed by no distribution in the test environment"
        if dists & BASE or {COMES_WITH.get(d) for d in dists} & BASE:
            continue
        extra = next((EXTRAS_ONLY[d] for d in dists if d in EXTRAS_ONLY), None)
        if extra is None:
            undeclared.append(f"aimskit/{where}:{line}: {module} ({', '.join(sorted(dists))})")
        elif module_level or where not in GUARDED_IN.get(module, set()):
            unguarded.append(f"aimskit/{where}:{line}: {module} (extra '{extra}')")
    assert not undeclared, "imported but not in [project] dependencies:\n" + "\n".join(undeclared)
    assert not unguarded, "an extra's package imported outside its guarded place:\n" + "\n".join(unguarded)


def test_the_extras_are_what_the_readme_says():
    assert {"oscal", "dask", "all", "test"} <= set(EXTRAS)
    for dist, extra in EXTRAS_ONLY.items():
        assert dist not in BASE and dist in EXTRAS[extra]
    assert PYPROJECT["project"]["optional-dependencies"]["all"] == ["aimskit[oscal,dask]"]
    for kept in ("xlsx", "pdf", "security"):  # emptied, kept so that old install commands still work
        assert EXTRAS[kept] == set()
    for moved in ("zstandard", "openpyxl", "python-docx", "pypdf", "choreographer"):
        assert moved in BASE


def test_install_commands_come_from_the_installed_metadata():
    assert dependencies.install_command("zstandard").startswith("pip install 'zstandard>=")
    assert dependencies.install_command("python-docx").startswith("pip install 'python-docx>=")
    assert dependencies.install_command("compliance-trestle") == "pip install 'aimskit[oscal]'"
    assert dependencies.install_command("distributed") == "pip install 'aimskit[dask]'"
    assert dependencies.install_command("no-such-package") == "pip install 'no-such-package'"


def test_require_names_the_feature_the_package_and_the_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "trestle", None)
    with pytest.raises(dependencies.MissingDependency) as caught:
        dependencies.require("trestle", "The OSCAL export")
    message = str(caught.value)
    assert message == (
        "The OSCAL export needs the Python package 'compliance-trestle', which is not installed here; "
        "install it with: pip install 'aimskit[oscal]'"
    )


def test_require_says_when_an_installed_package_cannot_import_its_own_dependency(monkeypatch, tmp_path):
    pkg = tmp_path / "brokenpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("import no_such_module_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(dependencies.MissingDependency, match="installed but cannot import 'no_such_module_anywhere'"):
        dependencies.require("brokenpkg", "A feature")


def _zstd_members(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(1 for i in zf.infolist() if i.compress_type == 93)


def test_missing_zstandard_is_one_problem_for_the_file(monkeypatch):
    """Was one problem per compressed member (50 shown, then 'more problems'), with an extra to install."""
    path = resources.example_engagement() / "security" / "inspect" / "2026-11-13-prompt-injection.eval"
    assert _zstd_members(path) > 10
    monkeypatch.setitem(sys.modules, "zstandard", None)
    result = import_file(path)
    assert len(result.problems) == 1, result.problems
    line, message, severity, code = result.problems[0]
    assert (line, severity, code) == (0, "error", "AK667")
    assert "reading an Inspect AI .eval log" in message and "pip install 'zstandard>=" in message
    assert "aimskit[" not in message  # it is in the base install: no extra to name


def test_the_bundled_example_without_zstandard_gives_one_line_per_eval_file(monkeypatch):
    example = resources.example_engagement()
    evals = [p for p in (example / "security").rglob("*.eval") if _zstd_members(p)]
    assert evals
    monkeypatch.setitem(sys.modules, "zstandard", None)
    problems = engagement.validate(example)
    assert [p.code for p in problems if p.severity == "error"] == ["AK667"] * len(evals), [p.format() for p in problems]


def test_the_bundled_example_and_templates_validate_without_problems(tmp_path):
    """With the base install's packages: no error, and no problem of a missing package (AK667)."""
    from aimskit.engagement.scaffold import init_engagement

    init_engagement(tmp_path / "blank")
    init_engagement(tmp_path / "full", full=True)
    for folder in (resources.example_engagement(), tmp_path / "blank", tmp_path / "full"):
        problems = engagement.validate(folder)
        assert not [p.format() for p in problems if p.severity == "error" or p.code == "AK667"], folder


BLOCK = "import sys\nfor name in ('trestle', 'distributed', 'dask'):\n    sys.modules[name] = None\n"


def test_nothing_but_the_extras_own_commands_needs_the_extras(tmp_path):
    """Every aimskit module imports, the example validates and plans, without compliance-trestle or distributed."""
    code = BLOCK + (
        "import importlib, pkgutil, aimskit\n"
        "for m in pkgutil.walk_packages(aimskit.__path__, 'aimskit.'):\n"
        "    importlib.import_module(m.name)\n"
        "from aimskit import batch, engagement\n"
        "from aimskit.base import resources\n"
        "eng = engagement.load(resources.example_engagement())\n"
        "print(len(batch.plan(eng)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip().splitlines()[-1]) > 10


@pytest.mark.parametrize(
    ("blocked", "args", "expected"),
    [
        (("trestle",), ["export", "oscal", "{tmp}", "--dest", "{tmp}/oscal"], "pip install 'aimskit[oscal]'"),
        (
            ("distributed",),
            ["run", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9", "--out", "{tmp}/out"],
            "pip install 'aimskit[dask]'",
        ),
        (("openpyxl",), ["export", "xlsx", "{example}", "{tmp}/book.xlsx"], "pip install 'openpyxl>="),
        (("docx",), ["word-template", "{tmp}/t.docx"], "pip install 'python-docx>="),
    ],
)
def test_a_command_without_its_package_says_so_in_one_line_and_exits_1(monkeypatch, tmp_path, blocked, args, expected):
    for name in blocked:
        monkeypatch.setitem(sys.modules, name, None)
    example = str(resources.example_engagement())
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{example}", example) for a in args]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 1, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in result.output, result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "oscal").exists()  # nothing begun


def test_a_file_declared_by_two_runs_is_still_one_problem(monkeypatch, tmp_path):
    import shutil

    copy = tmp_path / "example"
    shutil.copytree(resources.example_engagement(), copy)
    runs = copy / "security" / "runs.csv"
    rows = runs.read_text(encoding="utf-8").splitlines()
    inspect_row = next(r for r in rows if ".eval," in r)
    runs.write_text("\n".join([*rows, inspect_row.replace(inspect_row.split(",")[0], "RT-AGAIN", 1)]) + "\n")
    monkeypatch.setitem(sys.modules, "zstandard", None)
    problems = engagement.validate(copy)
    assert [p.code for p in problems if p.severity == "error"] == ["AK667"], [p.format() for p in problems]
    assert "AK613" in [p.code for p in problems]  # and the second declaration is pointed out


def test_an_import_error_names_the_package_behind_it():
    missing = dependencies.from_import_error(ModuleNotFoundError("No module named 'yaml'", name="yaml"))
    assert missing is not None and missing.distribution == "pyyaml"
    assert str(missing).endswith("which is not installed here; install it with: pip install 'pyyaml>=6'")

    # nbconvert is there but cannot import bs4: the innermost module not found is named
    chained = ImportError("cannot import name 'HTMLExporter' from 'nbconvert'", name="nbconvert")
    chained.__context__ = ModuleNotFoundError("No module named 'bs4'", name="bs4")
    found = dependencies.from_import_error(chained)
    assert found is not None and found.distribution == "beautifulsoup4"

    broken = dependencies.from_import_error(ImportError("cannot import name 'X' from 'nbconvert'", name="nbconvert"))
    assert broken is not None and "installed but cannot be imported (cannot import name 'X'" in str(broken)
    assert "pip install 'nbconvert>=" in str(broken)

    # aimskit's own module: a bug, left to the internal-error handler
    assert dependencies.from_import_error(ModuleNotFoundError("x", name="aimskit.nosuch")) is None


def test_a_base_package_missing_at_run_time_is_one_line_and_exit_1(tmp_path):
    """Was 'internal error: ModuleNotFoundError: No module named 'yaml'' and exit 3."""
    code = (
        "import sys\nsys.modules['yaml'] = None\nfrom aimskit.ui.cli import main\n"
        f"sys.argv = ['aimskit', 'validate', {str(resources.example_engagement())!r}]\nmain()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.strip() == (
        "error: aimskit needs the Python package 'pyyaml', which is not installed here; "
        f"install it with: {dependencies.install_command('pyyaml')}"
    )


def test_run_with_deliverables_checks_what_they_need_before_any_report(monkeypatch, tmp_path):
    monkeypatch.setenv("AIMSKIT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    result = CliRunner().invoke(cli, ["run", "--step", "audit", "--pdf", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "AIMSKIT_CHROMIUM=" in result.stderr, (result.output, result.exception)
    assert not (tmp_path / "out").exists()  # no report ran
    monkeypatch.delenv("AIMSKIT_CHROMIUM")
    monkeypatch.setitem(sys.modules, "docx", None)
    result = CliRunner().invoke(cli, ["run", "--step", "audit", "--word", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "Word output needs the Python package 'python-docx'" in result.stderr
    assert not (tmp_path / "out").exists()
