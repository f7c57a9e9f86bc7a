"""Offline decoding of a pcap: frames → TCP streams → Kafka messages → (optionally) bodies.

The pass over packets never builds scapy objects: the pre-filter in packets.py drops non-TCP
frames with a few byte lookups and stream.py drops non-Kafka connections with one dict lookup.
Only Kafka bodies are dissected with the scapy layers, and only when asked (``bodies=True``).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from scapy.config import conf

from broker.protocol.apikeys import api_name
from netlab.capture.kafka.fields import KafkaDecodeError
from netlab.capture.kafka.layers import body_class, response_body_class
from netlab.capture.kafka.summary import enrich, to_data
from netlab.capture.packets import Unsupported
from netlab.capture.pcapio import read_packets
from netlab.capture.stream import ConnEvent, KafkaMessage, StreamDecoder
from netlab.errors import InputError


def decode_body(msg: KafkaMessage) -> KafkaMessage:
    """Dissect msg.body with the scapy layer; a body that does not fit becomes 'malformed'."""
    if msg.kind not in ("request", "response") or msg.api_key is None or msg.api_version is None:
        return msg
    if msg.kind == "response":
        cls = response_body_class(msg.api_key, msg.api_version, msg.body)
    else:
        cls = body_class(msg.api_key, msg.api_version, msg.kind)
    if cls is None:
        return msg  # an api/version netlab does not decode: headers only
    try:
        pkt = cls(msg.body)
    except (KafkaDecodeError, struct.error, ValueError, IndexError) as exc:
        return _malformed(msg, f"{api_name(msg.api_key)} v{msg.api_version} {msg.kind} body: {exc}")
    pad = pkt.getlayer(conf.padding_layer)
    if pad is not None and pad.load:
        return _malformed(
            msg,
            f"{api_name(msg.api_key)} v{msg.api_version} {msg.kind} body: "
            f"{len(pad.load)} bytes left after the last field",
        )
    msg.decoded = enrich(msg.api_key, msg.kind, to_data(pkt))
    return msg


def _malformed(msg: KafkaMessage, reason: str) -> KafkaMessage:
    msg.reason = reason
    msg.kind = "malformed"
    msg.decoded = None
    return msg


def iter_events(
    path: str | Path, ports: set[int] | None = None, bodies: bool = True, connections: bool = False
) -> Iterator[KafkaMessage | ConnEvent]:
    """Events of a pcap in capture order. ``ports`` None → 9092 + detected ports."""
    linktype, packets = read_packets(path)
    decoder = StreamDecoder(ports or {9092}, detect=ports is None)
    try:
        for ts, data, wirelen in packets:
            for ev in decoder.feed(ts, linktype, data, wirelen):
                if isinstance(ev, ConnEvent):
                    if connections:
                        yield ev
                    continue
                yield decode_body(ev) if bodies else ev
    except Unsupported as exc:
        raise InputError(str(exc), where=str(path)) from exc
    for ev in decoder.finish():
        if isinstance(ev, ConnEvent):
            if connections:
                yield ev
            continue
        yield ev


def message_json(msg: KafkaMessage) -> dict:
    """One JSON object per Kafka message (the `netlab decode --json` line)."""
    out: dict = {
        "ts": round(msg.ts_ns / 1e9, 6) if msg.ts_ns else None,
        "src": msg.src,
        "dst": msg.dst,
        "kind": msg.kind,
        "api_key": msg.api_key,
        "api_name": api_name(msg.api_key) if msg.api_key is not None else None,
        "api_version": msg.api_version,
        "correlation_id": msg.correlation_id,
        "client_id": msg.client_id,
        "size": msg.size,
    }
    if msg.reason:
        out["reason"] = msg.reason
    if msg.decoded is not None:
        body = dict(msg.decoded)
        if "brokers" in body and msg.api_key == 3:
            out["brokers"] = body.pop("brokers")
        out["body"] = body
    return out


def event_json(ev: ConnEvent) -> dict:
    return {"ts": round(ev.ts_ns / 1e9, 6), "src": ev.src, "dst": ev.dst, "kind": "tcp", "event": ev.kind}
