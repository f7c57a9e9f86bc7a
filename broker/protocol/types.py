"""Primitive wire types of the Kafka protocol: a reader over a memoryview and a chunked writer.

The writer collects chunks (bytes or memoryviews) instead of concatenating, so opaque record
batches pass from storage to the socket without being copied into an intermediate buffer.
"""

from __future__ import annotations

import struct
import uuid

_I8 = struct.Struct(">b")
_I16 = struct.Struct(">h")
_U16 = struct.Struct(">H")
_I32 = struct.Struct(">i")
_U32 = struct.Struct(">I")
_I64 = struct.Struct(">q")
_F64 = struct.Struct(">d")


class DecodeError(ValueError):
    """A request that does not parse: truncated, a bad length, an invalid value."""


class Reader:
    __slots__ = ("buf", "pos", "end")

    def __init__(self, buf: bytes | bytearray | memoryview, pos: int = 0, end: int | None = None):
        self.buf = memoryview(buf) if not isinstance(buf, memoryview) else buf
        self.pos = pos
        self.end = len(self.buf) if end is None else end

    def _need(self, n: int) -> int:
        p = self.pos
        if n < 0 or p + n > self.end:
            raise DecodeError(f"truncated: need {n} bytes at position {p}, have {self.end - p}")
        self.pos = p + n
        return p

    def remaining(self) -> int:
        return self.end - self.pos

    def int8(self) -> int:
        return _I8.unpack_from(self.buf, self._need(1))[0]

    def int16(self) -> int:
        return _I16.unpack_from(self.buf, self._need(2))[0]

    def uint16(self) -> int:
        return _U16.unpack_from(self.buf, self._need(2))[0]

    def int32(self) -> int:
        return _I32.unpack_from(self.buf, self._need(4))[0]

    def uint32(self) -> int:
        return _U32.unpack_from(self.buf, self._need(4))[0]

    def int64(self) -> int:
        return _I64.unpack_from(self.buf, self._need(8))[0]

    def float64(self) -> float:
        return _F64.unpack_from(self.buf, self._need(8))[0]

    def boolean(self) -> bool:
        return self.buf[self._need(1)] != 0

    def uuid(self) -> uuid.UUID:
        p = self._need(16)
        return uuid.UUID(bytes=bytes(self.buf[p : p + 16]))

    def uvarint(self) -> int:
        value = shift = 0
        for _ in range(10):  # at most 10 bytes for 64 bits: bounded against garbage
            b = self.buf[self._need(1)]
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7
        raise DecodeError("varint longer than 10 bytes")

    def raw(self, n: int) -> memoryview:
        p = self._need(n)
        return self.buf[p : p + n]

    # --- lengths: classic (int16/int32, -1 = null) or compact (uvarint N+1, 0 = null) ---
    def string_len(self, compact: bool) -> int:
        n = self.uvarint() - 1 if compact else self.int16()
        if n < -1:
            raise DecodeError(f"invalid string length {n}")
        return n

    def bytes_len(self, compact: bool) -> int:
        n = self.uvarint() - 1 if compact else self.int32()
        if n < -1:
            raise DecodeError(f"invalid bytes length {n}")
        return n

    def array_len(self, compact: bool) -> int:
        n = self.uvarint() - 1 if compact else self.int32()
        if n < -1:
            raise DecodeError(f"invalid array length {n}")
        if n > self.remaining():  # every element takes at least one byte
            raise DecodeError(f"array length {n} exceeds the {self.remaining()} bytes left")
        return n

    def string(self, compact: bool) -> str | None:
        n = self.string_len(compact)
        if n == -1:
            return None
        try:
            return str(self.raw(n), "utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"string is not UTF-8: {exc}") from None


def encode_uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


class Writer:
    """Collects chunks; `chunks` can go to `transport.writelines` as they are."""

    __slots__ = ("chunks", "size")

    def __init__(self) -> None:
        self.chunks: list[bytes | memoryview] = []
        self.size = 0

    def put(self, data: bytes | memoryview) -> None:
        self.chunks.append(data)
        self.size += len(data)

    def int8(self, v: int) -> None:
        self.put(_I8.pack(v))

    def int16(self, v: int) -> None:
        self.put(_I16.pack(v))

    def uint16(self, v: int) -> None:
        self.put(_U16.pack(v))

    def int32(self, v: int) -> None:
        self.put(_I32.pack(v))

    def uint32(self, v: int) -> None:
        self.put(_U32.pack(v))

    def int64(self, v: int) -> None:
        self.put(_I64.pack(v))

    def float64(self, v: float) -> None:
        self.put(_F64.pack(v))

    def boolean(self, v: bool) -> None:
        self.put(b"\x01" if v else b"\x00")

    def uuid(self, v: uuid.UUID | None) -> None:
        self.put(v.bytes if v is not None else bytes(16))

    def uvarint(self, v: int) -> None:
        self.put(encode_uvarint(v))

    def length(self, n: int, compact: bool, wide: bool) -> None:
        """A length prefix; n = -1 for null. `wide` = int32 (bytes/arrays) rather than int16."""
        if compact:
            self.uvarint(n + 1)
        elif wide:
            self.int32(n)
        else:
            self.int16(n)

    def string(self, v: str | None, compact: bool) -> None:
        if v is None:
            self.length(-1, compact, False)
            return
        data = v.encode()
        self.length(len(data), compact, False)
        self.put(data)

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)
