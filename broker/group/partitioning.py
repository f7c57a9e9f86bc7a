"""Which `__consumer_offsets` partition holds a group: abs(javaStringHashCode(group)) % N.

Kafka's Utils.abs maps Integer.MIN_VALUE to 0 (not to itself, as Math.abs would)."""

from __future__ import annotations

OFFSETS_TOPIC = "__consumer_offsets"
DEFAULT_NUM_PARTITIONS = 50


def java_string_hash(s: str) -> int:
    """String.hashCode(): s[0]*31^(n-1) + ... over UTF-16 code units, wrapped to a signed int32."""
    h = 0
    data = s.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def kafka_abs(n: int) -> int:
    return 0 if n == -(1 << 31) else abs(n)


def partition_for(group_id: str, num_partitions: int = DEFAULT_NUM_PARTITIONS) -> int:
    if num_partitions < 1:
        raise ValueError(f"offsets.topic.num.partitions must be at least 1, not {num_partitions}")
    return kafka_abs(java_string_hash(group_id)) % num_partitions
