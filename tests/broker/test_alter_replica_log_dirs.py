"""AlterReplicaLogDirs (kafka-python's test_alter_replica_log_dirs found it unserved): kafka-python's
admin client against a broker with two log dirs. The dir a replica is in: NONE (Kafka's no-op);
a dir not in log.dirs: LOG_DIR_NOT_FOUND; a partition the broker does not hold:
REPLICA_NOT_AVAILABLE; the other configured dir: refused (netlab does not move replicas between
dirs), and the replica stays where it was."""

from __future__ import annotations

import pytest
from brokerproc import start_broker
from rawclient import RawClient
from test_protocol_edges import create

pytestmark = [pytest.mark.clients]


def test_alter_replica_log_dirs_with_kafka_python(tmp_path):
    from kafka import TopicPartitionReplica
    from kafka.admin import KafkaAdminClient
    from kafka.errors import InvalidRequestError, KafkaStorageError, NoError, ReplicaNotAvailableError

    dirs = [tmp_path / "d1", tmp_path / "d2"]
    bp = start_broker(tmp_path, [f"log.dirs={dirs[0]},{dirs[1]}"])
    admin = None
    try:
        assert create(RawClient("127.0.0.1", bp.port), "ard", partitions=2).error_code == 0
        admin = KafkaAdminClient(bootstrap_servers=bp.bootstrap)
        described = admin.describe_log_dirs()[0]
        where = {
            p["partition_index"]: d["log_dir"]
            for d in described["log_dirs"]
            for t in d["topics"]
            if t["name"] == "ard"
            for p in t["partitions"]
        }
        here = TopicPartitionReplica("ard", 0, 1)
        other_dir = next(str(d) for d in dirs if str(d) != where[0])
        got = admin.alter_replica_log_dirs(
            {
                here: where[0],
                TopicPartitionReplica("ard", 1, 1): str(tmp_path / "elsewhere"),
                TopicPartitionReplica("nosuch", 0, 1): where[0],
            }
        )
        assert got[here] is NoError
        assert got[TopicPartitionReplica("ard", 1, 1)].errno == 57  # LOG_DIR_NOT_FOUND
        assert got[TopicPartitionReplica("nosuch", 0, 1)] is ReplicaNotAvailableError
        moved = admin.alter_replica_log_dirs({here: other_dir})
        assert moved[here] is InvalidRequestError and moved[here] is not KafkaStorageError
        assert "does not move a replica between log directories" in bp.output()
        assert (tmp_path / where[0] / "ard-0").is_dir()
    finally:
        if admin is not None:
            admin.close()
        bp.stop()
