"""A tiny blocking Kafka client for edge-case tests, built on kafka-python's protocol classes (an
implementation independent of ours) and kafka-python's RecordBatch builder."""

from __future__ import annotations

import socket
import struct
import sys

from kafka.record import MemoryRecords
from kafka.record.default_records import DefaultRecordBatchBuilder


def batch(
    values: list[bytes],
    *,
    timestamp: int = 1_700_000_000_000,
    producer_id: int = -1,
    epoch: int = -1,
    base_sequence: int = -1,
    key: bytes | None = None,
) -> bytes:
    b = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=0,
        is_transactional=False,
        producer_id=producer_id,
        producer_epoch=epoch,
        base_sequence=base_sequence,
        batch_size=1 << 24,
    )
    for i, v in enumerate(values):
        b.append(i, timestamp=timestamp + i, key=key, value=v, headers=[])
    return bytes(b.build())


def record_values(data: bytes) -> list[tuple[int, bytes]]:
    out = []
    recs = MemoryRecords(bytes(data))
    while recs.has_next():
        b = recs.next_batch()
        if b is None:
            break
        for r in b:
            out.append((r.offset, r.value))
    return out


class RawClient:
    def __init__(self, host: str, port: int, timeout: float = 10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.corr = 0

    def close(self) -> None:
        self.sock.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv_frame(self) -> bytes:
        size = struct.unpack(">i", self._exact(4))[0]
        return self._exact(size)

    def _exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError(f"connection closed after {len(buf)} of {n} bytes")
            buf += chunk
        return bytes(buf)

    def closed_by_peer(self) -> bool:
        """True if the broker closed the connection (reads EOF within the socket timeout)."""
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def request(self, req, version: int, *, expect_response: bool = True):
        self.corr += 1
        req.with_header(correlation_id=self.corr, client_id="rawclient")
        self.sock.sendall(req.encode(version=version, header=True, framed=True))
        if not expect_response:
            return None
        frame = self.recv_frame()
        return response_class(req).decode(frame, version=version, header=True)


def response_class(req):
    module = sys.modules[type(req).__module__]
    return getattr(module, type(req).__name__.replace("Request", "Response"))
