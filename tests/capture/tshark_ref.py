"""tshark's Kafka dissector as the reference: the same facts, read from `tshark -T json`."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field

import pytest


@dataclass
class Pdu:
    frame: int
    kind: str
    api_key: int
    api_version: int | None
    correlation_id: int
    brokers: list[tuple[int, str, int]] | None = None
    members: int | None = None
    unsupported: bool = False
    malformed: bool = False
    raw: dict = field(default_factory=dict, repr=False)


def tshark_pdus(pcap, ports: set[int]) -> list[Pdu]:
    if shutil.which("tshark") is None:
        pytest.fail("tshark is not installed: it is the reference for these tests (apt-get install tshark)")
    argv = ["tshark", "-r", str(pcap), "-T", "json", "--no-duplicate-keys", "-J", "kafka"]
    for p in sorted(ports):
        argv += ["-d", f"tcp.port=={p},kafka"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True).stdout
    pdus = []
    for frame in json.loads(out or "[]"):
        layers = frame["_source"]["layers"]
        number = int(layers.get("frame", {}).get("frame.number", 0)) if "frame" in layers else 0
        kafka = layers.get("kafka")
        if kafka is None:
            continue
        for k in kafka if isinstance(kafka, list) else [kafka]:
            if "kafka.api_key" not in k or "kafka.correlation_id" not in k:
                continue
            kind = "request" if "kafka.request_key" in k else "response"
            version = k.get("kafka.api_version") if kind == "request" else k.get("kafka.response.version")
            text = json.dumps(k)
            pdu = Pdu(
                number,
                kind,
                int(k["kafka.api_key"]),
                int(version) if version is not None else None,
                int(k["kafka.correlation_id"]),
                unsupported="kafka.unsupported_api_version" in text,
                malformed="_ws.malformed" in text or "pdu_length_mismatch" in text,
                raw=k,
            )
            if pdu.api_key == 3 and kind == "response" and "Broker Metadata" in k:
                pdu.brokers = _brokers(k["Broker Metadata"])
            if pdu.api_key == 11 and kind == "response":
                pdu.members = _count(k.get("Members"))
            pdus.append(pdu)
    return pdus


def _entries(tree) -> list[dict]:
    """Children of a tshark subtree, whether merged into a list or not."""
    if not tree or not isinstance(tree, dict):
        return []
    out = []
    for value in tree.values():
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, dict):
                out.append(v)
    return out


def _brokers(tree) -> list[tuple[int, str, int]]:
    return [
        (int(b["kafka.node_id"]), b["kafka.host"], int(b["kafka.port"]))
        for b in _entries(tree)
        if "kafka.node_id" in b
    ]


def _count(tree) -> int:
    return len([m for m in _entries(tree) if "kafka.member_id" in m])
