"""A minimal blocking Kafka client connection for the probe, on the broker's own codec.

The broker's schemas (broker/apis/*) are symmetric, so here they encode requests and decode
responses. Only what the probe needs: ApiVersions (with the KIP-511 downgrade) and Metadata.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from broker.apis import api_versions as _av
from broker.apis import metadata as _md
from broker.protocol.schema import Message
from broker.protocol.types import DecodeError, Reader, Writer

API_VERSIONS_KEY, METADATA_KEY = _av.KEY, _md.KEY
UNSUPPORTED_VERSION = 35
METADATA_VERSIONS = (1, 9)  # v1 brings controller_id; v9 is the first flexible version
MAX_FRAME = 64 << 20
CLIENT_ID = "netlab-probe"


class WireError(Exception):
    """The peer did not speak Kafka as expected: closed the connection, sent garbage, timed out."""


@dataclass
class ApiVersionsAnswer:
    version: int  # the ApiVersions version that was answered
    ranges: dict[int, tuple[int, int]]  # api key -> (min, max)


class KafkaWire:
    """One TCP connection to a broker; requests are sent one at a time."""

    def __init__(self, sock: socket.socket, timeout: float):
        self.sock = sock
        self.sock.settimeout(timeout)
        self._corr = 0

    def close(self) -> None:
        self.sock.close()

    def request(
        self, key: int, version: int, req: Message, resp: Message, body: dict, flexible_response_header: bool
    ) -> dict:
        r = self._roundtrip(key, version, req, body, flexible_response_header)
        return self._decode(resp, r, version)

    @staticmethod
    def _decode(resp: Message, r: Reader, version: int) -> dict:
        try:
            return resp.decode(r, version)
        except DecodeError as exc:
            raise WireError(f"undecodable response ({len(r.buf)} bytes): {exc}") from None

    def _roundtrip(
        self, key: int, version: int, req: Message, body: dict, flexible_response_header: bool
    ) -> Reader:
        """Send one request; return a reader positioned at the response body."""
        self._corr += 1
        w = Writer()
        w.put(b"\0\0\0\0")
        w.int16(key)
        w.int16(version)
        w.int32(self._corr)
        w.string(CLIENT_ID, False)  # client id stays a classic string even in header v2
        if req.flexible(version):
            w.uvarint(0)  # header v2: no tagged fields
        req.encode(w, body, version)
        data = bytearray(w.getvalue())
        struct.pack_into(">i", data, 0, len(data) - 4)
        self._send(bytes(data))
        frame = self._recv_frame()
        r = Reader(frame)
        try:
            corr = r.int32()
            if corr != self._corr:
                raise WireError(f"response correlation id {corr} does not match request {self._corr}")
            if flexible_response_header:
                for _ in range(r.uvarint()):
                    r.uvarint()
                    r.raw(r.uvarint())
        except DecodeError as exc:
            raise WireError(f"undecodable response header ({len(frame)} bytes): {exc}") from None
        return r

    def _send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except TimeoutError:
            raise WireError("timed out sending the request") from None
        except OSError as exc:
            raise WireError(f"send failed: {exc.strerror or exc}") from None

    def _recv_frame(self) -> memoryview:
        size = struct.unpack(">i", self._exact(4))[0]
        if not 4 <= size <= MAX_FRAME:
            raise WireError(f"not a Kafka response: frame size {size}")
        return memoryview(self._exact(size))

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
                raise WireError("connection closed by the peer" + (f" after {len(buf)} bytes" if buf else ""))
            buf += chunk
        return bytes(buf)

    # --- the two APIs the probe uses ---
    def api_versions(self, first_version: int = 3) -> ApiVersionsAnswer:
        """Ask v3 (as librdkafka does); on UNSUPPORTED_VERSION retry with the highest version the
        broker lists for ApiVersions itself (KIP-511: that error body is always v0)."""
        version = first_version
        for _ in range(3):  # bounded: v3, then at most two downgrades
            body = {"client_software_name": "netlab-probe", "client_software_version": "1"}
            r = self._roundtrip(API_VERSIONS_KEY, version, _av.REQUEST, body, False)
            if r.remaining() < 2:
                raise WireError("ApiVersions answer without an error code")
            code = struct.unpack_from(">h", r.buf, r.pos)[0]
            # KIP-511: an UNSUPPORTED_VERSION answer is a v0 body whatever version was asked
            ans = self._decode(_av.RESPONSE, r, 0 if code == UNSUPPORTED_VERSION else version)
            code = ans["error_code"]
            ranges = {k["api_key"]: (k["min_version"], k["max_version"]) for k in ans["api_keys"] or []}
            if code == 0:
                return ApiVersionsAnswer(version, ranges)
            if code != UNSUPPORTED_VERSION or API_VERSIONS_KEY not in ranges:
                raise WireError(f"ApiVersions v{version} answered error code {code}")
            lo, hi = ranges[API_VERSIONS_KEY]
            if not lo <= min(hi, version - 1):
                raise WireError(f"broker supports ApiVersions v{lo}-{hi}, none below v{version}")
            version = min(hi, version - 1)
        raise WireError("ApiVersions version negotiation did not converge")

    def metadata(
        self, ranges: dict[int, tuple[int, int]], max_version: int = METADATA_VERSIONS[1]
    ) -> tuple[int, dict]:
        """Metadata for no topics (brokers and controller only), at the highest version in v1-v9
        that the broker offers."""
        if METADATA_KEY not in ranges:
            raise WireError("broker does not offer Metadata in its ApiVersions answer")
        lo, hi = ranges[METADATA_KEY]
        version = min(hi, max_version, METADATA_VERSIONS[1])
        if version < max(lo, METADATA_VERSIONS[0]):
            raise WireError(f"broker offers Metadata v{lo}-{hi}; the probe needs one of v1-v9")
        body = {"topics": [], "allow_auto_topic_creation": False}
        return version, self.request(
            METADATA_KEY, version, _md.REQUEST, _md.RESPONSE, body, _md.RESPONSE.flexible(version)
        )
