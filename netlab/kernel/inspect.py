"""Read what a namespace really holds (for `netlab status`): interfaces, addresses, masters.

Runs pyroute2's IPRoute in a throwaway thread that entered the namespace (speed does not matter
here, readable decoding does). Returns plain dicts so the result is JSON-ready.
"""

from __future__ import annotations

from netlab.kernel import nsfs
from netlab.kernel.worker import run_in_netns


def interfaces(netns: str) -> list[dict]:
    """[{name, index, kind, state, mac, mtu, master, addresses:[cidr]}] or [] if netns is gone."""
    if not nsfs.exists(netns):
        return []

    def read() -> list[dict]:
        from pyroute2 import IPRoute

        with IPRoute() as ipr:
            links = ipr.get_links()
            addrs = ipr.get_addr()
        by_index: dict[int, dict] = {}
        for link in links:
            info = link.get_attr("IFLA_LINKINFO")
            kind = info.get_attr("IFLA_INFO_KIND") if info else None
            by_index[link["index"]] = {
                "name": link.get_attr("IFLA_IFNAME"),
                "index": link["index"],
                "kind": kind or ("loopback" if link["index"] == 1 else "device"),
                "state": "up" if link["flags"] & 1 else "down",
                "oper": (link.get_attr("IFLA_OPERSTATE") or "").lower(),
                "mac": link.get_attr("IFLA_ADDRESS"),
                "mtu": link.get_attr("IFLA_MTU"),
                "master_index": link.get_attr("IFLA_MASTER"),
                "addresses": [],
            }
        for addr in addrs:
            entry = by_index.get(addr["index"])
            if entry is not None:
                entry["addresses"].append(f"{addr.get_attr('IFA_ADDRESS')}/{addr['prefixlen']}")
        for entry in by_index.values():
            master = entry.pop("master_index")
            entry["master"] = by_index[master]["name"] if master in by_index else None
        return sorted(by_index.values(), key=lambda e: e["index"])

    try:
        return run_in_netns(netns, read)
    except FileNotFoundError:
        return []
