"""Read a compose file: YAML (anchors and `<<` merge keys allowed, as compose allows them) with
the line of every key, `.env` / `--env-file`, interpolation, and the compose-spec schema.

`load_compose_data(path, env_file=None, environ=None) -> Loaded`; every problem is an InputError
located as `file:line: services.kafka.ports[0]` (exit 2), and nothing has been built yet.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from netlab.errors import InputError
from netlab.topology.source import PathKey, Source, dotted_path

from .interpolate import InterpolationError, interpolate_tree, parse_env_file
from .schema import validate_compose

MAX_COMPOSE_BYTES = 4 << 20
_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Yaml12Loader(_BASE):  # type: ignore[misc, valid-type]
    """YAML 1.2 core schema, as Docker Compose's Go parser reads files: `yes`/`no`/`on`/`off` stay
    strings (PyYAML's 1.1 rules would make `ALLOW_PLAINTEXT_LISTENER: yes` the boolean true, i.e.
    "true"), and `22:22` stays a string (1.1 reads it as the base-60 integer 1342)."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in rules
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, rules in _BASE.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_LOADER = _Yaml12Loader


@dataclass
class Loaded:
    path: Path
    data: dict
    src: Source
    env: dict[str, str]  # what interpolation used: .env < process environment
    warnings: list[str] = field(default_factory=list)


def _lines(node: yaml.Node, path: PathKey, out: dict[PathKey, int]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # merged keys keep the lines of their anchor's mapping
            key = str(key_node.value)
            out[path + (key,)] = key_node.start_mark.line + 1
            _lines(value_node, path + (key,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[path + (i,)] = item.start_mark.line + 1
            _lines(item, path + (i,), out)


def parse_compose_yaml(text: str, filename: str) -> Source:
    try:
        root = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        where = f"{filename}:{mark.line + 1}" if mark else filename
        raise InputError(f"YAML syntax error: {problem}", where=where) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML syntax error: {exc}", where=filename) from None
    lines: dict[PathKey, int] = {}
    if root is not None:
        _lines(root, (), lines)
    return Source(data if data is not None else {}, lines, filename)


def read_text(path: Path) -> str:
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_COMPOSE_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such file; give the path of a docker-compose.yml", where=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory; give the path of a docker-compose.yml", where=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if len(raw) > MAX_COMPOSE_BYTES:
        raise InputError(f"larger than {MAX_COMPOSE_BYTES} bytes", where=str(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", where=str(path)) from None


def looks_like_compose(data: Any) -> bool:
    """A compose file by content: a mapping with a top-level `services:` (a netlab topology has
    `lab:` and `nodes:` instead)."""
    return isinstance(data, dict) and "services" in data and "nodes" not in data


def is_compose_file(path: str | Path) -> bool:
    """Cheap content check for the CLI: does the file have a top-level `services:` key?"""
    try:
        text = read_text(Path(path))
    except InputError:
        return False
    for line in text.splitlines():
        if line.startswith("services:"):
            return True
    return False


def load_compose_data(
    path: str | Path, env_file: str | Path | None = None, environ: dict[str, str] | None = None
) -> Loaded:
    path = Path(path)
    src = parse_compose_yaml(read_text(path), str(path))
    if not looks_like_compose(src.data):
        raise InputError(
            "not a compose file: expected a mapping with a top-level `services:`", where=f"{path}:1"
        )
    dotenv_path = Path(env_file) if env_file is not None else path.parent / ".env"
    env: dict[str, str] = {}
    if env_file is not None or dotenv_path.exists():
        env.update(parse_env_file(dotenv_path))
    env.update(os.environ if environ is None else environ)  # the shell wins over .env
    warnings: list[str] = []

    def located(p: tuple, exc: InterpolationError) -> None:
        raise InputError(str(exc), where=src.where(p))

    data = interpolate_tree(src.data, env, warn=lambda w: warnings.append(w), on_error=located)
    validate_compose(data, src)
    return Loaded(path, data, src, env, list(dict.fromkeys(warnings)))


__all__ = ["Loaded", "load_compose_data", "is_compose_file", "looks_like_compose", "dotted_path"]
