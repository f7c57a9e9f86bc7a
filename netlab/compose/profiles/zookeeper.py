"""ZooKeeper images: which port the server listens on, its id and its ensemble.

- `zookeeper` (Docker official image, docker-library/zookeeper `docker-entrypoint.sh`):
  clientPort 2181 (the image's zoo.cfg), ZOO_MY_ID, ZOO_SERVERS;
- `confluentinc/cp-zookeeper` (confluentinc/kafka-images `zookeeper/include/etc/confluent/docker/
  configure`): ZOOKEEPER_CLIENT_PORT is required (`dub ensure`), ZOOKEEPER_SERVER_ID,
  ZOOKEEPER_SERVERS;
- `bitnami/zookeeper` (bitnami/containers `libzookeeper.sh`): ZOO_PORT_NUMBER (2181),
  ALLOW_ANONYMOUS_LOGIN=yes required without authentication, ZOO_SERVER_ID, ZOO_SERVERS;
- `wurstmeister/zookeeper`: a fixed 2181.
"""

from __future__ import annotations

from .base import ImageRef, ZooKeeperRole

REPOS = (
    "zookeeper",
    "confluentinc/cp-zookeeper",
    "bitnami/zookeeper",
    "bitnamilegacy/zookeeper",
    "wurstmeister/zookeeper",
)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def configure(image: ImageRef, env: dict[str, str]) -> ZooKeeperRole:
    if image.repo == "confluentinc/cp-zookeeper":
        port = _int(env.get("ZOOKEEPER_CLIENT_PORT"))
        role = ZooKeeperRole(port or 2181, _int(env.get("ZOOKEEPER_SERVER_ID")), env.get("ZOOKEEPER_SERVERS"))
        if port is None:
            role.entrypoint_error = "ZOOKEEPER_CLIENT_PORT is required."
        return role
    if image.repo.endswith("bitnami/zookeeper") or image.repo == "bitnamilegacy/zookeeper":
        role = ZooKeeperRole(
            _int(env.get("ZOO_PORT_NUMBER")) or 2181, _int(env.get("ZOO_SERVER_ID")), env.get("ZOO_SERVERS")
        )
        if env.get("ALLOW_ANONYMOUS_LOGIN", "no").lower() not in ("yes", "true", "1") and env.get(
            "ZOO_ENABLE_AUTH", "no"
        ).lower() not in ("yes", "true", "1"):
            role.entrypoint_error = (
                "The ALLOW_ANONYMOUS_LOGIN environment variable does not allow to connect without "
                "authentication. Set ALLOW_ANONYMOUS_LOGIN=yes to allow unauthenticated users to connect"
            )
        return role
    if image.repo == "wurstmeister/zookeeper":
        return ZooKeeperRole(2181)
    return ZooKeeperRole(2181, _int(env.get("ZOO_MY_ID")), env.get("ZOO_SERVERS"))
