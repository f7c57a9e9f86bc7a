"""Kafka's dynamic broker configs beyond the log defaults (DynamicBrokerConfig.AllDynamicConfigs),
found by librdkafka's 0081_admin and kafka-python's admin suite: DescribeConfigs marks them not
read-only (advertised.listeners among them); AlterConfigs on a broker id takes the SSL/SASL ones
(recorded, shown back, a password never), refuses them at the cluster-default level as Kafka does,
refuses a value of the wrong type, and refuses the ones netlab does not reconfigure, saying so."""

from __future__ import annotations

import pytest
from brokerproc import start_broker
from rawclient import RawClient
from test_alter_configs import raw_alter_broker

pytestmark = [pytest.mark.clients]


def _alter(admin, resource: str, configs: dict[str, str]):
    from confluent_kafka.admin import ConfigResource

    res = ConfigResource(ConfigResource.Type.BROKER, resource, set_config=configs)
    return admin.alter_configs([res], request_timeout=15)[res]


def _describe(admin, resource: str) -> dict:
    from confluent_kafka.admin import ConfigResource

    res = ConfigResource(ConfigResource.Type.BROKER, resource)
    return admin.describe_configs([res], request_timeout=15)[res].result(15)


def test_security_configs_altered_and_described_listeners_not_read_only(tmp_path):
    from confluent_kafka.admin import AdminClient

    bp = start_broker(tmp_path)
    try:
        admin = AdminClient({"bootstrap.servers": bp.bootstrap})
        node = "1"
        # what librdkafka's 0081_admin sets
        _alter(admin, node, {"sasl.kerberos.min.time.before.relogin": "58000"}).result(15)
        got = _describe(admin, node)
        entry = got["sasl.kerberos.min.time.before.relogin"]
        assert entry.value == "58000" and entry.source == 2 and not entry.is_read_only  # DYNAMIC_BROKER
        # a password is recorded but never shown
        _alter(admin, node, {"ssl.keystore.password": "s3cret"}).result(15)
        got = _describe(admin, node)
        assert got["ssl.keystore.password"].is_sensitive and got["ssl.keystore.password"].value is None
        assert "sasl.kerberos.min.time.before.relogin" not in got  # AlterConfigs replaced the whole set
        # Kafka's words for the wrong type and the cluster-default level
        with pytest.raises(Exception, match="Not a number of type LONG"):
            _alter(admin, node, {"sasl.kerberos.min.time.before.relogin": "soon"}).result(15)
        with pytest.raises(Exception, match="does not reconfigure these at run time"):
            _alter(admin, node, {"advertised.listeners": "PLAINTEXT://127.0.0.1:1"}).result(15)
        with pytest.raises(Exception, match=r"Cannot update these configs dynamically: Set\(broker.id\)"):
            _alter(admin, node, {"broker.id": "7"}).result(15)
        # advertised.listeners is dynamic in Kafka (DynamicListenerConfig); broker.id is not
        assert not got["advertised.listeners"].is_read_only and got["broker.id"].is_read_only
        # the cluster-wide default ("", which both clients refuse to send) takes no SSL/SASL settings
        rc = RawClient("127.0.0.1", bp.port)
        assert raw_alter_broker(rc, "", "sasl.kerberos.service.name", "kafka") == 42  # INVALID_REQUEST
        assert raw_alter_broker(rc, node, "sasl.kerberos.service.name", "kafka") == 0  # incremental: SET
        assert _describe(admin, node)["sasl.kerberos.service.name"].value == "kafka"
    finally:
        bp.stop()
