"""Pydantic models read from YAML: small annotated types with their own clear messages, and the
mapping of validation errors to positioned problems (``file:line:column: message``).

Every engagement YAML file (``engagement.yaml``, ``audits.yaml``, ``reviews.yaml``, the system
profiles) is validated by a pydantic model. The annotated types here raise their own messages
(built from the key's name when reported, never by formatting user text):

* :data:`Id`: an identifier kept exactly as written (``001`` stays ``"001"``, ``6.10`` stays
  ``"6.10"``; YAML's reading of ``0x1A`` as 26 or ``2027:01`` as 121621 is undone with the
  source text the loader records), or refused with the reason;
* :data:`Text` / :data:`RequiredText`, :data:`TextList` / :data:`RequiredTextList` (a single
  value is a list of one), :data:`Date` / :data:`RequiredDate` (ISO ``YYYY-MM-DD``),
  :func:`Choice` (a value of a fixed list; ``In Progress`` is read as ``in_progress`` with a
  warning), :data:`Percent`, :data:`Number`, :data:`Entries` (a list of mappings).

:func:`read_model` validates one mapping and reports every problem; a field in error does not
hide the others: the returned instance holds every valid field (and the valid entries of a list),
with the failing ones empty, so the checks between fields and files still run.

This module is low-level: it imports nothing from :mod:`aimskit.engagement` or
:mod:`aimskit.engagement.parts`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, TypeAdapter
from pydantic import ValidationError as ValidationError
from pydantic_core import PydanticCustomError

from aimskit.base.problems import Problems, kind_of, one_of, suggest
from aimskit.base.vocab import FORMAT_VERSION, ID_PATTERN
from aimskit.formats.yamlio import YamlDocument, as_written

ERROR_TYPE = "aimskit"


class Strict(BaseModel):
    """A mapping of a YAML file: unknown keys are refused, text is stripped.

    ``where`` names the mapping in "unknown key" messages (``{n}`` is its 1-based position in its
    list: ``"audit #{n}"``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    where: ClassVar[str] = ""


def fail(say: Callable[[str], str], code: str = "") -> PydanticCustomError:
    """A validation error whose message is ``say(key)``, ``key`` being the name of the key as the
    report shows it, reported with the problem code ``code``."""
    return PydanticCustomError(ERROR_TYPE, "{message}", {"message": say("value"), "say": say, "code": code})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    """A scalar as text, as written (a number YAML read in another form keeps its source text)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return as_written(value).strip()


def _check_text(value: Any, in_list: bool = False) -> str:
    if isinstance(value, (dict, list)) or (in_list and (value is None or isinstance(value, bool))):
        found = kind_of(value)
        if in_list:
            raise fail(lambda key: f"expected text in '{key}', found {found}", code="AK116")
        raise fail(lambda key: f"expected text for '{key}', found {found}", code="AK116")
    return _text(value)


def _optional_text(value: Any) -> str:
    return "" if value is None else _check_text(value)


def _required_text(value: Any) -> str:
    if _blank(value):
        raise fail(lambda key: f"'{key}' is empty; a value is required", code="AK107")
    return _check_text(value)


def _ident(value: Any) -> str:
    if isinstance(value, bool):
        raise fail(
            lambda key: (
                f"{key} must be text, found yes/no (YAML reads yes, no, on, off, true and false as "
                "yes/no): write it in quotes"
            ),
            code="AK117",
        )
    text = _required_text(value)
    if not re.fullmatch(ID_PATTERN, text):
        bad = next((c for c in text if not re.fullmatch(r"[A-Za-z0-9._-]", c)), "")
        why = f"'{bad}' is not allowed; " if bad.strip() else ""
        raise fail(
            lambda key: (
                f"'{text}' is not a valid {key}: {why}use at most 64 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            ),
            code="AK112",
        )
    return text


def _date(value: Any, required: bool) -> dt.date | None:
    if value is None or value == "":
        if required:
            raise fail(lambda key: f"'{key}' is empty; a date YYYY-MM-DD is required", code="AK107")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    found = kind_of(value)
    raise fail(lambda key: f"{key} must be a date in the form YYYY-MM-DD, found {found}", code="AK110")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, int, float, dt.date)) and not isinstance(value, bool):
        return [value]
    if not isinstance(value, list):
        found = kind_of(value)
        raise fail(lambda key: f"expected a list for '{key}', found {found}", code="AK116")
    return value


def _entries(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        found = kind_of(value)
        raise fail(lambda key: f"expected a list for '{key}', found {found}", code="AK116")
    return value


def _drop_empty(items: list[str]) -> list[str]:
    return [i for i in items if i]


def _at_least_one(items: list[str]) -> list[str]:
    if not items:
        raise fail(lambda key: f"'{key}' needs at least one entry", code="AK118")
    return items


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        found = kind_of(value)
        raise fail(lambda key: f"{key} must be a number, found {found}", code="AK119")
    return float(value)


def _percent(value: Any) -> float:
    number = _number(value)
    if not 0 <= number <= 100:
        shown = as_written(value)
        raise fail(lambda key: f"{key} {shown} is outside the range 0 to 100 (a percentage)", code="AK109")
    return number


class Noted(str):
    """A value read with a warning (``In progress`` read as ``in_progress``), reported by :func:`read_model`."""

    note: str


def Choice(choices: tuple[str, ...]) -> Any:
    """One of ``choices``; a value that differs only in case, spaces or hyphens is read with a warning."""

    def check(value: Any) -> str:
        text = _required_text(value)
        if text in choices:
            return text
        folded = text.lower().replace(" ", "_").replace("-", "_")
        if folded in choices:
            out = Noted(folded)
            out.note = f"'{text}' was read as '{folded}'; write '{folded}'"
            return out
        raise fail(lambda key: f"'{text}' is not one of: {one_of(choices)}{suggest(text, choices)}", code="AK104")

    return Annotated[str, PlainValidator(check)]


Text = Annotated[str, PlainValidator(_optional_text)]
RequiredText = Annotated[str, PlainValidator(_required_text)]
Id = Annotated[str, PlainValidator(_ident)]
Date = Annotated[dt.date | None, PlainValidator(functools.partial(_date, required=False))]
RequiredDate = Annotated[dt.date, PlainValidator(functools.partial(_date, required=True))]
TextItem = Annotated[str, PlainValidator(functools.partial(_check_text, in_list=True))]
TextList = Annotated[
    list[TextItem], BeforeValidator(_as_list), AfterValidator(_drop_empty), Field(default_factory=list)
]
"""A list of text (a single value is a list of one; empty entries are dropped); absent: empty."""
RequiredTextList = Annotated[
    list[TextItem], BeforeValidator(_as_list), AfterValidator(_drop_empty), AfterValidator(_at_least_one)
]
PositionedTextList = Annotated[list[TextItem], BeforeValidator(_as_list), Field(default_factory=list)]
"""A text list whose entries keep their positions (empty ones stay ``""``) for checks that point at them."""
Number = Annotated[float, PlainValidator(_number)]
Percent = Annotated[float, PlainValidator(_percent)]
AsWritten = BeforeValidator(lambda v: as_written(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
"""Metadata for a text field with its own pattern: a number is checked as written (``001``)."""


def Entries(model: type[BaseModel]) -> Any:
    """A list of mappings validated by ``model`` (nothing or absent is an empty list)."""
    return Annotated[list[model], BeforeValidator(_entries), Field(default_factory=list)]  # type: ignore[valid-type]


# ---------------------------------------------------------------------------------------------
# lenient reading: every valid field survives a field in error


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for a in (annotation, *get_args(annotation)):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
    return None


def _item_type(annotation: Any) -> Any | None:
    if get_origin(annotation) is list:
        return get_args(annotation)[0]
    if get_origin(annotation) is Union:
        for a in get_args(annotation):
            if get_origin(a) is list:
                return get_args(a)[0]
    return None


@functools.cache
def _adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation)


@functools.cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter:
    return TypeAdapter(model.model_fields[name].rebuild_annotation())


def _valid(adapter: TypeAdapter, value: Any) -> tuple[bool, Any]:
    try:
        return True, adapter.validate_python(value)
    except ValidationError:
        return False, None


def _partial(model: type[BaseModel], data: Any) -> BaseModel | None:
    """``model`` from ``data`` keeping every valid field; None when ``data`` is not a mapping."""
    if not isinstance(data, dict):
        return None
    ok, value = _valid(_adapter(model), data)
    if ok:
        return value
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        fallback = None if info.is_required() else info.get_default(call_default_factory=True)
        if name not in data:
            values[name] = fallback
            continue
        ok, value = _valid(_field_adapter(model, name), data[name])
        if ok:
            values[name] = value
            continue
        raw = data[name]
        sub = _model_of(info.annotation)
        item = _item_type(info.annotation)
        if sub is not None and isinstance(raw, dict):
            values[name] = _partial(sub, raw)
        elif item is not None and isinstance(raw, list):
            sub = _model_of(item)
            if sub is not None:  # entries keep their positions; one that is not a mapping is None
                values[name] = [_partial(sub, x) for x in raw]
            else:
                kept = [_valid(_adapter(item), x) for x in raw]
                keep_empty = not any(isinstance(m, AfterValidator) for m in info.metadata)
                values[name] = [v if good else "" for good, v in kept]
                if not keep_empty:
                    values[name] = [v for v in values[name] if v]
        else:
            values[name] = fallback
    return model.model_construct(**values)


def _notes(obj: Any, path: tuple, found: list[tuple[tuple, str]]) -> Any:
    """Collect the warnings carried by :class:`Noted` values (and turn them into plain text)."""
    if isinstance(obj, Noted):
        found.append((path, obj.note))
        return str(obj)
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name, None)
            new = _notes(value, (*path, name), found)
            if new is not value:
                object.__setattr__(obj, name, new)
        return obj
    if isinstance(obj, list):
        for i, value in enumerate(obj):
            new = _notes(value, (*path, i), found)
            if new is not value:
                obj[i] = new
        return obj
    if isinstance(obj, dict):
        for key, value in obj.items():
            new = _notes(value, (*path, key), found)
            if new is not value:
                obj[key] = new
        return obj
    return obj


def read_model(
    model: type[BaseModel],
    data: Any,
    doc: YamlDocument,
    file: str,
    problems: Problems,
    base: tuple = (),
    short_keys: bool = True,
) -> Any:
    """Validate the mapping ``data`` (at ``base`` in ``doc``) with ``model``; report every problem.

    Returns an instance holding every valid field (failing ones empty: ``None``, ``""`` or
    ``[]``), or None when ``data`` is not a mapping. ``short_keys`` names keys in messages by
    their own name (``'lead_auditor'``) rather than their path from the top of the file."""
    if not isinstance(data, dict):
        line, column = doc.where(base)
        what = "the file" if not base else f"'{base[-1]}'"
        problems.error(
            file, line, column, f"{what} must be a mapping of keys to values, found {kind_of(data)}", code="AK116"
        )
        return None
    try:
        out: Any = model.model_validate(data)
    except ValidationError as exc:
        report_model_errors(exc, doc, file, problems, root=model, base=base, short_keys=short_keys)
        out = _partial(model, data)
    notes: list[tuple[tuple, str]] = []
    _notes(out, base, notes)
    for path, note in notes:
        line, column = doc.where(path)
        problems.warning(file, line, column, note, code="AK105")
    return out


class Positions:
    """Report problems at positions of one YAML document (for the checks across fields)."""

    def __init__(self, doc: YamlDocument, file: str, problems: Problems):
        self.doc, self.file, self.problems = doc, file, problems

    def error(self, path: tuple, message: str, code: str = "") -> None:
        line, column = self.doc.where(path)
        self.problems.error(self.file, line, column, message, code=code)

    def warning(self, path: tuple, message: str, code: str = "") -> None:
        line, column = self.doc.where(path)
        self.problems.warning(self.file, line, column, message, code=code)

    def line(self, path: tuple) -> int:
        return self.doc.where(path)[0]


# ---------------------------------------------------------------------------------------------
# pydantic errors -> positioned problems

_FRIENDLY_TYPES = {
    "missing": "missing required key '{key}'",
    "extra_forbidden": "unknown key '{name}'{inside}{hint}",
    "date_from_datetime_parsing": "{key} must be a date in the form YYYY-MM-DD, found {kind}",
    "date_parsing": "{key} must be a date in the form YYYY-MM-DD, found {kind}",
    "date_type": "{key} must be a date in the form YYYY-MM-DD, found {kind}",
    "bool_parsing": "{key} must be yes or no, found {kind}",
    "bool_type": "{key} must be yes or no, found {kind}",
    "int_parsing": "'{value}' is not a whole number",
    "int_type": "{key} must be a whole number, found {kind}",
    "int_from_float": "'{value}' is not a whole number",
    "string_type": "expected text for '{key}', found {kind}",
    "model_type": "expected a mapping of keys to values for '{key}', found {kind}",
    "model_attributes_type": "expected a mapping of keys to values for '{key}', found {kind}",
    "dict_type": "expected a mapping of keys to values for '{key}', found {kind}",
    "list_type": "expected a list for '{key}', found {kind}",
    "too_short": "'{key}' needs at least {min_length}",
    "string_too_short": "'{key}' is empty; a value is required",
    "string_pattern_mismatch": "'{value}' is not a colour in the form #RRGGBB",
    "greater_than_equal": "{value} is too small for '{key}' (minimum {ge})",
}

_TYPE_CODES = {  # the problem code of each pydantic error type (aimskit/base/codes.py)
    "missing": "AK106",
    "extra_forbidden": "AK103",
    "date_from_datetime_parsing": "AK110",
    "date_parsing": "AK110",
    "date_type": "AK110",
    "bool_parsing": "AK111",
    "bool_type": "AK111",
    "int_parsing": "AK108",
    "int_type": "AK108",
    "int_from_float": "AK108",
    "string_type": "AK116",
    "model_type": "AK116",
    "model_attributes_type": "AK116",
    "dict_type": "AK116",
    "list_type": "AK116",
    "too_short": "AK118",
    "string_too_short": "AK107",
    "string_pattern_mismatch": "AK120",
    "greater_than_equal": "AK109",
    "literal_error": "AK104",
}


def _count(n: int) -> str:
    return "one entry" if n == 1 else f"{n} entries"


def _model_at(loc: tuple, root: Any) -> Any:
    """The model class of the mapping at ``loc`` (relative to ``root``), or None."""
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return None
        annotation = fields[part].annotation
        item = _item_type(annotation)
        model = _model_of(item) if item is not None else _model_of(annotation)
        if model is None:
            return None
    return model


def _model_fields(loc: tuple, root: Any) -> list[str]:
    return list(getattr(_model_at(loc[:-1], root), "model_fields", {}))


def _where(loc: tuple, root: Any) -> str:
    """How the mapping at ``loc`` is named in a message: its model's ``where``, else its key."""
    model = _model_at(loc, root)
    where = getattr(model, "where", "") if model is not None else ""
    if where:
        n = next((p for p in reversed(loc) if isinstance(p, int)), 0) + 1
        return where.replace("{n}", str(n))
    names = [p for p in loc if not isinstance(p, int)]
    return names[-1] if names else "the file"


def _key_shown(loc: tuple, rel: tuple, root: Any, short_keys: bool) -> tuple[str, str]:
    """How an error's key and its mapping are named in a message: from the top (``audits[1].end``), or with
    ``short_keys`` by its own name and its mapping's ``where``."""
    if short_keys:
        names = [p for p in loc if not isinstance(p, int)]
        return (str(names[-1]) if names else "the file"), (_where(rel[:-1], root) if rel else "")
    key = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))
    return key, (key[: -len(str(loc[-1])) - 1] if len(loc) > 1 else "")


def report_model_errors(
    exc: ValidationError,
    doc: YamlDocument,
    file: str,
    problems: Problems,
    root: Any = None,
    base: tuple = (),
    short_keys: bool = False,
    also_known: tuple[str, ...] = (),
) -> None:
    """Report a pydantic error of a model read from YAML as friendly, positioned problems.

    ``root`` is the model validated (for "did you mean" on unknown keys) and ``base`` the path of
    its mapping in the document (``("risk_criteria",)``); keys in messages are shown from the top,
    or with ``short_keys`` by their own name (and unknown keys "in" their mapping's ``where``).
    ``also_known`` are further valid top-level keys, offered in "did you mean" hints."""
    for err in exc.errors():
        rel = tuple(err["loc"])
        loc = base + rel
        key, parent = _key_shown(loc, rel, root, short_keys)
        value = err.get("input")
        kind = err["type"]
        ctx = err.get("ctx") or {}
        code = _TYPE_CODES.get(kind, "AK121")
        if kind == ERROR_TYPE:
            message = ctx["say"](key)
            code = ctx.get("code") or "AK121"
        elif kind == "value_error" and loc == ("assessment_date",):
            message = f"assessment_date must be a date in the form YYYY-MM-DD, found {kind_of(value)}"
            code = "AK110"
        elif kind in ("value_error", "literal_error") and loc == ("format_version",):
            message = f"format_version must be the number {FORMAT_VERSION}, found {kind_of(value)}"
            code = "AK201"
        elif kind == "string_type" and loc[-1] == "colour" and value is None:
            message = (
                f'{key} is empty; write the colour in quotes, e.g. colour: "#1F4E79" (an unquoted # starts a comment)'
            )
            code = "AK120"
        elif kind == "string_pattern_mismatch" and loc[-1] != "colour":
            message = f"'{value}' is not a valid {key}: use lower-case letters, digits and '_', starting with a letter"
            code = "AK112"
        elif kind == "literal_error":
            expected = ctx.get("expected", "")
            choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",")]
            hint = suggest(value, choices) if isinstance(value, str) else ""
            shown = f"'{value}'" if isinstance(value, str) else kind_of(value)
            message = f"{shown} is not one of: {one_of(choices)}{hint}"
        elif (
            kind in ("model_type", "model_attributes_type", "dict_type")
            and short_keys
            and rel
            and isinstance(rel[-1], int)
        ):
            message = f"each entry of '{key}' must be a mapping of keys to values, found {kind_of(value)}"
        elif kind in _FRIENDLY_TYPES:
            hint = ""
            if kind == "extra_forbidden":
                known = _model_fields(rel, root or BaseModel)
                if len(loc) == 1:
                    known += list(also_known)  # top-level keys validated elsewhere (by the parts)
                hint = suggest(str(loc[-1]), known)
            message = _FRIENDLY_TYPES[kind].format(
                name=loc[-1],
                inside=f" in {parent}" if parent else "",
                key=key,
                value=as_written(value) if isinstance(value, (int, float)) else value,
                kind=kind_of(value),
                hint=hint,
                ge=ctx.get("ge", ""),
                min_length=_count(ctx.get("min_length", 1)),
            )
        else:
            message = f"{key}: {err['msg']}"
        # a missing key: where its mapping is; an unknown key: the key itself; else the value
        line, column = doc.where(loc[:-1]) if kind == "missing" else doc.where(loc, key=kind == "extra_forbidden")
        problems.error(file, line, column, message, code=code)
