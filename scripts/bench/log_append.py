#!/usr/bin/env python3
"""Micro benchmark of the broker's storage: PartitionLog.append / read against a raw-file peer.

Appends `--mb` MB (default 1024) of 16 KB batches of 1 KB records, then reads everything back in
1 MiB fetches (what a consumer's Fetch asks for). The peer, run side by side on the same disk
and interleaved with it in 64 MiB rounds, does only the unavoidable part: os.write of the same
blobs to a plain file, then os.pread of it in 1 MiB pieces. The ratios say how much the log's own
work (offset rewrite, CRC-32C per batch, index upkeep, segment lookup) costs compared to moving the
bytes.

    scripts/bench/log_append.py [--mb N] [--batch-kb 16] [--record-bytes 1024] [--dir D] [--json]

With --json the last line is one JSON object. Files go to a temporary directory (or --dir) that
is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from broker.log import LogConfig, PartitionLog  # noqa: E402
from broker.log.builder import build_batch  # noqa: E402


def make_batches(batch_bytes: int, record_bytes: int, variants: int = 8) -> list[bytes]:
    per_batch = max(1, batch_bytes // (record_bytes + 10))
    now = int(time.time() * 1000)
    out = []
    for v in range(variants):
        payload = bytes((v + i) % 256 for i in range(record_bytes))
        out.append(build_batch([(None, payload, now) for _ in range(per_batch)]))
    return out


class LogSide:
    """The system under test: a PartitionLog, appended to and read like the broker does."""

    def __init__(self, d: Path) -> None:
        self.log = PartitionLog(d / "bench-0", "bench", 0, uuid.uuid4(), LogConfig())
        self.next_offset = 0
        self.untimed = 0.0  # seconds spent playing the client, not the log

    def write(self, blob: bytes) -> None:
        self.log.append(blob)

    def read(self, fetch_bytes: int) -> int:
        data = self.log.read(self.next_offset, fetch_bytes)
        self.untimed_from = time.perf_counter()
        # a consumer's next fetch offset: one past the last batch it received (client-side work,
        # excluded from the log's time below)
        last_pos = _last_batch_pos(data)
        base = int.from_bytes(data[last_pos : last_pos + 8], "big")
        lod = int.from_bytes(data[last_pos + 23 : last_pos + 27], "big")
        self.next_offset = base + lod + 1
        self.untimed += time.perf_counter() - self.untimed_from
        return len(data)

    def close(self) -> None:
        self.log.close()


class PeerSide:
    """The floor: the same bytes through os.write / os.pread on a plain file."""

    def __init__(self, d: Path) -> None:
        self.fd = os.open(d / "peer.bin", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        self.pos = 0

    def write(self, blob: bytes) -> None:
        os.write(self.fd, blob)

    def read(self, fetch_bytes: int) -> int:
        n = len(os.pread(self.fd, fetch_bytes, self.pos))
        self.pos += n
        return n

    def close(self) -> None:
        os.close(self.fd)


def _last_batch_pos(data) -> int:
    pos = last = 0
    n = len(data)
    while pos < n:
        last = pos
        pos += int.from_bytes(data[pos + 8 : pos + 12], "big") + 12
    return last


def run(d: Path, batches: list[bytes], count: int, fetch_bytes: int, chunk: int) -> dict[str, float]:
    """Alternate the two sides every `chunk` batches (writes) / bytes (reads), so background
    load on the machine (other jobs, page-cache writeback) hits both alike."""
    sides = {"log": LogSide(d), "peer": PeerSide(d)}
    t = {"log_w": 0.0, "peer_w": 0.0, "log_r": 0.0, "peer_r": 0.0}
    n = len(batches)
    done = 0
    while done < count:
        k = min(chunk, count - done)
        for name, side in sides.items():
            t0 = time.perf_counter()
            for i in range(done, done + k):
                side.write(batches[i % n])
            t[name + "_w"] += time.perf_counter() - t0
        done += k
    total = sides["log"].log.size_in_bytes
    got = {"log": 0, "peer": 0}
    read_chunk = chunk * len(batches[0])
    while got["log"] < total or got["peer"] < total:
        for name, side in sides.items():
            goal = min(total, got[name] + read_chunk)
            t0 = time.perf_counter()
            while got[name] < goal:
                got[name] += side.read(fetch_bytes)
            t[name + "_r"] += time.perf_counter() - t0
    t["log_r"] -= sides["log"].untimed
    for side in sides.values():
        side.close()
    t["bytes"] = total
    return t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=1024, help="megabytes to append (default 1024)")
    ap.add_argument("--batch-kb", type=int, default=16)
    ap.add_argument("--record-bytes", type=int, default=1024)
    ap.add_argument("--fetch-bytes", type=int, default=1 << 20)
    ap.add_argument("--dir", type=Path, default=None, help="where to write (default: a temp dir)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.mb <= 0 or args.batch_kb <= 0 or args.record_bytes <= 0:
        print("--mb, --batch-kb and --record-bytes must be positive", file=sys.stderr)
        return 2
    batches = make_batches(args.batch_kb * 1024, args.record_bytes)
    count = args.mb * (1 << 20) // len(batches[0])
    d = Path(tempfile.mkdtemp(prefix="netlab-bench-log-", dir=args.dir))
    try:
        t = run(d, batches, count, args.fetch_bytes, max(1, (64 << 20) // len(batches[0])))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    l_total = p_total = int(t["bytes"])
    l_a, l_r, p_w, p_r = t["log_w"], t["log_r"], t["peer_w"], t["peer_r"]
    mb = l_total / 1e6
    result = {
        "bytes": l_total,
        "batches": count,
        "batch_bytes": len(batches[0]),
        "append_MBps": round(mb / l_a, 1),
        "read_MBps": round(mb / l_r, 1),
        "peer_write_MBps": round(p_total / 1e6 / p_w, 1),
        "peer_read_MBps": round(p_total / 1e6 / p_r, 1),
        "append_ratio_to_peer": round((mb / l_a) / (p_total / 1e6 / p_w), 3),
        "read_ratio_to_peer": round((mb / l_r) / (p_total / 1e6 / p_r), 3),
        "append_us_per_batch": round(l_a / count * 1e6, 2),
    }
    print(f"appended {mb:.0f} MB in {count} batches of {len(batches[0])} bytes")
    print(
        f"  log append  {result['append_MBps']:>8} MB/s   "
        f"peer os.write {result['peer_write_MBps']:>8} MB/s   "
        f"ratio {result['append_ratio_to_peer']}"
    )
    print(
        f"  log read    {result['read_MBps']:>8} MB/s   "
        f"peer os.pread {result['peer_read_MBps']:>8} MB/s   "
        f"ratio {result['read_ratio_to_peer']}"
    )
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
