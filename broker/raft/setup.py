"""Wiring for a multi-voter quorum (controller.quorum.voters with more than one entry): a voter
runs the Raft client and a standby controller; a node with the broker role registers with the
active controller over the controller listener like any broker (Kafka's combined nodes do too)."""

from __future__ import annotations

import asyncio

from .broker_metadata import LogFollowingLifecycle
from .client import RaftClient
from .controller_client import QuorumControllerClient
from .quorum_controller import QuorumController


def is_multi_voter(config) -> bool:
    return len(config.voters) > 1


async def start_quorum(node, config) -> None:
    voter = node.node_id in config.voters
    raft = RaftClient(
        node.node_id,
        dict(config.voters),
        node.metadata.cluster_id,
        config.metadata_log_dir,
        node.log_config,
        config,
        is_voter=voter,
    )
    node.raft = raft
    if voter:
        node.quorum_controller = QuorumController(
            node.node_id, node.metadata.cluster_id, raft, config["broker.session.timeout.ms"], config
        )
    if node.is_broker:
        client = QuorumControllerClient(node, config.voters)
        node.replicas.controller_client = client
        node.lifecycle = LogFollowingLifecycle(node, client, raft)
        node.lifecycle.start()
    raft.start()


async def check_sessions(node) -> None:
    qc = getattr(node, "quorum_controller", None)
    if qc is not None and qc.active:
        qc.check_sessions()


async def stop_quorum(node) -> None:
    raft = getattr(node, "raft", None)
    if raft is not None:
        await raft.close()
        await asyncio.sleep(0)
