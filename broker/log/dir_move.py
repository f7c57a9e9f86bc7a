"""Copying a partition's log into another log dir while it goes on serving (AlterReplicaLogDirs).

Kafka copies into a future log (`<topic>-<p>.<uuid>-future`, filled by a ReplicaAlterLogDirsThread)
while the current log serves appends and reads, and swaps the two under the partition's lock only
once the future log has caught up (LogManager.replaceCurrentWithFutureLog). Here the same in two
steps, so the lock is held for what changed during the copy, not for the whole log:

- `copy_serving`, with no lock held: every file of the log dir, each fsynced; a file that
  vanishes meanwhile (retention, the cleaner's swap) is skipped.
- `catch_up`, under the log's lock (appends and reads of this partition wait): files that went
  are removed from the copy; a closed segment's files (below the segment that was active when
  the copy began) are kept when they are the same file with the same size; the new tail of a
  segment's `.log` that only grew is appended; every other file (indexes of the segments written
  meanwhile, checkpoints, producer snapshots: all small) is copied again. A truncation during
  the copy (`truncations` moved) makes every file be copied again.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .checkpoints import fsync_dir

_SEGMENT_FILE = re.compile(r"^(\d{20})\.(log|index|timeindex|txnindex)$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Copied:
    ino: int
    size: int


@dataclass
class CopyState:
    files: dict[str, Copied]  # name -> the source file as it was copied
    active_base: int  # base offset of the segment that was active when the copy began
    truncations: int  # the log's truncation count then


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _files(directory: Path) -> dict[str, os.DirEntry]:
    with os.scandir(directory) as it:
        return {e.name: e for e in it if e.is_file(follow_symlinks=False)}


def copy_serving(src: Path, dest: Path, active_base: int, truncations: int) -> CopyState:
    """Copy every file of `src` into the new directory `dest` (no lock held: the log serves)."""
    dest.mkdir()
    state = CopyState({}, active_base, truncations)
    for name, entry in sorted(_files(src).items()):
        try:
            st = entry.stat(follow_symlinks=False)
            shutil.copyfile(entry.path, dest / name)
        except FileNotFoundError:  # deleted meanwhile: catch_up settles it
            (dest / name).unlink(missing_ok=True)
            continue
        _fsync(dest / name)
        state.files[name] = Copied(st.st_ino, st.st_size)
    return state


def _keep(name: str, now: os.stat_result, then: Copied | None, state: CopyState) -> bool:
    m = _SEGMENT_FILE.match(name)
    return (
        then is not None
        and m is not None
        and int(m[1]) < state.active_base
        and (now.st_ino, now.st_size) == (then.ino, then.size)
    )


def _append_tail(src: str, dest: Path, start: int) -> None:
    with open(src, "rb") as fin, open(dest, "ab") as fout:
        fin.seek(start)
        while chunk := fin.read(_CHUNK):
            fout.write(chunk)


def catch_up(src: Path, dest: Path, state: CopyState, truncations: int) -> None:
    """Make `dest` equal to `src` (call with the log's lock held and its files flushed)."""
    now = _files(src)
    for name in set(state.files) - set(now):
        (dest / name).unlink(missing_ok=True)
    untouched = truncations == state.truncations
    for name, entry in now.items():
        st = entry.stat(follow_symlinks=False)
        then = state.files.get(name)
        if untouched and _keep(name, st, then, state):
            continue
        if (
            untouched
            and then is not None
            and name.endswith(".log")
            and st.st_ino == then.ino
            and st.st_size >= then.size
        ):
            _append_tail(entry.path, dest / name, then.size)  # a segment only grows at its end
        else:
            shutil.copyfile(entry.path, dest / name)
        _fsync(dest / name)
    fsync_dir(dest)
