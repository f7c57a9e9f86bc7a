"""The predictor and the sentences on the issue's pictures, without root or kernel."""

from __future__ import annotations

import pytest
from kafkaworlds import MAP, add_broker, five_brokers, links

from netlab.errors import InputError
from netlab.kafka.clients import ClientResult
from netlab.kafka.explain import java_link_error, verdict
from netlab.kafka.predict_rules import predict_probe
from netlab.kafka.probe import HostPort, parse_host_port
from netlab.kafka.views import PublishedPort, world_from_networks


def test_five_brokers_everything_works():
    w = five_brokers()
    assert all(b.running for b in w.brokers)
    assert len(links(w)) == 20 and all(v.ok for v in links(w))
    for n in range(1, 6):
        p = predict_probe(w, "host", f"localhost:{9090 + n}")
        assert p.ok and [b.endpoint for b in p.brokers] == [f"localhost:{9090 + k}" for k in range(1, 6)]
        assert verdict(w, f"broker-{n}", predict_probe(w, f"broker-{n}", "broker-3:29092")).ok


def test_broker_1_internal_on_loopback_breaks_links_to_it():
    w = five_brokers("127.0.0.1")
    assert all(b.running for b in w.brokers)
    bad = [v for v in links(w) if not v.ok]
    assert sorted(v.from_node for v in bad) == ["broker-2", "broker-3", "broker-4", "broker-5"]
    for v in bad:
        assert (v.to, v.stage, v.cause) == ("broker-1:29092", "connect", "bootstrap_refused")
        assert (
            "listener INTERNAL on broker-1 is bound to 127.0.0.1:29092 (loopback: only reachable from inside "
            "that node)"
            in v.reason
            and "listeners=INTERNAL://0.0.0.0:29092" in v.reason
        )
    assert (
        java_link_error(1, "broker-1", "10.5.0.11", 29092)
        == "Connection to node 1 (broker-1/10.5.0.11:29092) could not be established. "
        "Node may not be available."
    )
    assert predict_probe(w, "host", "localhost:9091").ok  # EXTERNAL still works from the host


def test_container_binding_a_lan_address_does_not_start_and_clients_are_told_why():
    """Topology 4: EXTERNAL://192.168.8.133:9091 inside a container."""
    w = world_from_networks(
        {"kafka-net": {"host": "172.18.0.1", "broker-1": "172.18.0.2"}},
        published=[PublishedPort("host", "0.0.0.0", 9091, "172.18.0.2", 9091)],
    )
    add_broker(
        w,
        "broker-1",
        {
            "node.id": "1",
            "listener.security.protocol.map": MAP,
            "inter.broker.listener.name": "INTERNAL",
            "listeners": "INTERNAL://0.0.0.0:29092,EXTERNAL://192.168.8.133:9091",
            "advertised.listeners": "INTERNAL://broker-1:29092,EXTERNAL://192.168.8.133:9091",
        },
    )
    assert w.brokers[0].start_error == (
        "org.apache.kafka.common.KafkaException: Socket server failed to bind to "
        "192.168.8.133:9091: Cannot assign requested address."
    )
    v = verdict(w, "host", predict_probe(w, "host", "localhost:9091"))
    assert v.cause == "bootstrap_not_kafka"  # the published port accepts, then closes
    assert (
        "the broker in broker-1 did not start: org.apache.kafka.common.KafkaException: Socket server failed"
        in v.reason
    )


@pytest.mark.parametrize(
    "advertised,cause",
    [
        ("192.168.8.133:9093", None),
        ("broker-3:9093", "advertised_unresolved"),
        ("localhost:9093", "advertised_refused"),
        ("192.168.64.1:9093", "advertised_unreachable"),
    ],
)
def test_static_ip_broker_seen_from_a_laptop_on_the_lan(advertised, cause):
    """Topology 5: EXTERNAL bound to 10.5.0.3:9093, published on the host's LAN address."""
    w = world_from_networks(
        {
            "kafka-networks": {"host": "10.5.0.1", "broker-3": "10.5.0.3"},
            "lan": {"host": "192.168.8.133", "laptop": "192.168.8.50"},
        },
        dns={"kafka-networks"},
        published=[PublishedPort("host", "0.0.0.0", 9093, "10.5.0.3", 9093)],
    )
    add_broker(
        w,
        "broker-3",
        {
            "node.id": "3",
            "listener.security.protocol.map": MAP,
            "inter.broker.listener.name": "INTERNAL",
            "listeners": "INTERNAL://broker-3:29092,EXTERNAL://10.5.0.3:9093",
            "advertised.listeners": f"INTERNAL://broker-3:29092,EXTERNAL://{advertised}",
        },
    )
    v = verdict(w, "laptop", predict_probe(w, "laptop", "192.168.8.133:9093"))
    assert v.cause == cause, v
    if cause:
        assert v.target == advertised and v.reason.startswith(
            f"bootstrap reached listener EXTERNAL on broker-3, which advertises {advertised}; "
        )
        assert "e.g. 192.168.8.133:9093" in v.reason


@pytest.mark.parametrize(
    "bind,b_fails_at,b_error",
    [
        ("198.51.100.10", "connect", "Connection refused"),  # bound to net-a's interface only
        (
            "0.0.0.0",
            "advertised_connect",
            "Network is unreachable",
        ),  # bound to both, but advertises net-a's address
    ],
)
def test_multi_homed_server(bind, b_fails_at, b_error):
    """Topology 8: a listener bound to one interface is reachable only from that network."""
    w = world_from_networks(
        {
            "net-a": {"server": "198.51.100.10", "client-a": "198.51.100.20"},
            "net-b": {"server": "203.0.113.10", "client-b": "203.0.113.20"},
        },
        dns=set(),
    )
    add_broker(
        w,
        "server",
        {
            "node.id": "1",
            "listeners": f"PLAINTEXT://{bind}:9092",
            "advertised.listeners": "PLAINTEXT://198.51.100.10:9092",
        },
    )
    assert predict_probe(w, "client-a", "198.51.100.10:9092").ok
    failed = predict_probe(w, "client-b", "203.0.113.10:9092").failed
    assert (failed.name, failed.error) == (b_fails_at, b_error)


def test_verdict_json_shape_and_client_failure():
    w = five_brokers()
    p = predict_probe(w, "host", "localhost:9091")
    client = ClientResult("kafka-python", "localhost:9091", "t", False, "consume", "boom", "boom")
    d = verdict(w, "host", p, client).to_dict()
    assert {"from", "to", "ok", "stage", "reason", "client_error"} <= set(d)
    assert (d["from"], d["to"], d["ok"], d["stage"], d["cause"]) == (
        "host",
        "localhost:9091",
        False,
        "consume",
        "client_failed",
    )
    assert "every probe stage passed but kafka-python failed to consume: boom" == d["reason"]


def test_host_port_parsing():
    assert (
        parse_host_port("[::1]:9092") == HostPort("::1", 9092) and str(HostPort("::1", 9092)) == "[::1]:9092"
    )
    for bad in ("localhost", "localhost:0", "localhost:x", ":9092", "h:70000"):
        with pytest.raises(InputError, match="expected HOST:PORT"):
            parse_host_port(bad)


def test_invalid_config_broker_is_not_running():
    w = world_from_networks({"n": {"b": "10.1.0.2"}})
    add_broker(w, "b", {"listeners": "PLAINTEXT://0.0.0.0:9092"})
    assert not w.brokers[0].running and "nonroutable meta-address 0.0.0.0" in w.brokers[0].start_error


@pytest.mark.parametrize("listen,warns", [("0.0.0.0", True), ("::", False)])
def test_localhost_is_ipv6_first_and_ipv4_only_sockets_refuse_it(listen, warns):
    w = world_from_networks(
        {"kafka-net": {"host": "172.18.0.1", "broker": "172.18.0.2"}},
        published=[PublishedPort("host", listen, 9092, "172.18.0.2", 9092)],
    )
    w.vantage("host").names["localhost"] = ["127.0.0.1", "::1"]  # as netlab's hosts files say it
    assert w.vantage("host").resolve("localhost") == ["::1", "127.0.0.1"]  # getaddrinfo's order
    add_broker(
        w,
        "broker",
        {
            "node.id": "1",
            "listeners": "PLAINTEXT://0.0.0.0:9092",
            "advertised.listeners": "PLAINTEXT://localhost:9092",
        },
    )
    p = predict_probe(w, "host", "localhost:9092")
    assert p.ok
    v = verdict(w, "host", p)
    assert v.ok and (v.warning is not None) == warns
    if warns:
        assert p.stages[1].detail["tried"] == [{"address": "::1", "error": "Connection refused"}]
        assert "librdkafka: kcat, confluent-kafka" in v.warning
    failing = verdict(
        w,
        "host",
        p,
        ClientResult(
            "kcat",
            "localhost:9092",
            "t",
            False,
            "produce",
            "Connect to ipv6#[::1]:9092 failed: Connection refused",
            "rc 1",
        ),
    )
    assert failing.cause == "client_failed" and failing.reason.endswith(
        "kcat failed to produce: Connect to ipv6#[::1]:9092 failed: Connection refused"
    )
