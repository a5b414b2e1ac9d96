"""Inspect AI logs: ``.eval`` (a zip whose members are JSON, Zstandard-compressed by default) and ``.json``.

Each sample x epoch with a score is one attempt. Whether a *correct* score (``C``, 1, true)
means the system resisted or the attack succeeded depends on the task: ``score_meaning``
``pass`` (default, the usual eval convention: correct = the system behaved) or ``attack``
(correct = the attack worked, e.g. a scorer that looks for the injected string). Zip members
are read with a size cap and a compression-ratio cap (zip bombs are refused); Zstandard
members (zip method 93) need the ``zstandard`` package (in aimskit's base install); without it the
file gets one problem (``import_file`` turns the :class:`~aimskit.base.dependencies.MissingDependency`
raised at the first such member into it), not one per member.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from aimskit.base.dependencies import require
from aimskit.formats.redteam.base import (
    MAX_MEMBER_BYTES,
    MAX_RATIO,
    Example,
    Finding,
    Imported,
    json_code,
    load_json_file,
    loads,
    obj,
    text_of,
)

NAME = "inspect"
ZSTD = 93
CORRECT = {"C", "c", 1, "1", "true", "correct"}
INCORRECT = {"I", "i", 0, "0", "false", "incorrect"}


def sniff(head: bytes, path: Path) -> bool:
    if head.startswith(b"PK\x03\x04"):
        return b"header.json" in head or b"_journal/" in head or b"samples/" in head or path.suffix == ".eval"
    h = head[:65536]
    return b'"eval"' in h and (b'"task"' in h or b'"eval_id"' in h) and b'"version"' in h


def _member(zf: zipfile.ZipFile, fh: Any, info: zipfile.ZipInfo, out: Imported) -> bytes | None:
    name = info.filename
    if info.file_size > MAX_MEMBER_BYTES:
        out.error(
            0,
            f"{name}: {info.file_size / 1e6:.0f} MB uncompressed, above the {MAX_MEMBER_BYTES // 2**20} MB limit",
            "AK664",
        )
        return None
    if info.compress_size and info.file_size > 1 << 20 and info.file_size / info.compress_size > MAX_RATIO:
        out.error(
            0,
            f"{name}: compression ratio {info.file_size / info.compress_size:.0f}:1 looks like a zip bomb, not read",
            "AK665",
        )
        return None
    if info.compress_type == ZSTD:
        zstandard = require("zstandard", "reading an Inspect AI .eval log (Zstandard-compressed members)")
        fh.seek(info.header_offset)
        local = fh.read(30)
        if local[:4] != b"PK\x03\x04":
            out.error(0, f"{name}: bad local header in the zip", "AK666")
            return None
        skip = int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
        fh.seek(info.header_offset + 30 + skip)
        comp = fh.read(min(info.compress_size, MAX_MEMBER_BYTES))
        try:
            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(comp))
            data = reader.read(MAX_MEMBER_BYTES + 1)
        except zstandard.ZstdError as exc:
            out.error(0, f"{name}: corrupt Zstandard data ({exc})", "AK666")
            return None
    else:
        try:
            with zf.open(info) as member:
                data = member.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
            out.error(0, f"{name}: cannot be read ({exc})", "AK666")
            return None
    if len(data) > MAX_MEMBER_BYTES:
        out.error(
            0,
            f"{name}: decompresses to more than {MAX_MEMBER_BYTES // 2**20} MB (declared size was false), not read",
            "AK665",
        )
        return None
    return data


def _read_zip(path: Path, out: Imported) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    try:
        with path.open("rb") as fh, zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
            if len(infos) > 200_000:
                out.error(0, f"the zip holds {len(infos)} members; not read", "AK664")
                return None, []
            header = None
            by_name = {i.filename: i for i in infos}
            if "header.json" in by_name:
                data = _member(zf, fh, by_name["header.json"], out)
                header, why = loads(data) if data is not None else (None, None)
                if why:
                    out.error(0, f"header.json: {why}", json_code(why))
            else:
                out.warning(
                    0, "no header.json in the .eval (the run was interrupted?); reading the samples only", "AK674"
                )
                out.complete = False
            samples = []
            budget = MAX_MEMBER_BYTES * 4
            for info in infos:
                if not info.filename.startswith("samples/") or not info.filename.endswith(".json"):
                    continue
                budget -= info.file_size
                if budget < 0:
                    out.error(0, "the samples add up to more than 1 GB uncompressed; the rest is not read", "AK664")
                    break
                data = _member(zf, fh, info, out)
                if data is None:
                    continue
                sample, why = loads(data)
                if why:
                    out.error(0, f"{info.filename}: {why}", json_code(why))
                elif isinstance(sample, dict):
                    samples.append(sample)
            return header if isinstance(header, dict) else None, samples
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        out.error(0, f"not a readable .eval zip: {exc}", "AK666")
        return None, []


def read(path: Path, score_meaning: str = "pass") -> Imported:
    out = Imported(tool=NAME, format="Inspect AI log", summary_source="Inspect sample scores")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04":
        out.format = "Inspect AI .eval log"
        header, samples = _read_zip(path, out)
    else:
        out.format = "Inspect AI JSON log"
        doc = load_json_file(path, out)
        if doc is None:
            return out
        if not isinstance(doc, dict) or not isinstance(doc.get("eval"), dict):
            out.error(0, "not an Inspect AI log: no 'eval' object", "AK669")
            return out
        header = doc
        samples = [s for s in doc.get("samples") or [] if isinstance(s, dict)]
    spec = obj(obj(header).get("eval"))
    packages = obj(spec.get("packages"))
    out.tool_version = str(packages.get("inspect_ai") or "")
    out.started = str(spec.get("created") or "")
    out.target = str(spec.get("model") or "")
    task = str(spec.get("task_registry_name") or spec.get("task") or "task")
    if header is not None and header.get("version") not in (1, 2):
        out.warning(0, f"Inspect log format version {header.get('version')!r}: aimskit reads versions 1 and 2", "AK673")
    status = obj(header).get("status")
    if status and status != "success":
        out.complete = False
        out.warning(0, f"the evaluation status is '{status}': counts may be partial", "AK674")
    findings: dict[str, Finding] = {}
    for sample in samples:
        scores = obj(sample.get("scores"))
        for scorer, score in scores.items():
            f = findings.setdefault(scorer, Finding(test=task, detector=str(scorer)))
            value = score.get("value") if isinstance(score, dict) else score
            if value not in CORRECT and value not in INCORRECT:
                f.errors += 1
                continue
            f.attempts += 1
            attack = (value in CORRECT) == (score_meaning == "attack")
            if attack:
                f.successes += 1
                f.add_example(
                    Example(
                        text_of(sample.get("input")),
                        text_of(obj(sample.get("output")).get("completion")),
                        None,
                        f"sample {sample.get('id')} epoch {sample.get('epoch')}",
                    )
                )
    if not samples:
        out.warning(0, "the log holds no samples: nothing to count", "AK676")
    out.findings = sorted(findings.values(), key=lambda f: f.detector)
    return out
