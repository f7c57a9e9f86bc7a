"""Image profiles: one module per image family, each following that image's entrypoint.

`profile_for(image)` names the family; `configure_service(...)` returns a KafkaRole, a
ZooKeeperRole, or None for an image netlab does not model (a plain node, with a note).
"""

from __future__ import annotations

from . import apache, bitnami, confluent, wurstmeister, zookeeper
from .base import ImageRef, KafkaRole, ZooKeeperRole
from .versions import version_refusal

KAFKA_FAMILIES = {
    "confluent": confluent,
    "apache": apache,
    "bitnami": bitnami,
    "wurstmeister": wurstmeister,
}

__all__ = ["ImageRef", "KafkaRole", "ZooKeeperRole", "family_of", "configure_service"]


def family_of(image: ImageRef) -> str | None:
    for name, module in KAFKA_FAMILIES.items():
        if image.repo in module.REPOS:
            return name
    if image.repo in zookeeper.REPOS:
        return "zookeeper"
    return None


def script_of(family: str) -> str:
    return {**{k: m.SCRIPT for k, m in KAFKA_FAMILIES.items()}, "zookeeper": "the image's entrypoint"}[family]


def configure_service(
    image: ImageRef, env: dict[str, str], *, container: str, facts: dict[str, str]
) -> KafkaRole | ZooKeeperRole | None:
    family = family_of(image)
    if family is None:
        return None
    if family == "zookeeper":
        return zookeeper.configure(image, env)
    if family == "bitnami":
        role = bitnami.configure(image, env, container)
    elif family == "wurstmeister":
        role = wurstmeister.configure(image, env, facts)
    else:
        role = KAFKA_FAMILIES[family].configure(image, env)
    refusal = None if role.entrypoint_error else version_refusal(role)
    if refusal:
        role.entrypoint_error = f"Kafka {role.kafka_version} (the image's) refuses to start: {refusal}"
    return role
