"""The shared helpers that replaced repeated copies: the bounded polling loop and Kafka's
listener-entry parsing."""

from __future__ import annotations

import time

from netlab.kafka.listeners import ListenerEntry, listener_ports, parse_entry
from netlab.polling import poll_until


def test_poll_returns_the_first_answer_that_is_not_none():
    calls = []

    def check():
        calls.append(1)
        return "ready" if len(calls) == 3 else None

    assert poll_until(check, timeout=5, first_delay=0.001) == "ready"
    assert len(calls) == 3


def test_poll_passes_false_through_and_checks_once_even_without_time():
    assert poll_until(lambda: False, timeout=0) is False
    calls = []
    assert poll_until(lambda: calls.append(1), timeout=0) is None
    assert calls == [1]


def test_poll_gives_up_after_its_timeout():
    began = time.monotonic()
    assert poll_until(lambda: None, timeout=0.05, first_delay=0.001, max_delay=0.01) is None
    assert time.monotonic() - began >= 0.05


def test_listener_entries_parse_as_kafka_parses_them():
    assert parse_entry("INTERNAL://broker:29092") == ListenerEntry("INTERNAL", "broker", 29092)
    assert parse_entry(" PLAINTEXT://:9092") == ListenerEntry("PLAINTEXT", "", 9092)
    assert parse_entry("V6://[::1]:9093") == ListenerEntry("V6", "::1", 9093)
    assert parse_entry("X://h:-1") == ListenerEntry("X", "h", -1)
    assert parse_entry("broker:9092") is None
    assert listener_ports("A://:9092,B://b:29092,bad,C://c:0") == {9092, 29092}
