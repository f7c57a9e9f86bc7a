"""A node's `broker:` block, `clients:` and `expect:` in the model, and the broker step in the plan."""

from __future__ import annotations

import json
import sys

import pytest

from netlab.brokers import format_properties, needs_registration, node_properties, properties_path
from netlab.errors import InputError
from netlab.lab.paths import lab_paths
from netlab.plan import compile_plan, format_plan
from netlab.resources import Process, step_from_dict
from netlab.topology import loads_topology
from netlab.topology.kafka_fields import broker_properties, broker_settings
from netlab.topology.schema import topology_schema

BASE = """lab: t
nodes:
  host: {}
  broker:
    networks:
      kafka-net: {ipv4_address: 10.5.0.3}
    broker:
      listeners: [INTERNAL://0.0.0.0:29092, EXTERNAL://0.0.0.0:9092]
      KAFKA_ADVERTISED_LISTENERS: INTERNAL://broker:29092,EXTERNAL://localhost:9092
      KAFKA_CFG_NODE_ID: 7
      node.id: 1
      auto.create.topics.enable: true
networks:
  kafka-net: {subnet: 10.5.0.0/16}
clients:
  - {node: host, bootstrap: "localhost:9092"}
  - {node: broker, bootstrap: "broker:29092", client: kafka-python, expect: ok}
expect:
  brokers: {broker: ok}
  links:
    - {from: broker, to: "broker:29092", expect: advertised_refused}
"""


def test_broker_block_keeps_both_styles_and_merges_like_the_broker():
    t = loads_topology(BASE, "t.yaml")
    settings = t.nodes["broker"].broker
    assert settings["listeners"] == "INTERNAL://0.0.0.0:29092,EXTERNAL://0.0.0.0:9092"  # a YAML list joined
    assert settings["auto.create.topics.enable"] == "true"
    props = broker_properties(settings)
    # properties < KAFKA_* < KAFKA_CFG_* (the broker's own order for file and environment)
    assert props["advertised.listeners"] == "INTERNAL://broker:29092,EXTERNAL://localhost:9092"
    assert props["node.id"] == "7"
    assert t.nodes["host"].broker is None


def test_clients_and_expectations():
    t = loads_topology(BASE, "t.yaml")
    assert [(c.node, c.bootstrap, c.client, c.expect) for c in t.clients] == [
        ("host", "localhost:9092", "kcat", None),
        ("broker", "broker:29092", "kafka-python", "ok"),
    ]
    assert t.expect.brokers == {"broker": "ok"}
    assert [(link.from_, link.to, link.expect) for link in t.expect.links] == [
        ("broker", "broker:29092", "advertised_refused")
    ]
    assert (
        loads_topology(
            BASE.replace(
                '  links:\n    - {from: broker, to: "broker:29092", expect: advertised_refused}\n',
                "  links: ok\n",
            ),
            "t.yaml",
        ).expect.links
        == "ok"
    )


@pytest.mark.parametrize(
    "value,words",
    [
        ("[a, b]", "mapping of Kafka properties"),
        ("{LISTENERS: x}", "neither a Kafka property"),
        ("{listeners: {a: 1}}", "expected a string"),
    ],
)
def test_broker_block_shape_errors(value, words):
    with pytest.raises(InputError) as info:
        loads_topology(
            BASE.replace("    broker:\n      listeners", f"    broker: {value}\n    x_listeners", 1).split(
                "    x_listeners"
            )[0]
            + "networks:\n  kafka-net: {subnet: 10.5.0.0/16}\n",
            "t.yaml",
        )
    assert words in info.value.message and info.value.where.startswith("t.yaml:7: nodes.broker.broker")


def test_a_kafka_invalid_config_is_not_a_topology_error():
    """Kafka refusing the config is a result of the lab (the broker does not start), not bad input."""
    t = loads_topology(
        BASE.replace(
            "listeners: [INTERNAL://0.0.0.0:29092, EXTERNAL://0.0.0.0:9092]", "listeners: A://:9092,B://:9092"
        ),
        "t.yaml",
    )
    assert t.nodes["broker"].broker["listeners"] == "A://:9092,B://:9092"
    assert compile_plan(t).of_kind(Process)


def test_broker_settings_helper_types():
    assert broker_settings({"num.partitions": 3, "x.y": None, "flag.on": False}) == {
        "num.partitions": "3",
        "x.y": "",
        "flag.on": "false",
    }


def test_plan_starts_the_broker_with_its_properties_in_the_lab_directory():
    t = loads_topology(BASE, "t.yaml")
    plan = compile_plan(t)
    (step,) = [s for s in plan.of_kind(Process) if s.role == "broker"]
    path = str(properties_path("t", "broker"))
    assert path == str(lab_paths("t").root / "brokers" / "broker" / "server.properties")
    assert step.node == "broker" and step.name == "broker" and step.netns == "netlab-t-broker"
    assert step.argv == (sys.executable, "-m", "broker", path, "--no-env")
    ((fpath, text),) = step.files
    assert fpath == path
    body = dict(line.split("=", 1) for line in text.splitlines() if not line.startswith("#"))
    assert body["log.dirs"] == str(lab_paths("t").root / "brokers" / "broker" / "data")
    assert body["advertised.listeners"] == "INTERNAL://broker:29092,EXTERNAL://localhost:9092"
    # processes start after port proxies and relays; the dry run shows the file and the command
    listing = format_plan(plan)
    assert f"write {path}:" in listing and "    node.id=7" in listing
    assert f"-m broker {path} --no-env &    # broker" in listing


def test_process_step_roundtrips_through_the_journal_with_and_without_files():
    step = Process(netns="n", node="b", name="broker", argv=("x",), role="broker", files=(("/p", "a=1\n"),))
    assert step_from_dict(json.loads(json.dumps(step.to_dict()))) == step
    old = step.to_dict()
    del old["files"]  # a journal written before `files` existed
    assert step_from_dict(old).files == ()


def test_user_processes_cannot_take_the_broker_name():
    bad = BASE.replace(
        "    broker:\n      listeners",
        "    processes: [{name: broker, command: sleep 1}]\n    broker:\n      listeners",
        1,
    )
    with pytest.raises(InputError) as info:
        loads_topology(bad, "t.yaml")
    assert "reserved" in info.value.message


def test_properties_file_format_and_registration_rule():
    text = format_properties({"a.b": "x\\y", "c": "1\n2"}, "header line")
    assert text == "# header line\na.b=x\\\\y\nc=1\\n2\n"
    assert needs_registration({"process.roles": "broker"})
    assert not needs_registration({"process.roles": "broker,controller"})
    assert not needs_registration({})
    t = loads_topology(BASE, "t.yaml")
    assert node_properties(t, "broker")["log.dirs"].endswith("/t/brokers/broker/data")


def test_schema_describes_the_kafka_fields():
    schema = topology_schema()
    assert {"clients", "expect"} <= set(schema["properties"])
    node = schema["$defs"]["Node"]["properties"]
    assert "broker" in node
    client = schema["$defs"]["ClientSpec"]["properties"]
    assert client["client"]["enum"] == ["kcat", "confluent-kafka", "kafka-python", "aiokafka"]
