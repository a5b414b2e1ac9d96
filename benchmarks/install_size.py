"""What the base install and each extra weigh: the figures of the README's "Dependencies and why".

    python benchmarks/install_size.py            # the base install, then each extra on top of it
    python benchmarks/install_size.py --no-save

Builds the aimskit wheel from this checkout, installs it into a fresh virtualenv (no extra), and
measures that virtualenv's site-packages (``du -sk``: the disk it takes) and its number of
distributions (``pip list``). Then, for each heavy extra, a second fresh virtualenv gets the same
base install and the extra on top (``pip install '<wheel>[extra]'``), and the difference is the
extra's weight. Packages come from the package index (pip's cache makes a second run quicker).
Writes the result, with the machine and the resolved versions, to
``benchmarks/results/<date>-install-size-<host>.md`` unless ``--no-save``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXTRAS = ("oscal", "dask")


def _run(*args: str | Path) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"failed: {' '.join(str(a) for a in args)}\n{done.stderr[-2000:]}")
    return done.stdout


def _venv(root: Path, requirement: str) -> tuple[int, dict[str, str]]:
    """A fresh virtualenv with ``requirement`` installed: (site-packages KiB, {distribution: version})."""
    _run(sys.executable, "-m", "venv", root)
    python = root / "bin" / "python"
    _run(python, "-m", "pip", "install", "-q", requirement)
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    kib = int(_run("du", "-sk", site).split()[0])
    listed = json.loads(_run(python, "-m", "pip", "list", "--format", "json"))
    return kib, {d["name"].lower(): d["version"] for d in listed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", REPO)
        (wheel,) = (work / "dist").glob("aimskit-*.whl")
        base_kib, base = _venv(work / "base", str(wheel))
        rows = [("base install (`pip install aimskit`)", base_kib, len(base), "", "")]
        for extra in EXTRAS:
            kib, dists = _venv(work / extra, f"{wheel}[{extra}]")
            added = sorted(set(dists) - set(base))
            rows.append((f"`aimskit[{extra}]` on top", kib - base_kib, len(added), ", ".join(added), ""))
    lines = [
        f"# Install size ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Machine: {platform.node()}, {platform.machine()}, Python {platform.python_version()} "
        f"({sysconfig.get_platform()}); command: `python benchmarks/install_size.py`.",
        "Size: `du -sk` of the virtualenv's site-packages; packages: distributions in `pip list` "
        "(pip, setuptools included in the base).",
        "",
        "| what | size | packages | added |",
        "|---|---:|---:|---|",
    ]
    for what, kib, n, added, _ in rows:
        sign = "+" if what.startswith("`") else ""
        lines.append(f"| {what} | {sign}{kib / 1024:.0f} MiB | {sign}{n} | {added} |")
    lines += ["", "Base versions: " + ", ".join(f"{k} {v}" for k, v in sorted(base.items()))]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_save:
        out = REPO / "benchmarks" / "results" / f"{dt.date.today()}-install-size-{platform.node()}.md"
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
