"""Read a YAML file into plain Python data plus a map from data path to source line.

pydantic validates plain data and reports errors by path (``nodes.broker.networks``); this
module keeps, for every mapping key and sequence item, the line it came from, so errors can
say ``topology.yaml:12: nodes.broker.networks.kafka-net.ipv4_address``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from netlab.errors import InputError

PathKey = tuple[str | int, ...]


class Source:
    """Parsed YAML data with the line of each path (1-based)."""

    def __init__(self, data: Any, lines: dict[PathKey, int], filename: str):
        self.data = data
        self.lines = lines
        self.filename = filename

    def line_of(self, path: PathKey) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def where(self, path: PathKey) -> str:
        line = self.line_of(path)
        dotted = dotted_path(path)
        location = f"{self.filename}:{line}" if line else self.filename
        return f"{location}: {dotted}" if dotted else location


def dotted_path(path: PathKey) -> str:
    """('links', 0, 'endpoints', 1) -> 'links[0].endpoints[1]'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# An alias re-uses a node, and nested aliases multiply: nine levels of nine aliases ("billion
# laughs") are 9^9 nodes from a 1 kB file. Like go-yaml (decode.go: "document contains excessive
# aliasing", used by kubectl), we bound the expansion: at most this many nodes may be built
# through aliases in one file. A hand-written topology re-uses a few blocks, far below it.
MAX_ALIAS_NODES = 100_000
# The most a topology file may be: read no further (as compose files, netlab/compose/load.py)
MAX_TOPOLOGY_BYTES = 4 << 20


class _Budget:
    """Nodes built through aliases so far; which nodes were built once (so a second build is an
    alias)."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.through_alias = 0
        self.depth = 0  # > 0 while building the content of an alias
        self.entry: PathKey = ()  # path of the outermost alias being built


def _usage_line(path: PathKey, lines: dict[PathKey, int]) -> int | None:
    """The line where `path` is written: a mapping key's line is where it is used (a sequence
    item that is an alias carries the line of its anchor instead)."""
    for end in range(len(path), 0, -1):
        if isinstance(path[end - 1], str) and path[:end] in lines:
            return lines[path[:end]]
    return lines.get(())


def _construct(
    node: yaml.Node, path: PathKey, lines: dict[PathKey, int], filename: str, budget: _Budget
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if not isinstance(node, yaml.ScalarNode):
        alias = id(node) in budget.seen
        budget.seen.add(id(node))
        if alias or budget.depth:
            budget.through_alias += len(node.value) + 1
            if budget.through_alias > MAX_ALIAS_NODES:
                at = budget.entry if budget.depth else path
                raise InputError(
                    f"YAML aliases expand to more than {MAX_ALIAS_NODES:,} nodes (nested aliases multiply, "
                    "as in a 'billion laughs' file); write the repeated parts out or nest fewer aliases",
                    where=f"{filename}:{_usage_line(at, lines)}: {dotted_path(at)}",
                )
        if alias:
            if not budget.depth:
                budget.entry = path  # the outermost alias: where the user wrote it
            budget.depth += 1
            try:
                return _build(node, path, lines, filename, budget)
            finally:
                budget.depth -= 1
    return _build(node, path, lines, filename, budget)


def _build(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], filename: str, budget: _Budget) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError(
                    "YAML merge keys (<<) are not supported; write the fields out",
                    where=f"{filename}:{key_node.start_mark.line + 1}: {dotted_path(path)}",
                )
            key = _scalar(key_node)
            if not isinstance(key, (str, int)):
                raise InputError(
                    f"mapping keys must be strings, got {key!r}",
                    where=f"{filename}:{key_node.start_mark.line + 1}: {dotted_path(path)}",
                )
            key = str(key)
            if key in result:
                raise InputError(
                    f"duplicate key {key!r} (a YAML mapping may name each key once)",
                    where=f"{filename}:{key_node.start_mark.line + 1}: {dotted_path(path + (key,))}",
                )
            lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, path + (key,), lines, filename, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            lines[path + (index,)] = item.start_mark.line + 1
            items.append(_construct(item, path + (index,), lines, filename, budget))
        return items
    return _scalar(node)


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
# libyaml's parser (same marks, same tags) when PyYAML was built with it: ~5x faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _scalar(node: yaml.Node) -> Any:
    # Resolve the scalar with the safe loader's rules (ints, bools, null, strings).
    return _CONSTRUCTOR.construct_object(node, deep=True)


def parse_yaml(text: str, filename: str) -> Source:
    """Parse one YAML document; syntax errors become InputError with file and line."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise InputError(
            f"YAML syntax error: {problem}", where=f"{filename}:{line}" if line else filename
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML syntax error: {exc}", where=filename) from None
    lines: dict[PathKey, int] = {}
    if root is None:
        return Source({}, lines, filename)
    data = _construct(root, (), lines, filename, _Budget())
    return Source(data, lines, filename)


def read_source(path: str | Path) -> Source:
    """A topology file, read up to MAX_TOPOLOGY_BYTES (a bigger one is refused, located)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_TOPOLOGY_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such file; give the path of a topology YAML file", where=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory; give the path of a topology YAML file", where=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if len(raw) > MAX_TOPOLOGY_BYTES:
        raise InputError(
            f"larger than {MAX_TOPOLOGY_BYTES} bytes ({MAX_TOPOLOGY_BYTES >> 20} MiB), the most a topology "
            "file may be (a 5,000-node lab is about 150 kB); a bigger file is not read",
            where=str(path),
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", where=str(path)) from None
    return parse_yaml(text, str(path))
