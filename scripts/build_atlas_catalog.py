"""Build aimskit's MITRE ATLAS catalog files from ATLAS.yaml (mitre-atlas/atlas-data ``dist/ATLAS.yaml``).

Usage: python scripts/build_atlas_catalog.py /work/shared/reference/ATLAS.yaml

Writes ``aimskit/catalog/data/mitre-atlas-tactics.csv`` and ``mitre-atlas-techniques.csv``: IDs,
names, parent, tactics (sub-techniques inherit their parent's tactics), maturity and dates. No
descriptions are copied. ATLAS is (c) MITRE, Apache-2.0; the notice is kept in
``aimskit/catalog/data/ATLAS.NOTICE``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parents[1] / "aimskit" / "catalog" / "data"


def main(path: str) -> None:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    matrix = data["matrices"][0]
    tactics = matrix["tactics"]
    names = {t["id"]: t["name"] for t in tactics}
    with (OUT / "mitre-atlas-tactics.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "name", "matrix_order", "created_date", "modified_date"])
        for i, t in enumerate(tactics, 1):
            w.writerow([t["id"], t["name"], i, t.get("created_date", ""), t.get("modified_date", "")])
    techniques = matrix["techniques"]
    own_tactics = {t["id"]: t.get("tactics", []) for t in techniques}
    with (OUT / "mitre-atlas-techniques.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        header = ["id", "name", "parent_id", "tactic_ids", "tactic_names", "maturity", "created_date", "modified_date"]
        w.writerow(header)
        for t in sorted(techniques, key=lambda t: t["id"]):
            parent = t.get("subtechnique-of", "")
            tids = own_tactics[parent] if parent else t.get("tactics", [])
            w.writerow(
                [
                    t["id"],
                    t["name"],
                    parent,
                    "|".join(tids),
                    "|".join(names[x] for x in tids),
                    t.get("maturity", ""),
                    t.get("created_date", ""),
                    t.get("modified_date", ""),
                ]
            )
    print(f"ATLAS {data['version']}: {len(tactics)} tactics, {len(techniques)} techniques")


if __name__ == "__main__":
    main(sys.argv[1])
