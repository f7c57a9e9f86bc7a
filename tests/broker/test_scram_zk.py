"""SCRAM credentials in ZooKeeper mode (a real ZooKeeper, three real `python -m broker`
processes): AlterUserScramCredentials through broker 1 writes the user's config znode as Kafka's
ZkAdminManager does (`SCRAM-SHA-256` = `salt=…,stored_key=…,server_key=…,iterations=…`, read back
with zkCli.sh) and a /config/changes notification; brokers 2 and 3 describe it; ZkAdminManager's
rules (both mechanisms of one user in one request are fine there; the same mechanism twice is
not); a deletion empties it."""

from __future__ import annotations

import base64
import json

import pytest
from rawclient import RawClient
from test_scram_credentials import _alter, _describe, _rows
from test_zk_cluster import cluster, zk, zk_get  # noqa: F401 (the fixtures)

from broker.scram_credentials import credential

pytestmark = [pytest.mark.clients, pytest.mark.slow]


def _client(c, i: int) -> RawClient:
    return RawClient(f"127.0.0.{i}", c.ports[i][1])


def test_scram_credentials_in_zookeeper(cluster, zk):  # noqa: F811
    rc = _client(cluster, 1)
    try:
        # two mechanisms of one user in one request: ZooKeeper mode allows it (KRaft does not)
        assert _alter(rc, upsertions=[("scrz", 1, 4096), ("scrz", 2, 8192)]) == {"scrz": (0, None)}
        assert _alter(rc, upsertions=[("scrz2", 1, 4096), ("scrz2", 1, 8192)]) == {
            "scrz2": (92, "A user credential cannot be altered twice in the same request")
        }
        assert _alter(rc, upsertions=[("scrz3", 1, 100), ("", 1, 4096), ("scrz4", 9, 4096)]) == {
            "scrz3": (93, "Too few iterations"),
            "": (93, "Username must not be empty"),
            "scrz4": (33, "Unknown SCRAM mechanism"),
        }
        assert _alter(rc, deletions=[("scrnobody", 1)]) == {
            "scrnobody": (91, "Attempt to delete a user credential that does not exist")
        }
    finally:
        rc.close()

    znode = json.loads(zk_get(zk, "/config/users/scrz") or "{}")
    want = credential(1, b"scrsalt", b"x" * 32, 4096)  # what _alter sends, derived as ScramFormatter does
    assert znode["config"]["SCRAM-SHA-256"] == (
        f"salt={base64.b64encode(b'scrsalt').decode()},stored_key={want['stored_key']},"
        f"server_key={want['server_key']},iterations=4096"
    )
    assert znode["config"]["SCRAM-SHA-512"].endswith(",iterations=8192")
    changes = sorted(line for line in zk.cli("ls", "/config/changes").split() if "config_change_" in line)
    paths = [
        json.loads(zk_get(zk, f"/config/changes/{c.strip('[],')}") or "{}")["entity_path"] for c in changes
    ]
    assert paths == ["users/scrz"], changes  # one notification: the one user written

    for i in (2, 3):
        rc = _client(cluster, i)
        try:
            assert _rows(_describe(rc, ["scrz", "scrnobody"])) == {
                "scrz": (0, None, [(1, 4096), (2, 8192)]),
                "scrnobody": (91, "Attempt to describe a user credential that does not exist: scrnobody", []),
            }
            assert _rows(_describe(rc, None)) == {"scrz": (0, None, [(1, 4096), (2, 8192)])}
        finally:
            rc.close()

    rc = _client(cluster, 3)
    try:
        assert _alter(rc, deletions=[("scrz", 1), ("scrz", 2)]) == {"scrz": (0, None)}
        assert _rows(_describe(rc, ["scrz"]))["scrz"][0] == 91
    finally:
        rc.close()
    assert "SCRAM" not in (zk_get(zk, "/config/users/scrz") or "")
