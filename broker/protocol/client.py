"""A blocking Kafka client connection: one socket, one request at a time, the broker's own codec.

The one synchronous client in the repository, shared by `python -m broker.consumer_groups`
(broker/group/client.py), netlab's probe (netlab/kafka/wire.py) and the broker tests (which
also send raw frames through it). It knows frames, headers and declared messages, nothing of
the broker, so netlab may import it. Every read is bounded: frames by MAX_FRAME, waits by the
socket timeout; every failure is a WireError saying what happened.
"""

from __future__ import annotations

import socket
import struct

from .header import read_response_header, write_request_header
from .schema import Message
from .types import DecodeError, Reader, Writer

MAX_FRAME = 64 << 20
_SIZE = struct.Struct(">i")


class WireError(Exception):
    """The peer did not speak Kafka as expected: refused, closed the connection, sent garbage,
    timed out."""


def open_connection(host: str, port: int, timeout: float) -> socket.socket:
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise WireError(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from None


class KafkaClient:
    """One TCP connection to a broker; requests are sent one at a time."""

    def __init__(self, sock: socket.socket, timeout: float, client_id: str = "netlab"):
        self.sock = sock
        self.sock.settimeout(timeout)
        self.client_id = client_id
        self.corr = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def next_correlation_id(self) -> int:
        self.corr += 1
        return self.corr

    # --- declared messages ---
    def call(
        self,
        key: int,
        version: int,
        request: Message,
        response: Message,
        body: dict,
        *,
        response_header_flexible: bool | None = None,
    ) -> dict:
        """Send one request and decode its response. The response header is flexible with the
        response's flexible versions, except ApiVersions' (always v0, KIP-511)."""
        if response_header_flexible is None:
            response_header_flexible = key != 18 and response.flexible(version)
        r = self.roundtrip(key, version, request, body, response_header_flexible)
        return self.decode(response, r, version)

    @staticmethod
    def decode(response: Message, r: Reader, version: int) -> dict:
        try:
            return response.decode(r, version)
        except DecodeError as exc:
            raise WireError(f"undecodable response ({len(r.buf)} bytes): {exc}") from None

    def roundtrip(
        self, key: int, version: int, request: Message, body: dict, response_header_flexible: bool
    ) -> Reader:
        """Send one request; return a reader positioned at the response body."""
        corr = self.next_correlation_id()
        w = Writer()
        w.put(b"\0\0\0\0")  # size, patched below
        write_request_header(w, key, version, corr, self.client_id, request.flexible(version))
        request.encode(w, body, version)
        data = bytearray(w.getvalue())
        _SIZE.pack_into(data, 0, len(data) - 4)
        self.send_raw(bytes(data))
        frame = self.recv_frame()
        r = Reader(frame)
        try:
            got = read_response_header(r, response_header_flexible)
        except DecodeError as exc:
            raise WireError(f"undecodable response header ({len(frame)} bytes): {exc}") from None
        if got != corr:
            raise WireError(f"response correlation id {got} does not match request {corr}")
        return r

    # --- raw frames ---
    def send_raw(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except TimeoutError:
            raise WireError("timed out sending the request") from None
        except OSError as exc:
            raise WireError(f"send failed: {exc.strerror or exc}") from None

    def recv_frame(self) -> bytes:
        """One size-prefixed frame, without its size."""
        size = _SIZE.unpack(self._exact(4))[0]
        if not 4 <= size <= MAX_FRAME:
            raise WireError(f"not a Kafka response: frame size {size}")
        return self._exact(size)

    def closed_by_peer(self) -> bool:
        """True if the peer closed the connection (EOF or reset within the socket timeout)."""
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def _exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except TimeoutError:
                raise WireError(f"no response within {self.sock.gettimeout():g}s") from None
            except OSError as exc:
                raise WireError(f"receive failed: {exc.strerror or exc}") from None
            if not chunk:
                raise WireError(
                    "connection closed by the peer" + (f" after {len(buf)} of {n} bytes" if buf else "")
                )
            buf += chunk
        return bytes(buf)
