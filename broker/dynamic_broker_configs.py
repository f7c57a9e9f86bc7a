"""Dynamic broker configs (AlterConfigs / IncrementalAlterConfigs on a BROKER resource): a
per-broker layer (resource name "<node id>") and a cluster-wide default (resource name ""), kept
by the controller with the cluster state and published to every broker. Reconfigurable here, as
in Kafka's DynamicLogConfig: the broker settings that give topic-config defaults, by their
highest-priority name (ServerTopicConfigSynonyms: `log.retention.ms`, not `log.retention.hours`;
`message.max.bytes`, `min.insync.replicas`, `log.cleanup.policy`, ...), and the SSL/SASL settings
(broker/dynamic_config_names.py), recorded only: no SSL/SASL listener here. Anything else is refused
with Kafka's words: `Cannot update these configs dynamically: Set(x)`. A change re-derives the
default log config and re-applies it to every log without a topic override."""

from __future__ import annotations

from collections.abc import Mapping

from .cluster.forwarding import forward
from .dynamic_config_names import NOT_MODELLED, SECURITY, value_error
from .protocol.errors import ErrorCode
from .topic_configs import TOPIC_CONFIGS, BrokerSettings, InvalidTopicConfig, broker_default, parse

# the first (highest-priority) broker synonym of each topic config → that topic config
RECONFIGURABLE = {d.synonyms[0].name: d for d in TOPIC_CONFIGS.values() if d.synonyms}


def check(changes: Mapping[str, str | None], resource: str | None = None) -> tuple[int, str | None]:
    """Kafka's DynamicBrokerConfig.validateConfigs: only dynamic configs, per-broker ones not at the
    cluster-default level (resource ""), values of the right type. Kafka's dynamic configs netlab
    does not reconfigure are refused with that said (broker/dynamic_config_names.py)."""
    fixed = sorted(k for k in changes if k not in RECONFIGURABLE and k not in SECURITY and k not in NOT_MODELLED)
    if fixed:
        return ErrorCode.INVALID_REQUEST, f"Cannot update these configs dynamically: Set({', '.join(fixed)})"
    unmodelled = sorted(k for k in changes if k in NOT_MODELLED)
    if unmodelled:
        return (
            ErrorCode.INVALID_REQUEST,
            f"netlab's broker does not reconfigure these at run time (Kafka would): Set({', '.join(unmodelled)})",
        )
    per_broker = sorted(k for k in changes if k in SECURITY)
    if per_broker and resource == "":
        return (
            ErrorCode.INVALID_REQUEST,
            "Cannot update these configs at default cluster level, broker id must be specified: "
            f"Set({', '.join(per_broker)})",
        )
    for name, value in changes.items():
        if name in SECURITY:
            msg = value_error(name, value) if value is not None else None
            if msg:
                return ErrorCode.INVALID_CONFIG, msg
        elif value is not None:
            try:
                parse(RECONFIGURABLE[name], value, source_name=name)
            except InvalidTopicConfig as exc:
                return ErrorCode.INVALID_CONFIG, str(exc)
    return ErrorCode.NONE, None


def log_defaults(settings: BrokerSettings) -> dict[str, object]:
    """Topic-config-named defaults the dynamic layers change (for LogConfig.with_overrides)."""
    dynamic = {*settings.cluster, *settings.broker}
    return {
        d.name: broker_default(d, settings)
        for d in TOPIC_CONFIGS.values()
        if any(s.name in dynamic for s in d.synonyms)
    }


def resource_error(node, resource: str) -> tuple[int, str | None]:
    """Kafka's check of a BROKER resource name: "" (cluster default) or a registered broker id."""
    if resource == "":
        return ErrorCode.NONE, None
    if not resource.isdigit() or int(resource) not in node.metadata.brokers:
        return (
            ErrorCode.INVALID_REQUEST,
            f"Unexpected broker id, expected a registered broker or empty string, but received {resource}",
        )
    return ErrorCode.NONE, None


def apply(node, resource: str, configs: dict[str, str]) -> tuple[int, str | None]:
    """On the controller: the resource's whole dynamic set."""
    for check_result in (resource_error(node, resource), check(configs, resource)):
        if check_result[0]:
            return check_result
    node.controller.set_broker_configs(resource, configs)
    return ErrorCode.NONE, None


async def change(node, resource: str, configs: dict[str, str], validate_only: bool) -> tuple[int, str | None]:
    for err, msg in (resource_error(node, resource), check(configs, resource)):
        if err:
            return err, msg
    if validate_only:
        return ErrorCode.NONE, None
    if node.controller is not None:
        return apply(node, resource, configs)
    err, answer = await forward(node, "alter_broker_configs", {"resource": resource, "configs": configs})
    if err:
        return err, answer.get("error")
    return answer["error_code"], answer["error_message"]
