"""A broker configured with `controller.quorum.bootstrap.servers` only (no voters listed) learns
the voters from one of those controllers before it starts: DescribeCluster with endpoint type
CONTROLLER (KIP-919) answers each voter's id and controller endpoint. (Kafka's brokers learn them
from the leader's Fetch answers, KIP-853; the result — which voters to reach — is the same.)
Until one bootstrap server answers, it retries, logging Kafka's connection failures."""

from __future__ import annotations

import asyncio

from ..apis import describe_cluster
from ..cluster.channel import NodeChannel
from ..cluster.errors import ChannelError
from ..log4j import logger

RETRY_S = 1.0


def _parse(entry: str) -> tuple[str, int]:
    host, _, port = entry.strip().rpartition(":")
    return host.strip("[]"), int(port)


async def discover_voters(node_id: int, bootstrap: list[str]) -> dict[int, tuple[str, int]]:
    net_log = logger("org.apache.kafka.clients.NetworkClient", f"[RaftManager id={node_id}]")
    log = logger("kafka.server.BrokerLifecycleManager", f"[BrokerLifecycleManager id={node_id}]")
    servers = [_parse(e) for e in bootstrap if e.strip()]
    # Kafka names bootstrap servers by negative ids (-2, -3, ...) until it knows their node ids
    channels = [
        NodeChannel(net_log, -2 - i, h, p, f"raft-client-{node_id}") for i, (h, p) in enumerate(servers)
    ]
    try:
        while True:
            for ch in channels:
                try:
                    resp = await ch.request(
                        describe_cluster.API,
                        1,
                        {"include_cluster_authorized_operations": False, "endpoint_type": 2},
                        5.0,
                    )
                except ChannelError:
                    continue
                if resp["error_code"] == 0 and resp["brokers"]:
                    voters = {b["broker_id"]: (b["host"], b["port"]) for b in resp["brokers"]}
                    log.info(
                        "Learnt the controller quorum from controller.quorum.bootstrap.servers: "
                        + ",".join(f"{i}@{h}:{p}" for i, (h, p) in sorted(voters.items()))
                    )
                    return voters
            await asyncio.sleep(RETRY_S)
    finally:
        for ch in channels:
            ch.close()
