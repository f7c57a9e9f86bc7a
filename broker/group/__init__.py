"""Consumer groups: the classic group coordinator and committed offsets in `__consumer_offsets`.

The coordinator attaches to a BrokerNode lazily (`coordinator_of(node)`) and rebuilds its state
from the node's `__consumer_offsets` log the first time a group request needs it."""

from __future__ import annotations

import weakref

from .coordinator import GroupCoordinator

_coordinators: weakref.WeakKeyDictionary[object, GroupCoordinator] = weakref.WeakKeyDictionary()


def coordinator_of(node) -> GroupCoordinator:
    coord = _coordinators.get(node)
    if coord is None:
        coord = _coordinators[node] = GroupCoordinator(node)
    return coord


__all__ = ["GroupCoordinator", "coordinator_of"]
