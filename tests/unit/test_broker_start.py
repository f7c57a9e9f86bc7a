"""When `netlab up` calls a broker started (netlab/lab/brokers.py), read from the lines our broker
writes as Kafka does: a KRaft broker that registers with a controller counts once it is unfenced,
not once it registered — until then Metadata leaves it out, and a client's rows would fail."""

from __future__ import annotations

from netlab.lab.brokers import judge_start

STARTING = "[2026-12-05 10:00:00,000] INFO Waiting for the broker to be unfenced\n"
REGISTERED = "[2026-12-05 10:00:00,100] INFO Successfully registered broker 1 with broker epoch 7\n"
# broker/main.py stops waiting for the unfencing after UNFENCE_WAIT_S and logs this anyway
STARTED = "[2026-12-05 10:00:05,000] INFO Kafka Server started (cluster id abc)\n"
UNFENCED = (
    "[2026-12-05 10:00:06,000] INFO The broker has been unfenced. Transitioning from RECOVERY to RUNNING.\n"
)


def judge(log: str, register: bool = True, running: bool = True):
    return judge_start("kafka-1", log, running, None if running else 1, register, 1.0)


def test_a_registered_but_fenced_broker_is_not_started_yet():
    assert judge(STARTING + REGISTERED + STARTED) is None


def test_an_unfenced_broker_is_started():
    verdict = judge(STARTING + REGISTERED + STARTED + UNFENCED)
    assert verdict is not None and verdict.state == "started"


def test_a_broker_that_needs_no_registration_is_started_by_its_start_line():
    verdict = judge(STARTED, register=False)
    assert verdict is not None and verdict.state == "started"


def test_an_exited_broker_failed_with_its_last_line():
    verdict = judge(STARTING + "[x] ERROR Exiting Kafka due to fatal exception\n", running=False)
    assert verdict is not None and verdict.state == "failed" and "fatal exception" in (verdict.error or "")
