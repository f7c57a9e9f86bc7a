"""Addresses and static routes inside a namespace (pyroute2 messages on an `Rtnl` socket)."""

from __future__ import annotations

import ipaddress
import socket

from pyroute2.netlink.rtnl import RTM_NEWADDR, RTM_NEWROUTE
from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
from pyroute2.netlink.rtnl.rtmsg import rtmsg

from netlab.kernel import templates
from netlab.kernel.rtnl import CREATE, Rtnl, encode_request

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


_templates = templates.TemplateCache()
S = templates.IP4_SENTINELS
N = templates.INT_SENTINELS


def address_bytes(index: int, cidr: str) -> bytearray:
    iface = ipaddress.ip_interface(cidr)
    if iface.version != 4:
        return bytearray(encode_request(*address_request(index, cidr)))
    prefix = iface.network.prefixlen
    broadcast = prefix < 31

    def make() -> templates.Template:
        sentinels = {"index": ("u32", N[0]), "local": ("ip4", S[0]), "address": ("ip4", S[1])}
        if broadcast:
            sentinels["brd"] = ("ip4", S[2])

        def encode(v: dict) -> bytes:
            msg, mtype, flags = address_request(v["index"], f"{S[0]}/{prefix}")
            attrs = [("IFA_LOCAL", v["local"]), ("IFA_ADDRESS", v["address"])]
            if broadcast:
                attrs.append(("IFA_BROADCAST", v["brd"]))
            msg["attrs"] = attrs
            return encode_request(msg, mtype, flags)

        return templates.build(encode, sentinels)

    template = _templates.get(("addr4", prefix), make)
    if template is None:
        return bytearray(encode_request(*address_request(index, cidr)))
    ip = str(iface.ip)
    return template.render(
        {"index": index, "local": ip, "address": ip, "brd": str(iface.network.broadcast_address)}
    )


def add_address(r: Rtnl, ifname: str, cidr: str) -> None:
    r.request_raw(address_bytes(r.link_index(ifname), cidr))


def add_route(r: Rtnl, dst: str, gateway: str | None = None, dev_index: int | None = None) -> None:
    r.request_raw(route_bytes(dst, gateway, dev_index))


def route_bytes(dst: str, gateway: str | None = None, dev_index: int | None = None) -> bytearray:
    v4 = (gateway is None or ":" not in gateway) and (
        dst == "default" or ipaddress.ip_network(dst, strict=False).version == 4
    )
    if not v4:
        return bytearray(encode_request(*route_request(dst, gateway, dev_index)))
    net = None if dst == "default" else ipaddress.ip_network(dst, strict=False)
    shape = ("route4", None if net is None else net.prefixlen, gateway is not None, bool(dev_index))

    def make() -> templates.Template:
        sentinels: dict = {}
        if net is not None:  # the sentinel must survive being masked to its network address
            sentinels["dst"] = (
                "ip4",
                str(ipaddress.ip_network(f"{S[0]}/{net.prefixlen}", strict=False).network_address),
            )
        if gateway:
            sentinels["gw"] = ("ip4", S[1])
        if dev_index:
            sentinels["oif"] = ("u32", N[0])
        sentinel_dst = "default" if net is None else f"{sentinels['dst'][1]}/{net.prefixlen}"
        return templates.build(
            lambda v: encode_request(*route_request(sentinel_dst, v.get("gw"), v.get("oif"))), sentinels
        )

    template = _templates.get(shape, make)
    if template is None:
        return bytearray(encode_request(*route_request(dst, gateway, dev_index)))
    return template.render(
        {"dst": None if net is None else str(net.network_address), "gw": gateway, "oif": dev_index}
    )


def route_request(dst: str, gateway: str | None = None, dev_index: int | None = None) -> tuple:
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
    return msg, RTM_NEWROUTE, CREATE
