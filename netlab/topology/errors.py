"""Turn a pydantic ValidationError into one located, readable message.

pydantic's error locations mix data keys with internal names (a union member's tag, '[key]'
for a bad mapping key); this module maps them back to the path in the user's data and adds
what would be valid: the allowed fields (with "did you mean"), the allowed values.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ValidationError

from netlab.topology.models import RESERVED_FIELDS, Node, Topology
from netlab.topology.source import PathKey


def translate_validation_error(exc: ValidationError, data: Any) -> tuple[str, PathKey]:
    errors = exc.errors(include_url=False)
    # A typo'd field also makes the real field "missing": report the typo first.
    errors.sort(key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    path, key_error = _data_path(first["loc"], data)
    message = _message(dict(first), path, key_error, data)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''} after fixing this)"
    return message, path


def _data_path(loc: tuple, data: Any) -> tuple[PathKey, bool]:
    """Keep the loc parts that exist in the data (plus a final missing key); flag '[key]' errors."""
    path: list = []
    current = data
    key_error = False
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if part == "[key]":
            key_error = True
            continue
        if isinstance(current, dict) and part in current:
            path.append(part)
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            path.append(part)
            current = current[part]
        elif last and isinstance(part, str) and isinstance(current, dict):
            path.append(part)  # a missing field
            current = None
        # else: an internal name (union member, validator); not part of the user's data
    return tuple(path), key_error


def _clean(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg


def _message(err: dict, path: PathKey, key_error: bool, data: Any) -> str:
    kind = err["type"]
    if key_error:
        what = {"nodes": "node", "networks": "network"}.get(str(path[-2]) if len(path) > 1 else "", "")
        return _clean(err["msg"]).replace("a valid name", f"a valid {what} name" if what else "a valid name")
    if kind == "extra_forbidden":
        field = str(path[-1])
        owner = _model_at(path[:-1], data)
        reserved = _reserved(owner, field)
        if reserved:
            return reserved
        valid = list(owner.model_fields) if owner else []
        message = f"unknown field {field!r}"
        close = difflib.get_close_matches(field, valid, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean {close[0]!r}?"
        if valid:
            message += f" Valid fields here: {', '.join(valid)}"
        return message
    if kind == "missing":
        return f"required field {path[-1]!r} is missing"
    msg = _clean(err["msg"])
    if kind in ("value_error", "assertion_error"):
        return msg
    value = err.get("input")
    if isinstance(value, (dict, list)):
        return msg
    return f"{msg} (got {value!r})"


def _reserved(owner: type[BaseModel] | None, field: str) -> str | None:
    if owner is Node:
        return RESERVED_FIELDS.get(("node", field))
    if owner is Topology:
        return RESERVED_FIELDS.get(("topology", field))
    return None


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _model_at(path: PathKey, data: Any) -> type[BaseModel] | None:
    """The model class that validates the mapping at `path` in the data (None if unknown)."""
    tp: Any = Topology
    current = data
    parts = list(path)
    i = 0
    for _ in range(100):  # bounded walk: each turn consumes a part or unwraps a type
        if i >= len(parts) and _is_model(tp):
            return tp
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [m for m in members if _is_model(m)]
            if len(models) > 1:
                # a discriminated union of links: pick by the data's `type`, default veth
                tp = _pick_by_type(models, current)
                continue
            containers = [m for m in members if typing.get_origin(m) in (list, dict)]
            tp = models[0] if models else (containers[0] if containers else None)
            if tp is None:
                return None
            continue
        if i >= len(parts):
            return None
        if _is_model(tp):
            field = tp.model_fields.get(str(parts[i]))
            if field is None:
                return None
            tp = field.annotation
            current = _child(current, parts[i])
            i += 1
            continue
        if origin in (list, dict):
            tp = typing.get_args(tp)[-1]
            current = _child(current, parts[i])
            i += 1
            continue
        return None
    return None


def _child(current: Any, part: Any) -> Any:
    if isinstance(current, dict):
        return current.get(part)
    if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
        return current[part]
    return None


def _pick_by_type(models: list[type[BaseModel]], current: Any) -> type[BaseModel]:
    wanted = current.get("type", "veth") if isinstance(current, dict) else "veth"
    for m in models:
        field = m.model_fields.get("type")
        annotation = field.annotation if field is not None else None
        origin = typing.get_origin(annotation)
        if origin is Literal and wanted in typing.get_args(annotation):
            return m
    return models[0]
