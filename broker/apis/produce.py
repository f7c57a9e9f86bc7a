"""Produce (key 0), v0–10: record batches are validated (CRC, size, producer sequence) and stored
byte-for-byte by the partition's leader (v0–2 may carry magic 0/1 message sets: up-converted to
one v2 batch first, broker/log/legacy.py); acks=0 gets no response, acks=1 an answer after the
append, acks=-1 (all) once the high watermark passes the batch (every ISR member has it):
REQUEST_TIMED_OUT after timeout_ms, NOT_ENOUGH_REPLICAS(_AFTER_APPEND) below min.insync.replicas."""

from __future__ import annotations

from ..acls import TOPIC, WRITE, allowed
from ..log.batch import CorruptRecordError
from ..log.legacy import magic_of, up_convert
from ..log.records import UnsupportedCompression
from ..protocol.api import Api, CloseConnection
from ..protocol.errors import ErrorCode
from ..protocol.messages.produce import KEY, REQUEST, RESPONSE
from ..quotas import PRODUCE as PRODUCE_QUOTA
from ..quotas import quotas_of
from ..request_context import RequestContext
from ..topics import INTERNAL_TOPICS


def _format_error(version: int, records) -> tuple[ErrorCode, str | None] | None:
    """Kafka's ProduceRequest.validateRecords: v3+ carry exactly magic 2; ZStandard needs v7+."""
    magic = magic_of(records)
    if version >= 3 and magic != 2:
        return (
            ErrorCode.INVALID_RECORD,
            f"Produce requests with version {version} are only allowed to contain record batches with "
            "magic version 2",
        )
    if version < 7 and magic == 2 and len(records) > 22 and records[22] & 0x07 == 4:
        return (
            ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
            f"Produce requests with version {version} are not allowed to use ZStandard compression",
        )
    return None


def _upconverted(records) -> tuple[ErrorCode, str | None, bytes | None]:
    """A v0–2 message set of magic 0/1 as one v2 batch (Kafka's LogValidator converts too)."""
    try:
        return ErrorCode.NONE, None, up_convert(records)
    except UnsupportedCompression as exc:
        return ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, str(exc), None
    except CorruptRecordError as exc:
        return ErrorCode.CORRUPT_MESSAGE, str(exc), None


def _single_batch(records) -> bool:
    """True when the bytes hold one batch: its length field (offset 8) covers the rest exactly,
    or the data is too short to tell (the log's validation then answers CORRUPT_MESSAGE)."""
    if len(records) < 12:
        return True
    return 12 + int.from_bytes(records[8:12], "big", signed=True) >= len(records)


async def handle(ctx: RequestContext, req: dict) -> dict | None:
    node, acks = ctx.node, req["acks"]
    if acks not in (0, 1, -1):
        code, message = ErrorCode.INVALID_REQUIRED_ACKS, f"acks must be 0, 1 or -1, not {acks}"
    else:
        code, message = ErrorCode.NONE, None
    responses = []
    for topic in req["topic_data"]:
        parts = []
        for p in topic["partition_data"]:
            if code != ErrorCode.NONE:
                parts.append(
                    {"index": p["index"], "error_code": code, "base_offset": -1, "error_message": message}
                )
                continue
            records = p["records"]
            if records is None or len(records) == 0:
                res_code, res = ErrorCode.CORRUPT_MESSAGE, None
                parts.append(
                    {
                        "index": p["index"],
                        "error_code": res_code,
                        "base_offset": -1,
                        "error_message": "no records",
                    }
                )
                continue
            if not allowed(ctx, WRITE, TOPIC, topic["name"]):
                parts.append(
                    {
                        "index": p["index"],
                        "error_code": ErrorCode.TOPIC_AUTHORIZATION_FAILED,
                        "base_offset": -1,
                        "error_message": None,
                    }
                )
                continue
            if topic["name"] in INTERNAL_TOPICS:  # clients never write there; the coordinators do
                parts.append(
                    {
                        "index": p["index"],
                        "error_code": ErrorCode.INVALID_TOPIC_EXCEPTION,
                        "base_offset": -1,
                        "error_message": f"Cannot append to internal topic {topic['name']}",
                    }
                )
                continue
            bad = _format_error(ctx.api_version, records)
            if bad is None and ctx.api_version < 3 and magic_of(records) < 2:
                code_, msg_, converted = _upconverted(records)
                bad = (code_, msg_) if converted is None else None
                records = converted if converted is not None else records
            if bad is not None:
                parts.append(
                    {"index": p["index"], "error_code": bad[0], "base_offset": -1, "error_message": bad[1]}
                )
                continue
            if not _single_batch(records):  # Kafka (v3+): exactly one batch per partition
                parts.append(
                    {
                        "index": p["index"],
                        "error_code": ErrorCode.INVALID_RECORD,
                        "base_offset": -1,
                        "error_message": f"Produce requests with version {ctx.api_version} must have exactly "
                        f"one record batch per partition",
                    }
                )
                continue
            res = node.append(topic["name"], p["index"], records, acks)
            if acks == -1 and res.error == ErrorCode.NONE:  # wait for the ISR (the high watermark)
                res.error = await node.replicas.wait_committed(
                    topic["name"],
                    p["index"],
                    res.next_offset,
                    req["timeout_ms"],
                    node.min_insync(topic["name"]),
                )
                if res.error != ErrorCode.NONE:
                    res.base_offset = -1
            parts.append(
                {
                    "index": p["index"],
                    "error_code": res.error,
                    "base_offset": res.base_offset,
                    "log_append_time_ms": res.log_append_time,
                    "log_start_offset": res.log_start_offset,
                    "error_message": res.message,
                }
            )
            if res.error != ErrorCode.NONE:
                node.log.debug(
                    f"Produce to {topic['name']}-{p['index']} from {ctx.client_id} failed: "
                    f"{res.error.name} {res.message or ''}"
                )
        responses.append({"name": topic["name"], "partition_responses": parts})
    # client produce quota: the request's bytes; over it, throttle_time_ms and a muted channel
    ctx.throttle_ms = quotas_of(node).record(PRODUCE_QUOTA, ctx.client_id, ctx.request_size)
    if acks == 0:  # the client expects no response at all; on an error Kafka closes the connection
        failed = [
            (t["name"], p["index"], p["error_code"])
            for t in responses
            for p in t["partition_responses"]
            if p["error_code"] != ErrorCode.NONE
        ]
        if failed:
            raise CloseConnection(
                "acks=0 produce failed for "
                + ", ".join(f"{t}-{i}: {ErrorCode(c).name}" for t, i, c in failed)
            )
        return None
    return {"responses": responses, "throttle_time_ms": ctx.throttle_ms}


API = Api(KEY, "Produce", 0, 10, REQUEST, RESPONSE, handle)
