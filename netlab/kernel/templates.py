"""Byte templates of pyroute2-encoded requests, for the hot path of big labs.

pyroute2 encodes a nested veth request in ~0.6 ms of Python (an address or route in ~0.2 ms);
a 200-node lab sends a thousand of them. The message *layout* depends only on a few shape
parameters (name lengths, which attributes are present), so each shape is encoded once by
pyroute2 with unique sentinel values, the sentinels' offsets are found, and later requests
are that byte string with the real values written at those offsets. The result is
byte-for-byte what pyroute2 would have produced (tests/unit/test_templates.py checks it).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable, Hashable

NLA_HDR = struct.Struct("=HH")
U32 = struct.Struct("=I")
I32 = struct.Struct("=i")

# Sentinels: values no real request carries, so each occurs exactly once in a template.
INT_SENTINELS = (0x7A5A5A01, 0x7A5A5A02, 0x7A5A5A03, 0x7A5A5A04)
IP4_SENTINELS = ("10.254.253.1", "10.254.253.2", "10.254.253.3")
NAME_CHARS = ("Q", "Z")


class TemplateError(RuntimeError):
    pass


class Template:
    """A pyroute2-encoded message with named patch points: ("name", off, len), ("u32", off),
    ("i32", off), ("ip4", off)."""

    def __init__(self, data: bytes, points: dict[str, tuple[str, int, int]]):
        self.data = data
        self.points = points

    def render(self, values: dict) -> bytearray:
        buf = bytearray(self.data)
        for key, (kind, offset, size) in self.points.items():
            value = values[key]
            if kind == "name":
                raw = value.encode()
                if len(raw) != size:
                    raise TemplateError(f"{key}: length {len(raw)} != template {size}")
                buf[offset : offset + size] = raw
            elif kind == "u32":
                U32.pack_into(buf, offset, value)
            elif kind == "i32":
                I32.pack_into(buf, offset, value)
            elif kind == "ip4":
                buf[offset : offset + 4] = socket.inet_aton(value)
        return buf


def _find_once(data: bytes, needle: bytes, what: str) -> int:
    first = data.find(needle)
    if first < 0 or data.find(needle, first + 1) >= 0:
        raise TemplateError(f"sentinel for {what} not found exactly once")
    return first


def build(encode: Callable[[dict], bytes], sentinels: dict[str, tuple[str, object]]) -> Template:
    """encode(values) → bytes via pyroute2; sentinels: key → (kind, sentinel value)."""
    data = encode({k: v for k, (_kind, v) in sentinels.items()})
    points: dict[str, tuple[str, int, int]] = {}
    for key, (kind, value) in sentinels.items():
        if kind == "name":
            raw = str(value).encode()
            # the whole IFLA_IFNAME attribute (header + name + NUL) makes the match unique
            offset = _find_once(data, NLA_HDR.pack(4 + len(raw) + 1, 3) + raw + b"\0", key) + 4
            points[key] = ("name", offset, len(raw))
        elif kind in ("u32", "i32"):
            points[key] = (kind, _find_once(data, U32.pack(value), key), 4)
        elif kind == "ip4":
            points[key] = ("ip4", _find_once(data, socket.inet_aton(str(value)), key), 4)
    return Template(data, points)


class TemplateCache:
    def __init__(self) -> None:
        self._cache: dict[Hashable, Template | None] = {}

    def get(self, shape: Hashable, make: Callable[[], Template]) -> Template | None:
        """The template for `shape`, or None if this shape cannot be templated (fall back)."""
        if shape not in self._cache:
            try:
                self._cache[shape] = make()
            except TemplateError:
                self._cache[shape] = None
        return self._cache[shape]
