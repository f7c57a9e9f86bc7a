"""The ZooKeeper-mode controller's requests to the brokers (Kafka's ControllerChannelManager and
ControllerBrokerRequestBatch, reduced): LeaderAndIsr (key 4) and UpdateMetadata (key 6) to every
live broker, itself included, at that broker's advertised endpoint for
inter.broker.listener.name, one sender per broker (Kafka's RequestSendThread).

Where a broker cannot be reached, Kafka's two lines are logged (first attempts, then every 10th)
and the send is retried with a backoff until it works or the broker goes away:

    [Controller id=4, targetBrokerId=3] Connection to node 3 (broker-3/192.168.96.4:29092) could
        not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)
    [RequestSendThread controllerId=4] Controller 4's connection to broker broker-3:29092
        (id: 3 rack: null) was unsuccessful (kafka.controller.RequestSendThread)

The whole state goes to every broker on each change (our simplification: Kafka sends deltas).
"""

from __future__ import annotations

import asyncio
import uuid

from ..apis import leader_and_isr, update_metadata
from ..cluster.channel import ChannelError, NodeChannel
from ..cluster.metadata import BrokerEndpoint
from ..log4j import logger
from ..protocol.messages import leader_and_isr as leader_and_isr_messages
from ..protocol.messages import update_metadata as update_metadata_messages
from .context import ControllerContext, LiveBroker, PState

# Kafka 3.7's newest (its ControllerChannelManager sends the newest the IBP allows)
LEADER_AND_ISR_VERSION = 7
UPDATE_METADATA_VERSION = 8
SEND_TIMEOUT_S = 10.0
PROTOCOL_IDS = {"PLAINTEXT": 0, "SSL": 1, "SASL_PLAINTEXT": 2, "SASL_SSL": 3}


class BrokerNodeChannel(NodeChannel):
    UNAVAILABLE = "Broker may not be available."  # NetworkClient before Kafka 3.7, as in the seed


class ConnectionFailed(Exception):
    java_class = "java.io.IOException"


class RequestSender:
    """Kafka's RequestSendThread for one broker: always sends the newest state, retries on failure."""

    def __init__(self, controller_id: int, broker: LiveBroker, endpoint: BrokerEndpoint):
        cid, bid = controller_id, broker.broker_id
        self.controller_id, self.broker, self.endpoint = cid, broker, endpoint
        self.channel = BrokerNodeChannel(
            logger("org.apache.kafka.clients.NetworkClient", f"[Controller id={cid}, targetBrokerId={bid}]"),
            bid,
            endpoint.host,
            endpoint.port,
            f"controller-{cid}-to-broker-{bid}",
        )
        self.log = logger("kafka.controller.RequestSendThread", f"[RequestSendThread controllerId={cid}]")
        self.pending: tuple[dict, dict] | None = None
        self._wake = asyncio.Event()
        self.failures = 0
        self.task = asyncio.get_running_loop().create_task(self._run())

    def broker_node(self) -> str:
        b = self.broker
        return f"{self.endpoint.host}:{self.endpoint.port} (id: {b.broker_id} rack: {b.rack or 'null'})"

    def send(self, leader_and_isr: dict, update_metadata: dict) -> None:
        self.pending = (leader_and_isr, update_metadata)
        self._wake.set()

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.pending is not None:
                lai, um = self.pending
                try:
                    await self.channel.request(
                        leader_and_isr.API, LEADER_AND_ISR_VERSION, lai, SEND_TIMEOUT_S
                    )
                    await self.channel.request(
                        update_metadata.API, UPDATE_METADATA_VERSION, um, SEND_TIMEOUT_S
                    )
                except ChannelError:
                    self.failures += 1
                    if self.failures <= 3 or self.failures % 10 == 0:
                        self.log.warning(
                            f"Controller {self.controller_id}'s connection to broker "
                            f"{self.broker_node()} was unsuccessful",
                            exc_info=ConnectionFailed(f"Connection to {self.broker_node()} failed."),
                        )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 1.0)
                    continue
                backoff, self.failures = 0.1, 0
                if self.pending == (lai, um):
                    self.pending = None

    def close(self) -> None:
        self.task.cancel()
        self.channel.close()


class ControllerChannel:
    """The senders of one controller tenure and the requests it builds from the context."""

    def __init__(self, controller_id: int, listener: str, protocols: dict[str, str]):
        self.controller_id, self.listener, self.protocols = controller_id, listener, protocols
        self.senders: dict[int, RequestSender] = {}

    def close(self) -> None:
        for s in self.senders.values():
            s.close()
        self.senders.clear()

    def send_all(self, ctx: ControllerContext, controller_epoch: int) -> None:
        live, listener = ctx.live, self.listener
        for bid in list(self.senders):
            s = self.senders[bid]
            b = live.get(bid)
            if b is None or b.endpoints.get(listener) != s.endpoint or b.epoch != s.broker.epoch:
                s.close()
                del self.senders[bid]
        live_brokers = [
            {
                "id": b.broker_id,
                "endpoints": [
                    {
                        "port": ep.port,
                        "host": ep.host,
                        "listener": name,
                        "security_protocol": PROTOCOL_IDS.get(self.protocols.get(name, "PLAINTEXT"), 0),
                    }
                    for name, ep in b.endpoints.items()
                ],
                "rack": b.rack,
            }
            for b in sorted(live.values(), key=lambda b: b.broker_id)
        ]
        by_topic: dict[str, list[PState]] = {}
        for tp in ctx.partitions():
            st = ctx.states.get(tp)
            if st is not None:
                by_topic.setdefault(st.topic, []).append(st)
        topic_ids = {t: e.topic_id for t, e in ctx.topics.items()}

        def pstate(st: PState, offline: bool) -> dict:
            d = {
                "partition_index": st.partition,
                "controller_epoch": st.controller_epoch,
                "leader": st.leader,
                "leader_epoch": st.leader_epoch,
                "isr": st.isr,
                "zk_version": st.zk_version,
                "replicas": st.replicas,
            }
            if offline:
                d["offline_replicas"] = [r for r in st.replicas if r not in live]
            return d

        um = {
            "controller_id": self.controller_id,
            "is_kraft_controller": False,
            "type": update_metadata_messages.TYPE_UNKNOWN,
            "controller_epoch": controller_epoch,
            "topic_states": [
                {
                    "topic_name": t,
                    "topic_id": topic_ids.get(t) or uuid.UUID(int=0),
                    "partition_states": [pstate(st, True) for st in sts],
                }
                for t, sts in by_topic.items()
            ],
            "live_brokers": live_brokers,
        }
        for bid, b in live.items():
            ep = b.endpoints.get(listener)
            if ep is None:
                continue
            sender = self.senders.get(bid)
            if sender is None:
                sender = self.senders[bid] = RequestSender(self.controller_id, b, ep)
            mine = {t: [st for st in sts if bid in st.replicas] for t, sts in by_topic.items()}
            leaders = {st.leader for sts in mine.values() for st in sts if st.leader in live}
            lai = {
                "controller_id": self.controller_id,
                "controller_epoch": controller_epoch,
                "broker_epoch": b.epoch,
                "is_kraft_controller": False,  # a ZooKeeper controller (KIP-866's flag is for migration)
                "type": leader_and_isr_messages.TYPE_UNKNOWN,  # FULL/INCREMENTAL: migration only
                "topic_states": [
                    {
                        "topic_name": t,
                        "topic_id": topic_ids.get(t) or uuid.UUID(int=0),
                        "partition_states": [pstate(st, False) for st in sts],
                    }
                    for t, sts in mine.items()
                    if sts
                ],
                "live_leaders": [
                    {
                        "broker_id": lb,
                        "host_name": live[lb].endpoints[listener].host,
                        "port": live[lb].endpoints[listener].port,
                    }
                    for lb in sorted(leaders)
                    if listener in live[lb].endpoints
                ],
            }
            sender.send(lai, dict(um, broker_epoch=b.epoch))
