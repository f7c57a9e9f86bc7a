#!/usr/bin/env python3
"""How long after an acks=1 produce answer the high watermark covers the record, on a 3-broker
cluster holding many replicated partitions (docs/cluster.md, "Follower fetches"): what a consumer
that reads the end offset at once (aiokafka's seek_to_end tests) races.

    scripts/bench/hw_lag.py [--topics 150] [--writes 40] [--peer OTHER_TREE] [--rounds 3] [--json]

The cluster is scripts/compat/common.py's (three combined broker+controller voters on loopback,
`python -m broker` from this tree, or from --peer's tree for the peer's runs). --topics topics
of 4 partitions, replication factor 3, are made first, then one 1-partition replication-factor-3
topic gets --writes records one at a time from aiokafka with acks=1; after each answer the
consumer asks `end_offsets` until it covers the record. Reported per run: the median and max ms
from the answer to that, and how many writes the first ask already covered. With --peer the
runs alternate (this tree, the peer, --rounds times) so both see the same machine load, and the
ratio of the medians of the runs' medians is printed. Everything started is stopped by pid;
nothing leaves loopback."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "compat"))

import common  # noqa: E402
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # noqa: E402
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # noqa: E402

TOPIC = "hwlag"
SETTLE_S = 3.0  # after the last creation: followers have started fetching every partition


async def _measure(hosts: str, topics: int, writes: int) -> dict:
    admin = AIOKafkaAdminClient(bootstrap_servers=hosts)
    await admin.start()
    producer = AIOKafkaProducer(bootstrap_servers=hosts, acks=1)
    consumer = AIOKafkaConsumer(bootstrap_servers=hosts)
    try:
        for start in range(0, topics, 50):
            await admin.create_topics(
                [NewTopic(f"old{i}", 4, 3) for i in range(start, min(topics, start + 50))]
            )
        await admin.create_topics([NewTopic(TOPIC, 1, 3)])
        await asyncio.sleep(SETTLE_S)
        await producer.start()
        await consumer.start()
        tp = TopicPartition(TOPIC, 0)
        await producer.send_and_wait(TOPIC, b"warm-up", partition=0)
        await consumer.end_offsets([tp])  # the consumer knows the topic and its leader now
        lags, first = [], 0
        for _ in range(writes):
            md = await producer.send_and_wait(TOPIC, b"x" * 100, partition=0)
            t0, asks = time.monotonic(), 0
            while True:
                asks += 1
                if (await consumer.end_offsets([tp]))[tp] > md.offset:
                    break
                if time.monotonic() - t0 > 30:
                    raise RuntimeError("the high watermark never covered a write in 30 s")
            lags.append((time.monotonic() - t0) * 1000)
            first += asks == 1
            await asyncio.sleep(0.05)
        return {
            "median_ms": round(statistics.median(lags), 2),
            "max_ms": round(max(lags), 2),
            "covered_on_first_ask": f"{first}/{writes}",
        }
    finally:
        await producer.stop()
        await consumer.stop()
        await admin.close()


def one_run(tree: Path, topics: int, writes: int) -> dict:
    brokers = common.start_brokers(3, ["num.partitions=1"], first_id=0, root=tree)
    try:
        return asyncio.run(_measure(brokers.bootstrap, topics, writes))
    finally:
        brokers.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--topics", type=int, default=150)
    ap.add_argument("--writes", type=int, default=40)
    ap.add_argument("--peer", type=Path, help="another checkout (e.g. a git worktree of main)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    trees = {"this": ROOT} | ({"peer": a.peer.resolve()} if a.peer else {})
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(a.rounds if a.peer else 1):
        for name, tree in trees.items():
            r = one_run(tree, a.topics, a.writes)
            runs[name].append(r)
            if not a.json:
                print(f"{name:5} {tree}: {r}", flush=True)
    out: dict = {"topics": a.topics, "writes": a.writes, "runs": runs}
    if a.peer:
        med = {n: statistics.median(r["median_ms"] for r in rs) for n, rs in runs.items()}
        out["median_of_medians_ms"] = med
        out["ratio_this_over_peer"] = round(med["this"] / med["peer"], 2)
    print(
        json.dumps(out)
        if a.json
        else f"median of the runs' medians: {out.get('median_of_medians_ms')}, "
        f"this/peer {out.get('ratio_this_over_peer')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
