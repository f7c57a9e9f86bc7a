"""Replica fetchers: one task per leader broker, fetching this broker's follower partitions from
the leader's advertised endpoint for inter.broker.listener.name (Fetch v12 with replica_id), as
Kafka's ReplicaFetcherThread does, in an incremental fetch session (KIP-227,
fetch_session_handler.py) so that each request names only the partitions whose state changed.
Failures are logged with Kafka's prefix `[ReplicaFetcher replicaId=2, leaderId=1, fetcherId=0]`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..log4j import logger
from ..protocol.errors import ErrorCode
from ..registry import discover
from . import epoch_truncation
from .channel import NodeChannel
from .errors import ChannelError
from .fetch_session_handler import FetchSessionHandler

if TYPE_CHECKING:
    from ..node import BrokerNode

FETCH_VERSION = 12
LIST_OFFSETS_VERSION = 4  # current_leader_epoch (KIP-320)


class Fetcher:
    def __init__(self, node: BrokerNode, leader: int):
        self.node, self.leader = node, leader
        self.partitions: dict[tuple[str, int], int] = {}  # tp -> leader epoch
        prefix = f"[ReplicaFetcher replicaId={node.node_id}, leaderId={leader}, fetcherId=0]"
        self.log = logger("kafka.server.ReplicaFetcherThread", prefix)
        self.net_log = logger("org.apache.kafka.clients.NetworkClient", prefix)
        self.channel: NodeChannel | None = None
        self.session = FetchSessionHandler()
        self.out_of_range: set[tuple[str, int]] = set()  # answered OFFSET_OUT_OF_RANGE: ask the leader
        self.task = asyncio.get_running_loop().create_task(self._run())
        self._wakeup = asyncio.Event()

    def _endpoint(self):
        b = self.node.metadata.brokers.get(self.leader)
        return None if b is None else b.endpoints.get(self.node.config.inter_broker_listener)

    async def _run(self) -> None:
        fetch_api = discover().by_name("Fetch")
        cfg = self.node.config
        backoff = cfg["replica.fetch.backoff.ms"] / 1000
        while self.partitions:
            ep = self._endpoint()
            if ep is None:  # the leader is not (yet) in our metadata: wait for the next update
                await self._sleep(backoff)
                continue
            if self.channel is None or (self.channel.host, self.channel.port) != (ep.host, ep.port):
                if self.channel is not None:
                    self.channel.close()
                self.channel = NodeChannel(
                    self.net_log, self.leader, ep.host, ep.port, f"broker-{self.node.node_id}-fetcher-0"
                )
            try:  # KIP-101: cut a diverged tail where the leader says, before fetching
                if not await epoch_truncation.reconcile(self, cfg["replica.socket.timeout.ms"] / 1000):
                    await self._sleep(backoff)
                    continue
            except ChannelError as exc:
                self.log.debug(f"Error in OffsetForLeaderEpoch request: {exc}")
                await self._sleep(backoff)
                continue
            if self.out_of_range:
                try:
                    await self._reset_out_of_range(cfg["replica.socket.timeout.ms"] / 1000)
                except ChannelError as exc:
                    self.log.debug(f"Error in ListOffsets request: {exc}")
                    await self._sleep(backoff)
                    continue
            req = self._request(cfg)
            try:
                resp = await self.channel.request(
                    fetch_api, FETCH_VERSION, req, cfg["replica.socket.timeout.ms"] / 1000
                )
            except ChannelError as exc:
                self.session.handle_error()
                self.log.debug(f"Error in response for fetch request: {exc}")
                await self._sleep(backoff)
                continue
            self.session.handle_response(resp)
            if resp["error_code"]:
                self.log.warning(f"Error in fetch: {ErrorCode(resp['error_code']).name}")
                await self._sleep(backoff)
                continue
            try:
                failed = self._handle(resp)
            except Exception as exc:  # a storage error or a batch our log refuses: back off, retry
                self.log.error(f"Unexpected error occurred while processing data: {exc}", exc_info=exc)
                failed = True
            if failed:
                await self._sleep(backoff)
        if self.channel is not None:
            self.channel.close()

    async def _leader_offsets(self, tps: list[tuple[str, int]], timestamp: int, timeout: float) -> dict:
        """The leader's earliest (-2) or latest (-1) offset of each partition, asked as a replica."""
        topics: dict[str, list[dict]] = {}
        for t, p in tps:
            topics.setdefault(t, []).append(
                {
                    "partition_index": p,
                    "current_leader_epoch": self.partitions[(t, p)],
                    "timestamp": timestamp,
                }
            )
        req = {
            "replica_id": self.node.node_id,
            "isolation_level": 0,
            "topics": [{"name": t, "partitions": ps} for t, ps in topics.items()],
        }
        assert self.channel is not None
        resp = await self.channel.request(
            discover().by_name("ListOffsets"), LIST_OFFSETS_VERSION, req, timeout
        )
        return {
            (t["name"], p["partition_index"]): p["offset"]
            for t in resp["topics"]
            for p in t["partitions"]
            if p["error_code"] == ErrorCode.NONE
        }

    async def _reset_out_of_range(self, timeout: float) -> None:
        """Kafka's AbstractFetcherThread.fetchOffsetAndTruncate: a leader whose log ends before ours
        (an unclean election) → truncate to its end; ours ending before the leader's log start
        (DeleteRecords or retention there, a new replica) → start over at its log start."""
        tps = [tp for tp in self.out_of_range if tp in self.partitions]
        latest = await self._leader_offsets(tps, -1, timeout)
        earliest = await self._leader_offsets(tps, -2, timeout)
        for tp in tps:
            plog = self.node.logs.get(*tp)
            if plog is None or tp not in latest or tp not in earliest:
                continue  # asked again after the next out-of-range answer
            if latest[tp] < plog.log_end_offset:
                self.log.warning(
                    f"Reset fetch offset for partition {tp[0]}-{tp[1]} from {plog.log_end_offset} to "
                    f"current leader {self.leader}'s latest offset {latest[tp]}"
                )
                plog.truncate_to(latest[tp])
            elif plog.log_end_offset < earliest[tp]:
                self.log.info(
                    f"Reset fetch offset for partition {tp[0]}-{tp[1]} from {plog.log_end_offset} to "
                    f"current leader {self.leader}'s start offset {earliest[tp]}"
                )
                plog.truncate_fully_and_start_at(earliest[tp])
            self.node.rebuild_producers(plog)
            self.out_of_range.discard(tp)

    async def _sleep(self, s: float) -> None:
        """Until woken or `s` passed. asyncio.wait, not wait_for: Python 3.11's wait_for can lose a
        cancellation that arrives as the inner wait ends, and this loop would then run on."""
        self._wakeup.clear()
        woken = asyncio.ensure_future(self._wakeup.wait())
        try:
            await asyncio.wait({woken}, timeout=s)
        finally:
            woken.cancel()

    def _request(self, cfg) -> dict:
        wanted: dict[tuple[str, int], dict] = {}
        for (t, p), epoch in self.partitions.items():
            plog = self.node.logs.get(t, p)
            if plog is None:
                continue
            wanted[(t, p)] = {
                "current_leader_epoch": epoch,
                "fetch_offset": plog.log_end_offset,
                "last_fetched_epoch": -1,
                "log_start_offset": plog.log_start_offset,
                "partition_max_bytes": cfg["replica.fetch.max.bytes"],
            }
        return {
            "cluster_id": None,
            "replica_id": self.node.node_id,
            "max_wait_ms": cfg["replica.fetch.wait.max.ms"],
            "min_bytes": 1,
            "max_bytes": 10 * 1024 * 1024,
            "isolation_level": 0,
            **self.session.build(wanted),
            "rack_id": "",
        }

    def _handle(self, resp: dict) -> bool:
        """Apply one response; True when the caller should back off (errors only)."""
        backoff = False
        for t in resp["responses"]:
            for p in t["partitions"]:
                tp = (t["topic"], p["partition_index"])
                if tp not in self.partitions:
                    continue
                plog = self.node.logs.get(*tp)
                if plog is None:
                    continue
                err = p["error_code"]
                if err == ErrorCode.OFFSET_OUT_OF_RANGE:  # Kafka sends no offsets with it: ask
                    backoff = backoff or tp in self.out_of_range  # asked already, in vain: wait
                    self.out_of_range.add(tp)
                    continue
                if err != ErrorCode.NONE:
                    self.log.info(
                        f"Partition {tp[0]}-{tp[1]}: {ErrorCode(err).name} from leader {self.leader}; "
                        f"waiting for new metadata"
                    )
                    backoff = True
                    continue
                records = p["records"]
                if records:
                    self._start_at_straddling_batch(plog, tp, records)
                    plog.append_as_follower(records)
                    self.node.follower_appended(plog, records)
                leader_start = min(p["log_start_offset"], plog.log_end_offset)
                if leader_start > plog.log_start_offset:  # DeleteRecords at the leader (Kafka's
                    plog.delete_records_before(leader_start)  # maybeIncrementLogStartOffset)
                hw = min(p["high_watermark"], plog.log_end_offset)
                if hw > plog.high_watermark:
                    plog.high_watermark = hw
                    self.node.wake_fetchers(tp, appended=False)  # a consumer reading this follower (KIP-392)
        return backoff

    def _start_at_straddling_batch(self, plog, tp: tuple[str, int], records) -> None:
        """An empty follower log starting at the leader's log start, which DeleteRecords put in the
        middle of a batch: the leader sends that whole batch, so the log starts again at the batch's
        base offset (Kafka's Partition.appendRecordsToFollowerOrFutureReplica on
        UnexpectedAppendOffsetException); the leader's log start offset follows below."""
        if len(records) < 27 or plog.log_end_offset != plog.log_start_offset:
            return
        base, last_delta = int.from_bytes(records[0:8], "big"), int.from_bytes(records[23:27], "big")
        if base < plog.log_end_offset <= base + last_delta:
            self.log.info(
                f"Unexpected offset in append to {tp[0]}-{tp[1]}. First offset {base} is less than log "
                f"start offset {plog.log_start_offset}. Since this is the first record to be appended "
                f"to the follower's log, will start the log from offset {base}."
            )
            plog.truncate_fully_and_start_at(base)

    def stop(self) -> None:
        self.partitions.clear()
        self._wakeup.set()


class FetcherManager:
    def __init__(self, node: BrokerNode):
        self.node = node
        self.fetchers: dict[int, Fetcher] = {}
        # closed at shutdown: metadata applied afterwards (the quorum stops after the fetchers)
        # must not start a fetcher again, as Kafka's ReplicaManager.shutdown stops them for good
        self.closed = False

    def add(self, tp: tuple[str, int], leader: int, epoch: int) -> None:
        if self.closed:
            return
        for lid, other in list(self.fetchers.items()):
            if lid != leader and tp in other.partitions:
                del other.partitions[tp]
        f = self.fetchers.get(leader)
        if f is None or f.task.done():
            f = self.fetchers[leader] = Fetcher(self.node, leader)
        f.partitions[tp] = epoch
        f._wakeup.set()

    def remove(self, tp: tuple[str, int]) -> None:
        for f in self.fetchers.values():
            f.partitions.pop(tp, None)

    async def close(self) -> None:
        self.closed = True
        for f in self.fetchers.values():
            f.stop()
            f.task.cancel()
        tasks = [f.task for f in self.fetchers.values()]
        if tasks:
            # bounded: a cancellation lost in wait_for (Python 3.11) must not hold the shutdown;
            # stop() emptied their partitions, so their loops end at the next turn anyway
            await asyncio.wait(tasks, timeout=1.0)
        self.fetchers.clear()
