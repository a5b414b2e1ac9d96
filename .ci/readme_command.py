"""Print one of the README's two commands, the one marked ``<!-- ci: NAME -->`` on the line before its block.

``.ci/run`` runs the commands it prints, so the README and CI cannot drift apart. Standard library
only: it runs before anything is installed. Exits with 1 (and says why) when the marker is missing,
appears twice, or is not followed by a fenced block of exactly one line.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def command(name: str, text: str) -> str:
    marker = f"<!-- ci: {name} -->"
    lines = text.splitlines()
    found = [i for i, line in enumerate(lines) if line.strip() == marker]
    if len(found) != 1:
        raise ValueError(f"README.md: the marker {marker} appears {len(found)} times, not once")
    i = found[0] + 1
    if i >= len(lines) or not re.fullmatch(r"```(bash|sh|console)?", lines[i].strip()):
        raise ValueError(f"README.md:{i + 1}: a fenced block must follow {marker}")
    end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == "```"), None)
    if end != i + 2:
        raise ValueError(f"README.md:{i + 1}: the block after {marker} must hold exactly one line (one command)")
    return lines[i + 1].strip()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: readme_command.py NAME", file=sys.stderr)
        return 2
    try:
        print(command(argv[1], README.read_text(encoding="utf-8")))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
