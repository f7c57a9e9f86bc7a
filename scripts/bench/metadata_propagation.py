#!/usr/bin/env python3
"""How fast a new topic reaches another broker's Metadata (issue 12, docs/cluster.md "Metadata
propagation"): three real `python -m broker` processes on 127.0.0.1-3, N topics made first, then
topics created one by one through broker 1 (CreateTopics sent to broker 1 itself); after each
answer broker 3 is asked with Metadata for that topic in a tight loop until it lists it with a
leader for every partition.

    scripts/bench/metadata_propagation.py [--layout single|voters3] [--existing 0,150]
        [--creations 20] [--rf 3] [--peer OTHER_CHECKOUT] [--json]

Layouts: `single` is tests/broker/clusterproc.py's (node 1 broker+controller and the only voter,
nodes 2-3 brokers fetching `__cluster_metadata` as observers); `voters3` is
tests/broker/quorumproc.py's three combined voters. With --peer (e.g. a `git worktree` of main),
this checkout's cluster and the peer's run at once and the creations alternate between them, so
both see the same machine load; the report gives medians and their ratio.

Per creation it reports the time from the CreateTopics answer until broker 3's Metadata lists the
topic (0 when the first Metadata request after the answer already has it) and how many of the
creations were visible on that first request."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))  # support.py, which the broker test helpers import
sys.path.insert(0, str(ROOT / "tests" / "broker"))
sys.path.insert(0, str(ROOT))

import clusterproc  # noqa: E402
import quorumproc  # noqa: E402
from brokerproc import free_port  # noqa: E402
from kafka.protocol.admin import CreateTopicsRequest  # noqa: E402
from kafka.protocol.metadata import MetadataRequest  # noqa: E402
from rawclient import RawClient  # noqa: E402

PARTITIONS = 4


# Kafka's own session and ISR timings instead of the tests' shortened ones: on a loaded machine a
# 1.5 s session fences brokers in the middle of a run (the later --override wins)
KAFKA_TIMINGS = ["broker.session.timeout.ms=9000", "replica.lag.time.max.ms=30000"]


def _start(root: Path, tmp: Path, node_id: int, overrides: list[str], port: int) -> subprocess.Popen:
    args = [f"log.dirs={tmp}/logs-{node_id}"] + overrides + KAFKA_TIMINGS
    cmd = [sys.executable, "-m", "broker", "--no-env"]
    for a in args:
        cmd += ["--override", a]
    out = open(tmp / f"broker-{node_id}.log", "w")
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(root))
    out.close()
    return proc


def _nodes(layout: str, tmp: Path) -> list[tuple[int, list[str], str, int]]:
    """(node id, overrides, host, external port) of the three brokers."""
    if layout == "single":
        c = clusterproc.Cluster(tmp)
        return [(i, n.overrides(c.controller_port), n.host, n.external) for i, n in c.nodes.items()]
    q = quorumproc.Quorum(tmp, "combined")
    return [(i, n.overrides(q.voters), n.host, n.external) for i, n in q.nodes.items()]


def _metadata(rc: RawClient, names: list[str] | None):
    topics = None if names is None else [MetadataRequest.MetadataRequestTopic(name=n) for n in names]
    req = MetadataRequest(topics=topics, allow_auto_topic_creation=False, version=1)
    return rc.request(req, 1)


def _ready(md, name: str) -> bool:
    t = next((t for t in md.topics if t[1] == name), None)
    return t is not None and t[0] == 0 and len(t[3]) == PARTITIONS and all(p[2] >= 0 for p in t[3])


def _create(rc: RawClient, names: list[str], rf: int) -> None:
    topics = [
        CreateTopicsRequest.CreatableTopic(
            name=n, num_partitions=PARTITIONS, replication_factor=rf, assignments=[], configs=[], version=4
        )
        for n in names
    ]
    resp = rc.request(CreateTopicsRequest(topics=topics, timeout_ms=30000, validate_only=False, version=4), 4)
    bad = [(t.name, t.error_code, t.error_message) for t in resp.topics if t.error_code]
    if bad:
        raise RuntimeError(f"CreateTopics failed: {bad}")


def _wait(what, timeout: float, why: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if what():
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.1)
    raise RuntimeError(why)


class Run:
    """One cluster of one checkout, started and filled with the existing topics."""

    def __init__(self, root: Path, layout: str, existing: int, rf: int):
        self.dir = tempfile.TemporaryDirectory(prefix="mdpbench")
        tmp = Path(self.dir.name)
        nodes = _nodes(layout, tmp)
        self.procs = [_start(root, tmp, i, o, free_port()) for i, o, _h, _p in nodes]
        self.rf = rf
        self.after_ms: list[float] = []
        self.total_ms: list[float] = []
        self.first = 0
        (_, _, h1, p1), (_, _, h3, p3) = nodes[0], nodes[2]

        def three_brokers() -> bool:
            with RawClient(h3, p3) as rc:
                return len(_metadata(rc, None).brokers) == 3

        _wait(three_brokers, 60, f"{layout}: broker 3 never listed three brokers ({tmp})")
        self.c1, self.c3 = RawClient(h1, p1, 60), RawClient(h3, p3, 60)
        for start in range(0, existing, 50):
            _create(self.c1, [f"old{i}" for i in range(start, min(existing, start + 50))], rf)
        if existing:
            last = f"old{existing - 1}"
            _wait(
                lambda: _ready(_metadata(self.c3, [last]), last),
                120,
                "the existing topics never reached broker 3",
            )

    def once(self, name: str) -> None:
        """Create `name` through broker 1, then ask broker 3 until it lists it."""
        t0 = time.monotonic()
        _create(self.c1, [name], self.rf)
        t1 = time.monotonic()
        polls = 0
        while True:
            polls += 1
            if _ready(_metadata(self.c3, [name]), name):
                break
            if time.monotonic() - t1 > 30:
                raise RuntimeError(f"{name} never reached broker 3")
            time.sleep(0.001)
        t2 = time.monotonic()
        self.first += polls == 1
        self.after_ms.append((t2 - t1) * 1000 if polls > 1 else 0.0)
        self.total_ms.append((t2 - t0) * 1000)

    def result(self) -> dict:
        return {
            "after_answer_median_ms": round(statistics.median(self.after_ms), 1),
            "after_answer_max_ms": round(max(self.after_ms), 1),
            "create_to_visible_median_ms": round(statistics.median(self.total_ms), 1),
            "visible_on_first_request": f"{self.first}/{len(self.after_ms)}",
        }

    def stop(self) -> None:
        for c in (self.c1, self.c3):
            c.close()
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        self.dir.cleanup()


def one_size(roots: dict[str, Path], layout: str, existing: int, creations: int, rf: int) -> dict:
    """Every checkout's cluster runs at once and the creations alternate between them, so each
    sees the same machine load (this machine's 2 cores are shared)."""
    runs: dict[str, Run] = {}
    try:
        for name, root in roots.items():
            runs[name] = Run(root, layout, existing, rf)
        for k in range(creations):
            for name, run in runs.items():
                try:
                    run.once(f"new{k}")
                except RuntimeError as exc:
                    raise RuntimeError(f"{name} ({roots[name]}): {exc}") from None
        return {name: run.result() for name, run in runs.items()}
    finally:
        for run in runs.values():
            run.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--layout", choices=["single", "voters3"], default="single")
    ap.add_argument("--existing", default="0,150", help="comma-separated counts of topics made first")
    ap.add_argument("--creations", type=int, default=20)
    ap.add_argument("--rf", type=int, default=3, help="replication factor of every topic")
    ap.add_argument("--peer", type=Path, help="another checkout run the same way (e.g. a worktree of main)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    roots = {"this": ROOT} | ({"peer": args.peer.resolve()} if args.peer else {})
    res: dict = {}
    for n in [int(x) for x in args.existing.split(",")]:
        res[n] = one_size(roots, args.layout, n, args.creations, args.rf)
        if args.peer:
            a, b = (
                res[n]["this"]["create_to_visible_median_ms"],
                res[n]["peer"]["create_to_visible_median_ms"],
            )
            res[n]["ratio_this_to_peer"] = round(a / b, 2) if b else None
        if not args.json:
            for name, r in res[n].items():
                print(f"{args.layout} rf={args.rf} existing={n:<4} {name:5} {r}", flush=True)
    if args.json:
        print(json.dumps({"layout": args.layout, "results": res}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
