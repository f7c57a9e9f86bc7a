"""A plain rtnetlink socket bound to the namespace of the thread that opens it.

A netlink socket stays bound to the namespace it was created in, wherever the thread goes
afterwards, so the applier opens one per namespace (right after creating it) and never needs
pyroute2's `IPRoute(netns=...)`, which forks (6.5 ms). Messages are pyroute2's own classes
(ifinfmsg, ifaddrmsg, rtmsg) encoded by pyroute2; this module only frames, sends and reads the
acknowledgements, with the kernel's extended-ack text in errors. `send_many` pipelines several
requests in one sendmsg (the kernel handles them in order and acks each).
"""

from __future__ import annotations

import errno
import os
import socket
import struct

from pyroute2.netlink import NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NLMSG_ERROR
from pyroute2.netlink.rtnl import RTM_GETLINK, RTM_NEWLINK
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg

NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
CREATE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
CHANGE = NLM_F_REQUEST | NLM_F_ACK

_HDR = struct.Struct("=IHHII")


class KernelError(OSError):
    """A request the kernel refused: errno plus the kernel's extended-ack message if any."""

    def __init__(self, code: int, detail: str = ""):
        text = os.strerror(code) + (f" ({detail})" if detail else "")
        super().__init__(code, text)


class Rtnl:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, NETLINK_ROUTE)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self._seq = 0
        self._index_cache: dict[str, int] = {}

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Rtnl:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- framing -----------------------------------------------------------------------
    def _encode(self, msg, msg_type: int, flags: int) -> tuple[int, bytes]:
        self._seq += 1
        msg["header"]["type"] = msg_type
        msg["header"]["flags"] = flags
        msg["header"]["sequence_number"] = self._seq
        msg["header"]["pid"] = 0
        msg.encode()
        return self._seq, bytes(msg.data)

    def send_many(self, requests: list) -> list[list[bytes]]:
        """Send requests in one write; return each one's reply payloads. A request is
        (msg, type, flags) or an already encoded message (bytearray; its sequence number
        is set here). Raises KernelError for the first request the kernel refused."""
        seqs, chunks = [], []
        for request in requests:
            data: bytes | bytearray
            if isinstance(request, bytearray):
                self._seq += 1
                struct.pack_into("=I", request, 8, self._seq)
                seq, data = self._seq, request
            else:
                seq, data = self._encode(*request)
            seqs.append(seq)
            chunks.append(data)
        self.sock.sendall(b"".join(chunks))
        replies: dict[int, list[bytes]] = {s: [] for s in seqs}
        pending = set(seqs)
        errors: dict[int, KernelError] = {}
        while pending:
            buf = self.sock.recv(1 << 16)
            offset = 0
            while offset + 16 <= len(buf):
                length, mtype, mflags, seq, _pid = _HDR.unpack_from(buf, offset)
                if length < 16:
                    break
                start, offset = offset, offset + ((length + 3) & ~3)
                if seq not in replies:
                    continue
                if mtype == NLMSG_ERROR:
                    (code,) = struct.unpack_from("=i", buf, start + 16)
                    pending.discard(seq)
                    if code:
                        errors[seq] = KernelError(
                            -code, _ext_ack_text(buf[start + 16 : start + length], mflags)
                        )
                else:
                    replies[seq].append(buf[start : start + length])
        for i, seq in enumerate(seqs):
            if seq in errors:
                err = errors[seq]
                err.index = i  # type: ignore[attr-defined]
                raise err
        return [replies[s] for s in seqs]

    def request(self, msg, msg_type: int, flags: int = CHANGE) -> list[bytes]:
        return self.send_many([(msg, msg_type, flags)])[0]

    def request_raw(self, data: bytearray) -> list[bytes]:
        return self.send_many([data])[0]

    # -- lookups -------------------------------------------------------------------------
    def link_index(self, ifname: str) -> int:
        """The ifindex of `ifname` in this socket's namespace (cached; names are ours)."""
        cached = self._index_cache.get(ifname)
        if cached is not None:
            return cached
        msg = ifinfmsg()
        msg["attrs"] = [("IFLA_IFNAME", ifname)]
        try:
            replies = self.request(msg, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK)
        except KernelError as exc:
            if exc.errno == errno.ENODEV:
                raise KernelError(errno.ENODEV, f"no interface named {ifname!r}") from None
            raise
        for raw in replies:
            _l, mtype, _f, _s, _p = _HDR.unpack_from(raw)
            if mtype == RTM_NEWLINK:
                (index,) = struct.unpack_from("=i", raw, 16 + 4)
                self._index_cache[ifname] = index
                return index
        raise KernelError(errno.ENODEV, f"no interface named {ifname!r}")

    def remember(self, ifname: str, index: int) -> None:
        self._index_cache[ifname] = index

    def forget(self, ifname: str) -> None:
        self._index_cache.pop(ifname, None)


def _ext_ack_text(body: bytes, flags: int) -> str:
    """The NLMSGERR_ATTR_MSG string of an error ack (NETLINK_CAP_ACK: no payload echoed)."""
    if not flags & NLM_F_ACK_TLVS:
        return ""
    offset = 4 + 16  # error code + the original request's header
    while offset + 4 <= len(body):
        nla_len, nla_type = struct.unpack_from("=HH", body, offset)
        if nla_len < 4:
            break
        if nla_type & 0x3FFF == NLMSGERR_ATTR_MSG:
            return body[offset + 4 : offset + nla_len].split(b"\0", 1)[0].decode(errors="replace")
        offset += (nla_len + 3) & ~3
    return ""


def encode_request(msg, msg_type: int, flags: int) -> bytes:
    """pyroute2's encoding of a request (sequence number 0), for templates."""
    msg["header"]["type"] = msg_type
    msg["header"]["flags"] = flags
    msg["header"]["sequence_number"] = 0
    msg["header"]["pid"] = 0
    msg.encode()
    return bytes(msg.data)
