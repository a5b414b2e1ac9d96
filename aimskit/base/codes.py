"""The stable codes of the problems validation reports (``AK`` and three digits).

Every problem carries one (shown as ``[AK203]`` at the end of its line), so a user can filter a
report or suppress a warning by code (``aimskit validate --ignore AK105``) and tests can assert on
codes. Codes are grouped by where the problem is found:

- ``AK0xx`` files and formats (missing or unreadable files, encodings, CSV and YAML syntax)
- ``AK1xx`` values in CSV columns and YAML keys (types, allowed values, dates, duplicates)
- ``AK2xx`` ``engagement.yaml``, ``systems.csv`` and ``gap.csv`` rules
- ``AK3xx`` the risk criteria, the risk register and the SoA
- ``AK4xx`` system profiles, the EU AI Act screening and the impacts
- ``AK5xx`` the audit programme, findings and management reviews
- ``AK6xx`` the later parts (certifications, security test runs, readiness registers)
- ``AK7xx`` finished run folders (``manifest.json`` and the results JSON that compare, the OSCAL export,
  the deliverables and ``--baseline`` read)

A code, once published, keeps its meaning; a retired code is never reused. The list is in
``docs/problem-codes.md``, generated from :data:`CODES`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    title: str


def _codes(*items: tuple[str, str]) -> dict[str, Code]:
    out: dict[str, Code] = {}
    for code, title in items:
        if code in out:  # pragma: no cover - caught by the tests
            raise ValueError(f"duplicate problem code {code}")
        out[code] = Code(code, title)
    return out


CODES: dict[str, Code] = _codes(
    # AK0xx files and formats
    ("AK001", "a file is UTF-16 encoded, not UTF-8"),
    ("AK002", "a file is not valid UTF-8 text"),
    ("AK003", "a file contains NUL bytes (a spreadsheet saved as CSV?)"),
    ("AK004", "a CSV cell is longer than the limit for one cell"),
    ("AK005", "a CSV file cannot be parsed from a line on (an unclosed quote?)"),
    ("AK006", "a CSV file is empty: it has no header row"),
    ("AK007", "a CSV file is separated by semicolons or tabs, not commas"),
    ("AK008", "a cell of a CSV header is empty"),
    ("AK009", "a column appears twice in a CSV header"),
    ("AK010", "a CSV row has more or fewer values than the header has columns"),
    ("AK011", "empty unnamed columns at the end of a CSV file are ignored"),
    ("AK020", "a YAML file uses anchors and aliases"),
    ("AK021", "a key appears twice in a YAML mapping"),
    ("AK022", "a YAML file contains a control character"),
    ("AK023", "a YAML file is nested too deeply"),
    ("AK024", "a YAML file is empty"),
    ("AK025", "a YAML syntax error"),
    ("AK030", "the engagement folder does not exist"),
    ("AK031", "the engagement path is not a folder"),
    ("AK032", "a file or folder of the engagement cannot be read"),
    ("AK033", "a file is a link that points outside the engagement folder"),
    ("AK034", "an engagement file is not a regular file (a folder, a broken link or a device)"),
    ("AK035", "a required engagement file is missing"),
    ("AK036", "a form cannot write its change into the file"),
    # AK1xx values in CSV columns and YAML keys
    ("AK101", "an unknown column is ignored"),
    ("AK102", "a required column is missing"),
    ("AK103", "an unknown key"),
    ("AK104", "a value is not one of the allowed values"),
    ("AK105", "a value was read in its standard spelling (case, spaces or hyphens differ)"),
    ("AK106", "a required key is missing"),
    ("AK107", "a required value is empty"),
    ("AK108", "a value is not a whole number"),
    ("AK109", "a number is outside its allowed range"),
    ("AK110", "a value is not a date in the form YYYY-MM-DD"),
    ("AK111", "a value is not yes or no"),
    ("AK112", "an id or name is not in the allowed form (letters, digits and a few signs)"),
    ("AK113", "a duplicate row or id"),
    ("AK114", "a rating written as its label was read as its number"),
    ("AK115", "a rating is not a level of its scale"),
    ("AK116", "a value has the wrong type (text, a list or a mapping was expected)"),
    ("AK117", "text written unquoted was read by YAML as yes/no"),
    ("AK118", "a list has fewer entries than it needs"),
    ("AK119", "a value is not a number"),
    ("AK120", "a colour is not in the form #RRGGBB"),
    ("AK121", "a value is not valid (another kind of problem with its type)"),
    ("AK122", "two ids differ only in upper/lower case or Unicode form"),
    ("AK123", "a value is still a template placeholder"),
    ("AK124", "a row is still the template's example row"),
    ("AK125", "an unknown system id (not in systems.csv)"),
    ("AK126", "an entry for a system out of scope is not counted"),
    ("AK127", "an unknown ISO/IEC 42001 requirement id"),
    ("AK128", "an Annex B guidance number is used instead of its Annex A control"),
    ("AK129", "a heading (clause or objective) is used where its sub-clauses or controls are needed"),
    # AK2xx engagement.yaml, systems.csv and gap.csv rules
    ("AK201", "format_version is not the version this aimskit reads"),
    ("AK202", "the logo file is not found"),
    ("AK203", "the logo is not inside the engagement folder"),
    ("AK204", "the logo is not an image file (.png, .jpg, .svg or .gif)"),
    ("AK205", "the logo file cannot be read"),
    ("AK210", "a clause is assessed for one system (clauses apply to the whole organisation)"),
    ("AK211", "a clause is marked not_applicable (clauses 4-10 are mandatory)"),
    ("AK212", "status not_applicable has no justification"),
    ("AK213", "a maturity is required for this status"),
    ("AK214", "a maturity is ignored for this status"),
    ("AK215", "status compliant with maturity 0 is contradictory"),
    ("AK216", "a requirement that needs work has no owner"),
    ("AK220", "the Word template cannot be used"),
    ("AK221", "a final document lacks its approval details"),
    ("AK222", "a document's approval date is before the assessment date"),
    ("AK223", "an unknown step in document_control.commentary"),
    # AK3xx the risk criteria, the risk register and the SoA
    ("AK301", "the risk appetite is not one of the bands"),
    ("AK302", "two levels of a risk scale have the same value"),
    ("AK303", "the levels of a risk scale are not listed from the lowest up"),
    ("AK304", "method matrix is chosen but no matrix is given"),
    ("AK305", "a matrix is given but the method is not matrix"),
    ("AK307", "a risk band's minimum is greater than its maximum"),
    ("AK308", "the risk bands are not listed from the lowest scores up"),
    ("AK309", "the risk matrix does not have one score per likelihood and impact level"),
    ("AK310", "an acceptance rule names an unknown band"),
    ("AK311", "an acceptance rule is not used (its band is within the appetite)"),
    ("AK312", "a risk band can never be reached"),
    ("AK313", "the scores of the risk matrix do not rise with likelihood and impact"),
    ("AK315", "two risk bands overlap"),
    ("AK316", "some reachable scores fall in no risk band"),
    ("AK320", "an own control id looks like an Annex A control id"),
    ("AK321", "several controls in one cell not separated by ';'"),
    ("AK322", "a control id is written in the wrong case"),
    ("AK323", "an unknown Annex A control"),
    ("AK324", "an unknown control (not Annex A, not an own control in the SoA)"),
    ("AK325", "an own control has no title"),
    ("AK326", "an applicable control has no implementation status"),
    ("AK327", "justification categories are given for an excluded control"),
    ("AK328", "only one of residual likelihood and residual impact is given"),
    ("AK329", "accepted_on is set but accepted_by is empty"),
    ("AK330", "an accepted risk has no accepted_by"),
    ("AK331", "an unknown risk id (not in risks.csv)"),
    # AK4xx system profiles, the EU AI Act screening and the impacts
    ("AK401", "an unknown screening question"),
    ("AK402", "a screening answer that must be a list is not a list"),
    ("AK403", "an entry is listed twice in a screening answer"),
    ("AK404", "an Annex III area is named instead of its points"),
    ("AK405", "an unknown Annex III point"),
    ("AK407", "an entry is not an Annex I entry number (1-20)"),
    ("AK408", "a screening question has no answer yet"),
    ("AK409", "a screening answer that is required is missing"),
    ("AK410", "a role is not among the organisation's AI roles"),
    ("AK411", "impact_criteria.severe_level is not a band"),
    ("AK412", "a residual impact rating is higher than before mitigation"),
    ("AK413", "the profiles path is not a folder"),
    ("AK414", "a system has a second profile"),
    ("AK415", "a system's screening answers are still the blank template's"),
    # AK5xx the audit programme, findings and management reviews
    ("AK501", "the audit programme ends before it starts"),
    ("AK502", "an audit ends before it starts"),
    ("AK503", "a done audit ends after the assessment date"),
    ("AK504", "a planned audit was due to end before the assessment date"),
    ("AK505", "an audit has no scope"),
    ("AK506", "an audit scope names no clause or control"),
    ("AK507", "a clause is listed under controls, or a control under clauses"),
    ("AK508", "an unknown clause or control in an audit scope"),
    ("AK509", "an unknown audit id"),
    ("AK510", "a finding is raised by a planned audit"),
    ("AK511", "a finding's requirement is outside its audit's scope"),
    ("AK512", "a closed finding has no closure_date"),
    ("AK513", "a finding has a closure_date but is not closed"),
    ("AK514", "a date is before the finding was raised"),
    ("AK515", "a date is after the assessment date"),
    ("AK516", "an effectiveness check is incomplete"),
    ("AK517", "a finding is a recurrence of itself"),
    ("AK518", "an unknown finding id"),
    ("AK519", "a recurrence points to a later finding"),
    ("AK520", "recurrence links form a loop"),
    ("AK521", "the next review date is before the assessment date"),
    ("AK522", "a management review is dated after the assessment date"),
    ("AK523", "a done action has no completed_on date"),
    ("AK524", "an action has completed_on but is not done"),
    ("AK525", "an action is due before the review that decided it"),
    ("AK526", "an action was completed before the review that decided it"),
    # AK6xx the later parts
    ("AK601", "a certificate expires before it was issued"),
    ("AK602", "an ISO/IEC 27001 certificate is expired or not yet valid"),
    ("AK603", "an ISO/IEC 27001:2013 certificate (the transition to 2022 has ended)"),
    ("AK610", "a category is not an OWASP LLM 2025 category"),
    ("AK611", "score_meaning is ignored for this tool (it applies to Inspect AI logs only)"),
    ("AK612", "a security result file cannot be used (missing, outside the folder or not a file)"),
    ("AK613", "the same security result file is declared by two runs"),
    ("AK614", "a security result file is outside the security/ folder"),
    ("AK615", "a security result file cannot be read, or only in part (an importer problem without a code of its own)"),
    ("AK616", "a security result file is read with a caveat (an importer caveat without a code of its own)"),
    ("AK617", "a security result file was written by another tool than the one declared"),
    # AK660-AK679 the red-team importers' own problems, one code per kind
    ("AK660", "a security result file is not recognised as the result of a supported tool"),
    ("AK661", "a security result file, one of its lines or members is not valid JSON (corrupt or truncated)"),
    ("AK662", "a line of a garak report is too long to read and is skipped"),
    ("AK663", "JSON in a security result file is nested too deeply to read"),
    ("AK664", "a security result file or a member of it is larger than the import limits"),
    ("AK665", "a compressed member of a security result file looks like a zip bomb"),
    ("AK666", "an .eval archive or its compressed data is corrupt"),
    ("AK667", "reading a security result file needs a Python package that is not installed (once per file)"),
    ("AK668", "a PyRIT SQLite database cannot be opened or read"),
    ("AK669", "a security result file lacks the structure of its tool's format"),
    ("AK670", "the format version of a security result file is not supported"),
    ("AK671", "a record of a security result file is malformed and is skipped"),
    ("AK672", "a security result file has too many problems: the rest are not shown"),
    ("AK673", "the tool or log format version of a security result file is missing or not tested with aimskit"),
    ("AK674", "a red-team run is incomplete (interrupted or truncated): counts may be partial"),
    ("AK675", "the counts of a red-team run are recomputed or partial (no eval rows, digest only, unmapped rows)"),
    ("AK676", "a security result file holds nothing to count"),
    ("AK620", "a workbook cell holds a formula (aimskit reads values only)"),
    ("AK621", "a workbook sheet is empty: it needs its header row"),
    ("AK622", "a key in a workbook's key/value sheet is empty"),
    ("AK623", "a workbook key is not a key path"),
    ("AK624", "a workbook value cannot be read as YAML"),
    ("AK625", "a workbook key has a value and also values under it"),
    ("AK626", "a workbook key is given twice"),
    ("AK627", "a workbook key mixes list positions and keys"),
    ("AK628", "a workbook sheet for an engagement file is missing"),
    ("AK629", "a workbook names a file that is not an engagement file"),
    ("AK630", "a workbook gives an unknown kind for a file"),
    ("AK640", "an unknown id in a readiness register (not a clause, Annex A control or risk)"),
    ("AK641", "approved_on is set but approved_by is empty"),
    ("AK642", "approved_by is set but approved_on is empty"),
    ("AK643", "a document is approved after the assessment date"),
    ("AK644", "a document's next review is before its approval"),
    ("AK645", "current_value is set but measured_on is empty"),
    ("AK646", "an objective is achieved but has no current_value"),
    ("AK647", "the stage 2 audit is dated before the stage 1 audit"),
    ("AK648", "a certification audit date is before the assessment date"),
    # AK7xx finished run folders
    ("AK701", "a folder given as a run has no manifest.json"),
    ("AK702", "manifest.json cannot be read or is not valid JSON"),
    ("AK703", "manifest.json is not the manifest of an aimskit run (another program's JSON)"),
    ("AK704", "manifest.json was written by a newer aimskit (an unknown schema version)"),
    ("AK705", "manifest.json has no schema version and not the shape an earlier aimskit wrote"),
    ("AK706", "a value of manifest.json is missing or of the wrong kind, or a listed file is outside the folder"),
    ("AK707", "a file manifest.json lists is missing from the run folder"),
    ("AK708", "a report's results JSON cannot be read, is not a JSON mapping, or a value in it is of the wrong kind"),
    ("AK709", "a report's results JSON has an unknown schema version"),
    ("AK710", "a run did not finish (interrupted or still running): it is not read until it is run again"),
    ("AK711", "a report's executed notebook cannot be read or carries no report blocks (needed for Word)"),
)
"""Every problem code, with its short title."""


def title(code: str) -> str:
    return CODES[code].title if code in CODES else ""


def markdown() -> str:
    """The table of ``docs/problem-codes.md``."""
    lines = ["| code | problem |", "|---|---|"]
    lines += [f"| `{c.code}` | {c.title} |" for c in sorted(CODES.values(), key=lambda c: c.code)]
    return "\n".join(lines)
