"""Safe YAML loading that remembers where every key and value is.

Only a ``yaml.SafeLoader`` is used (no arbitrary objects). Engagement files are plain data,
so a few YAML features that only cause surprises are refused or normalised:

* duplicate keys (PyYAML silently keeps the last one) are reported;
* anchors and aliases (``&a`` / ``*a``) are refused: they allow cycles and exponential
  expansion ("billion laughs");
* mapping keys are kept as written: ``6.1: 4`` is the key ``"6.1"``, not the float 6.1, and
  ``6.10`` stays ``"6.10"``;
* an impossible date (``2026-13-01``) stays text, for validation to report;
* a number written in a form that YAML reads differently from how it is written (``001``,
  ``0x1A``, ``2027:01``, ``12_000``, ``6.10``) keeps its source text (:func:`as_written`), so an
  identifier is kept exactly as written or refused with the reason (see :mod:`aimskit.formats.yamlmodel`).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from aimskit.base.problems import Problems, plural, safe_text
from aimskit.formats.csvschema import decode

Position = tuple[int, int]  # 1-based line and column

#: Deepest nesting of lists and mappings accepted; engagement files need four or five levels.
MAX_DEPTH = 40
DEPTH_MESSAGE = (
    f"the YAML is nested more than {MAX_DEPTH} levels deep here; an engagement file needs only a few levels "
    "(is a bracket left open?)"
)
ALIAS_MESSAGE = "YAML anchors and aliases (& and *) are not supported in engagement files; write the value out"


class YamlDocument:
    """A parsed YAML file: its data and where each value (and each mapping key) is in the file.

    The positions of a document parsed on the fast path (:func:`_parse` without the scan) are
    taken from its node tree when first asked for: most files of a valid engagement never report a
    problem, and recording every node's position was a third of parsing them."""

    def __init__(self, data: Any, root: yaml.Node | None = None) -> None:
        self.data = data
        self._positions: dict[tuple, Position] = {}
        self._key_positions: dict[tuple, Position] = {}
        self._root = root  # the node tree the positions are still to be read from (None: read already)

    def _located(self) -> YamlDocument:
        if self._root is not None:
            root, self._root = self._root, None
            _walk(root, (), self, "", Problems(), set())  # its problems were checked when it was built
        return self

    @property
    def positions(self) -> dict[tuple, Position]:
        return self._located()._positions

    @property
    def key_positions(self) -> dict[tuple, Position]:
        return self._located()._key_positions

    def __repr__(self) -> str:
        return f"YamlDocument(data={self.data!r})"

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


class WrittenInt(int):
    """An integer whose YAML source text is not its canonical form (``001``, ``0x1A``, ``2027:01``)."""

    yaml_text: str

    def __reduce__(self):
        return (_written, (int, int(self), self.yaml_text))


class WrittenFloat(float):
    """A float whose YAML source text is not its canonical form (``6.10``, ``1_000.5``)."""

    yaml_text: str

    def __reduce__(self):
        return (_written, (float, float(self), self.yaml_text))


def _written(kind: type, value: Any, text: str) -> Any:
    out = (WrittenInt if kind is int else WrittenFloat)(value)
    out.yaml_text = text
    return out


def as_written(value: Any) -> str:
    """A scalar as the user wrote it: the source text of a number YAML read in another form
    (``001`` stays ``"001"``, not ``"1"``), ``str(value)`` otherwise."""
    text = getattr(value, "yaml_text", None)
    return text if isinstance(text, str) else str(value)


if TYPE_CHECKING:  # the constructor methods the mixin overrides, for the type checker
    _ConstructorBase = yaml.constructor.SafeConstructor
else:
    _ConstructorBase = object


class _Constructors(_ConstructorBase):
    """Timestamps that are not valid dates stay text; numbers remember a non-canonical source text;
    keys must be scalars (shared by both parsers)."""

    def construct_yaml_int(self, node):
        value = super().construct_yaml_int(node)
        return _written(int, value, node.value) if str(value) != node.value else value

    def construct_yaml_float(self, node):
        value = super().construct_yaml_float(node)
        return _written(float, value, node.value) if str(value) != node.value else value

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):  # pragma: no cover - PyYAML guarantees it
            return super().construct_mapping(node, deep=deep)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain name, not a list or a mapping", key_node.start_mark
                )
            mapping[key_node.value] = self.construct_object(value_node, deep=deep)
        return mapping


class _Loader(_Constructors, yaml.SafeLoader):
    pass


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)  # type: ignore[type-var]
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)  # type: ignore[type-var]
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)  # type: ignore[type-var]

if getattr(yaml, "__with_libyaml__", False):  # libyaml parses about 10x faster; same nodes and marks

    class _FastLoader(_Constructors, yaml.CSafeLoader):
        pass

    _FastLoader.add_constructor("tag:yaml.org,2002:timestamp", _FastLoader.construct_yaml_timestamp)  # type: ignore[type-var]
    _FastLoader.add_constructor("tag:yaml.org,2002:int", _FastLoader.construct_yaml_int)  # type: ignore[type-var]
    _FastLoader.add_constructor("tag:yaml.org,2002:float", _FastLoader.construct_yaml_float)  # type: ignore[type-var]
    _LOADERS: tuple[type, ...] = (_FastLoader, _Loader)

    class _FastTables(yaml.resolver.BaseResolver):
        """The implicit-tag tables of :class:`_FastLoader`, for :func:`_fast_resolve`."""

        yaml_implicit_resolvers = _FastLoader.yaml_implicit_resolvers
        yaml_path_resolvers = _FastLoader.yaml_path_resolvers

    _TABLES = _FastTables()

    @functools.lru_cache(maxsize=8192)
    def _fast_resolve(kind: Any, value: Any, implicit: Any) -> str:
        """``_FastLoader.resolve``, remembered: libyaml's composer calls the Python resolver for every
        scalar (a regular-expression search by first character), while the tag depends only on the node
        kind, the text and whether it was plain or quoted when there are no path resolvers (a repeated
        value, ``true``, an enumeration, costs one look-up in C instead of a Python call)."""
        return yaml.resolver.BaseResolver.resolve(_TABLES, kind, value, implicit)

else:  # pragma: no cover - PyYAML without libyaml
    _LOADERS = (_Loader,)


def _walk(node: yaml.Node, path: tuple, doc: YamlDocument, file: str, problems: Problems, seen_nodes: set[int]) -> bool:
    """Record positions; report duplicate keys and aliases. False when an alias was found."""
    mark = node.start_mark
    if id(node) in seen_nodes:
        problems.error(file, mark.line + 1, mark.column + 1, ALIAS_MESSAGE, code="AK020")
        return False
    seen_nodes.add(id(node))
    doc._positions[path] = (mark.line + 1, mark.column + 1)
    if node.__class__ is yaml.ScalarNode:  # the usual node: nothing below it
        return True
    if len(path) >= MAX_DEPTH and isinstance(node, yaml.CollectionNode):  # what _scan reports, when it was left out
        problems.error(
            file,
            mark.line + 1,
            mark.column + 1,
            DEPTH_MESSAGE,
            code="AK023",
        )
        return False
    ok = True
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
                    code="AK021",
                )
            seen[key] = line
            doc._key_positions[(*path, key)] = (line, key_node.start_mark.column + 1)
            ok = _walk(value_node, (*path, key), doc, file, problems, seen_nodes) and ok
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            ok = _walk(item, (*path, index), doc, file, problems, seen_nodes) and ok
    return ok


def load_yaml(path: Path, file: str, problems: Problems) -> YamlDocument | None:
    """Parse a YAML file; ``None`` (with problems added) when it cannot be used.

    libyaml parses when PyYAML has it; a file it refuses is parsed again by the pure-Python
    parser, whose messages (and positions) are the ones reported."""
    text = decode(path.read_bytes(), file, problems, hint="save the file as UTF-8")
    if not _printable(text, file, problems):
        return None
    if len(_LOADERS) > 1:
        fast = Problems()
        doc = _parse(text, file, fast, _LOADERS[0], scan=not _shallow_without_anchors(text))
        if doc is not None and not fast.items:
            return doc
    return _parse(text, file, problems, _Loader)


def _printable(text: str, file: str, problems: Problems) -> bool:
    """YAML refuses control characters (an escape sequence, a form feed): each is reported at its
    place, shown escaped, instead of the parser's exception."""
    bad = list(yaml.reader.Reader.NON_PRINTABLE.finditer(text))
    for match in bad[:5]:
        before = text[: match.start()]
        line, column = before.count("\n") + 1, match.start() - (before.rfind("\n") + 1) + 1
        problems.error(
            file,
            line,
            column,
            f"the control character {safe_text(match.group())} is not allowed in a YAML file; delete it",
            code="AK022",
        )
    if len(bad) > 5:
        problems.error(file, 0, "", f"{len(bad) - 5} more control characters in this file", code="AK022")
    return not bad


def _scan(text: str, file: str, problems: Problems, loader_class: type) -> bool:
    """One pass over the YAML events, before anything is built: nesting deeper than
    :data:`MAX_DEPTH` is reported where it happens, and anchors/aliases once for the whole file (at
    the first anchor, with how many aliases use it). False when the file is refused. A syntax error
    is left to the parse that follows (which reports it)."""
    loader = loader_class(text)
    depth, anchors, aliases, broken = 0, [], 0, False
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                    problems.error(
                        file,
                        line,
                        column,
                        DEPTH_MESSAGE,
                        code="AK023",
                    )
                    return False
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
            if getattr(event, "anchor", None) is not None and not isinstance(event, yaml.AliasEvent):
                anchors.append(event.start_mark)
    except yaml.YAMLError:
        broken = True  # reported by the parse that follows
    finally:
        loader.dispose()
    if anchors or aliases:
        mark = anchors[0] if anchors else None
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        more = ""
        if aliases > 1 or len(anchors) > 1:
            more = f" (this file has {plural(len(anchors), 'anchor')} and {plural(aliases, 'alias', 'aliases')})"
        problems.error(file, line, column, ALIAS_MESSAGE + more, code="AK020")
        return broken
    return True


#: Bound on the nesting a text can have (every collection on a path needs its own ``[``, ``{``, ``-``,
#: ``:`` or ``?``) below which libyaml composes it safely without the scan first.
_SAFE_NESTING = 2000


def _shallow_without_anchors(text: str) -> bool:
    """Whether the :func:`_scan` pass can be left to :func:`_walk`: no ``&`` or ``*`` anywhere (so no
    anchor or alias) and too few indicators for deep nesting to overflow the C composer. :func:`_walk`
    then reports nesting deeper than :data:`MAX_DEPTH` at the node the scan reports it at, and the file
    is parsed again with the scan by the pure-Python parser, as for any problem of the fast parse."""
    if "&" in text or "*" in text:
        return False
    return sum(text.count(c) for c in "[{-:?") < _SAFE_NESTING


def _parse(text: str, file: str, problems: Problems, loader_class: type, scan: bool = True) -> YamlDocument | None:
    if scan and not _scan(text, file, problems, loader_class):
        return None
    loader = loader_class(text)
    if loader_class is _LOADERS[0] and len(_LOADERS) > 1 and not getattr(loader_class, "yaml_path_resolvers", None):
        loader.resolve = _fast_resolve  # the same tags (see _fast_resolve)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.error(file, 1, 1, "the file is empty", code="AK024")
            return None
        if not scan:  # the positions from the node tree when first asked for (see YamlDocument)
            data = _build_plain(node, loader, strict=True)
            if data is not _UNUSUAL:
                return YamlDocument(data, root=node)
        doc = YamlDocument(data=None)
        if not _walk(node, (), doc, file, problems, set()):
            return None
        doc.data = _build_plain(node, loader) if not scan else _UNUSUAL
        if doc.data is _UNUSUAL:
            doc.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{exc.context}, {what}"
        problems.error(file, line, column, f"YAML syntax error: {what}", code="AK025")
        return None
    except RecursionError:
        problems.error(file, 1, 1, "the YAML is nested too deeply to be an engagement file", code="AK023")
        return None
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # pragma: no cover - defensive
        problems.error(file, 1, 1, f"YAML error: {exc}", code="AK025")
        return None
    finally:
        loader.dispose()
    return doc


_UNUSUAL = object()  # a document :func:`_build_plain` leaves to the loader's own construction
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")
)  # the implicit tags of plain data (every scalar of an engagement file)
_MAP_TAG, _SEQ_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_STR_TAG, _BOOL_TAG, _NULL_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"


def _build_plain(root: yaml.Node, loader: Any, strict: bool = False) -> Any:
    """The document's data, as ``loader.construct_document`` builds it, for a document of plain mappings,
    lists and scalars without aliases (what the fast parse admits without the scan): the same
    constructors are called on each scalar, without the construction machinery (state generators,
    recursion bookkeeping) that cost a third of parsing a profile. Anything else (an explicit tag,
    a key that is not a scalar) gives :data:`_UNUSUAL`, for the loader to construct (and refuse).

    ``strict``: also :data:`_UNUSUAL` for what :func:`_walk` reports in such a document (a repeated
    key, nesting deeper than :data:`MAX_DEPTH`), so that the walk can be left out when it is not."""
    constructors = loader.yaml_constructors
    # The constructors of text, booleans and null, when they are PyYAML's own, give what they would give
    # without the two method calls each (SafeConstructor.construct_yaml_str returns the node's text,
    # construct_yaml_bool looks the lowered text up in bool_values, construct_yaml_null returns None).
    safe = yaml.constructor.SafeConstructor
    own_scalar = type(loader).construct_scalar is safe.construct_scalar
    as_text = own_scalar and constructors.get(_STR_TAG) is safe.construct_yaml_str
    bools = loader.bool_values if own_scalar and constructors.get(_BOOL_TAG) is safe.construct_yaml_bool else None
    as_none = own_scalar and constructors.get(_NULL_TAG) is safe.construct_yaml_null

    def build(node: yaml.Node, depth: int = 0) -> Any:
        tag = node.tag
        if node.__class__ is yaml.ScalarNode:
            if tag == _STR_TAG and as_text:
                return node.value
            if tag == _BOOL_TAG and bools is not None:
                return bools[node.value.lower()]
            if tag == _NULL_TAG and as_none:
                return None
        if isinstance(node, yaml.ScalarNode):
            if tag not in _SCALAR_TAGS:
                raise _Unusual
            return constructors[tag](loader, node)
        if strict and depth >= MAX_DEPTH:
            raise _Unusual
        if isinstance(node, yaml.SequenceNode):
            if tag != _SEQ_TAG:
                raise _Unusual
            return [build(item, depth + 1) for item in node.value]
        if isinstance(node, yaml.MappingNode) and tag == _MAP_TAG:
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or (strict and key_node.value in mapping):
                    raise _Unusual
                mapping[key_node.value] = build(value_node, depth + 1)
            return mapping
        raise _Unusual

    try:
        return build(root)
    except _Unusual:
        return _UNUSUAL
    finally:
        # build refers to itself through its closure: the cycle (which holds the loader and its parser)
        # is broken here, so each file's loader is freed when it is done, not at the next collection
        build = None  # type: ignore[assignment]


class _Unusual(Exception):
    """A node :func:`_build_plain` does not build."""


def load_yaml_text(text: str, file: str, problems: Problems) -> YamlDocument | None:
    """:func:`load_yaml` for text already in memory (the same loader, the same refusals)."""
    return _parse(text, file, problems, _Loader)
