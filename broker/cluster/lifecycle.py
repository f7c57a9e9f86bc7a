"""How a broker talks to its controller.

- The only voter of a quorum of one (a single node, or a combined node with one voter) has the
  controller in the same process: `LocalControllerClient` calls it directly, and the broker
  registers in-process at start (broker/raft/setup.py).
- Any other broker reaches the active controller over the controller listener: `BrokerLifecycle`
  registers (BrokerRegistration, key 62) and heartbeats (BrokerHeartbeat, key 63); its metadata
  comes from fetching `__cluster_metadata-0` (broker/raft/broker_metadata.py);
  `RemoteControllerClient` forwards CreateTopics/DeleteTopics/AlterPartition.
Failures are logged like Kafka's BrokerLifecycleManager and NodeToControllerChannelManager.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Protocol

from ..log4j import logger
from ..protocol.errors import ErrorCode
from ..registry import discover
from .channel import NodeChannel
from .errors import ChannelError

if TYPE_CHECKING:
    from ..node import BrokerNode

TASK_STOP_S = 1.0  # longest close() waits for the heartbeat and metadata loops to end
CONTROLLED_SHUTDOWN_S = 2.0  # longest the controller may take to approve our shutdown


def _api(name: str):
    return discover().by_name(name)


class LocalControllerClient:
    def __init__(self, controller):
        self.controller = controller

    async def alter_partition(
        self, topic: str, partition: int, leader_epoch: int, isr: list[int]
    ) -> ErrorCode:
        return self.controller.alter_partition(self.controller.node_id, topic, partition, leader_epoch, isr)


class ControllerChannel(Protocol):
    """What a broker needs of its channel to the controller: a NodeChannel to the one voter, or
    raft/controller_client.py's channel that finds the active one of several."""

    async def request(self, api, version: int, body: dict, timeout_s: float) -> dict: ...

    def close(self) -> None: ...


class RemoteControllerClient:
    """Calls on the controller, one channel per purpose (as Kafka has one per manager name)."""

    def __init__(self, node: BrokerNode, voter_id: int, host: str, port: int):
        self.node, self.voter_id, self.host, self.port = node, voter_id, host, port
        self._channels: dict[str, ControllerChannel] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def channel(self, name: str) -> ControllerChannel:
        ch = self._channels.get(name)
        if ch is None:
            prefix = f"[NodeToControllerChannelManager id={self.node.node_id} name={name}]"
            ch = self._channels[name] = NodeChannel(
                logger("org.apache.kafka.clients.NetworkClient", prefix),
                self.voter_id,
                self.host,
                self.port,
                f"{self.node.node_id}-{name}",
            )
            self._locks[name] = asyncio.Lock()
        return ch

    async def call(self, name: str, op: str, body: dict, timeout_s: float = 10.0) -> tuple[int, dict]:
        ch = self.channel(name)
        async with self._locks[name]:
            resp = await ch.request(
                _api("NetlabController"), 0, {"op": op, "body": json.dumps(body)}, timeout_s
            )
        return resp["error_code"], json.loads(resp["body"] or "{}")

    async def alter_partition(
        self, topic: str, partition: int, leader_epoch: int, isr: list[int]
    ) -> ErrorCode:
        err, _ = await self.call(
            "alterPartition",
            "alter_partition",
            {
                "broker_id": self.node.node_id,
                "topic": topic,
                "partition": partition,
                "leader_epoch": leader_epoch,
                "isr": isr,
            },
        )
        return ErrorCode(err)

    async def create_topics(self, topics: list[dict]) -> tuple[list[dict], int]:
        err, body = await self.call("forwarding", "create_topics", {"topics": topics})
        if err:
            raise ChannelError(f"controller answered {ErrorCode(err).name}")
        return body["topics"], body["version"]

    async def delete_topics(self, names: list[str]) -> tuple[dict[str, int], int]:
        err, body = await self.call("forwarding", "delete_topics", {"names": names})
        if err:
            raise ChannelError(f"controller answered {ErrorCode(err).name}")
        return body["results"], body["version"]

    def close(self) -> None:
        for ch in self._channels.values():
            ch.close()


class BrokerLifecycle:
    """Registration and heartbeats of a broker that reaches its controller over the network."""

    def __init__(self, node: BrokerNode, client: RemoteControllerClient):
        self.node, self.client = node, client
        self.log = logger(
            "kafka.server.BrokerLifecycleManager", f"[BrokerLifecycleManager id={node.node_id}]"
        )
        self.incarnation = uuid.uuid4()
        self.epoch = -1
        self.registered = asyncio.Event()
        self.metadata_version = -1  # the metadata log offset applied up to (exclusive)
        self.metadata_ready = asyncio.Event()  # the first metadata is applied (RECOVERY)
        self.caught_up = asyncio.Event()  # unfenced by the controller (RUNNING): clients are served
        self._heartbeat_now = asyncio.Event()
        self._applied = asyncio.Event()  # set (and replaced) at each metadata_applied: wakes waiters
        self._tasks: list[asyncio.Task] = []
        # Checked by every retry loop: a cancellation can be lost inside asyncio.wait_for on
        # Python 3.11 (the awaited read completes in the same step), and the loop must end anyway.
        self._stopping = False

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._heartbeats()), loop.create_task(self._metadata())]

    async def _register(self) -> bool:
        cfg = self.node.config
        listeners = [
            {"name": name, "host": ep.host, "port": ep.port, "security_protocol": 0}
            for name, ep in self.node.advertised.items()
        ]
        body = {
            "broker_id": self.node.node_id,
            "cluster_id": self.node.metadata.cluster_id,
            "incarnation_id": self.incarnation,
            "listeners": listeners,
            "features": [],
            "rack": cfg["broker.rack"],
            "is_migrating_zk_broker": False,
            "log_dirs": [],
            "previous_broker_epoch": self.epoch,
        }
        try:
            resp = await self.client.channel("heartbeat").request(_api("BrokerRegistration"), 0, body, 10.0)
        except ChannelError:
            self.log.info(
                "Unable to register the broker because the RPC got timed out before it could be sent."
            )
            return False
        if resp["error_code"]:
            self.log.info(
                f"Unable to register broker {self.node.node_id} because the controller returned error "
                f"{ErrorCode(resp['error_code']).name}"
            )
            return False
        self.epoch = resp["broker_epoch"]
        self.log.info(f"Successfully registered broker {self.node.node_id} with broker epoch {self.epoch}")
        self.registered.set()
        return True

    async def _heartbeats(self) -> None:
        interval = self.node.config["broker.heartbeat.interval.ms"] / 1000
        while not self._stopping:
            if not self.registered.is_set():
                if not await self._register():
                    await asyncio.sleep(interval)
                    continue
            # Kafka's BrokerLifecycleManager: fenced until the broker has its metadata, then it
            # asks to be unfenced (want_fence=false) with the offset it has applied
            body = {
                "broker_id": self.node.node_id,
                "broker_epoch": self.epoch,
                "current_metadata_offset": max(self.metadata_version - 1, -1),
                "want_fence": not self.metadata_ready.is_set(),
                "want_shut_down": False,
            }
            resp: dict = {}
            try:
                resp = await self.client.channel("heartbeat").request(_api("BrokerHeartbeat"), 0, body, 10.0)
                err = resp["error_code"]
            except ChannelError:
                err = None
            except Exception as exc:  # a malformed answer: log, keep the loop alive
                self.log.error(f"Unexpected error in the heartbeat: {exc}", exc_info=exc)
                err = None
            if err in (ErrorCode.STALE_BROKER_EPOCH, ErrorCode.BROKER_ID_NOT_REGISTERED):
                self.log.info(
                    f"Broker {self.node.node_id} was fenced or is unknown to the controller "
                    f"({ErrorCode(err).name}); registering again"
                )
                self.registered.clear()
                continue
            fenced = err != ErrorCode.NONE or resp.get("is_fenced", True)
            if not fenced and not self.caught_up.is_set():
                self.log.info("The broker has been unfenced. Transitioning from RECOVERY to RUNNING.")
                self.caught_up.set()
            # fenced with its metadata: ask again soon (Kafka schedules the next heartbeat at once)
            fenced_ready = fenced and err == ErrorCode.NONE and self.metadata_ready.is_set()
            await self._pause(min(interval, 0.1) if fenced_ready else interval)

    async def _pause(self, seconds: float) -> None:
        """Sleep until the next heartbeat, or until the metadata is first ready."""
        try:
            await asyncio.wait_for(self._heartbeat_now.wait(), seconds)
        except TimeoutError:
            pass
        self._heartbeat_now.clear()

    def metadata_applied(self, offset: int) -> None:
        """The metadata log is applied up to `offset` (exclusive)."""
        self.metadata_version = offset
        self._applied.set()
        self._applied = asyncio.Event()
        if not self.metadata_ready.is_set():
            self.log.info("The broker has caught up. Transitioning from STARTING to RECOVERY.")
            self.metadata_ready.set()
            self._heartbeat_now.set()

    async def _metadata(self) -> None:
        """Learn the cluster's metadata (broker/raft/broker_metadata.py: from the metadata log)."""
        raise NotImplementedError

    async def wait_running(self, timeout_s: float) -> None:
        """Client requests wait (bounded) for the first metadata: Kafka serves them only once the
        broker has caught up with the controller."""
        if not self.caught_up.is_set():
            try:
                await asyncio.wait_for(self.caught_up.wait(), timeout_s)
            except TimeoutError:
                pass

    async def wait_metadata(self, version: int, timeout_s: float) -> None:
        """Until the metadata is applied up to `version` (woken by each apply, not polled: a
        forwarded change is answered as soon as this broker has it) or `timeout_s` passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.metadata_version < version and loop.time() < deadline:
            try:
                await asyncio.wait_for(self._applied.wait(), deadline - loop.time())
            except TimeoutError:
                return

    async def close(self) -> None:
        self._stopping = True
        for t in self._tasks:
            t.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=TASK_STOP_S)  # bounded: see _stopping
        if self.registered.is_set():
            # Kafka's controlled shutdown, reduced: tell the controller, which fences us at once
            # and moves our leaderships, instead of waiting out broker.session.timeout.ms.
            # Bounded like Kafka's: without an answer we log its words and stop anyway.
            body = {
                "broker_id": self.node.node_id,
                "broker_epoch": self.epoch,
                "current_metadata_offset": max(self.metadata_version - 1, -1),
                "want_fence": True,
                "want_shut_down": True,
            }
            # a channel of its own: a heartbeat whose cancellation was lost may still own "heartbeat"
            ask = asyncio.ensure_future(
                self.client.channel("shutdown").request(
                    _api("BrokerHeartbeat"), 0, body, CONTROLLED_SHUTDOWN_S
                )
            )
            done, _ = await asyncio.wait({ask}, timeout=CONTROLLED_SHUTDOWN_S + 0.5)
            if done and ask.exception() is None:
                self.log.info("The controller acknowledged our shutdown; our partitions have moved")
            else:
                ask.cancel()
                self.log.warning("Timed out waiting for the controller to approve controlled shutdown")
        self.client.close()
