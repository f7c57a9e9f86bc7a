"""Listener settings as Kafka 3.7's dynamic broker configs (DynamicBrokerConfig,
DynamicListenerConfig), with confluent-kafka, kafka-python and kcat against real brokers:
DescribeConfigs marks them (and every other dynamic config) not read-only; they are per-broker
only (the cluster default refuses them with Kafka's words); a change re-binds the broker (a new
listener accepts connections and Metadata on it answers its advertised endpoint; a removed one
refuses them) and survives a restart; an existing listener keeps its security protocol; a KRaft
broker refuses to change its advertised endpoints."""

from __future__ import annotations

import json
import socket
import subprocess
import time

import pytest
from brokerproc import free_port, start_broker
from rawclient import RawClient
from test_alter_configs import raw_alter_broker

pytestmark = [pytest.mark.clients]


def _admin(bp):
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": bp.bootstrap})


def _set_broker(bp, resource: str, configs: dict[str, str | None]):
    """IncrementalAlterConfigs with confluent-kafka: SET (value) or DELETE (None)."""
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource

    ops = [
        ConfigEntry(
            k, v, incremental_operation=AlterConfigOpType.DELETE if v is None else AlterConfigOpType.SET
        )
        for k, v in configs.items()
    ]
    res = ConfigResource(ConfigResource.Type.BROKER, resource, incremental_configs=ops)
    admin = _admin(bp)  # kept alive until the result is in
    return admin.incremental_alter_configs([res], request_timeout=15)[res].result(15)


def _describe_broker(bp) -> dict:
    from confluent_kafka.admin import ConfigResource

    res = ConfigResource(ConfigResource.Type.BROKER, "1")
    admin = _admin(bp)
    return admin.describe_configs([res], request_timeout=15)[res].result(15)


def _kcat_brokers(bootstrap: str) -> list[str]:
    out = subprocess.run(
        ["kcat", "-b", bootstrap, "-L", "-J", "-m", "5"],
        capture_output=True,
        text=True,
        timeout=20,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stderr
    return [b["name"] for b in json.loads(out.stdout)["brokers"]]


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def _wait(fn, what: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached in {timeout} s")


def test_listener_configs_are_dynamic_per_broker_and_rebind(tmp_path):
    bp = start_broker(tmp_path)
    p1, p2 = bp.port, free_port()
    try:
        entries = _describe_broker(bp)
        for name in ("advertised.listeners", "listeners", "listener.security.protocol.map"):
            assert not entries[name].is_read_only, name  # DynamicListenerConfig
        assert not entries["num.io.threads"].is_read_only  # DynamicThreadPool
        assert not entries["log.cleaner.backoff.ms"].is_read_only  # LogCleaner
        assert entries["log.dirs"].is_read_only and entries["broker.rack"].is_read_only

        # per-broker only: the cluster default refuses them (our raw client: no admin client
        # names the "" resource)
        rc = RawClient("127.0.0.1", p1)
        assert raw_alter_broker(rc, "", "advertised.listeners", f"PLAINTEXT://127.0.0.1:{p1}") == 42
        rc.close()
        from kafka.admin import ConfigResource as KpResource
        from kafka.admin import ConfigResourceType, KafkaAdminClient

        kp = KafkaAdminClient(bootstrap_servers=bp.bootstrap, request_timeout_ms=15000)
        try:  # kafka-python's legacy AlterConfigs: a dynamic config netlab stores, not acts on
            kp.alter_configs([KpResource(ConfigResourceType.BROKER, "1", configs={"num.io.threads": "4"})])
        finally:
            kp.close()
        io = _describe_broker(bp)["num.io.threads"]
        assert (io.value, io.source) == ("4", 2)  # DYNAMIC_BROKER_CONFIG

        # a second listener, advertised under another name
        _set_broker(
            bp,
            "1",
            {
                "listeners": f"PLAINTEXT://127.0.0.1:{p1},EXTRA://127.0.0.1:{p2}",
                "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,EXTRA:PLAINTEXT",
                "advertised.listeners": f"PLAINTEXT://127.0.0.1:{p1},EXTRA://localhost:{p2}",
            },
        )
        _wait(lambda: not _refused(p2), "the new listener accepting")
        assert _kcat_brokers(f"127.0.0.1:{p2}") == [f"localhost:{p2}"]  # answered per listener
        assert _kcat_brokers(f"127.0.0.1:{p1}") == [f"127.0.0.1:{p1}"]
        entries = _describe_broker(bp)
        assert entries["listeners"].value.endswith(f"EXTRA://127.0.0.1:{p2}")
        assert entries["listeners"].source == 2  # DYNAMIC_BROKER_CONFIG

        # an existing listener keeps its security protocol
        with pytest.raises(Exception) as exc:
            _set_broker(bp, "1", {"listener.security.protocol.map": "PLAINTEXT:SSL,EXTRA:PLAINTEXT"})
        assert "Security protocol cannot be updated for existing listener PLAINTEXT" in str(exc.value)
        with pytest.raises(Exception) as exc:  # advertised must stay within listeners
            _set_broker(bp, "1", {"advertised.listeners": "PLAINTEXT://127.0.0.1:1,OTHER://h:2"})
        assert "No security protocol defined for listener OTHER" in str(exc.value)
    finally:
        assert bp.stop() == 0, bp.output()

    bp = start_broker(tmp_path, port=p1, log_dir=bp.log_dir)  # persisted: bound again at start
    try:
        _wait(lambda: not _refused(p2), "the dynamic listener after a restart")
        assert _kcat_brokers(f"127.0.0.1:{p2}") == [f"localhost:{p2}"]
        _set_broker(
            bp, "1", {"listeners": None, "listener.security.protocol.map": None, "advertised.listeners": None}
        )
        _wait(lambda: _refused(p2), "the removed listener refusing")
        assert _kcat_brokers(f"127.0.0.1:{p1}") == [f"127.0.0.1:{p1}"]
    finally:
        assert bp.stop() == 0, bp.output()


def test_kraft_broker_cannot_change_its_advertised_listeners(tmp_path):
    port, cport = free_port(), free_port()
    bp = start_broker(
        tmp_path,
        [
            "node.id=1",
            "process.roles=broker,controller",
            f"controller.quorum.voters=1@127.0.0.1:{cport}",
            "controller.listener.names=CONTROLLER",
            f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        ],
        port=port,
        wait_for="Kafka Server started",
    )
    try:
        with pytest.raises(Exception) as exc:
            _set_broker(bp, "1", {"advertised.listeners": f"PLAINTEXT://localhost:{port}"})
        assert "Advertised listeners cannot be altered when using a Raft-based metadata quorum." in str(
            exc.value
        )
    finally:
        assert bp.stop() == 0, bp.output()
