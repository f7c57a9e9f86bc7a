"""TCP reassembly per flow, Kafka framing by int32 size, request↔response matching.

Feed captured frames in order; get back events:

- :class:`KafkaMessage` — one Kafka request or response (headers parsed here with struct; the
  body is decoded by the scapy layers only when ``bodies=True``), or a malformed frame
  (``kind == "malformed"``, with ``reason``).
- :class:`ConnEvent` — TCP connection facts the story needs: a SYN, its answer (SYN-ACK or RST =
  connection refused), resets, and SYNs never answered.

Which ports are Kafka: the ones given, plus (when ``detect`` is on) any server port whose first
client bytes are a well-formed ApiVersions request — every client we know (librdkafka,
kafka-python, aiokafka, Java) opens each connection with one. Flows on other ports are skipped
after one dictionary lookup per packet.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from broker.protocol.apikeys import request_header_version, response_header_version
from broker.protocol.header import skip_tagged_fields
from broker.protocol.types import DecodeError, Reader
from netlab.capture.packets import ACK, FIN, RST, SYN, tcp_segment

MAX_FRAME = 100 * 1024 * 1024  # Kafka's socket.request.max.bytes default is 100 MiB
MAX_PENDING_SEGMENTS = 256  # out-of-order segments held per flow before giving up
_HDR = struct.Struct(">ihhih")
_I32 = struct.Struct(">i")


@dataclass
class KafkaMessage:
    ts_ns: int
    src: str  # "addr:port"
    dst: str
    kind: str  # request | response | malformed
    correlation_id: int | None = None
    api_key: int | None = None
    api_version: int | None = None
    client_id: str | None = None
    size: int = 0  # frame size (the int32 prefix)
    body: bytes = b""
    reason: str | None = None  # malformed: why; response: "unmatched" when no request was seen
    decoded: dict | None = None  # filled by decode when bodies are decoded
    request_ts_ns: int | None = None  # responses: when the matching request was seen


@dataclass
class ConnEvent:
    ts_ns: int
    src: str  # the client side
    dst: str  # the server side
    kind: str  # syn | accepted | refused | reset | fin | unanswered


@dataclass
class _Flow:
    """One direction of a TCP connection."""

    next_seq: int | None = None
    buf: bytearray = field(default_factory=bytearray)
    pending: dict[int, bytes] = field(default_factory=dict)
    broken: bool = False


@dataclass
class _Conn:
    client: tuple[str, int]
    server: tuple[str, int]
    kafka: bool
    checked: bool = False  # port detection looked at the first client bytes
    syn_ts: int | None = None
    answered: bool = False
    accepted_ts: int | None = None  # SYN-ACK seen; reported once the connection is known to be Kafka
    reset: bool = False  # a RST was reported (the same RST seen again, e.g. on two interfaces, is not)
    flows: dict[bool, _Flow] = field(default_factory=lambda: {True: _Flow(), False: _Flow()})
    requests: dict[int, tuple[int, int, str | None, int]] = field(default_factory=dict)


def _ep(addr: tuple[str, int]) -> str:
    host, port = addr
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def looks_like_api_versions(data: bytes) -> bool:
    """A client's first bytes form a plausible ApiVersions request (the port-detection heuristic)."""
    if len(data) < 14:
        return False
    size, key, version, _corr, client_len = _HDR.unpack_from(data, 0)
    if key != 18 or not 0 <= version <= 4 or not 10 <= size <= 4096:
        return False
    return client_len == -1 or 0 <= client_len <= size - 10


class StreamDecoder:
    def __init__(self, ports: set[int] | frozenset[int] = frozenset({9092}), detect: bool = True):
        self.ports: set[int] = set(ports)
        self.detect = detect
        self._conns: dict[tuple, _Conn] = {}
        self._skip: set[tuple] = set()  # connections known not to be Kafka
        self.packets = 0
        self.tcp_packets = 0

    # -- public -----------------------------------------------------------------------------
    def feed(self, ts_ns: int, linktype: int, frame: bytes, wirelen: int | None = None) -> list:
        self.packets += 1
        seg = tcp_segment(linktype, frame)
        if seg is None:
            return []
        self.tcp_packets += 1
        a, b = (seg.src, seg.sport), (seg.dst, seg.dport)
        key = (a, b) if a < b else (b, a)
        if key in self._skip:
            return []
        conn = self._conns.get(key)
        events: list = []
        if conn is None:
            conn = self._new_conn(seg, a, b)
            if conn is None:
                self._skip.add(key)
                return []
            self._conns[key] = conn
        from_client = a == conn.client
        flags = seg.flags
        if flags & SYN:
            if from_client and not flags & ACK:
                if conn.syn_ts is not None and conn.flows[True].next_seq == (seg.seq + 1) & 0xFFFFFFFF:
                    return events  # the same SYN again (a capture on several interfaces, a retransmission)
                conn.syn_ts = ts_ns
                conn.reset = False
                conn.flows[True] = _Flow(next_seq=(seg.seq + 1) & 0xFFFFFFFF)
                events.append(ConnEvent(ts_ns, _ep(conn.client), _ep(conn.server), "syn"))
            elif not from_client and flags & ACK:
                conn.flows[False] = _Flow(next_seq=(seg.seq + 1) & 0xFFFFFFFF)
                if not conn.answered:
                    conn.answered = True
                    conn.accepted_ts = ts_ns
                    if conn.kafka:
                        events.append(ConnEvent(ts_ns, _ep(conn.client), _ep(conn.server), "accepted"))
        if seg.payload:
            if not conn.kafka:
                if not self._detect(conn, from_client, seg.payload):
                    self._skip.add(key)
                    self._conns.pop(key, None)
                    return events
                if conn.accepted_ts is not None:  # now known to be Kafka: report its handshake
                    events.append(ConnEvent(conn.accepted_ts, _ep(conn.client), _ep(conn.server), "accepted"))
            short = wirelen is not None and wirelen > len(frame)
            events.extend(self._data(conn, from_client, seg.seq, seg.payload, ts_ns, short))
        # Failed connection attempts are reported on any port (a refused advertised endpoint is
        # the point of the story); the life of a working connection only for Kafka ones.
        if flags & RST and not conn.reset:
            refused = not conn.answered and not from_client
            conn.answered = True
            conn.reset = True
            if refused or conn.kafka:
                events.append(
                    ConnEvent(ts_ns, _ep(conn.client), _ep(conn.server), "refused" if refused else "reset")
                )
        elif flags & FIN and conn.kafka:
            events.append(ConnEvent(ts_ns, _ep(conn.client), _ep(conn.server), "fin"))
        return events

    def finish(self) -> list:
        """End of capture: report frames cut off and SYNs nobody answered."""
        events: list = []
        for conn in self._conns.values():
            if conn.syn_ts is not None and not conn.answered:
                events.append(ConnEvent(conn.syn_ts, _ep(conn.client), _ep(conn.server), "unanswered"))
            for from_client, flow in conn.flows.items():
                if flow.broken or not flow.buf:
                    continue
                src, dst = (conn.client, conn.server) if from_client else (conn.server, conn.client)
                have = len(flow.buf)
                if have >= 4:
                    (size,) = _I32.unpack_from(flow.buf, 0)
                    reason = f"truncated: capture ends {have - 4} bytes into a {size}-byte frame"
                else:
                    reason = f"truncated: capture ends inside a frame's size prefix ({have} of 4 bytes)"
                events.append(KafkaMessage(0, _ep(src), _ep(dst), "malformed", reason=reason, size=have))
        events.sort(key=lambda e: e.ts_ns)
        self._conns.clear()
        return events

    # -- internals --------------------------------------------------------------------------
    def _new_conn(self, seg, a, b) -> _Conn | None:
        syn_only = seg.flags & SYN and not seg.flags & ACK
        synack = seg.flags & SYN and seg.flags & ACK
        if syn_only:
            client, server = a, b
        elif synack:
            client, server = b, a
        elif seg.dport in self.ports and seg.sport not in self.ports:
            client, server = a, b
        elif seg.sport in self.ports and seg.dport not in self.ports:
            client, server = b, a
        else:
            client, server = (a, b) if seg.sport > seg.dport else (b, a)  # ephemeral port = client
        kafka = server[1] in self.ports
        if not kafka and not self.detect:
            return None
        if not kafka and not seg.payload and not seg.flags & SYN:
            return None  # a bare ACK of an unknown connection: nothing to detect from
        return _Conn(client, server, kafka)

    def _detect(self, conn: _Conn, from_client: bool, payload: bytes) -> bool:
        if conn.checked or not self.detect:
            return False
        if not from_client:
            return False
        conn.checked = True
        if conn.server[1] in self.ports or looks_like_api_versions(payload):
            self.ports.add(conn.server[1])
            conn.kafka = True
            return True
        return False

    def _data(self, conn: _Conn, from_client: bool, seq: int, data: bytes, ts: int, short: bool) -> list:
        flow = conn.flows[from_client]
        if flow.broken:
            return []
        if short:
            flow.broken = True
            return [
                self._malformed(
                    conn,
                    from_client,
                    ts,
                    "packet cut by the capture's snap length; the rest of this direction is not decoded",
                )
            ]
        if flow.next_seq is None:
            flow.next_seq = seq  # capture started mid-connection: assume a frame starts here
        delta = (seq - flow.next_seq) & 0xFFFFFFFF
        if delta >= 0x80000000:  # retransmission or overlap
            overlap = (flow.next_seq - seq) & 0xFFFFFFFF
            if overlap >= len(data):
                return []
            data, delta = data[overlap:], 0
        if delta:
            if len(flow.pending) >= MAX_PENDING_SEGMENTS:
                flow.broken = True
                return [self._malformed(conn, from_client, ts, "missing TCP segments (a gap in the capture)")]
            flow.pending.setdefault(seq, data)
            return []
        flow.buf += data
        flow.next_seq = (flow.next_seq + len(data)) & 0xFFFFFFFF
        while flow.pending:
            nxt = flow.pending.pop(flow.next_seq, None)
            if nxt is None:
                break
            flow.buf += nxt
            flow.next_seq = (flow.next_seq + len(nxt)) & 0xFFFFFFFF
        return self._frames(conn, from_client, flow, ts)

    def _frames(self, conn: _Conn, from_client: bool, flow: _Flow, ts: int) -> list:
        out = []
        buf = flow.buf
        pos = 0
        while len(buf) - pos >= 4:
            (size,) = _I32.unpack_from(buf, pos)
            if size < 0 or size > MAX_FRAME:
                flow.broken = True
                out.append(
                    self._malformed(
                        conn,
                        from_client,
                        ts,
                        f"implausible frame size {size}; the rest of this direction is not decoded",
                    )
                )
                break
            if len(buf) - pos - 4 < size:
                break
            frame = bytes(buf[pos + 4 : pos + 4 + size])
            pos += 4 + size
            out.append(self._message(conn, from_client, frame, ts))
        if flow.broken:
            flow.buf = bytearray()
        elif pos:
            del buf[:pos]
        return out

    def _malformed(self, conn: _Conn, from_client: bool, ts: int, reason: str, size: int = 0) -> KafkaMessage:
        src, dst = (conn.client, conn.server) if from_client else (conn.server, conn.client)
        return KafkaMessage(ts, _ep(src), _ep(dst), "malformed", reason=reason, size=size)

    def _message(self, conn: _Conn, from_client: bool, frame: bytes, ts: int) -> KafkaMessage:
        size = len(frame)
        if from_client:
            if size < 10:
                return self._malformed(
                    conn, True, ts, f"request header needs at least 10 bytes, frame has {size}", size
                )
            key, version, corr, clen = struct.unpack_from(">hhih", frame, 0)
            pos = 10
            client_id = None
            if clen >= 0:
                if pos + clen > size:
                    return self._malformed(
                        conn, True, ts, f"client_id of {clen} bytes runs past the {size}-byte frame", size
                    )
                client_id = frame[pos : pos + clen].decode("utf-8", "replace")
                pos += clen
            elif clen != -1:
                return self._malformed(conn, True, ts, f"client_id length {clen} is invalid", size)
            if request_header_version(key, version) == 2:
                try:
                    pos = _skip_tags(frame, pos)
                except DecodeError as exc:
                    return self._malformed(conn, True, ts, f"request header: {exc}", size)
            conn.requests[corr] = (key, version, client_id, ts)
            return KafkaMessage(
                ts,
                _ep(conn.client),
                _ep(conn.server),
                "request",
                corr,
                key,
                version,
                client_id,
                size,
                frame[pos:],
            )
        if size < 4:
            return self._malformed(conn, False, ts, f"response header needs 4 bytes, frame has {size}", size)
        (corr,) = _I32.unpack_from(frame, 0)
        req = conn.requests.pop(corr, None)
        if req is None:
            return KafkaMessage(
                ts,
                _ep(conn.server),
                _ep(conn.client),
                "response",
                corr,
                size=size,
                body=frame[4:],
                reason="unmatched: no request with this correlation id was captured",
            )
        key, version, client_id, req_ts = req
        pos = 4
        if response_header_version(key, version) == 1:
            try:
                pos = _skip_tags(frame, pos)
            except DecodeError as exc:
                return self._malformed(conn, False, ts, f"response header: {exc}", size)
        return KafkaMessage(
            ts,
            _ep(conn.server),
            _ep(conn.client),
            "response",
            corr,
            key,
            version,
            client_id,
            size,
            frame[pos:],
            request_ts_ns=req_ts,
        )


def _skip_tags(frame: bytes, pos: int) -> int:
    r = Reader(frame, pos)
    skip_tagged_fields(r)
    return r.pos
