"""Kafka's listener validation messages: predicted by config_rules, and equal to what
`python -m broker` prints for the same config (the broker is the reference)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from kafkalab import fatal_line, run_broker_to_exit

from netlab.kafka.config_rules import CONFIG_EXCEPTION, ILLEGAL_ARGUMENT, first_config_error, listener_config

RF = "requirement failed: "
MAP = "listener.security.protocol.map"
TWO = {"listeners": "INTERNAL://:29092,EXTERNAL://:9092", MAP: "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT"}
KRAFT = {
    "process.roles": "broker,controller",
    "controller.listener.names": "CONTROLLER",
    "listeners": "PLAINTEXT://:9092,CONTROLLER://:9093",
    MAP: "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "controller.quorum.voters": "1@localhost:9093",
}

# (id, settings (node.id=1 is added unless given as None), java class, message) — the messages
# are those of shared/research/kafka.md.
CASES = [
    (
        "unparsable",
        {"listeners": "PLAINTEXT://localhost"},
        CONFIG_EXCEPTION,
        "Unable to parse PLAINTEXT://localhost to a broker endpoint",
    ),
    (
        "same-name",
        {"listeners": "PLAINTEXT://:9092,PLAINTEXT://:9093"},
        ILLEGAL_ARGUMENT,
        RF + "Each listener must have a different name, listeners: PLAINTEXT://:9092,PLAINTEXT://:9093",
    ),
    (
        "same-port",
        {
            "listeners": "INTERNAL://localhost:9092,EXTERNAL://broker:9092",
            MAP: "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
            "inter.broker.listener.name": "INTERNAL",
        },
        ILLEGAL_ARGUMENT,
        RF
        + "Each listener must have a different port, listeners: INTERNAL://localhost:9092,EXTERNAL://broker:9092",
    ),
    (
        "same-port-two-ipv4",
        {
            "listeners": "A://127.0.0.1:9092,B://127.0.0.2:9092",
            MAP: "A:PLAINTEXT,B:PLAINTEXT",
            "inter.broker.listener.name": "A",
        },
        ILLEGAL_ARGUMENT,
        RF + "If you have two listeners on the same port then one needs to be IPv4 and the other IPv6, "
        "listeners: A://127.0.0.1:9092,B://127.0.0.2:9092, port: 9092",
    ),
    (
        "no-protocol",
        {"listeners": "INTERNAL://:9092"},
        CONFIG_EXCEPTION,
        (
            "Error creating broker listeners from 'INTERNAL://:9092': No security protocol defined for "
            "listener INTERNAL"
        ),
    ),
    (
        "advertised-wildcard",
        {"listeners": "PLAINTEXT://0.0.0.0:9092"},
        ILLEGAL_ARGUMENT,
        RF
        + "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.",
    ),
    (
        "inter-broker-not-advertised",
        dict(TWO),
        ILLEGAL_ARGUMENT,
        RF
        + (
            "inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid "
            "options based on currently configured listeners are INTERNAL,EXTERNAL"
        ),
    ),
    (
        "advertised-not-subset",
        {
            "listeners": "INTERNAL://:29092",
            MAP: "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
            "advertised.listeners": "INTERNAL://broker-1:29092,EXTERNAL://localhost:9092",
            "inter.broker.listener.name": "INTERNAL",
        },
        ILLEGAL_ARGUMENT,
        RF
        + (
            "advertised.listeners listener names must be equal to or a subset of the ones defined in "
            "listeners. Found INTERNAL,EXTERNAL. The valid options based on the current configuration are "
            "INTERNAL"
        ),
    ),
    (
        "both-inter-broker-settings",
        {**TWO, "inter.broker.listener.name": "INTERNAL", "security.inter.broker.protocol": "PLAINTEXT"},
        CONFIG_EXCEPTION,
        "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.",
    ),
    (
        "inter-broker-not-in-map",
        {**TWO, "inter.broker.listener.name": "REPLICATION"},
        CONFIG_EXCEPTION,
        (
            "Listener with name REPLICATION defined in inter.broker.listener.name not found in "
            "listener.security.protocol.map."
        ),
    ),
    (
        "no-broker-listener",
        {**KRAFT, "listeners": "CONTROLLER://:9093"},
        ILLEGAL_ARGUMENT,
        RF + "There must be at least one broker advertised listener. Perhaps all listeners appear in "
        "controller.listener.names?",
    ),
    (
        "kraft-no-node-id",
        {**KRAFT, "node.id": None},
        CONFIG_EXCEPTION,
        (
            "Missing configuration `node.id` which is required when `process.roles` is defined (i.e. when "
            "running in KRaft mode)."
        ),
    ),
    (
        "kraft-no-quorum",
        {**KRAFT, "controller.quorum.voters": ""},
        CONFIG_EXCEPTION,
        (
            "If using process.roles, either controller.quorum.bootstrap.servers must contain the set of "
            "bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers."
        ),
    ),
    (
        "broker-role-no-controller-names",
        {
            "process.roles": "broker",
            "node.id": "2",
            "listeners": "PLAINTEXT://:9092",
            "controller.quorum.voters": "1@localhost:9093",
        },
        ILLEGAL_ARGUMENT,
        RF
        + (
            "controller.listener.names must contain at least one value when running KRaft with just the "
            "broker role"
        ),
    ),
    (
        "broker-role-controller-listener",
        {**KRAFT, "process.roles": "broker", "node.id": "2"},
        ILLEGAL_ARGUMENT,
        RF
        + (
            "controller.listener.names must not contain a value appearing in the 'listeners' configuration "
            "when running KRaft with just the broker role"
        ),
    ),
    (
        "broker-role-is-voter",
        {**KRAFT, "process.roles": "broker", "listeners": "PLAINTEXT://:9092"},
        ILLEGAL_ARGUMENT,
        RF
        + (
            "If process.roles contains just the 'broker' role, the node id 1 must not be included in the "
            "set of voters controller.quorum.voters=Set(1)"
        ),
    ),
    (
        "controller-role-not-voter",
        {**KRAFT, "controller.quorum.voters": "2@localhost:9093"},
        ILLEGAL_ARGUMENT,
        RF
        + (
            "If process.roles contains the 'controller' role, the node id 1 must be included in the set of "
            "voters controller.quorum.voters=Set(2)"
        ),
    ),
    (
        "controller-role-no-controller-names",
        {**KRAFT, "controller.listener.names": None, "listeners": "PLAINTEXT://:9092"},
        ILLEGAL_ARGUMENT,
        RF
        + (
            "controller.listener.names must contain at least one value appearing in the 'listeners' "
            "configuration when running the KRaft controller role"
        ),
    ),
    (
        "controller-names-not-in-listeners",
        {
            **KRAFT,
            "controller.listener.names": "CONTROLLER,OTHER",
            MAP: "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,OTHER:PLAINTEXT",
        },
        ILLEGAL_ARGUMENT,
        RF
        + (
            "controller.listener.names must only contain values appearing in the 'listeners' configuration "
            "when running the KRaft controller role"
        ),
    ),
    (
        "controller-only-with-broker-listener",
        {**KRAFT, "process.roles": "controller"},
        ILLEGAL_ARGUMENT,
        RF
        + (
            "The listeners config must only contain KRaft controller listeners from "
            "controller.listener.names when process.roles=controller"
        ),
    ),
    (
        "bad-voters",
        {**KRAFT, "controller.quorum.voters": "1localhost:9093"},
        CONFIG_EXCEPTION,
        (
            "Invalid configuration value for controller.quorum.voters. Each entry should be in the form "
            "`{id}@{host}:{port}`."
        ),
    ),
]


def settings(given: dict) -> dict[str, str]:
    out = {"node.id": "1", **given}
    return {k: v for k, v in out.items() if v is not None}


@pytest.mark.parametrize("case_id,given,klass,message", CASES, ids=[c[0] for c in CASES])
def test_predicted_message(case_id, given, klass, message):
    finding = first_config_error(settings(given))
    assert finding is not None, f"{case_id}: predicted valid"
    assert (finding.java_class, finding.message) == (klass, message)


@pytest.fixture(scope="module")
def broker_lines(tmp_path_factory) -> dict[str, tuple[int | None, str | None, str]]:
    """Every case through `python -m broker`, in parallel (each exits at config validation)."""
    tmp = tmp_path_factory.mktemp("config")

    def one(case):
        rc, log = run_broker_to_exit(settings(case[1]), tmp, timeout=15)
        return rc, fatal_line(log), log

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip([c[0] for c in CASES], pool.map(one, CASES), strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("case_id,given,klass,message", CASES, ids=[c[0] for c in CASES])
def test_broker_prints_the_same_message(broker_lines, case_id, given, klass, message):
    rc, line, log = broker_lines[case_id]
    assert rc == 1, log
    assert line == first_config_error(settings(given)).text == f"{klass}: {message}", log


@pytest.mark.parametrize(
    "given",
    [
        {},  # Kafka's defaults: PLAINTEXT://:9092, advertised as the host name
        {
            **TWO,
            "advertised.listeners": "INTERNAL://broker-1:29092,EXTERNAL://localhost:9092",
            "inter.broker.listener.name": "INTERNAL",
        },
        {
            **TWO,
            # ports may repeat
            "advertised.listeners": "INTERNAL://broker-1:29092,EXTERNAL://localhost:29092",
            "inter.broker.listener.name": "INTERNAL",
        },
        {
            "listeners": "A://0.0.0.0:9092,B://[::]:9092",
            MAP: "A:PLAINTEXT,B:PLAINTEXT",  # IPv4 + IPv6 share a port
            "advertised.listeners": "A://h:9092,B://h:9093",
            "inter.broker.listener.name": "A",
        },
        KRAFT,
    ],
)
def test_valid_configs_pass(given):
    cfg, finding = listener_config(settings(given))
    assert finding is None and cfg is not None
    assert cfg.inter_broker_listener in [e.name for e in cfg.advertised]


def test_effective_advertised_leaves_out_controller_listeners():
    cfg, _ = listener_config(settings(KRAFT))
    assert [e.name for e in cfg.listeners] == ["PLAINTEXT", "CONTROLLER"]
    assert (
        [e.name for e in cfg.advertised] == ["PLAINTEXT"]
        and cfg.kraft
        and cfg.controller_listeners == ["CONTROLLER"]
    )
