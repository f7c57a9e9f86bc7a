"""The transaction coordinator (Kafka's TransactionCoordinator with its TransactionStateManager and
TransactionMarkerChannelManager, reduced to one class): transactional ids live in the
`__transaction_state` partition their id hashes to; the leader of that partition coordinates
them. Every state change is written there (acks=all) before it is answered.

EndTxn: Ongoing -> PrepareCommit/PrepareAbort (written), the client is answered, then markers go
to every partition of the transaction (written locally when this node leads it, else by a
WriteTxnMarkers request to its leader) and CompleteCommit/CompleteAbort is written. While that
runs, InitProducerId/AddPartitions/EndTxn get CONCURRENT_TRANSACTIONS (clients retry).

Fencing: InitProducerId for an id with an Ongoing transaction bumps the epoch and aborts it
(PrepareEpochFence); the caller gets CONCURRENT_TRANSACTIONS and its retry gets the next epoch.
The zombie's requests to the coordinator get PRODUCER_FENCED, its batches INVALID_PRODUCER_EPOCH
(the abort markers carry the bumped epoch). A transaction open longer than its timeout is aborted
the same way by a periodic check
(`transaction.abort.timed.out.transaction.cleanup.interval.ms`).
"""

from __future__ import annotations

import asyncio
import time
import weakref

from ..group.store import setting
from ..log.builder import build_batch
from ..log4j import logger
from ..protocol.errors import ErrorCode
from .log_records import DEFAULT_NUM_PARTITIONS, TXN_TOPIC, key_of, read_partition, txn_partition, value_of
from .marker_sender import send_markers
from .state import MAX_EPOCH, STATE_NAMES, TxnMetadata
from .state import TxnState as S

E = ErrorCode
TXN_SEGMENT_BYTES = 104857600  # transaction.state.log.segment.bytes default


def _now() -> int:
    return int(time.time() * 1000)


class TransactionCoordinator:
    def __init__(self, node):
        self.node = node
        self.log = logger(
            "kafka.coordinator.transaction.TransactionCoordinator",
            f"[TransactionCoordinator id={node.node_id}]",
        )
        self.txns: dict[str, TxnMetadata] = {}
        self.loaded_partitions: set[int] = set()
        self.max_timeout_ms = setting(node, "transaction.max.timeout.ms", 900000)
        self.abort_interval_ms = setting(
            node, "transaction.abort.timed.out.transaction.cleanup.interval.ms", 10000
        )
        self._aborter: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()

    # --- the topic ---
    def topic_exists(self) -> bool:
        return TXN_TOPIC in self.node.metadata.topics

    def num_partitions(self) -> int:
        info = self.node.metadata.topics.get(TXN_TOPIC)
        if info is not None:
            return len(info.partitions)
        return setting(self.node, "transaction.state.log.num.partitions", DEFAULT_NUM_PARTITIONS)

    def partition_of(self, tid: str) -> int:
        return txn_partition(tid, self.num_partitions())

    def leader_of(self, tid: str) -> int | None:
        info = self.node.metadata.topics.get(TXN_TOPIC)
        p = None if info is None else info.partitions.get(self.partition_of(tid))
        return None if p is None else p.leader

    def create_topic(self) -> ErrorCode:
        """Created on first FindCoordinator(key_type 1), as Kafka's auto-creation of internal
        topics: refused while fewer brokers are alive than its replication factor."""
        rf = setting(self.node, "transaction.state.log.replication.factor", 3)
        alive = len(self.node.metadata.brokers)
        if alive < rf:
            self.log.error(
                f"Number of alive brokers '{alive}' does not meet the required replication factor '{rf}' "
                f"for the transactions state topic (configured via "
                f"'transaction.state.log.replication.factor'). This error can be ignored if the cluster "
                f"is starting up and not all brokers are up yet."
            )
            return E.COORDINATOR_NOT_AVAILABLE
        configs = {
            "segment.bytes": setting(self.node, "transaction.state.log.segment.bytes", TXN_SEGMENT_BYTES),
            "min.insync.replicas": setting(self.node, "transaction.state.log.min.isr", 2),
            "unclean.leader.election.enable": "false",
            "cleanup.policy": "compact",
        }
        n = setting(self.node, "transaction.state.log.num.partitions", DEFAULT_NUM_PARTITIONS)
        err, msg, _ = self.node.topic_admin.create(TXN_TOPIC, n, rf, configs)
        if err in (E.NONE, E.TOPIC_ALREADY_EXISTS):
            return E.NONE
        if err != E.LEADER_NOT_AVAILABLE:
            self.log.error(f"Could not create {TXN_TOPIC}: {err.name} {msg or ''}")
        return E.COORDINATOR_NOT_AVAILABLE

    # --- loading ---
    def load(self) -> None:
        """Replay the `__transaction_state` partitions this node leads and has not loaded."""
        info = self.node.metadata.topics.get(TXN_TOPIC)
        if info is None:
            return
        mine = [
            p
            for p, part in sorted(info.partitions.items())
            if part.leader == self.node.node_id and p not in self.loaded_partitions
        ]
        for p in mine:
            self._load_partition(p)
        self._start_aborter()

    def _load_partition(self, p: int) -> None:
        self.loaded_partitions.add(p)
        plog = self.node.partition_log(TXN_TOPIC, p)
        if plog is None:
            return
        start = time.monotonic()
        loaded: dict[str, TxnMetadata] = {}
        for rec in read_partition(plog):
            if rec.value is None:
                loaded.pop(rec.transactional_id, None)
            else:
                loaded[rec.transactional_id] = rec.value
        for tid, m in loaded.items():
            self.node.producer_ids.seen(m.producer_id)
            self.txns[tid] = m
            if m.state in (S.PREPARE_COMMIT, S.PREPARE_ABORT):  # answered, markers not all written
                self._spawn(self._complete(m, m.state == S.PREPARE_COMMIT))
        if loaded:
            self.log.info(
                f"Loaded transaction metadata from {TXN_TOPIC}-{p} in "
                f"{(time.monotonic() - start) * 1000:.0f} milliseconds: {len(loaded)} transactional id(s)"
            )

    def on_leadership(self, partition: int, leader: bool) -> None:
        if leader:
            if self.loaded_partitions or self.txns:
                self._load_partition(partition)
            return
        self.loaded_partitions.discard(partition)
        for tid in [t for t in self.txns if self.partition_of(t) == partition]:
            del self.txns[tid]

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _start_aborter(self) -> None:
        if self._aborter is None or self._aborter.done():
            self._aborter = asyncio.get_running_loop().create_task(self._abort_timed_out_loop())

    def coordinator_error(self, tid: str | None) -> ErrorCode:
        if not tid:
            return E.INVALID_REQUEST
        if not self.topic_exists():
            return E.COORDINATOR_NOT_AVAILABLE
        if self.leader_of(tid) != self.node.node_id:
            return E.NOT_COORDINATOR
        self.load()
        return E.NONE

    def coordinator_epoch(self, tid: str) -> int:
        info = self.node.metadata.topics[TXN_TOPIC]
        return info.partitions[self.partition_of(tid)].leader_epoch

    # --- writing state ---
    async def _persist(self, m: TxnMetadata, state: S, **changes) -> ErrorCode:
        """Write the metadata with `state` and `changes` applied; apply them in memory only once
        the write is on every ISR member (Kafka's TransitionMetadata then completeTransitionTo)."""
        now = _now()
        new = TxnMetadata(
            m.transactional_id,
            changes.get("producer_id", m.producer_id),
            changes.get("producer_epoch", m.producer_epoch),
            changes.get("timeout_ms", m.timeout_ms),
            state,
            set(changes.get("partitions", m.partitions)),
            now,
            changes.get("start_ms", m.start_ms),
        )
        p = self.partition_of(m.transactional_id)
        batch = build_batch([(key_of(m.transactional_id), value_of(new))], timestamp=now)
        res = self.node.append(TXN_TOPIC, p, batch, -1)
        if res.error == E.NONE:
            err = await self.node.replicas.wait_committed(
                TXN_TOPIC, p, res.next_offset, 5000, self.node.min_insync(TXN_TOPIC)
            )
        else:
            err = res.error
        if err != E.NONE:
            self.log.error(
                f"Writing {STATE_NAMES[state]} of transactional id {m.transactional_id} to {TXN_TOPIC}-{p} "
                f"failed: {err.name}"
            )
            return E.NOT_COORDINATOR if err == E.NOT_LEADER_OR_FOLLOWER else E.COORDINATOR_NOT_AVAILABLE
        m.producer_id, m.producer_epoch, m.timeout_ms = new.producer_id, new.producer_epoch, new.timeout_ms
        m.state, m.partitions, m.last_update_ms, m.start_ms = state, new.partitions, now, new.start_ms
        return E.NONE

    # --- InitProducerId ---
    async def init_producer_id(
        self, tid: str, timeout_ms: int, pid: int = -1, epoch: int = -1
    ) -> tuple[ErrorCode, int, int]:
        if timeout_ms <= 0 or timeout_ms > self.max_timeout_ms:
            return E.INVALID_TRANSACTION_TIMEOUT, -1, -1
        err = self.coordinator_error(tid)
        if err:
            return err, -1, -1
        m = self.txns.get(tid)
        if m is None:
            m = TxnMetadata(tid, self.node.producer_ids.allocate(), -1, timeout_ms)
            self.txns[tid] = m
        if m.pending or m.state in (S.PREPARE_COMMIT, S.PREPARE_ABORT, S.PREPARE_EPOCH_FENCE):
            return E.CONCURRENT_TRANSACTIONS, -1, -1
        if pid >= 0 and (pid, epoch) != (m.producer_id, m.producer_epoch):
            # KIP-360: a producer re-initialising with an id/epoch that is no longer current
            return E.PRODUCER_FENCED, -1, -1
        if m.state == S.ONGOING:  # a zombie's open transaction: fence it and abort
            self.log.info(
                f"Fencing producer id {m.producer_id} epoch {m.producer_epoch} of transactional id {tid}: "
                f"a new producer initialised while its transaction was ongoing"
            )
            self._spawn(self._fence_and_abort(m))
            return E.CONCURRENT_TRANSACTIONS, -1, -1
        new_pid, new_epoch = m.producer_id, m.producer_epoch + 1
        if new_epoch >= MAX_EPOCH:  # exhausted: a new producer id (Kafka's prepareProducerIdRotation)
            new_pid, new_epoch = self.node.producer_ids.allocate(), 0
        err = await self._persist(
            m, S.EMPTY, producer_id=new_pid, producer_epoch=new_epoch, timeout_ms=timeout_ms, partitions=set()
        )
        if err:
            return err, -1, -1
        self.log.info(
            f"Initialized transactionalId {tid} with producerId {new_pid} and producer epoch {new_epoch} "
            f"on partition {TXN_TOPIC}-{self.partition_of(tid)}"
        )
        return E.NONE, new_pid, new_epoch

    def _producer_error(self, tid: str, pid: int, epoch: int) -> ErrorCode:
        err = self.coordinator_error(tid)
        if err:
            return err
        m = self.txns.get(tid)
        if m is None or m.producer_id != pid:
            return E.INVALID_PRODUCER_ID_MAPPING
        if epoch != m.producer_epoch:
            return E.PRODUCER_FENCED
        if m.pending or m.state in (S.PREPARE_COMMIT, S.PREPARE_ABORT, S.PREPARE_EPOCH_FENCE):
            return E.CONCURRENT_TRANSACTIONS
        return E.NONE

    # --- AddPartitionsToTxn / AddOffsetsToTxn ---
    async def add_partitions(
        self, tid: str, pid: int, epoch: int, partitions: set[tuple[str, int]]
    ) -> ErrorCode:
        err = self._producer_error(tid, pid, epoch)
        if err:
            return err
        m = self.txns[tid]
        if m.state == S.ONGOING and partitions <= m.partitions:
            return E.NONE
        start = m.start_ms if m.state == S.ONGOING else _now()
        return await self._persist(m, S.ONGOING, partitions=m.partitions | partitions, start_ms=start)

    def verify_partitions(
        self, tid: str, pid: int, epoch: int, partitions: set[tuple[str, int]]
    ) -> dict[tuple[str, int], ErrorCode]:
        """AddPartitionsToTxn v4 verify_only: which partitions are not in the ongoing transaction."""
        err = self._producer_error(tid, pid, epoch)
        m = self.txns.get(tid)
        return {
            tp: err
            or (
                E.NONE
                if m is not None and m.state == S.ONGOING and tp in m.partitions
                else E.INVALID_TXN_STATE
            )
            for tp in partitions
        }

    # --- EndTxn ---
    async def end_txn(self, tid: str, pid: int, epoch: int, commit: bool) -> ErrorCode:
        err = self.coordinator_error(tid)
        if err:
            return err
        m = self.txns.get(tid)
        if m is None or m.producer_id != pid:
            return E.INVALID_PRODUCER_ID_MAPPING
        if epoch != m.producer_epoch:
            return E.PRODUCER_FENCED
        if m.pending:
            return E.CONCURRENT_TRANSACTIONS
        if m.state == S.ONGOING:
            err = await self._persist(m, S.PREPARE_COMMIT if commit else S.PREPARE_ABORT)
            if err:
                return err
            m.pending = True
            self._spawn(self._complete(m, commit))
            return E.NONE
        # a retried EndTxn whose first attempt went through (Kafka answers it the same way)
        if (m.state == S.COMPLETE_COMMIT and commit) or (m.state == S.COMPLETE_ABORT and not commit):
            return E.NONE
        if (m.state == S.PREPARE_COMMIT and commit) or (m.state == S.PREPARE_ABORT and not commit):
            return E.CONCURRENT_TRANSACTIONS
        return E.INVALID_TXN_STATE

    async def _complete(self, m: TxnMetadata, commit: bool) -> None:
        """Write the markers, then CompleteCommit/CompleteAbort. Retried until every partition
        has its marker (Kafka's TransactionMarkerChannelManager retries unfinished ones)."""
        m.pending = True
        try:
            left = set(m.partitions)
            coord_epoch = self.coordinator_epoch(m.transactional_id)
            while left:
                if self.leader_of(m.transactional_id) != self.node.node_id:
                    return  # no longer the coordinator: the new one completes it from the log
                left = await send_markers(
                    self.node, m.producer_id, m.producer_epoch, commit, coord_epoch, left
                )
                if left:
                    await asyncio.sleep(0.1)
            err = await self._persist(
                m, S.COMPLETE_COMMIT if commit else S.COMPLETE_ABORT, partitions=set(), start_ms=-1
            )
            if err:
                self.log.error(f"Completing the transaction of {m.transactional_id} failed: {err.name}")
        finally:
            m.pending = False

    async def _fence_and_abort(self, m: TxnMetadata) -> None:
        """PrepareEpochFence: bump the epoch so the old producer is fenced, then abort its
        transaction with the new epoch."""
        m.pending = True
        try:
            err = await self._persist(m, S.PREPARE_ABORT, producer_epoch=m.producer_epoch + 1)
            if err:
                return
            await self._complete(m, False)
        finally:
            m.pending = False

    async def _abort_timed_out_loop(self) -> None:
        while True:
            await asyncio.sleep(self.abort_interval_ms / 1000)
            now = _now()
            for m in list(self.txns.values()):
                if m.state == S.ONGOING and not m.pending and now > m.start_ms + m.timeout_ms:
                    self.log.info(
                        "Completing rollback of ongoing transaction for transactionalId "
                        f"{m.transactional_id} due to timeout"
                    )
                    self._spawn(self._fence_and_abort(m))

    def shutdown(self) -> None:
        if self._aborter is not None:
            self._aborter.cancel()
        for t in list(self._tasks):
            t.cancel()


_coordinators: weakref.WeakKeyDictionary[object, TransactionCoordinator] = weakref.WeakKeyDictionary()


def coordinator_of(node) -> TransactionCoordinator:
    """The node's coordinator, attached on first use (as broker/group's)."""
    coord = _coordinators.get(node)
    if coord is None:
        coord = _coordinators[node] = TransactionCoordinator(node)
    return coord
