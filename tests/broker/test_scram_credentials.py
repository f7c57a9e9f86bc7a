"""SCRAM credentials (KIP-554) on one KRaft broker, with real clients: confluent-kafka's and
kafka-python's admin clients, and kafka-python's protocol classes for the exact error codes and
messages Kafka 3.7 answers (ScramControlManager, ScramImage.describe). What is stored is read back
from the metadata log with our kafka-dump-log: salt, stored key and server key as RFC 5802 derives
them from the client's password, never the salted password."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from brokerproc import metadata_log_records, start_broker
from kafka.protocol.admin import AlterUserScramCredentialsRequest, DescribeUserScramCredentialsRequest
from rawclient import RawClient

pytestmark = [pytest.mark.clients]

SHA256, SHA512 = 1, 2
AUTHZ = "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"


def _alter(rc: RawClient, deletions=(), upsertions=()) -> dict[str, tuple[int, str | None]]:
    """AlterUserScramCredentials: user -> (error code, message). deletions: (name, mechanism);
    upsertions: (name, mechanism, iterations)."""
    R = AlterUserScramCredentialsRequest
    req = R(
        deletions=[R.ScramCredentialDeletion(name=n, mechanism=m) for n, m in deletions],
        upsertions=[
            R.ScramCredentialUpsertion(
                name=n, mechanism=m, iterations=it, salt=b"scrsalt", salted_password=b"x" * 32
            )
            for n, m, it in upsertions
        ],
        version=0,
    )
    resp = rc.request(req, 0)
    return {r.user: (r.error_code, r.error_message) for r in resp.results}


def _describe(rc: RawClient, users: list[str] | None):
    req = DescribeUserScramCredentialsRequest(
        users=None if users is None else [(u,) for u in users], version=0
    )
    return rc.request(req, 0)


def _rows(resp) -> dict[str, tuple]:
    return {
        r.user: (r.error_code, r.error_message, [(c.mechanism, c.iterations) for c in r.credential_infos])
        for r in resp.results
    }


def _scram_records(metadata_dir) -> list[dict]:
    """The SCRAM records of a metadata log as kafka-dump-log --cluster-metadata-decoder prints them."""
    kinds = ("USER_SCRAM_CREDENTIAL_RECORD", "REMOVE_USER_SCRAM_CREDENTIAL_RECORD")
    return [d for d in metadata_log_records(metadata_dir) if d["type"] in kinds]


def _rfc5802(digest: str, password: bytes, salt: bytes, iterations: int) -> tuple[str, str]:
    """(stored key, server key), base64, as RFC 5802 derives them from the password."""
    salted = hashlib.pbkdf2_hmac(digest, password, salt, iterations)
    client_key = hmac.new(salted, b"Client Key", digest).digest()
    stored = hashlib.new(digest, client_key).digest()
    server = hmac.new(salted, b"Server Key", digest).digest()
    return base64.b64encode(stored).decode(), base64.b64encode(server).decode()


def test_scram_upsert_describe_delete_and_restart(tmp_path):
    """confluent-kafka upserts (it salts the password itself), both admin clients describe,
    the records hold what Kafka's hold, a restarted broker replays them, a deletion removes one
    mechanism and then the user."""
    from confluent_kafka.admin import (
        AdminClient,
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialDeletion,
        UserScramCredentialUpsertion,
    )
    from kafka.admin import KafkaAdminClient

    bp = start_broker(tmp_path)
    try:
        admin = AdminClient({"bootstrap.servers": bp.bootstrap})
        ups = [
            UserScramCredentialUpsertion(
                "scralice",
                ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192),
                b"scr-secret",
                b"scrsalt1",
            ),
            UserScramCredentialUpsertion(
                "scrbob", ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), b"bob-secret", b"scrsalt2"
            ),
        ]
        for user, f in admin.alter_user_scram_credentials(ups).items():
            assert f.result(15) is None, user
        # a second mechanism of the same user: another request (Kafka: one alteration per user)
        up512 = UserScramCredentialUpsertion(
            "scralice", ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 16384), b"scr-secret", b"scrsalt3"
        )
        admin.alter_user_scram_credentials([up512])["scralice"].result(15)

        desc = admin.describe_user_scram_credentials(["scralice"])["scralice"].result(15)
        assert [(i.mechanism, i.iterations) for i in desc.scram_credential_infos] == [
            (ScramMechanism.SCRAM_SHA_256, 8192),
            (ScramMechanism.SCRAM_SHA_512, 16384),
        ]
        everyone = admin.describe_user_scram_credentials().result(15)
        assert sorted(everyone) == ["scralice", "scrbob"]

        kadmin = KafkaAdminClient(bootstrap_servers=bp.bootstrap)
        try:
            got = kadmin.describe_user_scram_credentials(["scrbob"])
        finally:
            kadmin.close()
        assert [(int(c["mechanism"]), c["iterations"]) for c in got["scrbob"]["credential_infos"]] == [
            (2, 4096)
        ]

        records = _scram_records(tmp_path / "kafka-logs" / "__cluster_metadata-0")
        first = next(
            r["data"] for r in records if r["data"]["name"] == "scralice" and r["data"]["mechanism"] == 1
        )
        stored, server = _rfc5802("sha256", b"scr-secret", b"scrsalt1", 8192)
        assert first == {
            "name": "scralice",
            "mechanism": 1,
            "salt": base64.b64encode(b"scrsalt1").decode(),
            "storedKey": stored,
            "serverKey": server,
            "iterations": 8192,
        }
        salted = base64.b64encode(hashlib.pbkdf2_hmac("sha256", b"scr-secret", b"scrsalt1", 8192)).decode()
        assert salted not in json.dumps(records)  # the salted password is never stored
    finally:
        assert bp.stop() == 0, bp.output()

    bp = start_broker(tmp_path, port=bp.port)  # the same log dirs: the credentials replayed
    try:
        rc = RawClient("127.0.0.1", bp.port)
        try:
            assert _rows(_describe(rc, ["scralice", "scrbob"])) == {
                "scralice": (0, None, [(1, 8192), (2, 16384)]),
                "scrbob": (0, None, [(2, 4096)]),
            }
        finally:
            rc.close()
        admin = AdminClient({"bootstrap.servers": bp.bootstrap})
        gone = UserScramCredentialDeletion("scralice", ScramMechanism.SCRAM_SHA_256)
        assert admin.alter_user_scram_credentials([gone])["scralice"].result(15) is None
        desc = admin.describe_user_scram_credentials(["scralice"])["scralice"].result(15)
        assert [(i.mechanism, i.iterations) for i in desc.scram_credential_infos] == [
            (ScramMechanism.SCRAM_SHA_512, 16384)
        ]
        last = UserScramCredentialDeletion("scralice", ScramMechanism.SCRAM_SHA_512)
        assert admin.alter_user_scram_credentials([last])["scralice"].result(15) is None
        with pytest.raises(Exception) as exc:
            admin.describe_user_scram_credentials(["scralice"])["scralice"].result(15)
        assert exc.value.args[0].code() == 91  # RESOURCE_NOT_FOUND
        removes = [r["data"] for r in _scram_records(bp.log_dir / "__cluster_metadata-0")]
        assert {"name": "scralice", "mechanism": 1} in removes and {
            "name": "scralice",
            "mechanism": 2,
        } in removes
    finally:
        assert bp.stop() == 0, bp.output()


def test_scram_errors_as_kafka_answers_them(tmp_path):
    bp = start_broker(tmp_path)
    rc = RawClient("127.0.0.1", bp.port)
    try:
        got = _alter(
            rc,
            upsertions=[
                ("scrunknown", 0, 8192),
                ("scrthree", 3, 8192),
                ("", SHA256, 8192),
                ("scrfew", SHA256, 4095),
                ("scrfew512", SHA512, 4095),
                ("scrmany", SHA512, 16385),
                ("scrmin", SHA256, 4096),
                ("scrmax", SHA512, 16384),
            ],
        )
        assert got == {
            "scrunknown": (33, "Unknown SCRAM mechanism"),  # UNSUPPORTED_SASL_MECHANISM
            "scrthree": (33, "Unknown SCRAM mechanism"),
            "": (93, "Username must not be empty"),  # UNACCEPTABLE_CREDENTIAL
            "scrfew": (93, "Too few iterations"),
            "scrfew512": (93, "Too few iterations"),
            "scrmany": (93, "Too many iterations"),
            "scrmin": (0, None),
            "scrmax": (0, None),
        }
        # a user named twice in one request, even with two mechanisms: DUPLICATE_RESOURCE, and
        # neither alteration happens
        twice = "A user credential cannot be altered twice in the same request"
        assert _alter(rc, upsertions=[("scrtwice", SHA256, 4096), ("scrtwice", SHA512, 4096)]) == {
            "scrtwice": (92, twice)
        }
        assert _alter(rc, deletions=[("scrmin", SHA256)], upsertions=[("scrmin", SHA512, 4096)]) == {
            "scrmin": (92, twice)
        }
        assert _alter(rc, deletions=[("scrnobody", SHA256), ("scrmax", SHA256)]) == {
            "scrnobody": (91, "Attempt to delete a user credential that does not exist"),
            "scrmax": (91, "Attempt to delete a user credential that does not exist"),  # not that mechanism
        }
        assert _alter(rc, deletions=[("scrmax", 7)]) == {"scrmax": (33, "Unknown SCRAM mechanism")}

        resp = _describe(rc, ["scrmin", "scrnobody", "scrtwice", "scrmin"])
        assert resp.error_code == 0
        assert _rows(resp) == {
            "scrmin": (
                92,
                "Cannot describe SCRAM credentials for the same user twice in a single request: scrmin",
                [],
            ),
            "scrnobody": (91, "Attempt to describe a user credential that does not exist: scrnobody", []),
            "scrtwice": (91, "Attempt to describe a user credential that does not exist: scrtwice", []),
        }
        assert (
            _rows(_describe(rc, None))
            == _rows(_describe(rc, []))
            == {
                "scrmax": (0, None, [(2, 16384)]),
                "scrmin": (0, None, [(1, 4096)]),
            }
        )
    finally:
        rc.close()
        assert bp.stop() == 0, bp.output()


def test_scram_needs_alter_and_describe_on_the_cluster(tmp_path):
    """With an authorizer: DESCRIBE on the cluster lets a client describe, only ALTER lets it
    alter (ControllerApis / KafkaApis). The ACL is made by a super user; the broker restarted
    without super users then answers the anonymous client by it."""
    from confluent_kafka.admin import (
        AclBinding,
        AclOperation,
        AclPermissionType,
        AdminClient,
        ResourcePatternType,
        ResourceType,
    )

    bp = start_broker(tmp_path, [AUTHZ, "super.users=User:ANONYMOUS"])
    try:
        rc = RawClient("127.0.0.1", bp.port)
        try:
            assert _alter(rc, upsertions=[("scrauth", SHA256, 4096)]) == {"scrauth": (0, None)}
        finally:
            rc.close()
        acl = AclBinding(
            ResourceType.BROKER, "kafka-cluster", ResourcePatternType.LITERAL, "User:ANONYMOUS", "*",
            AclOperation.DESCRIBE, AclPermissionType.ALLOW,
        )  # fmt: skip
        admin = AdminClient({"bootstrap.servers": bp.bootstrap})
        admin.create_acls([acl], request_timeout=15)[acl].result(15)
    finally:
        assert bp.stop() == 0, bp.output()

    bp = start_broker(tmp_path, [AUTHZ], port=bp.port)
    rc = RawClient("127.0.0.1", bp.port)
    try:
        assert _rows(_describe(rc, ["scrauth"])) == {"scrauth": (0, None, [(1, 4096)])}
        # AlterUserScramCredentialsRequest.getErrorResponse: every user named, sorted, failed
        assert _alter(rc, deletions=[("scrauth", SHA256)], upsertions=[("scrb", SHA256, 4096)]) == {
            "scrauth": (31, None),
            "scrb": (31, None),
        }
        assert _rows(_describe(rc, ["scrauth"])) == {"scrauth": (0, None, [(1, 4096)])}  # nothing deleted
    finally:
        rc.close()
        assert bp.stop() == 0, bp.output()

    bp = start_broker(
        tmp_path, [AUTHZ, "allow.everyone.if.no.acl.found=false"], port=bp.port, log_dir=tmp_path / "none"
    )
    rc = RawClient("127.0.0.1", bp.port)
    try:
        resp = _describe(rc, ["scrauth", "scrx"])
        # DescribeUserScramCredentialsRequest.getErrorResponse: the error at the top and a row
        # without a user name per user asked for
        assert (resp.error_code, resp.error_message) == (31, None)
        assert [(r.user, r.error_code) for r in resp.results] == [("", 31), ("", 31)]
    finally:
        rc.close()
        assert bp.stop() == 0, bp.output()
