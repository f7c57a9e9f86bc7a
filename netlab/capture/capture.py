"""Raw packet capture inside a network namespace with a plain AF_PACKET socket.

The socket is opened by a short-lived thread that enters the namespace (setns is per thread),
so the process itself never changes namespace; a packet socket stays bound to the namespace it
was created in. The read loop does nothing but ``recvmsg`` + append to a pcap buffer: dissection
happens elsewhere and only on demand (live scapy dissection drops most packets at 140k pps).

- One interface (``iface``): promiscuous (so a bridge also hands up the frames it forwards
  between its ports, as ``tcpdump -i br0`` shows them), link type Ethernet (raw IP for TUN).
- All interfaces (``iface=None``, like ``tcpdump -i any``): link type Linux cooked v2 (SLL2),
  which records the interface index and direction of every packet; loopback's outgoing copies
  are dropped so each loopback packet appears once, as libpcap does.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from netlab.capture.pcapio import LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW
from netlab.capture.ring import RETIRE_MS, Ring
from netlab.errors import InputError, NetlabError

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1
PACKET_STATISTICS = 6
SO_RCVBUFFORCE = 33
SO_TIMESTAMPNS = 35
SO_ATTACH_FILTER = 26
SIOCGIFINDEX = 0x8933
SIOCGIFHWADDR = 0x8927
SIOCGIFFLAGS = 0x8913
IFF_UP = 0x1
PACKET_OUTGOING = 4
ARPHRD_ETHER = 1
ARPHRD_LOOPBACK = 772
ARPHRD_NONE = 65534
CLONE_NEWNET = 0x40000000
RCVBUF = 64 * 1024 * 1024
SNAPLEN = 262144

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass
class CaptureStats:
    captured: int = 0  # packets handed to the sink
    kernel_seen: int = 0  # PACKET_STATISTICS tp_packets
    kernel_dropped: int = 0  # PACKET_STATISTICS tp_drops (receive buffer full)
    seconds: float = 0.0
    ended: str | None = None  # why the capture stopped by itself (interface gone), if it did


def _setns(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({path}): {os.strerror(err)}")
    finally:
        os.close(fd)


def in_netns(netns: str | None, fn: Callable[[], object]) -> object:
    """Run fn in a thread that has entered /run/netns/<netns> (None: this namespace)."""
    if netns is None:
        return fn()
    path = netns if netns.startswith("/") else f"/run/netns/{netns}"  # a name, or /proc/<pid>/ns/net
    if not os.path.exists(path):
        raise InputError(f"network namespace {netns!r} does not exist (no {path})", where="capture")
    result: dict[str, object] = {}

    def run() -> None:
        try:
            _setns(path)
            result["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            result["error"] = exc

    t = threading.Thread(target=run, name=f"netns-{netns}", daemon=True)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result.get("value")


def _ifindex(sock: socket.socket, ifname: str) -> int:
    req = struct.pack("16si", ifname.encode(), 0)
    return struct.unpack("16si", fcntl.ioctl(sock.fileno(), SIOCGIFINDEX, req))[1]


def _hatype(sock: socket.socket, ifname: str) -> int:
    req = struct.pack("16sH14s", ifname.encode(), 0, b"")
    return struct.unpack("16sH14s", fcntl.ioctl(sock.fileno(), SIOCGIFHWADDR, req))[1]


def _is_up(sock: socket.socket, ifname: str) -> bool:
    req = struct.pack("16sH14s", ifname.encode(), 0, b"")
    return bool(struct.unpack("16sH14s", fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, req))[1] & IFF_UP)


def _attach_bpf(sock: socket.socket, expr: str, linktype: int) -> None:
    from scapy.arch.common import compile_filter
    from scapy.error import Scapy_Exception
    from scapy.libs.structures import sock_fprog

    try:
        prog = compile_filter(expr, linktype=linktype)
    except (Scapy_Exception, ImportError) as exc:
        raise InputError(f"BPF filter {expr!r} does not compile: {exc}", where="--filter") from exc
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, bytes(sock_fprog(prog.bf_len, prog.bf_insns)))


def open_socket(
    netns: str | None, iface: str | None, bpf: str | None = None, ring: bool = True
) -> tuple[socket.socket, int, Ring | None]:
    """A packet socket in netns on iface (None: all interfaces), the pcap link type to use, and
    its TPACKET_V3 ring (None if ring=False or the kernel refuses one: then recvmsg is used)."""

    def make() -> tuple[socket.socket, int, Ring | None]:
        # One interface: protocol 0 receives nothing until bound, so nothing from another
        # interface slips in. All interfaces: ETH_P_ALL at once (no bind needed).
        proto = socket.htons(ETH_P_ALL) if iface is None else 0
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, proto)
        try:
            try:
                sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF)
            except PermissionError:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)

            def make_ring() -> Ring | None:
                if not ring:
                    return None
                try:
                    return Ring(sock)
                except OSError:
                    return None  # no TPACKET_V3: recvmsg it is

            if iface is None:
                linktype = LINKTYPE_LINUX_SLL2
                if bpf:
                    _attach_bpf(sock, bpf, LINKTYPE_ETHERNET)
                    _drain(sock)  # packets queued before the filter was attached
                rx_ring = make_ring()  # from here on packets land in the ring, filtered
            else:
                try:
                    index = _ifindex(sock, iface)
                    hatype = _hatype(sock, iface)
                except OSError as exc:
                    where = f"namespace {netns}" if netns else "this namespace"
                    raise InputError(f"no interface {iface!r} in {where}", where="capture") from exc
                if not _is_up(sock, iface):
                    where = f"namespace {netns}" if netns else "this namespace"
                    raise InputError(
                        f"interface {iface!r} in {where} is down (bring it up to capture on it)",
                        where="capture",
                    )
                linktype = LINKTYPE_RAW if hatype == ARPHRD_NONE else LINKTYPE_ETHERNET
                if bpf:
                    _attach_bpf(sock, bpf, linktype)
                mreq = struct.pack("iHH8s", index, PACKET_MR_PROMISC, 0, b"")
                sock.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
                rx_ring = make_ring()  # before bind: nothing has been received yet
                sock.bind((iface, ETH_P_ALL))
            sock.setblocking(False)
            return sock, linktype, rx_ring
        except BaseException:
            sock.close()
            raise

    try:
        return in_netns(netns, make)  # type: ignore[return-value]
    except PermissionError as exc:
        raise NetlabError(f"capturing needs root (CAP_NET_RAW): {exc}") from exc


def _drain(sock: socket.socket) -> None:
    sock.setblocking(False)
    for _ in range(1_000_000):
        try:
            sock.recv(1)
        except BlockingIOError:
            return


_SLL2 = struct.Struct("!HHIHBB8s")


def _cook(data: bytes, ifindex: int, proto: int, hatype: int, pkttype: int, hwaddr: bytes) -> bytes:
    """A frame from an unbound socket (Ethernet-framed, or bare IP for TUN) → SLL2 record."""
    if hatype in (ARPHRD_ETHER, ARPHRD_LOOPBACK) and len(data) >= 14:
        return _SLL2.pack(data[12] << 8 | data[13], 0, ifindex, hatype, pkttype, 6, data[6:12]) + data[14:]
    return _SLL2.pack(proto, 0, ifindex, hatype, pkttype, len(hwaddr[:8]), hwaddr[:8]) + data


_TS = struct.Struct("=qq")


class Capture:
    """Read packets from a packet socket and hand them to ``sink(ts_ns, data, wirelen)``."""

    def __init__(
        self,
        netns: str | None,
        iface: str | None,
        bpf: str | None = None,
        snaplen: int = SNAPLEN,
        ring: bool = True,
    ):
        self.netns = netns
        self.iface = iface
        self.snaplen = snaplen
        self.sock, self.linktype, self.ring = open_socket(netns, iface, bpf, ring)
        self._index: dict[str, int] = {}
        self._stop = threading.Event()

    def stop(self) -> None:
        """Ask run() to return (from another thread or a signal handler)."""
        self._stop.set()

    def run(
        self, sink: Callable[[int, bytes, int], None], count: int | None = None, duration: float | None = None
    ) -> CaptureStats:
        """Capture until count packets, duration seconds, stop() or Ctrl-C (KeyboardInterrupt)."""
        stats = CaptureStats()
        start = time.monotonic()
        deadline = start + duration if duration else None
        if self.ring is not None:
            return self._run_ring(sink, count, deadline, stats, start)
        sock = self.sock
        recvmsg = sock.recvmsg
        bufsize = 65536 + 64
        cmsg_space = socket.CMSG_SPACE(16)
        cooked = self.iface is None
        snaplen = self.snaplen
        captured = 0
        limit = count if count is not None else -1

        def take(data: bytes, anc: list, addr: tuple) -> bool:
            if anc:
                sec, nsec = _TS.unpack_from(anc[0][2])
                ts = sec * 1_000_000_000 + nsec
            else:
                ts = time.time_ns()
            wirelen = len(data)
            if cooked:
                cooked_data = self._cook(data, addr)
                if cooked_data is None:
                    return False
                data, wirelen = cooked_data, len(cooked_data)
            if len(data) > snaplen:
                data = data[:snaplen]
            sink(ts, data, wirelen)
            return True

        try:
            try:
                while not self._stop.is_set() and captured != limit:
                    try:
                        data, anc, _flags, addr = recvmsg(bufsize, cmsg_space)
                    except BlockingIOError:
                        timeout = 0.2
                        if deadline is not None:
                            timeout = min(timeout, deadline - time.monotonic())
                            if timeout <= 0:
                                break
                        select.select([sock], [], [], timeout)
                        continue
                    except InterruptedError:
                        continue
                    except OSError as exc:  # ENETDOWN / ENXIO: the interface went down or away
                        stats.ended = f"interface {self.iface} went away: {exc.strerror}"
                        break
                    if take(data, anc, addr):
                        captured += 1
                        if deadline is not None and not captured & 1023 and time.monotonic() >= deadline:
                            break
            except KeyboardInterrupt:
                pass
            # Stopped (Ctrl-C, stop(), duration): keep what the kernel already queued for us.
            drain_until = time.monotonic() + 0.5  # under a blast, do not drain forever
            for i in range(1_000_000):
                if captured == limit or (not i & 255 and time.monotonic() > drain_until):
                    break
                try:
                    data, anc, _flags, addr = recvmsg(bufsize, cmsg_space)
                except OSError:  # EAGAIN (drained), EINTR, ENETDOWN
                    break
                if take(data, anc, addr):
                    captured += 1
        finally:
            stats.captured = captured
            stats.seconds = time.monotonic() - start
            try:
                raw = sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
                stats.kernel_seen, stats.kernel_dropped = struct.unpack("II", raw)
            except OSError:
                pass
        return stats

    def _cook(self, data: bytes, addr: tuple) -> bytes | None:
        """recvmsg path: (ifname, proto, pkttype, hatype, hwaddr) → SLL2 record, or None to skip."""
        ifname, proto, pkttype, hatype, hwaddr = addr[:5]
        if pkttype == PACKET_OUTGOING and hatype == ARPHRD_LOOPBACK:
            return None  # loopback shows every packet twice; keep the incoming copy
        index = self._index.get(ifname)
        if index is None:
            try:
                index = self._index[ifname] = _ifindex(self.sock, ifname)
            except OSError:
                index = 0
        return _cook(data, index, proto, hatype, pkttype, hwaddr)

    def _run_ring(
        self,
        sink: Callable[[int, bytes, int], None],
        count: int | None,
        deadline: float | None,
        stats: CaptureStats,
        start: float,
    ) -> CaptureStats:
        ring = self.ring
        assert ring is not None  # _run_ring is chosen only when a ring was mapped
        mm, cooked, snaplen = ring.map, self.iface is None, self.snaplen
        limit = count if count is not None else -1
        captured = 0

        def emit(ts: int, at: int, caplen: int, wirelen: int, addr: tuple | None) -> bool:
            nonlocal captured
            data = mm[at : at + min(caplen, snaplen)]
            if cooked:
                assert addr is not None  # the ring gives every cooked frame its sockaddr_ll
                _family, proto, ifindex, hatype, pkttype, halen, hwaddr = addr
                if pkttype == PACKET_OUTGOING and hatype == ARPHRD_LOOPBACK:
                    return True  # loopback shows every packet twice; keep the incoming copy
                raw_len = len(data)
                data = _cook(data, ifindex, socket.ntohs(proto), hatype, pkttype, hwaddr[:halen])
                wirelen += len(data) - raw_len
            sink(ts, data, wirelen)
            captured += 1
            return captured != limit

        def drain(until: float) -> None:
            while captured != limit and time.monotonic() < until:
                if not ring.ready():  # the kernel retires a partly filled block after RETIRE_MS
                    ring.wait(min(3 * RETIRE_MS / 1000, max(0.0, until - time.monotonic())))
                    if not ring.ready():
                        return
                ring.read_block(emit, cooked)

        try:
            try:
                while not self._stop.is_set() and captured != limit:
                    now = time.monotonic()
                    if deadline is not None and now >= deadline:
                        break
                    if not ring.ready():
                        events = ring.wait(0.2 if deadline is None else min(0.2, deadline - now))
                        if any(ev & select.POLLERR for _fd, ev in events):
                            err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                            if err:
                                stats.ended = f"interface {self.iface} went away: {os.strerror(err)}"
                                break
                        if not ring.ready():
                            continue
                    ring.read_block(emit, cooked)
            except KeyboardInterrupt:
                pass
            # Stopped: blocks the kernel retires within RETIRE_MS still hold packets we were sent.
            if stats.ended is None:
                drain(time.monotonic() + max(0.5, 3 * RETIRE_MS / 1000))
        except KeyboardInterrupt:
            pass
        finally:
            stats.captured = captured
            stats.seconds = time.monotonic() - start
            try:
                raw = self.sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 12)
                stats.kernel_seen, stats.kernel_dropped = struct.unpack("III", raw)[:2]
            except OSError:
                pass
        return stats

    def close(self) -> None:
        if self.ring is not None:
            self.ring.close()
        self.sock.close()

    def __enter__(self) -> Capture:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
