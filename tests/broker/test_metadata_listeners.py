"""Metadata answers per listener from the cluster view (kafka.md "What clients are told"). A second
broker without the request's listener is left out, and partitions it leads get leader -1 with
LISTENER_NOT_FOUND (v6+) or LEADER_NOT_AVAILABLE (v5 and older)."""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace

import pytest

from broker.apis import metadata
from broker.cluster.metadata import BrokerEndpoint, BrokerInfo, ClusterMetadata, PartitionInfo, TopicInfo
from broker.request_context import RequestContext


def _node():
    md = ClusterMetadata("cid", controller_id=1)
    md.register_broker(
        BrokerInfo(
            1, {"INTERNAL": BrokerEndpoint("broker-1", 29092), "EXTERNAL": BrokerEndpoint("localhost", 9092)}
        )
    )
    md.register_broker(BrokerInfo(2, {"INTERNAL": BrokerEndpoint("broker-2", 29092)}))
    md.put_topic(
        TopicInfo(
            "t",
            uuid.uuid4(),
            {0: PartitionInfo(0, 1, 0, [1, 2], [1, 2]), 1: PartitionInfo(1, 2, 4, [2, 1], [2, 1])},
        )
    )
    return SimpleNamespace(metadata=md, config=_Config({"auto.create.topics.enable": False}), acls=[])


class _Config(dict):
    """Settings by name, like KafkaConfig; `raw` (the given properties) names no authorizer."""

    raw: dict = {}


def _ask(listener: str, version: int) -> dict:
    ctx = RequestContext(_node(), listener, "test", 1, version, "127.0.0.1:1")
    req = {"topics": None, "allow_auto_topic_creation": False}
    return asyncio.run(metadata.handle(ctx, req))


def test_internal_listener_sees_both_brokers():
    r = _ask("INTERNAL", 9)
    assert [(b["node_id"], b["host"], b["port"]) for b in r["brokers"]] == [
        (1, "broker-1", 29092),
        (2, "broker-2", 29092),
    ]
    assert [(p["leader_id"], p["error_code"]) for p in r["topics"][0]["partitions"]] == [(1, 0), (2, 0)]


@pytest.mark.parametrize("version,code", [(6, 72), (12, 72), (5, 5), (0, 5)])
def test_external_listener_leader_without_listener(version, code):
    r = _ask("EXTERNAL", version)
    assert [(b["node_id"], b["host"]) for b in r["brokers"]] == [(1, "localhost")]
    parts = r["topics"][0]["partitions"]
    assert (parts[0]["leader_id"], parts[0]["error_code"]) == (1, 0)
    assert (parts[1]["leader_id"], parts[1]["error_code"]) == (-1, code)
    assert metadata.RESPONSE.to_bytes(r, version)  # and it encodes at that version
