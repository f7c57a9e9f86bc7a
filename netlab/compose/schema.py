"""Validate an interpolated compose file against the Compose Specification's JSON Schema
(`compose-spec.json`, Apache-2.0, source in COMPOSE_SPEC_SOURCE.md) — the check `docker
compose config` makes — and report the first error with file:line and path."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from netlab.errors import InputError
from netlab.topology.source import Source

SCHEMA_FILE = Path(__file__).with_name("compose-spec.json")


@cache
def _validator():
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text())
    return jsonschema.Draft7Validator(schema, format_checker=None)


def _sort_key(err) -> tuple:
    # the deepest error first (it names the field), then the path, for a stable choice
    return (-len(err.absolute_path), [str(p) for p in err.absolute_path])


def validate_compose(data: Any, src: Source) -> None:
    """Raise InputError(file:line: path) for the first schema violation."""
    errors = sorted(_validator().iter_errors(data), key=_sort_key)
    if not errors:
        return
    err = errors[0]
    best = err
    if err.context:  # oneOf/anyOf: the alternative that got furthest says most
        best = sorted(err.context, key=_sort_key)[0]
    path = (
        tuple(err.absolute_path) + tuple(best.relative_path) if best is not err else tuple(err.absolute_path)
    )
    message = best.message
    if best.validator == "additionalProperties" and isinstance(best.instance, dict):
        known = set(best.schema.get("properties", {}))
        patterns = [re.compile(p) for p in best.schema.get("patternProperties", {})]
        extra = [k for k in best.instance if k not in known and not any(r.search(k) for r in patterns)]
        if extra:
            path = path + (extra[0],)
            message = f"unknown key {extra[0]!r} (not a Compose Specification key; extensions start with x-)"
    raise InputError(f"invalid compose file: {message}", where=src.where(path))
