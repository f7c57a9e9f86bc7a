"""scapy layers for the Kafka protocol: request/response headers and versioned bodies.

Wire shape: ``int32 length`` then a request header (api key, version, correlation id, client id,
+ tagged fields in flexible versions) or a response header (correlation id, + tagged fields in
flexible versions except ApiVersions), then the body. A response does not say what it answers:
its body can only be decoded with the api key/version of the request carrying the same
correlation id on the same connection. Three ways to supply that:

- ``response_layer(api_key, api_version)(data)`` — explicit (what netlab's stream decoder does);
- dissecting packets in order (``rdpcap``/``sniff``): every KafkaRequest dissected on top of
  TCP is remembered per connection, and a later KafkaResponse on that connection finds it;
- otherwise the body stays ``Raw``.

Body classes are generated from the broker's message declarations (broker/protocol/messages/,
the one Kafka schema in the repository), one per (api, version, request/response), named like
``KafkaMetadataResponseV4``; get them with :func:`body_class`. Tagged fields are not given their
own scapy fields: every flexible structure ends in a generic tagged-field section kept raw.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import cache

from scapy.fields import ConditionalField, Field
from scapy.layers.inet import TCP
from scapy.packet import Packet, Raw, bind_layers

from broker.protocol import schema as ks
from broker.protocol.apikeys import api_name, request_header_version, response_header_version
from broker.protocol.messages import DECLARED
from netlab.capture.kafka.fields import (
    Float64,
    Int8,
    Int16,
    Int32,
    Int64,
    KafkaArrayField,
    KafkaBoolField,
    KafkaBytesField,
    KafkaIntField,
    KafkaRecordsField,
    KafkaStringField,
    KafkaTaggedFields,
    KafkaUuidField,
)

DEFAULT_PORTS = (9092,)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


class KafkaStruct(Packet):
    """A Kafka structure nested in an array: it ends where its last field ends."""

    def extract_padding(self, s):
        return b"", s


class KafkaBody(Packet):
    """Base of every generated body class; the api it belongs to is on the class."""

    api_key: int = -1
    api_version: int = -1
    kind: str = ""

    def extract_padding(self, s):
        # Bytes left after the last field are kept as Padding, so trailing garbage is visible.
        return b"", s

    def mysummary(self):
        return f"{api_name(self.api_key)} v{self.api_version} {self.kind}"


def _primitive(name: str, type_: ks.Type, compact: bool) -> Field:
    if type_ is ks.INT8:
        return Int8(name)
    if type_ is ks.INT16:
        return Int16(name)
    if type_ is ks.UINT16:
        return KafkaIntField(name, 0, "!H")
    if type_ is ks.INT32:
        return Int32(name)
    if type_ is ks.INT64:
        return Int64(name)
    if type_ is ks.FLOAT64:
        return Float64(name)
    if type_ is ks.BOOL:
        return KafkaBoolField(name)
    if type_ is ks.UUID:
        return KafkaUuidField(name)
    if type_ is ks.STRING:
        return KafkaStringField(name, "", compact=compact)
    if type_ is ks.RECORDS:
        return KafkaRecordsField(name, None, compact=compact)
    if type_ is ks.BYTES:
        return KafkaBytesField(name, b"", compact=compact)
    raise ValueError(f"no scapy field for Kafka type {type_.name!r}")


def _fields(struct: ks.Struct, version: int, flexible: bool, prefix: str) -> list[Field]:
    out: list[Field] = []
    for f in struct.fields:
        if not f.present(version) or f.tag is not None:
            continue  # tagged fields stay in the raw tagged-field section
        t = f.type
        if isinstance(t, ks.Array) and isinstance(t.item, ks.Struct):
            elem = _struct(f"{prefix}{_camel(f.name)}", t.item, version, flexible)
            out.append(KafkaArrayField(f.name, [], elem, compact=flexible))
        elif isinstance(t, ks.Array):
            out.append(KafkaArrayField(f.name, [], _primitive("item", t.item, flexible), compact=flexible))
        elif isinstance(t, ks.Struct):
            raise ValueError(f"{prefix}.{f.name}: a nested struct outside an array is not used by Kafka here")
        else:
            out.append(_primitive(f.name, t, flexible))
    if flexible:
        out.append(KafkaTaggedFields())
    return out


def _struct(name: str, struct: ks.Struct, version: int, flexible: bool) -> type[Packet]:
    # The layer name goes in as `_name` (where scapy's metaclass keeps it): a class attribute
    # called `name` would become the default of Kafka fields called `name`.
    return type(
        name, (KafkaStruct,), {"_name": name, "fields_desc": _fields(struct, version, flexible, name)}
    )


@cache
def body_class(api_key: int, api_version: int, kind: str) -> type[KafkaBody] | None:
    """The scapy class of a body, or None if netlab does not decode that api/version."""
    api = DECLARED.get(api_key)
    if api is None or not 0 <= api_version <= api.latest or kind not in ("request", "response"):
        return None
    message = api.request if kind == "request" else api.response
    flexible = message.flexible(api_version)
    name = f"Kafka{api.name}{kind.capitalize()}V{api_version}"
    cls = type(
        name,
        (KafkaBody,),
        {
            "_name": f"Kafka {api.name} v{api_version} {kind}",  # see _struct
            "fields_desc": _fields(message.body, api_version, flexible, name),
            "api_key": api_key,
            "api_version": api_version,
            "kind": kind,
        },
    )
    globals()[name] = cls  # so scapy's ls()/repr can find it by name
    return cls


def response_body_class(api_key: int, api_version: int, body: bytes) -> type[KafkaBody] | None:
    """Like body_class for a response, with Kafka's one exception: an ApiVersions response
    carrying an error (UNSUPPORTED_VERSION) always has a v0 body, whatever was asked."""
    if api_key == 18 and len(body) >= 2 and body[:2] != b"\x00\x00":
        return body_class(18, 0, "response")
    return body_class(api_key, api_version, "response")


# Requests seen on top of TCP, per connection, for responses dissected later (bounded).
_PENDING: OrderedDict[tuple, tuple[int, int]] = OrderedDict()
_PENDING_MAX = 65536


def _conversation(pkt: Packet, reverse: bool) -> tuple | None:
    tcp = pkt.underlayer
    if not isinstance(tcp, TCP) or tcp.underlayer is None:
        return None
    ip = tcp.underlayer
    ends = ((ip.src, tcp.sport), (ip.dst, tcp.dport))
    return ends[::-1] if reverse else ends


def forget_requests() -> None:
    """Drop remembered requests (e.g. between two unrelated pcaps)."""
    _PENDING.clear()


class _FramedHeader(Packet):
    """Common part: the length prefix covers header + body; bytes after it are Padding."""

    def do_dissect(self, s):
        rest = super().do_dissect(s)
        self._header_bytes = len(s) - len(rest)
        return rest

    def extract_padding(self, s):
        length = self.length
        if length is None:
            return s, b""
        body = length - (self._header_bytes - 4)
        if body < 0:
            return s, b""
        return s[:body], s[body:]

    def post_build(self, pkt, pay):
        if self.length is None:
            pkt = (len(pkt) - 4 + len(pay)).to_bytes(4, "big", signed=True) + pkt[4:]
        return pkt + pay


class KafkaRequest(_FramedHeader):
    name = "Kafka request"
    fields_desc = [
        Int32("length", None),
        Int16("api_key", 18),
        Int16("api_version", 0),
        Int32("correlation_id", 0),
        KafkaStringField("client_id", "netlab"),
        ConditionalField(
            KafkaTaggedFields("header_tagged_fields"),
            lambda p: request_header_version(p.api_key, p.api_version) == 2,
        ),
    ]

    def post_dissection(self, pkt):
        conv = _conversation(self, reverse=False)
        if conv is not None:
            _PENDING[(conv, self.correlation_id)] = (self.api_key, self.api_version)
            if len(_PENDING) > _PENDING_MAX:
                _PENDING.popitem(last=False)

    def guess_payload_class(self, payload):
        return body_class(self.api_key, self.api_version, "request") or Raw

    def mysummary(self):
        return self.sprintf(
            f"Kafka {api_name(self.api_key)} v%api_version% request corr=%correlation_id% client=%client_id%"
        )


class KafkaResponse(_FramedHeader):
    """A response header; its body needs the request's api key/version (see module doc)."""

    name = "Kafka response"
    request_key: int | None = None
    request_version: int | None = None
    fields_desc = [
        Int32("length", None),
        Int32("correlation_id", 0),
        ConditionalField(KafkaTaggedFields("header_tagged_fields"), lambda p: p._header_v1()),
    ]

    def _request(self) -> tuple[int, int] | None:
        if self.request_key is not None and self.request_version is not None:
            return self.request_key, self.request_version
        conv = _conversation(self, reverse=True)
        if conv is None:
            return None
        return _PENDING.get((conv, self.correlation_id))

    def _header_v1(self) -> bool:
        req = self._request()
        return req is not None and response_header_version(*req) == 1

    def guess_payload_class(self, payload):
        req = self._request()
        if req is None:
            return Raw
        return response_body_class(req[0], req[1], bytes(payload)) or Raw

    def mysummary(self):
        req = self._request()
        what = f"{api_name(req[0])} v{req[1]} " if req else ""
        return self.sprintf(f"Kafka {what}response corr=%correlation_id%")


@cache
def response_layer(api_key: int, api_version: int) -> type[KafkaResponse]:
    """A KafkaResponse class that knows which request it answers: ``response_layer(3, 4)(data)``."""
    return type(
        f"KafkaResponse_{api_name(api_key)}V{api_version}",
        (KafkaResponse,),
        {"request_key": api_key, "request_version": api_version, "name": "Kafka response"},
    )


_BOUND: set[int] = set()


def bind_kafka_port(port: int) -> None:
    """Dissect TCP traffic to/from ``port`` as Kafka (requests to it, responses from it)."""
    if port in _BOUND:
        return
    bind_layers(TCP, KafkaRequest, dport=port)
    bind_layers(TCP, KafkaResponse, sport=port)
    _BOUND.add(port)


for _port in DEFAULT_PORTS:
    bind_kafka_port(_port)

__all__ = [
    "KafkaRequest",
    "KafkaResponse",
    "KafkaBody",
    "KafkaStruct",
    "body_class",
    "response_body_class",
    "response_layer",
    "bind_kafka_port",
    "forget_requests",
]
