"""Metadata (key 3), v0–12: brokers and partition leaders as seen from the request's listener."""

from __future__ import annotations

import uuid

from ..acls import CLUSTER, CLUSTER_NAME, CREATE, DESCRIBE, TOPIC, allowed
from ..group import coordinator_of
from ..group.partitioning import OFFSETS_TOPIC
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.metadata import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..topics import topic_name_error


def _topic_answer(ctx: RequestContext, info, version: int) -> dict:
    md = ctx.node.metadata
    listener_brokers = {nid for nid, _, _ in md.brokers_for_listener(ctx.listener)}
    missing = ErrorCode.LISTENER_NOT_FOUND if version >= 6 else ErrorCode.LEADER_NOT_AVAILABLE
    parts = []
    for p in sorted(info.partitions.values(), key=lambda p: p.index):
        alive = p.leader in md.brokers  # fenced or offline (-1): no leader to send to
        has = alive and p.leader in listener_brokers
        code = ErrorCode.NONE if has else (missing if alive else ErrorCode.LEADER_NOT_AVAILABLE)
        parts.append(
            {
                "error_code": code,
                "partition_index": p.index,
                "leader_id": p.leader if has else -1,
                "leader_epoch": p.leader_epoch,
                "replica_nodes": p.replicas,
                "isr_nodes": p.isr,
                "offline_replicas": [r for r in p.replicas if r not in md.brokers],
            }
        )
    return {
        "error_code": ErrorCode.NONE,
        "name": info.name,
        "topic_id": info.topic_id,
        "is_internal": info.internal,
        "partitions": parts,
    }


def _error_topic(name, code: ErrorCode, topic_id=None) -> dict:
    return {"error_code": code, "name": name, "topic_id": topic_id or uuid.UUID(int=0), "partitions": []}


async def handle(ctx: RequestContext, req: dict) -> dict:
    node, version = ctx.node, ctx.api_version
    md = node.metadata
    requested = req["topics"]
    if requested is None or (version == 0 and not requested):
        topics = [  # with an authorizer: the topics this client may DESCRIBE (KafkaApis)
            _topic_answer(ctx, t, version)
            for t in sorted(md.topics.values(), key=lambda t: t.name)
            if allowed(ctx, DESCRIBE, TOPIC, t.name)
        ]
    else:
        topics = []
        auto = req["allow_auto_topic_creation"] and node.config["auto.create.topics.enable"]
        for t in requested:
            name = t["name"]
            if name is None:  # v10+: by topic id
                info = md.topic_by_id(t["topic_id"])
                topics.append(
                    _topic_answer(ctx, info, version)
                    if info
                    else _error_topic(None, ErrorCode.UNKNOWN_TOPIC_ID, t["topic_id"])
                )
                continue
            info = md.topics.get(name)
            # not DESCRIBE-able (or not creatable when unknown): TOPIC_AUTHORIZATION_FAILED, so
            # an unauthorized client cannot tell whether the topic exists
            if not allowed(ctx, DESCRIBE, TOPIC, name) or (
                info is None
                and auto
                and not allowed(ctx, CREATE, CLUSTER, CLUSTER_NAME)
                and not allowed(ctx, CREATE, TOPIC, name)
            ):
                topics.append(_error_topic(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED))
                continue
            if info is None and topic_name_error(name):
                topics.append(_error_topic(name, ErrorCode.INVALID_TOPIC_EXCEPTION))
                continue
            if info is None and auto and name == OFFSETS_TOPIC:  # offsets.topic.* settings apply
                coordinator_of(node).topic.create()
                info = md.topics.get(name)
                if info is None:
                    topics.append(_error_topic(name, ErrorCode.LEADER_NOT_AVAILABLE))
                    continue
            elif info is None and auto:
                err, _, info = node.topic_admin.create(name, -1, -1)
                if info is None:
                    topics.append(_error_topic(name, err))
                    continue
            topics.append(
                _topic_answer(ctx, info, version)
                if info
                else _error_topic(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
            )
    brokers = [
        {"node_id": nid, "host": ep.host, "port": ep.port, "rack": rack}
        for nid, ep, rack in md.brokers_for_listener(ctx.listener)
    ]
    return {
        "throttle_time_ms": 0,
        "brokers": brokers,
        "cluster_id": md.cluster_id,
        "controller_id": md.client_controller_id(),
        "topics": topics,
    }


API = Api(KEY, "Metadata", 0, 12, REQUEST, RESPONSE, handle)
