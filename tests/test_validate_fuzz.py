"""``validate`` never raises (so ``aimskit validate`` never exits 3), whatever the bytes of the files:
seeded random damage to every file of the example engagement."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from aimskit import engagement
from aimskit.base import resources

PAYLOADS = [
    b"\x1b[2K\rOK",
    b"{0} %s ${x} %{y}",
    b"\xff\xfe",
    b"\x00",
    b'"',
    b"&a [*a, *a]",
    b"[" * 200,
    b"\xe2\x80\xae",
    b",,,,",
    b": :",
    b"\t- -",
    "生成AI".encode(),
]


@pytest.mark.parametrize("seed", range(24))
def test_validate_never_raises_on_damaged_files(tmp_path: Path, seed: int):
    rng = random.Random(seed)
    folder = tmp_path / "eng"
    shutil.copytree(resources.example_engagement(), folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".csv", ".yaml"))
    for path in rng.sample(files, k=min(4, len(files))):
        data = bytearray(path.read_bytes())
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data) + 1)
            action = rng.choice(("insert", "delete", "truncate"))
            if action == "insert":
                data[at:at] = rng.choice(PAYLOADS)
            elif action == "delete":
                del data[at : at + rng.randint(1, 40)]
            else:
                del data[at:]
        path.write_bytes(bytes(data))
    problems = engagement.validate(folder)
    for p in problems:
        assert p.format().isprintable()
