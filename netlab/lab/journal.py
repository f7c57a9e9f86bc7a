"""The journal: what may exist, written before it is made.

One JSON object per line (`Step.to_dict()`), appended and flushed *before* the object is
created, so after a crash or a kill -9 the journal names a superset of what exists; `destroy`
tolerates what was never made. A torn last line (killed mid-write) is ignored.
One line is not a step: {"kind": "not-ours", "netns": X} says that namespace X, journaled
just before, already existed (someone else's); destroy never touches it.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

from netlab.resources import Step, step_from_dict

NOT_OURS = "not-ours"


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: Any) -> tuple[str, ...]:
    """The field names of a Step class (every one is a dataclass), computed once per class."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))
    return names


def step_record(step: Step) -> dict:
    """Same content as Step.to_dict(), without dataclasses.asdict's deep copy (which costs
    ~0.7 ms for a hosts step of a 200-node lab; json writes tuples as lists anyway)."""
    return {"kind": step.kind, **{name: getattr(step, name) for name in _field_names(type(step))}}


class Journal:
    def __init__(self, path: Path):
        self.path = path
        self._fh = open(path, "a", buffering=1 << 16)
        self._lock = threading.Lock()

    def record(self, step: Step) -> None:
        line = json.dumps(step_record(step), separators=(",", ":")) + "\n"
        with self._lock:
            self._fh.write(line)
            self._fh.flush()  # one write(2) per step: on tmpfs this is a few microseconds

    def record_not_ours(self, netns: str) -> None:
        """A namespace journaled as ours turned out to exist already (someone else's)."""
        with self._lock:
            self._fh.write(json.dumps({"kind": NOT_OURS, "netns": netns}) + "\n")
            self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def read_journal(path: Path) -> list[Step]:
    steps: list[Step] = []
    try:
        text = path.read_text()
    except FileNotFoundError:
        return steps
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            steps.append(step_from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError):
            continue  # a torn line from a kill mid-write
    return steps


def read_journal_records(path: Path) -> list[dict]:
    """The journal as plain dicts (kind + fields), without building Step objects: `destroy`
    needs only names, and rebuilding a 200-node lab's hosts steps costs half a second."""
    records: list[dict] = []
    try:
        text = path.read_text()
    except FileNotFoundError:
        return records
    for line in text.splitlines():
        if line.startswith(_HOSTS_PREFIX) and line.endswith("}"):
            # hosts steps are the big lines (every name of the lab); destroy needs the netns only
            match = _NETNS_FIELD.match(line, len(_HOSTS_PREFIX))
            if match:
                records.append({"kind": "hosts", "netns": json.loads(f'"{match.group(1)}"')})
                continue
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn line from a kill mid-write
        if isinstance(record, dict) and "kind" in record:
            records.append(record)
    return records


_HOSTS_PREFIX = '{"kind":"hosts",'
_NETNS_FIELD = re.compile(r'"netns":"((?:[^"\\]|\\.)*)"')
