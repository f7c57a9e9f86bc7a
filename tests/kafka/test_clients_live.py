"""Real clients in the namespace: each produces and consumes via EXTERNAL, and reproduces its
own failure texts via INTERNAL (advertised name does not resolve) and on a closed port."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from kafkalab import PYTHON

from netlab.errors import InputError
from netlab.kafka import clients
from netlab.kafka.clients import CLIENTS, ClientResult, pick_client_error, run_client

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

TIMEOUT = 4.0
RESOLVE_TEXT = {
    "kcat": (
        r"Failed to resolve 'broker-1:29092': Name or service not known "
        r"\(after \d+ms in state CONNECT\)"
    ),
    "confluent-kafka": (
        r"Failed to resolve 'broker-1:29092': Name or service not known "
        r"\(after \d+ms in state CONNECT\)"
    ),
    "kafka-python": r"DNS lookup failed for broker-1:29092, gaierror\(-2, 'Name or service not known'\)",
    "aiokafka": r"Unable connect to node with id 1: \[Errno -2\] Name or service not known",
}
REFUSED_TEXT = {
    "kcat": r"Connect to ipv4#127\.0\.0\.1:9093 failed: Connection refused \(after \d+ms in state CONNECT\)",
    "confluent-kafka": (
        r"Connect to ipv4#127\.0\.0\.1:9093 failed: Connection refused "
        r"\(after \d+ms in state CONNECT\)"
    ),
    "kafka-python": r"KafkaConnectionError: 111 ECONNREFUSED",
    "aiokafka": (
        r"Unable connect to \"127\.0\.0\.1:9093\": \[Errno 111\] "
        r"Connect call failed \('127\.0\.0\.1', 9093\)"
    ),
}
CASES = [(c, b) for c in CLIENTS for b in ("127.0.0.1:9092", "127.0.0.1:29092", "127.0.0.1:9093")]


@pytest.fixture(scope="module")
def results(kafka_ns) -> dict[tuple[str, str], ClientResult]:
    """All twelve runs at once (each is its own process; they share only the broker)."""
    ns, _ = kafka_ns
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = {
            case: pool.submit(run_client, case[0], case[1], prefix=ns.prefix, timeout=TIMEOUT, python=PYTHON)
            for case in CASES
        }
        return {case: f.result() for case, f in futures.items()}


@pytest.mark.parametrize("client", CLIENTS)
def test_produce_and_consume_via_external(results, client):
    r = results[(client, "127.0.0.1:9092")]
    assert r.ok, r
    assert r.stage is None and r.client_error is None and r.topic.startswith(f"netlab-check-{client}-")
    assert r.elapsed_ms < (TIMEOUT + 10) * 1000


@pytest.mark.parametrize("client", CLIENTS)
def test_internal_reproduces_the_clients_resolve_text(results, client):
    r = results[(client, "127.0.0.1:29092")]
    assert not r.ok and r.stage == "produce", r
    assert re.fullmatch(RESOLVE_TEXT[client], r.client_error), r
    assert not r.timed_out  # bounded by the client's own timeout, not killed


@pytest.mark.parametrize("client", CLIENTS)
def test_closed_port_reproduces_the_clients_refused_text(results, client):
    r = results[(client, "127.0.0.1:9093")]
    assert not r.ok and r.stage == "produce", r
    assert re.fullmatch(REFUSED_TEXT[client], r.client_error), r


@pytest.fixture(scope="module")
def decided_results(kafka_ns) -> dict[tuple[str, str], ClientResult]:
    """The same runs with a row that is already decided (as `netlab check` has it when the row's
    probe failed): each client is stopped once it has said why, instead of retrying until its
    timeout; a client that has nothing to say why (it works) is never stopped."""
    ns, _ = kafka_ns
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = {
            case: pool.submit(
                run_client,
                case[0],
                case[1],
                prefix=ns.prefix,
                timeout=TIMEOUT,
                python=PYTHON,
                decided=lambda: True,
            )
            for case in CASES
        }
        return {case: f.result() for case, f in futures.items()}


@pytest.mark.parametrize("client", CLIENTS)
def test_a_decided_row_stops_the_client_once_it_said_why(decided_results, client):
    for bootstrap, text in (("127.0.0.1:29092", RESOLVE_TEXT), ("127.0.0.1:9093", REFUSED_TEXT)):
        r = decided_results[(client, bootstrap)]
        assert not r.ok and r.stage == "produce" and not r.timed_out, r
        assert re.fullmatch(text[client], r.client_error), r  # the same words as the full run
        assert r.error.startswith("stopped at produce once it had said why"), r
    working = decided_results[(client, "127.0.0.1:9092")]
    assert working.ok and working.error is None, working


def test_topics_are_unique_per_run(results):
    topics = [r.topic for r in results.values()]
    assert len(set(topics)) == len(topics)


def test_a_wedged_client_is_killed_at_the_deadline(kafka_ns):
    # a process that would outlive the deadline is killed with its process group, not waited for
    ns, _ = kafka_ns
    ran = clients._run(ns.prefix + ["sleep", "30"], None, 0.5)
    assert ran.timed_out and ran.rc is None and not ran.stopped


def test_bad_client_and_timeout_are_input_errors():
    with pytest.raises(InputError, match="unknown client 'jafka'; valid: kcat, confluent-kafka"):
        run_client("jafka", "localhost:9092")
    with pytest.raises(InputError, match="timeout must be in"):
        run_client("kcat", "localhost:9092", timeout=0)


def test_pick_client_error_prefers_the_searchable_line():
    lines = [
        "1/1 brokers are down",
        (
            "broker-1:29092/1: Failed to resolve 'broker-1:29092': Name or service not known "
            "(after 1ms in state CONNECT)"
        ),
    ]
    assert (
        pick_client_error(lines)
        == "Failed to resolve 'broker-1:29092': Name or service not known (after 1ms in state CONNECT)"
    )
    assert pick_client_error(["something odd"]) == "something odd"
    assert pick_client_error([]) is None
