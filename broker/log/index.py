"""Sparse offset and time indexes in Kafka's file format.

`.index`:     entries of (relative offset int32, position int32), 8 bytes, big-endian.
`.timeindex`: entries of (timestamp int64, relative offset int32), 12 bytes, big-endian.

Kafka preallocates index files (10 MiB) and trims them when a segment rolls or closes. We simply
append: the file is always exactly `entries * entry_size` bytes, which Kafka's own tools and
broker read the same way. Entries are mirrored in Python lists so lookups are a `bisect`.
A file Kafka left preallocated (trailing zero entries after a crash) is read up to the first
zero entry, like kafka-dump-log does.

No file descriptor is held between operations: the entries live in memory, so the file is opened
only to write, truncate or sync it (Kafka likewise closes an index's file once it is mmapped).
A broker with thousands of partitions holds one fd per segment (its .log), not three.
"""

from __future__ import annotations

import os
import struct
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class IndexCorruptError(Exception):
    """The index file disagrees with itself; the segment must rebuild it from the log."""


_OFF = struct.Struct(">ii")
_TIME = struct.Struct(">qi")


class _IndexFile:
    entry: struct.Struct

    def __init__(self, path: Path, base_offset: int) -> None:
        self.path = path
        self.base_offset = base_offset
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o644))  # exists from now on, like Kafka's
        self._closed = False
        # int64 arrays, not lists: 16 bytes an entry (a 1 GiB segment has ~260k entries)
        self._keys = array("q")  # offsets (offset index) or timestamps (time index)
        self._vals = array("q")  # positions (offset index) or offsets (time index)
        # Entries not yet written: batched into one pwrite per ~4 KiB (Kafka's mmap defers the
        # same way). Losing them in a crash is harmless: an unclean start rebuilds the index of
        # every segment above the recovery point, and segments below it were synced.
        self._pending = bytearray()
        self._written = 0  # entries in the file

    def __len__(self) -> int:
        return len(self._keys)

    def entry_count(self) -> int:
        return len(self._keys)

    @contextmanager
    def _file(self) -> Iterator[int]:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            yield fd
        finally:
            os.close(fd)

    def _read_entries(self) -> list[tuple[int, int]]:
        with self._file() as fd:
            size = os.fstat(fd).st_size
            data = os.pread(fd, size, 0)
        esize = self.entry.size
        if size % esize:
            raise IndexCorruptError(f"{self.path}: size {size} is not a multiple of the entry size {esize}")
        return list(self.entry.iter_unpack(data))

    def _write_entry(self, a: int, b: int) -> None:
        self._pending += self.entry.pack(a, b)
        if len(self._pending) >= 4096:
            self.write_pending()

    def write_pending(self) -> None:
        if self._pending and not self._closed:
            with self._file() as fd:
                os.pwrite(fd, self._pending, self._written * self.entry.size)
            self._written += len(self._pending) // self.entry.size
            self._pending.clear()

    def _truncate_entries(self, n: int) -> None:
        del self._keys[n:]
        del self._vals[n:]
        if n < self._written:
            self._pending.clear()
            self._written = n
            self._truncate_file(n * self.entry.size)
        else:
            del self._pending[(n - self._written) * self.entry.size :]

    def reset(self) -> None:
        self._pending.clear()
        self._written = 0
        del self._keys[:]
        del self._vals[:]
        self._truncate_file(0)

    def _truncate_file(self, size: int) -> None:
        if self._closed:  # deleted or closed: never create the file again
            return
        with self._file() as fd:
            os.ftruncate(fd, size)

    def flush(self) -> None:
        self.write_pending()
        if self._closed:
            return
        with self._file() as fd:
            os.fsync(fd)

    def dup_fd(self) -> int:
        """A private fd on the file (for a background fsync), the caller closes it."""
        self.write_pending()
        return os.open(self.path, os.O_RDWR | os.O_CLOEXEC)

    def close(self) -> None:
        if not self._closed:
            self.write_pending()
            self._closed = True

    def delete(self) -> None:
        self._pending.clear()
        self.close()
        self.path.unlink(missing_ok=True)


class OffsetIndex(_IndexFile):
    """Maps the last offset of an indexed batch to the byte position where that batch starts."""

    entry = _OFF

    def load(self, log_size: int) -> None:
        """Read the file and check it (Kafka's sanityCheck, plus positions inside the log)."""
        keys: list[int] = []
        vals: list[int] = []
        for i, (rel, pos) in enumerate(self._read_entries()):
            if i > 0 and rel == 0 and pos == 0:
                break  # preallocated zeros from a Kafka broker that did not shut down cleanly
            off = self.base_offset + rel
            if rel < 0 or (keys and (off <= keys[-1] or pos <= vals[-1])):
                raise IndexCorruptError(
                    f"{self.path}: entry {i} (offset {off}, position {pos}) is not after the previous one"
                )
            if pos < 0 or pos >= log_size:
                raise IndexCorruptError(
                    f"{self.path}: entry {i} points at position {pos}, log is {log_size} bytes"
                )
            keys.append(off)
            vals.append(pos)
        self._keys, self._vals = array("q", keys), array("q", vals)
        self._pending.clear()
        self._written = len(keys)
        if self.path.stat().st_size != len(keys) * self.entry.size:
            self._truncate_file(len(keys) * self.entry.size)

    def append(self, offset: int, position: int) -> None:
        if self._keys and offset <= self._keys[-1]:
            return  # never index an offset twice (Kafka throws; we only ever append forward)
        self._write_entry(offset - self.base_offset, position)
        self._keys.append(offset)
        self._vals.append(position)

    def lookup(self, offset: int) -> tuple[int, int]:
        """Largest entry with offset <= target, else (base_offset, 0): where a scan may start."""
        i = bisect_right(self._keys, offset) - 1
        if i < 0:
            return self.base_offset, 0
        return self._keys[i], self._vals[i]

    def floor_position(self, position: int) -> int:
        """The largest indexed batch position <= `position` (0 when none): a batch boundary."""
        i = bisect_right(self._vals, position) - 1
        return self._vals[i] if i >= 0 else 0

    def last(self) -> tuple[int, int]:
        if not self._keys:
            return self.base_offset, 0
        return self._keys[-1], self._vals[-1]

    def truncate_to(self, offset: int) -> None:
        """Drop entries for offsets >= `offset`."""
        self._truncate_entries(bisect_right(self._keys, offset - 1))

    def entries(self) -> list[tuple[int, int]]:
        return list(zip(self._keys, self._vals))


class TimeIndex(_IndexFile):
    """Maps the largest timestamp seen so far to the offset of the batch that carried it."""

    entry = _TIME

    def load(self, next_offset_bound: int | None = None) -> None:
        keys: list[int] = []
        vals: list[int] = []
        for i, (ts, rel) in enumerate(self._read_entries()):
            if i > 0 and ts == 0 and rel == 0:
                break
            off = self.base_offset + rel
            if rel < 0 or (keys and (ts <= keys[-1] or off < vals[-1])):
                raise IndexCorruptError(
                    f"{self.path}: entry {i} (timestamp {ts}, offset {off}) is not after the previous one"
                )
            if next_offset_bound is not None and off >= next_offset_bound:
                raise IndexCorruptError(
                    f"{self.path}: entry {i} names offset {off}, beyond the segment's end {next_offset_bound}"
                )
            keys.append(ts)
            vals.append(off)
        self._keys, self._vals = array("q", keys), array("q", vals)
        self._pending.clear()
        self._written = len(keys)
        if self.path.stat().st_size != len(keys) * self.entry.size:
            self._truncate_file(len(keys) * self.entry.size)

    def maybe_append(self, timestamp: int, offset: int) -> None:
        """Append only when the timestamp grows, as Kafka's TimeIndex.maybeAppend does."""
        if timestamp < 0 or (self._keys and timestamp <= self._keys[-1]):
            return
        self._write_entry(timestamp, offset - self.base_offset)
        self._keys.append(timestamp)
        self._vals.append(offset)

    def lookup_before(self, timestamp: int) -> int:
        """Offset to start a timestamp search from: the last entry with a timestamp < target.

        Strictly smaller (Kafka uses <=) so a record with an equal timestamp just before the
        entry's offset is never skipped.
        """
        i = bisect_left(self._keys, timestamp) - 1
        return self.base_offset if i < 0 else self._vals[i]

    def last(self) -> tuple[int, int] | None:
        return (self._keys[-1], self._vals[-1]) if self._keys else None

    def truncate_to(self, offset: int) -> None:
        """Drop entries whose offset >= `offset`."""
        n = len(self._vals)
        while n and self._vals[n - 1] >= offset:
            n -= 1
        self._truncate_entries(n)

    def entries(self) -> list[tuple[int, int]]:
        return list(zip(self._keys, self._vals))
