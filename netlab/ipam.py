"""Address management for lab networks, with Docker's rules.

- A network without a subnet gets the next free one from Docker's default pools
  (172.18.0.0/16 ... 172.31.0.0/16, then 192.168.0.0/20, 192.168.16.0/20, ...).
- The gateway defaults to the first host address (like docker0's 172.17.0.1).
- Static addresses are reserved first; the others are handed out lowest-first, skipping the
  network, broadcast and gateway addresses and every static address.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from ipaddress import IPv4Address, IPv4Network


class IpamError(ValueError):
    """An address cannot be reserved or allocated; the message says why and what is valid."""


def default_pools() -> Iterator[IPv4Network]:
    for second in range(18, 32):
        yield IPv4Network(f"172.{second}.0.0/16")
    yield from IPv4Network("192.168.0.0/16").subnets(new_prefix=20)


def pick_subnet(taken: Iterable[IPv4Network]) -> IPv4Network:
    """The first default pool that overlaps none of `taken`."""
    taken = list(taken)
    for candidate in default_pools():
        if not any(candidate.overlaps(t) for t in taken):
            return candidate
    raise IpamError(
        "all default address pools (172.18-31.0.0/16, 192.168.0.0/16 in /20s) are in use; give a subnet"
    )


def first_host(subnet: IPv4Network) -> IPv4Address:
    return subnet.network_address + 1


def host_range(subnet: IPv4Network) -> str:
    return f"{subnet.network_address + 1}-{subnet.broadcast_address - 1}"


class SubnetPool:
    """The addresses of one network: reserved, static and allocated."""

    def __init__(self, subnet: IPv4Network, gateway: IPv4Address | None):
        if subnet.prefixlen > 30:
            raise IpamError(f"{subnet} is too small for a network: use a prefix of /30 or shorter")
        self.subnet = subnet
        self.gateway = gateway
        self.owner: dict[IPv4Address, str] = {}  # address -> who holds it (for messages)
        if gateway is not None:
            self._check_host(gateway, "the gateway")
            self.owner[gateway] = "the gateway"
        self._cursor = int(subnet.network_address) + 1

    def _check_host(self, address: IPv4Address, what: str) -> None:
        if address not in self.subnet:
            raise IpamError(
                f"{what} {address} is outside the subnet {self.subnet} (valid: {host_range(self.subnet)})"
            )
        if address == self.subnet.network_address:
            raise IpamError(
                f"{address} is the network address of {self.subnet} (valid: {host_range(self.subnet)})"
            )
        if address == self.subnet.broadcast_address:
            raise IpamError(
                f"{address} is the broadcast address of {self.subnet} (valid: {host_range(self.subnet)})"
            )

    def reserve(self, address: IPv4Address, owner: str) -> None:
        """Reserve a static address for `owner`."""
        self._check_host(address, "address")
        if address in self.owner:
            holder = self.owner[address]
            if holder == "the gateway":
                raise IpamError(
                    f"{address} is the gateway address of {self.subnet} (the bridge has it); pick another"
                )
            raise IpamError(f"{address} is already used by {holder} on this network")
        self.owner[address] = owner

    def allocate(self, owner: str) -> IPv4Address:
        """The lowest free host address."""
        last = int(self.subnet.broadcast_address)
        while self._cursor < last:
            candidate = IPv4Address(self._cursor)
            self._cursor += 1
            if candidate not in self.owner:
                self.owner[candidate] = owner
                return candidate
        raise IpamError(
            f"subnet {self.subnet} has no free address left for {owner} "
            f"({len(self.owner)} of {self.subnet.num_addresses - 2} host addresses in use); "
            "use a larger subnet"
        )
