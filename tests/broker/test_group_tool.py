"""`python -m broker.consumer_groups`: exit codes and errors for bad input and unreachable brokers (its
output from live and stopped brokers is checked in test_group_clients.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from brokerproc import free_port
from test_group_support import (
    client,
    commit,
    create_topic,
    join_new,
    ready_coordinator,
    start_group_broker,
    sync,
)


def _tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "broker.consumer_groups", *args], capture_output=True, text=True, timeout=30
    )


def test_bad_input_exits_2_and_says_what_is_wrong(tmp_path):
    r = _tool("--log-dirs", str(tmp_path / "missing"))
    assert r.returncode == 2 and f"{tmp_path / 'missing'} is not a directory" in r.stderr
    r = _tool("--bootstrap", "no-port-here")
    assert r.returncode == 2 and "bootstrap must be host:port" in r.stderr
    assert _tool().returncode == 2  # neither source given


def test_unreachable_broker_exits_1():
    r = _tool("--bootstrap", f"127.0.0.1:{free_port()}")
    assert r.returncode == 1 and "cannot connect to 127.0.0.1" in r.stderr


def test_live_group_members_assignments_and_lag(tmp_path):
    bp = start_group_broker(tmp_path)
    try:
        create_topic(bp, "t1", 2)
        ready_coordinator(bp)
        with client(bp) as c:
            j = join_new(c, "tool-group")
            # a consumer-protocol assignment: version 0, [("t1", [0, 1])], no user data
            asg = (
                b"\x00\x00\x00\x00\x00\x01\x00\x02t1"
                b"\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff"
            )
            assert (
                sync(c, "tool-group", j["generation_id"], j["member_id"], {j["member_id"]: asg})["error_code"]
                == 0
            )
            assert commit(c, "tool-group", j["generation_id"], j["member_id"], {("t1", 1): 0}) == {
                ("t1", 1): 0
            }
            r = _tool("--bootstrap", bp.bootstrap, "--json")
        assert r.returncode == 0, r.stderr
        g = {x["group"]: x for x in json.loads(r.stdout)["groups"]}["tool-group"]
        assert g["state"] == "Stable" and g["protocol"] == "range"
        assert [(m["member_id"], m["assignment"]) for m in g["members"]] == [(j["member_id"], {"t1": [0, 1]})]
        assert [
            (p["partition"], p["committed_offset"], p["log_end_offset"], p["lag"], p["member_id"])
            for p in g["partitions"]
        ] == [(0, None, 0, None, j["member_id"]), (1, 0, 0, 0, j["member_id"])]
        text = _tool("--bootstrap", bp.bootstrap, "--group", "tool-group")
        assert (
            text.returncode == 0
            and "GROUP tool-group  state Stable" in text.stdout
            and "t1[0,1]" in text.stdout
        )
    finally:
        assert bp.stop() == 0, bp.output()
    # from disk: the generation is known there
    r = _tool("--log-dirs", str(bp.log_dir), "--json")
    g = {x["group"]: x for x in json.loads(r.stdout)["groups"]}["tool-group"]
    assert r.returncode == 0 and g["generation"] == 1 and g["members"][0]["assignment"] == {"t1": [0, 1]}
