"""``aimskit.results.run``: the typed model of a finished run that every reader goes through.

The example run round-trips through the model byte for byte; every JSON file a run writes names its
format (``"schema"``); and a folder that is not a readable run (no manifest, not JSON, another
program's JSON, a newer or incompatible older format, a value of the wrong kind, a listed file
missing, a corrupt results JSON) gives every reader (compare, the OSCAL export, the deliverable
commands, ``aimskit run --baseline``) exit 1 and a problem positioned at ``file:line:column``.
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from aimskit.base import codes
from aimskit.results import compare, run
from aimskit.results.run import Manifest, Run, RunFolderError
from aimskit.ui.cli import cli

SCHEMA = re.compile(r"aimskit\.(run|results|record|compare|deliverables)/1")


def _copy(example_run: Path, tmp_path: Path, name: str = "run") -> Path:
    target = tmp_path / name
    shutil.copytree(example_run, target, ignore=shutil.ignore_patterns("assets"))
    return target


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _write_manifest(folder: Path, data: object) -> None:
    (folder / "manifest.json").write_text(json.dumps(data, indent=2), encoding="utf-8")


def _position(text: str, needle: str) -> tuple[int, int]:
    """Line and column (1-based) where ``needle`` starts in ``text``, counted here by hand."""
    offset = text.index(needle)
    line = text[:offset].count("\n") + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# --- the model --------------------------------------------------------------------------------------------


def test_the_example_run_round_trips_through_the_model(example_run: Path):
    text = (example_run / "manifest.json").read_text(encoding="utf-8")
    r = Run.open(example_run)
    assert r.schema_version == 1
    assert r.manifest.to_text() == text  # the writer and the reader share the model: byte for byte
    assert Manifest.model_validate(json.loads(text)).to_json() == json.loads(text)
    assert r.organisation == "Brightwater Consumer Finance Ltd" and r.assessment_date == "2026-11-20"
    assert r.manifest.steps == ["gap", "risk", "impact", "audit"]
    names = [rep.name for rep in r.reports]
    assert "gap/organisation" in names and all(rep.ok for rep in r.reports)
    gap = r.report("gap/organisation")
    assert gap is not None and gap.files["html"] == "gap/organisation.html" and gap.timings
    assert set(r.manifest.engagement.inputs_sha256) >= {"engagement.yaml", "gap.csv"}
    results = r.results("gap/organisation")
    assert results is not None and results["schema"] == run.RESULTS_SCHEMA and results["requirements"]
    assert set(r.step_results("gap")) == {n for n in names if n.startswith("gap/")}
    assert r.results("no/such") is None


def test_attachments_are_the_files_besides_notebook_page_and_results():
    rep = run.Report.model_validate(
        {
            "name": "risk/organisation",
            "step": "risk",
            "status": "ok",
            "files": {"html": "risk/o.html", "json": "risk/o.json", "ipynb": "risk/o.ipynb", "soa_csv": "risk/soa.csv"},
        }
    )
    assert rep.attachments == {"soa_csv": "risk/soa.csv"}
    assert Run(Path("/x"), Manifest(reports=(rep,))).attachments(rep) == {"soa_csv": Path("/x/risk/soa.csv")}


def test_schema_version_names_only_its_own_family():
    assert run.schema_version("aimskit.run/1", "aimskit.run") == 1
    assert run.schema_version("aimskit.run/12", "aimskit.run") == 12
    assert run.schema_version("aimskit.results/1", "aimskit.run") is None
    assert run.schema_version("https://json-schema.org/draft/2020-12/schema", "aimskit.run") is None
    assert run.schema_version(1, "aimskit.run") is None


def test_every_json_a_run_writes_names_its_schema(example_run: Path, tmp_path: Path):
    from aimskit.deliver import pdf

    folder = _copy(example_run, tmp_path)
    compare.write(compare.compare(example_run, folder), folder)
    pdf._write_deliverables(folder, pdf.Delivered())  # deliverables.json as aimskit pdf leaves it
    found = sorted(p for p in folder.rglob("*.json"))
    kinds = {SCHEMA.fullmatch(json.loads(p.read_text(encoding="utf-8")).get("schema", "")) for p in found}
    assert all(kinds), [str(p) for p in found if not SCHEMA.fullmatch(json.loads(p.read_text()).get("schema", ""))]
    assert {k.group(1) for k in kinds if k} == {"run", "results", "record", "compare", "deliverables"}
    assert len([p for p in found if ".aimskit" in p.parts]) == len(Run.open(folder).reports)  # one record each


def test_a_manifest_of_the_previous_release_is_read_as_version_0(example_run: Path, tmp_path: Path):
    folder = _copy(example_run, tmp_path)
    data = _manifest(folder)
    del data["schema"]
    _write_manifest(folder, data)
    for path in folder.glob("*/*.json"):  # results JSON without their schema, as the release before wrote them
        results = json.loads(path.read_text())
        results.pop("schema", None)
        path.write_text(json.dumps(results))
    old = Run.open(folder)
    assert old.schema_version == 0 and old.results("gap/organisation")
    result = CliRunner().invoke(cli, ["compare", str(folder), str(example_run), "--dest", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert "No input file changed." in result.output


def test_the_deprecated_batch_run_name_still_works():
    from aimskit import batch
    from aimskit.batch import runs

    with pytest.warns(DeprecationWarning, match="BatchRun"):
        assert batch.Run is batch.BatchRun
    with pytest.warns(DeprecationWarning, match="BatchRun"):
        assert runs.Run is runs.BatchRun
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert batch.BatchRun is runs.BatchRun


# --- corrupt, foreign and old runs -------------------------------------------------------------------------


def _no_manifest(folder: Path) -> tuple[str, str]:
    (folder / "manifest.json").unlink()
    return "manifest.json:0: no manifest.json here", "AK701"


def _not_json(folder: Path) -> tuple[str, str]:
    text = (folder / "manifest.json").read_text()
    (folder / "manifest.json").write_text(text[: len(text) // 2])
    return "manifest.json:", "AK702"


def _foreign(folder: Path) -> tuple[str, str]:
    _write_manifest(folder, {"name": "my-package", "version": "1.0.0", "dependencies": {}})
    return "manifest.json:1:1: is not the manifest of an aimskit run", "AK703"


def _not_an_object(folder: Path) -> tuple[str, str]:
    _write_manifest(folder, [1, 2, 3])
    return "manifest.json:1:1: is a list, not the manifest", "AK703"


def _newer(folder: Path) -> tuple[str, str]:
    data = _manifest(folder)
    data["schema"] = "aimskit.run/9"
    _write_manifest(folder, data)
    return "manifest.json:2:13: 'schema' is 'aimskit.run/9': written by a newer aimskit", "AK704"


def _old_incompatible(folder: Path) -> tuple[str, str]:
    data = _manifest(folder)
    del data["schema"]
    data["reports"] = {"gap/organisation": "ok"}
    _write_manifest(folder, data)
    text = (folder / "manifest.json").read_text()
    line, col = _position(text, '{\n    "gap/organisation"')
    return f"manifest.json:{line}:{col}: 'reports' is a mapping, not a list: a manifest without a schema", "AK705"


def _wrong_kind(folder: Path) -> tuple[str, str]:
    data = _manifest(folder)
    data["reports"][2]["status"] = 5
    _write_manifest(folder, data)
    text = (folder / "manifest.json").read_text()
    line, col = _position(text, '"status": 5')
    col += len('"status": ')  # the value's column
    return f"manifest.json:{line}:{col}: 'reports[2].status' is the number 5", "AK706"


def _file_missing(folder: Path) -> tuple[str, str]:
    (folder / "gap" / "organisation.html").unlink()
    text = (folder / "manifest.json").read_text()
    line, col = _position(text, '"gap/organisation.html"')
    return f"manifest.json:{line}:{col}: the html file of report gap/organisation (gap/organisation.html) is missing", (
        "AK707"
    )


def _too_deep(folder: Path) -> tuple[str, str]:
    (folder / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    return "manifest.json:1:1: is not valid JSON: the file was changed or cut short (it is nested too deeply", "AK702"


def _not_utf8(folder: Path) -> tuple[str, str]:
    data = (folder / "manifest.json").read_bytes()
    start = data.index(b'"aimskit_version"')  # on line 3, after 2 spaces
    (folder / "manifest.json").write_bytes(data[:start] + b'"\xe9' + data[start + 1 :])
    return "manifest.json:3:4: is not UTF-8 text (byte 0xe9 here)", "AK702"


def _unterminated(folder: Path) -> tuple[str, str]:
    text = '{"schema": "aimskit.run/1",\n "reports": [{"name": "gap/organ'
    (folder / "manifest.json").write_text(text)
    line, col = _position(text, '"gap/organ')
    reason = "is not valid JSON: the file was changed or cut short (unterminated string starting here)"
    return f"manifest.json:{line}:{col}: {reason}", "AK702"


def _interrupted(folder: Path) -> tuple[str, str]:
    data = _manifest(folder)
    data["status"] = "interrupted"
    _write_manifest(folder, data)
    line, col = _position((folder / "manifest.json").read_text(), '"interrupted"')
    return (
        f"manifest.json:{line}:{col}: 'status' is 'interrupted': the run was stopped before it finished; "
        f"run 'aimskit run' again with the same engagement and --out {folder}: it reuses the reports already made",
        "AK710",
    )


def _running(folder: Path) -> tuple[str, str]:
    data = _manifest(folder)
    data["status"] = "running"
    _write_manifest(folder, data)
    return "'status' is 'running': the run has not finished (it is still running, or was killed); wait, or", "AK710"


def _link_outside(folder: Path) -> tuple[str, str]:
    target = folder / "gap" / "organisation.json"
    target.unlink()
    target.symlink_to("/etc/passwd")
    line, col = _position((folder / "manifest.json").read_text(), '"gap/organisation.json"')
    return (
        f"manifest.json:{line}:{col}: the json file of report gap/organisation (gap/organisation.json) is a link "
        "to a file outside the run folder",
        "AK706",
    )


def _path_outside(folder: Path) -> tuple[str, str]:
    data = _manifest(folder)
    data["reports"][0]["files"]["html"] = "../../etc/passwd"
    _write_manifest(folder, data)
    return "is '../../etc/passwd', not a path inside the run folder", "AK706"


MANIFEST_CASES: dict[str, Callable[[Path], tuple[str, str]]] = {
    "no manifest": _no_manifest,
    "not JSON": _not_json,
    "foreign JSON": _foreign,
    "not an object": _not_an_object,
    "newer schema": _newer,
    "old and incompatible": _old_incompatible,
    "a value of the wrong kind": _wrong_kind,
    "a listed file missing": _file_missing,
    "a path outside the folder": _path_outside,
    "a link to a file outside the folder": _link_outside,
    "nested too deeply": _too_deep,
    "not UTF-8": _not_utf8,
    "an unterminated string": _unterminated,
    "an interrupted run": _interrupted,
    "a run still running": _running,
}


def _corrupt_results(folder: Path) -> tuple[str, str]:
    path = folder / "gap" / "organisation.json"
    path.write_text('{"schema": "aimskit.results/1", "requirements": [\n  {"id": "4.1",\n')
    return "gap/organisation.json:3:1: the results of report gap/organisation are not valid JSON", "AK708"


def _results_not_a_mapping(folder: Path) -> tuple[str, str]:
    (folder / "risk" / "organisation.json").write_text("[]")
    return "risk/organisation.json:1:1: the results of report risk/organisation are a list, not a mapping", "AK708"


def _results_newer(folder: Path) -> tuple[str, str]:
    path = folder / "audit" / "organisation.json"
    path.write_text(path.read_text().replace('"aimskit.results/1"', '"aimskit.results/2"', 1))
    return "audit/organisation.json:2:13: 'schema' is 'aimskit.results/2'", "AK709"


def _results_without_requirements(folder: Path) -> tuple[str, str]:
    path = folder / "gap" / "organisation.json"
    data = json.loads(path.read_text())
    data["requirements"] = "see the spreadsheet"
    path.write_text(json.dumps(data, indent=2))
    line, col = _position(path.read_text(), '"see the spreadsheet"')
    return f"gap/organisation.json:{line}:{col}: the results of report gap/organisation: 'requirements' is", "AK708"


def _results_too_deep(folder: Path) -> tuple[str, str]:
    (folder / "gap" / "organisation.json").write_text("[" * 100_000 + "]" * 100_000)
    return "gap/organisation.json:1:1: the results of report gap/organisation are not valid JSON (it is nested", "AK708"


def _edit_results(folder: Path, name: str, edit: Callable[[dict], None]) -> str:
    path = folder / f"{name}.json"
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data, indent=2))
    return path.read_text()


def _requirement_id_a_number(folder: Path) -> tuple[str, str]:
    text = _edit_results(folder, "gap/organisation", lambda d: d["requirements"][3].update(id=7))
    line, col = _position(text, '"id": 7')
    col += len('"id": ')
    return (
        f"gap/organisation.json:{line}:{col}: the results of report gap/organisation: 'requirements[3].id' "
        "is the number 7, not text",
        "AK708",
    )


def _row_values_objects(folder: Path) -> tuple[str, str]:
    def edit(data: dict) -> None:
        data["soa"][0] = {k: {"v": 1} for k in data["soa"][0]}

    text = _edit_results(folder, "risk/organisation", edit)
    line, col = _position(text, '"control_id": {')
    col += len('"control_id": ')
    return (
        f"risk/organisation.json:{line}:{col}: the results of report risk/organisation: 'soa[0].control_id' "
        "is a mapping, not text",
        "AK708",
    )


def _status_a_list(folder: Path) -> tuple[str, str]:
    text = _edit_results(folder, "gap/organisation", lambda d: d["requirements"][0].update(status=["compliant"]))
    line, col = _position(text, '"status": [')
    col += len('"status": ')
    return f"gap/organisation.json:{line}:{col}: the results of report gap/organisation: 'requirements[0].status'", (
        "AK708"
    )


def _row_not_a_mapping(folder: Path) -> tuple[str, str]:
    _edit_results(folder, "audit/organisation", lambda d: d["findings"].insert(0, "F-1"))
    return "the results of report audit/organisation: 'findings[0]' is 'F-1', not a row (a mapping)", "AK708"


def _required_field_missing(folder: Path) -> tuple[str, str]:
    _edit_results(folder, "impact/organisation", lambda d: d["overview"][0].pop("system_id"))
    return "the results of report impact/organisation: 'overview[0].system_id' is missing", "AK708"


RESULTS_CASES: dict[str, Callable[[Path], tuple[str, str]]] = {
    "results JSON nested too deeply": _results_too_deep,
    "a requirement id that is a number": _requirement_id_a_number,
    "row values that are objects": _row_values_objects,
    "a status that is a list": _status_a_list,
    "a row that is not a mapping": _row_not_a_mapping,
    "a required field missing": _required_field_missing,
    "results JSON without the rows a reader needs": _results_without_requirements,
    "corrupt results JSON": _corrupt_results,
    "results JSON not a mapping": _results_not_a_mapping,
    "results JSON of a newer schema": _results_newer,
}


#: the problems of a damaged run, whose one hint (run into the folder again) the header line gives
DAMAGED = ("AK702", "AK705", "AK706", "AK707", "AK708", "AK709")


def _assert_positioned(output: str, expected: str, code: str) -> None:
    assert "Traceback" not in output, output
    line = next((x for x in output.splitlines() if expected in x), None)
    assert line is not None, f"{expected!r} not in:\n{output}"
    assert line.endswith(f"[{code}]"), line
    assert code in codes.CODES
    # the hint to run into the folder again: once, in the header, for a damaged run only (not for
    # another program's or a newer aimskit's manifest, which a run would overwrite)
    assert output.count("run 'aimskit run' into the folder again") == (code in DAMAGED), output


@pytest.mark.parametrize("case", sorted(MANIFEST_CASES))
def test_open_raises_every_manifest_problem_positioned(case, example_run: Path, tmp_path: Path):
    folder = _copy(example_run, tmp_path)
    expected, code = MANIFEST_CASES[case](folder)
    with pytest.raises(RunFolderError) as info:
        Run.open(folder)
    assert [p.code for p in info.value.problems] == [code]
    _assert_positioned(str(info.value), expected, code)


@pytest.mark.parametrize("case", sorted(RESULTS_CASES))
def test_a_corrupt_results_json_raises_when_read(case, example_run: Path, tmp_path: Path):
    folder = _copy(example_run, tmp_path)
    expected, code = RESULTS_CASES[case](folder)
    r = Run.open(folder)  # the results JSON are read when asked for
    with pytest.raises(RunFolderError) as info:
        r.all_results()
        r.require("gap/organisation", ("requirements",))
    _assert_positioned(str(info.value), expected, code)


def _deliverables_ready() -> bool:
    """Whether the deliverable commands can run here (they check Chromium and their packages before
    reading the run); CI (``AIMSKIT_REQUIRE_BROWSER``) must have them."""
    import os

    from aimskit.base.problems import AimskitError
    from aimskit.deliver.cli import check_ready

    try:
        check_ready(pdf=True, word=True, pack=True)
    except (AimskitError, ImportError) as exc:
        if os.environ.get("AIMSKIT_REQUIRE_BROWSER"):
            pytest.fail(f"the deliverable commands need Chromium and the pdf extra: {exc}")
        return False
    return True


def _readers(folder: Path, good: Path, tmp_path: Path) -> dict[str, list[str]]:
    """Every command that reads a finished run, pointed at ``folder`` (the deliverable commands
    where Chromium is installed)."""
    from aimskit.base import resources

    deliverables = {"pdf": ["pdf", str(folder)], "word": ["word", str(folder)], "pack": ["pack", str(folder)]}
    return {
        "compare": ["compare", str(folder), str(good), "--dest", str(tmp_path / "cmp")],
        "export oscal": ["export", "oscal", str(folder), "--dest", str(tmp_path / "oscal")],
        **(deliverables if _deliverables_ready() else {}),
        "run --baseline": [
            "run",
            str(resources.example_engagement()),
            "--step",
            "gap",
            "--out",
            str(tmp_path / "new"),
            "--baseline",
            str(folder),
        ],
    }


@pytest.mark.parametrize("case", sorted(MANIFEST_CASES))
def test_every_reader_gives_exit_1_and_the_positioned_problem(case, example_run: Path, tmp_path: Path):
    folder = _copy(example_run, tmp_path)
    expected, code = MANIFEST_CASES[case](folder)
    for reader, args in _readers(folder, example_run, tmp_path).items():
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, (reader, result.output)
        _assert_positioned(result.output, expected, code)
        header = "that did not finish" if code == "AK710" else "is not a readable run of 'aimskit run'"
        assert header in result.output, (reader, result.output)
        assert "No input file changed" not in result.output, (reader, result.output)  # no summary first
    assert not (tmp_path / "new").exists()  # a bad baseline is refused before the run starts


@pytest.mark.parametrize("case", sorted(RESULTS_CASES))
def test_readers_of_results_give_exit_1_on_a_corrupt_results_json(case, example_run: Path, tmp_path: Path):
    folder = _copy(example_run, tmp_path)
    expected, code = RESULTS_CASES[case](folder)
    readers = _readers(folder, example_run, tmp_path)
    for reader in ("compare", "export oscal", "run --baseline"):
        result = CliRunner().invoke(cli, readers[reader])
        assert result.exit_code == 1, (reader, result.output)
        _assert_positioned(result.output, expected, code)
    assert not (tmp_path / "new").exists()
    assert not (tmp_path / "oscal").exists()


# --- aimskit run --out into a folder with another program's or a newer aimskit's manifest --------------------


def _run_into(out: Path) -> object:
    from aimskit.base import resources

    return CliRunner().invoke(cli, ["run", str(resources.example_engagement()), "--step", "gap", "--out", str(out)])


@pytest.mark.parametrize(
    ("manifest", "expected", "code"),
    [
        (
            {"name": "my-package", "version": "1.0.0"},
            "manifest.json:1:1: is not the manifest of an aimskit run (it has no 'schema', 'reports' or "
            "'engagement'): another program's JSON file? aimskit does not overwrite it: choose another --out folder",
            "AK703",
        ),
        (
            {"schema": "aimskit.run/2", "reports": []},
            "manifest.json:2:13: 'schema' is 'aimskit.run/2': written by a newer aimskit; this one reads "
            "aimskit.run/1 and earlier manifests: a newer aimskit wrote it, and this one does not overwrite it",
            "AK704",
        ),
        ("[" * 100_000 + "]" * 100_000, "manifest.json:1:1: is not valid JSON", "AK702"),
    ],
)
def test_run_out_refuses_a_manifest_this_aimskit_did_not_write(manifest, expected, code, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    text = manifest if isinstance(manifest, str) else json.dumps(manifest, indent=2)
    (out / "manifest.json").write_text(text)
    result = _run_into(out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output, result.output
    line = next((x for x in result.output.splitlines() if expected in x), None)
    assert line is not None and line.endswith(f"[{code}]"), result.output
    assert "into the folder again" not in result.output  # which would overwrite it
    assert f"refusing to run into {out}: its manifest.json was not written by this aimskit" in result.output
    assert "choose another --out folder" in result.output.splitlines()[0]
    assert (out / "manifest.json").read_text() == text  # not overwritten
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]


def test_run_out_into_an_unfinished_run_of_this_aimskit_is_allowed(example_run: Path, tmp_path: Path):
    """An interrupted run (or a run of the release before, without a schema) is completed by a run into
    the folder: check_output_manifest lets it through."""
    folder = _copy(example_run, tmp_path)
    data = _manifest(folder)
    data["status"] = "interrupted"
    _write_manifest(folder, data)
    run.check_output_manifest(folder)
    del data["schema"]
    _write_manifest(folder, data)
    run.check_output_manifest(folder)
    run.check_output_manifest(tmp_path / "new")  # no manifest at all
    with pytest.raises(RunFolderError):
        Run.open(folder)  # but a reader refuses it (AK710)
    assert Run.open(folder, finished=False).manifest.status == "interrupted"


# --- one definition, one reader of aimskit's own JSON files -------------------------------------------------


def test_manifest_is_named_once():
    import importlib

    from aimskit import batch

    plan = importlib.import_module("aimskit.batch.plan")  # (aimskit.batch.plan is also a function's name)
    assert plan.MANIFEST is run.MANIFEST and batch.MANIFEST is run.MANIFEST
    assert "MANIFEST =" not in Path(plan.__file__).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text",
    [
        None,
        "{",
        "[" * 100_000 + "]" * 100_000,
        '{"schema": "aimskit.record/2"}',
        '{"schema": "aimskit.compare/1"}',
        "[]",
        b"\xff\xfe{}",
    ],
)
def test_own_json_files_that_cannot_be_used_are_ignored(text, tmp_path: Path):
    """Cache records, deliverables.json and compare.json are read by one helper: a file that is
    missing, not JSON, too deep, not a mapping or of another version is not used (it is written again)."""
    from aimskit.batch import cache
    from aimskit.deliver import pdf

    path = tmp_path / "x.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text)
    assert run.read_own_json(path, run.RECORD_SCHEMA) is None
    assert cache.load_record(path) is None
    (tmp_path / pdf.DELIVERABLES).write_bytes(path.read_bytes() if path.exists() else b"")
    assert pdf._read_record(tmp_path) == {}


def test_own_json_files_of_this_version_or_none_are_used(tmp_path: Path):
    path = tmp_path / "x.json"
    path.write_text('{"schema": "aimskit.record/1", "status": "ok"}')
    assert run.read_own_json(path, run.RECORD_SCHEMA) == {"schema": "aimskit.record/1", "status": "ok"}
    path.write_text('{"status": "ok"}')  # the release before's, without a schema
    assert run.read_own_json(path, run.RECORD_SCHEMA) == {"status": "ok"}
