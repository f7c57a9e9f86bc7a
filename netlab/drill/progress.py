"""Per-user drill progress: `$XDG_DATA_HOME/netlab/drills.json` (default ~/.local/share; under
sudo, the invoking user's, owned by that user).

    {"version": 1,
     "drills": {"<id>": {"state": "started|solved", "attempts": N, "hints_used": 0-3,
                         "solution_shown": bool, "best_seconds": float|null, "solved_at": epoch|null}},
     "current": {"id", "seed", "lab", "started_at", "applied"} | null}

`current` is the one running drill ("applied" is the topology text its lab was built from).
Writes are atomic (a temporary file in the same directory, fsync, rename). A file that is not
this shape is never discarded: it is renamed aside to drills.json.corrupt-<time> and reported
(exit 2), so the next command starts afresh and the old bytes are still there to look at.
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netlab.errors import InputError

VERSION = 1
MAX_BYTES = 4 * 1024 * 1024  # progress of a few dozen drills is a few KB


def _invoking_user() -> tuple[int, int, str] | None:
    """(uid, gid, home) of the user behind `sudo`: `sudo netlab drill start` is that user's
    progress, not root's. None when not run through sudo."""
    name, uid, gid = os.environ.get("SUDO_USER"), os.environ.get("SUDO_UID"), os.environ.get("SUDO_GID")
    if os.geteuid() != 0 or not name or not uid or not gid or name == "root":
        return None
    try:
        return int(uid), int(gid), pwd.getpwnam(name).pw_dir
    except (KeyError, ValueError):
        return None


def progress_path() -> Path:
    user = _invoking_user()
    home = user[2] if user else str(Path.home())
    base = os.environ.get("XDG_DATA_HOME") or str(Path(home) / ".local" / "share")
    return Path(base) / "netlab" / "drills.json"


def _give_back(path: Path) -> None:
    """Under sudo, the file (and the netlab directory) belong to the user, who reads them later
    without root (`netlab drill list`)."""
    user = _invoking_user()
    if user is None:
        return
    for p in (path.parent, path):
        try:
            os.chown(p, user[0], user[1])
        except OSError:
            pass


@dataclass
class Progress:
    drills: dict[str, dict[str, Any]] = field(default_factory=dict)
    current: dict[str, Any] | None = None

    def record(self, drill_id: str) -> dict[str, Any]:
        return self.drills.setdefault(
            drill_id,
            {
                "state": "started",
                "attempts": 0,
                "hints_used": 0,
                "solution_shown": False,
                "best_seconds": None,
                "solved_at": None,
            },
        )

    def state_of(self, drill_id: str) -> str:
        return self.drills.get(drill_id, {}).get("state", "new")

    def to_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "drills": self.drills, "current": self.current}


class CorruptProgress(InputError):
    pass


def _valid(data: Any) -> bool:
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return False
    drills, current = data.get("drills"), data.get("current")
    if not isinstance(drills, dict) or not all(isinstance(v, dict) for v in drills.values()):
        return False
    return current is None or (isinstance(current, dict) and {"id", "seed", "lab"} <= set(current))


def load_progress(path: Path | None = None) -> Progress:
    """The user's progress (empty when there is none yet). A corrupt file is set aside and
    reported with CorruptProgress (exit 2): nothing is lost, nothing is silently reset."""
    path = path or progress_path()
    if not path.exists():
        return Progress()
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:  # unreadable is not corrupt: nothing is moved
        why = (
            "it belongs to the user who ran `sudo netlab drill ...`: run as that user, or with sudo"
            if isinstance(exc, PermissionError)
            else "it must be a readable file; move it away to start with fresh progress"
        )
        raise InputError(
            f"cannot read the drill progress file {path}: {exc.strerror} ({why})", where="progress"
        ) from None
    try:
        data = json.loads(raw) if len(raw) <= MAX_BYTES else None
    except ValueError:
        data = None
    if data is None or not _valid(data):
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
        os.replace(path, aside)
        raise CorruptProgress(
            f"the drill progress file {path} is not readable progress (not JSON of version {VERSION}); "
            f"it was set aside as {aside} (nothing deleted); run the command again to start with "
            f"fresh progress. A drill lab that is still up can be removed with: sudo netlab down <its "
            f"lab> (the drill's id unless started with --lab)",
            where="progress",
        )
    return Progress(data["drills"], data["current"])


LOCK_WAIT_S = 120.0  # the longest command (a five-broker reset, a check of a group drill) takes ~15 s


@contextmanager
def exclusive(path: Path | None = None) -> Iterator[None]:
    """One `netlab drill` command at a time per progress file (per user): a lock file next to it,
    held while a command reads, acts and writes. Two commands at once (two terminals, a script)
    would otherwise both see no drill running and both start one, or lose each other's counts.
    Bounded: waits LOCK_WAIT_S for the other command, then says so (exit 2)."""
    path = path or progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(f".{path.name}.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _give_back(lock)
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise InputError(
                        f"another netlab drill command has held {lock} for {LOCK_WAIT_S:g} s; let it "
                        f"finish (or end it) and run this again",
                        where="progress",
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def save_progress(progress: Progress, path: Path | None = None) -> None:
    """Atomically replace the file: readers see the old or the new version, never a torn one."""
    path = path or progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".drills.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(progress.to_dict(), fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _give_back(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
