"""Who this broker is in ZooKeeper mode, decided before its logs are opened (Kafka's
KafkaServer.startup order): the cluster id from /cluster/id (created if absent), the broker id
from the config, else from meta.properties, else generated from /brokers/seqid.

Auto ids (broker.id unset, broker.id.generation.enable=true) are reserved.broker.max.id + the new
data version of /brokers/seqid: 1001, 1002, ... with the default 1000, never -1. The id is then
kept in meta.properties, so a restarted broker keeps it."""

from __future__ import annotations

import uuid
from pathlib import Path

from kazoo.exceptions import NodeExistsError, NoNodeError

from ..config import KafkaConfig
from ..log import checkpoints as ckpt
from . import znodes
from .session import ZkSession


class InconsistentClusterIdException(Exception):
    java_class = "kafka.common.InconsistentClusterIdException"


class InconsistentBrokerIdException(Exception):
    java_class = "kafka.common.InconsistentBrokerIdException"


def _stored(log_dirs: list[Path]) -> tuple[int | None, str | None]:
    broker_id = cluster_id = None
    for d in log_dirs:
        try:
            props = ckpt.read_properties(d / ckpt.META_PROPERTIES)
        except ckpt.CheckpointError:
            continue  # the log manager reports an unreadable file with its own words
        if not props:
            continue
        found = props.get("broker.id", props.get("node.id"))
        if found is not None and broker_id is None:
            broker_id = int(found)
        cluster_id = cluster_id or props.get("cluster.id")
    return broker_id, cluster_id


def _ensure_paths(session: ZkSession) -> None:
    for path in znodes.PERSISTENT_PATHS:
        session.client.ensure_path(path)


def _cluster_id(session: ZkSession, wanted: str | None) -> str:
    c = session.client
    try:
        return znodes.decode_cluster_id(c.get(znodes.CLUSTER_ID)[0])
    except NoNodeError:
        pass
    new = wanted or znodes.kafka_uuid(uuid.uuid4())
    try:
        c.create(znodes.CLUSTER_ID, znodes.encode_cluster_id(new), makepath=True)
        return new
    except NodeExistsError:  # another broker made it first
        return znodes.decode_cluster_id(c.get(znodes.CLUSTER_ID)[0])


def _next_broker_id(session: ZkSession, reserved_max: int) -> int:
    """KafkaZkClient.generateBrokerSequenceId: an unconditional setData bumps the data version."""
    stat = session.client.set(znodes.BROKER_SEQID, b"", version=-1)
    return reserved_max + stat.version


def resolve_blocking(session: ZkSession, config: KafkaConfig) -> tuple[int, str]:
    _ensure_paths(session)
    cluster_id = _cluster_id(session, config["cluster.id"])
    stored_id, stored_cluster = _stored(config.log_dirs)
    if stored_cluster is not None and stored_cluster != cluster_id:
        raise InconsistentClusterIdException(
            f"The Cluster ID {cluster_id} doesn't match stored clusterId Some({stored_cluster}) in "
            "meta.properties. The broker is trying to join the wrong cluster. Configured zookeeper.connect "
            "may be wrong."
        )
    configured = config.node_id
    if configured >= 0:
        if stored_id is not None and stored_id != configured:
            raise InconsistentBrokerIdException(
                f"Configured broker.id {configured} doesn't match stored broker.id Some({stored_id}) in "
                "meta.properties. If you moved your data, make sure your configured broker.id matches. If "
                "you intend to create a new broker, you should remove all data in your data directories "
                "(log.dirs)."
            )
        return configured, cluster_id
    if stored_id is not None:
        return stored_id, cluster_id
    if not config["broker.id.generation.enable"]:
        raise InconsistentBrokerIdException(
            "broker.id is not set and broker.id.generation.enable is false: set broker.id"
        )
    return _next_broker_id(session, config["reserved.broker.max.id"]), cluster_id


async def resolve(session: ZkSession, config: KafkaConfig) -> tuple[int, str]:
    """(broker id, cluster id); the config is updated to carry both (node.id = broker.id)."""
    broker_id, cluster_id = await session.call(resolve_blocking, session, config)
    config.node_id = broker_id
    config.values["broker.id"] = config.values["node.id"] = broker_id
    config.values["cluster.id"] = cluster_id
    return broker_id, cluster_id
