"""Compose `ports:` in every short and long form, and Docker's host port allocator."""

from __future__ import annotations

import pytest

from netlab.compose.ports import (
    HostPortAllocator,
    PortSyntaxError,
    Publish,
    parse_long,
    parse_ports,
    parse_short,
)


def _t(p: Publish) -> tuple:
    return (p.host_ip, p.published, p.target, p.protocol)


@pytest.mark.parametrize(
    "spec,expected",
    [
        ("9092", [(None, None, 9092, "tcp")]),
        (9092, [(None, None, 9092, "tcp")]),
        ("9092:9092", [(None, 9092, 9092, "tcp")]),
        ("29092:9092", [(None, 29092, 9092, "tcp")]),
        ("127.0.0.1:9092:9092", [("127.0.0.1", 9092, 9092, "tcp")]),
        ("127.0.0.1::9092", [("127.0.0.1", None, 9092, "tcp")]),
        ("0.0.0.0:9092:9092/tcp", [("0.0.0.0", 9092, 9092, "tcp")]),
        ("9092:9092/udp", [(None, 9092, 9092, "udp")]),
        (
            "9092-9094:9092-9094",
            [(None, 9092, 9092, "tcp"), (None, 9093, 9093, "tcp"), (None, 9094, 9094, "tcp")],
        ),
        ("9092-9093", [(None, None, 9092, "tcp"), (None, None, 9093, "tcp")]),
        ("[::1]:9092:9092", [("::1", 9092, 9092, "tcp")]),
    ],
)
def test_short_syntax(spec, expected):
    assert [_t(p) for p in parse_short(spec)] == expected


@pytest.mark.parametrize(
    "spec,expected",
    [
        ({"target": 9092, "published": 29092}, [(None, 29092, 9092, "tcp")]),
        (
            {"target": 9092, "published": "29092", "host_ip": "127.0.0.1", "protocol": "tcp", "mode": "host"},
            [("127.0.0.1", 29092, 9092, "tcp")],
        ),
        ({"target": 9092}, [(None, None, 9092, "tcp")]),
        ({"target": 9092, "published": "8000-8000"}, [(None, 8000, 9092, "tcp")]),
    ],
)
def test_long_syntax(spec, expected):
    assert [_t(p) for p in parse_long(spec)] == expected


@pytest.mark.parametrize(
    "spec,words",
    [
        ("9092-9094:9092", "don't match"),
        ("abc", "not a port"),
        ("70000:9092", "not a port"),
        ("9094-9092", "ends before"),
        ("1.2.3:9092:9092", "not an IP"),
        ("9092/xyz", "unknown protocol"),
        ("a:b:c:d", "expected"),
    ],
)
def test_bad_ports(spec, words):
    with pytest.raises(PortSyntaxError, match=words):
        parse_short(spec)


def test_allocator_counts_up_from_32768_skipping_explicit_ports():
    alloc = HostPortAllocator({("tcp", 32769)})
    assert [alloc.allocate("tcp"), alloc.allocate("tcp"), alloc.allocate("udp")] == [32768, 32770, 32768]


def test_mixed_list():
    assert len(parse_ports(["9092:9092", {"target": 9093}, 9094])) == 3
