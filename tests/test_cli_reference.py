"""docs/cli.md is generated from the click commands (scripts/cli_reference.py) and lists every command,
argument and option of ``aimskit`` with its help."""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import click
import pytest

from aimskit.ui.cli import cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import cli_reference as ref

REPO = Path(__file__).resolve().parents[1]

PAGE = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")


def _tree(group: click.Group, prefix: str = "aimskit") -> list[tuple[str, click.Command]]:
    """Every command under ``group`` with its full name, read from click (not from the script)."""
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += _tree(command, f"{prefix} {name}")
    return found


def _sections(page: str) -> dict[str, str]:
    """The page's sections by heading (``## aimskit run``: its text up to the next heading)."""
    parts = re.split(r"^## (.+)$", page, flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def _generated(page: str) -> str:
    match = re.search(r"\[\[\[cog .*?\]\]\] -->\n(.*?)<!-- \[\[\[end\]\]\] -->", page, re.DOTALL)
    assert match, "docs/cli.md has no cog block"
    return match.group(1)


def _words(text: str) -> str:
    """Text as markdown shows it, whitespace collapsed (to compare help text with the page)."""
    text = re.sub(r"\\(.)", r"\1", text.replace("&lt;", "<").replace("&gt;", ">").replace("<br>", " "))
    return " ".join(text.split())


def test_the_page_is_current():
    """What `cog --check docs/cli.md` checks in CI, here too: the block is what the script writes now."""
    assert _generated(PAGE) == ref.markdown(), "docs/cli.md is stale: run `cog -r docs/cli.md`"


@pytest.mark.parametrize(("name", "command"), _tree(cli), ids=[name for name, _ in _tree(cli)])
def test_every_command_argument_and_option_is_on_the_page(name, command):
    sections = _sections(PAGE)
    assert name in sections, f"docs/cli.md has no section '## {name}'"
    section = sections[name]
    shown = _words(section)
    ctx = click.Context(command, info_name=name)
    assert f"```text\n{name} " in section, "usage line"
    first = inspect.cleandoc(command.help or "").split("\n\n")[0]
    assert _words(first) in shown, "help text"
    for param in command.params:
        if isinstance(param, click.Argument):
            assert f"| `{param.human_readable_name}` |" in section, param.name
            continue
        for opt in [*param.opts, *param.secondary_opts]:
            assert f"`{opt}`" in section, opt
        if param.help:
            assert _words(param.help) in shown, f"help of {param.opts[0]}"
        if isinstance(param.type, click.Choice):
            assert all(f"`{choice}`" in section for choice in param.type.choices), param.opts[0]
    assert ctx.command_path == name


def test_the_index_links_every_command_to_its_section():
    leaves = [name for name, command in _tree(cli) if not isinstance(command, click.Group)]
    for name in leaves:
        assert f"[`{name}`](#{name.replace(' ', '-')})" in PAGE, name


# -- the generator, on a group of its own ---------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def toy() -> None:
    """A toy <tool> for *tests*."""


@toy.command("go")
@click.argument("where", type=click.Path(file_okay=False))
@click.argument("more", nargs=-1)
@click.option("--times", "-n", type=click.IntRange(1, 9), default=3, help="How often | how many.")
@click.option("--size", type=click.Choice(["s", "m"]), default="s", show_default=True, help="Size.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A tag (repeatable).")
@click.option("--pair", nargs=2, metavar="K V", help="A pair.")
@click.option("--fast", is_flag=True, help="Go fast.")
@click.option("--secret", hidden=True, help="Not shown.")
def go(where, more, times, size, tags, pair, fast, secret) -> None:
    """Go to WHERE.

    \b
    first line
    second line

    Details: ~/x_y and _z_.\f
    Not for the user."""


@toy.group("sub")
def sub() -> None:
    """A group."""


@sub.command("leaf")
@click.argument("file", type=click.Path(dir_okay=False), required=False, default="a.txt")
def leaf(file) -> None:
    """A leaf."""


@pytest.fixture
def toy_reference(monkeypatch):
    monkeypatch.setattr(ref, "_root", lambda: toy)
    monkeypatch.setattr(ref, "COMMANDS", {"go": ("aimskit.batch.run",), "sub leaf": ("aimskit.engagement.validate",)})
    return ref


def test_the_generator_writes_types_defaults_and_help(toy_reference):
    page = toy_reference.markdown()
    sections = _sections(page)
    assert list(sections) == ["aimskit", "aimskit sub", "aimskit go", "aimskit sub leaf"]
    go_section = sections["aimskit go"]
    assert "```text\naimskit go [OPTIONS] WHERE [MORE]...\n```" in go_section
    assert "first line<br>\nsecond line" in go_section  # \b: the lines kept
    assert r"Details: ~/x_y and \_z\_." in go_section and "Not for the user" not in page  # \f
    assert "In Python: `aimskit.batch.run()`." in go_section
    assert "| `WHERE` | folder | yes | — |" in go_section
    assert "| `MORE` | text, any number | no | — |" in go_section
    assert "| `--times`, `-n` | integer 1 to 9 | `3` | How often \\| how many. |" in go_section
    assert "| `--size` | `s` \\| `m` | `s` | Size. |" in go_section
    assert "| `--tag` | `TAG` (text), repeatable | — | A tag (repeatable). |" in go_section
    assert "| `--pair` | `K V` (text) | — | A pair. |" in go_section
    assert "| `--fast` | flag | off | Go fast. |" in go_section
    assert "--secret" not in page and "`--help`" not in go_section  # hidden; --help once, at the top
    assert "| `--help`, `-h` | flag | off |" in sections["aimskit"]
    assert "A toy &lt;tool&gt; for \\*tests\\*." in sections["aimskit"]
    assert "| `FILE` | file | no | `a.txt` |" in sections["aimskit sub leaf"]
    assert "Commands: [`aimskit sub leaf`](#aimskit-sub-leaf)." in sections["aimskit sub"]
    assert "| [`aimskit go`](#aimskit-go) | Go to WHERE. |" in page


def test_a_command_missing_from_the_table_fails_the_generation(toy_reference, monkeypatch):
    monkeypatch.setattr(ref, "COMMANDS", {"go": ("aimskit.batch.run",), "gone": ("aimskit.batch.run",)})
    with pytest.raises(ValueError, match=r"add \['sub leaf'\], remove \['gone'\]"):
        ref.markdown()


def test_a_library_call_that_does_not_exist_fails_the_generation(toy_reference, monkeypatch):
    monkeypatch.setitem(ref.COMMANDS, "go", ("aimskit.batch.no_such_function",))
    with pytest.raises(ValueError, match=r"names aimskit\.batch\.no_such_function, which is not a function"):
        ref.markdown()
