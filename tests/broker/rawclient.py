"""A blocking Kafka client for edge-case tests: requests built with kafka-python's protocol classes
(an implementation independent of ours) and kafka-python's RecordBatch builder."""

from __future__ import annotations

import sys

from kafka.record import MemoryRecords
from kafka.record.default_records import DefaultRecordBatchBuilder

from broker.protocol.client import KafkaClient, open_connection


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


class RawClient(KafkaClient):
    """The shared blocking client (broker/protocol/client.py) for transport and raw frames;
    requests and responses encoded by kafka-python, so our codec is not checked against itself."""

    def __init__(self, host: str, port: int, timeout: float = 10):
        super().__init__(open_connection(host, port, timeout), timeout, "rawclient")

    def request(self, req, version: int, *, expect_response: bool = True):
        corr = self.next_correlation_id()
        req.with_header(correlation_id=corr, client_id=self.client_id)
        self.send_raw(req.encode(version=version, header=True, framed=True))
        if not expect_response:
            return None
        frame = self.recv_frame()
        return response_class(req).decode(frame, version=version, header=True)


def response_class(req):
    module = sys.modules[type(req).__module__]
    return getattr(module, type(req).__name__.replace("Request", "Response"))
