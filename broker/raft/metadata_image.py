"""The cluster image in a `__cluster_metadata-0` directory, read from its segment files without
opening the log (so another process may be writing it): every whole batch is replayed, control
batches skipped, a torn last batch ignored. For tools and tests that inspect a controller's state
from outside (Kafka's kafka-metadata-shell reads the log the same way)."""

from __future__ import annotations

from pathlib import Path

from ..log.batch import CorruptRecordError, iter_batches
from ..log.records import iter_records
from . import state_codec
from .metadata_log import CONTROL_ATTRIBUTE

MAX_SEGMENT_BYTES = 1 << 30  # a bound on what one read takes in


def read_image(partition_dir: Path, cluster_id: str = "") -> tuple[dict, int]:
    """(image, the offset after the last record replayed)."""
    image, end = state_codec.empty_image(cluster_id), 0
    for seg in sorted(partition_dir.glob("*.log")):
        with seg.open("rb") as f:
            data = f.read(MAX_SEGMENT_BYTES)
        try:
            for h, blob in iter_batches(data, verify_crc=False):
                if not h.attributes & CONTROL_ATTRIBUTE:
                    for r in iter_records(blob, h):
                        if r.value is not None:
                            state_codec.replay(image, bytes(r.value))
                end = h.last_offset + 1
        except CorruptRecordError:  # a batch being written right now: the next read has it
            break
    return image, end


def read_state(partition_dir: Path) -> dict:
    """The image as brokers see it (state_codec.to_snapshot's shape: brokers, topics)."""
    image, end = read_image(partition_dir)
    return state_codec.to_snapshot(image, -1, end)
