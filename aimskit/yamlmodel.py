"""Pydantic models read from YAML: their validation errors as friendly, positioned problems.

Every YAML file of an engagement (``engagement.yaml``, the system profiles, ``audits.yaml``,
``reviews.yaml``) is validated by a pydantic model; :func:`report_model_errors` turns each error
into a problem at the line and column of the offending value, in words a person understands.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from aimskit.problems import Problems, kind_of, one_of, suggest
from aimskit.vocab import FORMAT_VERSION
from aimskit.yamlio import YamlDocument

_FRIENDLY_TYPES = {
    "missing": "missing required key '{key}'",
    "extra_forbidden": "unknown key '{name}'{inside}{hint}",
    "date_from_datetime_parsing": "{key} must be a date in the form YYYY-MM-DD, found {kind}",
    "date_parsing": "{key} must be a date in the form YYYY-MM-DD, found {kind}",
    "date_type": "{key} must be a date in the form YYYY-MM-DD, found {kind}",
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


def _entries(n: int) -> str:
    return "one entry" if n == 1 else f"{n} entries"


def _model_fields(loc: tuple, root: Any = None) -> list[str]:
    model: Any = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return []
        annotation = fields[part].annotation
        args = getattr(annotation, "__args__", ())
        model = next((a for a in (annotation, *args) if hasattr(a, "model_fields")), None)
        if model is None:
            return []
    return list(getattr(model, "model_fields", {}))


def report_model_errors(
    exc: ValidationError,
    doc: YamlDocument,
    file: str,
    problems: Problems,
    root: Any = None,
    base: tuple = (),
    also_known: tuple[str, ...] = (),
) -> None:
    """Report a pydantic error of a model read from YAML as friendly, positioned problems.

    ``root`` is the model validated (for "did you mean" on unknown keys) and ``base`` the path of
    its mapping in the document (``("risk_criteria",)``); keys in messages are shown from the top.
    ``also_known`` are further valid top-level keys, offered in "did you mean" hints.
    """
    for err in exc.errors():
        loc = base + tuple(err["loc"])
        key = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))
        parent = key[: -len(str(loc[-1])) - 1] if len(loc) > 1 else ""
        value = err.get("input")
        kind = err["type"]
        if kind == "value_error" and loc == ("assessment_date",):
            message = f"assessment_date must be a date in the form YYYY-MM-DD, found {kind_of(value)}"
        elif kind in ("value_error", "literal_error") and loc == ("format_version",):
            message = f"format_version must be the number {FORMAT_VERSION}, found {kind_of(value)}"
        elif kind == "string_type" and loc[-1] == "colour" and value is None:
            message = (
                f'{key} is empty; write the colour in quotes, e.g. colour: "#1F4E79" (an unquoted # starts a comment)'
            )
        elif kind == "string_pattern_mismatch" and loc[-1] != "colour":
            message = f"'{value}' is not a valid {key}: use lower-case letters, digits and '_', starting with a letter"
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",")]
            hint = suggest(value, choices) if isinstance(value, str) else ""
            shown = f"'{value}'" if isinstance(value, str) else kind_of(value)
            message = f"{shown} is not one of: {one_of(choices)}{hint}"
        elif kind in _FRIENDLY_TYPES:
            hint = ""
            if kind == "extra_forbidden":
                known = _model_fields(tuple(err["loc"]), root)
                if len(loc) == 1:
                    known += list(also_known)  # top-level keys validated elsewhere (by the parts)
                hint = suggest(str(loc[-1]), known)
            message = _FRIENDLY_TYPES[kind].format(
                name=loc[-1],
                inside=f" in {parent}" if parent else "",
                key=key,
                value=value,
                kind=kind_of(value),
                hint=hint,
                ge=err.get("ctx", {}).get("ge", ""),
                min_length=_entries(err.get("ctx", {}).get("min_length", 1)),
            )
        else:
            message = f"{key}: {err['msg']}"
        if kind == "missing":
            line, column = doc.where(loc[:-1])
        else:
            line, column = doc.where(loc, key=kind == "extra_forbidden")
        problems.error(file, line, column, message)
