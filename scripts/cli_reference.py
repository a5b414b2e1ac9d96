"""docs/cli.md's reference, generated from the click commands (``cog -r docs/cli.md``).

:func:`markdown` walks the ``aimskit`` group (aimskit/ui/cli.py, with the deliverable commands that
aimskit/deliver/cli.py registers on it) and writes every command and subcommand: its usage line, its
help text, its arguments and every option with what it takes, its default and its help. CI's
``cog --check README.md docs/*.md`` fails when the page and the commands disagree.

The only thing written by hand is :data:`COMMANDS`: the order of the page and the library call
behind each command. :func:`markdown` raises when a command is missing from it, when it names a
command that does not exist, or when a library call it names does not import.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator

import click

#: every command, in the order of the page (the order of an engagement), and the library calls it makes
COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("aimskit.engagement.scaffold.init_engagement",),
    "validate": ("aimskit.engagement.validate",),
    "run": ("aimskit.batch.run",),
    "export xlsx": ("aimskit.engagement.xlsx.export_xlsx",),
    "import xlsx": ("aimskit.engagement.xlsx.import_xlsx",),
    "lab": ("aimskit.ui.lab.prepare",),
    "notebooks": ("aimskit.engagement.scaffold.copy_notebooks",),
    "render": ("aimskit.render_report",),
    "pdf": ("aimskit.deliver.pdf.export",),
    "word": ("aimskit.deliver.pdf.export",),
    "pack": ("aimskit.deliver.pdf.pack",),
    "word-template": ("aimskit.deliver.word.default_template",),
    "compare": ("aimskit.results.compare.compare",),
    "export oscal": ("aimskit.results.oscal.export",),
    "catalog": ("aimskit.catalog.load", "aimskit.catalog.crosswalk.map_ids"),
}

_NONE = "—"


def _root() -> click.Group:
    from aimskit.ui.cli import cli

    return cli


def walk(
    command: click.Command | None = None, ctx: click.Context | None = None
) -> Iterator[tuple[str, click.Command, click.Context]]:
    """Every command under ``command`` (default: ``aimskit``) as ``(path, command, context)``, the
    groups included, depth first: ``("", aimskit, ...)``, ``("export", ...)``, ``("export xlsx", ...)``."""
    if command is None:
        command = _root()
    if ctx is None:
        ctx = click.Context(command, info_name="aimskit", **command.context_settings)
    yield ctx.command_path.partition(" ")[2], command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, click.Context(sub, info_name=name, parent=ctx, **sub.context_settings))


# -- text ---------------------------------------------------------------------------------------------

_SPECIAL = re.compile(r"[\\`*<>]|(?<!\w)_|_(?!\w)")


def escape(text: str, *, table: bool = False) -> str:
    """``text`` as markdown shows it, character for character (``|`` escaped too in a table cell)."""
    text = _SPECIAL.sub(lambda m: {"<": "&lt;", ">": "&gt;"}.get(m.group(), "\\" + m.group()), text)
    return text.replace("|", "\\|") if table else text


def code(text: str) -> str:
    """``text`` as an inline code span (in a table: ``|`` escaped, as GitHub needs it there)."""
    return "`" + text.replace("|", "\\|") + "`"


def help_paragraphs(command: click.Command) -> list[str]:
    """The command's help as ``--help`` prints it, one markdown paragraph per paragraph; click's
    ``\\b`` (keep these lines as they are) and anything after ``\\f`` (not for the user) honoured."""
    text = inspect.cleandoc(command.help or "").split("\f", 1)[0]
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines()]
        if lines and lines[0] == "\b":
            paragraphs.append("<br>\n".join(escape(line) for line in lines[1:]))
        elif any(lines):
            paragraphs.append(escape(" ".join(lines)))
    return paragraphs


def summary(command: click.Command) -> str:
    """The one line ``aimskit --help`` shows for ``command``."""
    return command.get_short_help_str(limit=200)


def usage(command: click.Command, ctx: click.Context) -> str:
    return " ".join([ctx.command_path, *command.collect_usage_pieces(ctx)])


# -- parameters ---------------------------------------------------------------------------------------


def _range(kind: click.IntRange | click.FloatRange) -> str:
    low, high = kind.min, kind.max
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"{'>' if kind.min_open else '≥'} {low}"
    return f"{'<' if kind.max_open else '≤'} {high}"


def _path(kind: click.Path) -> str:
    if not kind.dir_okay:
        return "file"
    if not kind.file_okay:
        return "folder"
    return "path"


def type_words(kind: click.ParamType) -> str:
    """What a value of this type is, in words: ``integer 1 to 65535``, ``folder``, ``a4 | letter``."""
    if isinstance(kind, click.Choice):
        return " \\| ".join(code(str(choice)) for choice in kind.choices)
    if isinstance(kind, click.IntRange | click.FloatRange):
        return f"{'integer' if isinstance(kind, click.IntRange) else 'number'} {_range(kind)}"
    if isinstance(kind, click.Path):
        return _path(kind)
    words = {"integer": "integer", "float": "number", "boolean": "yes / no", "text": "text"}
    return words.get(kind.name, kind.name)


def takes(param: click.Parameter) -> str:
    """The value column: ``flag``, ``NAME (text), repeatable``, ``integer ≥ 1`` (an argument's
    metavar is its name, in the first column)."""
    if isinstance(param, click.Option) and param.is_flag:
        return "flag"
    words = type_words(param.type)
    if param.metavar and isinstance(param, click.Option):
        words = f"{code(param.metavar)} ({words})"
    if param.multiple or param.nargs == -1:
        words += ", repeatable" if isinstance(param, click.Option) else ", any number"
    return words


def default(param: click.Parameter) -> str:
    """The default column: the value used when the option is not given, ``off`` for a flag."""
    value = param.default
    if isinstance(param, click.Option) and param.is_flag:
        return "on" if value is True else "off"
    if isinstance(value, bool | int | float | str) and value != "":
        return code(str(value))
    return _NONE


def option_names(option: click.Option) -> str:
    names = sorted(option.opts, key=lambda n: (not n.startswith("--"), n)) + option.secondary_opts
    return ", ".join(code(name) for name in names)


def _cell(text: str | None) -> str:
    return escape(" ".join((text or "").split()), table=True) or _NONE


def options_table(command: click.Command, ctx: click.Context, *, with_help: bool = False) -> list[str]:
    """Every option of ``command``, one row each; ``--help`` only when ``with_help`` (the page says
    once that every command has it)."""
    rows = ["| option | takes | default | what it does |", "|---|---|---|---|"]
    params = command.get_params(ctx) if with_help else command.params
    for param in params:
        if isinstance(param, click.Option) and not param.hidden:
            rows.append(f"| {option_names(param)} | {takes(param)} | {default(param)} | {_cell(param.help)} |")
    return rows if len(rows) > 2 else []


def arguments_table(command: click.Command) -> list[str]:
    rows = ["| argument | takes | required | default |", "|---|---|---|---|"]
    for param in command.params:
        if isinstance(param, click.Argument):
            name = code(param.human_readable_name)
            rows.append(f"| {name} | {takes(param)} | {'yes' if param.required else 'no'} | {default(param)} |")
    return rows if len(rows) > 2 else []


# -- the page -----------------------------------------------------------------------------------------


def library_calls(path: str) -> tuple[str, ...]:
    """The library calls behind the command ``path``, each checked to import."""
    for name in COMMANDS[path]:
        module, _, attr = name.rpartition(".")
        if not callable(getattr(importlib.import_module(module), attr, None)):
            raise ValueError(f"scripts/cli_reference.py: COMMANDS['{path}'] names {name}, which is not a function")
    return COMMANDS[path]


def _check_listed(found: set[str]) -> None:
    missing, gone = sorted(found - set(COMMANDS)), sorted(set(COMMANDS) - found)
    if missing or gone:
        raise ValueError(
            "scripts/cli_reference.py: COMMANDS must list every command of 'aimskit' once: "
            f"add {missing or 'none'}, remove {gone or 'none'}"
        )


def section(path: str, command: click.Command, ctx: click.Context, level: int = 2) -> list[str]:
    """One command's section: heading, usage, help, library call, arguments, options, subcommands."""
    lines = ["#" * level + f" {ctx.command_path}", "", "```text", usage(command, ctx), "```", ""]
    for paragraph in help_paragraphs(command):
        lines += [paragraph, ""]
    if path in COMMANDS:
        calls = ", ".join(code(f"{name}()") for name in library_calls(path))
        lines += [f"In Python: {calls}.", ""]
    for table in (arguments_table(command), options_table(command, ctx, with_help=not path)):
        if table:
            lines += [*table, ""]
    if isinstance(command, click.Group):
        paths = [f"{ctx.command_path} {sub}" for sub in command.list_commands(ctx)]
        lines += [f"Commands: {', '.join(f'[{code(p)}]({_anchor(p)})' for p in paths)}.", ""]
    return lines


def _anchor(command_path: str) -> str:
    return "#" + command_path.replace(" ", "-")


def index(commands: dict[str, tuple[click.Command, click.Context]]) -> list[str]:
    """The table at the top: every command with its one-line help."""
    rows = ["| command | what it does |", "|---|---|"]
    for path in COMMANDS:
        command, ctx = commands[path]
        rows.append(f"| [{code(ctx.command_path)}]({_anchor(ctx.command_path)}) | {_cell(summary(command))} |")
    return rows


def markdown() -> str:
    """The whole generated part of docs/cli.md."""
    found = {path: (command, ctx) for path, command, ctx in walk()}
    groups = {path for path, (command, _) in found.items() if isinstance(command, click.Group)}
    _check_listed(set(found) - groups)
    root, root_ctx = found[""]
    lines = [*index(found), "", *section("", root, root_ctx)]
    for path in sorted(groups - {""}):
        lines += section(path, *found[path])
    for path in COMMANDS:
        lines += section(path, *found[path])
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
