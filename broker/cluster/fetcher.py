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


class Fetcher:
    def __init__(self, node: BrokerNode, leader: int):
        self.node, self.leader = node, leader
        self.partitions: dict[tuple[str, int], int] = {}  # tp -> leader epoch
        prefix = f"[ReplicaFetcher replicaId={node.node_id}, leaderId={leader}, fetcherId=0]"
        self.log = logger("kafka.server.ReplicaFetcherThread", prefix)
        self.net_log = logger("org.apache.kafka.clients.NetworkClient", prefix)
        self.channel: NodeChannel | None = None
        self.session = FetchSessionHandler()
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

    async def _sleep(self, s: float) -> None:
        self._wakeup.clear()
        try:
            await asyncio.wait_for(self._wakeup.wait(), s)
        except TimeoutError:
            pass

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
                if err == ErrorCode.OFFSET_OUT_OF_RANGE:
                    # our log runs past the leader's (a divergent tail): cut it back to the leader's HW
                    target = min(plog.log_end_offset, max(p["high_watermark"], 0))
                    self.log.info(
                        f"Truncating partition {tp[0]}-{tp[1]} to offset {target} "
                        "(out of range at the leader)"
                    )
                    plog.truncate_to(target)
                    self.node.rebuild_producers(plog)
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
                    plog.append_as_follower(records)
                    self.node.follower_appended(plog, records)
                leader_start = min(p["log_start_offset"], plog.log_end_offset)
                if leader_start > plog.log_start_offset:  # DeleteRecords at the leader (Kafka's
                    plog.delete_records_before(leader_start)  # maybeIncrementLogStartOffset)
                hw = min(p["high_watermark"], plog.log_end_offset)
                if hw > plog.high_watermark:
                    plog.high_watermark = hw
        return backoff

    def stop(self) -> None:
        self.partitions.clear()
        self._wakeup.set()


class FetcherManager:
    def __init__(self, node: BrokerNode):
        self.node = node
        self.fetchers: dict[int, Fetcher] = {}

    def add(self, tp: tuple[str, int], leader: int, epoch: int) -> None:
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
        for f in self.fetchers.values():
            f.stop()
            f.task.cancel()
        tasks = [f.task for f in self.fetchers.values()]
        if tasks:
            # bounded: a cancellation lost in wait_for (Python 3.11) must not hold the shutdown;
            # stop() emptied their partitions, so their loops end at the next turn anyway
            await asyncio.wait(tasks, timeout=1.0)
        self.fetchers.clear()
