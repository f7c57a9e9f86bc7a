"""Kafka's client quota rules (broker/client_quotas.py), in-process: entity paths and Kafka's
Sanitizer, the KRaft controller's validation (ClientQuotaControlManager) and the ZooKeeper
dialect (ZkAdminManager), DescribeClientQuotas filters (ClientQuotasImage.describe), the order
of precedence enforcement follows, and ClientQuotaRecords written by a real quorum-of-one
controller and replayed from its log."""

from __future__ import annotations

import json

import pytest
from test_cluster_controller import controller, loop  # noqa: F401 (the fixture)

from broker import client_quotas as cq
from broker.protocol.errors import ErrorCode
from broker.raft import metadata_records as mr
from broker.raft import state_codec
from broker.raft.metadata_image import read_image

BAD = ErrorCode.INVALID_REQUEST


def _entry(entity: list[tuple[str, str | None]], *ops: tuple[str, float | None]) -> dict:
    return {
        "entity": [{"entity_type": t, "entity_name": n} for t, n in entity],
        "ops": [{"key": k, "value": 0.0 if v is None else v, "remove": v is None} for k, v in ops],
    }


def _one(table: dict, entity, *ops) -> tuple[int, str | None]:
    results, _ = cq.controller_alter(table, [_entry(entity, *ops)])
    return results[0]["error_code"], results[0]["error_message"]


def test_sanitized_paths_as_kafka_names_the_znodes():
    assert cq.sanitize("quo c*+/ü~") == "quo%20c%2A%2B%2F%C3%BC%7E"
    assert cq.desanitize(cq.sanitize("quo c*+/ü~")) == "quo c*+/ü~"
    cases = {
        "clients/a.b-c_d": {"client-id": "a.b-c_d"},
        "clients/<default>": {"client-id": None},
        "users/User%3Ax/clients/<default>": {"client-id": None, "user": "User:x"},
        "users/<default>": {"user": None},
        "ips/10.0.0.1": {"ip": "10.0.0.1"},
    }
    for path, entity in cases.items():
        assert cq.entity_path(entity) == path
        assert cq.entity_of_path(path) == entity
    with pytest.raises(ValueError):
        cq.entity_of_path("topics/t")


def test_controller_validation_messages():
    t: dict = {}
    assert _one(t, [], ("producer_byte_rate", 1.0)) == (BAD, "Invalid empty client quota entity")
    assert _one(t, [("group", "g")], ("producer_byte_rate", 1.0)) == (
        BAD,
        "Unhandled client quota entity type: group",
    )
    assert _one(t, [("user", "")], ("producer_byte_rate", 1.0)) == (BAD, "Empty user not supported")
    assert _one(t, [("ip", "1.2.3.4"), ("user", "u")], ("connection_creation_rate", 1.0)) == (
        BAD,
        "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId",
    )
    assert _one(t, [("ip", "example.invalid")], ("connection_creation_rate", 1.0)) == (
        BAD,
        "example.invalid is not a valid IP or resolvable host.",
    )
    assert _one(t, [("client-id", "c")], ("connection_creation_rate", 1.0)) == (
        BAD,
        "Invalid configuration key connection_creation_rate",
    )
    assert _one(t, [("client-id", "c")], ("producer_byte_rate", 0.0)) == (
        BAD,
        "Quota producer_byte_rate must be greater than 0",
    )
    assert _one(t, [("client-id", "c")], ("producer_byte_rate", 2.5)) == (
        BAD,
        "producer_byte_rate cannot be a fractional value.",
    )
    assert _one(t, [("ip", None)], ("connection_creation_rate", 2.0**31)) == (
        BAD,
        "Proposed value for connection_creation_rate is too large for an INT.",
    )
    assert _one(t, [("user", None), ("client-id", "c")], ("request_percentage", 12.5)) == (0, None)
    # an entity with one bad op changes nothing
    results, changes = cq.controller_alter(
        t, [_entry([("client-id", "c")], ("consumer_byte_rate", 100.0), ("producer_byte_rate", -1.0))]
    )
    assert results[0]["error_code"] == BAD and changes == []
    # a key twice, or an entity twice: Kafka's "Ignoring duplicate entity"
    dup = "Ignoring duplicate entity ClientQuotaEntity(entries={client-id=c, user=null})"
    entry = _entry(
        [("user", None), ("client-id", "c")], ("producer_byte_rate", 1.0), ("producer_byte_rate", 2.0)
    )
    assert _one(t, [("user", None), ("client-id", "c")], *[(o["key"], o["value"]) for o in entry["ops"]]) == (
        BAD,
        dup,
    )


def test_controller_writes_only_what_changes():
    t = {"clients/c": {"producer_byte_rate": 100.0}}
    entries = [
        _entry([("client-id", "c")], ("producer_byte_rate", 100.0), ("consumer_byte_rate", None)),
        _entry([("client-id", None)], ("consumer_byte_rate", 5.0)),
    ]
    results, changes = cq.controller_alter(t, entries)
    assert [r["error_code"] for r in results] == [0, 0]
    assert changes == [("clients/<default>", "consumer_byte_rate", 5.0)]
    _, changes = cq.controller_alter(t, [_entry([("client-id", "c")], ("producer_byte_rate", None))])
    assert changes == [("clients/c", "producer_byte_rate", None)]
    cq.apply_change(t, *changes[0])
    assert t == {}
    # Kafka accepts a NaN (no check catches it) and, as Java's Double.equals, writes it only once
    nan = [_entry([("client-id", "n")], ("request_percentage", float("nan")))]
    _, changes = cq.controller_alter(t, nan)
    assert len(changes) == 1
    cq.apply_change(t, *changes[0])
    assert cq.controller_alter(t, nan)[1] == []
    image = state_codec.empty_image("cid")
    image["client_quotas"] = t
    assert state_codec.diff(image, state_codec.copy_image(image)) == []


def test_zookeeper_dialect_stores_property_strings():
    keys = cq.zk_entity({"user": "u"})[1]
    props = cq.zk_apply_ops(
        {"consumer_byte_rate": "7"},
        keys,
        [
            {"key": "producer_byte_rate", "value": 1024.0000001, "remove": False},
            {"key": "request_percentage", "value": 1e9, "remove": False},
            {"key": "consumer_byte_rate", "value": 0.0, "remove": True},
        ],
    )
    assert props == {"producer_byte_rate": "1024", "request_percentage": "1.0E9"}
    with pytest.raises(cq.QuotaError, match="Configuration producer_byte_rate must be a LONG value"):
        cq.zk_apply_ops({}, keys, [{"key": "producer_byte_rate", "value": 1.5, "remove": False}])
    with pytest.raises(cq.QuotaError) as scram:  # a SCRAM credential is no quota: Kafka's IllegalState
        cq.zk_apply_ops({}, keys, [{"key": "SCRAM-SHA-256", "value": 1.0, "remove": False}])
    assert (scram.value.code, scram.value.message) == (ErrorCode.UNKNOWN_SERVER_ERROR, None)
    ip_keys = cq.zk_entity({"ip": None})[1]
    for too_big in (3e9, float("inf")):  # Scala's toInt clamps: no longer the value asked for
        with pytest.raises(cq.QuotaError, match="Configuration connection_creation_rate must be a INT value"):
            cq.zk_apply_ops(
                {}, ip_keys, [{"key": "connection_creation_rate", "value": too_big, "remove": False}]
            )
    with pytest.raises(cq.QuotaError, match="%3Cdefault%3E is not a valid IP"):  # a name, not the default
        cq.zk_entity({"ip": "<default>"})
    with pytest.raises(cq.QuotaError, match="IP entity should not be used with user/client ID entity"):
        cq.zk_entity({"ip": None, "client-id": "c"})
    assert [cq.java_double(v) for v in (25.5, 50.0, 1e-4, 12345678.9, 0.001)] == [
        "25.5",
        "50.0",
        "1.0E-4",
        "1.23456789E7",
        "0.001",
    ]


TABLE = {
    "clients/c": {"producer_byte_rate": 1.0},
    "clients/<default>": {"producer_byte_rate": 2.0},
    "users/u": {"consumer_byte_rate": 3.0},
    "users/u/clients/c": {"request_percentage": 4.0},
    "users/<default>/clients/<default>": {"consumer_byte_rate": 5.0},
    "ips/<default>": {"connection_creation_rate": 6.0},
}


def _names(components, strict=False, zk=False) -> list[list[tuple[str, str | None]]]:
    comps = [{"entity_type": t, "match_type": m, "match": n} for t, m, n in components]
    return [
        [(e["entity_type"], e["entity_name"]) for e in entry["entity"]]
        for entry in cq.describe(TABLE, comps, strict, zk)
    ]


def test_describe_filters():
    assert len(_names([])) == 6
    assert _names([], strict=True) == []
    assert _names([("client-id", 0, "c")]) == [[("client-id", "c")], [("client-id", "c"), ("user", "u")]]
    assert _names([("client-id", 0, "c")], strict=True) == [[("client-id", "c")]]
    assert _names([("client-id", 1, None)], strict=True) == [[("client-id", None)]]
    # a type-only component matches the default entity too (ClientQuotasImage.matches)
    assert _names([("user", 2, None), ("client-id", 2, None)], strict=True) == [
        [("client-id", None), ("user", None)],  # sorted by path: users/<default>/... first
        [("client-id", "c"), ("user", "u")],
    ]
    assert _names([("ip", 2, None)]) == [[("ip", None)]]
    errors = {
        (("", 0, "x"),): (BAD, "Invalid empty entity type."),
        (("user", 0, "a"), ("user", 1, None)): (
            BAD,
            "Entity type user cannot appear more than once in the filter.",
        ),
        (("group", 2, None),): (ErrorCode.UNSUPPORTED_VERSION, "Unsupported entity type group"),
        (("user", 0, None),): (BAD, "Request specified MATCH_TYPE_EXACT, but set match string to null."),
        (("user", 1, "a"),): (
            BAD,
            "Request specified MATCH_TYPE_DEFAULT, but also specified a match string.",
        ),
        (("user", 2, "a"),): (
            BAD,
            "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.",
        ),
        (("user", 7, None),): (BAD, "Unknown match type 7"),
        (("ip", 2, None), ("user", 2, None)): (
            BAD,
            "Invalid entity filter component combination. IP filter component should not be used with "
            "user or clientId filter component.",
        ),
    }
    for comps, want in errors.items():
        with pytest.raises(cq.QuotaError) as e:
            _names(list(comps))
        assert (e.value.code, e.value.message) == want, comps
    zk_errors = {
        (("user", 0, "a"), ("user", 1, None)): (BAD, "Duplicate user filter component entity type"),
        (("", 0, "x"),): (BAD, "Unexpected empty filter component entity type"),
        (("group", 2, None),): (ErrorCode.UNSUPPORTED_VERSION, "Custom entity type 'group' not supported"),
        (("user", 7, None),): (ErrorCode.UNKNOWN_SERVER_ERROR, None),
    }
    for comps, want in zk_errors.items():
        with pytest.raises(cq.QuotaError) as e:
            _names(list(comps), zk=True)
        assert (e.value.code, e.value.message) == want, comps
    assert _names([("client-id", 0, "c")], zk=True) == _names([("client-id", 0, "c")])


def test_precedence_of_quotas_and_shared_counts():
    p, f = cq.PRODUCE, cq.FETCH
    assert cq.quota_for(TABLE, p, "u", "c") == (("", "c"), 1.0)  # no user-level producer quota
    assert cq.quota_for(TABLE, p, "u", "other") == (("", "other"), 2.0)  # the default client id's
    assert cq.quota_for(TABLE, f, "u", "c") == (
        ("u", ""),
        3.0,
    )  # <user> before <default user, default client>
    assert cq.quota_for(TABLE, f, "v", "c") == (("v", "c"), 5.0)
    assert cq.quota_for({}, p, "u", "c") == (("", "c"), None)
    assert cq.quota_for(TABLE, "request_percentage", "u", "c") == (("u", "c"), 4.0)


def test_records_written_by_the_controller_and_replayed(tmp_path, loop):  # noqa: F811
    c = controller(tmp_path, loop)
    start = c.raft.mlog.end_offset
    out = c.alter_client_quotas([_entry([("client-id", "quo")], ("consumer_byte_rate", 30000.0))], True)
    assert out[0]["error_code"] == 0 and c.raft.mlog.end_offset == start  # validate_only: nothing
    c.alter_client_quotas(
        [
            _entry([("client-id", "quo")], ("consumer_byte_rate", 30000.0)),
            _entry([("user", None), ("client-id", "quo")], ("request_percentage", 50.0)),
        ],
        False,
    )
    c.alter_client_quotas([_entry([("client-id", "quo")], ("consumer_byte_rate", None))], False)
    image, _ = read_image(c.raft.mlog.dir)
    assert image["client_quotas"] == {"users/<default>/clients/quo": {"request_percentage": 50.0}}
    written = [
        json.loads(mr.to_json(v))
        for _, v in c.raft.mlog.data_values(start, c.raft.mlog.end_offset)
        if mr.decode(v)[0] is mr.CLIENT_QUOTA
    ]
    assert written == [
        {
            "type": "CLIENT_QUOTA_RECORD",
            "version": 0,
            "data": {
                "entity": [{"entityType": "client-id", "entityName": "quo"}],
                "key": "consumer_byte_rate",
                "value": 30000.0,
                "remove": False,
            },
        },
        {
            "type": "CLIENT_QUOTA_RECORD",
            "version": 0,
            "data": {
                "entity": [
                    {"entityType": "client-id", "entityName": "quo"},
                    {"entityType": "user", "entityName": None},
                ],
                "key": "request_percentage",
                "value": 50.0,
                "remove": False,
            },
        },
        {
            "type": "CLIENT_QUOTA_RECORD",
            "version": 0,
            "data": {
                "entity": [{"entityType": "client-id", "entityName": "quo"}],
                "key": "consumer_byte_rate",
                "value": 0.0,
                "remove": True,
            },
        },
    ]
    snap = state_codec.to_snapshot(image, 1, 0)
    assert snap["client_quotas"] == image["client_quotas"]
