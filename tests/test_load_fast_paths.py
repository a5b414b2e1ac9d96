"""The fast paths of ``engagement.load``, against what the plain paths give.

CSV validation by column (``aimskit.formats.csvschema.validate_table``): each distinct text of a column is parsed
once, and only records with a cell that gives a problem are parsed cell by cell. The problems (their
order, lines, columns, codes, messages) and the records must be those of parsing every cell in turn,
which is what the expected values below were recorded from (main before the change)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import yaml

from aimskit import engagement
from aimskit.base import resources
from aimskit.base.problems import InvalidEngagementError, Problems
from aimskit.engagement import criteria
from aimskit.engagement.parts import core, risk
from aimskit.formats import yamlio
from aimskit.formats.csvschema import validate_table

GAP = """requirement_id,system_id,status,maturity,evidence,owner,notes,target_date,extra
4.1,,compliant,3,DOC-1; DOC-2,Owner A,note one,2027-01-01,x
4.2,,Compliant,three,DOC-1;;  ,Owner A,  ,2027-13-01,
# a comment line
4.3,,bogus,7,DOC-1,,,,
,,compliant,3,,,,,
4.4,,compliant,3
4.5,sys-a,,,,,,,
4.6,,partially compliant,+3,DOC-3,Owner B,n,2027-02-30,
4.7,, compliant ,03,DOC-1; DOC-2,Owner A,note one,2027-01-01,x

4.8,,Compliant,three,DOC-1;;  ,Owner A,  ,2027-13-01,
4.9,,compliant,3.0,,,,,
"""

GAP_PROBLEMS = [
    (1, "extra", "AK101", "warning"),
    (3, "status", "AK105", "warning"),
    (3, "maturity", "AK108", "error"),
    (3, "target_date", "AK110", "error"),
    (5, "status", "AK104", "error"),
    (5, "maturity", "AK109", "error"),
    (6, "requirement_id", "AK107", "error"),
    (7, "", "AK010", "error"),
    (9, "status", "AK105", "warning"),
    (9, "target_date", "AK110", "error"),
    (12, "status", "AK105", "warning"),
    (12, "maturity", "AK108", "error"),
    (12, "target_date", "AK110", "error"),
]

# line -> status, maturity, evidence, notes, target_date (repr); line 8 is a pre-listed row nobody answered
GAP_VALUES = {
    2: ("'compliant'", "3", "['DOC-1', 'DOC-2']", "'note one'", "datetime.date(2027, 1, 1)"),
    3: ("'compliant'", "None", "['DOC-1']", "None", "None"),
    5: ("None", "None", "['DOC-1']", "None", "None"),
    6: ("'compliant'", "3", "None", "None", "None"),
    9: ("'partially_compliant'", "3", "['DOC-3']", "'n'", "None"),
    10: ("'compliant'", "3", "['DOC-1', 'DOC-2']", "'note one'", "datetime.date(2027, 1, 1)"),
    12: ("'compliant'", "None", "['DOC-1']", "None", "None"),
    13: ("'compliant'", "3", "None", "None", "None"),
}

RISKS = """risk_id,system_id,title,likelihood,impact,treatment,status,residual_likelihood,residual_impact
R-01,,Title one,4,4,modify,open,2,4
R-02,,Title two,likely,major,modify,open,Likely,x
R-03,,,9,0,nothing,open,,
R-04,,Title four,4,4,modify,open,2,4
R-05,,Title five,likely,4,modify,open,2,4
"""

RISK_PROBLEMS = [
    (3, "likelihood", "AK114", "warning"),
    (3, "impact", "AK114", "warning"),
    (3, "residual_likelihood", "AK114", "warning"),
    (3, "residual_impact", "AK115", "error"),
    (4, "title", "AK107", "error"),
    (4, "treatment", "AK104", "error"),
    (6, "likelihood", "AK114", "warning"),
]  # after the missing-column errors (AK102) of the header

SYSTEMS = """id,name,in_scope,owner
a,Alpha,yes,O
b,,maybe,O
a,Alpha again,YES,O
c,Gamma,no
"""

SYSTEM_PROBLEMS = [
    (3, "name", "AK107", "error"),
    (3, "in_scope", "AK111", "error"),
    (5, "", "AK010", "error"),
]  # after the missing-column errors (AK102)


def _read(tmp_path, name, text, schema, scales=None):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    problems = Problems()
    return validate_table(path, schema, name, problems, scales), problems


def test_gap_problems_come_in_file_order_with_repeated_bad_cells_reported_each_time(tmp_path):
    records, problems = _read(tmp_path, "gap.csv", GAP, core.GAP_SCHEMA)
    assert [(p.line, p.column, p.code, p.severity) for p in problems] == GAP_PROBLEMS
    messages = [p.message for p in problems if p.line == 12]
    assert messages == [p.message for p in problems if p.line == 3][: len(messages)]  # the same text, reported again
    assert {
        r.line: tuple(repr(r.values[c]) for c in ("status", "maturity", "evidence", "notes", "target_date"))
        for r in records
    } == GAP_VALUES
    assert all(list(r.values) == core.GAP_SCHEMA.names for r in records)  # every column, in schema order
    assert records[0].raw["extra"] == "x"  # raw keeps every header column, unknown ones too


def test_list_cells_are_each_records_own_list(tmp_path):
    records, _ = _read(tmp_path, "gap.csv", GAP, core.GAP_SCHEMA)
    first, again = (r for r in records if r.line in (2, 10))
    assert first.values["evidence"] == again.values["evidence"] == ["DOC-1", "DOC-2"]
    assert first.values["evidence"] is not again.values["evidence"]


def test_ratings_written_as_labels_are_warned_on_every_line(tmp_path):
    axes = criteria.scales({}, criteria.default_risk_raw())
    assert axes is not None
    scales = {c: axes[i % 2] for i, c in enumerate(risk.RATING_COLUMNS)}
    records, problems = _read(tmp_path, "risks.csv", RISKS, risk.RISKS_SCHEMA, scales)
    assert [(p.line, p.column, p.code, p.severity) for p in problems if p.code != "AK102"] == RISK_PROBLEMS
    by_line = {r.line: r.values for r in records}
    assert by_line[3]["likelihood"] == by_line[6]["likelihood"] == 4
    assert by_line[3]["residual_impact"] is None and by_line[4]["title"] is None


def test_systems_problems_and_short_rows(tmp_path):
    records, problems = _read(tmp_path, "systems.csv", SYSTEMS, core.SYSTEMS_SCHEMA)
    assert [(p.line, p.column, p.code, p.severity) for p in problems if p.code != "AK102"] == SYSTEM_PROBLEMS
    assert [(r.line, r.values["in_scope"]) for r in records] == [(2, True), (3, None), (4, True)]


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_cycle_collector_as_it_was(enabled, tmp_path):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        engagement.load(resources.example_engagement())
        assert gc.isenabled() is enabled
        with pytest.raises(InvalidEngagementError):
            (tmp_path / "engagement.yaml").write_text("organisation: [\n", encoding="utf-8")
            engagement.load(tmp_path)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


@pytest.mark.skipif(len(yamlio._LOADERS) < 2, reason="PyYAML without libyaml")
@pytest.mark.parametrize(
    "text",
    [
        "",
        "true",
        "True",
        "yes",
        "no",
        "off",
        "y",
        "~",
        "null",
        "Null",
        "1",
        "001",
        "0x1A",
        "+3",
        "1_000",
        "6.10",
        ".5",
        "1e3",
        ".inf",
        "-.Inf",
        ".nan",
        "2026-01-31",
        "2026-13-01",
        "2026-01-31 10:00:00",
        "12:30",
        "2027:01",
        "=",
        "<<",
        "a",
        "yes please",
        "A.6.2.6",
        "5(b)",
        "none",
    ],
)
@pytest.mark.parametrize("implicit", [(True, False), (False, True), (False, False)])
def test_remembered_resolver_gives_pyyamls_tags(text, implicit):
    expected = yaml.CSafeLoader("").resolve(yaml.ScalarNode, text, implicit)
    assert yamlio._fast_resolve(yaml.ScalarNode, text, implicit) == expected
    assert yamlio._fast_resolve(yaml.ScalarNode, text, implicit) == expected  # and again, from the cache


@pytest.mark.skipif(len(yamlio._LOADERS) < 2, reason="PyYAML without libyaml")
def test_fast_and_pure_python_parses_give_the_same_document(tmp_path):
    text = "a: true\nb: [1, 001, 6.10, ~, '', 2026-01-31, 2026-13-01, no, 'yes', x]\nc:\n  d: {e: null, f: 1.5}\n"
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    fast = yamlio.load_yaml(path, "x.yaml", Problems())
    pure = yamlio.load_yaml_text(text, "x.yaml", Problems())
    assert fast is not None and pure is not None
    assert fast.data == pure.data and fast.positions == pure.positions and fast.key_positions == pure.key_positions
    assert [type(v) for v in fast.data["b"]] == [type(v) for v in pure.data["b"]]


def test_each_yaml_loader_is_freed_when_its_file_is_parsed(tmp_path: Path):
    path = tmp_path / "x.yaml"
    path.write_text("a: {b: [1, 2, {c: d}]}\n", encoding="utf-8")
    was = gc.isenabled()
    gc.collect()
    gc.disable()  # as while an engagement is read: nothing may wait for the collector
    try:
        for _ in range(3):
            assert yamlio.load_yaml(path, "x.yaml", Problems()) is not None
        assert not [o for o in gc.get_objects() if isinstance(o, yamlio._LOADERS)]
    finally:
        if was:
            gc.enable()


@pytest.mark.skipif(len(yamlio._LOADERS) < 2, reason="PyYAML without libyaml")
def test_positions_of_a_fast_parse_are_read_when_first_asked_for(tmp_path):
    text = "screening:\n  q1: true\n  q2: [5(b), 4]\nrole:\n  - provider\n"
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    fast = yamlio.load_yaml(path, "p.yaml", Problems())
    assert fast is not None and fast._root is not None  # not walked yet
    pure = yamlio.load_yaml_text(text, "p.yaml", Problems())
    assert fast.where(("screening", "q2", 1)) == pure.where(("screening", "q2", 1)) == (3, 14)
    assert fast._root is None and fast.positions == pure.positions and fast.key_positions == pure.key_positions


@pytest.mark.parametrize(
    "text",
    ["a: 1\nb: 2\na: 3\n", "x: " + "[" * 45 + "]" * 45 + "\n"],
    ids=["repeated-key", "too-deep"],
)
def test_what_the_walk_reports_is_still_reported_on_the_fast_path(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    fast, pure = Problems(), Problems()
    yamlio.load_yaml(path, "p.yaml", fast)
    yamlio.load_yaml_text(text, "p.yaml", pure)
    assert fast.items and [(p.line, p.column, p.code) for p in fast.items] == [
        (p.line, p.column, p.code) for p in pure.items
    ]
