"""How a ZooKeeper-mode broker learns client quota changes (Kafka's ZkConfigManager with its
ZkNodeChangeNotificationListener on /config/changes):

- at start every quota entity under /config/{clients,users,ips} is read (ZkConfigManager.startup
  "bootstraps the overrides");
- a child watch on /config/changes wakes the listener; each notification newer than the last one
  processed names an entity path (`clients/<c>`, `users/<u>/clients/<c>`, ...) whose znode is read
  again and replaces the broker's copy (the notification is only a trigger; the znode is the
  truth, so a broker that missed some still ends up right);
- notifications older than 15 minutes are deleted (purgeObsoleteNotifications, changeExpirationMs),
  by every broker, as in Kafka;
- after a new ZooKeeper session it looks again (afterInitializingSession).
Notifications for topics and brokers are skipped: their configs reach brokers other ways here.
The result is `node.client_quotas`, which quota enforcement reads (broker/quotas.py).
"""

from __future__ import annotations

import asyncio
import time

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import NoNodeError

from .. import client_quotas as cq
from ..log4j import logger
from . import znodes
from .client_quotas import ROOTS, read_props, read_table
from .session import ZkSession

EXPIRATION_MS = 15 * 60 * 1000  # ZkNodeChangeNotificationListener.changeExpirationMs


def _seq(child: str) -> int:
    try:
        return int(child[len(znodes.CONFIG_CHANGE_PREFIX) :])
    except ValueError:
        return -1


def _pending(c: KazooClient, after: int) -> tuple[list[tuple[str, dict[str, str]]], int]:
    """(the entities named by notifications newer than `after` with their properties read now;
    the newest number), purging expired notifications on the way."""
    try:
        children = sorted(c.get_children(znodes.CONFIG_CHANGES), key=_seq)
    except NoNodeError:
        return [], after
    updates, last, now = [], after, time.time() * 1000
    for child in children:
        path = f"{znodes.CONFIG_CHANGES}/{child}"
        try:
            data, stat = c.get(path)
        except NoNodeError:
            continue
        n = _seq(child)
        if n > last:
            last = n
            entity_path = znodes.decode_config_change(data)
            if entity_path and entity_path.split("/", 1)[0] in ROOTS:
                updates.append((entity_path, read_props(c, entity_path)))
        if now - stat.ctime > EXPIRATION_MS:
            try:
                c.delete(path)
            except NoNodeError:
                pass
    return updates, last


def _bootstrap(c: KazooClient) -> tuple[cq.Table, int]:
    """Every quota entity, and the newest notification's number (all of them already read)."""
    _pending(c, 1 << 62)  # none is newer: this only purges the expired ones
    try:  # listed before the entities are read: a change after this is processed later
        last = max((_seq(ch) for ch in c.get_children(znodes.CONFIG_CHANGES)), default=-1)
    except NoNodeError:
        last = -1
    return read_table(c), last


class ConfigChangeListener:
    def __init__(self, node, session: ZkSession):
        self.node, self.session = node, session
        self.log = logger("kafka.server.ZkConfigManager", "")
        self._last = -1
        self._dirty = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._closed = False

    async def start(self) -> None:
        table, self._last = await self.session.call(_bootstrap, self.session.client)
        self.node.client_quotas = table
        if table:
            self.log.info(f"Loaded client quotas of {len(table)} entities from ZooKeeper")
        self.session.on_state(self._on_state)
        self.session.client.ChildrenWatch(znodes.CONFIG_CHANGES, self._fired, send_event=False)
        self._task = asyncio.get_running_loop().create_task(self._run())

    def _fired(self, _children) -> bool:
        if self._closed:
            return False  # kazoo drops the watch
        self.session.threadsafe(self._dirty.set)()
        return True

    def _on_state(self, state: str) -> None:
        if state == KazooState.CONNECTED:
            self._dirty.set()

    async def _run(self) -> None:
        while not self._closed:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                updates, last = await self.session.call(_pending, self.session.client, self._last)
            except Exception as exc:  # ZooKeeper away: the next event (or reconnect) tries again
                self.log.warning(
                    f"Error while processing notification change for path = /config/changes: {exc}"
                )
                await asyncio.sleep(1.0)
                self._dirty.set()
                continue
            self._last = last
            if updates:
                table = {k: dict(v) for k, v in self.node.client_quotas.items()}
                for path, props in updates:
                    shown = ", ".join(f"{k}={v}" for k, v in sorted(props.items()))  # Properties.toString
                    self.log.info(f"Processing override for entityPath: {path} with config: {{{shown}}}")
                    values = cq.zk_values(props, path)
                    if values:
                        table[path] = values
                    else:
                        table.pop(path, None)
                self.node.client_quotas = table

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
