"""Topic creation and deletion on a real BrokerNode in this process (broker/topic_admin.py): Kafka's
checks and messages, and a real storage failure — a log dir on a tmpfs with too few inodes —
answered KAFKA_STORAGE_ERROR with nothing of the topic left behind, on both paths (the request
handled on the loop, and CreateTopics' logs made in a worker thread)."""

from __future__ import annotations

import asyncio
import os
import subprocess

import pytest
from test_group_inprocess import _node, _stop

from broker.protocol.errors import ErrorCode

pytestmark = pytest.mark.root


@pytest.fixture
def starved_dir(tmp_path):
    """A tmpfs with room for the node's own files and a few partitions (about five inodes each)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,nr_inodes=60", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def _topic_dirs(log_dir, topic: str) -> list[str]:
    return sorted(d for d in os.listdir(log_dir) if d.rsplit("-", 1)[0] == topic)


def test_storage_failure_answers_kafka_storage_error_and_leaves_nothing(starved_dir):
    log_dir = starved_dir / "logs"

    async def run() -> None:
        node = await _node(log_dir)
        admin = node.topic_admin
        try:
            assert admin.create("few", 1, 1)[:2] == (ErrorCode.NONE, None)
            err, msg, info = admin.create("many", 40, 1)
            assert err == ErrorCode.KAFKA_STORAGE_ERROR and "No space left on device" in (msg or ""), msg
            assert info is None and "many" not in node.metadata.topics and _topic_dirs(log_dir, "many") == []
            err, msg, _ = await admin.create_async("many", 40, 1)  # CreateTopics: a worker thread
            assert err == ErrorCode.KAFKA_STORAGE_ERROR and "No space left on device" in (msg or ""), msg
            assert "many" not in node.metadata.topics and _topic_dirs(log_dir, "many") == []
            assert "many" not in admin.creating
            # the inodes came back: the same node still creates what fits
            err, _, info = await admin.create_async("more", 2, 1)
            assert err == ErrorCode.NONE and info is not None and sorted(info.partitions) == [0, 1]
            assert _topic_dirs(log_dir, "more") == ["more-0", "more-1"]
        finally:
            await _stop(node)

    asyncio.run(run())


def test_kafka_checks_and_messages(tmp_path):
    async def run() -> None:
        node = await _node(tmp_path)
        admin = node.topic_admin
        try:
            assert admin.create("t", 2, 1)[0] == ErrorCode.NONE
            exists = (ErrorCode.TOPIC_ALREADY_EXISTS, "Topic 't' already exists.")
            assert admin.create("t", 1, 1)[:2] == exists
            assert admin.create("bad/name", 1, 1)[0] == ErrorCode.INVALID_TOPIC_EXCEPTION
            assert admin.create("z", 0, 1)[:2] == (
                ErrorCode.INVALID_PARTITIONS,
                "Number of partitions must be larger than 0.",
            )
            err, msg, _ = admin.create("r", 1, 2)  # KRaft's ReplicationControlManager words
            assert err == ErrorCode.INVALID_REPLICATION_FACTOR
            assert msg == (
                "Unable to replicate the partition 2 time(s): The target replication factor of 2 "
                "cannot be reached because only 1 broker(s) are registered."
            )
            err, msg, _ = admin.create("c", 1, 1, {"cleanup.policy": "sideways"})
            assert err == ErrorCode.INVALID_CONFIG and "cleanup.policy" in (msg or ""), msg
            # validate_only checks everything and makes nothing
            assert admin.create("v", 3, 1, validate_only=True)[0] == ErrorCode.NONE
            assert "v" not in node.metadata.topics and _topic_dirs(tmp_path, "v") == []
            # -1 asks for the broker's defaults (num.partitions=1)
            err, _, info = admin.create("d", -1, -1)
            assert err == ErrorCode.NONE and info is not None and list(info.partitions) == [0]
            assert admin.delete("t") == ErrorCode.NONE
            assert "t" not in node.metadata.topics and _topic_dirs(tmp_path, "t") == []
            assert admin.delete("t") == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        finally:
            await _stop(node)

    asyncio.run(run())
