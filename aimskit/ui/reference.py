"""Reference documentation generated from the code: the engagement format, the steps, the problem codes.

``docs/*.md`` embed these with cog (``cog -r docs/*.md`` writes them, ``cog --check docs/*.md`` in
``.ci/run`` fails when the docs are stale), so the columns, keys and allowed values documented are
exactly those the validation checks.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from aimskit.base.problems import WARNING
from aimskit.engagement.parts import registry as parts_registry
from aimskit.engagement.parts.core import GAP_SCHEMA, SYSTEMS_SCHEMA, EngagementMeta
from aimskit.formats.csvschema import Column, TableSchema

_KIND_TEXT = {
    "text": "text",
    "enum": "one of the values listed",
    "int": "a whole number",
    "date": "a date, YYYY-MM-DD",
    "bool": "yes or no",
    "id": "an identifier: letters, digits, `.`, `_`, `-`",
    "list": "a list, separated by `;`",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _values(col: Column) -> str:
    if col.choices:
        return ", ".join(f"`{c}`" for c in col.choices)
    text = _KIND_TEXT.get(col.kind, col.kind)
    if col.kind == "int" and col.minimum is not None and col.maximum is not None:
        text = f"a whole number {col.minimum}-{col.maximum}"
    return text


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _reference(col: Column) -> str:
    """What a column's values refer to, and the code of a dangling reference: `` ; an `id` in `systems.csv` ...``."""
    ref = col.refers_to
    if ref is None:
        return ""
    where = (
        f"an id of the `{ref.in_catalog}` catalog"
        if ref.in_catalog
        else f"{_article(ref.column)} `{ref.column}` in `{ref.file}`"
    )
    several = "each " if col.kind == "list" else ""
    blank = f"; empty: {ref.blank}" if ref.blank else ""
    severity = "a warning" if ref.severity == WARNING else "an error"
    return f"; {several}{where} (else {severity}, {ref.code}){blank}"


def table_markdown(schema: TableSchema) -> str:
    """A markdown table of one CSV file's columns, with an example row."""
    lines = [f"{schema.description}", ""]
    if schema.key:
        lines += [f"A row is identified by {', '.join(f'`{k}`' for k in schema.key)}.", ""]
    lines += ["| column | in header | every row | values | meaning |", "|---|---|---|---|---|"]
    for col in schema.columns:
        lines.append(
            f"| `{col.name}` | {'yes' if col.required else 'optional'} | {'yes' if col.mandatory else 'no'} | "
            f"{_cell(_values(col) + _reference(col))} | {_cell(col.description)} |"
        )
    example = [c.example for c in schema.columns]
    if any(example):
        lines += ["", "```csv", ",".join(schema.names), ",".join(_csv(v) for v in example), "```"]
    return "\n".join(lines)


def _csv(value: str) -> str:
    return f'"{value}"' if any(ch in value for ch in ',"\n') else value


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " or ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(names) + (" (optional)" if type(None) in args else "")
    if origin is list:
        return f"list of {_type_name(args[0])}" if args else "list"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping (below)"
    if annotation is object:
        return "see meaning"
    return {"str": "text", "int": "whole number", "date": "date YYYY-MM-DD", "bool": "yes or no"}.get(
        getattr(annotation, "__name__", str(annotation)), getattr(annotation, "__name__", str(annotation))
    )


def _submodels(annotation: Any) -> Iterable[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _submodels(arg)


def model_markdown(model: type[BaseModel], prefix: str = "") -> str:
    """Markdown tables of a YAML model's keys (and of its nested mappings)."""
    rows = ["| key | required | value | meaning |", "|---|---|---|---|"]
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        default = (
            ""
            if field.is_required()
            else f" (default: `{field.default!r}`)"
            if field.default not in ("", None, [], {})
            else ""
        )
        if isinstance(field.default, BaseModel) or field.default_factory is not None:
            default = ""  # a nested mapping (its own table below), or a factory default
        rows.append(
            f"| `{key}` | {'yes' if field.is_required() else 'no'} | {_cell(_type_name(field.annotation))} | "
            f"{_cell(field.description or '')}{_cell(default)} |"
        )
        nested += [(key, sub) for sub in _submodels(field.annotation)]
    out = "\n".join(rows)
    for key, sub in nested:
        out += f"\n\n`{key}`:\n\n" + model_markdown(sub, prefix=f"{key}.").split("\n\n`", 1)[0]
        for k2, s2 in _nested_of(sub, f"{key}."):
            out += f"\n\n`{k2}`:\n\n" + model_markdown(s2, prefix=f"{k2}.")
    return out


def _nested_of(model: type[BaseModel], prefix: str) -> list[tuple[str, type[BaseModel]]]:
    return [(f"{prefix}{n}", s) for n, f in model.model_fields.items() for s in _submodels(f.annotation)]


def engagement_yaml_markdown() -> str:
    """The keys of ``engagement.yaml``: the core keys, then the keys each part owns."""
    out = [model_markdown(EngagementMeta)]
    owned = [(part, key) for part in parts_registry.PARTS for key in part.meta_keys]
    if owned:
        out += ["", "Keys validated by the optional parts:", "", "| key | part | meaning |", "|---|---|---|"]
        out += [f"| `{key.name}` | {part.name} | {_cell(key.description)} |" for part, key in owned]
    return "\n".join(out)


def files_markdown() -> str:
    """Every file of an engagement: the core files, then each part's files, with their columns."""
    out = ["| file | part | required | what it holds |", "|---|---|---|---|"]
    out.append(
        "| `engagement.yaml` | core | yes | the organisation, scope, assessors, date, roles, targets, branding |"
    )
    out.append(f"| `systems.csv` | core | yes | {_cell(SYSTEMS_SCHEMA.description)} |")
    out.append(f"| `gap.csv` | core | yes | {_cell(GAP_SCHEMA.description)} |")
    for part in parts_registry.PARTS:
        described = {s.file: s.description for s in part.schemas}
        for f in part.files:
            what = described.get(f) or part.description
            out.append(f"| `{f}` | {part.name} | no | {_cell(what)} |")
    sections = [("systems.csv", SYSTEMS_SCHEMA), ("gap.csv", GAP_SCHEMA)]
    sections += [(s.file, s) for part in parts_registry.PARTS for s in part.schemas]
    for name, schema in sections:
        out += ["", f"### `{name}`", "", table_markdown(schema)]
    return "\n".join(out)


def steps_markdown() -> str:
    """The registered steps with their scopes, the parts and files they read and their headline figures."""
    from aimskit.steps.registry import STEPS

    out = ["| step | title | reports | reads | index figures |", "|---|---|---|---|---|"]
    for step in STEPS.values():
        scope = "organisation"
        if step.per_system:
            scope += f" + one per {step.scope_prefix}"
        reads = ", ".join(f"`{f}`" for f in step.reads)
        figures = ", ".join(f.label for f in step.headline)
        out.append(f"| `{step.name}` | {_cell(step.title)} | {scope} | {reads} | {_cell(figures)} |")
    return "\n".join(out)
