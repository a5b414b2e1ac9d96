"""Document control of an engagement's deliverables (``document_control:`` in engagement.yaml)
and the consultant's Word template (``branding.word_template``).

```yaml
document_control:
  prepared_for: Board of Brightwater Consumer Finance Ltd   # default: the organisation's name
  version: "1.0"                   # quote it: 1.10 written as a number would read 1.1
  status: draft                    # draft | final
  confidentiality: Confidential - client and assessor only
  approver: Eleanor Marsh, Lead assessor                     # required when status is final
  approval_date: 2026-11-27                                  # required when status is final
  commentary:                      # optional: one paragraph per step, shown first in its report
    gap: The organisation has ...
```

Shown on every report (title block), in the PDF (cover, running header and footer), in the Word
file (cover table, document properties) and in the index.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Annotated, Any, Literal
from xml.etree import ElementTree

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aimskit.base.problems import Problems

STATUSES = ("draft", "final")
STATUS_LABELS = {"draft": "Draft", "final": "Final"}
#: Styles a Word template must define (python-docx writes headings, tables and lists with them).
REQUIRED_STYLES = ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "Table Grid", "Caption")
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocumentControl(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    prepared_for: str = Field("", description="who the documents are for (default: the organisation's name)")
    version: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        "0.1", description='the document version, in quotes ("1.10" written as a number would read 1.1)'
    )
    status: Literal["draft", "final"] = Field("draft", description="draft or final (final needs the approval)")
    confidentiality: Annotated[str, Field(min_length=1, max_length=120)] = Field(
        "Confidential", description="the confidentiality label printed on every page"
    )
    approver: str = Field("", description="who approved the documents (name and role)")
    approval_date: dt.date | None = Field(None, description="when they were approved, YYYY-MM-DD")
    commentary: dict[str, Annotated[str, Field(min_length=1)]] = Field(
        {}, description="optional: one paragraph per step (gap, risk, ...), shown first in its organisation report"
    )

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError('the version must be text such as "1.0"')
        if isinstance(value, int | float):
            return str(value)  # (a YAML number: 1.0 stays "1.0"; the template's comment says to quote)
        return value

    @field_validator("approval_date", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return dt.date.fromisoformat(value.strip())
        raise ValueError("not a date (write it as YYYY-MM-DD)")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def commentary_for(self, step: str | None) -> str:
        return self.commentary.get(step or "", "")


def check(doc: Any, folder: Path, file: str, problems: Problems, assessment_date: dt.date | None) -> None:
    """The rules between document-control fields, and the Word template (positioned problems).

    Field types are checked by the model (with the rest of engagement.yaml); this adds what a
    model cannot say well: a final document needs its approval, the template is a usable .docx.
    That each commentary names a step is checked where the steps are known
    (:func:`aimskit.steps.registry.check_engagement`, AK223): this layer does not import them."""
    data = doc.data if isinstance(doc.data, dict) else {}
    dc = data.get("document_control")
    if isinstance(dc, dict):
        _check_control(dc, doc, file, problems, assessment_date)
    branding = data.get("branding")
    template = branding.get("word_template") if isinstance(branding, dict) else None
    if template:
        line, column = doc.where(("branding", "word_template"))
        for message in template_problems(folder, template):
            problems.error(file, line, column, message, code="AK220")


def _check_control(dc: dict, doc: Any, file: str, problems: Problems, assessment_date: dt.date | None) -> None:
    if dc.get("status") == "final":
        for key, what in (("approver", "who approved it"), ("approval_date", "when it was approved")):
            if not dc.get(key):
                line, column = doc.where(("document_control", "status"))
                problems.error(
                    file,
                    line,
                    column,
                    f"a final document needs document_control.{key} ({what}); add it, or set status: draft",
                    code="AK221",
                )
    approved = dc.get("approval_date")
    if isinstance(approved, dt.date) and assessment_date and approved < assessment_date:
        line, column = doc.where(("document_control", "approval_date"))
        problems.warning(
            file,
            line,
            column,
            f"approval date {approved.isoformat()} is before the assessment date {assessment_date.isoformat()}",
            code="AK222",
        )


def template_problems(folder: Path, template: Any) -> list[str]:
    """What makes ``template`` (relative to the engagement folder) unusable as a Word template."""
    if not isinstance(template, str):
        return ["branding.word_template must be the path of a .docx file inside the engagement folder"]
    path = Path(folder) / template
    problem = _file_problem(Path(folder), path, template)
    if problem:
        return [problem]
    styles, problem = _read_styles(path, template)
    if problem:
        return [problem]
    missing = [s for s in REQUIRED_STYLES if s.lower() not in styles]
    if missing:
        return [
            f"Word template '{template}' lacks the style(s) {', '.join(missing)}; define them in the template "
            "(in Word: apply each once, or Styles > Manage Styles), or start from 'aimskit word-template'"
        ]
    return []


def _file_problem(folder: Path, path: Path, template: str) -> str:
    """Why ``path`` is not a Word file inside ``folder`` (empty when it is one)."""
    try:
        inside = folder.resolve() in path.resolve().parents
        exists = path.is_file()
    except OSError as exc:
        return f"cannot use the Word template '{template}': {exc.strerror or exc}"
    if not inside:
        return f"Word template '{template}' must be a file inside the engagement folder"
    if not exists:
        return f"Word template '{template}' not found in the engagement folder"
    if path.suffix.lower() not in (".docx", ".dotx"):
        return f"Word template '{template}' must be a .docx (or .dotx) file, saved from Word or LibreOffice"
    return ""


def _read_styles(path: Path, template: str) -> tuple[set[str], str]:
    """The names of the styles the .docx at ``path`` defines (lower case), or why it cannot be read."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "word/document.xml" not in names or "word/styles.xml" not in names:
                return set(), (
                    f"Word template '{template}' is not a Word document (no word/document.xml or word/styles.xml)"
                )
            styles = ElementTree.fromstring(z.read("word/styles.xml"))
    except (zipfile.BadZipFile, OSError, ElementTree.ParseError) as exc:
        return set(), f"Word template '{template}' cannot be read as a .docx file: {exc}"
    elements = [s.find(f"{W_NS}name") for s in styles.iter(f"{W_NS}style")]
    # Word stores the built-in heading styles under lower-case names ("heading 1")
    return {(n.get(f"{W_NS}val") or "").lower() for n in elements if n is not None}, ""
