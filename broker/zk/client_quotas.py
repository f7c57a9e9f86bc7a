"""Client quotas in ZooKeeper, as a Kafka 3.x broker in ZooKeeper mode keeps them (no controller
involved): AlterClientQuotas writes the entity's config znode and a change notification
(ZkAdminManager.alterClientQuotas -> AdminZkClient.changeConfigs / changeEntityConfig:
setOrCreateEntityConfigs, then createConfigChangeNotification), DescribeClientQuotas reads the
entity znodes (ZkAdminManager.describeClientQuotas), and every broker learns a change from the
notification (broker/zk/config_changes.py). The rules are broker/client_quotas.py's ZooKeeper
dialect. Everything here blocks: callers run it through ZkSession.call."""

from __future__ import annotations

from kazoo.client import KazooClient
from kazoo.exceptions import NoNodeError, NotEmptyError

from .. import client_quotas as cq
from ..protocol.errors import ErrorCode
from . import znodes

ROOTS = ("clients", "users", "ips")  # ConfigType.Client, User, Ip


def read_props(c: KazooClient, entity_path: str) -> dict[str, str]:
    """AdminZkClient.fetchEntityConfig: the entity's properties ({} without a znode)."""
    try:
        data, _ = c.get(znodes.entity_config_path(entity_path))
    except NoNodeError:
        return {}
    return znodes.decode_entity_config(data)


def _children(c: KazooClient, path: str) -> list[str]:
    try:
        return sorted(c.get_children(path))
    except NoNodeError:
        return []


def entity_paths(c: KazooClient) -> list[str]:
    """Every quota entity with a znode: /config/clients/*, /config/ips/*, /config/users/* and
    /config/users/*/clients/* (AdminZkClient.fetchAllEntityConfigs / fetchAllChildEntityConfigs)."""
    out = []
    for root in ROOTS:
        for name in _children(c, f"{znodes.CONFIG}/{root}"):
            out.append(f"{root}/{name}")
            if root == "users":
                out += [
                    f"users/{name}/clients/{cl}"
                    for cl in _children(c, f"{znodes.CONFIG}/users/{name}/clients")
                ]
    return out


def read_table(c: KazooClient) -> cq.Table:
    """Every entity's quota values (entities without any left out, as ZkAdminManager does)."""
    table = {}
    for path in entity_paths(c):
        values = cq.zk_values(read_props(c, path), path)
        if values:
            table[path] = values
    return table


def write_entity(c: KazooClient, entity_path: str, props: dict[str, str]) -> None:
    """AdminZkClient.changeEntityConfig: an emptied entity's znode is deleted (with its emptied
    parents, tryCleanQuotaNodes), else set or created; then the change notification."""
    path = znodes.entity_config_path(entity_path)
    if not props and not _children(c, path):
        _clean(c, entity_path)
    elif c.exists(path):
        c.set(path, znodes.encode_entity_config(props))
    else:
        c.create(path, znodes.encode_entity_config(props), makepath=True)
    c.create(
        f"{znodes.CONFIG_CHANGES}/{znodes.CONFIG_CHANGE_PREFIX}",
        znodes.encode_config_change(entity_path),
        sequence=True,
        makepath=True,
    )


def _clean(c: KazooClient, entity_path: str) -> None:
    """tryCleanQuotaNodes: a <user, client-id> node takes `clients` with it when it was the only
    client, and the user's node too when that holds no config and nothing else."""
    victim = znodes.entity_config_path(entity_path)
    parts = entity_path.split("/")
    if len(parts) == 4:
        user_path = znodes.entity_config_path(f"users/{parts[1]}")
        if _children(c, f"{user_path}/clients") == [parts[3]]:
            victim = f"{user_path}/clients"
            if not read_props(c, f"users/{parts[1]}") and _children(c, user_path) == ["clients"]:
                victim = user_path
    try:
        c.delete(victim, recursive=True)
    except (NoNodeError, NotEmptyError):
        pass


def alter(c: KazooClient, entries: list[dict], validate_only: bool) -> list[dict]:
    """ZkAdminManager.alterClientQuotas: each entry on its own (an error leaves it unwritten);
    one answer per distinct entity, the last entry's for an entity named twice."""
    results: dict[tuple, dict] = {}
    for entry in entries:
        entity = cq.request_entity(entry)
        code: int = ErrorCode.NONE
        msg: str | None = None
        try:
            path, keys = cq.zk_entity(entity)
            props = cq.zk_apply_ops(read_props(c, path), keys, entry["ops"])
            if not validate_only:
                write_entity(c, path, props)
        except cq.QuotaError as exc:
            code, msg = exc.code, exc.message
        results[tuple(cq.ordered(entity))] = {
            "error_code": code,
            "error_message": msg,
            "entity": cq.entity_data(entity),
        }
    return list(results.values())
