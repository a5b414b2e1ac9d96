"""The normalisation that keeps README.md's generated console examples stable (scripts/readme_examples.py):
what varies between two runs of the same commands is equal after it, any other change is not."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import readme_examples as ex

RUN = """```console
$ aimskit run brightwater --system cv-screen --system llm-assist
[1/3] ok      gap/system-llm-assist (3.1 s)
[2/3] ok      gap/system-cv-screen (3.6 s)
[3/3] ok      audit/organisation (0.8 s)
3 of 3 reports written to outputs/brightwater; open outputs/brightwater/index.html

$ aimskit init acme
created acme/engagement.yaml
created acme/systems.csv
```
"""


def _swap(text: str, a: str, b: str) -> str:
    return text.replace(a, "\0").replace(b, a).replace("\0", b)


@pytest.mark.parametrize(
    "other",
    [
        RUN.replace("(3.1 s)", "(12.0 s)").replace("(0.8 s)", "(0.7 s)"),
        _swap(RUN, "gap/system-llm-assist (3.1 s)", "gap/system-cv-screen (3.6 s)"),  # parallel reports
        RUN.replace("[1/3] ok      gap/system-llm-assist", "[3/3] ok      gap/system-llm-assist"),
    ],
    ids=["durations", "order", "counters"],
)
def test_what_varies_between_runs_is_kept(other):
    assert ex.normalise(other) == ex.normalise(RUN)
    assert ex.keep_previous(RUN, other) == RUN


def test_temporary_folders_are_masked():
    def at(name: str) -> str:
        return RUN.replace("outputs/brightwater", f"{tempfile.gettempdir()}/{ex.TMP_PREFIX}{name}/outputs/brightwater")

    assert ex.keep_previous(at("session-x1y2"), at("session-k9q3")) == at("session-x1y2")
    assert ex.keep_previous(RUN, at("session-k9q3")) == at("session-k9q3")


@pytest.mark.parametrize(
    "other",
    [
        RUN.replace("3 of 3 reports written", "2 of 3 reports written"),
        RUN.replace("ok      audit/organisation", "FAILED  audit/organisation"),
        RUN.replace("created acme/systems.csv\n", "created acme/systems.csv\ncreated acme/documents.csv\n"),
        RUN.replace("created acme/systems.csv\n", ""),
        RUN.replace("gap/system-cv-screen (3.6 s)", "gap/system-fraud-detect (3.6 s)"),
        RUN.replace("(3.1 s)", "(3.1 min)"),
        _swap(RUN, "created acme/engagement.yaml", "created acme/systems.csv"),  # not progress lines
        RUN.replace("outputs/brightwater", "/home/someone/outputs/brightwater"),
    ],
    ids=["summary", "status", "one-more-file", "one-less-file", "report", "unit", "order-of-files", "path"],
)
def test_any_other_change_is_written(other):
    assert ex.normalise(other) != ex.normalise(RUN)
    assert ex.keep_previous(RUN, other) == other


def test_no_previous_block_takes_the_new_output():
    assert ex.keep_previous(None, RUN) == RUN


def test_progress_lines_sort_only_within_one_run():
    two_runs = "[1/1] ok      b (1.0 s)\nsummary\n[1/1] ok      a (1.0 s)\n"
    assert ex.normalise(two_runs) == "ok      b (<t> s)\nsummary\nok      a (<t> s)\n"


def test_listing_patterns_and_collapse():
    assert ex.expand("risk/{organisation,system-<id>}-{soa,plan}.csv") == {
        "risk/organisation-soa.csv",
        "risk/organisation-plan.csv",
        "risk/system-<id>-soa.csv",
        "risk/system-<id>-plan.csv",
    }
    scopes = ["system-credit", "system-credit-score", "audit-IA-2026-01"]
    assert ex.collapse("risk/system-credit-score-soa.csv", scopes) == "risk/system-<id>-soa.csv"
    assert ex.collapse("audit/audit-IA-2026-01.html", scopes) == "audit/audit-<id>.html"
    assert ex.collapse("gap/organisation.html", scopes) == "gap/organisation.html"
    assert ex.collapse("gap/system-credit", scopes) == "gap/system-credit"
    assert ex.collapse("gap/system-creditors.html", scopes) == "gap/system-creditors.html"
    assert ex.collapse(".aimskit/records/gap/system-credit.json", scopes) == ".aimskit/records/"


def test_the_listing_check_fails_loudly():
    described = {"gap/organisation.{html,json}": "the report", "index.html": "the index"}
    ex._check(described, {"gap/organisation.html", "gap/organisation.json", "index.html"}, "run")
    with pytest.raises(ValueError, match="describes none"):
        ex._check(described, {"gap/organisation.html", "gap/organisation.json", "index.html", "new.csv"}, "run")
    with pytest.raises(ValueError, match="did not write"):
        ex._check(described, {"gap/organisation.html", "index.html"}, "run")


# -- the README and the docs it links to -------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
# The pages this test keeps linked: README.md and the docs pages that are not generated elsewhere.
LINKED_PAGES = [
    "README.md",
    *(f"docs/{name}.md" for name in ("cli", "filling-in", "dependencies", "batch", "methods", "catalog")),
]


def test_the_readme_has_at_most_300_lines():
    """Reference material goes to docs/ (issue 26): the README is what a newcomer reads first."""
    lines = README.count("\n") + (not README.endswith("\n"))
    assert lines <= 300, f"README.md has {lines} lines; move reference material to docs/ and link it"


def test_the_readme_names_every_file_of_an_engagement():
    """The README's "The engagement folder" names each file the engagement format has."""
    from aimskit.ui import reference

    section = README.split("## The engagement folder", 1)[1].split("\n## ", 1)[0]
    files_table = reference.files_markdown().split("\n\n", 1)[0]  # its first table: the files
    names = re.findall(r"^\| `([^`]+)` \|", files_table, re.MULTILINE)
    assert len(names) >= 10
    missing = [name for name in names if f"`{name}`" not in section and f"`{name}/" not in section]
    assert not missing, f"README.md, The engagement folder: {missing} not named"


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation but '-' and '_' removed, spaces
    as '-'."""
    headings = re.findall(r"^#{1,6} (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.DOTALL), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", LINKED_PAGES)
def test_relative_links_lead_to_a_file_and_heading(page):
    text = (REPO / page).read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (REPO / page).parent / path if path else REPO / page
        if not linked.exists() or (
            anchor and linked.suffix == ".md" and anchor not in _anchors(linked.read_text("utf-8"))
        ):
            broken.append(target)
    assert not broken, f"{page}: broken links {broken}"
