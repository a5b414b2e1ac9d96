"""The module names of earlier releases still import, with a DeprecationWarning naming the new home."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

from aimskit.base.moved import GONE_PACKAGES, MOVED

ALIASES = """
import importlib, json, warnings
from aimskit.base.moved import MOVED
seen = {}
for old, target in sorted(MOVED.items()):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mod = importlib.import_module(old)
    new = vars(importlib.import_module(target))
    same = mod is importlib.import_module(target) and mod.__spec__.name == target
    warned = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    seen[old] = {"same": same, "warnings": warned}
print(json.dumps(seen))
"""


def test_every_old_name_is_an_alias_of_its_new_module():
    done = subprocess.run([sys.executable, "-c", ALIASES], capture_output=True, text=True, check=True, timeout=300)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(seen) == sorted(MOVED)
    for old, target in MOVED.items():
        assert seen[old]["same"], f"{old} is not the module {target} itself"
        assert any(f"{old} is now {target}" in w for w in seen[old]["warnings"]), (old, seen[old]["warnings"])
        assert importlib.import_module(target).__name__ == target


def test_the_notebook_import_forms_of_the_last_release_work():
    code = (
        "import warnings\n"
        "warnings.simplefilter('error')\n"
        "try:\n"
        "    from aimskit import report\n"
        "except DeprecationWarning as w:\n"
        "    print('warned:', w)\n"
        "warnings.simplefilter('ignore')\n"
        "from aimskit import engagement, report, resources\n"
        "from aimskit.reports import gap as view\n"
        "from aimskit.reports import common\n"
        "from aimskit.steps import gap\n"
        "eng = engagement.load(resources.example_engagement())\n"
        "print(type(view.results(gap.assess(eng))).__name__, callable(common.provenance), report.esc('<b>'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "warned: aimskit.report is now aimskit.present.report; the old name goes in a later release"
    assert lines[-1] == "dict True &lt;b&gt;"


def test_new_names_import_without_a_warning_and_unknown_old_names_fail():
    code = (
        "import warnings\n"
        "warnings.simplefilter('error')\n"
        "import aimskit.present.report, aimskit.engagement.parts.core, aimskit.results.compare\n"
        "try:\n"
        "    import aimskit.reports.nosuch\n"
        "except ModuleNotFoundError as e:\n"
        "    print('missing')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "missing"
    assert set(GONE_PACKAGES) == {"aimskit.reports", "aimskit.security"}


def test_an_old_name_is_the_module_itself_for_star_imports_patching_and_python_m():
    code = (
        "import warnings\n"
        "warnings.simplefilter('ignore')\n"
        "from aimskit.report import *\n"
        "import aimskit.report as old, aimskit.present.report as new\n"
        "old.MARK = 1\n"
        "print(callable(esc), getattr(new, 'MARK', None))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "True 1"
    shown = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "aimskit.cli", "--help"], capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Usage: python -m aimskit.cli")
