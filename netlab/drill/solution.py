"""A drill's solution: broker settings to set (what `netlab config <lab> <node> set` does) and/or
edits of the topology file (applied with `netlab drill apply`), shown as a diff with the why."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from .model import Variant


def apply_changes(props: Mapping[str, str], changes: Mapping[str, str | None]) -> dict[str, str]:
    """`props` with `changes` made (None removes the key), as `netlab config ... set/unset` does."""
    out = dict(props)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def settings(variant: Variant) -> dict[str, dict[str, str | None]]:
    """node -> {property: new value (None: remove)}."""
    return {
        node: {k: (None if v is None else str(v)) for k, v in (changes or {}).items()}
        for node, changes in (variant.solution.get("set") or {}).items()
    }


def edited_topology(variant: Variant) -> str | None:
    """The topology text after the solution's edits (None when it edits no topology)."""
    edits = variant.solution.get("topology") or []
    if not edits:
        return None
    text = variant.topology_text
    for e in edits:
        if e["old"] not in text:
            raise ValueError(f"drill {variant.drill.id}: solution edit {e['old']!r} is not in the topology")
        text = text.replace(e["old"], e["new"], 1)
    return text


def new_values(variant: Variant, start_props: Mapping[str, Mapping[str, str]]) -> list[str]:
    """What the solution writes that the start does not have: whole values and the single
    comma-separated entries that are new (what a hint before level 3 must not give away)."""
    out = []
    for node, changes in settings(variant).items():
        before = start_props.get(node, {})
        for key, value in changes.items():
            if value is None:
                continue
            old = set(before.get(key, "").split(","))
            out.append(value)
            out += [piece for piece in value.split(",") if piece and piece not in old]
    text = edited_topology(variant)
    if text is not None:
        old_lines = set(variant.topology_text.splitlines())
        # new lines that carry a value (a bare `key:` line gives nothing away)
        out += [
            line.strip()
            for line in text.splitlines()
            if line not in old_lines and line.strip() and not line.strip().endswith(":")
        ]
    return out


def diff(variant: Variant, start_props: Mapping[str, Mapping[str, str]], lab_file: str) -> str:
    """The solution as diffs: server.properties per broker, then the topology file."""
    parts: list[str] = []
    for node, changes in settings(variant).items():
        before = dict(start_props.get(node, {}))
        after = apply_changes(before, changes)
        a = [f"{k}={v}\n" for k, v in before.items()]
        b = [f"{k}={v}\n" for k, v in after.items()]
        parts.append(
            "".join(difflib.unified_diff(a, b, f"{node}/server.properties", f"{node}/server.properties"))
        )
        sets = " ".join(f"{k}={v}" for k, v in changes.items() if v is not None)
        unsets = " ".join(k for k, v in changes.items() if v is None)
        if sets:
            parts.append(f"  sudo netlab config {variant.lab} {node} set {sets}\n")
        if unsets:
            parts.append(f"  sudo netlab config {variant.lab} {node} unset {unsets}\n")
    text = edited_topology(variant)
    if text is not None:
        parts.append(
            "".join(
                difflib.unified_diff(
                    variant.topology_text.splitlines(True), text.splitlines(True), lab_file, lab_file
                )
            )
        )
        parts.append(f"  edit {lab_file}, then: sudo netlab drill apply\n")
    return "".join(parts)


def why(variant: Variant) -> str:
    return str(variant.solution["why"]).strip()


def describe(variant: Variant) -> dict[str, Any]:
    return {"set": settings(variant), "topology": variant.solution.get("topology") or [], "why": why(variant)}
