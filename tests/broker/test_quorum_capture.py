"""A capture of a KRaft election between real voters, read by tshark with Kafka's dissector on
the controller ports (`-d tcp.port==PORT,kafka`): the Vote (52) and BeginQuorumEpoch (53)
exchanges, the followers' Fetch (1) of __cluster_metadata-0 and DescribeQuorum (55) show as
Kafka requests with their API key, version and client id, and every request is answered
(same correlation id).

Wireshark 4.0 (Debian 12) has no body dissectors for keys 52-55 ("Unknown 52"), so tshark checks
the framing and headers here, not the fields; our own decoding of the fields is tested in
test_quorum.py through the RPCs' effects."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from quorumproc import Quorum
from support import loopback_capture

pytestmark = [pytest.mark.root, pytest.mark.slow]


def _fields(pcap, ports: list[int]) -> list[list[str]]:
    argv = ["tshark", "-r", str(pcap)]
    for p in ports:
        argv += ["-d", f"tcp.port=={p},kafka"]
    argv += [
        "-Y",
        "kafka",
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "kafka.request_key",
        "-e",
        "kafka.api_version",
        "-e",
        "kafka.correlation_id",
        "-e",
        "kafka.client_id",
        "-e",
        "kafka.response_key",
    ]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True).stdout
    return [line.split("|") for line in out.splitlines() if line]


def test_tshark_sees_an_election_on_the_controller_ports(tmp_path):
    q = Quorum(tmp_path, "combined")
    pcap = tmp_path / "kraft.pcap"
    try:
        q.start_all()
        st = q.wait(lambda: (s := q.status(1)) and s.get("LeaderId") not in (None, "-1") and s, 20)
        assert st
        ports = sorted(q.nodes[i].controller for i in q.voter_ids)
        with loopback_capture(ports, pcap, stop_timeout=10):
            leader = int(st["LeaderId"])
            q.kill(leader)
            other = next(i for i in q.voter_ids if i != leader)
            assert q.wait(
                lambda: (s := q.status(other)) and s.get("LeaderId") not in (None, "-1", str(leader)), 15
            )
            time.sleep(0.5)
    finally:
        q.stop_all()
    rows = _fields(pcap, ports)
    requests = [r for r in rows if r[0] != ""]
    responses = {r[2] for r in rows if r[0] == ""}  # correlation ids answered
    keys = {int(r[0]) for r in requests}
    assert {1, 52, 53, 55} <= keys, sorted(keys)
    votes = [r for r in requests if r[0] == "52"]
    assert all(r[1] == "0" and r[3].startswith("raft-client-") for r in votes), votes
    assert all(r[2] in responses for r in votes + [r for r in requests if r[0] == "53"])
    fetches = [r for r in requests if r[0] == "1"]
    assert fetches and all(r[1] == "12" for r in fetches)
    # netlab's own decoder (built from broker/protocol/messages/) names and decodes them too
    argv = [sys.executable, "-m", "netlab", "decode", str(pcap)] + [
        a for p in ports for a in ("--port", str(p))
    ]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120).stdout
    assert "Vote v0 request (raft-client-" in out and "Vote response: ok" in out, out[-2000:]
    assert "BeginQuorumEpoch v0 request" in out and "BrokerHeartbeat v0 request" in out
