"""Safe YAML loading that remembers where every key and value is.

Only ``yaml.SafeLoader`` is used (no arbitrary objects). Duplicate keys, which PyYAML
silently resolves to the last one, are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aimskit.problems import Problems
from aimskit.tables import decode

Position = tuple[int, int]  # 1-based line and column


@dataclass
class YamlDocument:
    data: Any
    positions: dict[tuple, Position] = field(default_factory=dict)
    key_positions: dict[tuple, Position] = field(default_factory=dict)

    def where(self, path: tuple, key: bool = False) -> Position:
        """Position of the value (or with ``key``, of the key) at ``path``, or of its nearest
        ancestor that exists."""
        path = tuple(path)
        if key and path in self.key_positions:
            return self.key_positions[path]
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps an impossible date (``2026-13-01``) as text for validation to report."""

    def construct_yaml_timestamp(self, node):  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _walk(node: yaml.Node, path: tuple, doc: YamlDocument, file: str, problems: Problems) -> None:
    doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.error(
                    file,
                    line,
                    key_node.start_mark.column + 1,
                    f"key '{key}' is repeated (first on line {seen[key]}); only one is allowed",
                )
            seen[key] = line
            doc.key_positions[(*path, key)] = (line, key_node.start_mark.column + 1)
            _walk(value_node, (*path, key), doc, file, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), doc, file, problems)


def load_yaml(path: Path, file: str, problems: Problems) -> YamlDocument | None:
    """Parse a YAML file; ``None`` (with problems added) when it cannot be parsed."""
    text = decode(path.read_bytes(), file, problems)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.error(file, 1, 1, "the file is empty")
            return None
        doc = YamlDocument(data=None)
        _walk(node, (), doc, file, problems)
        doc.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{exc.context}, {what}"
        problems.error(file, line, column, f"YAML syntax error: {what}")
        return None
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # pragma: no cover - defensive
        problems.error(file, 1, 1, f"YAML error: {exc}")
        return None
    finally:
        loader.dispose()
    return doc
