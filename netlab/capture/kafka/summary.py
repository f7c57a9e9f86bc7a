"""Turn a dissected Kafka body (scapy packet) into plain data for JSON and the story.

Generic: fields become keys, arrays of structs become lists of dicts, byte blobs become their
length, RECORDS become record counts, tagged fields are dropped. Then a few api-specific keys
that people look for (Metadata ``brokers`` as {node_id, host, port}, JoinGroup ``member_count``).
"""

from __future__ import annotations

from typing import Any

from scapy.packet import Packet

from netlab.capture.kafka.fields import (
    KafkaArrayField,
    KafkaBytesField,
    KafkaRecordsField,
    KafkaTaggedFields,
    KafkaUuidField,
)
from netlab.capture.kafka.records import count_records

ERROR_NAMES = {
    -1: "UNKNOWN_SERVER_ERROR",
    0: "NONE",
    1: "OFFSET_OUT_OF_RANGE",
    2: "CORRUPT_MESSAGE",
    3: "UNKNOWN_TOPIC_OR_PARTITION",
    5: "LEADER_NOT_AVAILABLE",
    6: "NOT_LEADER_OR_FOLLOWER",
    7: "REQUEST_TIMED_OUT",
    8: "BROKER_NOT_AVAILABLE",
    10: "MESSAGE_TOO_LARGE",
    14: "COORDINATOR_LOAD_IN_PROGRESS",
    15: "COORDINATOR_NOT_AVAILABLE",
    16: "NOT_COORDINATOR",
    17: "INVALID_TOPIC_EXCEPTION",
    19: "NOT_ENOUGH_REPLICAS",
    22: "ILLEGAL_GENERATION",
    23: "INCONSISTENT_GROUP_PROTOCOL",
    24: "INVALID_GROUP_ID",
    25: "UNKNOWN_MEMBER_ID",
    26: "INVALID_SESSION_TIMEOUT",
    27: "REBALANCE_IN_PROGRESS",
    29: "TOPIC_AUTHORIZATION_FAILED",
    30: "GROUP_AUTHORIZATION_FAILED",
    35: "UNSUPPORTED_VERSION",
    36: "TOPIC_ALREADY_EXISTS",
    42: "INVALID_REQUEST",
    72: "LISTENER_NOT_FOUND",
    79: "MEMBER_ID_REQUIRED",
    82: "FENCED_INSTANCE_ID",
}


def error_name(code: int) -> str:
    return ERROR_NAMES.get(code, f"error {code}")


def to_data(pkt: Packet) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in pkt.fields_desc:
        if isinstance(f, KafkaTaggedFields):
            continue
        value = pkt.getfieldval(f.name)
        out[f.name] = _value(f, value)
    return out


def _value(f, value):
    if value is None:
        return None
    if isinstance(f, KafkaRecordsField):
        c = count_records(value)
        return {"bytes": len(value), "batches": c.batches, "records": c.records}
    if isinstance(f, KafkaBytesField):
        return {"bytes": len(value)}
    if isinstance(f, KafkaUuidField):
        return bytes(value).hex()
    if isinstance(f, KafkaArrayField):
        if f.is_struct:
            return [to_data(item) for item in value]
        return [_value(f.elem, v) for v in value]
    return value


def enrich(api_key: int, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Add the keys people look for on top of the generic fields."""
    if api_key == 3 and kind == "response":
        data["brokers"] = [
            {
                "node_id": b["node_id"],
                "host": b["host"],
                "port": b["port"],
                **({"rack": b["rack"]} if b.get("rack") else {}),
            }
            for b in data.get("brokers") or []
        ]
    elif api_key == 11 and kind == "response":
        data["member_count"] = len(data.get("members") or [])
    elif api_key == 10 and kind == "response" and "coordinators" not in data:
        data["coordinators"] = [
            {k: data.get(k) for k in ("node_id", "host", "port", "error_code")} | {"key": None}
        ]
    elif api_key == 0 and kind == "request":
        data["record_count"] = sum(
            (p.get("records") or {}).get("records", 0)
            for t in data.get("topic_data") or []
            for p in t.get("partition_data") or []
        )
    elif api_key == 1 and kind == "response":
        data["record_count"] = sum(
            (p.get("records") or {}).get("records", 0)
            for t in data.get("responses") or []
            for p in t.get("partitions") or []
        )
    return data
