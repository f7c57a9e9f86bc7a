"""One broker's ZooKeeper side (Kafka's KafkaServer in ZooKeeper mode, reduced).

- registers the ephemeral /brokers/ids/<id> with Kafka's JSON (its advertised listeners), and again
  after a lost session; logs `Registered broker N at path /brokers/ids/N with addresses: ...`;
- runs for controller whenever /controller is empty (ephemeral, first writer wins);
- applies the controller's LeaderAndIsr / UpdateMetadata to the node's metadata and to the shared
  replication machinery (BrokerNode.apply_metadata -> broker/cluster/replication.py);
- creates topics by writing /config/topics/<t> and /brokers/topics/<t> (Kafka's AdminZkClient),
  placing replicas on the brokers its metadata lists, and waits until the controller's leaders
  reach its metadata;
- changes the ISR of partitions it leads by writing their state znode, conditional on the
  zkVersion the controller sent, and leaving an /isr_change_notification for the controller
  (Kafka before 2.7; 2.7+ sends AlterPartition to the controller instead);
- follows client quota changes through /config/changes (config_changes.py; AlterClientQuotas
  writes them, client_quotas.py).
When ZooKeeper goes away the broker keeps serving what it has; nothing here blocks a request.
"""

from __future__ import annotations

import asyncio
import uuid

from kazoo.client import KazooState
from kazoo.exceptions import BadVersionError, NodeExistsError, NoNodeError

from ..cluster.metadata import BrokerEndpoint, BrokerInfo, PartitionInfo, TopicInfo
from ..cluster.placement import assign_replicas
from ..log4j import logger
from ..protocol.errors import ErrorCode
from ..protocol.messages import leader_and_isr, update_metadata
from ..topic_configs import log_overrides
from ..topics import INTERNAL_TOPICS
from . import client_quotas, scram_credentials, znodes
from .config_changes import ConfigChangeListener
from .controller import ZkController
from .session import ZkSession

TIMED_OUT_ELECTING = "Operation timed out while the controller elected leaders."


class NodeExistsException(Exception):
    java_class = "org.apache.zookeeper.KeeperException$NodeExistsException"


class ZkBroker:
    def __init__(self, node, session: ZkSession):
        self.node, self.session = node, session
        self.broker_id = node.node_id
        self.log = logger("kafka.zk.KafkaZkClient", "[KafkaZkClient clientId=kafka-zk]")
        self.server_log = logger("kafka.server.KafkaServer", f"[KafkaServer id={self.broker_id}]")
        self.controller = ZkController(self)
        self.config_changes = ConfigChangeListener(node, session)
        self.controller_epoch = -1
        self.broker_epoch = -1  # czxid of our /brokers/ids znode (Kafka's broker epoch)
        self.zk_versions: dict[tuple[str, int], int] = {}
        self._lost = False
        self._electing = False
        self._closing = False  # a clean stop: no more elections, no "Session expired."
        # the loop keeps only weak references to tasks: ours are held here until they are done
        self._background: set[asyncio.Task] = set()

    # --- start ---
    async def start(self) -> None:
        await self.config_changes.start()  # quotas known before clients are (ZkConfigManager.startup)
        await self.session.call(self._register_blocking)
        self.session.on_state(self._on_state)
        self.session.client.DataWatch(znodes.CONTROLLER, self._controller_watch)

    def _register_blocking(self) -> None:
        cfg = self.node.config
        data = znodes.encode_broker(self.node.advertised, cfg.protocol_map, cfg["broker.rack"])
        path = znodes.broker_path(self.broker_id)
        try:
            self.session.client.create(path, data, ephemeral=True)
        except NodeExistsError:
            raise NodeExistsException(
                f"KeeperErrorCode = NodeExists for {path}: another broker (or this one's old session) is "
                f"registered as broker {self.broker_id}"
            ) from None
        czxid = self.session.client.exists(path).czxid
        self.broker_epoch = czxid
        self.log.info(
            f"Registered broker {self.broker_id} at path {path} with addresses: "
            + ",".join(f"{n}://{e.host}:{e.port}" for n, e in self.node.advertised.items())
            + f", czxid (broker epoch): {czxid}"
        )

    def _controller_watch(self, data, _stat, event=None) -> None:
        # kazoo's thread: hop to the loop
        self.session.threadsafe(self._controller_changed)(data)

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _controller_changed(self, data) -> None:
        current = znodes.decode_controller(data)
        if self._closing:
            return
        if current == -1 and not self._electing:
            self._spawn(self._elect())
        elif current != self.broker_id and self.controller.active:
            self._spawn(self.controller.resign("another broker is the controller"))

    async def _elect(self) -> None:
        self._electing = True
        try:
            await self.session.call(
                self.session.client.create,
                znodes.CONTROLLER,
                znodes.encode_controller(self.broker_id),
                ephemeral=True,
            )
        except NodeExistsError:
            return
        except Exception as exc:  # ZooKeeper away: the watch fires again when it is back
            self.server_log.warning(f"Could not run for controller: {exc}")
            return
        finally:
            self._electing = False
        self.log.info("Creating /controller (is it secure? false)")
        await self.controller.activate()

    def _on_state(self, state: str) -> None:
        if self._closing:
            return
        if state == KazooState.LOST:
            self._lost = True
            logger("kafka.zookeeper.ZooKeeperClient", "[ZooKeeperClient Kafka server]").info(
                "Session expired."
            )
            self._spawn(self.controller.resign("the ZooKeeper session expired"))
        elif state == KazooState.CONNECTED and self._lost:
            self._lost = False
            self._spawn(self._after_new_session())

    async def _after_new_session(self) -> None:
        """Kafka re-registers the broker (and re-runs for controller) on a new session."""
        try:
            await self.session.call(self._register_blocking)
            data = (await self.session.call(self.session.client.get, znodes.CONTROLLER))[0]
            self._controller_changed(data)
        except NoNodeError:
            self._controller_changed(None)
        except Exception as exc:  # retried on the next reconnect
            self.server_log.warning(f"Could not register again after a new ZooKeeper session: {exc}")

    # --- requests from the controller ---
    def _refused(self, req: dict, name: str) -> ErrorCode | None:
        """Kafka's ZkBrokerEpochManager.isBrokerEpochStale, before anything is applied: a request
        meant for this broker's previous registration (a quick restart) is skipped with
        STALE_BROKER_EPOCH. A request from a KRaft controller (isKRaftController, LeaderAndIsr v7+
        / UpdateMetadata v8+, KIP-866) is for a broker migrating to KRaft; this broker has no
        migration (no BrokerLifecycleManager), where Kafka fails the request with an
        IllegalStateException, i.e. UNKNOWN_SERVER_ERROR."""
        epoch = req["broker_epoch"]
        if epoch == -1:  # UNKNOWN_BROKER_EPOCH: before v2/v5, or a controller that does not know it
            return None
        if req["is_kraft_controller"]:
            self.server_log.error(
                f"Received {name} request from KRaft controller {req['controller_id']}, but this broker "
                "is not migrating to KRaft: Expected BrokerLifecycleManager to be non-null."
            )
            return ErrorCode.UNKNOWN_SERVER_ERROR
        if epoch < self.broker_epoch:
            self.server_log.info(
                f"Received {name} request with broker epoch {epoch} smaller than the current broker epoch "
                f"{self.broker_epoch} from controller {req['controller_id']} with epoch "
                f"{req['controller_epoch']}."
            )
            return ErrorCode.STALE_BROKER_EPOCH
        return None

    def _stale(self, req: dict) -> bool:
        if req["controller_epoch"] < self.controller_epoch:
            self.server_log.warning(
                f"Ignoring a request from controller {req['controller_id']} with stale controller epoch "
                f"{req['controller_epoch']} (current {self.controller_epoch})"
            )
            return True
        self.controller_epoch = req["controller_epoch"]
        return False

    async def on_leader_and_isr(self, req: dict, version: int) -> dict:
        refused = self._refused(req, "LeaderAndIsr")
        if refused is not None:
            return {"error_code": refused}
        if self._stale(req):
            return {"error_code": ErrorCode.STALE_CONTROLLER_EPOCH}
        ids = {t["topic_name"]: t["topic_id"] for t in req["topic_states"]}
        md = self.node.metadata
        md.controller_id = req["controller_id"]
        states = leader_and_isr.partition_states(req, version)
        # a topic's id: the request's (v5+), else the one we know; a new id for a new topic
        tids: dict[str, uuid.UUID] = {}
        for topic, _ in states:
            if topic in tids:
                continue
            info, tid = md.topics.get(topic), ids.get(topic) or uuid.UUID(int=0)
            fresh = info is None or (tid.int and info.topic_id != tid)
            tids[topic] = (tid if tid.int else uuid.uuid4()) if fresh else info.topic_id
            if fresh:
                await self._load_topic_config(topic)
        # the new partitions' logs are made in a worker thread (thousands of directories and
        # fsyncs), as a KRaft broker does, before the metadata says they exist
        todo = []
        for t, s in states:
            tid, p = tids[t], s["partition_index"]
            known = self.node.logs.topics().get(t, tid)
            if self.broker_id in s["replicas"] and known == tid and self.node.logs.get(t, p) is None:
                todo.append((t, p, tid, log_overrides(self.node.topic_configs.get(t))))
        if todo:
            await asyncio.to_thread(self.node.make_logs, todo)
        for topic, s in states:
            info = md.topics.get(topic)
            if info is None or info.topic_id != tids[topic]:
                info = TopicInfo(topic, tids[topic], {}, internal=topic in INTERNAL_TOPICS)
                md.put_topic(info)
            info.partitions[s["partition_index"]] = PartitionInfo(
                s["partition_index"], s["leader"], s["leader_epoch"], list(s["replicas"]), list(s["isr"])
            )
            self.zk_versions[(topic, s["partition_index"])] = s["zk_version"]
        self.node.apply_metadata()
        errors = [
            {"partition_index": s["partition_index"], "error_code": 0, "topic_name": t} for t, s in states
        ]
        if version >= 5:
            return {
                "error_code": 0,
                "topics": [
                    {"topic_id": ids[t], "partition_errors": [e for e in errors if e["topic_name"] == t]}
                    for t in ids
                ],
            }
        return {"error_code": 0, "partition_errors": errors}

    async def _load_topic_config(self, topic: str) -> None:
        try:
            data = (await self.session.call(self.session.client.get, znodes.topic_config_path(topic)))[0]
        except Exception:  # no overrides, or ZooKeeper away: broker defaults
            return
        configs = znodes.decode_topic_config(data)
        if configs:
            self.node.topic_configs[topic] = configs

    def on_update_metadata(self, req: dict, version: int, correlation_id: int = -1) -> ErrorCode:
        refused = self._refused(req, "UpdateMetadata")
        if refused is not None:
            return refused
        if req["is_kraft_controller"] and req["type"] == update_metadata.TYPE_FULL:  # KIP-866
            self.server_log.error(
                "Received UpdateMetadataRequest with Type=FULL (2), but ZK migrations are not enabled "
                "on this broker. Not treating this as a full metadata update"
            )
        if self._stale(req):
            return ErrorCode.STALE_CONTROLLER_EPOCH
        md = self.node.metadata
        md.controller_id = req["controller_id"]
        brokers = {}
        for b in req["live_brokers"]:
            eps = {e["listener"]: BrokerEndpoint(e["host"], e["port"]) for e in b["endpoints"]}
            brokers[b["id"]] = BrokerInfo(b["id"], eps, b["rack"])
        md.brokers = brokers
        ids = {t["topic_name"]: t["topic_id"] for t in req.get("topic_states") or []}
        topics: dict[str, TopicInfo] = {}
        for topic, s in update_metadata.partition_states(req, version):
            info = topics.get(topic)
            if info is None:
                old = md.topics.get(topic)
                tid = ids.get(topic)
                if tid is None or not tid.int:
                    tid = old.topic_id if old else uuid.uuid4()
                info = topics[topic] = TopicInfo(topic, tid, {}, internal=topic in INTERNAL_TOPICS)
            info.partitions[s["partition_index"]] = PartitionInfo(
                s["partition_index"],
                s["leader"],
                s["leader_epoch"],
                list(s["replicas"]),
                list(s["isr"]),
                list(s["offline_replicas"]),
            )
        before = {(t, p) for t, info in md.topics.items() for p in info.partitions}
        after = {(t, p) for t, info in topics.items() for p in info.partitions}
        md.topics = topics
        self.node.apply_metadata()  # a deleted topic's local logs go (Kafka: StopReplica)
        # Kafka's ZkMetadataCache.updateMetadata logs this (state.change.logger) for every request;
        # netlab's `up` waits for the first one (netlab/lab/brokers.py: the broker is ready)
        logger("state.change.logger", f"[Broker id={self.node.node_id}]").info(
            f"Add {len(after)} partitions and deleted {len(before - after)} partitions from metadata cache "
            f"in response to UpdateMetadata request sent by controller {req['controller_id']} epoch "
            f"{req['controller_epoch']} with correlation id {correlation_id}"
        )
        return ErrorCode.NONE

    # --- topics (Kafka's AdminZkClient) ---
    async def create_topic(
        self,
        name: str,
        partitions: int,
        rf: int,
        configs: dict | None,
        assignments: list[list[int]] | None,
        timeout_s: float,
    ) -> tuple[ErrorCode, str | None, TopicInfo | None]:
        alive = sorted(self.node.metadata.brokers)
        if assignments is None:
            if rf > len(alive):
                return (
                    ErrorCode.INVALID_REPLICATION_FACTOR,
                    f"Replication factor: {rf} larger than available brokers: {len(alive)}.",
                    None,
                )
            assignments = assign_replicas(alive, partitions, rf)
        topic_id = uuid.uuid4()

        def write() -> None:
            c = self.session.client
            if c.exists(znodes.topic_path(name)):
                raise NodeExistsError()
            c.ensure_path(znodes.TOPIC_CONFIGS)
            path = znodes.topic_config_path(name)
            if c.exists(path):
                c.set(path, znodes.encode_topic_config(configs or {}))
            else:
                c.create(path, znodes.encode_topic_config(configs or {}))
            c.create(znodes.topic_path(name), znodes.encode_topic(dict(enumerate(assignments)), topic_id))

        try:
            await asyncio.wait_for(self.session.call(write), max(timeout_s, 1.0))
        except NodeExistsError:
            return ErrorCode.TOPIC_ALREADY_EXISTS, f"Topic '{name}' already exists.", None
        except Exception as exc:  # ZooKeeper away or slow
            return ErrorCode.REQUEST_TIMED_OUT, f"ZooKeeper did not take the topic: {exc}", None
        self.server_log.info(
            f"Creating topic {name} with configuration {configs or {}} and initial partition assignment "
            + "HashMap("
            + ", ".join(f"{p} -> ArrayBuffer({', '.join(map(str, r))})" for p, r in enumerate(assignments))
            + ")"
        )
        info = await self._leaders_elected(name, len(assignments), timeout_s)
        if info is None:
            return ErrorCode.REQUEST_TIMED_OUT, TIMED_OUT_ELECTING, None
        return ErrorCode.NONE, None, info

    async def _leaders_elected(self, name: str, count: int, timeout_s: float) -> TopicInfo | None:
        """The topic once our metadata shows `count` partitions, each with a leader."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            info = self.node.metadata.topics.get(name)
            if (
                info is not None
                and len(info.partitions) == count
                and all(p.leader >= 0 for p in info.partitions.values())
            ):
                return info
            await asyncio.sleep(0.02)
        return None

    async def add_partitions(
        self, name: str, count: int, assignments: list[list[int]] | None, timeout_s: float
    ) -> tuple[ErrorCode, str | None]:
        """Kafka's AdminZkClient.addPartitions (the request was checked by the caller): the new
        partitions' replicas are written into /brokers/topics/<t>, conditional on the znode's
        version; the controller's data watch picks them up and elects their leaders; we answer
        once our metadata has them."""
        info = self.node.metadata.topics[name]
        current, rf = len(info.partitions), len(info.partitions[0].replicas)
        if assignments is None:
            alive = sorted(self.node.metadata.brokers)
            if rf > len(alive):
                return (
                    ErrorCode.INVALID_REPLICATION_FACTOR,
                    f"Replication factor: {rf} larger than available brokers: {len(alive)}.",
                )
            assignments = assign_replicas(alive, count - current, rf)
        new = {current + i: reps for i, reps in enumerate(assignments)}

        def write() -> None:
            c = self.session.client
            data, stat = c.get(znodes.topic_path(name))
            parts, tid = znodes.decode_topic(data)
            if len(parts) != current:  # another change got there first: the client retries
                raise BadVersionError()
            data = znodes.encode_topic({**parts, **new}, tid or info.topic_id)
            c.set(znodes.topic_path(name), data, stat.version)

        try:
            await asyncio.wait_for(self.session.call(write), max(timeout_s, 1.0))
        except NoNodeError:
            return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition."
        except BadVersionError:
            return ErrorCode.INVALID_PARTITIONS, f"Topic {name}'s partitions changed meanwhile; try again."
        except Exception as exc:  # ZooKeeper away or slow
            return ErrorCode.REQUEST_TIMED_OUT, f"ZooKeeper did not take the partitions: {exc}"
        self.server_log.info(
            f"Creating {count - current} partitions for '{name}' with the following replica assignment: "
            + "HashMap("
            + ", ".join(f"{p} -> ArrayBuffer({', '.join(map(str, r))})" for p, r in new.items())
            + ")."
        )
        if timeout_s <= 0:  # Kafka's ZkAdminManager.createPartitions answers at once, not waiting
            return ErrorCode.NONE, None
        if await self._leaders_elected(name, count, timeout_s) is None:
            return ErrorCode.REQUEST_TIMED_OUT, TIMED_OUT_ELECTING
        return ErrorCode.NONE, None

    async def delete_topics(self, names: list[str], timeout_s: float = 10.0) -> dict[str, ErrorCode]:
        """Kafka's AdminZkClient.deleteTopic: mark /admin/delete_topics/<t>; the controller deletes."""

        def mark(name: str) -> ErrorCode:
            c = self.session.client
            if not c.exists(znodes.topic_path(name)):
                return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            try:
                c.create(f"{znodes.DELETE_TOPICS}/{name}", makepath=True)
            except NodeExistsError:
                pass
            return ErrorCode.NONE

        out: dict[str, ErrorCode] = {}
        for name in names:
            try:
                out[name] = await asyncio.wait_for(self.session.call(mark, name), timeout_s)
            except Exception:  # ZooKeeper away or slow
                out[name] = ErrorCode.REQUEST_TIMED_OUT
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        pending = [n for n, e in out.items() if e == ErrorCode.NONE]
        while pending and loop.time() < deadline:
            pending = [n for n in pending if n in self.node.metadata.topics]
            await asyncio.sleep(0.02)
        for n in pending:
            out[n] = ErrorCode.REQUEST_TIMED_OUT
        return out

    # --- ISR changes of partitions this broker leads (the replica manager's controller client) ---
    async def alter_partition(
        self, topic: str, partition: int, leader_epoch: int, isr: list[int]
    ) -> ErrorCode:
        tp = (topic, partition)
        version = self.zk_versions.get(tp, -1)

        def write() -> int:
            path = znodes.partition_state_path(topic, partition)
            data = znodes.encode_partition_state(self.broker_id, leader_epoch, isr, self.controller_epoch)
            stat = self.session.client.set(path, data, version=version)
            self.session.client.create(
                f"{znodes.ISR_CHANGES}/{znodes.ISR_CHANGE_PREFIX}",
                znodes.encode_isr_change([tp]),
                sequence=True,
            )
            return stat.version

        try:
            self.zk_versions[tp] = await self.session.call(write)
        except BadVersionError:
            logger(
                "kafka.cluster.Partition", f"[Partition {topic}-{partition} broker={self.broker_id}]"
            ).info(f"Cached zkVersion {version} not equal to that in zookeeper, skip updating ISR")
            return ErrorCode.FENCED_LEADER_EPOCH
        except NoNodeError:
            return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        return ErrorCode.NONE

    # --- client quotas (AlterClientQuotas / DescribeClientQuotas in ZooKeeper mode) ---
    async def alter_client_quotas(self, entries: list[dict], validate_only: bool) -> list[dict]:
        return await self.session.call(client_quotas.alter, self.session.client, entries, validate_only)

    async def client_quota_table(self) -> dict[str, dict[str, float]]:
        return await self.session.call(client_quotas.read_table, self.session.client)

    # --- SCRAM credentials (AlterUserScramCredentials / DescribeUserScramCredentials) ---
    async def alter_user_scram_credentials(self, deletions: list[dict], upsertions: list[dict]) -> list[dict]:
        return await self.session.call(scram_credentials.alter, self.session.client, deletions, upsertions)

    async def describe_user_scram_credentials(self, users: list[dict] | None) -> list[dict]:
        return await self.session.call(scram_credentials.describe, self.session.client, users)

    async def close(self) -> None:
        self._closing = True
        await self.config_changes.close()
        await self.controller.resign("shutting down")
        await self.session.close()
