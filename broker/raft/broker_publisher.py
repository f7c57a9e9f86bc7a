"""How a KRaft broker applies the metadata it replayed from `__cluster_metadata-0` (Kafka's
BrokerMetadataPublisher.onMetadataUpdate): the whole image once, when it first catches up; after
that only the delta of each new batch of committed records, in time proportional to the change:

1. the metadata view that Metadata, DescribeCluster and the coordinators answer from takes the
   touched brokers and topics (KRaftMetadataCache.setImage, first, so clients see the change even
   before the new partitions' directories are made; a produce meanwhile is answered
   NOT_LEADER_OR_FOLLOWER, which clients retry);
2. the replicas of the touched topics: new logs, leader/follower state, deleted logs
   (ReplicaManager.applyDelta, which logs `Transitioning N partition(s) to local leaders.` and
   `... to local followers.` for the delta's partitions hosted here, on state.change.logger).
"""

from __future__ import annotations

import asyncio

from ..acls import binding_from_json
from ..cluster.metadata import BrokerEndpoint, BrokerInfo
from ..cluster.snapshot import topic_from_json
from ..log4j import logger
from ..scram_credentials import copy_table
from . import state_codec
from .metadata_delta import MetadataDelta


def publish_image(node, image: dict, controller_id: int, offset: int) -> None:
    """The first publication: everything the image holds replaces the node's view."""
    node.apply_snapshot(state_codec.to_snapshot(image, controller_id, offset))


def update_cache(node, image: dict, delta: MetadataDelta, controller_id: int) -> None:
    """Step 1: the touched brokers, topics, configs, ACLs, client quotas and SCRAM credentials into the node's
    metadata view."""
    md = node.metadata
    md.controller_id = controller_id
    if delta.brokers:
        md.brokers = {
            r["id"]: BrokerInfo(
                r["id"], {k: BrokerEndpoint(h, p) for k, (h, p) in r["endpoints"].items()}, r["rack"]
            )
            for _, r in sorted(image["registrations"].items())
            if not r["fenced"]
        }
    for name in delta.topic_names():
        d = image["topics"].get(name)
        if d is None:
            md.remove_topic(name)
            node.topic_configs.pop(name, None)
            continue
        topic, configs = topic_from_json(d)
        md.put_topic(topic)
        node.topic_configs[name] = configs
    if delta.broker_configs:
        node.broker_configs = {k: dict(v) for k, v in image.get("broker_configs", {}).items()}
    if delta.acls:
        node.acls = [binding_from_json(b) for _, b in sorted(image.get("acls", {}).items())]
    if delta.client_quotas:
        node.client_quotas = {k: dict(v) for k, v in image.get("client_quotas", {}).items()}
    if delta.scram_credentials:
        node.scram_credentials = copy_table(image.get("scram_credentials", {}))


def new_logs(node, image: dict, delta: MetadataDelta) -> list:
    """The partitions of the touched topics that this node replicates and has no log for yet."""
    touched = [image["topics"][n] for n in sorted(delta.topics) if n in image["topics"]]
    return node.logs_to_make({"topics": touched})


def apply_replicas(node, delta: MetadataDelta) -> None:
    """Step 2: the touched topics' local replicas (and the logs of removed topics go)."""
    leaders = followers = 0
    me = node.node_id
    for name, parts in delta.topics.items():
        info = node.metadata.topics.get(name)
        if info is None:
            continue
        for index in parts:
            p = info.partitions.get(index)
            if p is not None and me in p.replicas:
                if p.leader == me:
                    leaders += 1
                else:
                    followers += 1
    log = logger("state.change.logger", f"[Broker id={me}]")
    if leaders:
        log.info(f"Transitioning {leaders} partition(s) to local leaders.")
    if followers:
        log.info(f"Transitioning {followers} partition(s) to local followers.")
    node.apply_metadata(topics=delta.topic_names())


def publish_delta(node, image: dict, delta: MetadataDelta, controller_id: int) -> None:
    """Both steps at once, for a node whose new logs are made in line (the only voter's broker,
    whose CreateTopics made its own logs beforehand in a worker thread)."""
    update_cache(node, image, delta, controller_id)
    apply_replicas(node, delta)


async def publish_delta_async(node, image: dict, delta: MetadataDelta, controller_id: int) -> None:
    """Both steps, the new partitions' directories and files made in a worker thread between
    them (thousands of mkdirs and fsyncs must not stall the event loop)."""
    update_cache(node, image, delta, controller_id)
    todo = new_logs(node, image, delta)
    if todo:
        await asyncio.get_running_loop().run_in_executor(None, node.make_logs, todo)
    apply_replicas(node, delta)
