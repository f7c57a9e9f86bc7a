"""Reading and writing classic pcap files, fast (no per-packet objects beyond a tuple).

Writer: standard pcap (magic a1b23c4d, nanosecond timestamps), the format tcpdump writes with
``--time-stamp-precision=nano``; Wireshark, tshark and scapy open it. Reader: classic pcap in
either byte order and precision, natively; pcapng through scapy's raw reader (slower).
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from netlab.errors import InputError

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

MAGIC_US = 0xA1B2C3D4
MAGIC_NS = 0xA1B23C4D
PCAPNG_MAGIC = 0x0A0D0D0A

_REC = struct.Struct("<IIII")


class PcapWriter:
    """Append packets to a pcap file; flushes on close (and when its buffer fills)."""

    def __init__(self, sink: str | Path | BinaryIO, linktype: int, snaplen: int = 262144):
        self._own = not hasattr(sink, "write")
        self._f: BinaryIO = (
            open(sink, "wb", buffering=1 << 20)  # type: ignore[arg-type,assignment]
            if self._own
            else sink
        )
        self._f.write(struct.pack("<IHHiIII", MAGIC_NS, 2, 4, 0, 0, snaplen, linktype))
        self.count = 0

    def write(self, ts_ns: int, data: bytes, wirelen: int | None = None) -> None:
        n = len(data)
        self._f.write(
            _REC.pack(ts_ns // 1_000_000_000, ts_ns % 1_000_000_000, n, n if wirelen is None else wirelen)
            + data
        )
        self.count += 1

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        if self._own:
            self._f.close()
        else:
            self._f.flush()

    def __enter__(self) -> PcapWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_packets(path: str | Path) -> tuple[int, Iterator[tuple[int, bytes, int]]]:
    """(linktype, iterator of (timestamp ns, captured bytes, original length))."""
    path = Path(path)
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot open capture file: {exc.strerror}", where=str(path)) from exc
    head = f.read(24)
    if len(head) < 24:
        f.close()
        raise InputError("not a pcap file (shorter than a pcap header)", where=str(path))
    (magic,) = struct.unpack("<I", head[:4])
    if magic == PCAPNG_MAGIC:
        f.close()
        return _read_pcapng(path)
    for endian in ("<", ">"):
        (magic,) = struct.unpack(endian + "I", head[:4])
        if magic in (MAGIC_US, MAGIC_NS):
            break
    else:
        f.close()
        raise InputError("not a pcap or pcapng file (unknown magic number)", where=str(path))
    scale = 1 if magic == MAGIC_NS else 1000
    linktype = struct.unpack(endian + "I", head[20:24])[0] & 0x0FFFFFFF
    return linktype, _iter_pcap(f, endian, scale)


def _iter_pcap(f: BinaryIO, endian: str, scale: int) -> Iterator[tuple[int, bytes, int]]:
    rec = struct.Struct(endian + "IIII")
    unpack_from = rec.unpack_from
    chunk = b""
    pos = 0
    try:
        while True:
            if len(chunk) - pos < 16:
                more = f.read(1 << 20)
                chunk = chunk[pos:] + more
                pos = 0
                if len(chunk) < 16:
                    return
            sec, frac, incl, orig = unpack_from(chunk, pos)
            end = pos + 16 + incl
            if end > len(chunk):
                more = f.read(max(1 << 20, incl))
                chunk = chunk[pos:] + more
                pos = 0
                end = 16 + incl
                if end > len(chunk):
                    return  # file cut in the middle of a packet: stop like tcpdump does
            yield sec * 1_000_000_000 + frac * scale, chunk[pos + 16 : end], orig
            pos = end
    finally:
        f.close()


def _read_pcapng(path: Path) -> tuple[int, Iterator[tuple[int, bytes, int]]]:
    """pcapng through scapy's raw reader (the link type of the first packet's interface)."""
    from scapy.error import Scapy_Exception
    from scapy.utils import RawPcapNgReader

    try:
        reader = RawPcapNgReader(str(path))
    except Scapy_Exception as exc:
        raise InputError(f"not a readable pcapng file: {exc}", where=str(path)) from exc
    # RawPcapNgReader yields pcapng metadata (linktype, tshigh/tslow, tsresol); scapy's
    # annotations name the classic pcap tuple, hence Any.
    packets: Iterator[tuple[bytes, Any]] = iter(reader)
    try:
        first = next(packets)
    except StopIteration:
        reader.close()
        return LINKTYPE_ETHERNET, iter(())
    linktype = first[1].linktype

    def it() -> Iterator[tuple[int, bytes, int]]:
        try:
            for data, meta in itertools.chain([first], packets):
                ticks = meta.tshigh << 32 | meta.tslow
                yield ticks * 1_000_000_000 // meta.tsresol, data, meta.wirelen or len(data)
        finally:
            reader.close()

    return linktype, it()
