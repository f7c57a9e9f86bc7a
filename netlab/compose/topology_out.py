"""The translated data as a validated netlab Topology (the same loader path as a topology file),
and as YAML text with a comment on every derived line (`netlab import compose`)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from netlab.errors import InputError
from netlab.topology.errors import translate_validation_error
from netlab.topology.models import Topology
from netlab.topology.resolve import TopologyError, resolve

from .translate import Translation


def to_topology(t: Translation) -> Topology:
    where = str(t.project.path)
    try:
        topology = Topology.model_validate(t.data)
    except ValidationError as exc:
        message, path = translate_validation_error(exc, t.data)
        raise InputError(
            f"the compose file translates to an invalid lab: {message}", where=f"{where}: {path}"
        ) from None
    topology._source = where
    try:
        topology._resolved = resolve(topology)
    except TopologyError as exc:
        raise InputError(
            f"the compose file translates to an invalid lab: {exc.message}", where=where
        ) from None
    return topology


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "null"
    text = str(value)
    # JSON strings are valid YAML scalars and keep every character as it is
    plain = text and text[0].isalnum() and all(c.isalnum() or c in "._/-@" for c in text)
    if plain and text.lower() not in ("true", "false", "yes", "no", "on", "off", "null", "y", "n"):
        try:
            float(text)
        except ValueError:
            return text
    return json.dumps(text)


def to_yaml(t: Translation, header: list[str]) -> str:
    lines = [f"# {h}" for h in header]

    def comment(path: tuple) -> str:
        why = t.comments.get(path)
        return f"  # {why}" if why else ""

    def emit(value: Any, path: tuple, indent: int) -> None:
        pad = "  " * indent
        if isinstance(value, dict):
            for key, sub in value.items():
                p = path + (key,)
                k = _scalar(key)
                if isinstance(sub, dict) and sub:
                    lines.append(f"{pad}{k}:{comment(p)}")
                    emit(sub, p, indent + 1)
                elif isinstance(sub, list) and sub:
                    lines.append(f"{pad}{k}:{comment(p)}")
                    emit(sub, p, indent + 1)
                else:
                    empty = "{}" if isinstance(sub, dict) else "[]" if isinstance(sub, list) else _scalar(sub)
                    lines.append(f"{pad}{k}: {empty}{comment(p)}")
        else:
            for i, item in enumerate(value):
                p = path + (i,)
                if isinstance(item, dict) and item:
                    first = True
                    for key, sub in item.items():
                        lead = f"{pad}- " if first else f"{pad}  "
                        lines.append(f"{lead}{_scalar(key)}: {_scalar(sub)}{comment(p) if first else ''}")
                        first = False
                else:
                    lines.append(f"{pad}- {_scalar(item)}{comment(p)}")

    emit(t.data, (), 0)
    return "\n".join(lines) + "\n"
