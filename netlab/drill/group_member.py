"""A long-running consumer-group member (confluent-kafka), as a service's consumer runs:

    python group_member.py --bootstrap HOST:PORT --group G [--instance-id ID]

`--instance-id` (default: $GROUP_INSTANCE_ID, as a service reads it from its environment) makes it
a static member (KIP-345, group.instance.id). It subscribes to `netlab-drill-<group>` (creating
it), polls until stopped, logs every assignment, and exits 1 with librdkafka's own words on a
fatal error — a static member fenced by another with the same instance id gets FENCED_INSTANCE_ID.
Runs as a file (not `-m`): a lab process gets a container-like environment without PYTHONPATH.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import time


def main() -> int:
    from confluent_kafka import Consumer, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--instance-id", default=os.environ.get("GROUP_INSTANCE_ID") or None)
    args = p.parse_args()
    topic = f"netlab-drill-{args.group}"
    stop: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    # like a service started next to its broker (compose depends_on without a health check): wait
    # until the bootstrap port accepts, so librdkafka's reconnect backoff does not set the pace
    host, _, port = args.bootstrap.rpartition(":")
    deadline = time.monotonic() + 60
    while not stop and time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    try:  # the topic first: librdkafka joins only once a subscribed topic exists
        admin = AdminClient({"bootstrap.servers": args.bootstrap})
        admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(10)
    except KafkaException as exc:
        print(f"create topic: {exc}", flush=True)
    except Exception as exc:  # the future timed out
        print(f"create topic: {exc!r}", flush=True)
    conf = {"bootstrap.servers": args.bootstrap, "group.id": args.group, "session.timeout.ms": 6000}
    if args.instance_id:
        conf["group.instance.id"] = args.instance_id
    fatal: list[str] = []

    def on_error(err) -> None:
        print(f"error: {err.str()} ({err.name()})", flush=True)
        if err.fatal():
            fatal.append(f"{err.name()}: {err.str()}")

    conf["error_cb"] = on_error

    # librdkafka 2.x logs a fenced static member's fatal error (FATAL, "Fatal error: ...") but
    # confluent-kafka delivers it to neither error_cb nor poll() here: read it from the log callback
    class _Fatal(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            line = record.getMessage()
            print(line, flush=True)
            if "Fatal error" in line and not fatal:
                fatal.append(line.split("Fatal error: ", 1)[-1])

    log = logging.getLogger("group_member")
    log.addHandler(_Fatal())
    log.setLevel(logging.WARNING)
    conf["logger"] = log
    consumer = Consumer(conf)
    consumer.subscribe(
        [topic], on_assign=lambda c, parts: print(f"assigned: {[x.partition for x in parts]}", flush=True)
    )
    print(f"member of {args.group} (group.instance.id={args.instance_id})", flush=True)
    try:
        while not stop and not fatal:
            msg = consumer.poll(0.5)
            err = msg.error() if msg is not None else None
            if err is not None and err.fatal():
                fatal.append(f"{err.name()}: {err.str()}")
    finally:
        if not fatal:
            consumer.close()
    if fatal:
        print(f"fatal: {fatal[0]}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
