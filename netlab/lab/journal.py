"""The journal: what may exist, written before it is made.

One JSON object per line (`Step.to_dict()`), appended and flushed *before* the object is
created, so after a crash or a kill -9 the journal names a superset of what exists; `destroy`
tolerates what was never made. A torn last line (killed mid-write) is ignored.
"""

from __future__ import annotations

import json
import threading
from dataclasses import fields
from functools import cache
from pathlib import Path

from netlab.resources import Step, step_from_dict


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


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
