"""The ZooKeeper-mode controller (Kafka's KafkaController, reduced): the broker that created the
ephemeral /controller bumps /controller_epoch, watches /brokers/ids, /brokers/topics and
/isr_change_notification, keeps every partition's leader and ISR in its state znode, and sends
LeaderAndIsr (key 4) and UpdateMetadata (key 6) to every live broker, itself included, at that
broker's advertised endpoint for inter.broker.listener.name, as Kafka's RequestSendThread does.

Where a broker cannot be reached, Kafka's two lines are logged (first attempts, then every 10th)
and the send is retried with a backoff until it works or the broker goes away:

    [Controller id=4, targetBrokerId=3] Connection to node 3 (broker-3/192.168.96.4:29092) could
        not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)
    [RequestSendThread controllerId=4] Controller 4's connection to broker broker-3:29092
        (id: 3 rack: null) was unsuccessful (kafka.controller.RequestSendThread)

Leader election (Kafka's OfflinePartitionLeaderElectionStrategy without unclean election): a new
partition's leader is its first live replica, ISR = its live replicas; a partition whose leader
died gets the first live ISR member in replica order, the dead brokers leave the ISR (unless it
would be empty) and the leader epoch is bumped; none left: leader -1 until an ISR member returns.
The whole state goes to every broker on each change (our simplification: Kafka sends deltas).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from kazoo.exceptions import BadVersionError, NodeExistsError, NoNodeError

from ..apis import leader_and_isr, update_metadata
from ..cluster.channel import ChannelError, NodeChannel
from ..cluster.metadata import BrokerEndpoint
from ..log4j import logger
from ..protocol.messages import leader_and_isr as leader_and_isr_messages
from ..protocol.messages import update_metadata as update_metadata_messages
from . import znodes
from .session import ZkSession


class ControllerHost(Protocol):
    """What the controller needs of the ZooKeeper-mode broker it runs in (zk/broker.py's
    ZkBroker), not the whole of it: the node (its id and config) and its ZooKeeper session."""

    node: Any
    session: ZkSession


# Kafka 3.7's newest (its ControllerChannelManager sends the newest the IBP allows)
LEADER_AND_ISR_VERSION = 7
UPDATE_METADATA_VERSION = 8
SEND_TIMEOUT_S = 10.0
PROTOCOL_IDS = {"PLAINTEXT": 0, "SSL": 1, "SASL_PLAINTEXT": 2, "SASL_SSL": 3}


class BrokerNodeChannel(NodeChannel):
    UNAVAILABLE = "Broker may not be available."  # NetworkClient before Kafka 3.7, as in the seed


class ConnectionFailed(Exception):
    java_class = "java.io.IOException"


@dataclass
class LiveBroker:
    broker_id: int
    endpoints: dict[str, BrokerEndpoint]
    rack: str | None
    epoch: int  # czxid of its /brokers/ids znode (Kafka's broker epoch)


@dataclass
class PState:
    topic: str
    partition: int
    replicas: list[int]
    leader: int
    leader_epoch: int
    isr: list[int]
    controller_epoch: int
    zk_version: int


class RequestSender:
    """Kafka's RequestSendThread for one broker: always sends the newest state, retries on failure."""

    def __init__(self, controller: ZkController, broker: LiveBroker, endpoint: BrokerEndpoint):
        cid, bid = controller.broker_id, broker.broker_id
        self.controller, self.broker, self.endpoint = controller, broker, endpoint
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
                            f"Controller {self.controller.broker_id}'s connection to broker "
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


class ZkController:
    def __init__(self, zkb: ControllerHost):
        self.zkb = zkb
        self.broker_id = zkb.node.node_id
        self.session = zkb.session
        self.log = logger("kafka.controller.KafkaController", f"[Controller id={self.broker_id}]")
        self.delete_log = logger(
            "kafka.controller.TopicDeletionManager", f"[Topic Deletion Manager {self.broker_id}]"
        )
        self.epoch = 0
        self.active = False
        self.senders: dict[int, RequestSender] = {}
        self._dirty = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._watched: set[str] = set()  # topics whose znode has our data watch (kazoo's thread)

    # --- becoming and stopping being the controller ---
    def _bump_epoch(self) -> tuple[int, int]:
        c = self.session.client
        while True:
            try:
                data, stat = c.get(znodes.CONTROLLER_EPOCH)
            except NoNodeError:
                try:
                    c.create(znodes.CONTROLLER_EPOCH, b"0")
                    self.log.info("Successfully created /controller_epoch with initial epoch 0")
                except NodeExistsError:
                    pass
                continue
            try:
                new = c.set(znodes.CONTROLLER_EPOCH, str(int(data) + 1).encode(), version=stat.version)
                return int(data) + 1, new.version
            except BadVersionError:
                continue

    async def activate(self) -> None:
        self.epoch, zkv = await self.session.call(self._bump_epoch)
        self.active = True
        self.log.info(
            f"{self.broker_id} successfully elected as the controller. Epoch incremented to {self.epoch} "
            f"and epoch zk version is now {zkv}"
        )
        c = self.session.client
        for path in (znodes.BROKER_IDS, znodes.TOPICS, znodes.ISR_CHANGES, znodes.DELETE_TOPICS):
            c.ChildrenWatch(path, self._watch_fired, send_event=False)
        self._task = asyncio.get_running_loop().create_task(self._loop())
        self.changed()

    def _watch_fired(self, _children) -> bool:
        if not self.active:
            return False  # kazoo drops the watch
        self.session.threadsafe(self.changed)()
        return True

    def changed(self) -> None:
        self._dirty.set()

    async def resign(self, why: str) -> None:
        if not self.active:
            return
        self.active = False
        self._watched = set()  # the watches drop themselves on their next event
        self.log.info(f"Resigning as the controller ({why})")
        if self._task is not None:
            self._task.cancel()
        for s in self.senders.values():
            s.close()
        self.senders.clear()

    # --- the event loop of the controller ---
    async def _loop(self) -> None:
        while self.active:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                brokers, states, topic_ids = await self.session.call(self._reconcile_blocking)
            except Exception as exc:  # ZooKeeper away: keep what we sent, try again on the next event
                self.log.warning(f"Could not read the cluster state from ZooKeeper: {exc}")
                await asyncio.sleep(1.0)
                self._dirty.set()
                continue
            self._send_all(brokers, states, topic_ids)

    def _live_brokers(self) -> dict[int, LiveBroker]:
        c = self.session.client
        out = {}
        for child in c.get_children(znodes.BROKER_IDS):
            try:
                data, stat = c.get(f"{znodes.BROKER_IDS}/{child}")
            except NoNodeError:
                continue
            eps, rack = znodes.decode_broker(data)
            out[int(child)] = LiveBroker(int(child), eps, rack, stat.czxid)
        return out

    def _reconcile_blocking(self):
        """Read ZooKeeper, elect where needed, write the changed states; the full state for sending."""
        c = self.session.client
        for child in c.get_children(znodes.ISR_CHANGES):  # consumed: we re-read every state below
            try:
                c.delete(f"{znodes.ISR_CHANGES}/{child}")
            except NoNodeError:
                pass
        for topic in c.get_children(znodes.DELETE_TOPICS):  # Kafka's TopicDeletionManager, reduced
            if c.exists(znodes.topic_path(topic)):
                c.delete(znodes.topic_path(topic), recursive=True)
            if c.exists(znodes.topic_config_path(topic)):
                c.delete(znodes.topic_config_path(topic))
            c.delete(f"{znodes.DELETE_TOPICS}/{topic}")
            self.delete_log.info(f"Deletion of topic {topic} successfully completed")
        live = self._live_brokers()
        states: list[PState] = []
        topic_ids = {}
        for topic in sorted(c.get_children(znodes.TOPICS)):
            self._watch_topic(topic)
            try:
                assignment, tid = znodes.decode_topic(c.get(znodes.topic_path(topic))[0])
            except (NoNodeError, ValueError):
                continue
            topic_ids[topic] = tid
            for p, replicas in sorted(assignment.items()):
                st = self._partition_blocking(topic, p, replicas, live)
                if st is not None:
                    states.append(st)
        return live, states, topic_ids

    def _watch_topic(self, topic: str) -> None:
        """Kafka's PartitionModificationsHandler: a data watch on /brokers/topics/<t>, so new
        partitions written there (AdminZkClient.addPartitions) are noticed. Kazoo's thread."""
        if topic in self._watched:
            return
        self._watched.add(topic)
        watched = self._watched
        first = [True]

        def fired(data, _stat, event=None) -> bool:
            if not self.active or data is None or watched is not self._watched:
                watched.discard(topic)
                return False  # kazoo drops the watch
            if first[0]:  # kazoo calls once at once with the current data: already read
                first[0] = False
                return True
            self.session.threadsafe(self.changed)()
            return True

        self.session.client.DataWatch(znodes.topic_path(topic), fired)

    def _partition_blocking(self, topic: str, p: int, replicas: list[int], live: dict) -> PState | None:
        c = self.session.client
        path = znodes.partition_state_path(topic, p)
        try:
            data, stat = c.get(path)
        except NoNodeError:
            alive = [r for r in replicas if r in live]
            if not alive:
                return None  # NewPartition: no live replica to lead it yet
            try:
                c.create(path, znodes.encode_partition_state(alive[0], 0, alive, self.epoch), makepath=True)
            except NodeExistsError:
                return None  # changed under us: the next event reads it
            isr = ",".join(map(str, alive))
            self.log.info(f"Partition {topic}-{p}: new, leader {alive[0]}, leader epoch 0, ISR {isr}")
            return PState(topic, p, replicas, alive[0], 0, alive, self.epoch, 0)
        s = znodes.decode_partition_state(data)
        leader, epoch, isr = s["leader"], s["leader_epoch"], s["isr"]
        new_isr = [r for r in isr if r in live] or isr[-1:]
        new_leader = leader
        if leader not in live:
            candidates = [r for r in replicas if r in isr and r in live]
            new_leader = candidates[0] if candidates else -1
        if new_leader == leader and new_isr == isr:
            return PState(topic, p, replicas, leader, epoch, isr, s["controller_epoch"], stat.version)
        epoch += 1
        try:
            new = c.set(
                path,
                znodes.encode_partition_state(new_leader, epoch, new_isr, self.epoch),
                version=stat.version,
            )
        except BadVersionError:
            self._dirty_later()
            return PState(
                topic, p, replicas, leader, s["leader_epoch"], isr, s["controller_epoch"], stat.version
            )
        self.log.info(
            f"Partition {topic}-{p}: leader {leader} -> {new_leader}, leader epoch {epoch}, "
            f"ISR {','.join(map(str, new_isr))}"
        )
        return PState(topic, p, replicas, new_leader, epoch, new_isr, self.epoch, new.version)

    def _dirty_later(self) -> None:
        self.session.threadsafe(self.changed)()

    # --- requests ---
    def _send_all(self, live: dict[int, LiveBroker], states: list[PState], topic_ids: dict) -> None:
        if not self.active:
            return
        listener = self.zkb.node.config.inter_broker_listener
        for bid in list(self.senders):
            s = self.senders[bid]
            b = live.get(bid)
            if b is None or b.endpoints.get(listener) != s.endpoint or b.epoch != s.broker.epoch:
                s.close()
                del self.senders[bid]
        protocols = self.zkb.node.config.protocol_map
        live_brokers = [
            {
                "id": b.broker_id,
                "endpoints": [
                    {
                        "port": ep.port,
                        "host": ep.host,
                        "listener": name,
                        "security_protocol": PROTOCOL_IDS.get(protocols.get(name, "PLAINTEXT"), 0),
                    }
                    for name, ep in b.endpoints.items()
                ],
                "rack": b.rack,
            }
            for b in sorted(live.values(), key=lambda b: b.broker_id)
        ]
        by_topic: dict[str, list[PState]] = {}
        for st in states:
            by_topic.setdefault(st.topic, []).append(st)

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
            "controller_id": self.broker_id,
            "is_kraft_controller": False,
            "type": update_metadata_messages.TYPE_UNKNOWN,
            "controller_epoch": self.epoch,
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
                sender = self.senders[bid] = RequestSender(self, b, ep)
            mine = {t: [st for st in sts if bid in st.replicas] for t, sts in by_topic.items()}
            leaders = {st.leader for sts in mine.values() for st in sts if st.leader in live}
            lai = {
                "controller_id": self.broker_id,
                "controller_epoch": self.epoch,
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
