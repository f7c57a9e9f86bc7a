"""plan.json: the whole compiled plan, stored at `up` for every later verb."""

from __future__ import annotations

import json
import os
from pathlib import Path

from netlab.resources import Plan, step_from_dict


def plan_to_dict(plan: Plan) -> dict:
    return {
        "lab": plan.lab,
        "source": plan.source,
        "steps": [s.to_dict() for s in plan.steps],
        "meta": plan.meta,
    }


def write_plan(path: Path, plan: Plan) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(plan_to_dict(plan), indent=1, default=str))
    os.replace(tmp, path)


def read_plan(path: Path) -> Plan:
    data = json.loads(path.read_text())
    return Plan(
        lab=data["lab"],
        steps=tuple(step_from_dict(s) for s in data["steps"]),
        source=data.get("source"),
        meta=data.get("meta") or {},
    )
