"""Fetch (key 1), v0–16: serves stored batches as they are, long-polls for MaxWaitMs until
MinBytes are available (woken by appends). v7+ may use incremental fetch sessions (KIP-227,
broker/fetch_sessions.py): a full fetch opens one, later fetches name only changed partitions and
get only partitions with news. v13+ name topics by id (KIP-516);
v0–3 get the batches down-converted to magic 0 (v0–1) or 1 (v2–3) messages, as Kafka's
KafkaApis does for old fetchers (broker/log/legacy.py)."""

from __future__ import annotations

import time
import uuid

from .. import fetch_sessions
from ..acls import CLUSTER, CLUSTER_ACTION, CLUSTER_NAME, READ, TOPIC, allowed
from ..log.legacy import ZstdForOldFetcher, down_convert
from ..log.partition_log import LogClosedError, OffsetOutOfRangeError
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.fetch import KEY, REQUEST, RESPONSE
from ..quotas import FETCH as FETCH_QUOTA
from ..quotas import quotas_of
from ..raft import fetch_handler as raft_fetch
from ..request_context import RequestContext
from ..topic_configs import effective
from ..txn import fetch_view

_ZERO_ID = uuid.UUID(int=0)


def _errored(partition: int, error: int) -> dict:
    """The answer for a partition that cannot be read. Kafka (ReplicaManager.readFromLocalLog's
    error path, FetchResponse.partitionResponse) sends an EMPTY record set with unknown (-1)
    offsets; a null set (size -1) makes librdkafka reject the whole response ("invalid
    MessageSetSize -1") so it never sees the error and never resets its offset."""
    return {
        "partition_index": partition,
        "error_code": error,
        "high_watermark": -1,
        "last_stable_offset": -1,
        "log_start_offset": -1,
        "aborted_transactions": None,
        "records": b"",
    }


def _collect(ctx: RequestContext, req: dict) -> tuple[list[dict], int, bool]:
    """One pass over the requested partitions: (responses, bytes, any_error). A follower
    (replica_id >= 0) reads up to the log end and reports its fetch offset to the leader; a
    consumer reads up to the high watermark, from the leader only."""
    node = ctx.node
    replica = req["replica_id"]
    budget = req["max_bytes"] if req["max_bytes"] > 0 else 0x7FFFFFFF
    total, any_error, out = 0, False, []
    # with an authorizer: followers need CLUSTER_ACTION on the cluster, consumers READ on the topic
    follower_ok = replica < 0 or allowed(ctx, CLUSTER_ACTION, CLUSTER, CLUSTER_NAME)
    for t in req["topics"]:
        parts = []
        may_read = follower_ok and (
            replica >= 0 or t["topic"] is None or allowed(ctx, READ, TOPIC, t["topic"])
        )
        for p in t["partitions"]:
            idx = p["partition"]
            if not may_read:
                any_error = True
                parts.append(_errored(idx, ErrorCode.TOPIC_AUTHORIZATION_FAILED))
                continue
            if t["topic"] is None:  # v13+: a topic id this broker does not know
                any_error = True
                parts.append(_errored(idx, ErrorCode.UNKNOWN_TOPIC_ID))
                continue
            plog = node.partition_log(t["topic"], idx)
            if plog is None:
                any_error = True
                parts.append(_errored(idx, node.missing_partition_error(t["topic"], idx)))
                continue
            if replica >= 0:
                err = node.replicas.follower_fetched(
                    (t["topic"], idx),
                    replica,
                    p["fetch_offset"],
                    p["current_leader_epoch"],
                    p["log_start_offset"],
                )
            else:
                err = (
                    ErrorCode.NONE
                    if node.replicas.leader_state(t["topic"], idx)
                    else ErrorCode.NOT_LEADER_OR_FOLLOWER
                )
            if err != ErrorCode.NONE:
                any_error = True
                parts.append(_errored(idx, err))
                continue
            hw = plog.high_watermark
            lso = fetch_view.last_stable_offset(plog)  # transactions: the first still-open one
            read_committed = replica < 0 and req["isolation_level"] == fetch_view.READ_COMMITTED
            upto = plog.log_end_offset if replica >= 0 else lso if read_committed else hw
            entry = {
                "partition_index": idx,
                "error_code": ErrorCode.NONE,
                "high_watermark": hw,
                "last_stable_offset": lso,
                "log_start_offset": plog.log_start_offset,
                # read_committed: the aborted transactions in what is read (clients drop their records)
                "aborted_transactions": (
                    fetch_view.aborted_transactions(plog, p["fetch_offset"], upto) if read_committed else None
                ),
                "records": b"",
            }
            limit = min(p["partition_max_bytes"], budget - total)
            if limit > 0 or total == 0:
                try:
                    data = plog.read(p["fetch_offset"], max(limit, 0), max_offset=upto, min_one=(total == 0))
                except OffsetOutOfRangeError:
                    any_error = True
                    entry = _errored(idx, ErrorCode.OFFSET_OUT_OF_RANGE)
                    data = b""
                except LogClosedError:  # deleted while this fetch waited
                    any_error = True
                    entry = _errored(idx, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                    data = b""
                except OSError as exc:
                    node.log.error(f"Error while reading {t['topic']}-{idx}: {exc}")
                    any_error = True
                    entry = _errored(idx, ErrorCode.KAFKA_STORAGE_ERROR)
                    data = b""
                if data:
                    entry["records"] = data
                    total += len(data)
            parts.append(entry)
        out.append({"topic": t["topic"], "topic_id": t["topic_id"], "partitions": parts})
    return out, total, any_error


def _normalize(ctx: RequestContext, req: dict) -> None:
    """One request shape for every version: replica id from replica_state (v15+), topic names
    from topic ids (v13+; None where the id is unknown)."""
    if ctx.api_version >= 15:
        req["replica_id"] = (req["replica_state"] or {}).get("replica_id", -1)
    for t in req["topics"]:
        if ctx.api_version >= 13:
            info = ctx.node.metadata.topic_by_id(t["topic_id"])
            t["topic"] = info.name if info is not None else None
        else:
            info = ctx.node.metadata.topics.get(t["topic"])
            t["topic_id"] = info.topic_id if info is not None else _ZERO_ID


def _down_convert(ctx: RequestContext, req: dict, responses: list[dict]) -> None:
    """Fetch v0–3: rewrite the served batches as magic 0 (v0–1) or 1 (v2–3) messages. Refused per
    partition as Kafka refuses it: message.downconversion.enable=false → UNSUPPORTED_VERSION,
    zstd batches → UNSUPPORTED_COMPRESSION_TYPE."""
    magic = 0 if ctx.api_version <= 1 else 1
    node = ctx.node
    asked = {(t["topic"], p["partition"]): p["fetch_offset"] for t in req["topics"] for p in t["partitions"]}
    for t in responses:
        overrides = node.topic_configs.get(t["topic"], {})
        allowed = effective("message.downconversion.enable", overrides, node.broker_settings())
        for i, entry in enumerate(t["partitions"]):
            if entry["error_code"] != ErrorCode.NONE:
                continue
            if not allowed:
                t["partitions"][i] = _errored(entry["partition_index"], ErrorCode.UNSUPPORTED_VERSION)
                continue
            if entry["records"]:
                try:
                    first = asked.get((t["topic"], entry["partition_index"]), 0)
                    entry["records"] = down_convert(entry["records"], magic, first)
                except ZstdForOldFetcher:
                    t["partitions"][i] = _errored(
                        entry["partition_index"], ErrorCode.UNSUPPORTED_COMPRESSION_TYPE
                    )


async def handle(ctx: RequestContext, req: dict) -> dict:
    if ctx.controller_listener:  # KRaft: voters and observers fetch __cluster_metadata-0
        return await raft_fetch.handle(ctx, req)
    _normalize(ctx, req)
    session = fetch_sessions.new_context(
        fetch_sessions.cache_of(ctx.node), ctx.api_version, req, privileged=req["replica_id"] >= 0
    )
    if session.error:  # Kafka's SessionErrorContext: a top-level error, no partitions
        return {"throttle_time_ms": 0, "error_code": session.error, "session_id": 0, "responses": []}
    to_read = {**req, "topics": session.topics_to_read(req)}
    deadline = time.monotonic() + max(req["max_wait_ms"], 0) / 1000
    min_bytes = max(req["min_bytes"], 0)
    while True:
        responses, total, any_error = _collect(ctx, to_read)
        left = deadline - time.monotonic()
        if total >= min_bytes or any_error or left <= 0 or not to_read["topics"]:
            if ctx.api_version <= 3 and req["replica_id"] < 0:
                _down_convert(ctx, req, responses)
            if req["replica_id"] < 0:  # consumer fetch quota (followers have none here)
                ctx.throttle_ms = quotas_of(ctx.node).record(FETCH_QUOTA, ctx.client_id, total)
            session_id, responses = session.respond(req, responses)
            return {
                "throttle_time_ms": ctx.throttle_ms,
                "error_code": ErrorCode.NONE,
                "session_id": session_id,
                "responses": responses,
            }
        await ctx.node.fetch_waiters.wait(
            ((t["topic"], p["partition"]) for t in to_read["topics"] for p in t["partitions"]),
            left,
            follower=req["replica_id"] >= 0,
        )


API = Api(KEY, "Fetch", 0, 16, REQUEST, RESPONSE, handle, on_controller_listener=True)
