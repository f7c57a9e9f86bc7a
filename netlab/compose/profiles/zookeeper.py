"""ZooKeeper images: which port the server listens on, its id and its ensemble.

- `zookeeper` (Docker official image, docker-library/zookeeper `docker-entrypoint.sh`):
  clientPort 2181 (the image's zoo.cfg); ZOO_SERVERS is a whitespace-separated list of complete
  `server.N=host:2888:3888[;2181]` lines, appended to zoo.cfg as written; myid is ZOO_MY_ID
  (default 1); initLimit/syncLimit from ZOO_INIT_LIMIT/ZOO_SYNC_LIMIT (the Dockerfile's 5 and 2);
- `confluentinc/cp-zookeeper` (confluentinc/kafka-images `zookeeper/include/etc/confluent/docker/
  configure` and `zookeeper.properties.template`): ZOOKEEPER_CLIENT_PORT is required (`dub
  ensure`); ZOOKEEPER_SERVERS is split on `;` and numbered from 1 in that order
  (`server.<loop.index>=<entry>`); with ZOOKEEPER_SERVERS, ZOOKEEPER_SERVER_ID is required and
  becomes myid, initLimit/syncLimit default to 10/5 (ZOOKEEPER_INIT_LIMIT/ZOOKEEPER_SYNC_LIMIT);
- `bitnami/zookeeper`: its own module, bitnami_zookeeper.py (libzookeeper.sh: validation, zoo.cfg,
  ZOO_SERVERS in both of its forms);
- `wurstmeister/zookeeper`: a fixed 2181.

An ensemble of one line runs standalone (ZooKeeper's standaloneEnabled, true by default), as
netlab's `zookeeper:` block does.
"""

from __future__ import annotations

from netlab.topology.zookeeper_fields import parse_server

from .base import ImageRef, ZooKeeperRole
from .bitnami_zookeeper import REPOS as BITNAMI_REPOS
from .bitnami_zookeeper import configure as bitnami_configure

REPOS = ("zookeeper", "confluentinc/cp-zookeeper", *BITNAMI_REPOS, "wurstmeister/zookeeper")


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _checked(servers: dict[int, str], role: ZooKeeperRole, variable: str) -> dict[int, str]:
    """Lines ZooKeeper would refuse stop the server (QuorumPeerConfig's ConfigException)."""
    for line in servers.values():
        try:
            parse_server(line)
        except ValueError as e:
            role.entrypoint_error = f"{variable}: {e}"
            return {}
    return servers


def _confluent(env: dict[str, str]) -> ZooKeeperRole:
    port = _int(env.get("ZOOKEEPER_CLIENT_PORT"))
    role = ZooKeeperRole(port or 2181, _int(env.get("ZOOKEEPER_SERVER_ID")))
    if port is None:
        role.entrypoint_error = "ZOOKEEPER_CLIENT_PORT is required."
        return role
    listed = env.get("ZOOKEEPER_SERVERS") or ""
    if listed:  # configure: `dub ensure ZOOKEEPER_SERVER_ID`, then the template numbers the entries
        if role.server_id is None:
            role.entrypoint_error = "ZOOKEEPER_SERVER_ID is required."
            return role
        role.servers = _checked(
            {i: entry.strip() for i, entry in enumerate(listed.split(";"), start=1)},
            role,
            "ZOOKEEPER_SERVERS",
        )
        role.settings = {
            "initLimit": env.get("ZOOKEEPER_INIT_LIMIT") or "10",
            "syncLimit": env.get("ZOOKEEPER_SYNC_LIMIT") or "5",
        }
    return role


def _official(env: dict[str, str]) -> ZooKeeperRole:
    role = ZooKeeperRole(2181, _int(env.get("ZOO_MY_ID")) or 1)
    servers: dict[int, str] = {}
    for line in (env.get("ZOO_SERVERS") or "").split():
        key, eq, value = line.partition("=")
        if not (eq and key.startswith("server.") and key[7:].isdigit()):
            role.entrypoint_error = f"ZOO_SERVERS: {line!r} is not a server.N=host:2888:3888 line"
            return role
        servers[int(key[7:])] = value
    role.servers = _checked(servers, role, "ZOO_SERVERS")
    role.settings = {
        "initLimit": env.get("ZOO_INIT_LIMIT") or "5",
        "syncLimit": env.get("ZOO_SYNC_LIMIT") or "2",
    }
    return role


def configure(image: ImageRef, env: dict[str, str]) -> ZooKeeperRole:
    if image.repo == "confluentinc/cp-zookeeper":
        return _confluent(env)
    if image.repo in BITNAMI_REPOS:
        return bitnami_configure(env)
    if image.repo == "wurstmeister/zookeeper":
        return ZooKeeperRole(2181)
    return _official(env)
