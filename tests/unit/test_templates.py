"""Template-encoded requests must be byte-for-byte what pyroute2 encodes for the same values."""

from __future__ import annotations

import random

import pytest

from netlab.kernel import addresses, links
from netlab.kernel.rtnl import encode_request

rng = random.Random(7)


def _name(n: int) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-") for _ in range(n))


@pytest.mark.parametrize("trial", range(40))
def test_veth_template_equals_pyroute2(trial):
    a, b = _name(rng.randint(1, 15)), _name(rng.randint(1, 15))
    fd = rng.choice([None, rng.randint(3, 5000)])
    master = rng.choice([None, rng.randint(1, 100000)])
    up = rng.random() < 0.5
    got = links.veth_bytes(a, b, fd, master, None, up)
    want = encode_request(*links._with_echo(links.veth_request(a, b, fd, master, None, up)))
    assert bytes(got) == want


def test_veth_with_mtu_falls_back_to_pyroute2():
    got = links.veth_bytes("eth1", "eth1", 7, None, 1400)
    assert bytes(got) == encode_request(*links._with_echo(links.veth_request("eth1", "eth1", 7, None, 1400)))


@pytest.mark.parametrize("trial", range(40))
def test_address_template_equals_pyroute2(trial):
    prefix = rng.choice([8, 16, 24, 30, 31, 32])
    ip = ".".join(str(rng.randint(1, 254)) for _ in range(4))
    index = rng.randint(1, 1 << 20)
    cidr = f"{ip}/{prefix}"
    assert bytes(addresses.address_bytes(index, cidr)) == encode_request(
        *addresses.address_request(index, cidr)
    )


def test_address_v6_falls_back():
    assert bytes(addresses.address_bytes(3, "fd00::2/64")) == encode_request(
        *addresses.address_request(3, "fd00::2/64")
    )


@pytest.mark.parametrize("trial", range(40))
def test_route_template_equals_pyroute2(trial):
    dst = rng.choice(
        [
            "default",
            f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24",
            f"172.16.{rng.randint(0, 255)}.0/24",
        ]
    )
    gw = rng.choice([None, f"10.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}"])
    oif = rng.choice([None, rng.randint(1, 5000)]) if gw else rng.randint(1, 5000)
    assert bytes(addresses.route_bytes(dst, gw, oif)) == encode_request(
        *addresses.route_request(dst, gw, oif)
    )
