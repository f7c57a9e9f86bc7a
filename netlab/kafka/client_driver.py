"""One real Kafka client producing one record and consuming it back, run as its own process:

    python -m netlab.kafka.client_driver CLIENT --bootstrap HOST:PORT --topic T --value V --timeout S

CLIENT is confluent-kafka, kafka-python or aiokafka (kcat is a program of its own; see
clients.py). Prints one JSON object: ok, stage (produce/consume, null when ok), error (the
exception's text), log (the client's own warning/error lines, verbatim). A separate process so
it can be started inside a node and so a client that wedges can be killed without harming the
caller. No consumer group is used: the record is read back by assigning partition 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time

from .clients import LOG_MARK, STAGE_MARK
from .results import CONSUME

MAX_LOG_LINES = 50


def _note(lines: list[str], msg: str) -> None:
    """Keep one of the client's own lines, and stream it on stderr at once: the caller may stop
    this run as soon as the client said why (clients.run_client's `decided`)."""
    if len(lines) < MAX_LOG_LINES and msg not in lines:
        lines.append(msg)
        print(LOG_MARK + " ".join(msg.splitlines()), file=sys.stderr, flush=True)


def _stage(name: str) -> None:
    print(STAGE_MARK + name, file=sys.stderr, flush=True)


class _Collect(logging.Handler):
    """Keeps the clients' own WARNING+ log lines (their texts are what users search for)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            msg += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        _note(self.lines, msg)


def _fail(stage: str, exc: BaseException | str) -> dict:
    text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    return {"ok": False, "stage": stage, "error": text}


def run_confluent(bootstrap: str, topic: str, value: bytes, timeout: float, log: list[str]) -> dict:
    import confluent_kafka as ck

    def on_error(err) -> None:
        _note(log, err.str())

    half_ms = int(timeout * 500)
    common = {
        "bootstrap.servers": bootstrap,
        "error_cb": on_error,
        "socket.timeout.ms": half_ms,
        "log_level": 0,
    }  # the texts arrive through error_cb; keep stderr quiet
    producer = ck.Producer({**common, "message.timeout.ms": half_ms})
    delivered: list = []
    producer.produce(topic, value, on_delivery=lambda err, msg: delivered.append(err))
    producer.flush(timeout / 2 + 1)
    if not delivered:
        return _fail("produce", "no delivery report within the timeout")
    if delivered[0] is not None:
        return _fail("produce", f"KafkaError: {delivered[0].str()}")
    _stage(CONSUME)
    consumer = ck.Consumer(
        {
            **common,
            "group.id": f"netlab-check-{topic}",
            "enable.auto.commit": False,
            "enable.partition.eof": False,
        }
    )
    try:
        consumer.assign([ck.TopicPartition(topic, 0, ck.OFFSET_BEGINNING)])
        deadline = time.monotonic() + timeout / 2
        while time.monotonic() < deadline:
            msg = consumer.poll(min(0.5, max(deadline - time.monotonic(), 0.01)))
            if msg is None:
                continue
            err = msg.error()
            if err is not None:
                return _fail("consume", f"KafkaError: {err.str()}")
            if msg.value() == value:
                return {"ok": True, "stage": None, "error": None}
        return _fail("consume", f"the record was not read back within {timeout / 2:g}s")
    finally:
        consumer.close()


def run_kafka_python(bootstrap: str, topic: str, value: bytes, timeout: float, log: list[str]) -> dict:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    half_ms = int(timeout * 500)
    try:
        producer = KafkaProducer(
            bootstrap_servers=bootstrap,
            max_block_ms=half_ms,
            request_timeout_ms=half_ms,
            bootstrap_timeout_ms=half_ms,
        )
    except Exception as exc:  # NoBrokersAvailable and friends
        return _fail("produce", exc)
    try:
        producer.send(topic, value).get(timeout=timeout / 2)
    except Exception as exc:
        return _fail("produce", exc)
    finally:
        producer.close(timeout=1)
    _stage(CONSUME)
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            bootstrap_timeout_ms=half_ms,
            request_timeout_ms=half_ms + 1000,
        )
    except Exception as exc:
        return _fail("consume", exc)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        deadline = time.monotonic() + timeout / 2
        while time.monotonic() < deadline:
            batches = consumer.poll(timeout_ms=500)
            if any(r.value == value for recs in batches.values() for r in recs):
                return {"ok": True, "stage": None, "error": None}
        return _fail("consume", f"the record was not read back within {timeout / 2:g}s")
    except Exception as exc:
        return _fail("consume", exc)
    finally:
        consumer.close()


async def _aiokafka(bootstrap: str, topic: str, value: bytes, timeout: float) -> dict:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

    half_ms = int(timeout * 500)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=half_ms)
    try:
        await asyncio.wait_for(producer.start(), timeout / 2)
        await asyncio.wait_for(producer.send_and_wait(topic, value), timeout / 2)
    except Exception as exc:  # asyncio.TimeoutError included
        return _fail("produce", exc)
    finally:
        await producer.stop()
    _stage(CONSUME)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        request_timeout_ms=half_ms + 1000,
    )
    try:
        await asyncio.wait_for(consumer.start(), timeout / 2)
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        deadline = time.monotonic() + timeout / 2
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            if any(r.value == value for recs in batches.values() for r in recs):
                return {"ok": True, "stage": None, "error": None}
        return _fail("consume", f"the record was not read back within {timeout / 2:g}s")
    except Exception as exc:
        return _fail("consume", exc)
    finally:
        await consumer.stop()


def run_aiokafka(bootstrap: str, topic: str, value: bytes, timeout: float, log: list[str]) -> dict:
    return asyncio.run(_aiokafka(bootstrap, topic, value, timeout))


RUNNERS = {"confluent-kafka": run_confluent, "kafka-python": run_kafka_python, "aiokafka": run_aiokafka}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m netlab.kafka.client_driver")
    p.add_argument("client", choices=sorted(RUNNERS))
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--value", required=True)
    p.add_argument("--timeout", type=float, default=10.0)
    args = p.parse_args(argv)
    handler = _Collect()
    for name in ("kafka", "aiokafka"):
        lg = logging.getLogger(name)
        lg.addHandler(handler)
        lg.setLevel(logging.WARNING)
        lg.propagate = False
    log: list[str] = []
    t0 = time.monotonic()
    try:
        out = RUNNERS[args.client](args.bootstrap, args.topic, args.value.encode(), args.timeout, log)
    except Exception as exc:  # a client bug must still give one JSON answer
        out = _fail("produce", exc)
    out["elapsed_ms"] = round((time.monotonic() - t0) * 1000, 1)
    out["log"] = log + handler.lines
    print(json.dumps(out), flush=True)
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
