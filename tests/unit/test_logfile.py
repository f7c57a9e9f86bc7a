"""`netlab logs` reads a log in bounded pieces (netlab/lab/logfile.py): the last lines of a log
of any size without reading more than the cap, and what is appended while following, chunk by
chunk, with UTF-8 characters split between chunks kept whole."""

from __future__ import annotations

import threading
import time

from netlab.lab import logfile
from netlab.lab.logfile import follow, read_tail


def _log(tmp_path, n: int):
    path = tmp_path / "broker.log"
    path.write_text("".join(f"line {i}\n" for i in range(n)))
    return path


def test_a_short_log_is_shown_whole(tmp_path):
    path = _log(tmp_path, 5)
    t = read_tail(path)
    assert t.lines == [f"line {i}" for i in range(5)] and t.skipped == 0 and t.end == path.stat().st_size


def test_a_missing_log_is_empty(tmp_path):
    t = read_tail(tmp_path / "none.log")
    assert (t.lines, t.end, t.skipped) == ([], 0, 0)


def test_tail_reads_only_the_end(tmp_path, monkeypatch):
    path = _log(tmp_path, 200_000)  # ~2.3 MB
    reads = []
    real_open = open

    class Counting:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def seek(self, *a):
            return self.fh.seek(*a)

        def read(self, n=-1):
            data = self.fh.read(n)
            reads.append(len(data))
            return data

    monkeypatch.setattr(logfile, "open", lambda p, m: Counting(real_open(p, m)), raising=False)
    t = read_tail(path, 3)
    assert t.lines == ["line 199997", "line 199998", "line 199999"]
    assert sum(reads) <= logfile.CHUNK_BYTES  # one chunk from the end, not the whole file
    assert t.skipped == path.stat().st_size - len("".join(f"{x}\n" for x in t.lines))


def test_a_log_over_the_cap_shows_its_last_part_and_says_what_it_left_out(tmp_path):
    path = _log(tmp_path, 100_000)
    size = path.stat().st_size
    t = read_tail(path, max_bytes=100_000)
    assert t.lines[-1] == "line 99999"
    assert t.lines[0].startswith("line ") and t.lines[0] != "line 0"
    shown = sum(len(x) + 1 for x in t.lines)
    assert shown <= 100_000 and t.skipped + shown == size  # no partial first line, nothing lost at the end


def test_follow_writes_what_is_appended_with_split_characters_whole(tmp_path):
    path = tmp_path / "f.log"
    path.write_bytes(b"before\n")
    start = path.stat().st_size
    got: list[str] = []
    worker = threading.Thread(
        target=follow, args=(path, start, got.append), kwargs={"poll": 0.01, "chunk": 5}, daemon=True
    )
    worker.start()
    text = "Kafka ü ß € " * 50  # multi-byte characters across 5-byte chunks
    with open(path, "ab") as fh:
        data = text.encode()
        for i in range(0, len(data), 7):
            fh.write(data[i : i + 7])
            fh.flush()
    deadline = time.monotonic() + 10
    while "".join(got) != text and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "".join(got) == text
    path.unlink()  # the lab went down: following ends
    worker.join(5)
    assert not worker.is_alive()


def test_follow_starts_again_at_the_top_of_a_truncated_log(tmp_path):
    path = tmp_path / "t.log"
    path.write_text("a long first run of the log\n")
    offset = path.stat().st_size
    path.write_text("new\n")  # truncated and rewritten: shorter than where we were
    got: list[str] = []
    rounds = iter(range(50))
    follow(path, offset, got.append, poll=0.01, keep_going=lambda: next(rounds, None) is not None and not got)
    assert "".join(got) == "new\n"
