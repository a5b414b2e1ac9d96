"""Every report's results JSON for an engagement, computed in this process (no kernel, no HTML).

    python benchmarks/results_json.py ENGAGEMENT OUT     # one <step>/<scope>.json per planned report

Used to check that a change to the computation keeps every results JSON byte-identical: write
them with the code before and after the change and compare the folders (``diff -r``).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path


def main() -> None:
    from aimskit import engagement
    from aimskit.steps.base import scope_name
    from aimskit.steps.registry import STEPS

    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    full = engagement.load(src)
    for step in STEPS.values():
        eng = engagement.load(src, parts=step.needs)
        compute, view = importlib.import_module(step.compute), importlib.import_module(step.view)
        for scope in [None, *step.scope_values(full)]:
            result = compute.assess(eng) if scope is None else compute.assess(eng, scope)  # readiness takes no scope
            text = json.dumps(view.results(result), indent=2, ensure_ascii=False, default=str)
            path = out / step.name / f"{scope_name(step.scope_prefix, scope)}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text + "\n", encoding="utf-8")
        print(step.name, flush=True)


if __name__ == "__main__":
    main()
