"""A small blocking Kafka client built on the broker's own codec and API schemas.

Used by `python -m broker.consumer_groups --bootstrap` and by tests that must send requests no real
client would send (stale generations, fenced members, unknown partitions)."""

from __future__ import annotations

import importlib
import socket
import struct

from ..protocol.api import Api
from ..protocol.types import Reader, Writer


class ClientError(Exception):
    pass


def api(name: str) -> Api:
    """The Api object of broker/apis/<name>.py (e.g. "join_group")."""
    return importlib.import_module(f"broker.apis.{name}").API


class GroupClient:
    def __init__(self, host: str, port: int, *, client_id: str = "netlab-groups", timeout: float = 10):
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise ClientError(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from None
        self.client_id = client_id
        self.corr = 0

    @classmethod
    def connect(cls, bootstrap: str, **kw) -> GroupClient:
        host, sep, port = bootstrap.rpartition(":")
        if not sep or not port.isdigit():
            raise ClientError(f"bootstrap must be host:port, not {bootstrap!r}")
        return cls(host.strip("[]"), int(port), **kw)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> GroupClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, name: str, version: int, body: dict) -> dict:
        a = api(name)
        if not a.supports(version):
            raise ClientError(
                f"{a.name} v{version} is outside the served range {a.min_version}-{a.max_version}"
            )
        self.corr += 1
        w = Writer()
        w.int16(a.key)
        w.int16(version)
        w.int32(self.corr)
        w.string(self.client_id, False)
        if a.request_flexible(version):
            w.uvarint(0)  # request header v2: no tagged fields
        a.request.encode(w, body, version)
        payload = w.getvalue()
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)
        frame = self._frame()
        r = Reader(frame)
        corr = r.int32()
        if corr != self.corr:
            raise ClientError(f"correlation id {corr} does not match request {self.corr}")
        if a.response_header_flexible(version):
            for _ in range(r.uvarint()):
                r.uvarint()
                r.raw(r.uvarint())
        return a.response.decode(r, version)

    def _frame(self) -> bytes:
        size = struct.unpack(">i", self._exact(4))[0]
        return self._exact(size)

    def _exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ClientError(f"connection closed by the broker after {len(buf)} of {n} bytes")
            buf += chunk
        return bytes(buf)
