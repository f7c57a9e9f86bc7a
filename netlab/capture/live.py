"""Live capture pipeline: the capture loop only queues raw packets; a second thread writes,
summarises or decodes them, so slow dissection never makes the socket drop packets.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from netlab.capture.capture import Capture, CaptureStats
from netlab.capture.decode import decode_body, event_json, message_json
from netlab.capture.pcapio import PcapWriter
from netlab.capture.story import Story
from netlab.capture.stream import ConnEvent, StreamDecoder


@dataclass
class LiveOptions:
    write: str | None = None  # pcap path
    kafka: bool = False  # print the Kafka story (or JSON lines with as_json); else one line per packet
    as_json: bool = False
    ports: frozenset[int] = frozenset({9092})
    detect: bool = True


def packet_summary(linktype: int, ts_ns: int, data: bytes) -> str:
    from scapy.config import conf

    cls: Any = conf.l2types.get(linktype)
    try:
        text = cls(data).summary() if cls else f"{len(data)} bytes (link type {linktype})"
    except Exception as exc:  # noqa: BLE001 - a summary line must never stop a capture
        text = f"{len(data)} bytes, undissectable: {exc}"
    sec, ns = divmod(ts_ns, 1_000_000_000)
    import time

    return f"{time.strftime('%H:%M:%S', time.localtime(sec))}.{ns // 1000:06d} {text}"


MAX_BACKLOG = 200_000  # packets waiting for the printing/decoding thread


def run_live(
    cap: Capture,
    opts: LiveOptions,
    out: Callable[[str], None],
    story: Story,
    count: int | None = None,
    duration: float | None = None,
    note: Callable[[str], None] | None = None,
) -> CaptureStats:
    """Capture with ``cap`` until a limit or Ctrl-C; write, print and/or tell the story.

    The pcap is written from the capture loop itself (buffered), so it is complete whatever the
    rest does. Printing and decoding run in a second thread behind a bounded backlog: if packets
    arrive faster than they can be decoded for long, later ones are left out of the story (never
    out of the pcap) and ``note`` says how many.
    """
    writer = PcapWriter(opts.write, cap.linktype) if opts.write else None
    if writer is not None and not opts.kafka:
        with writer:  # only writing: no second thread at all
            return cap.run(writer.write, count=count, duration=duration)
    queue: deque = deque()
    more = threading.Event()
    done = threading.Event()
    skipped = 0
    decoder = StreamDecoder(opts.ports, detect=opts.detect) if opts.kafka else None

    def emit(events) -> None:
        for ev in events:
            if isinstance(ev, ConnEvent):
                if opts.as_json:
                    out(_dumps(event_json(ev)))
                else:
                    for line in story.lines(ev):
                        out(line)
                continue
            ev = decode_body(ev)
            if opts.as_json:
                out(_dumps(message_json(ev)))
            else:
                for line in story.lines(ev):
                    out(line)

    def consume() -> None:
        while True:
            while queue:
                ts, data, wirelen = queue.popleft()
                if decoder is not None:
                    emit(decoder.feed(ts, cap.linktype, data, wirelen))
                elif opts.as_json:
                    out(
                        _dumps(
                            {
                                "ts": round(ts / 1e9, 6),
                                "len": wirelen,
                                "summary": packet_summary(cap.linktype, ts, data).split(" ", 1)[1],
                            }
                        )
                    )
                else:
                    out(packet_summary(cap.linktype, ts, data))
            if done.is_set() and not queue:
                break
            more.wait(0.1)
            more.clear()

    worker = threading.Thread(target=consume, name="capture-consumer", daemon=True)
    worker.start()

    def sink(ts: int, data: bytes, wirelen: int) -> None:
        nonlocal skipped
        if writer is not None:
            writer.write(ts, data, wirelen)
        if len(queue) >= MAX_BACKLOG:
            skipped += 1
            return
        queue.append((ts, data, wirelen))
        if len(queue) == 1:
            more.set()

    try:
        stats = cap.run(sink, count=count, duration=duration)
    finally:
        done.set()
        more.set()
        worker.join()
        if decoder is not None:
            emit(decoder.finish())
            if not opts.as_json:
                for line in story.finish():
                    out(line)
        if writer is not None:
            writer.close()
    if skipped and note is not None:
        kept = " (the pcap has them all)" if writer is not None else ""
        note(
            f"{skipped} packets arrived faster than they could be decoded and are missing from the "
            f"output{kept}"
        )
    return stats


def _dumps(obj) -> str:
    import json

    return json.dumps(obj, separators=(",", ":"))
