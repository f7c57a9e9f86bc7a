"""Shared helpers for the consumer-group tests (no tests here): a broker configured for fast
groups, the raw group client, and bounded waits."""

from __future__ import annotations

import re
import threading

from brokerproc import start_broker
from support import poll

from broker.group.client import GroupClient

GROUP_OVERRIDES = [
    "offsets.topic.replication.factor=1",
    "group.initial.rebalance.delay.ms=0",
    "group.min.session.timeout.ms=1000",
]
META = b"\x00\x00\x00\x00\x00\x01\x00\x02t1\xff\xff\xff\xff"  # consumer subscription v0 to ["t1"]


def start_group_broker(tmp, extra: list[str] | None = None, **kw):
    bp = start_broker(tmp, GROUP_OVERRIDES + list(extra or []), **kw)
    assert bp.proc.poll() is None, bp.output()
    return bp


def wait_until(cond, timeout: float = 15.0, every: float = 0.05, what: str = "condition"):
    """support.poll, failing the test when `cond` never held."""
    v = poll(cond, timeout, every)
    if not v:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")
    return v


def client(bp, **kw) -> GroupClient:
    return GroupClient("127.0.0.1", bp.port, **kw)


def ready_coordinator(bp, group: str = "g") -> None:
    """FindCoordinator until it answers (the first call creates __consumer_offsets)."""
    with client(bp) as c:
        wait_until(
            lambda: c.request("find_coordinator", 2, {"key": group, "key_type": 0})["error_code"] == 0,
            what="a coordinator",
        )


def join(
    c: GroupClient,
    group: str,
    member_id: str = "",
    *,
    version: int = 5,
    instance: str | None = None,
    session: int = 6000,
    rebalance: int = 10000,
    protocol_type: str = "consumer",
    protocols=(("range", META),),
) -> dict:
    return c.request(
        "join_group",
        version,
        {
            "group_id": group,
            "session_timeout_ms": session,
            "rebalance_timeout_ms": rebalance,
            "member_id": member_id,
            "group_instance_id": instance,
            "protocol_type": protocol_type,
            "protocols": [{"name": n, "metadata": m} for n, m in protocols],
        },
    )


def join_new(c: GroupClient, group: str, **kw) -> dict:
    """Join with the MEMBER_ID_REQUIRED handshake (v4+) or directly (v0–3, or static)."""
    r = join(c, group, **kw)
    if r["error_code"] == 79:
        r = join(c, group, r["member_id"], **kw)
    return r


def sync(
    c: GroupClient,
    group: str,
    generation: int,
    member_id: str,
    assignments: dict[str, bytes] | None = None,
    *,
    version: int = 3,
    instance: str | None = None,
) -> dict:
    return c.request(
        "sync_group",
        version,
        {
            "group_id": group,
            "generation_id": generation,
            "member_id": member_id,
            "group_instance_id": instance,
            "protocol_type": "consumer",
            "protocol_name": "range",
            "assignments": [{"member_id": k, "assignment": v} for k, v in (assignments or {}).items()],
        },
    )


def heartbeat(
    c: GroupClient,
    group: str,
    generation: int,
    member_id: str,
    *,
    instance: str | None = None,
    version: int = 3,
) -> int:
    return c.request(
        "heartbeat",
        version,
        {
            "group_id": group,
            "generation_id": generation,
            "member_id": member_id,
            "group_instance_id": instance,
        },
    )["error_code"]


def describe(c: GroupClient, group: str) -> dict:
    return c.request("describe_groups", 5, {"groups": [group]})["groups"][0]


def commit(
    c: GroupClient,
    group: str,
    generation: int,
    member_id: str,
    offsets: dict[tuple[str, int], int],
    *,
    version: int = 7,
    instance: str | None = None,
) -> dict[tuple[str, int], int]:
    topics: dict[str, list] = {}
    for (t, p), off in offsets.items():
        topics.setdefault(t, []).append(
            {"partition_index": p, "committed_offset": off, "committed_metadata": "m"}
        )
    res = c.request(
        "offset_commit",
        version,
        {
            "group_id": group,
            "generation_id": generation,
            "member_id": member_id,
            "group_instance_id": instance,
            "topics": [{"name": t, "partitions": ps} for t, ps in topics.items()],
        },
    )
    return {
        (t["name"], p["partition_index"]): p["error_code"] for t in res["topics"] for p in t["partitions"]
    }


def fetch_offsets(c: GroupClient, group: str, partitions: list[tuple[str, int]] | None, *, version: int = 7):
    topics = None
    if partitions is not None:
        by: dict[str, list[int]] = {}
        for t, p in partitions:
            by.setdefault(t, []).append(p)
        topics = [{"name": t, "partition_indexes": ps} for t, ps in by.items()]
    res = c.request("offset_fetch", version, {"group_id": group, "topics": topics})
    return res["error_code"], {
        (t["name"], p["partition_index"]): p["committed_offset"]
        for t in res["topics"]
        for p in t["partitions"]
    }


def create_topic(bp, name: str, partitions: int) -> None:
    with client(bp) as c:
        res = c.request(
            "create_topics",
            5,
            {
                "topics": [
                    {
                        "name": name,
                        "num_partitions": partitions,
                        "replication_factor": 1,
                        "assignments": [],
                        "configs": [],
                    }
                ],
                "timeout_ms": 5000,
            },
        )
        assert res["topics"][0]["error_code"] == 0, res


def in_thread(fn, *args, **kw):
    """Run a blocking call (a JoinGroup that waits for the rebalance) in a thread; .result() joins it."""
    box: dict = {}

    def run():
        try:
            box["v"] = fn(*args, **kw)
        except BaseException as exc:  # re-raised in result()
            box["e"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()

    class _H:
        @staticmethod
        def result(timeout: float = 20):
            t.join(timeout)
            assert not t.is_alive(), "call did not return"
            if "e" in box:
                raise box["e"]
            return box["v"]

    return _H


def stabilized_generations(log: str, group: str) -> list[int]:
    return [int(g) for g in re.findall(rf"Stabilized group {re.escape(group)} generation (\d+) ", log)]
