"""`python -m broker.dump_log --files <seg>.log[,<seg>.index[,<seg>.timeindex]] [--print-data-log]`

Prints segments, offset indexes and time indexes in the shape of Kafka's `kafka-dump-log.sh`
(DumpLogSegments), so its output can be compared line by line with a real broker's files:

    Dumping /data/t-0/00000000000000000000.log
    Starting offset: 0
    baseOffset: 0 lastOffset: 0 count: 1 baseSequence: -1 lastSequence: -1 producerId: -1 ...
    | offset: 0 CreateTime: 1672041637310 keySize: -1 valueSize: 5 sequence: -1 headerKeys: [] payload: world

By default the output is that of Kafka up to 3.1 (the shape of the project's seed example);
`--kafka-version 3.9` prints what Kafka 3.3 and later print (`Log starting offset:`, and
`deleteHorizonMs: OptionalLong.empty` in batch lines).
Exit status: 0 dumped, 1 a file could not be read, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path
from typing import TextIO

from broker.log.batch import BatchHeader, CorruptRecordError, batch_crc, check_batch
from broker.log.index import OffsetIndex, TimeIndex
from broker.log.records import UnsupportedCompression, iter_records
from broker.raft.metadata_dump import metadata_payload
from broker.txn.partition_state import read_txn_index


def _bool(b: bool) -> str:
    return "true" if b else "false"


def _text(b: bytes) -> str:
    return b.decode("utf-8", "replace")  # Kafka's default StringDecoder


def iter_file_batches(path: Path) -> tuple[list[tuple[int, BatchHeader, bytes]], int, int]:
    """All batches of a segment file, without CRC checks (isvalid is printed instead).
    Returns ([(position, header, bytes)...], valid bytes, file size)."""
    data = path.read_bytes()
    out = []
    pos = 0
    while pos < len(data):
        try:
            h = check_batch(data, pos, len(data), verify_crc=False)
        except CorruptRecordError:
            break
        out.append((pos, h, data[pos : pos + h.size]))
        pos += h.size
    return out, pos, len(data)


def parse_kafka_version(text: str) -> tuple[int, int]:
    try:
        major, minor = (int(p) for p in text.split(".")[:2])
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Kafka version like 3.1 or 3.9") from None
    return major, minor


def dump_log(
    path: Path,
    *,
    deep: bool,
    print_data: bool,
    out: TextIO,
    kafka_version: tuple[int, int] = (3, 1),
    metadata: bool = False,
) -> None:
    start = int(path.name.split(".")[0])
    # the header line changed in Kafka 3.3; the batch line gained deleteHorizonMs in 3.2
    label = "Log starting offset" if kafka_version >= (3, 3) else "Starting offset"
    horizon = kafka_version >= (3, 2)
    print(f"{label}: {start}", file=out)
    batches, valid, size = iter_file_batches(path)
    for pos, h, raw in batches:
        is_valid = batch_crc(raw, 0, h.size) == h.crc
        print(
            f"baseOffset: {h.base_offset} lastOffset: {h.last_offset} count: {h.records_count} "
            f"baseSequence: {h.base_sequence} lastSequence: {h.last_sequence} producerId: {h.producer_id} "
            f"producerEpoch: {h.producer_epoch} partitionLeaderEpoch: {h.partition_leader_epoch} "
            f"isTransactional: {_bool(h.is_transactional)} isControl: {_bool(h.is_control)} "
            + (
                f"deleteHorizonMs: {_optional_long(h.base_timestamp if h.has_delete_horizon else None)} "
                if horizon
                else ""
            )
            + f"position: {pos} "
            f"{h.timestamp_type}: {h.max_timestamp} size: {h.size} magic: {h.magic} "
            f"compresscodec: {h.compression_name} crc: {h.crc} isvalid: {_bool(is_valid)}",
            file=out,
        )
        if deep:
            _dump_records(raw, h, print_data, out, metadata)
    if valid < size:
        print(f"Found {size - valid} invalid bytes at the end of {path.name}", file=out)


def _optional_long(value: int | None) -> str:
    return "OptionalLong.empty" if value is None else f"OptionalLong[{value}]"  # Java's toString


def _dump_records(raw: bytes, h: BatchHeader, print_data: bool, out: TextIO, metadata: bool = False) -> None:
    try:
        for rec in iter_records(raw, h):
            line = (
                f"| offset: {rec.offset} {h.timestamp_type}: {rec.timestamp} "
                f"keySize: {-1 if rec.key is None else len(rec.key)} "
                f"valueSize: {-1 if rec.value is None else len(rec.value)} "
                f"sequence: {rec.sequence} headerKeys: [{','.join(k for k, _ in rec.headers)}]"
            )
            if (
                metadata
            ):  # KRaft's __cluster_metadata: decoded records (Kafka's ClusterMetadataLogMessageParser)
                print(line + " " + metadata_payload(rec, h.is_control), file=out)
                continue
            if h.is_control and rec.key is not None and len(rec.key) >= 4:
                ctype = int.from_bytes(rec.key[2:4], "big", signed=True)
                name = {0: "ABORT", 1: "COMMIT"}.get(ctype)
                if name and rec.value is not None and len(rec.value) >= 6:
                    epoch = int.from_bytes(rec.value[2:6], "big", signed=True)
                    line += f" endTxnMarker: {name} coordinatorEpoch: {epoch}"
                else:
                    line += f" controlType: {name or 'UNKNOWN'}({ctype})"
            if print_data and not h.is_control:
                if rec.key is not None:
                    line += f" key: {_text(rec.key)}"
                if rec.value is not None:
                    line += f" payload: {_text(rec.value)}"
            print(line, file=out)
    except UnsupportedCompression as e:
        print(f"| records not decompressed: {e}", file=out)
    except (CorruptRecordError, OSError, ValueError, EOFError) as e:  # zlib.error is an Exception too
        print(f"| records cannot be decoded: {e}", file=out)
    except Exception as e:  # decompressor errors (zlib.error, lz4/zstd errors)
        print(f"| records cannot be decoded: {type(e).__name__}: {e}", file=out)


def _log_path_for(index_path: Path) -> Path:
    return index_path.with_name(index_path.name.split(".")[0] + ".log")


def _batch_at(log_fd: int, pos: int) -> BatchHeader | None:
    raw = os.pread(log_fd, 61, pos)
    if len(raw) < 61 or raw[16] != 2:
        return None
    return BatchHeader.parse(raw)


def _read_entries(path: Path, entry: struct.Struct) -> list[tuple[int, int]]:
    """Whole entries of an index file (a trailing partial entry is ignored); never creates it."""
    data = path.read_bytes()
    return list(entry.iter_unpack(data[: len(data) - len(data) % entry.size]))


def dump_index(path: Path, *, verify_only: bool, out: TextIO, err: TextIO) -> None:
    base = int(path.name.split(".")[0])
    entries = _read_entries(path, OffsetIndex.entry)
    if not entries:
        print(f"{path} is empty.", file=out)
        return
    mismatches = []
    log_fd = _open_log(path)
    try:
        for i, (rel, pos) in enumerate(entries):
            offset = base + rel
            if rel == 0 and i > 0:
                break  # preallocated zeros after a crash: Kafka's tool stops there too
            if log_fd is not None:
                h = _batch_at(log_fd, pos)
                found = h.last_offset if h else -1
                if found != offset:
                    mismatches.append((offset, found))
            if not verify_only:
                print(f"offset: {offset} position: {pos}", file=out)
    finally:
        if log_fd is not None:
            os.close(log_fd)
    if mismatches:
        print(f"Mismatches in :{path.resolve()}", file=err)
        for idx, log_off in mismatches:
            print(f"  Index offset: {idx}, log offset: {log_off}", file=err)


def dump_time_index(path: Path, *, verify_only: bool, out: TextIO, err: TextIO) -> None:
    base = int(path.name.split(".")[0])
    entries = _read_entries(path, TimeIndex.entry)
    log_path = _log_path_for(path)
    batches = iter_file_batches(log_path)[0] if log_path.exists() else []
    mismatch, out_of_order, not_found = [], [], []
    prev_ts = -1
    for i, (ts, rel) in enumerate(entries):
        offset = base + rel
        if rel == 0 and i > 0:
            break
        if batches:
            hit = next(((h, raw) for _, h, raw in batches if h.last_offset >= offset), None)
            if hit is None:
                not_found.append((offset, -1))
            elif hit[0].last_offset != offset:
                not_found.append((offset, hit[0].last_offset))
            else:
                h, raw = hit
                try:
                    max_ts = max((r.timestamp for r in iter_records(raw, h)), default=-1)
                except Exception:  # codec missing or records unreadable: trust the header
                    max_ts = h.max_timestamp
                if max_ts != ts:
                    mismatch.append((ts, max_ts))
                if prev_ts >= ts:
                    out_of_order.append((ts, prev_ts))
        if not verify_only:
            print(f"timestamp: {ts} offset: {offset}", file=out)
        prev_ts = ts
    where = path.resolve()
    if mismatch:
        print(f"Found timestamp mismatch in :{where}", file=err)
        for a, b in mismatch:
            print(f"  Index timestamp: {a}, log timestamp: {b}", file=err)
    if out_of_order:
        print(f"Found out of order timestamp in :{where}", file=err)
        for a, b in out_of_order:
            print(f"  Index timestamp: {a}, Previously indexed timestamp: {b}", file=err)
    if not_found:
        print("The following indexed offsets are not found in the log.", file=err)
        for a, b in not_found:
            print(f"Indexed offset: {a}, found log offset: {b}", file=err)


def _open_log(index_path: Path) -> int | None:
    try:
        return os.open(_log_path_for(index_path), os.O_RDONLY)
    except FileNotFoundError:
        return None


def main(argv: list[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m broker.dump_log",
        description="Parse a log segment or index file and dump its contents, like kafka-dump-log.sh.",
    )
    parser.add_argument(
        "--files", required=True, help="comma-separated .log/.index/.timeindex/.txnindex files to dump"
    )
    parser.add_argument("--print-data-log", action="store_true", help="print each record's key and payload")
    parser.add_argument("--deep-iteration", action="store_true", help="print every record, not only batches")
    parser.add_argument(
        "--cluster-metadata-decoder",
        action="store_true",
        help="decode the records of KRaft's __cluster_metadata log (metadata records, LeaderChange)",
    )
    parser.add_argument(
        "--verify-index-only",
        action="store_true",
        help="check index entries against the log, print only mismatches",
    )
    parser.add_argument(
        "--kafka-version",
        type=parse_kafka_version,
        default=(3, 1),
        metavar="X.Y",
        help="print like this Kafka release's tool: up to 3.1 'Starting offset:' (the default), 3.2 adds "
        "deleteHorizonMs to batch lines, 3.3 and later print 'Log starting offset:'",
    )
    args = parser.parse_args(argv)
    status = 0
    for name in [f for f in args.files.split(",") if f]:
        path = Path(name)
        print(f"Dumping {name}", file=out)
        try:
            if path.name.endswith(".log"):
                dump_log(
                    path,
                    deep=args.print_data_log or args.deep_iteration or args.cluster_metadata_decoder,
                    print_data=args.print_data_log,
                    out=out,
                    kafka_version=args.kafka_version,
                    metadata=args.cluster_metadata_decoder,
                )
            elif path.name.endswith(".timeindex"):
                dump_time_index(path, verify_only=args.verify_index_only, out=out, err=err)
            elif path.name.endswith(".index"):
                dump_index(path, verify_only=args.verify_index_only, out=out, err=err)
            elif path.name.endswith(".txnindex"):  # Kafka's DumpLogSegments.dumpTxnIndex lines
                for a in read_txn_index(path):
                    print(
                        f"version: 0 producerId: {a.producer_id} firstOffset: {a.first_offset} "
                        f"lastOffset: {a.last_offset} lastStableOffset: {a.last_stable_offset}",
                        file=out,
                    )
            else:
                print(f"Ignoring unknown file {name}", file=err)
        except FileNotFoundError:
            print(f"{name}: no such file", file=err)
            status = 1
        except ValueError:
            print(
                f"{name}: not a segment file (expected <20-digit base offset>.log/.index/.timeindex)",
                file=err,
            )
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
