"""Copying a partition's log into another log dir while it goes on serving (AlterReplicaLogDirs).

Kafka copies into a future log (`<topic>-<p>.<uuid>-future`, filled by a ReplicaAlterLogDirsThread)
while the current log serves appends and reads, and swaps the two under the partition's lock only
once the future log has caught up (LogManager.replaceCurrentWithFutureLog). Here the same, by
files: `sync` brings the copy level with the log dir and is run over and over with no lock held
(appends, reads, retention and the cleaner go on), then once more under the log's lock, when
only what changed since the last round is left to copy.

What a round copies again: files that are new or were replaced (another inode: the cleaner's
swap, a checkpoint written anew), files that changed size, the new tail of a segment's `.log`
that only grew (a segment is appended at its end), and every file of a segment that was not yet
closed when it was last copied (indexes are rewritten as they grow). A closed segment's files,
the same inode with the same size, are not copied again. Files that went are removed from the
copy. A truncation of the log since the last round (`truncations` moved) makes that round copy
every file again: a truncated segment can grow back to its old size with other records.

Each file is copied up to the size its open descriptor had when the copy began (fstat), so what
is recorded is exactly what was copied, whatever is appended meanwhile.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .checkpoints import fsync_dir

_SEGMENT_FILE = re.compile(r"^(\d{20})\.(log|index|timeindex|txnindex)$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Copied:
    ino: int
    size: int
    closed: bool  # a closed segment's file when copied: it changes only by replacement


@dataclass
class CopyState:
    files: dict[str, Copied] = field(default_factory=dict)  # name -> the source file as copied
    truncations: int = -1  # the log's truncation count at the last round (-1: none yet)


def _closed(name: str, active_base: int) -> bool:
    m = _SEGMENT_FILE.match(name)
    return m is not None and int(m[1]) < active_base


def _copy(src: str, dest: Path, start: int) -> tuple[int, int, int] | None:
    """Copy `src` from byte `start` up to its size now into `dest` (appended when start > 0,
    else replaced). Returns (inode, size copied up to, bytes copied), None if it is gone."""
    try:
        fin = open(src, "rb")  # noqa: SIM115 - closed below, with the descriptor's stat
    except FileNotFoundError:
        return None
    with fin, open(dest, "ab" if start else "wb") as fout:
        st = os.fstat(fin.fileno())
        fin.seek(start)
        left = st.st_size - start
        while left > 0:
            chunk = fin.read(min(_CHUNK, left))
            if not chunk:
                break  # cut meanwhile (a truncation): the next round sees the count move
            fout.write(chunk)
            left -= len(chunk)
        fout.flush()
        os.fsync(fout.fileno())
        return st.st_ino, st.st_size - left, st.st_size - left - start


def sync(src: Path, dest: Path, state: CopyState, active_base: int, truncations: int) -> int:
    """One round: make `dest` what `src` holds now (see the module's text). `active_base` and
    `truncations` are the log's, read under its lock just before. Returns the bytes copied."""
    dest.mkdir(exist_ok=True)
    with os.scandir(src) as it:
        now = {e.name: e for e in it if e.is_file(follow_symlinks=False)}
    for name in set(state.files) - set(now):
        (dest / name).unlink(missing_ok=True)
        del state.files[name]
    same_log = truncations == state.truncations
    copied = 0
    for name, entry in sorted(now.items()):
        then = state.files.get(name)
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            st = None
        if st is None:
            got = None
        elif (
            same_log and then is not None and then.closed and (st.st_ino, st.st_size) == (then.ino, then.size)
        ):
            continue
        elif (
            same_log
            and then is not None
            and name.endswith(".log")
            and st.st_ino == then.ino
            and st.st_size >= then.size
        ):
            got = _copy(entry.path, dest / name, then.size)
        else:
            got = _copy(entry.path, dest / name, 0)
        if got is None:  # gone meanwhile: the next round settles it
            (dest / name).unlink(missing_ok=True)
            state.files.pop(name, None)
            continue
        ino, size, n = got
        state.files[name] = Copied(ino, size, _closed(name, active_base))
        copied += n
    state.truncations = truncations
    fsync_dir(dest)
    return copied


def remove(dest: Path) -> None:
    shutil.rmtree(dest, ignore_errors=True)
