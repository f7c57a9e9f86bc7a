"""Just enough header parsing to find TCP segments in a captured frame, with struct only.

This is the fast pre-filter of the decoder: a non-TCP frame costs a couple of byte lookups and
never reaches scapy. Supported link types: Ethernet (with 802.1Q tags), Linux cooked SLL/SLL2,
raw IP and BSD loopback.
"""

from __future__ import annotations

import socket
import struct
from typing import NamedTuple

from netlab.capture.pcapio import (
    LINKTYPE_ETHERNET,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_NULL,
    LINKTYPE_RAW,
)

_H = struct.Struct("!H")
_TCP = struct.Struct("!HHIIBB")

SYN, FIN, RST, ACK = 0x02, 0x01, 0x04, 0x10


class Segment(NamedTuple):
    src: str
    sport: int
    dst: str
    dport: int
    seq: int
    flags: int
    payload: bytes


class Unsupported(ValueError):
    pass


def ip_offset(linktype: int, frame: bytes) -> tuple[int, int]:
    """(offset of the network header, ethertype) or (-1, 0) if not IP."""
    if linktype == LINKTYPE_ETHERNET:
        off, etype = 14, (frame[12] << 8 | frame[13]) if len(frame) >= 14 else 0
        while etype in (0x8100, 0x88A8) and len(frame) >= off + 4:
            etype = frame[off + 2] << 8 | frame[off + 3]
            off += 4
        return off, etype
    if linktype == LINKTYPE_LINUX_SLL2:
        return 20, (frame[0] << 8 | frame[1]) if len(frame) >= 20 else 0
    if linktype == LINKTYPE_LINUX_SLL:
        return 16, (frame[14] << 8 | frame[15]) if len(frame) >= 16 else 0
    if linktype == LINKTYPE_RAW or linktype == 12:
        if not frame:
            return -1, 0
        return 0, 0x0800 if frame[0] >> 4 == 4 else 0x86DD
    if linktype == LINKTYPE_NULL:
        if len(frame) < 4:
            return -1, 0
        family = frame[0] if frame[0] else frame[3]
        return 4, 0x0800 if family == 2 else 0x86DD
    raise Unsupported(
        f"link type {linktype} is not supported (Ethernet, Linux SLL/SLL2, raw IP, loopback are)"
    )


def tcp_segment(linktype: int, frame: bytes) -> Segment | None:
    """The TCP segment in a frame, or None for anything else (the fast path)."""
    off, etype = ip_offset(linktype, frame)
    if etype == 0x0800:
        if len(frame) < off + 20 or frame[off + 9] != 6:
            return None
        ihl = (frame[off] & 0x0F) * 4
        total = _H.unpack_from(frame, off + 2)[0]
        if frame[off + 6] & 0x1F or frame[off + 7]:  # a fragment: not reassembled here
            return None
        src = socket.inet_ntop(socket.AF_INET, frame[off + 12 : off + 16])
        dst = socket.inet_ntop(socket.AF_INET, frame[off + 16 : off + 20])
        t = off + ihl
        end = min(len(frame), off + total) if total else len(frame)
    elif etype == 0x86DD:
        if len(frame) < off + 40 or frame[off + 6] != 6:
            return None
        src = socket.inet_ntop(socket.AF_INET6, frame[off + 8 : off + 24])
        dst = socket.inet_ntop(socket.AF_INET6, frame[off + 24 : off + 40])
        t = off + 40
        end = min(len(frame), t + _H.unpack_from(frame, off + 4)[0])
    else:
        return None
    if len(frame) < t + 20:
        return None
    sport, dport, seq, _ack, doff, flags = _TCP.unpack_from(frame, t)
    return Segment(src, sport, dst, dport, seq, flags, frame[t + (doff >> 4) * 4 : end])


def tcp_ports(linktype: int, frame: bytes) -> tuple[int, int] | None:
    """(sport, dport) of a TCP frame without building anything else; None if not TCP."""
    off, etype = ip_offset(linktype, frame)
    if etype == 0x0800:
        if len(frame) < off + 24 or frame[off + 9] != 6:
            return None
        t = off + (frame[off] & 0x0F) * 4
    elif etype == 0x86DD:
        if len(frame) < off + 44 or frame[off + 6] != 6:
            return None
        t = off + 40
    else:
        return None
    if len(frame) < t + 4:
        return None
    return frame[t] << 8 | frame[t + 1], frame[t + 2] << 8 | frame[t + 3]
