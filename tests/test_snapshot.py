"""The run's validated engagement snapshot: used only while it matches the folder, and equal to a fresh load."""

from __future__ import annotations

import importlib
import json

import pytest

from aimskit import engagement
from aimskit.steps import STEPS


@pytest.fixture
def snapshot(tmp_path, example_copy, monkeypatch):
    path = engagement.save_snapshot(engagement.load(example_copy), tmp_path / "scratch" / "engagement.pickle")
    monkeypatch.setenv(engagement.SNAPSHOT_ENV, str(path))
    return path


def _no_parsing(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the folder was parsed although the snapshot matches")

    monkeypatch.setattr(engagement, "_read", refuse)


def _results(step_name: str, eng) -> str:
    step = STEPS[step_name]
    compute, view = importlib.import_module(step.compute), importlib.import_module(step.view)
    return json.dumps(view.results(compute.assess(eng)), sort_keys=True, default=str)


@pytest.mark.parametrize("step_name", list(STEPS))
def test_a_report_loads_the_snapshot_and_computes_the_same_results(example_copy, snapshot, monkeypatch, step_name):
    step = STEPS[step_name]
    monkeypatch.delenv(engagement.SNAPSHOT_ENV)
    fresh = engagement.load(example_copy, parts=step.needs)
    monkeypatch.setenv(engagement.SNAPSHOT_ENV, str(snapshot))
    _no_parsing(monkeypatch)
    snap = engagement.load(example_copy, parts=step.needs)
    assert snap.loaded == fresh.loaded and set(snap.parts) == set(fresh.parts)
    assert snap.files == fresh.files and snap.input_hashes() == fresh.input_hashes()
    assert snap.systems.equals(fresh.systems) and snap.gap.equals(fresh.gap)
    assert list(snap.gap.dtypes) == list(fresh.gap.dtypes)
    assert _results(step_name, snap) == _results(step_name, fresh)


def test_a_part_the_step_did_not_declare_is_refused_from_the_snapshot_too(example_copy, snapshot, monkeypatch):
    from aimskit.steps import risk

    _no_parsing(monkeypatch)
    eng = engagement.load(example_copy, parts=STEPS["gap"].needs)
    with pytest.raises(engagement.PartNotLoaded, match="'risk' part"):
        risk.assess(eng)


def _count_parsing(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = engagement._read

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(engagement, "_read", counted)
    return calls


@pytest.mark.parametrize("change", ["none", "edit", "new file", "remove optional file"])
def test_a_snapshot_that_no_longer_matches_the_folder_is_ignored(example_copy, snapshot, monkeypatch, change):
    calls = _count_parsing(monkeypatch)
    if change == "edit":
        gap = example_copy / "gap.csv"
        gap.write_text(gap.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "new file":  # a profile added to the systems folder
        (example_copy / "systems" / "_notes.yaml").write_text("a: 1\n", encoding="utf-8")
    elif change == "remove optional file":
        (example_copy / "impacts.csv").unlink()
    eng = engagement.load(example_copy)
    assert len(calls) == (0 if change == "none" else 1)
    if change == "remove optional file":
        assert "impacts.csv" not in eng.files


def test_a_snapshot_of_another_folder_or_a_damaged_file_is_ignored(tmp_path, example_copy, snapshot, monkeypatch):
    import shutil

    calls = _count_parsing(monkeypatch)
    other = tmp_path / "other"
    shutil.copytree(example_copy, other)
    assert engagement.load(other).path == other and len(calls) == 1  # the snapshot names another folder
    snapshot.write_bytes(b"not a pickle")
    assert engagement.load(example_copy).organisation and len(calls) == 2


# ---------------------------------------------------------------------------------------------
# the per-report check: a file is hashed again only when its stat changed (or is too recent to trust)


def _age(folder, seconds: int = 3600) -> None:
    """Set every file's times an hour back, as for files not written just before the run."""
    import os
    import time

    past = time.time() - seconds
    for p in folder.rglob("*"):
        if p.is_file():
            os.utime(p, (past, past))


def _count_hashing(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = engagement.sha256_file

    def counted(path):
        seen.append(str(path))
        return real(path)

    monkeypatch.setattr(engagement, "sha256_file", counted)
    return seen


def _snap(tmp_path, folder, monkeypatch):
    path = engagement.save_snapshot(engagement.load(folder), tmp_path / "scratch" / "aged.pickle")
    monkeypatch.setenv(engagement.SNAPSHOT_ENV, str(path))
    return path


def test_an_unchanged_stat_is_trusted_without_reading_the_files(tmp_path, example_copy, monkeypatch):
    _age(example_copy)
    _snap(tmp_path, example_copy, monkeypatch)
    hashed, parsed = _count_hashing(monkeypatch), _count_parsing(monkeypatch)
    eng = engagement.load(example_copy, parts=STEPS["security"].needs)
    assert not parsed and not hashed, hashed  # the garak, promptfoo, PyRIT and Inspect files are not read again
    monkeypatch.delenv(engagement.SNAPSHOT_ENV)
    assert eng.input_hashes() == engagement.load(example_copy, parts=STEPS["security"].needs).input_hashes()
    hashed.clear()
    monkeypatch.setenv(engagement.SNAPSHOT_ENV, str(tmp_path / "scratch" / "aged.pickle"))
    engagement.load(example_copy).input_hashes()  # the provenance of a report: the verified hashes, no reading
    assert not hashed


def test_a_same_size_edit_with_its_mtime_put_back_is_still_seen(tmp_path, example_copy, monkeypatch):
    """Setting the times back changes ctime: the stat differs, the file is hashed and the snapshot refused."""
    import os

    _age(example_copy)
    _snap(tmp_path, example_copy, monkeypatch)
    garak = example_copy / "security" / "garak" / "2026-11-10-after-fix.report.jsonl"
    st = garak.stat()
    data = bytearray(garak.read_bytes())
    i = data.index(b'"status": 2')
    data[i + 10 : i + 11] = b"1"  # the same size, another meaning
    garak.write_bytes(bytes(data))
    os.utime(garak, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert garak.stat().st_size == st.st_size and garak.stat().st_mtime_ns == st.st_mtime_ns
    parsed = _count_parsing(monkeypatch)
    engagement.load(example_copy)
    assert parsed == [1]


def test_a_touched_file_with_the_same_content_keeps_the_snapshot(tmp_path, example_copy, monkeypatch):
    _age(example_copy)
    _snap(tmp_path, example_copy, monkeypatch)
    pyrit = example_copy / "security" / "pyrit" / "2026-11-12-pyrit.db"
    pyrit.touch()
    hashed, parsed = _count_hashing(monkeypatch), _count_parsing(monkeypatch)
    engagement.load(example_copy)
    assert not parsed and hashed == [str(pyrit)]  # only the touched file is read, and found unchanged


def test_files_written_just_before_the_snapshot_are_always_hashed(tmp_path, example_copy, monkeypatch):
    """Racy files (mtime within RACY_NS of the snapshot): a same-size edit inside the timestamp granularity
    would keep the stat, so their stat is not trusted."""
    _age(example_copy, seconds=0)  # every file written just now
    _snap(tmp_path, example_copy, monkeypatch)
    hashed, parsed = _count_hashing(monkeypatch), _count_parsing(monkeypatch)
    eng = engagement.load(example_copy)
    assert not parsed and len(hashed) == len(eng.files)


# --- the slice hashes of planning, read once and handed to the reports ------------------------------------


def _planned_memo(example_copy):
    from pathlib import Path

    from aimskit.batch import executors, runs
    from aimskit.batch.plan import plan

    eng = engagement.load(example_copy)
    run = runs.BatchRun(
        eng,
        plan(eng, [], []),
        Path(example_copy).parent / "out",
        executors.create("local", jobs=1, scheduler=None),
        parameters={},
        force=True,
    )
    run.prepare()
    assert run.memo is not None
    return eng, run.memo


def test_planning_reads_each_sliced_file_once_whatever_the_number_of_reports(example_copy, monkeypatch):
    from aimskit.engagement.parts import slicing

    parsed: list[str] = []
    real = slicing.read_csv

    def counting(path, *args, **kwargs):
        parsed.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(slicing, "read_csv", counting)
    eng, _memo = _planned_memo(example_copy)
    assert len(eng.in_scope_ids) > 3  # many per-system reports per sliced file
    assert sorted(parsed) == sorted(set(parsed))  # each file parsed once
    assert {"gap.csv", "systems.csv", "risks.csv", "impacts.csv", "runs.csv"} <= set(parsed)


def test_the_memo_gives_the_hashes_of_reading_each_slice_on_its_own(example_copy):
    from pathlib import Path

    from aimskit.engagement.parts import slicing

    _eng, memo = _planned_memo(example_copy)
    folder = Path(example_copy)
    assert set(memo.table) == set(slicing.slices())
    for name, by_system in memo.table.items():
        spec = slicing.slices()[name]
        for sid, digest in by_system.items():
            assert digest == slicing.slice_hash(folder / name, spec, sid)  # a fresh read for each
    # a system's slice differs from another's, and the shared rows count in every one
    gap = memo.table["gap.csv"]
    assert len(set(gap.values())) == len(gap)


def test_a_report_takes_the_runs_slice_hashes_from_the_snapshot(tmp_path, example_copy, monkeypatch):
    from aimskit.engagement.parts import slicing
    from aimskit.present import common

    eng, memo = _planned_memo(example_copy)
    sid = eng.in_scope_ids[0]
    fresh = engagement.load(example_copy, parts=STEPS["risk"].needs)  # no snapshot: the slices hashed here
    assert fresh.slices == {}
    fresh_html = str(common.provenance(fresh, STEPS["risk"], sid))
    path = engagement.save_snapshot(eng, tmp_path / "engagement.pickle", memo)
    monkeypatch.setenv(engagement.SNAPSHOT_ENV, str(path))

    def refuse(*a, **k):
        raise AssertionError("a slice hash was computed again in the report")

    monkeypatch.setattr(slicing, "slice_hash", refuse)
    snap = engagement.load(example_copy, parts=STEPS["risk"].needs)
    assert snap.slices["risks.csv"][sid] == memo.table["risks.csv"][sid]
    assert str(common.provenance(snap, STEPS["risk"], sid)) == fresh_html


def test_slice_hashes_of_a_file_changed_since_planning_are_not_handed_on(tmp_path, example_copy):
    from pathlib import Path

    eng, memo = _planned_memo(example_copy)
    gap = Path(example_copy) / "gap.csv"
    gap.write_text(gap.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # same rows, other bytes
    path = engagement.save_snapshot(eng, tmp_path / "engagement.pickle", memo)
    import pickle

    assert pickle.loads(path.read_bytes())["slices"] == {}
    untouched = engagement.save_snapshot(eng, tmp_path / "b.pickle", None)
    assert pickle.loads(untouched.read_bytes())["slices"] == {}


def test_a_snapshot_read_ahead_is_used_once_and_only_while_it_is_that_file(tmp_path, example_copy, monkeypatch):
    spare = engagement.load(example_copy)  # to replace the snapshot with, below
    path = engagement.save_snapshot(engagement.load(example_copy), tmp_path / "engagement.pickle")
    monkeypatch.setenv(engagement.SNAPSHOT_ENV, str(path))
    monkeypatch.setattr(engagement, "_PRELOADED", {})
    engagement.preload_snapshot(str(path))
    held = engagement._PRELOADED[str(path)][1]["engagement"]
    engagement.preload_snapshot(str(path))  # the same file: kept, not read again
    assert engagement._PRELOADED[str(path)][1]["engagement"] is held
    _no_parsing(monkeypatch)
    assert engagement.load(example_copy) is held  # the copy read ahead
    assert engagement._PRELOADED == {}
    again = engagement.load(example_copy)  # a second load reads the file afresh
    assert again is not held and again.systems.equals(held.systems)
    engagement.preload_snapshot(str(path))
    stale = engagement._PRELOADED[str(path)][1]["engagement"]
    engagement.save_snapshot(spare, path)  # replaced since it was read ahead
    assert str(path) in engagement._PRELOADED
    replaced = engagement.load(example_copy)
    assert replaced is not stale and replaced.systems.equals(stale.systems)
