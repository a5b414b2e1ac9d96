"""Odd but real inputs: spreadsheet ghost columns, oversize cells, YAML aliases and deep nesting,
a logo that is a folder, links out of the engagement folder."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from aimskit import engagement
from aimskit.base.problems import Problems
from aimskit.formats.yamlio import MAX_DEPTH, load_yaml


def _messages(folder: Path, severity: str | None = None) -> list[str]:
    return [
        p.format().replace(str(folder) + os.sep, "")
        for p in engagement.validate(folder)
        if severity is None or p.severity == severity
    ]


def _add_ghosts(path: Path, n: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    out = [line if not line or line.startswith("#") else line + "," * n for line in lines]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


@pytest.mark.parametrize("n", [1, 3])
def test_empty_unnamed_trailing_columns_are_a_warning(minimal: Path, n: int):
    for name in ("systems.csv", "gap.csv"):
        _add_ghosts(minimal / name, n)
    columns = "column" if n == 1 else "columns"
    assert _messages(minimal, "error") == []
    warnings = _messages(minimal, "warning")
    for name in ("systems.csv", "gap.csv"):
        assert (
            f"{name}:1: warning: {n} empty unnamed {columns} at the end ignored (a spreadsheet's 'ghost' columns); "
            "delete them to silence this warning [AK011]" in warnings
        )
    eng = engagement.load(minimal)
    assert list(eng.systems.columns)[-1] == "notes"


def test_a_trailing_unnamed_column_holding_a_value_is_still_an_error(minimal: Path):
    path = minimal / "gap.csv"
    _add_ghosts(path, 1)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[-1] += "stray"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert any("a header cell is empty" in m for m in _messages(minimal, "error"))


def test_an_oversize_cell_says_so(minimal: Path):
    path = minimal / "systems.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    rows[1][-1] = "x" * (csv.field_size_limit() + 10)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    errors = _messages(minimal, "error")
    assert any(
        f"systems.csv:2: a cell in the record starting on this line is longer than {csv.field_size_limit():,} "
        "characters" in m
        for m in errors
    ), errors
    assert not any("unclosed quote" in m for m in errors)


def _yaml_problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    problems = Problems()
    assert load_yaml(path, "x.yaml", problems) is None
    return [p.format() for p in problems]


def test_aliases_are_refused_once_per_file(tmp_path: Path):
    got = _yaml_problems(tmp_path, "a: &x 1\nb: *x\nc: *x\nd: [*x, *x]\ne: &y 2\n")
    assert got == [
        "x.yaml:1:4: YAML anchors and aliases (& and *) are not supported in engagement files; write the value out "
        "(this file has 2 anchors and 4 aliases) [AK020]"
    ]


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 100000])
def test_too_deep_nesting_is_reported_where_it_happens(tmp_path: Path, depth: int):
    got = _yaml_problems(tmp_path, "a: 1\nb:\n  c: " + "[" * depth + "]" * depth + "\n")
    # the mapping at the top and under b are two levels; the list that goes one too deep starts here
    column = 6 + MAX_DEPTH - 2
    assert got == [
        f"x.yaml:3:{column}: the YAML is nested more than {MAX_DEPTH} levels deep here; an engagement file needs "
        "only a few levels (is a bracket left open?) [AK023]"
    ]


def test_nesting_up_to_the_limit_is_accepted(tmp_path: Path):
    path = tmp_path / "x.yaml"
    depth = MAX_DEPTH - 1
    path.write_text("a: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    problems = Problems()
    assert load_yaml(path, "x.yaml", problems) is not None and not problems.items


def test_a_logo_that_is_a_folder(minimal: Path):
    (minimal / "assets").mkdir()
    meta = minimal / "engagement.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "branding:\n  logo: assets\n", encoding="utf-8")
    assert [m for m in _messages(minimal, "error") if "logo" in m] == [
        f"engagement.yaml:{len(meta.read_text().splitlines())}:9: logo 'assets' is a folder, not an image: "
        "name the image file in it [AK204]"
    ]


SECRET = "TOP-SECRET-CONTENT-OUTSIDE"


@pytest.mark.parametrize("name", ["systems.csv", "gap.csv", "engagement.yaml", "risks.csv", "audits.yaml"])
def test_a_link_out_of_the_engagement_folder_is_refused_and_never_quoted(minimal: Path, tmp_path: Path, name):
    outside = tmp_path / "outside.txt"
    outside.write_text(f"{SECRET},x\n{SECRET}\n", encoding="utf-8")
    (minimal / name).unlink(missing_ok=True)
    (minimal / name).symlink_to(outside)
    messages = _messages(minimal)
    assert (
        f"{name}:0: is a link to a file outside the engagement folder; it is not read "
        "(copy the file into the folder instead) [AK033]" in messages
    )
    assert not any(SECRET in m for m in messages)


def test_a_link_inside_the_engagement_folder_is_fine(minimal: Path):
    (minimal / "data").mkdir()
    (minimal / "gap.csv").rename(minimal / "data" / "gap.csv")
    (minimal / "gap.csv").symlink_to(minimal / "data" / "gap.csv")
    assert _messages(minimal, "error") == []


def test_a_control_character_in_yaml_is_reported_where_it_is(tmp_path: Path):
    got = _yaml_problems(tmp_path, "a: 1\nb: x\x1b[2Ky\n")
    assert got == ["x.yaml:2:5: the control character \\x1b is not allowed in a YAML file; delete it [AK022]"]
