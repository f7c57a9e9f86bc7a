"""Changing a topic's config overrides (AlterConfigs, IncrementalAlterConfigs): validated with
Kafka's rules (broker/topic_configs.py), applied by the controller (persisted with the cluster
state, published to every broker, which re-applies them to its logs). A broker-only node forwards
to the controller (NetlabController `alter_topic_configs`) and answers once its metadata has it."""

from __future__ import annotations

from .cluster.forwarding import forward
from .protocol.errors import ErrorCode
from .topic_configs import InvalidTopicConfig, log_overrides, validate_topic_configs


def check(node, name: str, configs: dict[str, str], metadata=None) -> tuple[int, str | None]:
    """`metadata`: the view the topic is looked up in (the controller's own on the controller)."""
    if name not in (metadata or node.metadata).topics:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, f"Topic {name} does not exist"
    try:
        validate_topic_configs(configs)
        node.log_config.with_overrides(log_overrides(configs))
    except (InvalidTopicConfig, ValueError) as exc:
        return ErrorCode.INVALID_CONFIG, str(exc)
    return ErrorCode.NONE, None


def apply(node, controller, name: str, configs: dict[str, str]) -> tuple[int, str | None]:
    """On the active controller: checked against its own topics (ConfigurationControlManager)
    and this node's log settings."""
    err, msg = check(node, name, configs, controller.metadata)
    if err:
        return err, msg
    controller.set_topic_configs(name, configs)
    return ErrorCode.NONE, None


async def change(node, name: str, configs: dict[str, str], validate_only: bool) -> tuple[int, str | None]:
    if validate_only or node.controller is None:
        err, msg = check(node, name, configs)
        if err or validate_only:
            return err, msg
        err, answer = await forward(node, "alter_topic_configs", {"name": name, "configs": configs})
        if err:
            return err, answer.get("error")
        return answer["error_code"], answer["error_message"]
    return apply(node, node.controller, name, configs)
