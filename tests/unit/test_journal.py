"""The journal and the stored plan: written step by step, read back after a crash."""

from __future__ import annotations

import json

from netlab.lab.journal import Journal, read_journal
from netlab.lab.planfile import read_plan, write_plan
from netlab.resources import Address, HostsFile, Namespace, Plan, Process, Veth

STEPS = (
    Namespace("a", "netlab-x-a"),
    Veth("netlab-x-a", "eth0", "netlab-x-h", "v1", b_master="br0", mtu=1400),
    Address("netlab-x-a", "eth0", "10.0.0.2/24"),
    HostsFile("netlab-x-a", (("10.0.0.2", ("a", "alias")),)),
    Process("netlab-x-a", "a", "p", ("sleep", "1"), env=(("K", "V"),), cwd="/tmp"),
)


def test_journal_round_trip_is_exact(tmp_path):
    j = Journal(tmp_path / "journal.jsonl")
    for step in STEPS:
        j.record(step)
        # flushed per step: a reader (or a kill -9) sees every recorded step at once
        assert read_journal(tmp_path / "journal.jsonl")[-1] == step
    j.close()
    assert read_journal(tmp_path / "journal.jsonl") == list(STEPS)


def test_fast_record_equals_to_dict():
    from netlab.lab.journal import step_record

    for step in STEPS:
        assert json.loads(json.dumps(step_record(step))) == json.loads(json.dumps(step.to_dict()))


def test_torn_last_line_is_ignored(tmp_path):
    path = tmp_path / "journal.jsonl"
    j = Journal(path)
    for step in STEPS[:3]:
        j.record(step)
    j.close()
    line = json.dumps(STEPS[3].to_dict())
    with open(path, "a") as fh:
        fh.write(line[: len(line) // 2])  # killed mid-write
    assert read_journal(path) == list(STEPS[:3])


def test_missing_journal_reads_as_empty(tmp_path):
    assert read_journal(tmp_path / "nope.jsonl") == []


def test_plan_file_round_trip(tmp_path):
    plan = Plan(
        "x", STEPS, source="/t.yaml", meta={"requires": ["veth"], "nodes": {"a": {"netns": "netlab-x-a"}}}
    )
    write_plan(tmp_path / "plan.json", plan)
    back = read_plan(tmp_path / "plan.json")
    assert back == plan and back.meta == plan.meta and back.source == "/t.yaml"


def test_light_records_name_what_destroy_needs(tmp_path):
    from netlab.lab.journal import read_journal_records

    path = tmp_path / "journal.jsonl"
    j = Journal(path)
    for step in STEPS:
        j.record(step)
    j.close()
    with open(path, "a") as fh:
        fh.write('{"kind":"hosts","netns":"netlab-x-torn","entries":[["1.2.3.4",["a"')  # torn
    records = read_journal_records(path)
    assert [r["kind"] for r in records] == [s.kind for s in STEPS]
    assert records[3] == {"kind": "hosts", "netns": "netlab-x-a"}
    assert records[4]["node"] == "a" and records[4]["name"] == "p"
