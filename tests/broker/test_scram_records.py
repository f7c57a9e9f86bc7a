"""SCRAM credentials through the metadata records, in-process: the records the controller writes
between two images (UserScramCredentialRecord, RemoveUserScramCredentialRecord, Kafka's field
lists) replay into the same credentials on a reader, and mark the delta; a change of one
credential writes one record."""

from __future__ import annotations

from broker import scram_credentials as sc
from broker.raft import metadata_records as mr
from broker.raft import state_codec
from broker.raft.metadata_delta import MetadataDelta


def _replayed(records: list[bytes], image: dict) -> MetadataDelta:
    delta = MetadataDelta()
    for r in records:
        state_codec.replay(image, r, delta)
    return delta


def test_scram_records_round_trip():
    old = state_codec.empty_image("scrcluster")
    new = state_codec.empty_image("scrcluster")
    table: sc.Table = {}
    sc.apply_change(table, "scra", "SCRAM-SHA-256", sc.credential(1, b"s1", b"p" * 32, 4096))
    sc.apply_change(table, "scra", "SCRAM-SHA-512", sc.credential(2, b"s2", b"q" * 64, 8192))
    sc.apply_change(table, "scrb", "SCRAM-SHA-512", sc.credential(2, b"s3", b"r" * 64, 16384))
    new["scram_credentials"] = sc.copy_table(table)

    records = state_codec.diff(old, new)
    assert [mr.decode(r)[0] for r in records] == [mr.USER_SCRAM_CREDENTIAL] * 3
    reader = state_codec.empty_image("scrcluster")
    delta = _replayed(records, reader)
    assert delta.scram_credentials and bool(delta)
    assert reader["scram_credentials"] == new["scram_credentials"]

    # one credential changed, one removed: one record each
    changed = state_codec.empty_image("scrcluster")
    changed["scram_credentials"] = sc.copy_table(table)
    sc.apply_change(
        changed["scram_credentials"], "scra", "SCRAM-SHA-256", sc.credential(1, b"s9", b"z" * 32, 4096)
    )
    sc.apply_change(changed["scram_credentials"], "scrb", "SCRAM-SHA-512", None)
    records = state_codec.diff(new, changed)
    kinds = [(mr.decode(r)[0], mr.decode(r)[1]["Name"]) for r in records]
    assert kinds == [(mr.USER_SCRAM_CREDENTIAL, "scra"), (mr.REMOVE_USER_SCRAM_CREDENTIAL, "scrb")]
    _replayed(records, reader)
    assert reader["scram_credentials"] == changed["scram_credentials"]
    assert "scrb" not in reader["scram_credentials"]  # its last credential gone: the user too
    assert b"z" * 32 not in b"".join(records)  # the salted password itself is never written


def test_scram_describe_lists_no_secrets():
    table: sc.Table = {}
    sc.apply_change(table, "scra", "SCRAM-SHA-512", sc.credential(2, b"s", b"p" * 64, 8192))
    rows = sc.describe(table, None)
    assert rows == [
        {
            "user": "scra",
            "error_code": 0,
            "error_message": None,
            "credential_infos": [{"mechanism": 2, "iterations": 8192}],
        }
    ]
