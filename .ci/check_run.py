"""Check a finished ``aimskit run``: every report of the plan written, none failed.

Usage (with the Python of the environment the run used): ``python .ci/check_run.py OUT [ENGAGEMENT]``;
no ENGAGEMENT: the bundled example. The plan is computed again here by the library
(``aimskit.batch.plan``), independently of the run, and compared with the run's ``manifest.json``
and the files on disk. For the bundled example the plan must also be the list pinned in
``.ci/example-reports.txt``: the same library plans the run and this check, so a change that makes
the plan smaller would otherwise pass both. Exits with 1 and lists what is wrong; prints one line
when all is well.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PINNED = Path(__file__).resolve().parent / "example-reports.txt"


def pinned() -> list[str]:
    """The reports of the bundled example, as pinned in .ci/example-reports.txt."""
    lines = PINNED.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def problems(out: Path, engagement_path: Path | None) -> tuple[list[str], int]:
    from aimskit import batch, engagement
    from aimskit.base import resources

    eng = engagement.load(engagement_path or resources.example_engagement())
    planned = [job.name for job in batch.plan(eng)]
    found: list[str] = []
    expected = pinned() if engagement_path is None else planned
    if planned != expected:
        left, new = sorted(set(expected) - set(planned)), sorted(set(planned) - set(expected))
        found.append(
            f"the plan of the bundled example is not the list in {PINNED.name} (not planned: {left}; "
            f"new: {new}; or another order): if the change is meant, update that file"
        )
    manifest_path = out / "manifest.json"
    if not manifest_path.is_file():
        return [f"{manifest_path}: missing (the run wrote no manifest)"], len(planned)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [f"{manifest_path}: cannot be read ({exc})"], len(planned)
    reports = {r["name"]: r for r in manifest.get("reports", [])}
    if manifest.get("status") != "ok":
        found.append(f"{manifest_path}: run status is {manifest.get('status')!r}, not 'ok'")
    for name in planned:
        report = reports.get(name)
        if report is None:
            found.append(f"{name}: planned but not in the manifest")
            continue
        if report.get("status") != "ok":
            found.append(f"{name}: status {report.get('status')!r}: {report.get('error')}")
        for kind in ("html", "json", "ipynb"):
            rel = (report.get("files") or {}).get(kind)
            if not rel or not (out / rel).is_file() or (out / rel).stat().st_size == 0:
                found.append(f"{name}: no {kind} file written ({rel})")
    for name in sorted(set(reports) - set(planned)):
        found.append(f"{name}: in the manifest but not in the plan")
    if not (out / "index.html").is_file():
        found.append(f"{out / 'index.html'}: missing")
    return found, len(planned)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: check_run.py OUT [ENGAGEMENT]", file=sys.stderr)
        return 2
    out = Path(argv[1])
    found, planned = problems(out, Path(argv[2]) if len(argv) == 3 else None)
    for line in found:
        print(f"check_run: {line}", file=sys.stderr)
    if found:
        print(f"check_run: {len(found)} problem(s) in the run in {out} ({planned} reports planned)", file=sys.stderr)
        return 1
    print(f"check_run: all {planned} planned reports written to {out}, none failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
