"""A small declarative codec for Kafka messages.

Each API module declares its request and response as a `Struct` of `Field`s with the version
range in which each field exists (facts from Kafka's message definitions, written by hand).
Decoding yields plain dicts keyed by snake_case names; fields absent from a version come back
with their default, so handlers never test versions for reading. Flexible versions (KIP-482)
switch strings, bytes and arrays to compact encodings and add tagged fields after each struct.
`RECORDS` stays a memoryview on decode and is written as given on encode: record batches are
opaque here and never re-encoded.
"""

from __future__ import annotations

import threading
import uuid as _uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as _dc_field
from typing import Any

from .types import DecodeError, Reader, Writer

INF = 0x7FFF


class Type:
    name = "?"
    default: Any = None

    def read(self, r: Reader, flex: bool, nullable: bool) -> Any:
        raise NotImplementedError

    def write(self, w: Writer, v: Any, flex: bool, nullable: bool) -> None:
        raise NotImplementedError


class _Prim(Type):
    def __init__(self, name: str, default: Any, rd: Callable, wr: Callable):
        self.name, self.default, self._rd, self._wr = name, default, rd, wr

    def read(self, r, flex, nullable):
        return self._rd(r)

    def write(self, w, v, flex, nullable):
        self._wr(w, v)


INT8 = _Prim("int8", 0, Reader.int8, Writer.int8)
INT16 = _Prim("int16", 0, Reader.int16, Writer.int16)
UINT16 = _Prim("uint16", 0, Reader.uint16, Writer.uint16)
INT32 = _Prim("int32", 0, Reader.int32, Writer.int32)
INT64 = _Prim("int64", 0, Reader.int64, Writer.int64)
FLOAT64 = _Prim("float64", 0.0, Reader.float64, Writer.float64)
BOOL = _Prim("bool", False, Reader.boolean, Writer.boolean)
UUID = _Prim("uuid", _uuid.UUID(int=0), Reader.uuid, Writer.uuid)


class _String(Type):
    name, default = "string", ""

    def read(self, r, flex, nullable):
        v = r.string(flex)
        if v is None and not nullable:
            raise DecodeError("null in a non-nullable string")
        return v

    def write(self, w, v, flex, nullable):
        if v is None and not nullable:
            v = ""
        w.string(v, flex)


class _Bytes(Type):
    """Opaque bytes; decoded as a memoryview into the request buffer (zero copy)."""

    name, default = "bytes", b""

    def read(self, r, flex, nullable):
        n = r.bytes_len(flex)
        if n == -1:
            if not nullable:
                raise DecodeError("null in non-nullable bytes")
            return None
        return r.raw(n)

    def write(self, w, v, flex, nullable):
        if v is None:
            w.length(-1 if nullable else 0, flex, True)
            return
        w.length(len(v), flex, True)
        if len(v):
            w.put(v)


STRING = _String()
BYTES = _Bytes()
RECORDS = _Bytes()
RECORDS.name = "records"


class Array(Type):
    def __init__(self, item: Type | Struct):
        self.item = item
        self.name = f"[]{item.name}"
        self.default = []

    def read(self, r, flex, nullable):
        n = r.array_len(flex)
        if n == -1:
            if not nullable:
                raise DecodeError(f"null in non-nullable array {self.name}")
            return None
        rd = self.item.read
        return [rd(r, flex, False) for _ in range(n)]

    def write(self, w, v, flex, nullable):
        if v is None:
            w.length(-1 if nullable else 0, flex, True)
            return
        w.length(len(v), flex, True)
        wr = self.item.write
        for item in v:
            wr(w, item, flex, False)


@dataclass
class Field:
    name: str
    type: Type | Struct
    versions: tuple[int, int] = (0, INF)
    nullable_from: int | None = None  # first version where null is allowed
    tag: int | None = None  # tagged field (flexible versions only)
    default: Any = None

    def present(self, v: int) -> bool:
        return self.versions[0] <= v <= self.versions[1]

    def default_value(self) -> Any:
        d = self.default if self.default is not None else self.type.default
        return list(d) if isinstance(d, list) else d


def F(
    name: str,
    typ: Type | Struct,
    lo: int = 0,
    hi: int = INF,
    *,
    null: int | None = None,
    tag: int | None = None,
    default: Any = None,
) -> Field:
    """Shorthand used by the API modules: F("acks", INT16), F("transactional_id", STRING, 3, null=3)."""
    return Field(name, typ, (lo, hi), null, tag, default)


class Struct(Type):
    """An ordered set of fields; also a type (for arrays of structs and nested structs)."""

    def __init__(self, *fields: Field, name: str = "struct"):
        self.fields = fields
        self.name = name
        self.default = None
        self._by_version: dict[tuple[int, bool], tuple[list[Field], dict[int, Field]]] = {}
        self._version = 0  # set by Message before reading/writing nested structs

    def _layout(self, v: int, flex: bool) -> tuple[list[Field], dict[int, Field]]:
        key = (v, flex)
        lay = self._by_version.get(key)
        if lay is None:
            plain = [f for f in self.fields if f.present(v) and f.tag is None]
            tagged = {f.tag: f for f in self.fields if f.present(v) and f.tag is not None and flex}
            lay = self._by_version[key] = (plain, tagged)
        return lay

    # Structs nested in a message share the message's version: Message.decode/encode set
    # `_ctx.version` (thread-local, below) before coding.
    def read(self, r: Reader, flex: bool, nullable: bool = False) -> dict:
        v = _ctx.version
        plain, tagged = self._layout(v, flex)
        out: dict[str, Any] = {}
        for f in self.fields:
            if not f.present(v) or (f.tag is not None):
                out[f.name] = f.default_value()
        for f in plain:
            out[f.name] = f.type.read(r, flex, f.nullable_from is not None and v >= f.nullable_from)
        if flex:
            for _ in range(r.uvarint()):
                tag = r.uvarint()
                size = r.uvarint()
                tf = tagged.get(tag)
                if tf is None:
                    r.raw(size)  # unknown tags are skipped, as Kafka does
                    continue
                sub = Reader(r.buf, r.pos, r.pos + size)
                if sub.end > r.end:
                    raise DecodeError("tagged field runs past the end")
                out[tf.name] = tf.type.read(sub, flex, tf.nullable_from is not None and v >= tf.nullable_from)
                r.pos += size
        return out

    def write(self, w: Writer, value: dict | None, flex: bool, nullable: bool = False) -> None:
        v = _ctx.version
        plain, tagged = self._layout(v, flex)
        value = value or {}
        for f in plain:
            nullable = f.nullable_from is not None and v >= f.nullable_from
            val = value.get(f.name)
            if val is None and f.name not in value and (f.default is not None or not nullable):
                val = f.default_value()  # a missing nullable field without a default is null
            f.type.write(w, val, flex, nullable)
        if flex:
            present = [
                (t, f)
                for t, f in sorted(tagged.items())
                if value.get(f.name) is not None and value.get(f.name) != f.default_value()
            ]
            w.uvarint(len(present))
            for t, f in present:
                sub = Writer()
                f.type.write(sub, value[f.name], flex, f.nullable_from is not None and v >= f.nullable_from)
                w.uvarint(t)
                w.uvarint(sub.size)
                for c in sub.chunks:
                    w.put(c)


class _Ctx(threading.local):
    version = 0


# The version being coded. Nested structs read it instead of threading it through every call;
# thread-local so netlab's probes may code messages from several threads at once.
_ctx = _Ctx()


@dataclass
class Message:
    """One request or response schema: a top-level struct plus its flexible-version boundary."""

    body: Struct
    first_flexible: int = INF
    _unused: list = _dc_field(default_factory=list)

    def flexible(self, version: int) -> bool:
        return version >= self.first_flexible

    def decode(self, r: Reader, version: int) -> dict:
        _ctx.version = version
        return self.body.read(r, self.flexible(version))

    def encode(self, w: Writer, value: dict, version: int) -> None:
        _ctx.version = version
        self.body.write(w, value, self.flexible(version))

    def to_bytes(self, value: dict, version: int) -> bytes:
        w = Writer()
        self.encode(w, value, version)
        return w.getvalue()

    def from_bytes(self, data: bytes, version: int) -> dict:
        return self.decode(Reader(data), version)
