"""Per-node hosts files with Docker's name-resolution semantics.

What a node resolves (and nothing else, since its nsswitch.conf says `hosts: files`):
- localhost (127.0.0.1, and ::1 with ip6-localhost/ip6-loopback, as Docker writes them);
- explicit `extra_hosts` (host-gateway already replaced by the gateway address);
- its own name (and its aliases) on each of its networks, first network first;
- every other node's name and that node's aliases *on a network both share*, at that node's
  address on that network — except on a network with `names: false` (Docker's legacy default
  bridge, which has no embedded DNS). The node holding a network's bridge is not a member: like the
  Docker host, it resolves container names only through its own extra_hosts.
A stopped container (netlab/containers.py) is withdrawn: its names leave the other nodes' files.
"""

from __future__ import annotations

from collections.abc import Collection

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


class HostsIndex:
    """Per network, each member's (address, names) once, so N hosts files cost O(N) each."""

    def __init__(self, resolved: Resolved, withdrawn: Collection[str] = ()):
        """`withdrawn`: stopped containers, whose names Docker's embedded DNS no longer serves."""
        self.by_network: dict[str, list[tuple[str, tuple[str, ...], str]]] = {}
        self.addresses: dict[str, set[str]] = {}
        for att in resolved.attachments:
            names = tuple(dict.fromkeys((att.node, *att.aliases)))
            self.addresses.setdefault(att.network, set()).add(str(att.address))
            members = self.by_network.setdefault(att.network, [])
            # not on a legacy default bridge, not a stopped container
            if resolved.topology.networks[att.network].names and att.node not in withdrawn:
                members.append((str(att.address), names, att.node))
        # Per network, the members' (address, names) entries as one shared tuple and where each
        # node's own entries sit: a node's tail is two C-level slices of it, and the entry
        # tuples themselves are shared by all hosts files (5,000 nodes: 25 M entries, one copy).
        self.entries: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}
        self.positions: dict[str, dict[str, list[int]]] = {}
        for network, members in self.by_network.items():
            self.entries[network] = tuple((a, n) for a, n, _ in members)
            where = self.positions[network] = {}
            for i, (_, _, owner) in enumerate(members):
                where.setdefault(owner, []).append(i)

    def others(self, network: str, node: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Every member's entry on `network` except `node`'s own."""
        entries = self.entries[network]
        mine = self.positions[network].get(node, [])
        if not mine:
            return entries
        out: tuple = ()
        start = 0
        for i in mine:
            out += entries[start:i]
            start = i + 1
        return out + entries[start:]


def hosts_entries(
    resolved: Resolved, node: str, index: HostsIndex | None = None
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    index = index or HostsIndex(resolved)
    head = _Entries()
    head.add("127.0.0.1", "localhost")
    head.add("::1", "localhost", "ip6-localhost", "ip6-loopback")
    for address, name in resolved.extra_hosts.get(node, []):
        head.add(address, name)
    mine = resolved.attachments_of(node)
    if mine:
        for att in mine:
            head.add(str(att.address), node, *att.aliases)
    else:
        first = next((i.address.ip for i in resolved.ifaces.get(node, []) if i.address is not None), None)
        head.add(str(first) if first else OWN_NAME_FALLBACK, node)
    # Other members of each shared network. Their addresses are unique in the lab, so only an
    # extra_hosts line can share an address with them: merge into that line then.
    tail: tuple[tuple[str, tuple[str, ...]], ...] = ()
    own = {str(att.address) for att in mine}
    for att in mine:
        members = index.by_network[att.network]
        clash = (head.names.keys() & index.addresses[att.network]) - own
        if not clash:  # the usual case: no extra_hosts line shares a member's address
            tail += index.others(att.network, node)
            continue
        for address, names, _owner in members:
            if address in clash:
                head.add(address, *names)
        tail += tuple((a, n) for a, n, o in members if o != node and a not in clash)
    return head.freeze() + tail


def render_hosts(entries: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """The text of a hosts file for these entries."""
    lines = ["# written by netlab: names this node resolves (Docker's per-network scoping)"]
    lines += [f"{address}\t{' '.join(names)}" for address, names in entries]
    return "\n".join(lines) + "\n"
