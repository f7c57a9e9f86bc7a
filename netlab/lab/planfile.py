"""plan.json: the whole compiled plan, stored at `up` for every later verb."""

from __future__ import annotations

import json
import os
from pathlib import Path

from netlab.lab.journal import step_record
from netlab.resources import Plan, step_from_dict


def plan_to_dict(plan: Plan) -> dict:
    return {
        "lab": plan.lab,
        "source": plan.source,
        "steps": [step_record(s) for s in plan.steps],
        "meta": plan.meta,
    }


def write_plan(path: Path, plan: Plan) -> None:
    """One step per line: readable, and fast to write for a 200-node lab (no deep copies)."""
    data = plan_to_dict(plan)
    steps = ",\n  ".join(json.dumps(s, separators=(",", ":")) for s in data.pop("steps"))
    head = json.dumps(data, default=str)[:-1]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f'{head}, "steps": [\n  {steps}\n]}}\n')
    os.replace(tmp, path)


def read_plan(path: Path) -> Plan:
    data = json.loads(path.read_text())
    return Plan(
        lab=data["lab"],
        steps=tuple(step_from_dict(s) for s in data["steps"]),
        source=data.get("source"),
        meta=data.get("meta") or {},
    )
