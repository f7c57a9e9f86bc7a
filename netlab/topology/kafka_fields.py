"""The Kafka parts of a topology: a node's `broker:` block, top-level `clients:` and `expect:`.

- `broker:` is a mapping of Kafka properties (`listeners: ...`, `advertised.listeners: ...`)
  and/or Docker-image environment variables (`KAFKA_LISTENERS: ...`, `KAFKA_CFG_LOG_DIRS: ...`),
  merged as the broker merges them (properties < KAFKA_* < KAFKA_CFG_*). Only the *shape* is
  checked here: a Kafka-invalid config is a result (the broker does not start), not a topology error.
- `clients:` says which node runs which client against which bootstrap address.
- Expectations are `ok` or a cause from netlab.kafka.results.CAUSES; `netlab check` exits 1 when
  the live result differs.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema, field_validator

from broker.properties import settings_from_env
from netlab.kafka.results import CAUSES
from netlab.topology.types import Name
from netlab.topology.zookeeper_fields import parse_connect

PROPERTY_KEY = re.compile(r"^[a-z][a-z0-9]*([._-][a-z0-9]+)*$")
ENV_KEY = re.compile(r"^(KAFKA_[A-Z0-9_]+|CLUSTER_ID)$")
# The images format the storage with these (not Kafka settings: Kafka reads the cluster id from
# meta.properties); netlab's broker takes it as cluster.id. cp-kafka/apache: CLUSTER_ID (cp-kafka
# before 7.4: KAFKA_CLUSTER_ID); bitnami: KAFKA_KRAFT_CLUSTER_ID.
CLUSTER_ID_VARIABLES = ("KAFKA_CLUSTER_ID", "KAFKA_KRAFT_CLUSTER_ID", "CLUSTER_ID")
CLIENT_NAMES = ("kcat", "confluent-kafka", "kafka-python", "aiokafka")
ClientName = Literal["kcat", "confluent-kafka", "kafka-python", "aiokafka"]
DEFAULT_CLIENT: ClientName = "kcat"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)


def _expectation(value: Any) -> str:
    if value is True:
        return "ok"
    if not isinstance(value, str) or (value != "ok" and value not in CAUSES):
        raise ValueError(f"{value!r} is not an expectation: use ok or one of the causes {', '.join(CAUSES)}")
    return value


Expectation = Annotated[
    str,
    PlainValidator(_expectation),
    WithJsonSchema(
        {
            "type": "string",
            "description": "ok, or the cause it fails with "
            "(bootstrap_unresolved, advertised_refused, broker_not_started, ...)",
        }
    ),
]


def _setting_value(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, list) and all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in value):
        return ",".join(str(x) for x in value)  # listeners as a YAML list
    raise ValueError(
        f"{key}: expected a string, a number or a list of strings (joined with commas), "
        f"got a {type(value).__name__}"
    )


def broker_settings(value: Any) -> dict[str, str]:
    """Validate the shape of a `broker:` block; keys stay as written (properties or KAFKA_*)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(
            "a `broker:` block is a mapping of Kafka properties (listeners: ..., "
            "advertised.listeners: ...) or Docker-image variables (KAFKA_LISTENERS: ...)"
        )
    out: dict[str, str] = {}
    for key, val in value.items():
        key = str(key)
        if not (PROPERTY_KEY.match(key) or ENV_KEY.match(key)):
            raise ValueError(
                f"{key!r} is neither a Kafka property (lower case and dotted, e.g. "
                f"advertised.listeners) nor a Docker-image variable (e.g. KAFKA_ADVERTISED_LISTENERS, "
                f"CLUSTER_ID)"
            )
        out[key] = _setting_value(key, val)
    parse_connect(broker_properties(out).get("zookeeper.connect"))  # a bad port: a located error
    return out


BrokerSettings = Annotated[
    dict[str, str],
    PlainValidator(broker_settings),
    WithJsonSchema(
        {
            "type": "object",
            "description": "Kafka properties (listeners, advertised.listeners, ...) and/or KAFKA_* variables",
            "additionalProperties": {"type": ["string", "number", "boolean", "array"]},
        }
    ),
]


def broker_properties(settings: dict[str, str]) -> dict[str, str]:
    """The properties the broker runs with: plain properties, then KAFKA_*, then KAFKA_CFG_*
    (the broker's own merge of a properties file and its environment)."""
    props = {k: v for k, v in settings.items() if not ENV_KEY.match(k)}
    props.update(settings_from_env({k: v for k, v in settings.items() if ENV_KEY.match(k)}))
    for var in CLUSTER_ID_VARIABLES:
        if settings.get(var, "").strip():
            props["cluster.id"] = settings[var].strip()
    return props


def _bootstrap(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r}: expected HOST:PORT, e.g. localhost:9092")
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{value!r}: expected HOST:PORT with a port 1-65535, e.g. localhost:9092")
    if host.startswith("192.0.2."):
        raise ValueError(
            f"{value!r}: 192.0.2.0/24 is this machine's real uplink and never used in a lab; "
            "use 198.51.100.0/24 or 203.0.113.0/24"
        )
    return value


HostPortText = Annotated[
    str,
    PlainValidator(_bootstrap),
    WithJsonSchema({"type": "string", "pattern": r"^.+:\d+$", "description": "HOST:PORT"}),
]


class ClientSpec(_Strict):
    """A Kafka client `netlab check` runs: from `node`, against `bootstrap`, with `client`."""

    node: Name = Field(description="the node the client runs in")
    bootstrap: HostPortText = Field(
        description="bootstrap address as the client is given it, e.g. localhost:9092"
    )
    client: ClientName = Field(
        DEFAULT_CLIENT, description="the real client that produces and consumes one record"
    )
    expect: Expectation | None = Field(None, description="ok, or the cause it fails with")


class LinkExpect(_Strict):
    """A broker reaching another broker's inter-broker or controller endpoint."""

    from_: Name = Field(alias="from", description="the broker's node")
    to: HostPortText = Field(description="the endpoint it connects to (as advertised), e.g. broker-1:29092")
    expect: Expectation


class ExpectSpec(_Strict):
    """Expected results besides the clients' own `expect:`."""

    brokers: dict[Name, Expectation] = Field(
        default_factory=dict, description="node -> ok or broker_not_started (does the broker start?)"
    )
    links: list[LinkExpect] | Literal["ok"] = Field(
        default_factory=list, description="per broker-to-broker link, or `ok` for all of them"
    )

    @field_validator("brokers")
    @classmethod
    def _start(cls, value: dict[str, str]) -> dict[str, str]:
        for node, exp in value.items():
            if exp not in ("ok", "broker_not_started"):
                raise ValueError(f"{node}: a broker start is expected ok or broker_not_started, not {exp!r}")
        return value
