"""Docker's default address pools, in the order the engine hands them out.

moby/libnetwork `ipamutils` (localScopeDefaultNetworks): 172.17.0.0/16 split in /16s, then
172.18.0.0/16, 172.19.0.0/16, 172.20.0.0/14, 172.24.0.0/14, 172.28.0.0/14 split in /16s, then
192.168.0.0/16 split in /20s. The default bridge (docker0) takes 172.17.0.0/16 when the daemon
starts, so the first user-defined network (a compose project's `<project>_default`) gets
172.18.0.0/16. A network with an `ipam` subnet takes that subnet; the next automatic one skips
every subnet in use. Addresses: the gateway is the first host address; containers get the next
free ones in the order they connect (compose: start order).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from ipaddress import IPv4Address, IPv4Network

DEFAULT_BRIDGE = IPv4Network("172.17.0.0/16")
_POOLS = (
    ("172.17.0.0/16", 16),
    ("172.18.0.0/16", 16),
    ("172.19.0.0/16", 16),
    ("172.20.0.0/14", 16),
    ("172.24.0.0/14", 16),
    ("172.28.0.0/14", 16),
    ("192.168.0.0/16", 20),
)


def default_pool_subnets() -> Iterator[IPv4Network]:
    """Every subnet of Docker's default pools, in order (172.17.0.0/16 ... 192.168.240.0/20)."""
    for base, size in _POOLS:
        yield from IPv4Network(base).subnets(new_prefix=size)


def next_subnet(in_use: Iterable[IPv4Network]) -> IPv4Network:
    """The subnet Docker gives the next network created without an `ipam` subnet."""
    used = list(in_use)
    for subnet in default_pool_subnets():
        if not any(subnet.overlaps(u) for u in used):
            return subnet
    raise ValueError("Docker's default address pools are exhausted (31 networks)")


class SubnetAddresses:
    """Addresses of one network: the gateway, then the lowest free for each container."""

    def __init__(self, subnet: IPv4Network, gateway: IPv4Address | None = None):
        self.subnet = subnet
        self.gateway = gateway or next(subnet.hosts())
        self.used = {self.gateway}

    def reserve(self, address: IPv4Address) -> None:
        self.used.add(address)

    def allocate(self) -> IPv4Address:
        for addr in self.subnet.hosts():
            if addr not in self.used:
                self.used.add(addr)
                return addr
        raise ValueError(f"no free address left in {self.subnet}")
