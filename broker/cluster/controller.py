"""The state and rules of the KRaft controller: broker registrations and sessions, topics and
partition state (replicas, ISR, leader, leader epoch), leader election on fencing.

The controller of a quorum (broker/raft/quorum_controller.py, Kafka's QuorumController) builds on
this: every change ends in `publish()`, which writes it to `__cluster_metadata-0` as Kafka's
metadata records; brokers learn it by reading that log. With one voter the quorum is of one.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from .. import client_quotas, scram_credentials
from ..acls import AclBinding, AclFilter
from ..log4j import logger
from ..protocol.errors import ErrorCode
from . import reassignment
from .metadata import BrokerEndpoint, BrokerInfo, ClusterMetadata, PartitionInfo, TopicInfo
from .placement import assign_replicas


@dataclass
class Registration:
    info: BrokerInfo
    epoch: int
    incarnation: uuid.UUID
    last_heartbeat: float
    fenced: bool = True  # Kafka registers a broker fenced; a heartbeat unfences it once caught up
    local: bool = False  # the controller's own broker: never times out
    record_offset: int = -1  # where its RegisterBrokerRecord is in the metadata log


class Controller:
    def __init__(self, node_id: int, metadata: ClusterMetadata, session_timeout_ms: int):
        self.node_id = node_id
        self.metadata = metadata  # brokers: the unfenced ones (what Metadata lists)
        self.session_timeout_s = session_timeout_ms / 1000
        self.log = logger("org.apache.kafka.controller.QuorumController", f"[QuorumController id={node_id}]")
        self.registrations: dict[int, Registration] = {}
        self.topic_configs: dict[str, dict] = {}
        # dynamic broker configs: "" = the cluster-wide default, "<id>" = one broker
        self.broker_configs: dict[str, dict[str, str]] = {}
        self.acls: list[AclBinding] = []  # broker/acls.py
        self.client_quotas: client_quotas.Table = {}  # entity path -> {key: value}
        self.scram_credentials: scram_credentials.Table = {}  # user -> {mechanism: credential}
        self.version = 0
        self._next_epoch = int(time.time())  # broker epochs grow across controller restarts too
        self.heartbeat_log = logger(
            "org.apache.kafka.controller.BrokerHeartbeatManager", f"[QuorumController id={node_id}]"
        )
        self.cluster_log = logger(
            "org.apache.kafka.controller.ClusterControlManager", f"[QuorumController id={node_id}]"
        )

    def publish(self, topics: set[str] | None = None) -> None:
        """Make the changes so far durable and visible (the quorum controller writes records).
        `topics`: the change touched only these topics (besides brokers, broker configs, ACLs and
        client quotas), so only they are compared with what was written; None: every topic."""
        raise NotImplementedError

    def add_acls(self, bindings: list[AclBinding]) -> None:
        """CreateAcls, validated by the caller; an existing identical ACL is not added twice."""
        for b in bindings:
            if b not in self.acls:
                self.acls.append(b)
        self.publish(topics=set())

    def delete_acls(self, filters: list[AclFilter]) -> list[list[AclBinding]]:
        """DeleteAcls: the ACLs each filter removed (an ACL goes with the first filter matching it)."""
        out = []
        for f in filters:
            gone = [b for b in self.acls if f.matches(b)]
            self.acls[:] = [b for b in self.acls if b not in gone]
            out.append(gone)
        if any(out):
            self.publish(topics=set())
        return out

    def alter_client_quotas(self, entries: list[dict], validate_only: bool) -> list[dict]:
        """AlterClientQuotas (Kafka's ClientQuotaControlManager.alterClientQuotas): validated
        here, against this controller's quotas; the changed keys are written as ClientQuotaRecords
        unless validate_only. The answer's entries, one per distinct entity."""
        results, changes = client_quotas.controller_alter(self.client_quotas, entries)
        if changes and not validate_only:
            for path, key, value in changes:
                client_quotas.apply_change(self.client_quotas, path, key, value)
                self.log.info(
                    f"Client quota {path}: {key} " + ("removed" if value is None else f"set to {value}")
                )
            self.publish(topics=set())
        return results

    def alter_user_scram_credentials(self, deletions: list[dict], upsertions: list[dict]) -> list[dict]:
        """AlterUserScramCredentials (Kafka's ScramControlManager.alterCredentials): validated
        here against this controller's credentials; the changes are written as
        UserScramCredentialRecords / RemoveUserScramCredentialRecords. The answer's results."""
        results, changes = scram_credentials.controller_alter(self.scram_credentials, deletions, upsertions)
        if changes:
            for user, mechanism, cred in changes:
                scram_credentials.apply_change(self.scram_credentials, user, mechanism, cred)
                what = "removed" if cred is None else "set"  # its secrets and iterations stay out of logs
                self.log.info(f"SCRAM credential {mechanism} of user {user} {what}")
            self.publish(topics=set())
        return results

    def set_broker_configs(self, resource: str, configs: dict[str, str]) -> None:
        """Dynamic broker configs of one resource ("" or a broker id), validated by the caller."""
        if configs:
            self.broker_configs[resource] = dict(configs)
        else:
            self.broker_configs.pop(resource, None)
        self.log.info(
            f"Set the dynamic configs of broker resource '{resource}': {dict(sorted(configs.items()))}"
        )
        self.publish(topics=set())

    # --- brokers ---
    def register_local(self, broker_id: int, cluster_id: str, incarnation, endpoints, rack) -> None:
        """Register the controller's own node's broker in-process; how it is unfenced depends on
        the metadata log, so the quorum controller (broker/raft/quorum_controller.py) says."""
        raise NotImplementedError

    def register(
        self,
        broker_id: int,
        cluster_id: str,
        incarnation: uuid.UUID,
        endpoints: dict[str, BrokerEndpoint],
        rack: str | None,
        local: bool = False,
    ) -> tuple[ErrorCode, int]:
        if cluster_id and cluster_id != self.metadata.cluster_id:
            self.log.info(
                f"Rejecting registration of broker {broker_id}: cluster id {cluster_id} does not match "
                f"{self.metadata.cluster_id}"
            )
            return ErrorCode.INCONSISTENT_CLUSTER_ID, -1
        old = self.registrations.get(broker_id)
        if (
            not local
            and old is not None
            and not old.fenced
            and old.incarnation != incarnation
            and time.monotonic() - old.last_heartbeat < self.session_timeout_s
        ):
            self.log.info(f"Rejecting registration of broker {broker_id}: another incarnation is still alive")
            return ErrorCode.DUPLICATE_BROKER_REGISTRATION, -1
        if old is not None and not old.fenced and not local:
            self._fence_partitions(broker_id)  # a new incarnation: its old self is gone
        self._next_epoch += 1
        reg = Registration(
            BrokerInfo(broker_id, dict(endpoints), rack),
            self._next_epoch,
            incarnation,
            time.monotonic(),
            fenced=True,
            local=local,
        )
        self.registrations[broker_id] = reg
        self.metadata.brokers.pop(broker_id, None)
        self.log.info(
            f"Registered broker {broker_id} with epoch {reg.epoch} and endpoints "
            + ", ".join(f"{k}://{e.host}:{e.port}" for k, e in endpoints.items())
        )
        self.publish()  # RegisterBrokerRecord, fenced (ClusterControlManager.registerBroker)
        reg.record_offset = self.version - 1
        return ErrorCode.NONE, reg.epoch

    def heartbeat(
        self,
        broker_id: int,
        epoch: int,
        want_shutdown: bool,
        want_fence: bool = False,
        metadata_offset: int = -1,
    ) -> tuple[ErrorCode, bool]:
        """(error, fenced). A fenced broker that asks to be unfenced is, once it has replayed its
        own RegisterBrokerRecord (Kafka's BrokerHeartbeatManager); one whose session timed out
        is unfenced the same way when it comes back."""
        reg = self.registrations.get(broker_id)
        if reg is None:
            return ErrorCode.BROKER_ID_NOT_REGISTERED, True
        if reg.epoch != epoch:
            return ErrorCode.STALE_BROKER_EPOCH, True
        reg.last_heartbeat = time.monotonic()
        if want_shutdown:
            self.fence(broker_id, "it is shutting down")
            return ErrorCode.NONE, True
        if reg.fenced and not want_fence:
            if metadata_offset >= reg.record_offset:
                self.heartbeat_log.info(
                    f"The request from broker {broker_id} to unfence has been granted because it has "
                    f"caught up with the offset of its register broker record {reg.record_offset}."
                )
                self.unfence(broker_id)
            else:
                self.heartbeat_log.debug(
                    f"The request from broker {broker_id} to unfence cannot yet be granted because it "
                    f"has not caught up with the offset of its register broker record {reg.record_offset}. "
                    f"It is still at offset {metadata_offset}."
                )
        return ErrorCode.NONE, reg.fenced

    def unfence(self, broker_id: int) -> None:
        reg = self.registrations[broker_id]
        reg.fenced = False
        self.metadata.register_broker(reg.info)
        self.cluster_log.info(f"Unfenced broker: UnfenceBrokerRecord(id={broker_id}, epoch={reg.epoch})")
        self._elect_offline_partitions(broker_id)
        self.publish()

    def check_sessions(self) -> None:
        now = time.monotonic()
        for bid, reg in list(self.registrations.items()):
            if not reg.fenced and not reg.local and now - reg.last_heartbeat > self.session_timeout_s:
                self.fence(bid, "its session has timed out")

    def fence(self, broker_id: int, why: str) -> None:
        reg = self.registrations.get(broker_id)
        if reg is None or reg.fenced:
            return
        self.log.info(f"Fencing broker {broker_id} because {why}.")
        reg.fenced = True
        self._fence_partitions(broker_id)
        self.cluster_log.info(f"Fenced broker: FenceBrokerRecord(id={broker_id}, epoch={reg.epoch})")
        self.publish()

    def _fence_partitions(self, broker_id: int) -> None:
        """Leaderships move off the broker and it leaves every ISR (unless it is the last member)."""
        self.metadata.brokers.pop(broker_id, None)
        for t in self.metadata.topics.values():
            for p in t.partitions.values():
                if broker_id not in p.replicas:
                    continue
                if p.leader == broker_id:
                    self._elect(t.name, p, exclude=broker_id)
                elif broker_id in p.isr and len(p.isr) > 1:
                    p.isr = [r for r in p.isr if r != broker_id]

    def _alive(self, bid: int) -> bool:
        reg = self.registrations.get(bid)
        return reg is not None and not reg.fenced

    def _elect(self, topic: str, p: PartitionInfo, exclude: int) -> None:
        """Move leadership to the first live in-sync replica; none left: leader -1 (offline) and
        the ISR keeps its last member, as Kafka does without unclean election."""
        candidates = [r for r in p.replicas if r in p.isr and r != exclude and self._alive(r)]
        old = p.leader
        p.leader_epoch += 1
        if candidates:
            p.leader = candidates[0]
            p.isr = [r for r in p.isr if r != exclude]
        else:
            p.leader = -1
        self.log.info(
            f"Partition {topic}-{p.index}: leader {old} -> {p.leader}, leader epoch {p.leader_epoch}, "
            f"ISR {','.join(map(str, p.isr))}"
        )

    def elect_leader(self, topic: str, index: int, unclean: bool) -> tuple[ErrorCode, str | None]:
        """ElectLeaders for one partition (Kafka's ReplicationControlManager.electLeader), without
        publishing: preferred → the first replica, if alive and in sync; unclean → only for an
        offline partition, a live in-sync replica, else any live replica (its log becomes the
        truth: the ISR shrinks to it)."""
        t = self.metadata.topics.get(topic)
        p = t.partitions.get(index) if t is not None else None
        if p is None:
            return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition."
        if not unclean:
            target = p.replicas[0]
            if p.leader == target:
                return ErrorCode.ELECTION_NOT_NEEDED, "Leader election not needed for topic partition."
            if target not in p.isr or not self._alive(target):
                return (
                    ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
                    f"The preferred replica {target} of {topic}-{index} is not alive or not in sync.",
                )
            new_isr = p.isr
        else:
            if p.leader != -1 and self._alive(p.leader):
                return ErrorCode.ELECTION_NOT_NEEDED, "Leader election not needed for topic partition."
            in_sync = [r for r in p.replicas if r in p.isr and self._alive(r)]
            live = [r for r in p.replicas if self._alive(r)]
            if not in_sync and not live:
                return ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, "No eligible leaders are available."
            target = (in_sync or live)[0]
            new_isr = p.isr if in_sync else [target]
        old = p.leader
        p.leader, p.leader_epoch, p.isr = target, p.leader_epoch + 1, list(new_isr)
        self.log.info(
            f"Partition {topic}-{index}: leader {old} -> {target} ({'unclean' if unclean else 'preferred'} "
            f"election), leader epoch {p.leader_epoch}, ISR {','.join(map(str, p.isr))}"
        )
        return ErrorCode.NONE, None

    def _elect_offline_partitions(self, broker_id: int) -> None:
        for t in self.metadata.topics.values():
            for p in t.partitions.values():
                if p.leader == -1 and broker_id in p.isr:
                    p.leader, p.leader_epoch = broker_id, p.leader_epoch + 1
                    self.log.info(
                        f"Partition {t.name}-{p.index}: leader -1 -> {broker_id}, "
                        f"leader epoch {p.leader_epoch}"
                    )

    # --- topics ---
    def _assign(self, partitions: int, rf: int) -> list[list[int]]:
        return assign_replicas(list(self.metadata.brokers), partitions, rf)

    def create_topic(
        self,
        name: str,
        partitions: int,
        rf: int,
        configs: dict | None,
        assignments: list[list[int]] | None = None,
        internal: bool = False,
        topic_id: uuid.UUID | None = None,
    ) -> tuple[ErrorCode, str | None, TopicInfo | None]:
        """Validated by the caller (names, counts, configs); places replicas and publishes.
        `topic_id`: the id the caller's node already made its logs with (create_topic_async)."""
        if name in self.metadata.topics:
            return ErrorCode.TOPIC_ALREADY_EXISTS, f"Topic '{name}' already exists.", None
        alive = len(self.metadata.brokers)
        if assignments is None:
            if rf > alive:
                return (
                    ErrorCode.INVALID_REPLICATION_FACTOR,
                    f"Unable to replicate the partition {rf} time(s): The target replication factor of {rf} "
                    f"cannot be reached because only {alive} broker(s) are registered.",
                    None,
                )
            assignments = self._assign(partitions, rf)
        info = TopicInfo(name, topic_id or uuid.uuid4(), {}, internal=internal)
        for p, reps in enumerate(assignments):
            info.partitions[p] = PartitionInfo(
                p, leader=reps[0], leader_epoch=0, replicas=list(reps), isr=list(reps)
            )
        self.metadata.put_topic(info)
        self.topic_configs[name] = dict(configs or {})
        self.log.info(
            f"Created topic {name} with {len(assignments)} partition(s): "
            + "; ".join(f"{p}->{','.join(map(str, r))}" for p, r in enumerate(assignments))
        )
        self.publish(topics={name})
        return ErrorCode.NONE, None, info

    def add_partitions(self, name: str, assignments: list[list[int]]) -> None:
        """CreatePartitions, validated by the caller: new partitions after the existing ones, each
        led by its first replica (Kafka's ReplicationControlManager.createPartitions)."""
        info = self.metadata.topics[name]
        start = len(info.partitions)
        for i, reps in enumerate(assignments):
            p = start + i
            info.partitions[p] = PartitionInfo(
                p, leader=reps[0], leader_epoch=0, replicas=list(reps), isr=list(reps)
            )
        self.log.info(f"Added {len(assignments)} partition(s) to topic {name}")
        self.publish(topics={name})

    def place(self, partitions: int, rf: int) -> list[list[int]]:
        """Replica placement for new partitions (the same rule as for a new topic)."""
        return self._assign(partitions, rf)

    def set_topic_configs(self, name: str, configs: dict) -> None:
        """AlterConfigs / IncrementalAlterConfigs, validated by the caller: the topic's whole set
        of overrides, persisted with the cluster state and published to every broker."""
        self.topic_configs[name] = dict(configs)
        self.log.info(f"Set the configs of topic {name}: {dict(sorted(configs.items()))}")
        self.publish(topics={name})

    def adopt_topic(self, info: TopicInfo, configs: dict) -> None:
        """A topic found in the controller node's own logs with no controller state (a data dir
        from before cluster mode): one replica, here."""
        self.metadata.put_topic(info)
        self.topic_configs[info.name] = dict(configs)

    def delete_topic(self, name: str) -> ErrorCode:
        if self.metadata.remove_topic(name) is None:
            return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        self.topic_configs.pop(name, None)
        self.log.info(f"Deleted topic {name}")
        self.publish(topics={name})
        return ErrorCode.NONE

    def alter_partition(
        self, broker_id: int, topic: str, partition: int, leader_epoch: int, new_isr: list[int]
    ) -> ErrorCode:
        t = self.metadata.topics.get(topic)
        p = t.partitions.get(partition) if t else None
        if p is None:
            return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        if p.leader != broker_id:
            return ErrorCode.NOT_LEADER_OR_FOLLOWER
        if p.leader_epoch != leader_epoch:
            return ErrorCode.FENCED_LEADER_EPOCH
        if broker_id not in new_isr or not set(new_isr) <= set(p.replicas):
            return ErrorCode.INVALID_REQUEST
        added = [r for r in new_isr if r not in p.isr]
        if any(not self._alive(r) for r in added):
            return ErrorCode.INVALID_REQUEST  # Kafka: INELIGIBLE_REPLICA for a fenced broker
        if sorted(new_isr) != sorted(p.isr):
            self.log.info(
                f"Partition {topic}-{partition}: ISR {','.join(map(str, p.isr))} -> "
                f"{','.join(map(str, new_isr))} (requested by leader {broker_id})"
            )
            p.isr = [r for r in p.replicas if r in new_isr]
            reassignment.maybe_complete(self, topic, p)
            self.publish(topics={topic})
        return ErrorCode.NONE
