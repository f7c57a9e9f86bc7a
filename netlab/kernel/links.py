"""Links: bridges, veth pairs, TUN/TAP, VXLAN, enslaving and bringing up.

Each function takes the `Rtnl` socket of the namespace the device lives in. Veths are made from
the A side with the B end placed straight into its namespace (IFLA_NET_NS_FD), and enslaved to
its bridge in the same request (IFLA_MASTER), so a container link costs one request.
TUN/TAP devices are made the only way the kernel offers (TUNSETIFF + TUNSETPERSIST on
/dev/net/tun, the ioctls pyroute2 uses), so the calling thread must be inside the namespace.
"""

from __future__ import annotations

import fcntl
import os
import struct

from pyroute2.netlink.rtnl import RTM_NEWLINK
from pyroute2.netlink.rtnl.ifinfmsg import IFF_UP, IFT_NO_PI, IFT_TAP, IFT_TUN, ifinfmsg
from pyroute2.netlink.rtnl.ifinfmsg.tuntap import TUNSETIFF, TUNSETPERSIST

from netlab.kernel import templates
from netlab.kernel.rtnl import CHANGE, CREATE, Rtnl, encode_request

NLM_F_ECHO = 0x08
IFLA_LINK = 5


def _echoed_link(replies: list[bytes]) -> tuple[int, int | None] | None:
    """(ifindex, IFLA_LINK) from the RTM_NEWLINK the kernel echoed back (NLM_F_ECHO): for a
    veth, IFLA_LINK is the peer's ifindex, so neither end needs a lookup afterwards."""
    for raw in replies:
        if struct.unpack_from("=H", raw, 4)[0] != RTM_NEWLINK:
            continue
        (index,) = struct.unpack_from("=i", raw, 20)
        link, offset = None, 32
        while offset + 4 <= len(raw):
            nla_len, nla_type = struct.unpack_from("=HH", raw, offset)
            if nla_len < 4:
                break
            if nla_type == IFLA_LINK:
                (link,) = struct.unpack_from("=I", raw, offset + 4)
            offset += (nla_len + 3) & ~3
        return index, link
    return None


def _linkmsg(attrs: list, index: int = 0, up: bool = False) -> ifinfmsg:
    msg = ifinfmsg()
    msg["index"] = index
    if up:
        msg["flags"] = IFF_UP
        msg["change"] = IFF_UP
    msg["attrs"] = attrs
    return msg


def bridge_request(ifname: str) -> tuple:
    info = {"attrs": [("IFLA_INFO_KIND", "bridge")]}
    return _linkmsg([("IFLA_IFNAME", ifname), ("IFLA_LINKINFO", info)]), RTM_NEWLINK, CREATE


def make_bridge(r: Rtnl, ifname: str) -> None:
    msg, mtype, flags = bridge_request(ifname)
    echoed = _echoed_link(r.request(msg, mtype, flags | NLM_F_ECHO))
    if echoed:
        r.remember(ifname, echoed[0])


def veth_request(
    a_ifname: str,
    b_ifname: str,
    b_netns_fd: int | None,
    a_master_index: int | None = None,
    mtu: int | None = None,
    a_up: bool = False,
) -> tuple:
    peer: list[tuple[str, str | int]] = [("IFLA_IFNAME", b_ifname)]
    if b_netns_fd is not None:
        peer.append(("IFLA_NET_NS_FD", b_netns_fd))
    attrs: list = [("IFLA_IFNAME", a_ifname)]
    if mtu:
        attrs.append(("IFLA_MTU", mtu))
        peer.append(("IFLA_MTU", mtu))
    if a_master_index:
        attrs.append(("IFLA_MASTER", a_master_index))
    info = {
        "attrs": [
            ("IFLA_INFO_KIND", "veth"),
            ("IFLA_INFO_DATA", {"attrs": [("VETH_INFO_PEER", {"attrs": peer})]}),
        ]
    }
    attrs.append(("IFLA_LINKINFO", info))
    return _linkmsg(attrs, up=a_up), RTM_NEWLINK, CREATE


_veth_templates = templates.TemplateCache()


def veth_bytes(
    a_ifname: str,
    b_ifname: str,
    b_netns_fd: int | None,
    a_master_index: int | None = None,
    mtu: int | None = None,
    a_up: bool = False,
) -> bytearray:
    """The encoded veth request (NLM_F_ECHO), from a per-shape template when possible."""
    shape = (
        len(a_ifname.encode()),
        len(b_ifname.encode()),
        b_netns_fd is not None,
        bool(a_master_index),
        bool(mtu),
        a_up,
    )
    sentinels: dict = {"a": ("name", "Q" * shape[0]), "b": ("name", "Z" * shape[1])}
    if b_netns_fd is not None:
        sentinels["fd"] = ("u32", templates.INT_SENTINELS[0])
    if a_master_index:
        sentinels["master"] = ("u32", templates.INT_SENTINELS[1])
    if mtu:
        sentinels["mtu"] = ("mtu", None)  # MTU appears twice (both ends): no template

    def make() -> templates.Template:
        if mtu:
            raise templates.TemplateError("mtu")
        return templates.build(
            lambda v: encode_request(
                *_with_echo(veth_request(v["a"], v["b"], v.get("fd"), v.get("master"), None, a_up))
            ),
            sentinels,
        )

    template = _veth_templates.get(shape, make)
    if template is None:
        return bytearray(
            encode_request(
                *_with_echo(veth_request(a_ifname, b_ifname, b_netns_fd, a_master_index, mtu, a_up))
            )
        )
    return template.render({"a": a_ifname, "b": b_ifname, "fd": b_netns_fd, "master": a_master_index})


def _with_echo(request: tuple) -> tuple:
    msg, mtype, flags = request
    return msg, mtype, flags | NLM_F_ECHO


def make_veth(
    r: Rtnl,
    a_ifname: str,
    b_ifname: str,
    b_netns_fd: int | None,
    a_master_index: int | None = None,
    mtu: int | None = None,
    b_rtnl: Rtnl | None = None,
    a_up: bool = False,
) -> None:
    """Create the pair from `r`'s namespace; `b_rtnl` (the peer namespace's socket) learns
    the peer's ifindex from the echo, saving a lookup per container. `a_up`: the A end comes
    up in the same request (used for bridge ports, which carry no address)."""
    echoed = _echoed_link(
        r.request_raw(veth_bytes(a_ifname, b_ifname, b_netns_fd, a_master_index, mtu, a_up))
    )
    if echoed:
        r.remember(a_ifname, echoed[0])
        if echoed[1]:
            (b_rtnl or r).remember(b_ifname, echoed[1])


def master_request(index: int, master_index: int) -> tuple:
    return _linkmsg([("IFLA_MASTER", master_index)], index=index), RTM_NEWLINK, CHANGE


def set_master(r: Rtnl, ifname: str, master: str) -> None:
    r.request(*master_request(r.link_index(ifname), r.link_index(master)))


def up_request(index: int) -> tuple:
    return _linkmsg([], index=index, up=True), RTM_NEWLINK, CHANGE


def set_up(r: Rtnl, ifname: str) -> None:
    r.request(*up_request(r.link_index(ifname)))


def make_vxlan(
    r: Rtnl,
    ifname: str,
    vni: int,
    local: str,
    remote: str,
    dstport: int = 4789,
    underlay_index: int | None = None,
) -> None:
    data = [
        ("IFLA_VXLAN_ID", vni),
        ("IFLA_VXLAN_LOCAL", local),
        ("IFLA_VXLAN_GROUP", remote),  # a unicast "group" is the single remote end
        ("IFLA_VXLAN_PORT", dstport),
    ]
    if underlay_index:
        data.append(("IFLA_VXLAN_LINK", underlay_index))
    info = {"attrs": [("IFLA_INFO_KIND", "vxlan"), ("IFLA_INFO_DATA", {"attrs": data})]}
    r.request(_linkmsg([("IFLA_IFNAME", ifname), ("IFLA_LINKINFO", info)]), RTM_NEWLINK, CREATE)


def make_tuntap(ifname: str, mode: str) -> None:
    """Create a persistent TUN or TAP device in the *calling thread's* namespace (no packet info)."""
    flags = (IFT_TUN if mode == "tun" else IFT_TAP) | IFT_NO_PI
    ifr = struct.pack("16sH", ifname.encode(), flags)
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    try:
        fcntl.ioctl(fd, TUNSETIFF, ifr)
        fcntl.ioctl(fd, TUNSETPERSIST, 1)
    finally:
        os.close(fd)


def open_tuntap(ifname: str, mode: str) -> int:
    """Attach to an existing persistent TUN/TAP device; returns the fd frames/packets flow on."""
    flags = (IFT_TUN if mode == "tun" else IFT_TAP) | IFT_NO_PI
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), flags))
    except OSError:
        os.close(fd)
        raise
    return fd
