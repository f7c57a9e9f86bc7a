"""The consumer protocol's subscription and assignment bytes (what clients put in JoinGroup
metadata and SyncGroup assignments). The coordinator never reads them; tools do, for display."""

from __future__ import annotations

from ..protocol.types import DecodeError, Reader


def decode_subscription(data: bytes) -> dict | None:
    """{version, topics} or None if not the consumer protocol."""
    try:
        r = Reader(data)
        version = r.int16()
        topics = [r.string(False) for _ in range(r.array_len(False))]
        return {"version": version, "topics": topics}
    except (DecodeError, ValueError):
        return None


def decode_assignment(data: bytes) -> dict[str, list[int]] | None:
    """{topic: [partitions]} or None if empty or not the consumer protocol."""
    if not data:
        return {}
    try:
        r = Reader(data)
        r.int16()  # version
        out: dict[str, list[int]] = {}
        for _ in range(r.array_len(False)):
            topic = r.string(False) or ""
            out[topic] = sorted(r.int32() for _ in range(r.array_len(False)))
        return out
    except (DecodeError, ValueError):
        return None
