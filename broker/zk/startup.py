"""ZooKeeper mode in the broker's start-up, in Kafka's order (KafkaServer.startup): connect to
ZooKeeper (bounded; fatal on time-out), learn the cluster and broker ids, open the logs and bind
the listeners (the caller), then register and run for controller (`attach`)."""

from __future__ import annotations

from ..config import KafkaConfig
from .broker import ZkBroker
from .identity import resolve
from .session import ZkSession


async def connect(config: KafkaConfig) -> ZkSession:
    """The session with ids resolved into `config`; raises Kafka's exceptions on failure."""
    session = ZkSession(
        config["zookeeper.connect"],
        config["zookeeper.session.timeout.ms"],
        config["zookeeper.connection.timeout.ms"],
        config["zookeeper.max.in.flight.requests"],
    )
    await session.start()
    try:
        await resolve(session, config)
    except Exception:
        await session.close()
        raise
    return session


async def attach(node, session: ZkSession) -> ZkBroker:
    zkb = ZkBroker(node, session)
    node.zk = zkb
    node.replicas.controller_client = zkb  # ISR changes go to ZooKeeper
    await zkb.start()
    return zkb
