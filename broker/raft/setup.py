"""Wiring of KRaft on a node (every node not in ZooKeeper mode): a voter runs the Raft client and a
controller that is active while it leads; a broker learns metadata from `__cluster_metadata-0`.

- The only voter of a quorum of one (the default single node, or a cluster with one controller)
  leads from the start (Kafka's KafkaRaftClient elects an only voter at once). Its controller is
  `node.controller`; its own broker registers in-process and applies each committed batch of
  records as soon as it is committed, which for a quorum of one is when it is written.
- A voter of several elects a leader with Vote; its broker side talks to whichever voter is
  active over the controller listener, as a broker-only node does.
- A broker-only node fetches the log from the leader as an observer (broker_metadata.py).
A node without process.roles (no controller listener) is a quorum of one that nobody dials."""

from __future__ import annotations

import asyncio

from ..cluster.lifecycle import LocalControllerClient
from . import broker_publisher
from .broker_metadata import LogFollowingLifecycle
from .client import RaftClient
from .controller_client import QuorumControllerClient
from .quorum_controller import QuorumController


def _voters(node, config) -> dict[int, tuple[str, int]]:
    if config.voters:
        return dict(config.voters)
    return {node.node_id: ("", -1)}  # no process.roles: its own quorum, never dialled


async def start_quorum(node, config) -> None:
    voters = _voters(node, config)
    voter = node.node_id in voters
    raft = RaftClient(
        node.node_id,
        voters,
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
    if raft.is_only_voter():
        _start_quorum_of_one(node, raft, config)
        return
    if node.is_broker:
        client = QuorumControllerClient(node, config.voters)
        node.replicas.controller_client = client
        node.lifecycle = LogFollowingLifecycle(node, client, raft)
        node.lifecycle.start()
    raft.start()


def _start_quorum_of_one(node, raft: RaftClient, config) -> None:
    qc = node.quorum_controller
    raft.start()  # leads at once: the controller is active when this returns
    assert qc.active, "the only voter leads from the start"
    had_topics = bool(qc.metadata.topics)
    node.controller = qc
    node.metadata.controller_id = node.node_id
    # The node reads what its own voter committed: the controller's replayed image and the delta
    # of each commit (a publisher of its MetadataFollower), not a second replay of the same
    # records; the whole image once now, then each delta (broker_publisher.py).
    broker_publisher.publish_image(node, qc.committed_image.image, node.node_id, raft.high_watermark)

    def apply_committed(image: dict, delta, hw: int) -> None:
        if delta:
            broker_publisher.publish_delta(node, image, delta, node.node_id)

    qc.publishers.append(apply_committed)
    if not node.is_broker:  # a dedicated controller: its image serves the forwarded requests
        return
    node.replicas.controller_client = LocalControllerClient(qc)
    if not had_topics:
        node.adopt_local_topics()
    qc.register_local(
        node.node_id, node.metadata.cluster_id, node.incarnation, node.advertised, config["broker.rack"]
    )
    node.apply_metadata()


async def check_sessions(node) -> None:
    qc = getattr(node, "quorum_controller", None)
    if qc is not None and qc.active:
        qc.check_sessions()


async def stop_quorum(node) -> None:
    raft = getattr(node, "raft", None)
    if raft is not None:
        await raft.close()
        await asyncio.sleep(0)
