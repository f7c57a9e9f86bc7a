"""scapy fields for Kafka's wire types.

Kafka encodes strings, byte blobs and arrays with a length prefix that is an int16/int32 in
classic versions and an unsigned varint holding ``length + 1`` (0 = null) in *flexible* versions,
which also end every structure with a tagged-field section. Each field here parses its own prefix,
so a Kafka structure is just a ``fields_desc`` list, the way scapy's contrib layers read.

Every parse checks lengths before slicing and raises :class:`KafkaDecodeError` with what was
expected, so a truncated or corrupt frame becomes a precise "malformed" report, never a crash.
"""

from __future__ import annotations

import struct
from typing import Any

from scapy.config import conf
from scapy.fields import Field

from broker.protocol.types import DecodeError, Reader, Writer


class KafkaDecodeError(DecodeError):
    """A Kafka structure does not fit the bytes it was read from."""


# Length prefixes and varints are read and written by the broker's codec (broker/protocol/types.py),
# the only Kafka codec in the repository; these helpers adapt it to scapy's (rest of the bytes)
# convention and name the field in errors.


def read_uvarint(s: bytes, what: str) -> tuple[int, bytes]:
    r = Reader(s)
    try:
        value = r.uvarint()
    except DecodeError as exc:
        raise KafkaDecodeError(f"{what}: {exc}") from None
    return value, s[r.pos :]


def _take(s: bytes, n: int, what: str) -> tuple[bytes, bytes]:
    if n > len(s):
        raise KafkaDecodeError(f"{what}: needs {n} bytes, only {len(s)} left in the frame")
    return s[:n], s[n:]


def _read_length(s: bytes, compact: bool, wide: bool, what: str) -> tuple[int | None, bytes]:
    """Length prefix -> (length or None for null, rest)."""
    r = Reader(s)
    try:
        n = r.bytes_len(compact) if wide else r.string_len(compact)
    except DecodeError as exc:
        raise KafkaDecodeError(f"{what}: {exc}") from None
    return (None if n == -1 else n), s[r.pos :]


def _write_length(n: int | None, compact: bool, wide: bool) -> bytes:
    w = Writer()
    w.length(-1 if n is None else n, compact, wide)
    return w.getvalue()


def _uvarint(value: int) -> bytes:
    w = Writer()
    w.uvarint(value)
    return w.getvalue()


class KafkaIntField(Field):
    """A signed big-endian integer (or float64, by its struct format) that fails with a Kafka-style
    message when truncated."""

    def __init__(self, name: str, default: int | float | None, fmt: str):
        super().__init__(name, default, fmt)

    def getfield(self, pkt, s):
        raw, rest = _take(s, self.sz, self.name)
        return rest, struct.unpack(self.fmt, raw)[0]


def Int8(name: str, default: int | None = 0) -> KafkaIntField:
    return KafkaIntField(name, default, "!b")


def Int16(name: str, default: int | None = 0) -> KafkaIntField:
    return KafkaIntField(name, default, "!h")


def Int32(name: str, default: int | None = 0) -> KafkaIntField:
    return KafkaIntField(name, default, "!i")


def Int64(name: str, default: int | None = 0) -> KafkaIntField:
    return KafkaIntField(name, default, "!q")


def Float64(name: str, default: float = 0.0) -> KafkaIntField:
    """Kafka's float64 (client quota values): a big-endian IEEE 754 double."""
    return KafkaIntField(name, default, "!d")


class KafkaBoolField(KafkaIntField):
    def __init__(self, name: str, default: bool = False):
        super().__init__(name, int(default), "!B")

    def i2repr(self, pkt, x):
        return repr(bool(x))


class KafkaUuidField(Field):
    def __init__(self, name: str, default: bytes = b"\x00" * 16):
        super().__init__(name, default, "16s")

    def getfield(self, pkt, s):
        raw, rest = _take(s, 16, self.name)
        return rest, raw

    def i2repr(self, pkt, x):
        h = bytes(x).hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class KafkaStringField(Field):
    """STRING / NULLABLE_STRING (int16 length) or COMPACT_(NULLABLE_)STRING (uvarint length+1).

    The value is a ``str`` (UTF-8), or None for a null string.
    """

    __slots__ = ["compact"]
    islist = 0

    def __init__(self, name: str, default: str | None = "", compact: bool = False):
        super().__init__(name, default, "H")
        self.compact = compact

    def getfield(self, pkt, s):
        n, s = _read_length(s, self.compact, False, self.name)
        if n is None:
            return s, None
        raw, s = _take(s, n, self.name)
        return s, raw.decode("utf-8", "replace")

    def addfield(self, pkt, s, val):
        if val is None:
            return s + _write_length(None, self.compact, False)
        data = val.encode() if isinstance(val, str) else bytes(val)
        return s + _write_length(len(data), self.compact, False) + data

    def i2len(self, pkt, x):
        return len(self.addfield(pkt, b"", x))

    def randval(self):  # pragma: no cover - scapy fuzz() hook
        from scapy.volatile import RandString

        return RandString(8)


class KafkaBytesField(Field):
    """BYTES / NULLABLE_BYTES (int32 length) or COMPACT_BYTES; value is bytes or None."""

    __slots__ = ["compact"]
    islist = 0

    def __init__(self, name: str, default: bytes | None = b"", compact: bool = False):
        super().__init__(name, default, "I")
        self.compact = compact

    def getfield(self, pkt, s):
        n, s = _read_length(s, self.compact, True, self.name)
        if n is None:
            return s, None
        raw, s = _take(s, n, self.name)
        return s, bytes(raw)

    def addfield(self, pkt, s, val):
        if val is None:
            return s + _write_length(None, self.compact, True)
        return s + _write_length(len(val), self.compact, True) + bytes(val)

    def i2len(self, pkt, x):
        return len(self.addfield(pkt, b"", x))

    def i2repr(self, pkt, x):
        if x is None:
            return "null"
        return f"<{len(x)} bytes>"


class KafkaRecordsField(KafkaBytesField):
    """RECORDS: a nullable byte blob holding record batches; shown as counts, never decoded further."""

    def i2repr(self, pkt, x):
        if x is None:
            return "null"
        from netlab.capture.kafka.records import count_records

        c = count_records(x)
        return f"<{c.batches} batches, {c.records} records, {len(x)} bytes>"


class KafkaArrayField(Field):
    """ARRAY / COMPACT_ARRAY of a struct (a Packet class) or of a primitive Field.

    ``elem`` is either a Packet subclass (elements become packets) or a Field instance whose
    getfield/addfield is reused for each element. The value is a list, or None for a null array.
    """

    __slots__ = ["elem", "compact", "is_struct", "holds_packets"]
    islist = 1

    def __init__(self, name: str, default: list | None, elem: Any, compact: bool = False):
        super().__init__(name, default if default is not None else [], "I")
        self.elem = elem
        self.compact = compact
        self.is_struct = isinstance(elem, type)
        self.holds_packets = 1 if self.is_struct else 0

    def getfield(self, pkt, s):
        n, s = _read_length(s, self.compact, True, self.name)
        if n is None:
            return s, None
        if n > len(s):  # every element takes at least one byte
            raise KafkaDecodeError(f"{self.name}: array of {n} elements cannot fit in {len(s)} bytes")
        items = []
        for _ in range(n):
            if self.is_struct:
                item = self.elem(s, _parent=pkt)
                pad = item.getlayer(conf.padding_layer)
                if pad is not None:
                    s = pad.load
                    del pad.underlayer.payload
                else:
                    s = b""
            else:
                s, item = self.elem.getfield(pkt, s)
            items.append(item)
        return s, items

    def addfield(self, pkt, s, val):
        if val is None:
            return s + _write_length(None, self.compact, True)
        s += _write_length(len(val), self.compact, True)
        for item in val:
            s = s + bytes(item) if self.is_struct else self.elem.addfield(pkt, s, item)
        return s

    def i2len(self, pkt, x):
        return len(self.addfield(pkt, b"", x))

    def i2repr(self, pkt, x):
        if x is None:
            return "null"
        if self.is_struct:
            return repr(x) if len(x) <= 4 else f"[{len(x)} x {self.elem.__name__}]"
        return repr(x)

    def any2i(self, pkt, x):
        return x

    def do_copy(self, x):
        if x is None:
            return None
        return [i.copy() if hasattr(i, "copy") and self.is_struct else i for i in x]


class KafkaTaggedFields(Field):
    """The tagged-field section ending every structure in flexible versions.

    Value: list of (tag, raw bytes). Tag contents are kept raw (netlab does not need them).
    """

    islist = 1

    def __init__(self, name: str = "tagged_fields"):
        super().__init__(name, [], "B")

    def getfield(self, pkt, s):
        n, s = read_uvarint(s, self.name)
        if n > len(s):
            raise KafkaDecodeError(f"{self.name}: {n} tagged fields cannot fit in {len(s)} bytes")
        tags = []
        for _ in range(n):
            tag, s = read_uvarint(s, self.name)
            size, s = read_uvarint(s, self.name)
            raw, s = _take(s, size, f"{self.name}[{tag}]")
            tags.append((tag, bytes(raw)))
        return s, tags

    def addfield(self, pkt, s, val):
        s += _uvarint(len(val or []))
        for tag, raw in val or []:
            s += _uvarint(tag) + _uvarint(len(raw)) + raw
        return s

    def i2len(self, pkt, x):
        return len(self.addfield(pkt, b"", x))

    def any2i(self, pkt, x):
        return x

    def do_copy(self, x):
        return list(x or [])
