"""Docker's default address pools (moby libnetwork ipamutils) in order."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from netlab.compose.pools import SubnetAddresses, default_pool_subnets, next_subnet


def test_pool_order():
    subnets = [str(s) for s in default_pool_subnets()]
    assert subnets[:3] == ["172.17.0.0/16", "172.18.0.0/16", "172.19.0.0/16"]
    assert subnets[14] == "172.31.0.0/16"
    assert subnets[15:17] == ["192.168.0.0/20", "192.168.16.0/20"]
    assert subnets[-1] == "192.168.240.0/20"
    assert len(subnets) == 31


def test_first_user_network_after_docker0():
    assert next_subnet([IPv4Network("172.17.0.0/16")]) == IPv4Network("172.18.0.0/16")


def test_skips_overlapping_explicit_subnets():
    used = [IPv4Network("172.17.0.0/16"), IPv4Network("172.18.5.0/24")]
    assert next_subnet(used) == IPv4Network("172.19.0.0/16")


def test_after_the_172_pools_come_192_168_slash_20s():
    used = [IPv4Network(f"172.{n}.0.0/16") for n in range(17, 32)]
    assert next_subnet(used) == IPv4Network("192.168.0.0/20")


def test_addresses_gateway_first_then_in_order_skipping_reserved():
    a = SubnetAddresses(IPv4Network("172.18.0.0/16"))
    assert a.gateway == IPv4Address("172.18.0.1")
    a.reserve(IPv4Address("172.18.0.3"))
    assert [a.allocate(), a.allocate()] == [IPv4Address("172.18.0.2"), IPv4Address("172.18.0.4")]
