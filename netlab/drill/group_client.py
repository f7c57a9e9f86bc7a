"""A real consumer-group member (confluent-kafka, librdkafka): does a group form?

    python -m netlab.drill.group_client --bootstrap HOST:PORT --group G [--timeout S]
    python -m netlab.drill.group_client --bootstrap HOST:PORT --group G --members a,b   # describe

With --members it joins nothing: it asks DescribeGroups until the group is Stable with exactly
those static members (the long-running members are group_member.py processes in the lab).

Subscribes to a topic and waits (bounded) for its first assignment: the group coordinator was
found (FindCoordinator), JoinGroup and SyncGroup completed. Prints JSON {"ok", "seconds",
"error"}; `error` is librdkafka's own last group-coordinator line when the group did not form.
Run inside a node with `ip netns exec` like the other real clients (netlab/kafka/clients.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.lines) < 2000:  # bounded: librdkafka's cgrp debug repeats every retry
            self.lines.append(record.getMessage())


def run(bootstrap: str, group: str, timeout: float) -> dict:
    from confluent_kafka import Consumer, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    lines = _Lines()
    log = logging.getLogger("netlab.group_client")
    log.addHandler(lines)
    log.setLevel(logging.DEBUG)
    assigned: list[bool] = []
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "session.timeout.ms": 6000,
            "debug": "cgrp",
            "logger": log,
        }
    )
    began = time.monotonic()
    topic = f"netlab-drill-{group}"
    # librdkafka joins a group only once a subscribed topic exists: create it first (bounded)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    try:
        admin.create_topics([NewTopic(topic, 1, 1)], request_timeout=timeout)[topic].result(timeout)
    except KafkaException as exc:
        if "TOPIC_ALREADY_EXISTS" not in str(exc):
            return {"ok": False, "seconds": round(time.monotonic() - began, 3), "error": str(exc)[:500]}
    except Exception as exc:  # a timeout of the future: nothing answered
        return {"ok": False, "seconds": round(time.monotonic() - began, 3), "error": str(exc)[:500]}
    try:
        consumer.subscribe([topic], on_assign=lambda c, parts: assigned.append(True))
        while not assigned and time.monotonic() - began < timeout:
            consumer.poll(0.2)
    finally:
        consumer.close()
    if assigned:
        return {"ok": True, "seconds": round(time.monotonic() - began, 3), "error": None}
    wanted = ("Coordinator", "COORDINATOR", "coordinator")
    hits = [line for line in lines.lines if any(w in line for w in wanted)]
    return {
        "ok": False,
        "seconds": round(time.monotonic() - began, 3),
        "error": (hits or lines.lines or [f"no assignment within {timeout:g} s"])[-1][:500],
    }


def describe(bootstrap: str, group: str, members: list[str], timeout: float) -> dict:
    """Wait (bounded) until the group is Stable with exactly these static members
    (group.instance.id), as DescribeGroups reports them."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    began = time.monotonic()
    seen = "no answer"
    while time.monotonic() - began < timeout:
        try:
            wait = max(1.0, timeout / 3)
            d = admin.describe_consumer_groups([group], request_timeout=wait)[group].result(wait + 1)
            ids = sorted(m.group_instance_id or m.member_id for m in d.members)
            state = str(d.state).rpartition(".")[2]
            seen = f"group {group} is {state} with members {ids or 'none'}"
            if state == "STABLE" and ids == sorted(members):
                return {"ok": True, "seconds": round(time.monotonic() - began, 3), "error": None}
        except Exception as exc:  # the broker's or librdkafka's words
            seen = str(exc)[:300]
        time.sleep(0.3)
    return {
        "ok": False,
        "seconds": round(time.monotonic() - began, 3),
        "error": f"{seen} (expected members {sorted(members)})",
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--timeout", type=float, default=8.0)
    p.add_argument("--members", default=None, help="describe only: the static members expected, a,b,...")
    args = p.parse_args()
    if args.members is not None:
        out = describe(args.bootstrap, args.group, [m for m in args.members.split(",") if m], args.timeout)
    else:
        out = run(args.bootstrap, args.group, args.timeout)
    print(json.dumps(out))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
