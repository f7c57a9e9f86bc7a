"""The group APIs on the wire, against a real broker process, with the raw client built on the
broker's codec: the requests real clients never send (stale generations, fenced members,
unknown partitions) get Kafka's error codes and leave the group consistent."""

from __future__ import annotations

import pytest
from brokerproc import free_port, start_broker
from test_group_support import (
    META,
    client,
    commit,
    create_topic,
    describe,
    fetch_offsets,
    heartbeat,
    in_thread,
    join,
    join_new,
    ready_coordinator,
    stabilized_generations,
    start_group_broker,
    sync,
    wait_until,
)

COORDINATOR_NOT_AVAILABLE, ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL = 15, 22, 23
UNKNOWN_MEMBER_ID, INVALID_SESSION_TIMEOUT, REBALANCE_IN_PROGRESS = 25, 26, 27
MEMBER_ID_REQUIRED, FENCED_INSTANCE_ID, UNKNOWN_TOPIC_OR_PARTITION = 79, 82, 3


@pytest.fixture
def gb(tmp_path):
    bp = start_group_broker(tmp_path)
    create_topic(bp, "t1", 2)
    ready_coordinator(bp)
    yield bp
    assert bp.stop() == 0, bp.output()


def _stable_single(c, group="g", **kw):
    j = join_new(c, group, **kw)
    assert j["error_code"] == 0, j
    s = sync(
        c,
        group,
        j["generation_id"],
        j["member_id"],
        {j["member_id"]: b"A-assign"},
        instance=kw.get("instance"),
    )
    assert s["error_code"] == 0 and bytes(s["assignment"]) == b"A-assign", s
    return j


def test_find_coordinator_creates_offsets_topic_then_answers(tmp_path):
    bp = start_group_broker(tmp_path)
    try:
        with client(bp) as c:
            first = c.request("find_coordinator", 1, {"key": "my-group", "key_type": 0})
            assert first["error_code"] == COORDINATOR_NOT_AVAILABLE  # created now, as Kafka: retry
            for v in (0, 1, 2, 3):
                r = c.request("find_coordinator", v, {"key": "my-group", "key_type": 0})
                assert (r["error_code"], r["node_id"], r["host"], r["port"]) == (
                    0,
                    1,
                    "127.0.0.1",
                    bp.port,
                ), (v, r)
            r4 = c.request("find_coordinator", 4, {"key_type": 0, "coordinator_keys": ["a", "b", ""]})
            assert [(k["key"], k["error_code"], k["port"]) for k in r4["coordinators"]] == [
                ("a", 0, bp.port),
                ("b", 0, bp.port),
                ("", 24, -1),
            ]
            md = c.request("metadata", 1, {"topics": [{"name": "__consumer_offsets"}]})
            t = md["topics"][0]
            assert t["error_code"] == 0 and t["is_internal"] and len(t["partitions"]) == 50
    finally:
        assert bp.stop() == 0
    assert "Created topic __consumer_offsets" in bp.output()


def test_find_coordinator_refused_below_offsets_replication_factor(tmp_path):
    """Kafka's default offsets.topic.replication.factor=3 cannot be met by one broker."""
    bp = start_broker(tmp_path, ["group.initial.rebalance.delay.ms=0"])
    try:
        with client(bp) as c:
            for _ in range(2):
                r = c.request("find_coordinator", 2, {"key": "g", "key_type": 0})
                assert r["error_code"] == COORDINATOR_NOT_AVAILABLE and r["node_id"] == -1
    finally:
        bp.stop()
    assert (
        "Number of alive brokers '1' does not meet the required replication factor '3' for the offsets topic "
        "(configured via 'offsets.topic.replication.factor')"
    ) in bp.output()


def test_find_coordinator_answers_for_the_requests_listener(tmp_path):
    inside, outside, hidden = free_port(), free_port(), free_port()
    bp = start_group_broker(
        tmp_path,
        [
            f"listeners=INSIDE://127.0.0.1:{inside},OUTSIDE://127.0.0.1:{outside},HIDDEN://127.0.0.1:{hidden}",
            f"advertised.listeners=INSIDE://broker-1:{inside},OUTSIDE://127.0.0.1:{outside}",
            "listener.security.protocol.map=INSIDE:PLAINTEXT,OUTSIDE:PLAINTEXT,HIDDEN:PLAINTEXT",
            "inter.broker.listener.name=INSIDE",
        ],
        port=outside,
    )
    try:
        answers = {}
        for name, port in (("INSIDE", inside), ("OUTSIDE", outside), ("HIDDEN", hidden)):
            from broker.group.client import GroupClient

            with GroupClient("127.0.0.1", port) as c:
                wait_until(
                    lambda name=name: (
                        c.request("find_coordinator", 2, {"key": "g", "key_type": 0})["error_code"]
                        != COORDINATOR_NOT_AVAILABLE
                        or name == "HIDDEN"
                    ),
                    what="offsets topic",
                )
                r = c.request("find_coordinator", 2, {"key": "g", "key_type": 0})
                answers[name] = (r["error_code"], r["host"], r["port"])
        assert answers["INSIDE"] == (0, "broker-1", inside)
        assert answers["OUTSIDE"] == (0, "127.0.0.1", outside)
        assert answers["HIDDEN"] == (COORDINATOR_NOT_AVAILABLE, "", -1)  # not advertised: no endpoint to give
    finally:
        assert bp.stop() == 0, bp.output()


def test_member_id_required_handshake_single_member_lifecycle(gb):
    with client(gb) as c:
        first = join(c, "g", version=5)
        assert first["error_code"] == MEMBER_ID_REQUIRED and first["member_id"].startswith("netlab-groups-")
        assert describe(c, "g")["group_state"] == "Empty"  # a pending member is not a member yet
        j = join(c, "g", first["member_id"], version=5)
        assert (j["error_code"], j["generation_id"], j["leader"], j["member_id"]) == (
            0,
            1,
            first["member_id"],
            first["member_id"],
        )
        assert [(m["member_id"], bytes(m["metadata"])) for m in j["members"]] == [(first["member_id"], META)]
        assert describe(c, "g")["group_state"] == "CompletingRebalance"
        s = sync(c, "g", 1, j["member_id"], {j["member_id"]: b"\x00opaque\xff"})
        assert s["error_code"] == 0 and bytes(s["assignment"]) == b"\x00opaque\xff"
        assert heartbeat(c, "g", 1, j["member_id"]) == 0
        d = describe(c, "g")
        assert (d["group_state"], d["protocol_type"], d["protocol_data"]) == ("Stable", "consumer", "range")
        assert [(m["member_id"], bytes(m["member_assignment"])) for m in d["members"]] == [
            (j["member_id"], b"\x00opaque\xff")
        ]
        listed = c.request("list_groups", 4, {"states_filter": ["stable"]})["groups"]
        assert {"group_id": "g", "protocol_type": "consumer", "group_state": "Stable"} in listed
        left = c.request("leave_group", 1, {"group_id": "g", "member_id": j["member_id"]})
        assert left["error_code"] == 0
        d = describe(c, "g")
        assert d["group_state"] == "Empty" and d["members"] == []
        # v0 (no handshake) gets its member id at once
        j0 = join(c, "g", version=0)
        assert j0["error_code"] == 0 and j0["generation_id"] == 3 and j0["leader"] == j0["member_id"]


def test_join_with_unknown_member_id(gb):
    with client(gb) as c:
        assert join(c, "nogroup", "ghost-1")["error_code"] == UNKNOWN_MEMBER_ID
        assert describe(c, "nogroup")["group_state"] == "Dead"  # nothing was created
        j = _stable_single(c)
        assert join(c, "g", "ghost-1")["error_code"] == UNKNOWN_MEMBER_ID
        d = describe(c, "g")
        assert d["group_state"] == "Stable" and [m["member_id"] for m in d["members"]] == [j["member_id"]]
        assert heartbeat(c, "g", j["generation_id"], j["member_id"]) == 0


def test_invalid_session_timeout(gb):
    with client(gb) as c:
        assert join(c, "g", session=999)["error_code"] == INVALID_SESSION_TIMEOUT


def test_inconsistent_group_protocol_rejected_group_untouched(gb):
    with client(gb) as c, client(gb) as c2:
        j = _stable_single(c)
        assert (
            join_new(c2, "g", protocols=(("roundrobin", META),))["error_code"] == INCONSISTENT_GROUP_PROTOCOL
        )
        assert join_new(c2, "g", protocol_type="connect")["error_code"] == INCONSISTENT_GROUP_PROTOCOL
        assert join(c2, "fresh", protocols=())["error_code"] == INCONSISTENT_GROUP_PROTOCOL  # empty list
        d = describe(c, "g")
        assert d["group_state"] == "Stable" and len(d["members"]) == 1
        assert heartbeat(c, "g", j["generation_id"], j["member_id"]) == 0  # generation unchanged
    assert stabilized_generations(gb.output(), "g") == [1]


def test_sync_for_a_stale_generation(gb):
    with client(gb) as a, client(gb) as b:
        ja = _stable_single(a)
        # B joins: A must rejoin; the new generation completes with both
        pending_b = in_thread(join_new, b, "g")
        wait_until(
            lambda: heartbeat(a, "g", 1, ja["member_id"]) == REBALANCE_IN_PROGRESS, what="rebalance signal"
        )
        assert sync(a, "g", 1, ja["member_id"])["error_code"] == REBALANCE_IN_PROGRESS
        ja2 = join(a, "g", ja["member_id"])
        jb = pending_b.result()
        assert ja2["generation_id"] == jb["generation_id"] == 2
        assert ja2["leader"] == ja["member_id"] and len(ja2["members"]) == 2 and jb["members"] == []
        # the follower's SyncGroup waits for the leader's; each gets its own opaque bytes
        follower = in_thread(sync, b, "g", 2, jb["member_id"])
        s = sync(a, "g", 2, ja["member_id"], {ja["member_id"]: b"for-A", jb["member_id"]: b"for-B"})
        assert bytes(s["assignment"]) == b"for-A" and bytes(follower.result()["assignment"]) == b"for-B"
        # a SyncGroup from generation 1 now is ILLEGAL_GENERATION, and nothing changes
        assert sync(a, "g", 1, ja["member_id"])["error_code"] == ILLEGAL_GENERATION
        assert heartbeat(b, "g", 1, jb["member_id"]) == ILLEGAL_GENERATION
        d = describe(a, "g")
        assert d["group_state"] == "Stable"
        assert {m["member_id"]: bytes(m["member_assignment"]) for m in d["members"]} == {
            ja["member_id"]: b"for-A",
            jb["member_id"]: b"for-B",
        }
        assert heartbeat(a, "g", 2, ja["member_id"]) == 0 and heartbeat(b, "g", 2, jb["member_id"]) == 0
        assert commit(a, "g", 1, ja["member_id"], {("t1", 0): 1}) == {("t1", 0): ILLEGAL_GENERATION}
    assert stabilized_generations(gb.output(), "g") == [1, 2]


def test_static_member_replaced_without_rebalance_old_one_fenced(gb):
    with client(gb) as c, client(gb) as other:
        j1 = _stable_single(c, instance="inst-1")
        assert j1["member_id"].startswith("inst-1-")  # static members need no MEMBER_ID_REQUIRED round
        jo = in_thread(join_new, other, "g")
        wait_until(
            lambda: heartbeat(c, "g", 1, j1["member_id"], instance="inst-1") == REBALANCE_IN_PROGRESS,
            what="rebalance signal",
        )
        j1b = join(c, "g", j1["member_id"], instance="inst-1")
        jo = jo.result()
        follower = in_thread(sync, other, "g", 2, jo["member_id"])
        assert (
            sync(
                c, "g", 2, j1["member_id"], {j1["member_id"]: b"S", jo["member_id"]: b"O"}, instance="inst-1"
            )["error_code"]
            == 0
        )
        assert follower.result()["error_code"] == 0 and j1b["generation_id"] == 2
        # the static member "restarts": a JoinGroup with its instance id and no member id
        with client(gb) as again:
            r = join(again, "g", instance="inst-1")
            assert r["error_code"] == 0 and r["generation_id"] == 2  # same generation: no rebalance
            assert r["member_id"] != j1["member_id"] and r["members"] == []  # a follower of the old leader id
            s = sync(again, "g", 2, r["member_id"], instance="inst-1")
            assert s["error_code"] == 0 and bytes(s["assignment"]) == b"S"  # its old assignment back
            # the old incarnation is fenced everywhere
            assert heartbeat(c, "g", 2, j1["member_id"], instance="inst-1") == FENCED_INSTANCE_ID
            assert commit(c, "g", 2, j1["member_id"], {("t1", 0): 1}, instance="inst-1") == {
                ("t1", 0): FENCED_INSTANCE_ID
            }
            assert join(c, "g", j1["member_id"], instance="inst-1")["error_code"] == FENCED_INSTANCE_ID
            assert heartbeat(again, "g", 2, r["member_id"], instance="inst-1") == 0
            assert heartbeat(other, "g", 2, jo["member_id"]) == 0  # the other member saw nothing
            d = describe(again, "g")
            assert d["group_state"] == "Stable"
            assert sorted((m["member_id"], m["group_instance_id"]) for m in d["members"]) == sorted(
                [(r["member_id"], "inst-1"), (jo["member_id"], None)]
            )
            # batched LeaveGroup (v3+): by instance id, plus an unknown member
            left = again.request(
                "leave_group",
                3,
                {
                    "group_id": "g",
                    "members": [
                        {"member_id": "", "group_instance_id": "inst-1"},
                        {"member_id": "nobody", "group_instance_id": None},
                    ],
                },
            )
            assert left["error_code"] == 0
            assert [(m["group_instance_id"], m["error_code"]) for m in left["members"]] == [
                ("inst-1", 0),
                (None, UNKNOWN_MEMBER_ID),
            ]
            assert heartbeat(other, "g", 2, jo["member_id"]) == REBALANCE_IN_PROGRESS
    out = gb.output()
    assert stabilized_generations(out, "g") == [1, 2]
    assert (
        "Static member which joins during Stable stage and doesn't affect selectProtocol "
        "will not trigger rebalance" in out
    )


def test_commits_for_partitions_that_do_not_exist(gb):
    with client(gb) as c:
        j = _stable_single(c)
        res = commit(c, "g", 1, j["member_id"], {("t1", 0): 5, ("t1", 7): 1, ("nope", 0): 2})
        assert res == {
            ("t1", 0): 0,
            ("t1", 7): UNKNOWN_TOPIC_OR_PARTITION,
            ("nope", 0): UNKNOWN_TOPIC_OR_PARTITION,
        }
        err, got = fetch_offsets(c, "g", None)
        assert err == 0 and got == {("t1", 0): 5}
        err, got = fetch_offsets(c, "g", [("t1", 0), ("t1", 1)], version=1)
        assert got == {("t1", 0): 5, ("t1", 1): -1}
        assert describe(c, "g")["group_state"] == "Stable"
        assert heartbeat(c, "g", 1, j["member_id"]) == 0
        # unknown member and simple (generation -1) commits
        assert commit(c, "g", 1, "ghost", {("t1", 1): 1}) == {("t1", 1): UNKNOWN_MEMBER_ID}
        assert commit(c, "standalone", -1, "", {("t1", 1): 9}, version=2) == {("t1", 1): 0}
        assert fetch_offsets(c, "standalone", [("t1", 1)])[1] == {("t1", 1): 9}
        assert commit(c, "nogroup", 3, "x", {("t1", 1): 1}) == {("t1", 1): ILLEGAL_GENERATION}


def test_silent_member_expires_after_session_timeout(gb):
    with client(gb) as c:
        j = _stable_single(c, session=1000)
        d = wait_until(
            lambda: (lambda d: d if d["group_state"] == "Empty" else None)(describe(c, "g")),
            timeout=5,
            what="session expiry",
        )
        assert d["members"] == []
        assert heartbeat(c, "g", 1, j["member_id"]) == UNKNOWN_MEMBER_ID
    assert f"Member {j['member_id']} in group g has failed, removing it from the group" in gb.output()


def test_initial_rebalance_delay_gathers_members_into_one_generation(tmp_path):
    # B joins 0.2 s after A, two round trips later (MEMBER_ID_REQUIRED, then the join): the delay
    # must outlast that on a loaded machine, or B lands in a second generation
    bp = start_group_broker(tmp_path, ["group.initial.rebalance.delay.ms=3000"])
    try:
        create_topic(bp, "t1", 2)
        ready_coordinator(bp)
        with client(bp) as a, client(bp) as b:
            import time

            t0 = time.monotonic()
            ja = in_thread(join_new, a, "g", rebalance=5000)
            time.sleep(0.2)
            jb = in_thread(join_new, b, "g", rebalance=5000)
            ra, rb = ja.result(), jb.result()
            waited = time.monotonic() - t0
        assert ra["generation_id"] == rb["generation_id"] == 1  # one generation for both
        assert len(ra["members"]) == 2 and rb["members"] == [] and ra["leader"] == ra["member_id"]
        assert waited >= 3.0, waited  # held for the initial delay (extended once by B's arrival)
    finally:
        assert bp.stop() == 0, bp.output()
    assert stabilized_generations(bp.output(), "g") == [1]


def test_member_that_does_not_rejoin_is_dropped_after_the_rebalance_timeout(gb):
    with client(gb) as a, client(gb) as b, client(gb) as c:
        ja = join_new(a, "g", rebalance=1500)
        jb = in_thread(join_new, b, "g", rebalance=1500)
        wait_until(lambda: heartbeat(a, "g", 1, ja["member_id"]) == REBALANCE_IN_PROGRESS, what="rebalance")
        join(a, "g", ja["member_id"], rebalance=1500)
        jb = jb.result()
        assert jb["generation_id"] == 2
        # C arrives; A rejoins, B stays silent (no heartbeat, no JoinGroup)
        jc = in_thread(join_new, c, "g", rebalance=1500)
        wait_until(lambda: heartbeat(a, "g", 2, ja["member_id"]) == REBALANCE_IN_PROGRESS, what="rebalance")
        ra = join(a, "g", ja["member_id"], rebalance=1500)
        rc = jc.result()
        assert ra["generation_id"] == rc["generation_id"] == 3
        assert sorted(m["member_id"] for m in ra["members"]) == sorted([ja["member_id"], rc["member_id"]])
        assert heartbeat(b, "g", 2, jb["member_id"]) == UNKNOWN_MEMBER_ID
    assert f"Group g removed dynamic members who haven't joined: ['{jb['member_id']}']" in gb.output()


def test_member_that_never_syncs_is_removed_after_the_rebalance_timeout(gb):
    with client(gb) as c:
        j = join_new(c, "g", rebalance=1000)
        assert j["generation_id"] == 1 and describe(c, "g")["group_state"] == "CompletingRebalance"
        d = wait_until(
            lambda: (lambda d: d if d["group_state"] == "Empty" else None)(describe(c, "g")),
            timeout=5,
            what="pending-sync expiry",
        )
        assert d["members"] == []
        assert sync(c, "g", 1, j["member_id"])["error_code"] == UNKNOWN_MEMBER_ID
    assert (
        f"Group g removed members who haven't sent their sync requests: ['{j['member_id']}']" in gb.output()
    )
