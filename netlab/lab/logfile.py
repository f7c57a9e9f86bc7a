"""A process log read in bounded pieces, however long it grew: its last lines (never more than
MAX_TAIL_BYTES of the file are read) and, to follow it, what is appended (CHUNK_BYTES at a time,
decoded incrementally so a UTF-8 character split between two reads stays whole)."""

from __future__ import annotations

import codecs
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MAX_TAIL_BYTES = 4 << 20  # what `netlab logs` shows at most: Kafka logs a few kB per start
CHUNK_BYTES = 64 << 10
FOLLOW_POLL_S = 0.2


@dataclass
class Tail:
    lines: list[str]
    end: int  # the file's size when read: following goes on from here
    skipped: int  # bytes of the file before the part shown (0: the whole log is shown)


def read_tail(path: Path, lines: int = 0, max_bytes: int = MAX_TAIL_BYTES) -> Tail:
    """The last `lines` lines (0: as many as fit) of the log, reading backwards from its end in
    CHUNK_BYTES pieces and never more than `max_bytes`."""
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        return Tail([], 0, 0)
    with fh:
        size = fh.seek(0, os.SEEK_END)
        start, pieces, newlines = size, [], 0
        while start > 0 and size - start < max_bytes:
            step = min(CHUNK_BYTES, start, max_bytes - (size - start))
            start -= step
            fh.seek(start)
            piece = fh.read(step)
            pieces.append(piece)
            newlines += piece.count(b"\n")
            if lines and newlines > lines:  # one more than asked: the first may be partial
                break
    data = b"".join(reversed(pieces))
    if start > 0:  # begun inside the file: drop the partial first line
        cut = data.find(b"\n") + 1
        data, start = data[cut:], start + cut
    if lines:  # only the last `lines` lines, and `skipped` counts everything before them
        parts = (data[:-1] if data.endswith(b"\n") else data).split(b"\n")
        if len(parts) > lines:
            drop = sum(len(p) + 1 for p in parts[:-lines])
            data, start = data[drop:], start + drop
    return Tail(data.decode(errors="replace").splitlines(), size, start)


def follow(
    path: Path,
    offset: int,
    write: Callable[[str], None],
    *,
    poll: float = FOLLOW_POLL_S,
    chunk: int = CHUNK_BYTES,
    keep_going: Callable[[], bool] = lambda: True,
) -> None:
    """Write what is appended to the log after `offset`, until the file is gone (the lab went
    down) or `keep_going()` says stop. A log that shrank (truncated) is followed from its start."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while keep_going():
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            break
        if size < offset:
            offset = 0
        if size > offset:
            with open(path, "rb") as fh:
                fh.seek(offset)
                while piece := fh.read(chunk):
                    offset += len(piece)
                    text = decoder.decode(piece)
                    if text:
                        write(text)
            continue
        time.sleep(poll)
