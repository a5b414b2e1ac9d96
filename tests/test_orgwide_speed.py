"""The shortcuts that make organisation-wide loading and computation fast give what the long way gives.

(Byte-identical results JSON on the example and on generated engagements is checked with
``benchmarks/results_json.py`` before and after a change; these tests pin the edge cases.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from aimskit import engagement
from aimskit.base.fileio import inside
from aimskit.base.problems import Problems
from aimskit.formats import yamlio
from aimskit.formats.csvschema import Column, TableSchema, validate_table
from aimskit.steps import impact


def _problems(problems: Problems) -> list[str]:
    return [f"{p.line}:{p.column}:{p.code}:{p.message}" for p in problems.items]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 45 + "]" * 45,  # flow
        "x: " + "{a: " * 42 + "1" + "}" * 42,  # flow mappings under a block key
        "a:\n" + "".join("  " * i + "- \n" for i in range(1, 45)),  # block sequences
        "a: 1\nb:\n  c: 2\n  c: 3\n",  # a repeated key
    ],
)
def test_walk_reports_what_the_scan_reports(text: str, tmp_path: Path) -> None:
    """The fast parse leaves the scan out (no & or *); the walk reports the same problem at the same place,
    and load_yaml (which re-parses a problem file with the scan) reports exactly what the pure parser does."""
    assert yamlio._shallow_without_anchors(text)
    without_scan, with_scan, loaded = Problems(), Problems(), Problems()
    yamlio._parse(text, "f", without_scan, yamlio._LOADERS[0], scan=False)
    yamlio._parse(text, "f", with_scan, yamlio._Loader)
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    yamlio.load_yaml(path, "f", loaded)
    assert _problems(without_scan) == _problems(with_scan) == _problems(loaded)
    assert with_scan.items  # each case has a problem


def test_anchors_and_large_files_keep_the_scan() -> None:
    assert not yamlio._shallow_without_anchors("a: &x 1\nb: *x\n")
    assert not yamlio._shallow_without_anchors("a: '5 * 3'\n")
    assert not yamlio._shallow_without_anchors("- " * 3000)
    assert yamlio._shallow_without_anchors("a: 1\nb: [1, 2]\n")


SCHEMA = TableSchema(
    "t.csv",
    (
        Column("id", "id", kind="id", mandatory=True, pattern=r"[a-z0-9-]+"),
        Column("status", "status", kind="enum", choices=("open", "closed")),
        Column("n", "n", kind="int", minimum=1, maximum=5),
        Column("tags", "tags", kind="list"),
    ),
)


def test_a_repeated_bad_cell_is_reported_on_every_line(tmp_path: Path) -> None:
    """Each distinct cell text is parsed once per column, but only when it had no problem: a repeated
    error or warning is reported on every line; repeated good values and lists are each row's own."""
    path = tmp_path / "t.csv"
    path.write_text(
        "id,status,n,tags\na,Open,9,x;y\nb,Open,9,x;y\nc,open,3,x;y\nd,open,3,\ne,shut,3,x\nf,shut,x,x\n",
        encoding="utf-8",
    )
    problems = Problems()
    records = validate_table(path, SCHEMA, "t.csv", problems)
    assert _problems(problems) == [
        "2:status:AK105:'Open' was read as 'open'; write 'open'",
        "2:n:AK109:9 is outside the range 1 to 5",
        "3:status:AK105:'Open' was read as 'open'; write 'open'",
        "3:n:AK109:9 is outside the range 1 to 5",
        "6:status:AK104:'shut' is not one of: open, closed",
        "7:status:AK104:'shut' is not one of: open, closed",
        "7:n:AK108:'x' is not a whole number",
    ]
    assert [r.values["status"] for r in records] == ["open", "open", "open", "open", None, None]
    assert [r.values["n"] for r in records] == [None, None, 3, 3, 3, None]
    assert records[0].values["tags"] == records[1].values["tags"] == ["x", "y"]
    assert records[0].values["tags"] is not records[1].values["tags"]


def test_inside_without_resolving_and_with_links(tmp_path: Path) -> None:
    folder = tmp_path / "eng"
    (folder / "systems").mkdir(parents=True)
    (folder / "systems" / "a.yaml").write_text("a: 1\n", encoding="utf-8")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "b.yaml").write_text("b: 1\n", encoding="utf-8")
    os.symlink(outside, folder / "linked")
    os.symlink(outside / "b.yaml", folder / "systems" / "b.yaml")
    os.symlink(folder / "systems" / "a.yaml", folder / "systems" / "c.yaml")
    assert inside(folder, folder / "systems" / "a.yaml")
    assert not inside(folder, folder / "linked" / "b.yaml")  # a linked folder on the way
    assert not inside(folder, folder / "systems" / "b.yaml")  # a link to a file outside
    assert inside(folder, folder / "systems" / "c.yaml")  # a link to a file inside (resolved the long way)
    assert not inside(folder, folder / "systems" / ".." / ".." / "elsewhere" / "b.yaml")
    assert inside(os.path.relpath(folder), Path(os.path.relpath(folder)) / "systems" / "a.yaml")


def test_systems_screened_alike_get_their_own_copies(example_copy: Path) -> None:
    """Classification and obligations computed once for systems with the same answers (and outcome) are
    copied: each system has its own objects, equal to what computing it alone gives."""
    systems = example_copy / "systems"
    profile = systems / "credit-score.yaml"
    (systems / "twin.yaml").write_bytes(profile.read_bytes())
    csv = example_copy / "systems.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    row = next(line for line in lines if line.startswith("credit-score,"))
    csv.write_text("\n".join([*lines, "twin," + row.split(",", 1)[1]]) + "\n", encoding="utf-8")
    eng = engagement.load(example_copy)
    result = impact.assess(eng)
    a, b = result.classifications["credit-score"], result.classifications["twin"]
    assert (a.system_id, b.system_id) == ("credit-score", "twin")
    assert a.steps is not b.steps and a.prohibited is not b.prohibited and a.annex_iii is not b.annex_iii
    pd.testing.assert_frame_equal(a.steps, b.steps)
    alone = impact.assess(eng, "twin")
    pd.testing.assert_frame_equal(alone.classifications["twin"].steps, b.steps)
    assert result.obligations["credit-score"] is not result.obligations["twin"]
    pd.testing.assert_frame_equal(result.obligations["twin"], alone.obligations["twin"])
    assert result.fria["twin"][:2] == alone.fria["twin"][:2]
    assert result.fria["twin"][2] is not result.fria["credit-score"][2]
    pd.testing.assert_frame_equal(result.fria["twin"][2], alone.fria["twin"][2])
    b.steps.loc[0, "answer"] = "changed"
    assert a.steps.loc[0, "answer"] != "changed"


def _typed(value: object) -> object:
    """A value with the type of every scalar in it (True and 1, '001' and 1 stay apart)."""
    if isinstance(value, dict):
        return [(k, _typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value, getattr(value, "yaml_text", None))


def test_plain_build_gives_the_loaders_document() -> None:
    """Every YAML file of the example, the templates and the test fixtures: the fast parse's own
    construction gives the document (values, their types, the key order) the pure parser builds."""
    root = Path(__file__).resolve().parent.parent
    files = [p for d in ("data", "tests/fixtures") for p in sorted((root / d).rglob("*.y*ml"))]
    assert len(files) >= 40
    built = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if not yamlio._shallow_without_anchors(text):
            continue
        fast, slow = Problems(), Problems()
        a = yamlio._parse(text, str(path), fast, yamlio._LOADERS[0], scan=False)
        b = yamlio._parse(text, str(path), slow, yamlio._Loader)
        if fast.items or slow.items:
            continue  # a broken fixture: load_yaml reports the pure parser's problems
        assert a is not None and b is not None
        assert _typed(a.data) == _typed(b.data), path
        built += 1
    assert built >= 30
