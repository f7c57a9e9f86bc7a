"""CreateTopics (key 19), v0–7."""

from __future__ import annotations

from ..acls import CLUSTER, CLUSTER_NAME, CREATE, TOPIC, allowed
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.create_topics import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..topic_configs import describe as describe_topic_configs


async def _create(ctx: RequestContext, t: dict, validate_only: bool) -> dict:
    node = ctx.node
    parts, rf = t["num_partitions"], t["replication_factor"]
    if t["assignments"]:
        if parts != -1 or rf != -1:
            return {
                "name": t["name"],
                "error_code": ErrorCode.INVALID_REQUEST,
                "error_message": "Both numPartitions or replicationFactor and replicasAssignments were set. "
                "Both cannot be used at the same time.",
            }
        parts = len(t["assignments"])
        rf = len(t["assignments"][0]["broker_ids"])
        if any(set(a["broker_ids"]) - set(node.metadata.brokers) for a in t["assignments"]):
            return {
                "name": t["name"],
                "error_code": ErrorCode.INVALID_REPLICATION_FACTOR,
                "error_message": "Replica assignment names a broker that is not registered.",
            }
    configs = {c["name"]: c["value"] for c in t["configs"]}
    assignments = [
        a["broker_ids"] for a in sorted(t["assignments"], key=lambda a: a["partition_index"])
    ] or None
    if node.controller is None:  # a broker-only node forwards it to the controller, as Kafka does
        err, msg, info = node.topic_admin.create(
            t["name"],
            parts if parts != -1 else node.config["num.partitions"],
            rf if rf != -1 else node.config["default.replication.factor"],
            configs,
            validate_only=True,
        )
        if err == ErrorCode.NONE and not validate_only:
            err, msg, info = await node.topic_admin.create_forwarded(
                t["name"],
                parts if parts != -1 else node.config["num.partitions"],
                rf if rf != -1 else node.config["default.replication.factor"],
                configs,
                assignments,
                timeout_s=max(t.get("timeout_ms", 0), 0) / 1000 or 10.0,
            )
    else:
        err, msg, info = await node.topic_admin.create_async(
            t["name"], parts, rf, configs, validate_only, assignments=assignments
        )
    out = {"name": t["name"], "error_code": err, "error_message": msg}
    if err == ErrorCode.NONE:
        out.update(
            num_partitions=parts if parts != -1 else node.config["num.partitions"],
            replication_factor=rf if rf != -1 else node.config["default.replication.factor"],
            configs=describe_topic_configs(configs, node.broker_settings()),  # as Kafka answers v5+
        )
        if info is not None:
            out["topic_id"] = info.topic_id
    return out


# Kafka's ReplicationControlManager.MAX_PARTITIONS_PER_BATCH (QuorumController's
# MAX_RECORDS_PER_USER_OP is the same 10,000): one request may create at most this many partitions.
MAX_PARTITIONS_PER_REQUEST = 10_000


def _requested_partitions(t: dict, default: int) -> int:
    """What validateTotalNumberOfPartitions counts for one topic."""
    if t["assignments"]:
        return len(t["assignments"])
    if t["num_partitions"] == -1:
        return default
    return max(t["num_partitions"], 0)


async def handle(ctx: RequestContext, req: dict) -> dict:
    names = [t["name"] for t in req["topics"]]
    default = ctx.node.config["num.partitions"]
    if sum(_requested_partitions(t, default) for t in req["topics"]) > MAX_PARTITIONS_PER_REQUEST:
        # Kafka throws PolicyViolationException for the whole request: every topic gets it
        return {
            "throttle_time_ms": 0,
            "topics": [
                {
                    "name": n,
                    "error_code": ErrorCode.POLICY_VIOLATION,
                    "error_message": "Excessively large number of partitions per request.",
                }
                for n in names
            ],
        }
    results = []
    for t in req["topics"]:
        if names.count(t["name"]) > 1:
            results.append(
                {
                    "name": t["name"],
                    "error_code": ErrorCode.INVALID_REQUEST,
                    "error_message": f"Create topics request from client `{ctx.client_id}` contains multiple "
                    f"entries for the following topics: {t['name']}",
                }
            )
            continue
        if not allowed(ctx, CREATE, CLUSTER, CLUSTER_NAME) and not allowed(ctx, CREATE, TOPIC, t["name"]):
            results.append(
                {
                    "name": t["name"],
                    "error_code": ErrorCode.TOPIC_AUTHORIZATION_FAILED,
                    "error_message": "Authorization failed.",
                }
            )
            continue
        t["timeout_ms"] = req["timeout_ms"]
        results.append(await _create(ctx, t, req["validate_only"]))
    return {"throttle_time_ms": 0, "topics": results}


API = Api(KEY, "CreateTopics", 0, 7, REQUEST, RESPONSE, handle)
