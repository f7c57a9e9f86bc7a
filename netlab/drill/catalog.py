"""The shipped drills: one directory per drill under netlab/drill/drills/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from netlab.errors import InputError

from .model import DRILL_ID, Drill, load_drill

DRILLS_DIR = Path(__file__).resolve().parent / "drills"


@cache
def all_drills() -> tuple[Drill, ...]:
    """Every drill, ordered by difficulty then id."""
    drills = [load_drill(d) for d in sorted(DRILLS_DIR.iterdir()) if (d / "drill.yaml").is_file()]
    return tuple(sorted(drills, key=lambda d: (d.difficulty, d.id)))


@cache
def get_drill(drill_id: str) -> Drill:
    """One drill: only its own directory is read (every command of a running drill needs one,
    and reading all of them is most of a command's own time after the imports)."""
    directory = DRILLS_DIR / drill_id
    if DRILL_ID.match(drill_id) and (directory / "drill.yaml").is_file():
        return load_drill(directory)
    raise InputError(
        f"no drill {drill_id!r}; drills: {', '.join(d.id for d in all_drills())} (netlab drill list)",
        where="netlab drill",
    )
