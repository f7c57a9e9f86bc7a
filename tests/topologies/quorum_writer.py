"""Run inside a lab node (ip netns exec): an idempotent acks=all producer of numbered records, or
a consumer that reads them back. Used by test_quorum_live.py; every run is bounded in time.

    python quorum_writer.py produce BOOTSTRAP TOPIC STOPFILE OUTFILE  # until STOPFILE exists (≤ 180 s)
    python quorum_writer.py consume BOOTSTRAP TOPIC COUNT OUTFILE     # until COUNT read (≤ 30 s)

While producing, OUTFILE.progress holds the number acknowledged so far. OUTFILE gets JSON:
produce → {"produced", "unflushed", "acked": [[offset, value], ...], "failed": [...],
"acked_at": [[seconds since start, acked so far], ...]}; consume → {"values": [...]}."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: run as a script in a node

from numbered import NumberedWriter, read_numbered  # noqa: E402

MAX_PRODUCE_S = 180
MAX_CONSUME_S = 30


def produce(bootstrap: str, topic: str, stopfile: str, outfile: str) -> None:
    w = NumberedWriter(bootstrap, topic)
    progress: list[list[float]] = []
    start = time.monotonic()
    while not os.path.exists(stopfile) and time.monotonic() - start < MAX_PRODUCE_S:
        w.write_one(0.005)
        if w.produced % 50 == 0:
            progress.append([round(time.monotonic() - start, 2), len(w.acked)])
            with open(outfile + ".tmp", "w") as fh:  # the test watches the acks grow
                fh.write(str(len(w.acked)))
            os.replace(outfile + ".tmp", outfile + ".progress")
    left = w.flush(60)
    with open(outfile, "w") as fh:
        json.dump(
            {
                "produced": w.produced,
                "unflushed": left,
                "acked": w.acked,
                "failed": w.failed,
                "acked_at": progress,
            },
            fh,
        )


def consume(bootstrap: str, topic: str, count: int, outfile: str) -> None:
    got = read_numbered(bootstrap, topic, count, timeout=MAX_CONSUME_S, group="quorum-live")
    with open(outfile, "w") as fh:
        json.dump({"values": got}, fh)


if __name__ == "__main__":
    verb, bootstrap, topic, arg, out = sys.argv[1:6]
    if verb == "produce":
        produce(bootstrap, topic, arg, out)
    else:
        consume(bootstrap, topic, int(arg), out)
