"""Opening a partition directory: which segments to trust, which to scan, where to cut.

Kafka's LogLoader rules (see docs/storage.md):
- after a clean shutdown, indexes are sanity-checked and only the active segment's tail is scanned;
- after an unclean one, every segment from the one holding the recovery point is rescanned with
  CRC checks and its indexes rebuilt;
- a missing or inconsistent index is rebuilt from its log either way;
- at the first torn, corrupt or out-of-order batch the segment is cut there and every later
  segment is deleted (offsets after a hole cannot be trusted).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from broker.log.index import IndexCorruptError
from broker.log.segment import INDEX_SUFFIX, LOG_SUFFIX, TIMEINDEX_SUFFIX, LogSegment

_LEFTOVERS = ("*.tmp", "*.deleted", "*.cleaned", "*.swap")


def load_segments(
    directory: Path,
    index_interval_bytes: int,
    recovery_point: int,
    clean_shutdown: bool,
    note: Callable[[str], None],
) -> list[LogSegment]:
    """Open every segment of a partition directory; never returns an empty list."""
    for pattern in _LEFTOVERS:
        for leftover in directory.glob(pattern):
            leftover.unlink(missing_ok=True)
    bases = []
    for p in directory.glob("*" + LOG_SUFFIX):
        try:
            bases.append(int(p.stem))
        except ValueError:
            note(f"ignoring {p.name}: not named <base offset>{LOG_SUFFIX}")
    for suffix in (INDEX_SUFFIX, TIMEINDEX_SUFFIX):
        for p in directory.glob("*" + suffix):
            if not (directory / (p.stem + LOG_SUFFIX)).exists():
                p.unlink()  # an index without its log: Kafka deletes these too
    bases.sort()
    segments: list[LogSegment] = []
    cut_at: int | None = None
    for i, base in enumerate(bases):
        seg = LogSegment(directory, base, index_interval_bytes)
        if cut_at is not None:
            note(
                f"deleting segment {seg.log_path.name}: "
                f"it follows a corrupt segment that was truncated to offset {cut_at}"
            )
            seg.delete()
            continue
        next_base = bases[i + 1] if i + 1 < len(bases) else None
        needs_recovery = not clean_shutdown and (next_base is None or next_base > recovery_point)
        if not needs_recovery:
            try:
                cut = seg.load()
                if cut:
                    note(f"{seg.log_path.name}: truncated {cut} bytes of a torn tail at position {seg.size}")
                    if next_base is not None:
                        cut_at = seg.next_offset
            except IndexCorruptError as e:
                note(f"{e}; rebuilding the indexes of {seg.log_path.name}")
                needs_recovery = True
        if needs_recovery:
            cut, why = seg.recover()
            if cut:
                note(
                    f"Found invalid messages in {seg.log_path.name}: {why}; truncating to offset "
                    f"{seg.next_offset} (removed {cut} bytes)"
                )
                cut_at = seg.next_offset
        segments.append(seg)
    if not segments:
        segments.append(LogSegment(directory, 0, index_interval_bytes))
    return segments
