"""Synthetic Kafka conversations as pcaps: requests/responses encoded by kafka-python's
``kafka.protocol`` (an independent encoder), carried in real TCP segments built with scapy.

Legitimate test data for the dissector next to pcaps of real client↔broker traffic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.utils import wrpcap


@dataclass
class Conversation:
    client: tuple[str, int]
    server: tuple[str, int]
    packets: list = field(default_factory=list)
    cseq: int = 1000
    sseq: int = 5000
    ts: float = 1_700_000_000.0
    mss: int = 1400

    def _pkt(self, from_client: bool, flags: str, payload: bytes = b""):
        (s, sp), (d, dp) = (self.client, self.server) if from_client else (self.server, self.client)
        seq, ack = (self.cseq, self.sseq) if from_client else (self.sseq, self.cseq)
        p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=s, dst=d) / TCP(
            sport=sp, dport=dp, flags=flags, seq=seq, ack=ack if "A" in flags else 0) / payload
        self.ts += 0.0001
        p.time = self.ts
        self.packets.append(p)
        return p

    def handshake(self) -> "Conversation":
        self._pkt(True, "S")
        self.cseq += 1
        self._pkt(False, "SA")
        self.sseq += 1
        self._pkt(True, "A")
        return self

    def refused(self) -> "Conversation":
        self._pkt(True, "S")
        self.cseq += 1
        self._pkt(False, "RA")
        return self

    def send(self, from_client: bool, data: bytes) -> "Conversation":
        for i in range(0, len(data), self.mss):
            chunk = data[i : i + self.mss]
            self._pkt(from_client, "PA", chunk)
            if from_client:
                self.cseq += len(chunk)
            else:
                self.sseq += len(chunk)
        return self

    def exchange(self, request, response, corr: int, client_id: str = "synth"):
        request.with_header(correlation_id=corr, client_id=client_id)
        self.send(True, bytes(request.encode(header=True, framed=True)))
        if response is not None:
            response.with_header(correlation_id=corr)
            self.send(False, bytes(response.encode(header=True, framed=True)))
        return self


def write(path, *conversations: Conversation) -> None:
    pkts = sorted((p for c in conversations for p in c.packets), key=lambda p: p.time)
    wrpcap(str(path), pkts)
