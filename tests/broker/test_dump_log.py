"""`python -m broker.dump_log` prints what kafka-dump-log.sh prints."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kafka.record.default_records import DefaultRecordBatchBuilder

from broker.log import LogConfig, LogManager
from broker.log.batch import batch_crc

ROOT = Path(__file__).resolve().parents[2]
TS = 1672041637310  # the example in shared/seeds: "world" at this time is 73 bytes, crc 456919687


def kp_batch(values, ts=TS, key=None, codec=0, headers=()):
    b = DefaultRecordBatchBuilder(2, codec, False, -1, -1, -1, 1 << 20)
    for i, v in enumerate(values):
        b.append(i, ts, key, v, list(headers))
    return bytes(b.build())


def dump(*files: Path, data: bool = True, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "broker.dump_log", "--files", ",".join(map(str, files)), *extra]
    if data:
        args.append("--print-data-log")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture
def segment(tmp_path) -> Path:
    m = LogManager([tmp_path], LogConfig(index_interval_bytes=200), node_id=1)
    log = m.create("payments", 7, uuid.uuid4())
    log.append(kp_batch([b"world"]))
    log.append(kp_batch([b"a" * 60, b"b" * 60], ts=TS + 1, key=b"k", headers=[("trace", b"x")]))
    log.append(kp_batch([b"zipped" * 20], ts=TS + 2, codec=1))
    log.append(kp_batch([b"c" * 300], ts=TS + 3))
    log.append(kp_batch([b"d" * 300], ts=TS + 4))
    m.close()
    return tmp_path / "payments-7" / "00000000000000000000"


def test_log_dump_matches_kafka_output(segment):
    r = dump(Path(f"{segment}.log"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:4] == [
        f"Dumping {segment}.log",
        "Starting offset: 0",
        "baseOffset: 0 lastOffset: 0 count: 1 baseSequence: -1 lastSequence: -1 producerId: -1 "
        "producerEpoch: -1 partitionLeaderEpoch: 0 isTransactional: false isControl: false "
        "position: 0 CreateTime: 1672041637310 size: 73 magic: 2 compresscodec: none crc: 456919687 "
        "isvalid: true",
        "| offset: 0 CreateTime: 1672041637310 keySize: -1 valueSize: 5 sequence: -1 "
        "headerKeys: [] payload: world",
    ]
    assert lines[4].startswith("baseOffset: 1 lastOffset: 2 count: 2 ") and " position: 73 " in lines[4]
    assert lines[5] == (
        f"| offset: 1 CreateTime: {TS + 1} keySize: 1 valueSize: 60 sequence: -1 "
        "headerKeys: [trace] key: k payload: " + "a" * 60
    )
    assert "compresscodec: gzip" in lines[7] and lines[8].endswith("payload: " + "zipped" * 20)
    assert len([line for line in lines if line.startswith("baseOffset:")]) == 5
    assert r.stderr == ""
    without = dump(Path(f"{segment}.log"), data=False).stdout.splitlines()
    assert [line for line in without if line.startswith("|")] == []
    assert len(without) == 2 + 5


def test_newer_kafka_output_shape(segment):
    lines = dump(Path(f"{segment}.log"), extra=("--kafka-version", "3.9")).stdout.splitlines()
    assert lines[1] == "Log starting offset: 0"
    assert (
        " isControl: false deleteHorizonMs: OptionalLong.empty position: 0 "
        "CreateTime: 1672041637310 size: 73 " in lines[2]
    )
    assert (
        dump(Path(f"{segment}.log"), extra=("--kafka-version", "3.2")).stdout.splitlines()[1]
        == "Starting offset: 0"
    )
    bad = dump(Path(f"{segment}.log"), extra=("--kafka-version", "three"))
    assert bad.returncode == 2 and "is not a Kafka version like 3.1 or 3.9" in bad.stderr


def test_index_and_timeindex_dump(segment):
    r = dump(Path(f"{segment}.index"), Path(f"{segment}.timeindex"))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"Dumping {segment}.index"
    i = lines.index(f"Dumping {segment}.timeindex")
    index_lines, time_lines = lines[1:i], lines[i + 1 :]
    # batches sit at 0, 73, 288, 386, 756; Kafka indexes a batch once > 200 bytes precede it
    # unindexed, naming the batch's last offset and its position
    assert index_lines == ["offset: 3 position: 288", "offset: 5 position: 756"]
    assert time_lines == [f"timestamp: {TS + 2} offset: 3", f"timestamp: {TS + 4} offset: 5"]


def test_index_mismatch_is_reported_on_stderr(segment):
    idx = Path(f"{segment}.index")
    idx.write_bytes(idx.read_bytes()[:4] + (289).to_bytes(4, "big"))  # position off by one
    r = dump(idx)
    assert f"Mismatches in :{idx.resolve()}" in r.stderr
    # what sits one byte into the batch is read as its offset: -1 when it is no batch there, else
    # whatever those bytes say (they include the gzip batch's CRC, which changes with gzip's clock)
    found = re.search(r"Index offset: 3, log offset: (-?\d+)", r.stderr)
    assert found and found.group(1) != "3", r.stderr


def test_undecodable_codec_and_trailing_bytes_never_crash(tmp_path):
    raw = bytearray(kp_batch([b"pretend-lz4"]))
    raw[22] |= 3  # attributes: lz4 (the records are not really lz4: decoding must fail politely)
    raw[17:21] = batch_crc(raw, 0, len(raw)).to_bytes(4, "big")
    seg = tmp_path / "00000000000000000000.log"
    seg.write_bytes(bytes(raw) + b"\x00" * 30)
    r = dump(seg)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "compresscodec: lz4" in lines[2] and "isvalid: true" in lines[2]
    expected = (
        "records not decompressed" if importlib.util.find_spec("lz4") is None else "records cannot be decoded"
    )
    assert lines[3].startswith(f"| {expected}")
    assert lines[4] == "Found 30 invalid bytes at the end of 00000000000000000000.log"


def test_bad_crc_shows_isvalid_false(tmp_path):
    raw = bytearray(kp_batch([b"hello"]))
    raw[-1] ^= 1
    seg = tmp_path / "00000000000000000042.log"
    seg.write_bytes(bytes(raw))
    lines = dump(seg).stdout.splitlines()
    assert lines[1] == "Starting offset: 42" and lines[2].endswith("isvalid: false")


def test_bad_input_exit_codes(tmp_path):
    assert dump(tmp_path / "00000000000000000000.log").returncode == 1
    r = subprocess.run(
        [sys.executable, "-m", "broker.dump_log"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=60,
    )
    assert r.returncode == 2 and "--files" in r.stderr
