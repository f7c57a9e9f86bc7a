"""LogManager: meta.properties, partition.metadata, checkpoints, restart, topic deletion."""

from __future__ import annotations

import uuid

import pytest

from broker.log import LogClosedError, LogConfig, LogDirError, LogManager
from broker.log.builder import build_batch
from broker.log.checkpoints import kafka_uuid_str, read_offsets


def batch(n: int = 1) -> bytes:
    return build_batch([(None, b"value-%d" % i, 1_700_000_000_000) for i in range(n)])


def test_meta_properties_and_node_id_mismatch(tmp_path):
    m = LogManager(
        [tmp_path / "a", tmp_path / "b"], LogConfig(), node_id=3, cluster_id="MkU3OEVBNTcwNTJENDM2Qk"
    )
    m.close()
    text = (tmp_path / "a" / "meta.properties").read_text()
    lines = text.splitlines()
    assert lines[0] == "#" and lines[1].startswith("#")
    props = dict(line.split("=", 1) for line in lines[2:])
    assert (
        props["version"] == "1"
        and props["node.id"] == "3"
        and props["cluster.id"] == "MkU3OEVBNTcwNTJENDM2Qk"
    )
    assert len(props["directory.id"]) == 22
    other = dict(
        line.split("=", 1) for line in (tmp_path / "b" / "meta.properties").read_text().splitlines()[2:]
    )
    assert other["directory.id"] != props["directory.id"]
    with pytest.raises(LogDirError) as e:
        LogManager([tmp_path / "a"], LogConfig(), node_id=4)
    assert str(e.value) == (
        f"Stored node id 3 doesn't match previous node id 4 in {tmp_path / 'a' / 'meta.properties'}. "
        "If you moved your data, make sure your configured node id matches. "
        "If you intend to create a new node, you should remove all data in your data directories."
    )
    with pytest.raises(
        LogDirError, match=r"Invalid cluster.id in: .*meta.properties. Expected other, but read MkU3"
    ):
        LogManager([tmp_path / "a"], LogConfig(), node_id=3, cluster_id="other")
    again = LogManager([tmp_path / "a"], LogConfig(), node_id=3)
    assert again.cluster_id == "MkU3OEVBNTcwNTJENDM2Qk"
    again.close()


def test_restart_keeps_topic_ids_offsets_and_writes_checkpoints(tmp_path):
    tid = uuid.uuid4()
    m = LogManager([tmp_path], LogConfig(segment_bytes=400), node_id=1)
    for p in range(2):
        log = m.create("orders", p, tid)
        for _ in range(5 + p):
            log.append(batch(2))
        log.high_watermark = log.log_end_offset
    m.get("orders", 1).delete_records_before(3)
    assert m.create("orders", 0, tid) is m.get("orders", 0)  # idempotent
    with pytest.raises(ValueError, match="already exists here with id"):
        m.create("orders", 0, uuid.uuid4())
    m.close()
    assert (tmp_path / ".kafka_cleanshutdown").read_text() == '{"version":0,"brokerEpoch":-1}'
    assert (
        tmp_path / "orders-0" / "partition.metadata"
    ).read_text() == f"version: 0\ntopic_id: {kafka_uuid_str(tid)}"
    assert (tmp_path / "replication-offset-checkpoint").read_text() == "0\n2\norders 0 10\norders 1 12\n"
    assert (tmp_path / "recovery-point-offset-checkpoint").read_text() == "0\n2\norders 0 10\norders 1 12\n"
    assert read_offsets(tmp_path / "log-start-offset-checkpoint") == {("orders", 1): 3}

    m2 = LogManager([tmp_path], LogConfig(segment_bytes=400), node_id=1)
    assert not (tmp_path / ".kafka_cleanshutdown").exists()  # a crash from now on is unclean
    assert m2.topics() == {"orders": tid}
    l0, l1 = m2.get("orders", 0), m2.get("orders", 1)
    assert (l0.log_end_offset, l1.log_end_offset, l1.log_start_offset) == (10, 12, 3)
    assert (l0.high_watermark, l0.recovery_point) == (10, 10)
    assert m2.recovered_unclean == [] and l0.recovery_notes == []
    assert l0.append(batch()).base_offset == 10
    m2.close()


def test_create_validates_names_and_applies_overrides(tmp_path):
    m = LogManager([tmp_path], LogConfig(), node_id=1)
    with pytest.raises(ValueError, match="contains a character other than ASCII alphanumerics"):
        m.create("bad topic", 0, uuid.uuid4())
    log = m.create("small", 0, uuid.uuid4(), {"segment.bytes": "1000", "retention.ms": 5})
    assert (log.config.segment_bytes, log.config.retention_ms) == (1000, 5)
    m.set_topic_config("small", {"retention.ms": 7})
    assert log.config.retention_ms == 7
    m.close()


def test_delete_topic_removes_its_directories(tmp_path):
    m = LogManager([tmp_path], LogConfig(), node_id=1)
    for p in range(3):
        m.create("gone", p, uuid.uuid4() if p == 0 else m.topics()["gone"]).append(batch())
    m.create("kept", 0, uuid.uuid4()).append(batch())
    held = m.get("gone", 1)
    m.delete_topic("gone")
    with pytest.raises(LogClosedError, match="gone-1 is closed"):
        held.read(0, 100)  # a fetch that still held the log when the topic went
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["kept-0"]
    assert list(m.topics()) == ["kept"] and m.get("gone", 0) is None
    m.close()
    (tmp_path / "gone-1.0123456789abcdef-delete").mkdir()  # interrupted deletion: cleaned at start
    m2 = LogManager([tmp_path], LogConfig(), node_id=1)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["kept-0"]
    m2.close()


def test_partitions_spread_over_log_dirs_and_reload(tmp_path):
    dirs = [tmp_path / "d1", tmp_path / "d2"]
    m = LogManager(dirs, LogConfig(), node_id=1)
    tid = uuid.uuid4()
    for p in range(4):
        m.create("spread", p, tid).append(batch(p + 1))
    m.close()
    assert sorted(p.name for p in dirs[0].iterdir() if p.is_dir()) == ["spread-0", "spread-2"]
    assert sorted(p.name for p in dirs[1].iterdir() if p.is_dir()) == ["spread-1", "spread-3"]
    assert (dirs[1] / "recovery-point-offset-checkpoint").read_text() == "0\n2\nspread 1 2\nspread 3 4\n"
    m2 = LogManager(dirs, LogConfig(), node_id=1)
    assert sorted((lg.partition, lg.log_end_offset) for lg in m2.partitions()) == [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
    ]
    m2.close()


def test_malformed_checkpoint_names_file_and_line(tmp_path):
    LogManager([tmp_path], LogConfig(), node_id=1).close()
    (tmp_path / "recovery-point-offset-checkpoint").write_text("0\n1\nt zero 5\n")
    with pytest.raises(
        LogDirError,
        match=r"recovery-point-offset-checkpoint:3: expected 'topic partition offset', found 't zero 5'",
    ):
        LogManager([tmp_path], LogConfig(), node_id=1)
    (tmp_path / "recovery-point-offset-checkpoint").write_text("1\n0\n")
    with pytest.raises(LogDirError, match=r"checkpoint:1: unrecognized version '1', expected 0"):
        LogManager([tmp_path], LogConfig(), node_id=1)


def test_loads_a_directory_shaped_like_a_real_kafka_broker(tmp_path):
    """What a Kafka broker leaves behind: preallocated (zero-padded) active indexes, producer
    snapshots, a KRaft metadata log, a ZooKeeper-era meta.properties."""
    tid = uuid.uuid4()
    m = LogManager([tmp_path], LogConfig(index_interval_bytes=100), node_id=1)
    log = m.create("real", 0, tid)
    for _ in range(20):
        log.append(batch(3))
    m.close()
    d = tmp_path / "real-0"
    entries = (d / "00000000000000000000.index").stat().st_size // 8
    assert entries > 2
    for name, size in (
        ("00000000000000000000.index", 1 << 20),
        ("00000000000000000000.timeindex", 12 * 87381),
    ):  # Kafka rounds to whole entries
        with open(d / name, "r+b") as f:
            f.truncate(size)  # Kafka preallocates, then trims only on clean roll/close
    (d / "00000000000000000060.snapshot").write_bytes(b"\x00" * 16)
    (tmp_path / "__cluster_metadata-0").mkdir()
    (tmp_path / "meta.properties").write_text(
        "#\n#Thu Jan 01 00:00:00 UTC 2024\nbroker.id=1\nversion=0\ncluster.id=abc\n"
    )
    m2 = LogManager([tmp_path], LogConfig(index_interval_bytes=100), node_id=1)
    log = m2.get("real", 0)
    assert list(m2.topics()) == ["real"] and log.log_end_offset == 60
    assert len(log.active_segment.index) == entries and log.recovery_notes == []
    assert (d / "00000000000000000000.index").stat().st_size == entries * 8  # trimmed
    assert (d / "00000000000000000060.snapshot").exists()  # other brokers' files are left alone
    assert m2.cluster_id == "abc"
    m2.close()
    props = dict(line.split("=", 1) for line in (tmp_path / "meta.properties").read_text().splitlines()[2:])
    assert props["node.id"] == "1" and props["version"] == "1" and "broker.id" not in props
