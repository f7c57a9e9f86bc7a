"""Two successive failures lose no acknowledged record (KIP-101/279): three dedicated KRaft
controllers and brokers 4-6; an idempotent acks=all producer writes numbered records to an RF=3
partition whose leader is SIGKILLed, then its successor right after it took over. The last
broker must hold every acknowledged record once: followers truncate by OffsetForLeaderEpoch,
not to their high watermark."""

from __future__ import annotations

import time

import pytest
from clusterproc import kcat_list
from numbered import NumberedWriter, exactly_once_problems, read_numbered
from quorumproc import Quorum
from test_cluster_faults import _create

pytestmark = [pytest.mark.clients, pytest.mark.slow]


def _leader(bootstrap: str, topic: str) -> int:
    """The partition's leader by Metadata, or -1 while no answer came (the callers' loops ask
    again: a broker busy electing may not answer within the 5 s)."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    try:
        md = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=5)
    except KafkaException:
        return -1
    return md.topics[topic].partitions[0].leader


def test_leader_then_successor_killed_loses_no_acknowledged_record(tmp_path):
    q = Quorum(tmp_path, "isolated")
    try:
        q.start_all()
        assert q.wait(lambda: q.status(1).get("CurrentObservers") == "[4,5,6]", 20)
        # observers fetch before they register: wait until every broker lists all three
        for i in (4, 5, 6):
            assert q.wait(lambda n=i: " 3 brokers:" in kcat_list(q.nodes[n].bootstrap), 20)
        _create(q.bootstrap, "qdur", [[4, 5, 6]], {})
        w = NumberedWriter(q.bootstrap, "qdur", **{"retry.backoff.ms": 100})
        w.write_for(1.5)
        first = _leader(q.bootstrap, "qdur")
        assert first == 4
        q.kill(first)
        survivors = ",".join(q.nodes[i].bootstrap for i in (5, 6))
        deadline = time.monotonic() + 15
        second = first
        while time.monotonic() < deadline and second in (first, -1):
            w.write_for(0.1)
            second = _leader(survivors, "qdur")
        assert second in (5, 6), second
        w.write_for(0.3)  # the successor takes writes; the last follower reconciles with it
        q.kill(second)
        last = next(i for i in (5, 6) if i != second)
        deadline = time.monotonic() + 15
        leads = -1
        while time.monotonic() < deadline and leads != last:
            w.write_for(0.1)
            leads = _leader(q.nodes[last].bootstrap, "qdur")
        assert leads == last, leads
        w.write_for(1.0)
        assert w.flush(60) == 0
        got = read_numbered(q.nodes[last].bootstrap, "qdur", len(w.acked), group="qdur")
        lost, dups, in_order = exactly_once_problems(w.acked, got)
        print(
            f"\nDURABILITY-2 leaders={first}->{second}->{last} produced={w.produced} acked={len(w.acked)} "
            f"failed={len(w.failed)} consumed={len(got)} duplicates={dups} lost={lost}"
        )
        assert len(w.acked) > 100 and not w.failed, w.failed[:5]
        assert lost == 0 and dups == 0 and in_order
        # (whether the last broker logged a TruncationState line depends on whether its fetcher
        # reached the successor before that died too; the numbers above are the check)
    finally:
        q.stop_all()


def test_active_controller_killed_five_times_during_writes(tmp_path):
    """Three dedicated controllers, brokers 4-6: the active controller is SIGKILLed (and restarted)
    five times while an idempotent acks=all producer writes to an RF=3 topic; every acknowledged
    record is read back once, in order, and each kill elected a new leader at a higher epoch."""
    q = Quorum(tmp_path, "isolated")
    try:
        q.start_all()
        for i in (4, 5, 6):
            assert q.wait(lambda n=i: " 3 brokers:" in kcat_list(q.nodes[n].bootstrap), 20)
        _create(q.bootstrap, "qctl", [[4, 5, 6]], {"min.insync.replicas": "2"})
        w = NumberedWriter(q.bootstrap, "qctl")
        epochs = []
        for _ in range(5):
            st = q.wait(
                lambda: (s := q.status(1) or q.status(2) or q.status(3)) and s.get("LeaderId") != "-1" and s
            )
            assert st
            leader, epoch = int(st["LeaderId"]), int(st["LeaderEpoch"])
            epochs.append(epoch)
            w.write_for(0.5)
            q.kill(leader)
            others = [i for i in (1, 2, 3) if i != leader]
            deadline = time.monotonic() + 15
            moved = False
            while time.monotonic() < deadline and not moved:
                w.write_for(0.2)
                moved = any(int(s.get("LeaderEpoch", -1)) > epoch for s in map(q.status, others) if s)
            assert moved, q.output(others[0])[-3000:]
            q.start(leader)
            w.write_for(0.5)
        assert w.flush(60) == 0
        got = read_numbered(q.bootstrap, "qctl", len(w.acked), group="qctl")
        lost, dups, in_order = exactly_once_problems(w.acked, got)
        print(
            f"\nCONTROLLER-KILLS kills=5 epochs={epochs} produced={w.produced} acked={len(w.acked)} "
            f"failed={len(w.failed)} consumed={len(got)} duplicates={dups} lost={lost}"
        )
        assert len(w.acked) > 100 and not w.failed, w.failed[:5]
        assert lost == 0 and dups == 0 and in_order
        assert epochs == sorted(set(epochs))
    finally:
        q.stop_all()
