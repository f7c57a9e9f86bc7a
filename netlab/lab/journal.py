"""The journal: what may exist, written before it is made.

One JSON object per line (`Step.to_dict()`), appended and flushed *before* the object is
created, so after a crash or a kill -9 the journal names a superset of what exists; `destroy`
tolerates what was never made. A torn last line (killed mid-write) is ignored.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from netlab.resources import Step, step_from_dict


class Journal:
    def __init__(self, path: Path):
        self.path = path
        self._fh = open(path, "a", buffering=1 << 16)
        self._lock = threading.Lock()

    def record(self, step: Step) -> None:
        line = json.dumps(step.to_dict(), separators=(",", ":")) + "\n"
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
