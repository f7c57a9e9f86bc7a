"""One log segment: `<base>.log` plus its `.index` and `.timeindex`.

Writes are one `pwrite` of whole batches at the end of the file (all batches of an append land
in the same segment). Reads are `pread`s of whole batches. The segment never parses records.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from broker.log.batch import HEADER_SIZE, LOG_OVERHEAD, BatchHeader, CorruptRecordError, check_batch
from broker.log.index import IndexCorruptError, OffsetIndex, TimeIndex

LOG_SUFFIX = ".log"
INDEX_SUFFIX = ".index"
TIMEINDEX_SUFFIX = ".timeindex"
_SCAN_CHUNK = 4 << 20  # recovery reads the log 4 MiB at a time
_HEADER_CHUNK = 4096  # header-only scans read a page at a time
_BASE_LEN = struct.Struct(">qi")
_BASE_LEN_LOD = struct.Struct(">qi11xi")  # base offset, length, ..., last offset delta (bytes 23..27)


def segment_name(base_offset: int) -> str:
    return f"{base_offset:020d}"


class LogSegment:
    def __init__(self, directory: Path, base_offset: int, index_interval_bytes: int) -> None:
        self.dir = directory
        self.base_offset = base_offset
        self.index_interval_bytes = index_interval_bytes
        name = segment_name(base_offset)
        self.log_path = directory / (name + LOG_SUFFIX)
        # The .log file is opened on first use (a partition nobody reads or writes holds no file
        # descriptor: 3,000 fresh partitions cost none), then kept open like Kafka's FileRecords.
        self._fd = -1
        self._closed = False
        self._open_lock = threading.Lock()
        os.close(os.open(self.log_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644))
        st = os.stat(self.log_path)
        self.size = st.st_size
        self.created_ms = int(st.st_mtime * 1000) if self.size else int(time.time() * 1000)
        missing = [
            p.name
            for p in (directory / (name + INDEX_SUFFIX), directory / (name + TIMEINDEX_SUFFIX))
            if not p.exists()
        ]
        self.missing_indexes = missing if self.size else []
        self.index = OffsetIndex(directory / (name + INDEX_SUFFIX), base_offset)
        self.time_index = TimeIndex(directory / (name + TIMEINDEX_SUFFIX), base_offset)
        self.next_offset = base_offset  # one past the last offset stored here
        self.max_timestamp = -1
        self.offset_of_max_timestamp = -1
        self.bytes_since_last_index_entry = 0
        self._first_batch_timestamp: int | None = None
        self.walk_error: tuple[int, str] | None = None

    @property
    def fd(self) -> int:
        """The .log file's descriptor, opened on first use (-1 once closed: calls fail EBADF)."""
        fd = self._fd
        if fd < 0 and not self._closed:
            with self._open_lock:
                if self._fd < 0 and not self._closed:
                    self._fd = os.open(self.log_path, os.O_RDWR | os.O_CLOEXEC)
                fd = self._fd
        return fd

    # -- loading and recovery ------------------------------------------------------------

    def load(self) -> int:
        """Trust the indexes (after a sanity check) and scan only the tail after the last index
        entry. Returns bytes truncated from a torn tail. Raises IndexCorruptError if an index
        is missing or inconsistent, so the caller rebuilds it with recover()."""
        if self.missing_indexes:
            raise IndexCorruptError(f"{', '.join(self.missing_indexes)} missing in {self.dir}")
        self.index.load(self.size)
        _, pos = self.index.last()
        self.time_index.load()
        last_ts = self.time_index.last()
        if last_ts is not None:
            self.max_timestamp, self.offset_of_max_timestamp = last_ts
        self.next_offset = self.base_offset
        if len(self.index):
            indexed_offset = self.index.last()[0]
            self.next_offset = indexed_offset + 1
            raw = os.pread(self.fd, HEADER_SIZE, pos)
            if len(raw) < HEADER_SIZE or raw[16] != 2:
                raise IndexCorruptError(
                    f"{self.index.path}: last entry points at position {pos}, where no batch starts"
                )
            h = BatchHeader.parse(raw)
            if h.last_offset != indexed_offset:
                raise IndexCorruptError(
                    f"{self.index.path}: last entry says offset {indexed_offset} at position {pos}, the batch there ends at {h.last_offset}"
                )
        truncated = self._scan_tail(pos, first_is_indexed=bool(len(self.index)))
        if truncated and len(self.index) and self.size == pos:
            # the torn batch is the indexed one: what precedes it is only known from a full scan
            raise IndexCorruptError(
                f"{self.index.path}: truncated {truncated} bytes of a torn tail at position {pos}, the batch the last entry names"
            )
        if last_ts is not None and last_ts[1] >= self.next_offset:
            if not truncated:
                raise IndexCorruptError(
                    f"{self.time_index.path}: names offset {last_ts[1]}, beyond the segment's end {self.next_offset}"
                )
            # the torn batch was the one the closing time-index entry named: drop that entry and
            # take the max timestamp again from what is left
            self.time_index.truncate_to(self.next_offset)
            last_ts = self.time_index.last()
            self.max_timestamp, self.offset_of_max_timestamp = last_ts if last_ts else (-1, -1)
            for _, h in self.walk_headers(pos):
                self._note_timestamp(h.max_timestamp, h.last_offset)
        return truncated

    def _scan_tail(self, pos: int, *, first_is_indexed: bool) -> int:
        last_h: BatchHeader | None = None
        for _, h in self.walk(pos, verify_crc=True):
            last_h = h
            self._note_timestamp(h.max_timestamp, h.last_offset)
        if last_h is not None:
            self.next_offset = last_h.next_offset
        self.bytes_since_last_index_entry = self.size - pos if first_is_indexed else self.size
        return self._cut_at_walk_error()

    def recover(self) -> tuple[int, str | None]:
        """Rebuild both indexes from the log, verifying every batch; truncate at the first torn,
        corrupt or out-of-order batch. Returns (bytes truncated, why)."""
        self.index.reset()
        self.time_index.reset()
        self.next_offset = self.base_offset
        self.max_timestamp = self.offset_of_max_timestamp = -1
        self.bytes_since_last_index_entry = 0
        self._first_batch_timestamp = None
        stop: tuple[int, str] | None = None
        for pos, h in self.walk(0, verify_crc=True):
            if h.base_offset < self.next_offset:
                stop = (
                    pos,
                    f"batch at byte {pos} has base offset {h.base_offset}, expected at least {self.next_offset}",
                )
                break
            self._index_batch(pos, h.last_offset, h.max_timestamp, h.size)
            self.next_offset = h.next_offset
        if stop is not None:
            self.walk_error = stop
        why = self.walk_error[1] if self.walk_error else None
        cut = self._cut_at_walk_error()
        self.on_become_inactive()  # Kafka's recover() also ends with the final time-index entry
        return cut, why

    def _cut_at_walk_error(self) -> int:
        if self.walk_error is None:
            return 0
        pos = self.walk_error[0]
        cut = self.size - pos
        os.ftruncate(self.fd, pos)
        self.size = pos
        return cut

    def walk(
        self, pos: int, *, verify_crc: bool, end: int | None = None
    ) -> Iterator[tuple[int, BatchHeader]]:
        """Yield (position, header) of each batch from `pos`; on a torn or corrupt batch stop and
        leave (position, reason) in self.walk_error."""
        end = self.size if end is None else end
        self.walk_error = None
        chunk = b""
        cstart = pos
        while pos < end:
            rel = pos - cstart
            have = len(chunk) - rel
            need = LOG_OVERHEAD
            if have >= LOG_OVERHEAD:
                need = max(_BASE_LEN.unpack_from(chunk, rel)[1] + LOG_OVERHEAD, HEADER_SIZE)
            if have < need and pos + need <= end:
                chunk = os.pread(self.fd, min(max(_SCAN_CHUNK, need), end - pos), pos)
                cstart, rel = pos, 0
            try:
                h = check_batch(chunk, rel, len(chunk), verify_crc=verify_crc)
            except CorruptRecordError as e:
                self.walk_error = (pos, str(e))
                return
            yield pos, h
            pos += h.size

    def walk_headers(self, pos: int, end: int | None = None) -> Iterator[tuple[int, BatchHeader]]:
        """Like walk() without CRC checks, reading only headers (4 KiB preads): for scans that
        need offsets and timestamps (producer-state rebuild, timestamp lookup), not the data."""
        end = self.size if end is None else end
        self.walk_error = None
        chunk = b""
        cstart = pos
        while pos < end:
            rel = pos - cstart
            if len(chunk) - rel < HEADER_SIZE:
                chunk = os.pread(self.fd, min(_HEADER_CHUNK, end - pos), pos)
                cstart, rel = pos, 0
            if len(chunk) - rel < HEADER_SIZE or chunk[rel + 16] != 2:
                self.walk_error = (pos, f"no batch header at byte {pos}")
                return
            h = BatchHeader.parse(chunk, rel)
            if h.size < HEADER_SIZE or pos + h.size > end:
                self.walk_error = (pos, f"batch at byte {pos} declares {h.size} bytes, {end - pos} left")
                return
            yield pos, h
            pos += h.size

    # -- writing -------------------------------------------------------------------------

    def append(self, buf: bytes | bytearray | memoryview, batches: list[tuple[int, int, int, int]]) -> None:
        """Write `buf` (whole batches) at the end. `batches`: (position in buf, last offset,
        max timestamp, size) per batch, for the indexes."""
        start = self.size
        view = memoryview(buf)
        written = 0
        try:
            while written < len(view):  # a regular file takes it in one go unless the disk fills
                written += os.pwrite(self.fd, view[written:], start + written)
        except OSError:
            os.ftruncate(self.fd, start)  # all-or-nothing
            raise
        self.size = start + len(view)
        if start == 0 and batches:
            self._first_batch_timestamp = batches[0][2]
        for pos, last_offset, max_ts, size in batches:
            self._index_batch(start + pos, last_offset, max_ts, size)
        self.next_offset = batches[-1][1] + 1

    def _note_timestamp(self, max_ts: int, last_offset: int) -> None:
        if max_ts > self.max_timestamp:
            self.max_timestamp = max_ts
            self.offset_of_max_timestamp = last_offset

    def _index_batch(self, pos: int, last_offset: int, max_ts: int, size: int) -> None:
        # Kafka's LogSegment.append: index a batch once more than index.interval.bytes were
        # written since the previous entry; the time index records the max timestamp so far.
        if max_ts > self.max_timestamp:
            self.max_timestamp = max_ts
            self.offset_of_max_timestamp = last_offset
        if self.bytes_since_last_index_entry > self.index_interval_bytes:
            self.index.append(last_offset, pos)
            self.time_index.maybe_append(self.max_timestamp, self.offset_of_max_timestamp)
            self.bytes_since_last_index_entry = 0
        self.bytes_since_last_index_entry += size

    def on_become_inactive(self) -> None:
        """Called at roll and close: the time index gets the segment's final max timestamp."""
        if self.max_timestamp >= 0:
            self.time_index.maybe_append(self.max_timestamp, self.offset_of_max_timestamp)

    # -- reading -------------------------------------------------------------------------

    def first_batch_timestamp(self) -> int | None:
        if self._first_batch_timestamp is None and self.size >= HEADER_SIZE:
            self._first_batch_timestamp = BatchHeader.parse(os.pread(self.fd, HEADER_SIZE, 0)).max_timestamp
        return self._first_batch_timestamp

    def translate_offset(self, offset: int) -> int | None:
        """Position of the first batch whose last offset >= `offset`, or None."""
        _, pos = self.index.lookup(offset)
        size = self.size
        if pos + 27 > size:
            return None  # nothing there (an empty segment is not even opened)
        fd = self.fd
        while pos + 27 <= size:
            base, length, lod = _BASE_LEN_LOD.unpack(os.pread(fd, 27, pos))
            if base + lod >= offset:
                return pos
            if length <= 0:
                return None
            pos += length + LOG_OVERHEAD
        return None

    def read(
        self, offset: int, max_bytes: int, max_offset: int | None, min_one: bool
    ) -> bytes | memoryview | None:
        """Whole batches from the one holding `offset`; None if `offset` is past this segment."""
        pos = self.translate_offset(offset)
        if pos is None:
            return None
        avail = self.size - pos
        want = min(max(max_bytes, HEADER_SIZE), avail)
        chunk = os.pread(self.fd, want, pos)
        n = len(chunk)
        cut = 0
        if max_offset is None or max_offset >= self.next_offset:  # no high watermark inside
            if n == avail and n <= max_bytes:
                return chunk  # the rest of the segment: whole batches by construction
            # Walk headers only from the last indexed batch start inside the chunk, not from pos.
            cut = max(self.index.floor_position(pos + n) - pos, 0)
        while cut + LOG_OVERHEAD <= n:
            base, length = _BASE_LEN.unpack_from(chunk, cut)
            if max_offset is not None and base >= max_offset:
                break
            size = length + LOG_OVERHEAD
            if cut + size > n:
                if cut == 0 and min_one and size <= avail:
                    return os.pread(self.fd, size, pos)
                break
            if cut + size > max_bytes and not (cut == 0 and min_one):
                break
            cut += size
        if cut == n:
            return chunk
        return memoryview(chunk)[:cut]

    def read_at(self, pos: int, size: int) -> bytes:
        return os.pread(self.fd, size, pos)

    # -- truncation, flushing, lifecycle -------------------------------------------------

    def truncate_to(self, offset: int) -> int:
        """Remove every batch whose last offset >= `offset`. Returns bytes removed."""
        pos = self.translate_offset(offset)
        if pos is None:
            return 0
        removed = self.size - pos
        os.ftruncate(self.fd, pos)
        self.size = pos
        self.index.truncate_to(offset)
        self.time_index.truncate_to(offset)
        self.max_timestamp = self.offset_of_max_timestamp = -1
        last_ts = self.time_index.last()
        if last_ts is not None:
            self.max_timestamp, self.offset_of_max_timestamp = last_ts
        self.next_offset = self.index.last()[0] + 1 if len(self.index) else self.base_offset
        if pos == 0:
            self._first_batch_timestamp = None
        self._scan_tail(self.index.last()[1], first_is_indexed=bool(len(self.index)))
        return removed

    def largest_timestamp(self) -> int:
        return self.max_timestamp

    def last_modified_ms(self) -> int:
        # a retention check must not open every segment's file
        st = os.fstat(self._fd) if self._fd >= 0 else os.stat(self.log_path)
        return int(st.st_mtime * 1000)

    def flush(self) -> None:
        if self._fd >= 0:  # never opened here: nothing was written through it in this process
            os.fsync(self._fd)
        self.index.flush()
        self.time_index.flush()

    def dup_fds(self) -> list[int]:
        """Private copies of the file descriptors, for a background fsync that must not race
        with close()."""
        log = [os.dup(self._fd)] if self._fd >= 0 else []
        return [*log, self.index.dup_fd(), self.time_index.dup_fd()]

    def close(self) -> None:
        with self._open_lock:
            self._closed = True
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
        self.index.close()
        self.time_index.close()

    def delete(self) -> None:
        self.close()
        self.log_path.unlink(missing_ok=True)
        self.index.delete()
        self.time_index.delete()
        self.log_path.with_suffix(".txnindex").unlink(missing_ok=True)  # aborted txns (broker/txn/)

    def __repr__(self) -> str:
        return f"LogSegment(base={self.base_offset}, size={self.size}, next_offset={self.next_offset})"
