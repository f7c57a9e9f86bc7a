"""`netlab decode`: JSON lines, pcapng input, bad files are input errors (exit 2)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from capsynth import Conversation, bootstrap, write

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # each call starts a netlab process (~1 s)


def netlab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "netlab", *args], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


@pytest.fixture(scope="module")
def pcap(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("decode") / "boot.pcap"
    c = Conversation(("10.5.0.2", 40001), ("10.5.0.3", 9092)).handshake()
    bootstrap(c, metadata_versions=[4, 12])
    write(path, c)
    return path


def test_json_lines(pcap):
    r = netlab("decode", str(pcap), "--json")
    assert r.returncode == 0, r.stderr
    objs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(o["kind"], o["api_key"], o["api_version"], o["correlation_id"]) for o in objs] == [
        ("request", 18, 3, 1),
        ("response", 18, 3, 1),
        ("request", 3, 4, 2),
        ("response", 3, 4, 2),
        ("request", 3, 12, 3),
        ("response", 3, 12, 3),
    ]
    assert all(o["src"] and o["dst"] and o["client_id"] == "kcat" for o in objs)
    assert (
        objs[3]["brokers"]
        == objs[5]["brokers"]
        == [
            {"node_id": 1, "host": "broker-1", "port": 29092},
            {"node_id": 2, "host": "broker-2", "port": 29093, "rack": "r2"},
        ]
    )
    fast = [
        json.loads(line)
        for line in netlab("decode", str(pcap), "--json", "--headers-only").stdout.splitlines()
    ]
    assert [o["correlation_id"] for o in fast] == [o["correlation_id"] for o in objs]
    assert all("body" not in o for o in fast)
    conns = [
        json.loads(line)
        for line in netlab("decode", str(pcap), "--json", "--connections").stdout.splitlines()
    ]
    assert [o["event"] for o in conns if o["kind"] == "tcp"] == ["syn", "accepted"]


def test_pcapng_gives_the_same_messages(pcap, tmp_path):
    if shutil.which("editcap") is None:
        pytest.fail("editcap (wireshark-common) is missing")
    ng = tmp_path / "boot.pcapng"
    subprocess.run(["editcap", "-F", "pcapng", str(pcap), str(ng)], check=True, capture_output=True)
    assert netlab("decode", str(ng), "--json").stdout == netlab("decode", str(pcap), "--json").stdout


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "not a pcap file"),
        (b"hello, this is not a capture file at all", "unknown magic number"),
    ],
)
def test_bad_files_are_input_errors(tmp_path, content, message):
    f = tmp_path / "bad.pcap"
    f.write_bytes(content)
    r = netlab("decode", str(f))
    assert r.returncode == 2 and message in r.stderr, r.stderr
    r = netlab("decode", str(tmp_path / "missing.pcap"))
    assert r.returncode == 2 and "cannot open capture file" in r.stderr
    r = netlab("decode", str(f), "--port", "70000")
    assert r.returncode == 2 and "not a TCP port" in r.stderr
