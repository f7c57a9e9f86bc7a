"""Per-node hosts files with Docker's name-resolution semantics.

What a node resolves (and nothing else, since its nsswitch.conf says `hosts: files`):
- localhost (127.0.0.1, and ::1 with ip6-localhost/ip6-loopback, as Docker writes them);
- explicit `extra_hosts` (host-gateway already replaced by the gateway address);
- its own name (and its aliases) on each of its networks, first network first;
- every other node's name and that node's aliases *on a network both share*, at that node's
  address on that network. The node holding a network's bridge is not a member: like the
  Docker host, it resolves container names only through its own extra_hosts.
"""

from __future__ import annotations

from netlab.topology.resolve import Resolved

# Debian's convention for "this host's own name" when it has no other address.
OWN_NAME_FALLBACK = "127.0.1.1"


class _Entries:
    def __init__(self) -> None:
        self.order: list[str] = []
        self.names: dict[str, list[str]] = {}

    def add(self, address: str, *names: str) -> None:
        if address not in self.names:
            self.order.append(address)
            self.names[address] = []
        for name in names:
            if name not in self.names[address]:
                self.names[address].append(name)

    def freeze(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple((a, tuple(self.names[a])) for a in self.order)


def hosts_entries(resolved: Resolved, node: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    entries = _Entries()
    entries.add("127.0.0.1", "localhost")
    entries.add("::1", "localhost", "ip6-localhost", "ip6-loopback")
    for address, name in resolved.extra_hosts.get(node, []):
        entries.add(address, name)
    mine = resolved.attachments_of(node)
    if mine:
        for att in mine:
            entries.add(str(att.address), node, *att.aliases)
    else:
        own = next((i.address.ip for i in resolved.ifaces.get(node, []) if i.address is not None), None)
        entries.add(str(own) if own else OWN_NAME_FALLBACK, node)
    by_network: dict[str, list] = {}
    for att in resolved.attachments:
        by_network.setdefault(att.network, []).append(att)
    for att in mine:
        for other in by_network[att.network]:
            if other.node != node:
                entries.add(str(other.address), other.node, *other.aliases)
    return entries.freeze()


def render_hosts(entries: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """The text of a hosts file for these entries."""
    lines = ["# written by netlab: names this node resolves (Docker's per-network scoping)"]
    lines += [f"{address}\t{' '.join(names)}" for address, names in entries]
    return "\n".join(lines) + "\n"
