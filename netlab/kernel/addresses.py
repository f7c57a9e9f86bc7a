"""Addresses and static routes inside a namespace (pyroute2 messages on an `Rtnl` socket)."""

from __future__ import annotations

import ipaddress
import socket

from pyroute2.netlink.rtnl import RTM_NEWADDR, RTM_NEWROUTE
from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
from pyroute2.netlink.rtnl.rtmsg import rtmsg

from netlab.kernel.rtnl import CREATE, Rtnl

RT_TABLE_MAIN = 254
RTPROT_STATIC = 4
RT_SCOPE_UNIVERSE = 0
RT_SCOPE_LINK = 253
RTN_UNICAST = 1


def address_request(index: int, cidr: str) -> tuple:
    iface = ipaddress.ip_interface(cidr)
    msg = ifaddrmsg()
    msg["family"] = socket.AF_INET if iface.version == 4 else socket.AF_INET6
    msg["prefixlen"] = iface.network.prefixlen
    msg["index"] = index
    attrs = [("IFA_LOCAL", str(iface.ip)), ("IFA_ADDRESS", str(iface.ip))]
    if iface.version == 4 and iface.network.prefixlen < 31:
        attrs.append(("IFA_BROADCAST", str(iface.network.broadcast_address)))
    msg["attrs"] = attrs
    return msg, RTM_NEWADDR, CREATE


def add_address(r: Rtnl, ifname: str, cidr: str) -> None:
    r.request(*address_request(r.link_index(ifname), cidr))


def add_route(r: Rtnl, dst: str, gateway: str | None = None, dev_index: int | None = None) -> None:
    if dst == "default":
        family = socket.AF_INET6 if gateway and ":" in gateway else socket.AF_INET
        prefix, net = 0, None
    else:
        network = ipaddress.ip_network(dst, strict=False)
        family = socket.AF_INET if network.version == 4 else socket.AF_INET6
        prefix, net = network.prefixlen, str(network.network_address)
    msg = rtmsg()
    msg["family"] = family
    msg["dst_len"] = prefix
    msg["table"] = RT_TABLE_MAIN
    msg["proto"] = RTPROT_STATIC
    msg["scope"] = RT_SCOPE_UNIVERSE if gateway else RT_SCOPE_LINK
    msg["type"] = RTN_UNICAST
    attrs: list = [("RTA_TABLE", RT_TABLE_MAIN)]
    if net is not None:
        attrs.append(("RTA_DST", net))
    if gateway:
        attrs.append(("RTA_GATEWAY", gateway))
    if dev_index:
        attrs.append(("RTA_OIF", dev_index))
    msg["attrs"] = attrs
    r.request(msg, RTM_NEWROUTE, CREATE)
