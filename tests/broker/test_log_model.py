"""Property test: a PartitionLog under random appends, rolls, truncations and restarts (clean
and unclean) always serves exactly what a simple list model says it holds."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from kafka.record.memory_records import MemoryRecords

from broker.log import LogConfig, PartitionLog
from broker.log.builder import build_batch

TID = uuid.uuid4()

ops = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(1, 6), st.integers(0, 120)),  # ≤ 900 bytes a batch
        st.tuples(st.just("truncate"), st.floats(0, 1)),
        st.tuples(st.just("reopen"), st.booleans()),
        st.tuples(st.just("roll")),
        st.tuples(st.just("tear"), st.integers(1, 10_000)),
    ),
    min_size=1,
    max_size=25,
)


def check(log: PartitionLog, model: list[bytes]) -> None:
    assert log.log_end_offset == len(model)
    off = log.log_start_offset
    for _ in range(len(model) + 1):  # bounded walk over the whole log
        if off >= len(model):
            break
        data = bytes(log.read(off, 700))
        recs = MemoryRecords(data)
        got = []
        while recs.has_next():
            b = recs.next_batch()
            assert b.validate_crc()
            got += [(r.offset, bytes(r.value)) for r in b]
        assert got and got[0][0] <= off <= got[-1][0]
        for o, v in got:
            assert v == model[o]
        off = got[-1][0] + 1
    assert off >= len(model)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=ops, segment_bytes=st.integers(900, 3000), interval=st.integers(0, 1500))
# a torn batch that is also the last offset-index entry, found after a "clean" shutdown
@example(
    ops=[("append", 3, 100), ("append", 2, 50), ("append", 2, 50), ("tear", 4)],
    segment_bytes=3000,
    interval=0,
)
@example(ops=[("append", 1, 0), ("append", 1, 0), ("tear", 10)], segment_bytes=900, interval=0)  # header torn
@example(
    ops=[("append", 3, 100), ("roll",), ("append", 2, 50), ("tear", 3), ("append", 1, 0), ("reopen", True)],
    segment_bytes=900,
    interval=0,
)
def test_log_matches_model(ops, segment_bytes, interval):
    d = Path(tempfile.mkdtemp(prefix="netlab-test-log-"))
    cfg = LogConfig(segment_bytes=segment_bytes, index_interval_bytes=interval)
    try:
        log = PartitionLog(d / "t-0", "t", 0, TID, cfg)
        model: list[bytes] = []
        batches: list[int] = []  # base offset of each stored batch
        for op in ops:
            if op[0] == "append":
                n, size = op[1], op[2]
                values = [b"%d:" % (len(model) + i) + b"v" * size for i in range(n)]
                log.append(
                    build_batch([(None, v, 1_700_000_000_000 + len(model) + i) for i, v in enumerate(values)])
                )
                batches.append(len(model))
                model += values
            elif op[0] == "truncate":
                target = int(len(model) * op[1])
                log.truncate_to(target)
                model = model[: log.log_end_offset]  # a straddling batch goes entirely
                batches = [b for b in batches if b < len(model)]
                assert log.log_end_offset <= target or target >= len(model)
            elif op[0] == "tear":
                # a torn write: the last batch loses some of its bytes, then an unclean restart
                seg = log.active_segment
                if seg.size == 0:
                    continue
                path, size, last_base = seg.log_path, seg.size, batches[-1]
                last_size = size - seg.translate_offset(last_base)
                log.close()
                with open(path, "r+b") as f:
                    f.truncate(size - 1 - op[1] % (last_size - 1))
                # even k: as if the marker survived (only the tail is scanned); odd: unclean
                log = PartitionLog(
                    d / "t-0", "t", 0, TID, cfg, clean_shutdown=op[1] % 2 == 0, recovery_point=0
                )
                assert any("truncat" in n for n in log.recovery_notes), log.recovery_notes
                model, batches = model[:last_base], batches[:-1]
            elif op[0] == "roll":
                log.roll()
            else:
                log.close()
                log = PartitionLog(d / "t-0", "t", 0, TID, cfg, clean_shutdown=op[1], recovery_point=0)
                assert log.recovery_notes == [], log.recovery_notes
            check(log, model)
        log.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)
