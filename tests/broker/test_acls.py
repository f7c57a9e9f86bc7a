"""ACLs with StandardAuthorizer semantics (broker/acls.py): the rules directly, then CreateAcls /
DescribeAcls / DeleteAcls with confluent-kafka's AdminClient and kafka-python's KafkaAdminClient
against a real broker with `authorizer.class.name` set, and what denied clients see (kcat,
confluent-kafka): TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, hidden topics."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from brokerproc import start_broker
from rawclient import RawClient
from test_protocol_edges import create

from broker import acls as A

AUTHZ = "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"
PROPS = {"authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer"}


def _b(rtype, name, op, perm, pattern=A.LITERAL, principal="User:ANONYMOUS", host="*"):
    return A.AclBinding(rtype, name, pattern, principal, host, op, perm)


def test_standard_authorizer_rules():
    acls = [
        _b(A.TOPIC, "t", A.READ, A.ALLOW),
        _b(A.TOPIC, "t", A.WRITE, A.DENY, principal="User:*"),
        _b(A.TOPIC, "pre-", A.ALL, A.ALLOW, pattern=A.PREFIXED),
        _b(A.TOPIC, "pre-x", A.DESCRIBE, A.DENY),
        _b(A.GROUP, "*", A.READ, A.ALLOW, host="10.0.0.1"),
    ]

    def ok(op, rtype, name, host="127.0.0.1", props=PROPS, principal="User:ANONYMOUS"):
        return A.authorize(acls, props, principal, host, op, rtype, name)

    assert ok(A.READ, A.TOPIC, "t") and ok(A.DESCRIBE, A.TOPIC, "t")  # READ implies DESCRIBE
    assert not ok(A.WRITE, A.TOPIC, "t")  # DENY for User:* wins
    assert ok(A.WRITE, A.TOPIC, "pre-y") and not ok(A.DESCRIBE, A.TOPIC, "pre-x")
    assert ok(A.WRITE, A.TOPIC, "pre-x")  # a DENY DESCRIBE does not deny WRITE
    assert not ok(A.CREATE, A.TOPIC, "other")  # no ACL on it: allow.everyone.if.no.acl.found=false
    assert ok(A.CREATE, A.TOPIC, "other", props={**PROPS, "allow.everyone.if.no.acl.found": "true"})
    assert ok(A.READ, A.GROUP, "g", host="10.0.0.1") and not ok(A.READ, A.GROUP, "g")
    assert ok(A.WRITE, A.TOPIC, "t", props={**PROPS, "super.users": "User:admin;User:ANONYMOUS"})
    assert ok(A.WRITE, A.TOPIC, "t", props={})  # no authorizer: everything allowed


def test_acl_apis_refused_without_an_authorizer(tmp_path):
    from confluent_kafka.admin import (
        AclBinding,
        AclOperation,
        AclPermissionType,
        AdminClient,
        ResourcePatternType,
        ResourceType,
    )
    from confluent_kafka.error import KafkaError

    bp = start_broker(tmp_path)
    try:
        admin = AdminClient({"bootstrap.servers": bp.bootstrap})
        acl = AclBinding(
            ResourceType.TOPIC, "t", ResourcePatternType.LITERAL, "User:ANONYMOUS", "*",
            AclOperation.READ, AclPermissionType.ALLOW,
        )  # fmt: skip
        with pytest.raises(Exception) as exc:
            admin.create_acls([acl], request_timeout=15)[acl].result(15)
        assert exc.value.args[0].code() == KafkaError.SECURITY_DISABLED
    finally:
        assert bp.stop() == 0, bp.output()


@pytest.fixture
def abroker(tmp_path):
    bp = start_broker(
        tmp_path,
        [
            AUTHZ,
            "allow.everyone.if.no.acl.found=true",
            "offsets.topic.replication.factor=1",
            "group.initial.rebalance.delay.ms=0",
        ],
    )
    assert bp.proc.poll() is None, bp.output()
    yield bp
    if bp.proc.poll() is None:
        assert bp.stop() == 0, bp.output()


@pytest.mark.clients
def test_acls_with_two_admins_enforced_on_clients_and_persisted(abroker, tmp_path):
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import (
        AclBinding,
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        AdminClient,
        ResourcePatternType,
        ResourceType,
    )
    from kafka.admin import (
        ACL,
        ACLFilter,
        ACLOperation,
        ACLPermissionType,
        ACLResourcePatternType,
        KafkaAdminClient,
        ResourcePattern,
        ResourcePatternFilter,
    )
    from kafka.admin import ResourceType as KpType

    rc = RawClient("127.0.0.1", abroker.port)
    for t in ("secret", "open", "hidden-1"):
        assert create(rc, t).error_code == 0
    rc.close()
    admin = AdminClient({"bootstrap.servers": abroker.bootstrap})
    deny_write = AclBinding(
        ResourceType.TOPIC, "secret", ResourcePatternType.LITERAL, "User:ANONYMOUS", "*",
        AclOperation.WRITE, AclPermissionType.DENY,
    )  # fmt: skip
    deny_group = AclBinding(
        ResourceType.GROUP, "nogroup", ResourcePatternType.LITERAL, "User:*", "*",
        AclOperation.READ, AclPermissionType.DENY,
    )  # fmt: skip
    for fut in admin.create_acls([deny_write, deny_group], request_timeout=15).values():
        fut.result(15)
    kp = KafkaAdminClient(bootstrap_servers=abroker.bootstrap, request_timeout_ms=15000)
    try:
        hidden = ACL(
            "User:ANONYMOUS", "*", ACLOperation.DESCRIBE, ACLPermissionType.DENY,
            ResourcePattern(KpType.TOPIC, "hidden-", ACLResourcePatternType.PREFIXED),
        )  # fmt: skip
        result = kp.create_acls([hidden])
        assert not result["failed"], result
        everything = ACLFilter(
            None, None, ACLOperation.ANY, ACLPermissionType.ANY,
            ResourcePatternFilter(KpType.ANY, None, ACLResourcePatternType.ANY),
        )  # fmt: skip
        acls, err = kp.describe_acls(everything)
        assert err.__name__ == "NoError" and len(acls) == 3, acls
    finally:
        kp.close()
    got = admin.describe_acls(
        AclBindingFilter(
            ResourceType.TOPIC, "secret", ResourcePatternType.MATCH, None, None,
            AclOperation.ANY, AclPermissionType.ANY,
        ),
        request_timeout=15,
    ).result(15)  # fmt: skip
    assert [(a.name, a.operation) for a in got] == [("secret", AclOperation.WRITE)]

    # what clients see
    errors: list = []
    p = Producer({"bootstrap.servers": abroker.bootstrap, "message.timeout.ms": 10000})
    p.produce("secret", b"x", on_delivery=lambda e, m: errors.append(e))
    p.produce("open", b"y", on_delivery=lambda e, m: errors.append(e))
    p.flush(15)
    names = sorted(e.name() if e else "OK" for e in errors)
    assert names == ["OK", "TOPIC_AUTHORIZATION_FAILED"], names
    md = admin.list_topics(timeout=15)
    assert "open" in md.topics and "hidden-1" not in md.topics  # no DESCRIBE: not listed
    if shutil.which("kcat"):
        r = subprocess.run(
            ["kcat", "-P", "-b", abroker.bootstrap, "-t", "secret"],
            input=b"z\n",
            capture_output=True,
            timeout=30,
        )
        assert "Topic authorization failed" in r.stderr.decode(), r.stderr
    c = Consumer(
        {"bootstrap.servers": abroker.bootstrap, "group.id": "nogroup", "auto.offset.reset": "earliest"}
    )
    try:
        c.subscribe(["open"])
        err = None
        for _ in range(40):
            m = c.poll(0.5)
            if m is not None and m.error():
                err = m.error()
                break
        assert err is not None and err.name() == "GROUP_AUTHORIZATION_FAILED", err
    finally:
        c.close()

    # persisted with the cluster state
    assert abroker.stop() == 0, abroker.output()
    bp = start_broker(
        tmp_path, [AUTHZ, "allow.everyone.if.no.acl.found=true"], port=abroker.port, log_dir=abroker.log_dir
    )
    try:
        admin = AdminClient({"bootstrap.servers": bp.bootstrap})
        everything = AclBindingFilter(
            ResourceType.ANY,
            None,
            ResourcePatternType.ANY,
            None,
            None,
            AclOperation.ANY,
            AclPermissionType.ANY,
        )
        assert len(admin.describe_acls(everything, request_timeout=15).result(15)) == 3
        kp = KafkaAdminClient(bootstrap_servers=bp.bootstrap, request_timeout_ms=15000)
        try:
            only_secret = ACLFilter(
                None, None, ACLOperation.ANY, ACLPermissionType.ANY,
                ResourcePatternFilter(KpType.TOPIC, "secret", ACLResourcePatternType.LITERAL),
            )  # fmt: skip
            deleted = kp.delete_acls([only_secret])
            ((_, matches, err),) = deleted
            assert err.__name__ == "NoError" and len(matches) == 1, deleted
        finally:
            kp.close()
        errors = []
        p = Producer({"bootstrap.servers": bp.bootstrap, "message.timeout.ms": 10000})
        p.produce("secret", b"x", on_delivery=lambda e, m: errors.append(e))
        p.flush(15)
        assert errors == [None]  # the DENY is gone
    finally:
        assert bp.stop() == 0, bp.output()
