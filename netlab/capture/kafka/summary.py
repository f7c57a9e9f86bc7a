"""Turn a dissected Kafka body (scapy packet) into plain data for JSON and the story.

Generic: fields become keys, arrays of structs become lists of dicts, byte blobs become their
length, RECORDS become record counts, tagged fields are dropped. Then a few api-specific keys
that people look for (Metadata ``brokers`` as {node_id, host, port}, JoinGroup ``member_count``).
"""

from __future__ import annotations

from typing import Any

from scapy.packet import Packet

from broker.protocol.errors import ErrorCode
from netlab.capture.kafka.fields import (
    KafkaArrayField,
    KafkaBytesField,
    KafkaRecordsField,
    KafkaTaggedFields,
    KafkaUuidField,
)
from netlab.capture.kafka.records import count_records


def error_name(code: int) -> str:
    """Kafka's name of an error code (the broker's table, broker/protocol/errors.py)."""
    try:
        return ErrorCode(code).name
    except ValueError:
        return f"error {code}"


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
