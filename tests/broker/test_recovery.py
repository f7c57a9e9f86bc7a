"""Recovery on restart: rebuilt indexes, torn and corrupt tails, and SIGKILL durability."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kafka.record.memory_records import MemoryRecords

from broker.log import LogConfig, LogManager
from broker.log.builder import build_batch

T0 = 1_700_000_000_000
TID = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")


def batch(i: int, n: int = 3) -> bytes:
    return build_batch([(None, b"batch-%03d-record-%d" % (i, j) + b"." * 150, T0 + i) for j in range(n)])


def fill(d: Path, batches: int, **cfg) -> list[bytes]:
    m = LogManager([d], LogConfig(**cfg), node_id=1)
    log = m.create("t", 0, TID)
    for i in range(batches):
        log.append(batch(i))
    stored = [bytes(log.read(3 * i, 1)) for i in range(batches)]
    m.close()
    return stored


def reopen(d: Path, **cfg):
    m = LogManager([d], LogConfig(**cfg), node_id=1)
    return m, m.get("t", 0)


def read_all(log) -> bytes:
    """Every stored batch, segment after segment (one read never crosses a segment)."""
    out, off = [], log.log_start_offset
    for _ in range(10_000):
        if off >= log.log_end_offset:
            return b"".join(out)
        data = bytes(log.read(off, 1 << 30))
        out.append(data)
        off = client_values(data)[-1][0] + 1
    raise AssertionError("read_all did not finish")


def client_values(data) -> list[tuple[int, bytes]]:
    out = []
    recs = MemoryRecords(bytes(data))
    while recs.has_next():
        b = recs.next_batch()
        assert b.validate_crc()
        out += [(r.offset, bytes(r.value)) for r in b]
    return out


def crash(d: Path) -> None:
    """What an unclean shutdown leaves: no clean-shutdown marker."""
    (d / ".kafka_cleanshutdown").unlink()


def test_missing_indexes_are_rebuilt_identically(tmp_path):
    fill(tmp_path, 60, index_interval_bytes=1000)
    seg = tmp_path / "t-0" / "00000000000000000000"
    before = (Path(f"{seg}.index").read_bytes(), Path(f"{seg}.timeindex").read_bytes())
    assert before[0] and before[1]
    Path(f"{seg}.index").unlink()
    Path(f"{seg}.timeindex").write_bytes(b"\x00" * 7)  # not a multiple of 12: inconsistent
    m, log = reopen(tmp_path, index_interval_bytes=1000)
    assert any("rebuilding the indexes" in n for n in log.recovery_notes)
    m.close()
    assert (Path(f"{seg}.index").read_bytes(), Path(f"{seg}.timeindex").read_bytes()) == before


def test_index_pointing_past_the_log_is_rebuilt(tmp_path):
    fill(tmp_path, 30, index_interval_bytes=500)
    idx = tmp_path / "t-0" / "00000000000000000000.index"
    idx.write_bytes(idx.read_bytes() + (200).to_bytes(4, "big") + (10**7).to_bytes(4, "big"))
    m, log = reopen(tmp_path, index_interval_bytes=500)
    assert log.log_end_offset == 90
    assert [o for o, _ in client_values(log.read(0, 1 << 20))] == list(range(90))
    m.close()


@pytest.mark.parametrize("clean, interval", [(True, 4096), (False, 4096), (True, 0), (False, 0)])
def test_torn_last_batch_is_truncated(tmp_path, clean, interval):
    """interval 0 indexes every batch, so the torn batch is also the last index entry."""
    stored = fill(tmp_path, 20, index_interval_bytes=interval)
    logf = tmp_path / "t-0" / "00000000000000000000.log"
    with open(logf, "r+b") as f:
        f.truncate(logf.stat().st_size - 40)  # the last batch loses its tail, as a torn write would
    if not clean:
        crash(tmp_path)
    m, log = reopen(tmp_path, index_interval_bytes=interval)
    assert log.log_end_offset == 57
    assert bytes(log.read(0, 1 << 20)) == b"".join(stored[:19])
    assert log.recovery_notes and "truncat" in log.recovery_notes[0]
    assert log.append(batch(99)).base_offset == 57
    assert [o for o, _ in client_values(log.read(50, 1 << 20))] == list(range(48, 60))
    m.close()
    m, log = reopen(tmp_path, index_interval_bytes=interval)  # and the rebuilt state persists
    assert log.log_end_offset == 60 and log.recovery_notes == []
    m.close()


def test_flipped_byte_in_last_batch_is_truncated(tmp_path):
    stored = fill(tmp_path, 20)
    logf = tmp_path / "t-0" / "00000000000000000000.log"
    data = bytearray(logf.read_bytes())
    data[-5] ^= 0x40
    logf.write_bytes(data)
    crash(tmp_path)
    m, log = reopen(tmp_path)
    assert log.log_end_offset == 57
    assert bytes(log.read(0, 1 << 20)) == b"".join(stored[:19])
    assert "fails its CRC" in log.recovery_notes[0]
    m.close()


def test_corrupt_middle_batch_truncates_from_there_and_drops_later_segments(tmp_path):
    """Kafka's rule: the log is cut at the first invalid batch and every later segment is
    deleted, because offsets after a hole cannot be trusted. Data after it is lost."""
    one = len(batch(0))
    stored = fill(tmp_path, 30, segment_bytes=10 * one)
    d = tmp_path / "t-0"
    assert sorted(p.name for p in d.glob("*.log")) == [f"{b:020d}.log" for b in (0, 30, 60)]
    seg = d / "00000000000000000030.log"
    data = bytearray(seg.read_bytes())
    data[4 * one + 100] ^= 0x01  # a byte inside batch 14 (offsets 42..44)
    seg.write_bytes(data)
    crash(tmp_path)
    (tmp_path / "recovery-point-offset-checkpoint").write_text("0\n1\nt 0 0\n")
    m, log = reopen(tmp_path, segment_bytes=10 * one)
    assert log.log_end_offset == 42
    assert [s.base_offset for s in log.segments] == [0, 30]
    assert not (d / "00000000000000000060.log").exists()
    notes = "\n".join(log.recovery_notes)
    assert (
        "Found invalid messages in 00000000000000000030.log" in notes and "truncating to offset 42" in notes
    )
    assert "deleting segment 00000000000000000060.log" in notes
    assert bytes(log.read(0, 1 << 20)) == b"".join(stored[:10])
    assert bytes(log.read(30, 1 << 20)) == b"".join(stored[10:14])
    m.close()


def test_unclean_recovery_starts_at_the_recovery_point(tmp_path):
    """Segments below the recovery point were fsynced: Kafka does not rescan them."""
    one = len(batch(0))
    fill(tmp_path, 30, segment_bytes=10 * one)
    crash(tmp_path)
    (tmp_path / "recovery-point-offset-checkpoint").write_text("0\n1\nt 0 60\n")
    (tmp_path / "t-0" / "00000000000000000030.index").unlink()  # rebuilt anyway (missing)
    m, log = reopen(tmp_path, segment_bytes=10 * one)
    assert log.recovery_point == 60 and log.log_end_offset == 90
    assert len(log.recovery_notes) == 1 and "00000000000000000030.index missing" in log.recovery_notes[0]
    m.close()


WRITER = r"""
import sys, uuid
from pathlib import Path
from broker.log import LogConfig, LogManager
from broker.log.builder import build_batch
d, start = Path(sys.argv[1]), int(sys.argv[2])
m = LogManager([d], LogConfig(segment_bytes=256 * 1024), node_id=1)
log = m.get("t", 0) or m.create("t", 0, uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"))
i = start
while True:
    n = 1 + i % 7
    info = log.append(build_batch([(None, b"w%d-%d-" % (i, j) + b"x" * (i % 3000), 0) for j in range(n)]))
    print(i, info.base_offset, info.last_offset, flush=True)
    i += 1
"""


def test_sigkill_during_appends_loses_no_acknowledged_batch(tmp_path):
    """A real writer process is killed with SIGKILL mid-append, three times. Every append that
    returned (and was printed) must be there after the unclean restart, CRC-valid, nothing else
    corrupt is served, and appends continue after the last surviving offset."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    acked: dict[int, tuple[int, int]] = {}
    start = 0
    for round_ in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), str(start)],
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        try:
            for _ in range(400 + 150 * round_):  # bounded: each line is one acknowledged append
                line = proc.stdout.readline()
                assert line, f"writer exited early with {proc.poll()}"
                i, base, last = map(int, line.split())
                acked[i] = (base, last)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
        assert not (tmp_path / ".kafka_cleanshutdown").exists()
        m = LogManager([tmp_path], LogConfig(segment_bytes=256 * 1024), node_id=1)
        assert m.recovered_unclean == [tmp_path]
        log = m.get("t", 0)
        values = dict(client_values(read_all(log)))  # CRC of every stored batch checked
        assert sorted(values) == list(range(log.log_end_offset))
        for i, (base, last) in acked.items():
            for j, off in enumerate(range(base, last + 1)):
                assert values[off].startswith(b"w%d-%d-" % (i, j)), (i, off)
        start = max(acked) + 1  # offsets, not these numbers, tie acks to stored records
        # the writer may have appended a batch after its last printed line; never fewer
        assert log.log_end_offset >= acked[max(acked)][1] + 1
        m.close()
