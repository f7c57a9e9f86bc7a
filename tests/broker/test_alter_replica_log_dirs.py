"""AlterReplicaLogDirs (key 34) against a real broker with two log dirs, driven by kafka-python's
KafkaAdminClient (confluent-kafka 2.16's Python AdminClient has no such call): a replica moves
between the dirs, DescribeLogDirs shows it there, its records stay readable and writable and
survive a restart; an unknown dir is LOG_DIR_NOT_FOUND, an unhosted partition
REPLICA_NOT_AVAILABLE (Kafka's ReplicaManager.alterReplicaLogDirs). A move a crash interrupted
is finished or undone on the next start (LogManager), checked on the log layer."""

from __future__ import annotations

import shutil
import uuid

import kafka.errors as Errors
import pytest
from brokerproc import start_broker
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from rawclient import batch
from support import read_to_end

from broker.log.manager import LogManager
from broker.log.partition_log import LogConfig

pytestmark = [pytest.mark.clients]


def _where(admin: KafkaAdminClient, topic: str) -> dict[int, str]:
    """partition -> log dir, from DescribeLogDirs."""
    out = {}
    for broker in admin.describe_log_dirs({topic: [0, 1]}):
        for result in broker["log_dirs"]:
            for t in result["topics"]:
                for p in t["partitions"]:
                    assert not p["is_future_key"]
                    out[p["partition_index"]] = result["log_dir"]
    return out


def _consume(bootstrap: str, topic: str, partition: int) -> list[bytes]:
    c = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    try:
        c.assign([TopicPartition(topic, partition)])
        return [m.value for m in read_to_end(c, TopicPartition(topic, partition))]
    finally:
        c.close()


def test_move_replica_between_log_dirs(tmp_path):
    a, b = tmp_path / "dir-a", tmp_path / "dir-b"
    overrides = [f"log.dirs={a},{b}", "offsets.topic.replication.factor=1"]
    bp = start_broker(tmp_path, overrides)
    bootstrap = f"127.0.0.1:{bp.port}"
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.create_topics([NewTopic("ard", 2, 1)])
        prod = KafkaProducer(bootstrap_servers=bootstrap)
        for i in range(10):
            prod.send("ard", f"before-{i}".encode(), partition=0)
        prod.flush()
        before = _where(admin, "ard")
        src = before[0]
        dest = str(b) if src == str(a) else str(a)

        got = admin.alter_replica_log_dirs({("ard", 0, 1): dest})
        assert list(got.values()) == [Errors.NoError], got
        after = _where(admin, "ard")
        assert after[0] == dest and after[1] == before[1]
        assert (tmp_path / dest / "ard-0" / "00000000000000000000.log").exists()
        assert not (tmp_path / src / "ard-0").exists()

        for i in range(5):
            prod.send("ard", f"after-{i}".encode(), partition=0)
        prod.flush()
        prod.close()
        want = [f"before-{i}".encode() for i in range(10)] + [f"after-{i}".encode() for i in range(5)]
        assert _consume(bootstrap, "ard", 0) == want

        # moving to where it is is a no-op; Kafka's errors for an unknown dir and partition
        assert list(admin.alter_replica_log_dirs({("ard", 0, 1): dest}).values()) == [Errors.NoError]
        errs = admin.alter_replica_log_dirs({("ard", 1, 1): "/no/such/dir", ("nope", 0, 1): dest})
        assert errs[("ard", 1, 1)] is Errors.LogDirNotFoundError, errs
        assert errs[("nope", 0, 1)] is Errors.ReplicaNotAvailableError, errs
        admin.close()
    finally:
        bp.stop()

    bp = start_broker(tmp_path, overrides, port=bp.port)  # the move survives a restart
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        assert _where(admin, "ard")[0] == dest
        admin.close()
        assert len(_consume(bootstrap, "ard", 0)) == 15
    finally:
        bp.stop()


def _manager(dirs) -> LogManager:
    return LogManager(dirs, LogConfig(), node_id=1, cluster_id="c1")


def _with_records(tmp_path) -> tuple[LogManager, uuid.UUID]:
    m = _manager([tmp_path / "a", tmp_path / "b"])
    tid = uuid.uuid4()
    log = m.create("mv", 0, tid)
    if log.dir.parent != tmp_path / "a":
        m.move_partition("mv", 0, tmp_path / "a")
    log.append(batch([b"one", b"two"]), leader_epoch=0)
    m.close()
    return m, tid


def test_interrupted_move_before_commit_keeps_the_source(tmp_path):
    _with_records(tmp_path)
    future = tmp_path / "b" / f"mv-0.{uuid.uuid4().hex}-future"
    shutil.copytree(tmp_path / "a" / "mv-0", future)  # a copy made, the source not yet renamed
    m = _manager([tmp_path / "a", tmp_path / "b"])
    log = m.get("mv", 0)
    assert log.dir == tmp_path / "a" / "mv-0" and log.log_end_offset == 2
    assert not future.exists()
    m.close()


def test_interrupted_move_after_commit_finishes_it(tmp_path):
    _with_records(tmp_path)
    tag = uuid.uuid4().hex
    shutil.copytree(tmp_path / "a" / "mv-0", tmp_path / "b" / f"mv-0.{tag}-future")
    (tmp_path / "a" / "mv-0").rename(tmp_path / "a" / f"mv-0.{tag}-delete")  # the commit point
    m = _manager([tmp_path / "a", tmp_path / "b"])
    log = m.get("mv", 0)
    assert log.dir == tmp_path / "b" / "mv-0" and log.log_end_offset == 2
    assert sorted(p.name for p in (tmp_path / "a").iterdir() if p.is_dir()) == []
    m.close()


def _values(log, start: int = 0) -> list[bytes]:
    """Every record value from `start` to the log end (a read stops at a segment's end)."""
    from rawclient import record_values

    out: list[bytes] = []
    offset = start
    while offset < log.log_end_offset:
        got = record_values(bytes(log.read(offset, 1 << 30)))
        out += [v for off, v in got if off >= offset]
        offset = got[-1][0] + 1
    return out


@pytest.fixture
def paused_copy(monkeypatch):
    """The real copy runs its first round (no lock held), then waits until the test lets the
    move go on to its last round under the log's lock: what the log does meanwhile is what a
    long copy would meet."""
    import threading

    from broker.log import dir_move

    copied, go = threading.Event(), threading.Event()
    real = dir_move.sync
    rounds: list[int] = []

    def first_round_then_wait(*args):
        n = real(*args)
        rounds.append(n)
        if len(rounds) == 1:
            copied.set()
            assert go.wait(30), "the test never let the move go on"
        return n

    monkeypatch.setattr(dir_move, "sync", first_round_then_wait)
    return copied, go


def _move_in_background(m: LogManager, dest):
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            m.move_partition("mv", 0, dest)
        except BaseException as exc:  # the test thread asserts on it
            errors.append(exc)

    t = threading.Thread(target=run)
    t.start()
    return t, errors


def _timed(fn, seconds: float = 10):
    """Run fn in a thread; fail if it does not finish in time (it would wait on the log's lock)."""
    import threading

    out: list = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "blocked while the move copies: the log's lock is held"
    return out[0] if out else None


def _small_segments_in_a(tmp_path):
    """A manager over dirs a and b, and a log of 4 KB segments in a (the first log goes to the
    first of equally used dirs: LogManager._least_used_dir)."""
    m = _manager([tmp_path / "a", tmp_path / "b"])
    log = m.create("mv", 0, uuid.uuid4(), {"segment.bytes": 4096})
    assert log.dir.parent == tmp_path / "a"
    return m, log


def test_appends_and_reads_go_on_while_a_move_copies(tmp_path, paused_copy):
    copied, go = paused_copy
    m, log = _small_segments_in_a(tmp_path)
    first = [f"old-{i}".encode() * 40 for i in range(60)]  # ~16 KB: several closed segments
    for v in first:
        log.append(batch([v]), leader_epoch=0)
    segments_before = len(log.segments)
    t, errors = _move_in_background(m, tmp_path / "b")
    assert copied.wait(30)
    # the copy is done and the move has not swapped yet: the log serves appends and reads
    later = [f"new-{i}".encode() * 40 for i in range(30)]  # rolls more segments meanwhile
    for v in later:
        _timed(lambda v=v: log.append(batch([v]), leader_epoch=0))
    assert _timed(lambda: _values(log)) == first + later
    assert log.dir.parent == tmp_path / "a"
    go.set()
    t.join(30)
    assert not t.is_alive() and errors == []
    assert log.dir == tmp_path / "b" / "mv-0" and not (tmp_path / "a" / "mv-0").exists()
    assert len(log.segments) > segments_before
    assert _values(log) == first + later  # what came during the copy was caught up
    m.close()
    again = _manager([tmp_path / "a", tmp_path / "b"]).get("mv", 0)  # and it is on disk
    assert again.dir == tmp_path / "b" / "mv-0" and _values(again) == first + later


def test_a_truncation_and_retention_during_the_copy_are_carried_over(tmp_path, paused_copy):
    copied, go = paused_copy
    m, log = _small_segments_in_a(tmp_path)
    for i in range(60):
        log.append(batch([f"v-{i}".encode() * 40]), leader_epoch=0)
    t, errors = _move_in_background(m, tmp_path / "b")
    assert copied.wait(30)
    log.high_watermark = log.log_end_offset
    start = log.delete_records_before(20)  # whole segments below offset 20 go
    log.truncate_to(50)  # a follower cut back to its leader: offsets 50.. rewritten below
    for i in range(50, 55):
        log.append(batch([f"w-{i}".encode() * 40]), leader_epoch=1)
    go.set()
    t.join(30)
    assert not t.is_alive() and errors == []
    kept = [f"v-{i}".encode() * 40 for i in range(start, 50)]
    assert _values(log, start) == kept + [f"w-{i}".encode() * 40 for i in range(50, 55)]
    assert log.dir == tmp_path / "b" / "mv-0" and log.log_end_offset == 55 and start > 0
    # the segments retention removed during the copy are not in the moved dir either
    assert not (log.dir / "00000000000000000000.log").exists()
    m.close()


def test_a_copy_made_while_the_file_grows_is_exact(tmp_path):
    """dir_move.sync rounds while a writer appends to a segment file and rewrites an index,
    then a last round when they stop: the copy is byte for byte the source (a round records
    exactly the bytes it copied, so appends during a copy are neither lost nor doubled)."""
    import threading

    from broker.log import dir_move

    src, dest = tmp_path / "src", tmp_path / "dest"
    src.mkdir()
    seg, idx = src / f"{0:020d}.log", src / f"{0:020d}.index"
    seg.write_bytes(b"")
    idx.write_bytes(b"")
    stop = threading.Event()

    def write() -> None:
        i = 0
        while not stop.is_set():
            with open(seg, "ab") as f:
                f.write(f"record-{i:08d}|".encode() * 50)
            idx.write_bytes(f"{i}".encode() * 8)  # rewritten in place, as indexes grow
            i += 1

    writer = threading.Thread(target=write)
    writer.start()
    state = dir_move.CopyState()
    try:
        for _ in range(20):
            dir_move.sync(src, dest, state, active_base=0, truncations=0)
    finally:
        stop.set()
        writer.join(10)
    dir_move.sync(src, dest, state, active_base=0, truncations=0)
    assert (dest / seg.name).read_bytes() == seg.read_bytes()
    assert (dest / idx.name).read_bytes() == idx.read_bytes()
    # a truncation that grows back to the old size with other bytes is copied again
    size = seg.stat().st_size
    with open(seg, "r+b") as f:
        f.truncate(size // 2)
        f.seek(size // 2)
        f.write(b"X" * (size - size // 2))
    dir_move.sync(src, dest, state, active_base=0, truncations=1)
    assert (dest / seg.name).read_bytes() == seg.read_bytes()


def test_a_move_whose_partition_was_deleted_then_crashed_is_dropped(tmp_path):
    """A future dir without its `-delete` twin was never committed: with no source left (the
    partition was deleted during the copy, then the broker crashed) it is dropped, not promoted."""
    _with_records(tmp_path)
    future = tmp_path / "b" / f"mv-0.{uuid.uuid4().hex}-future"
    shutil.copytree(tmp_path / "a" / "mv-0", future)
    shutil.rmtree(tmp_path / "a" / "mv-0")  # the deletion's rename and removal, done
    m = _manager([tmp_path / "a", tmp_path / "b"])
    assert m.get("mv", 0) is None and not future.exists()
    m.close()
