"""Consumer groups with real clients against a real broker process on loopback: kcat -G,
confluent-kafka (three members on six partitions, a member killed and restarted, static
membership), kafka-python and aiokafka group consumers with commits, and committed offsets that
survive a broker restart. Each client's group-API versions are read from its own debug output."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_group_support import (
    client,
    create_topic,
    describe,
    stabilized_generations,
    start_group_broker,
    wait_until,
)

from broker.registry import discover

pytestmark = pytest.mark.clients

GROUP_APIS = {
    "FindCoordinator",
    "JoinGroup",
    "SyncGroup",
    "Heartbeat",
    "LeaveGroup",
    "OffsetCommit",
    "OffsetFetch",
}
SESSION_MS = 6000

CONSUMER = r"""
import json, sys, signal
from confluent_kafka import Consumer
bootstrap, group, topic, client_id, instance, hold = sys.argv[1:7]
if hold == "hold":  # started ahead (imports done): join when told, as a restart would
    print(json.dumps({"event": "ready", "partitions": []}), flush=True)
    if not sys.stdin.readline():
        sys.exit(0)  # the test ended without telling it to join
conf = {"bootstrap.servers": bootstrap, "group.id": group, "client.id": client_id, "session.timeout.ms": %d,
        "heartbeat.interval.ms": 300, "auto.offset.reset": "earliest", "debug": "protocol"}
if instance != "-":
    conf["group.instance.id"] = instance
c = Consumer(conf)
def say(event, parts):
    print(json.dumps({"event": event, "partitions": sorted(p.partition for p in parts)}), flush=True)
c.subscribe([topic], on_assign=lambda _c, p: say("assign", p), on_revoke=lambda _c, p: say("revoke", p))
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
while not stop:
    c.poll(0.1)
c.close()
""".replace("%d", str(SESSION_MS))  # a script with braces of its own: %d is its one placeholder


class ConsumerProc:
    """A confluent-kafka group consumer in its own process (so it can be SIGKILLed like a crash)."""

    def __init__(
        self,
        tmp: Path,
        bootstrap: str,
        group: str,
        topic: str,
        name: str,
        instance: str | None = None,
        hold: bool = False,
    ):
        """`hold`: the process starts and imports, then joins only on `go()`."""
        script = tmp / "group_consumer.py"
        script.write_text(CONSUMER)
        self.stderr_path = tmp / f"{name}-{time.monotonic_ns()}.stderr"
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(script), bootstrap, group, topic, name, instance or "-"]
                + ["hold" if hold else "-"],
                stdin=subprocess.PIPE if hold else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        self.events: list[dict] = []
        self.ready = False
        self.assigned: list[int] | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            ev = json.loads(line)
            if ev["event"] == "ready":
                self.ready = True
                continue
            self.events.append(ev)
            self.assigned = ev["partitions"] if ev["event"] == "assign" else []

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def versions(self) -> dict[str, set[int]]:
        return _versions(self.stderr_path.read_text(), r"Sent (\w+)Request \(v(\d+)")


def _versions(text: str, pattern: str) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for api, v in re.findall(pattern, text):
        api = {"Offset": "ListOffsets", "ApiVersion": "ApiVersions"}.get(api, api)
        out.setdefault(api, set()).add(int(v))
    return out


def _check_versions(used: dict[str, set[int]], must: set[str]) -> None:
    ranges = {a.name: (a.min_version, a.max_version) for a in discover().apis.values()}
    assert must <= set(used), f"group APIs not seen: {must - set(used)} (saw {used})"
    for api, versions in used.items():
        if api in GROUP_APIS:
            lo, hi = ranges[api]
            assert all(lo <= v <= hi for v in versions), (api, versions, (lo, hi))
    print("group API versions used:", {k: sorted(v) for k, v in sorted(used.items()) if k in GROUP_APIS})


@pytest.fixture
def gb(tmp_path):
    bp = start_group_broker(tmp_path)
    yield bp
    assert bp.stop() == 0, bp.output()


def _produce(bp, topic: str, n: int, partitions: int | None = None) -> None:
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bp.bootstrap})
    for i in range(n):
        if partitions:
            p.produce(topic, f"m{i}".encode(), partition=i % partitions)
        else:
            p.produce(topic, f"m{i}".encode())
    assert p.flush(10) == 0


def test_kcat_balanced_consumer_resumes_after_its_commits(gb, tmp_path):
    # no `-o`: with -G kcat would assign that offset and ignore the committed one
    create_topic(gb, "kc", 1)
    _produce(gb, "kc", 3)

    def consume() -> tuple[list[str], str]:
        r = subprocess.run(
            [
                "kcat",
                "-b",
                gb.bootstrap,
                "-G",
                "kcat-group",
                "kc",
                "-e",
                "-X",
                "auto.offset.reset=earliest",
                "-X",
                f"session.timeout.ms={SESSION_MS}",
                "-d",
                "protocol",
                "-f",
                "%o:%s\n",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr[-2000:]
        return r.stdout.split(), r.stderr

    first, err = consume()
    assert first == ["0:m0", "1:m1", "2:m2"]
    _produce(gb, "kc", 2)
    second, _ = consume()
    assert second == ["3:m0", "4:m1"]  # exactly after the committed offset
    _check_versions(
        _versions(err, r"Sent (\w+)Request \(v(\d+)"),
        {"FindCoordinator", "JoinGroup", "SyncGroup", "OffsetFetch", "OffsetCommit", "LeaveGroup"},
    )


@pytest.mark.slow
def test_confluent_three_members_share_six_partitions_and_recover_from_a_crash(gb, tmp_path):
    create_topic(gb, "six", 6)
    cs = [ConsumerProc(tmp_path, gb.bootstrap, "trio", "six", f"c{i}") for i in range(3)]
    try:

        def balanced(procs, each):
            got = [p.assigned for p in procs]
            if any(a is None or len(a) != each for a in got):
                return False
            return sorted(x for a in got for x in a) == list(range(6))

        wait_until(lambda: balanced(cs, 2), timeout=30, what="three members with two partitions each")
        killed_at = time.monotonic()
        cs[2].kill()  # a crash: no LeaveGroup, only the session timeout can tell
        # the session timeout tells (the broker's line below), then the two rejoin: bounded, with
        # room for two consumer processes rejoining on a loaded machine
        wait_until(lambda: balanced(cs[:2], 3), timeout=SESSION_MS / 1000 + 20, what="partitions moved")
        moved_after = time.monotonic() - killed_at
        out = gb.output()
        assert re.search(r"Member c2-[0-9a-f-]+ in group trio has failed, removing it from the group", out)
        cs[2] = ConsumerProc(tmp_path, gb.bootstrap, "trio", "six", "c2")
        wait_until(lambda: balanced(cs, 2), timeout=30, what="rebalanced back to two each")
        with client(gb) as c:
            d = describe(c, "trio")
            assert d["group_state"] == "Stable" and len(d["members"]) == 3
        _check_versions(
            cs[0].versions(), {"FindCoordinator", "JoinGroup", "SyncGroup", "Heartbeat", "OffsetFetch"}
        )
    finally:
        for p in cs:
            p.stop()
    print(f"partitions moved {moved_after:.1f}s after the crash (session.timeout.ms={SESSION_MS})")


@pytest.mark.slow
def test_confluent_static_member_restart_keeps_assignment_without_rebalance(gb, tmp_path):
    create_topic(gb, "four", 4)
    s1 = ConsumerProc(tmp_path, gb.bootstrap, "statics", "four", "s1", instance="static-1")
    s2 = ConsumerProc(tmp_path, gb.bootstrap, "statics", "four", "s2", instance="static-2")
    restarted = None
    try:
        wait_until(
            lambda: s1.assigned and s2.assigned and len(s1.assigned) == len(s2.assigned) == 2,
            timeout=30,
            what="two static members with two partitions each",
        )
        with client(gb) as c:  # any trailing rebalance of the start-up is over before the record
            wait_until(
                lambda: (d := describe(c, "statics"))["group_state"] == "Stable" and len(d["members"]) == 2,
                timeout=30,
                what="a stable group of two",
            )
        gens_before = stabilized_generations(gb.output(), "statics")
        s1_events, s2_parts = len(s1.events), list(s2.assigned)
        # the restart comes back within the session timeout: its process is started (Python and
        # confluent_kafka imported, seconds on 2 loaded cores) before the old one is killed
        restarted = ConsumerProc(
            tmp_path, gb.bootstrap, "statics", "four", "s2", instance="static-2", hold=True
        )
        wait_until(lambda: restarted.ready, timeout=30, what="the restarted member's process")
        s2.kill()
        s2 = restarted
        s2.go()
        wait_until(
            lambda: s2.assigned, timeout=SESSION_MS / 1000, what="the restarted static member's assignment"
        )
        assert s2.assigned == s2_parts  # its old partitions back
        out = gb.output()
        assert stabilized_generations(out, "statics") == gens_before  # the broker's generation did not move
        assert "Static member static-2 of group statics with unknown member id rejoins" in out
        assert (
            "Static member which joins during Stable stage and doesn't affect selectProtocol "
            "will not trigger rebalance" in out
        )
        time.sleep(1)  # several heartbeat intervals: s1 would have been told to rejoin by now
        assert len(s1.events) == s1_events, s1.events[s1_events:]  # the other member saw nothing
        # never coming back: the session timeout removes it and s1 takes everything
        s2.kill()
        wait_until(
            lambda: s1.assigned is not None and len(s1.assigned) == 4,
            timeout=SESSION_MS / 1000 + 10,
            what="s1 owning all four partitions",
        )
        assert stabilized_generations(gb.output(), "statics")[-1] == gens_before[-1] + 1
        assert re.search(r"Member static-2-[0-9a-f-]+ in group statics has failed", gb.output())
    finally:
        for proc in (s1, s2, restarted):
            if proc is not None:
                proc.stop()


def test_kafka_python_group_consumer_commits_and_resumes(gb):
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    create_topic(gb, "kp", 1)
    _produce(gb, "kp", 10)
    seen = []
    handler = logging.Handler()
    handler.emit = lambda rec: seen.append(rec.getMessage())
    parser = logging.getLogger("kafka.protocol.parser")
    parser.addHandler(handler)
    old_level = parser.level
    parser.setLevel(logging.DEBUG)
    try:
        tp = TopicPartition("kp", 0)
        c = KafkaConsumer(
            "kp",
            bootstrap_servers=gb.bootstrap,
            group_id="kp-group",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            session_timeout_ms=SESSION_MS,
            heartbeat_interval_ms=500,
            consumer_timeout_ms=10000,
        )
        got = []
        for msg in c:
            got.append(msg.offset)
            if len(got) == 4:
                break
        c.commit({tp: OffsetAndMetadata(4, "four", -1)})
        assert c.committed(tp) == 4
        c.close()
        c = KafkaConsumer(
            "kp",
            bootstrap_servers=gb.bootstrap,
            group_id="kp-group",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            session_timeout_ms=SESSION_MS,
            heartbeat_interval_ms=500,
        )
        # the rest, after the join and the committed offset (a bounded loop, not an idle timer
        # that the join itself could use up on a loaded machine)
        rest: list[int] = []
        deadline = time.monotonic() + 20
        while len(rest) < 6 and time.monotonic() < deadline:
            for records in c.poll(timeout_ms=500).values():
                rest += [m.offset for m in records]
        c.close()
    finally:
        parser.removeHandler(handler)
        parser.setLevel(old_level)
    assert got == [0, 1, 2, 3] and rest == list(range(4, 10))
    _check_versions(
        _versions("\n".join(seen), r"(\w+)Request\(version=(\d+)"),
        {"FindCoordinator", "JoinGroup", "SyncGroup", "OffsetCommit", "OffsetFetch", "LeaveGroup"},
    )


def test_aiokafka_group_consumer_commits_and_resumes(gb):
    from aiokafka import AIOKafkaConsumer
    from aiokafka.structs import TopicPartition

    create_topic(gb, "aio", 2)
    _produce(gb, "aio", 8, partitions=2)
    seen = []
    handler = logging.Handler()
    handler.emit = lambda rec: seen.append(rec.getMessage())
    conn_log = logging.getLogger("aiokafka.conn")
    conn_log.addHandler(handler)
    old_level = conn_log.level
    conn_log.setLevel(logging.DEBUG)

    async def consume(expect: int, committed: int) -> list[tuple[int, int]]:
        c = AIOKafkaConsumer(
            "aio",
            bootstrap_servers=gb.bootstrap,
            group_id="aio-group",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            session_timeout_ms=SESSION_MS,
            heartbeat_interval_ms=500,
        )
        await c.start()
        got: list[tuple[int, int]] = []
        try:
            deadline = time.monotonic() + 20
            while len(got) < expect and time.monotonic() < deadline:
                for tp, msgs in (await c.getmany(timeout_ms=500)).items():
                    got += [(tp.partition, m.offset) for m in msgs]
            await c.commit()
            assert await c.committed(TopicPartition("aio", 0)) == committed
        finally:
            await c.stop()
        return got

    try:
        first = asyncio.run(consume(8, 4))
        _produce(gb, "aio", 2, partitions=2)
        second = asyncio.run(consume(2, 5))
    finally:
        conn_log.removeHandler(handler)
        conn_log.setLevel(old_level)
    assert sorted(first) == [(p, o) for p in (0, 1) for o in range(4)]
    assert sorted(second) == [(0, 4), (1, 4)]
    _check_versions(
        _versions("\n".join(seen), r"(\w+)Request_v(\d+)"),
        {"FindCoordinator", "JoinGroup", "SyncGroup", "OffsetCommit", "OffsetFetch", "LeaveGroup"},
    )


def test_committed_offsets_survive_a_broker_restart(tmp_path):
    from confluent_kafka import Consumer, TopicPartition

    bp = start_group_broker(tmp_path)
    port = bp.port
    create_topic(bp, "durable", 1)
    _produce(bp, "durable", 10)
    conf = {
        "bootstrap.servers": bp.bootstrap,
        "group.id": "durable-group",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": SESSION_MS,
    }
    c = Consumer(conf)
    c.subscribe(["durable"])
    got = []
    deadline = time.monotonic() + 30
    while len(got) < 4 and time.monotonic() < deadline:
        m = c.poll(0.2)
        if m is not None and not m.error():
            got.append(m.offset())
    c.commit(offsets=[TopicPartition("durable", 0, 4)], asynchronous=False)
    c.close()
    assert got[:4] == [0, 1, 2, 3]
    assert bp.stop() == 0, bp.output()
    # the tool reads the committed offset from the stopped broker's log directory
    tool = subprocess.run(
        [sys.executable, "-m", "broker.consumer_groups", "--log-dirs", str(bp.log_dir), "--json"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert tool.returncode == 0, tool.stderr
    rows = {g["group"]: g for g in json.loads(tool.stdout)["groups"]}["durable-group"]["partitions"]
    assert [
        (r["topic"], r["partition"], r["committed_offset"], r["log_end_offset"], r["lag"]) for r in rows
    ] == [("durable", 0, 4, 10, 6)]

    bp = start_group_broker(tmp_path, port=port, log_dir=bp.log_dir)
    try:
        c = Consumer(conf)
        c.subscribe(["durable"])
        first = None
        deadline = time.monotonic() + 30
        while first is None and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                first = m.offset()
        c.close()
        assert first == 4  # exactly after the last committed offset
        assert re.search(
            r"Finished loading offsets and group metadata from __consumer_offsets .*: \d+ group\(s\), "
            r"[1-9]\d* committed offset\(s\)",
            bp.output(),
        )
        tool = subprocess.run(
            [sys.executable, "-m", "broker.consumer_groups", "--bootstrap", bp.bootstrap],
            capture_output=True,
            text=True,
            timeout=30,
            env=dict(os.environ),
        )
        assert tool.returncode == 0, tool.stderr
        assert re.search(r"durable\s+0\s+4\s+10\s+6", tool.stdout), tool.stdout
    finally:
        assert bp.stop() == 0, bp.output()


@pytest.mark.parametrize("strategy", ["cooperative-sticky", "roundrobin"])
def test_confluent_assignors_are_relayed_opaquely(gb, strategy):
    """The broker never reads assignments: librdkafka's incremental cooperative protocol (two
    rebalances, only moved partitions revoked) works as well as an eager assignor."""
    from confluent_kafka import Consumer

    create_topic(gb, "six", 6)
    group = f"assignor-{strategy}"
    owned: dict[int, set[int]] = {}
    revoked: dict[int, set[int]] = {}
    cooperative = strategy == "cooperative-sticky"

    def member(i: int) -> Consumer:
        c = Consumer(
            {
                "bootstrap.servers": gb.bootstrap,
                "group.id": group,
                "session.timeout.ms": SESSION_MS,
                "heartbeat.interval.ms": 300,
                "partition.assignment.strategy": strategy,
            }
        )
        owned[i], revoked[i] = set(), set()

        def on_assign(cons, parts):
            owned[i] |= {p.partition for p in parts}
            if cooperative:
                cons.incremental_assign(parts)

        def on_revoke(cons, parts):
            owned[i] -= {p.partition for p in parts}
            revoked[i] |= {p.partition for p in parts}
            if cooperative:
                cons.incremental_unassign(parts)

        c.subscribe(["six"], on_assign=on_assign, on_revoke=on_revoke)
        return c

    cs = [member(0)]
    try:
        deadline = time.monotonic() + 20
        while len(owned[0]) != 6 and time.monotonic() < deadline:
            cs[0].poll(0.05)
        assert owned[0] == set(range(6))
        cs.append(member(1))
        deadline = time.monotonic() + 30
        while not (len(owned[0]) == len(owned[1]) == 3) and time.monotonic() < deadline:
            for c in cs:
                c.poll(0.05)
        assert owned[0] | owned[1] == set(range(6)) and len(owned[0]) == len(owned[1]) == 3
        gens = stabilized_generations(gb.output(), group)
        if cooperative:
            assert revoked[0] == owned[1]  # only the partitions that moved were revoked
            assert gens == [1, 2, 3]  # revoke round, then assign round
        else:
            assert revoked[0] == set(range(6)) and gens == [1, 2]  # eager: everything revoked once
    finally:
        for c in cs:
            c.close()
