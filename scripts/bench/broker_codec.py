#!/usr/bin/env python3
"""Codec speed: our declarative codec against kafka-python 3's protocol classes, side by side.

    scripts/bench/broker_codec.py [--json]

Decodes a Produce v8 request carrying 1 MB of record batches and encodes a Fetch v11 response
carrying 1 MB, plus a small Metadata v9 round trip. Prints microseconds per operation and the
ratio (kafka-python / ours). Both codecs do the same work on the same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kafka.protocol.consumer import FetchResponse  # noqa: E402
from kafka.protocol.metadata import MetadataRequest  # noqa: E402
from kafka.protocol.producer import ProduceRequest  # noqa: E402

from broker.protocol.header import read_request_header  # noqa: E402
from broker.protocol.types import Reader, Writer  # noqa: E402
from broker.registry import discover  # noqa: E402

REG = discover()


def per_op(fn, n: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e6


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    records = b"\x00" * (1 << 20)
    pd = ProduceRequest.TopicProduceData.PartitionProduceData(index=0, records=records, version=8)
    req = ProduceRequest(
        transactional_id=None,
        acks=1,
        timeout_ms=1000,
        topic_data=[ProduceRequest.TopicProduceData(name="t", partition_data=[pd], version=8)],
        version=8,
    )
    req.with_header(correlation_id=1)
    produce_bytes = bytes(req.encode(header=True))

    def ours_produce():
        r = Reader(produce_bytes)
        read_request_header(r, False)
        REG.get(0).request.decode(r, 8)

    def theirs_produce():
        ProduceRequest.decode(produce_bytes, version=8, header=True)

    fetch_body = {
        "responses": [
            {"topic": "t", "partitions": [{"partition_index": 0, "high_watermark": 5, "records": records}]}
        ]
    }

    def ours_fetch():  # chunks, as the server sends them (sendmsg): the batches are not copied
        REG.get(1).response.encode(Writer(), fetch_body, 11)

    fp = FetchResponse.FetchableTopicResponse.PartitionData(
        partition_index=0, error_code=0, high_watermark=5, records=records, version=11
    )
    fr = FetchResponse(
        throttle_time_ms=0,
        error_code=0,
        session_id=0,
        responses=[FetchResponse.FetchableTopicResponse(topic="t", partitions=[fp], version=11)],
        version=11,
    )

    def theirs_fetch():
        fr.encode(version=11)

    m = MetadataRequest(
        topics=[MetadataRequest.MetadataRequestTopic(name=f"topic-{i}", version=9) for i in range(10)],
        version=9,
    )
    m.with_header(correlation_id=1)
    md_bytes = bytes(m.encode(header=True))

    def ours_md():
        r = Reader(md_bytes)
        read_request_header(r, True)
        REG.get(3).request.decode(r, 9)

    def theirs_md():
        MetadataRequest.decode(md_bytes, version=9, header=True)

    res = {}
    for name, ours, theirs, n in [
        ("produce_v8_decode_1MB", ours_produce, theirs_produce, 300),
        ("fetch_v11_encode_1MB", ours_fetch, theirs_fetch, 300),
        ("metadata_v9_decode_10_topics", ours_md, theirs_md, 3000),
    ]:
        o, t = per_op(ours, n), per_op(theirs, n)
        res[name] = {"ours_us": round(o, 1), "kafka_python_us": round(t, 1), "ratio": round(t / o, 1)}
        print(f"{name:32s} ours {o:9.1f} us   kafka-python {t:9.1f} us   x{t / o:.1f}")
    if args.json:
        print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
