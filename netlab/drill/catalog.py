"""The shipped drills: one directory per drill under netlab/drill/drills/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from netlab.errors import InputError

from .model import Drill, load_drill

DRILLS_DIR = Path(__file__).resolve().parent / "drills"


@cache
def all_drills() -> tuple[Drill, ...]:
    """Every drill, ordered by difficulty then id."""
    drills = [load_drill(d) for d in sorted(DRILLS_DIR.iterdir()) if (d / "drill.yaml").is_file()]
    return tuple(sorted(drills, key=lambda d: (d.difficulty, d.id)))


def get_drill(drill_id: str) -> Drill:
    for d in all_drills():
        if d.id == drill_id:
            return d
    raise InputError(
        f"no drill {drill_id!r}; drills: {', '.join(d.id for d in all_drills())} (netlab drill list)",
        where="netlab drill",
    )
