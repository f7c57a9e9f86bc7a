"""SCRAM credentials in ZooKeeper, as a Kafka 3.x broker in ZooKeeper mode keeps them (no
controller involved): a user's credential per mechanism is an entry of the user's config znode
/config/users/<sanitized user>, key `SCRAM-SHA-256` / `SCRAM-SHA-512`, value
`salt=<base64>,stored_key=<base64>,server_key=<base64>,iterations=<n>`
(ScramCredentialUtils.credentialToString), written with a /config/changes notification
(AdminZkClient.changeConfigs). The rules are ZkAdminManager.alterUserScramCredentials /
describeUserScramCredentials, which differ from the KRaft controller's: a user may change both
mechanisms in one request (only the same user and mechanism twice is DUPLICATE_RESOURCE), an
empty user is refused, and a described empty user is RESOURCE_NOT_FOUND. Everything here
blocks: callers run it through ZkSession.call."""

from __future__ import annotations

import base64

from kazoo.client import KazooClient
from kazoo.exceptions import NoNodeError

from .. import client_quotas as cq
from .. import scram_credentials as sc
from ..protocol.errors import ErrorCode
from . import znodes
from .client_quotas import read_props, write_entity


def credential_to_string(cred: dict) -> str:
    return (
        f"salt={cred['salt']},stored_key={cred['stored_key']},server_key={cred['server_key']},"
        f"iterations={cred['iterations']}"
    )


def iterations_of(value: str) -> int:
    """ScramCredentialUtils.credentialFromString's iterations; ValueError if malformed."""
    fields = dict(part.split("=", 1) for part in value.split(",") if "=" in part)
    for key in ("salt", "stored_key", "server_key"):
        base64.b64decode(fields[key], validate=True)
    return int(fields["iterations"])


def _user_path(user: str) -> str:
    return f"users/{cq.sanitize(user)}"


def alter(c: KazooClient, deletions: list[dict], upsertions: list[dict]) -> list[dict]:
    """ZkAdminManager.alterUserScramCredentials: the illegal (empty user, unknown mechanism,
    iterations outside [min, 16384]) first, then users naming one mechanism twice, then
    deletions of what is not there, then the writes; results in that order."""
    results: list[dict] = []
    illegal: dict[str, tuple[int, str]] = {}  # user -> (error code, message), the last one found
    for d in deletions:
        bad = sc.check_name_and_mechanism(d["name"], d["mechanism"])
        if bad:
            illegal[d["name"]] = bad
    for u in upsertions:
        bad = sc.check_upsertion(u)
        if bad:
            illegal[u["name"]] = bad
    for user, (code, msg) in illegal.items():
        results.append({"user": user, "error_code": code, "error_message": msg})
    pairs = [(x["name"], x["mechanism"]) for x in [*upsertions, *deletions] if x["name"] not in illegal]
    twice = {p[0] for p in pairs if pairs.count(p) > 1}
    for user in sorted(twice):
        results.append({"user": user, "error_code": ErrorCode.DUPLICATE_RESOURCE, "error_message": sc.TWICE})
    users = list(dict.fromkeys(name for name, _ in pairs if name not in twice))
    props = {user: read_props(c, _user_path(user)) for user in users}
    missing = list(
        dict.fromkeys(
            d["name"]
            for d in deletions
            if d["name"] in props and sc.MECHANISMS[d["mechanism"]][0] not in props[d["name"]]
        )
    )
    for user in missing:
        results.append(
            {"user": user, "error_code": ErrorCode.RESOURCE_NOT_FOUND, "error_message": sc.DELETE_MISSING}
        )
    for user in users:
        if user in missing:
            continue
        mine = props[user]
        for d in deletions:
            if d["name"] == user:
                mine.pop(sc.MECHANISMS[d["mechanism"]][0], None)
        for u in upsertions:
            if u["name"] == user:
                cred = sc.credential(u["mechanism"], u["salt"], u["salted_password"], u["iterations"])
                mine[sc.MECHANISMS[u["mechanism"]][0]] = credential_to_string(cred)
        write_entity(c, _user_path(user), mine)
        results.append({"user": user, "error_code": ErrorCode.NONE, "error_message": None})
    return results


def _children(c: KazooClient, path: str) -> list[str]:
    try:
        return sorted(c.get_children(path))
    except NoNodeError:
        return []


def _row(user: str, props: dict[str, str], explicit: bool) -> dict | None:
    row: dict = {"user": user, "error_code": ErrorCode.NONE, "error_message": None, "credential_infos": []}
    present = [(t, name) for t, (name, _) in sorted(sc.MECHANISMS.items()) if name in props]
    if not present:
        if not explicit:
            return None
        row.update(error_code=ErrorCode.RESOURCE_NOT_FOUND, error_message=f"{sc.DESCRIBE_MISSING}{user}")
        return row
    try:
        row["credential_infos"] = [
            {"mechanism": t, "iterations": iterations_of(props[n])} for t, n in present
        ]
    except (KeyError, ValueError):  # bad data in the znode: Kafka's "should generally never happen"
        row.update(error_code=ErrorCode.UNKNOWN_SERVER_ERROR, error_message=None, credential_infos=[])
    return row


def describe(c: KazooClient, users: list[dict] | None) -> list[dict]:
    """ZkAdminManager.describeUserScramCredentials."""
    if not users:  # every user znode (named as the znode is: sanitized), sorted
        rows = [
            _row(name, read_props(c, f"users/{name}"), False)
            for name in _children(c, f"{znodes.CONFIG}/users")
        ]
        return [r for r in rows if r is not None]
    names = [u["name"] for u in users]
    out: dict[str, dict] = {}
    for name in dict.fromkeys(names):
        if name == "":
            out[name] = {
                "user": name,
                "error_code": ErrorCode.RESOURCE_NOT_FOUND,
                "error_message": sc.EMPTY_USER,
                "credential_infos": [],
            }
        elif names.count(name) > 1:
            out[name] = {
                "user": name,
                "error_code": ErrorCode.DUPLICATE_RESOURCE,
                "error_message": f"{sc.DESCRIBE_TWICE}{name}",
                "credential_infos": [],
            }
        else:
            row = _row(name, read_props(c, _user_path(name)), True)
            assert row is not None
            out[name] = row
    return list(out.values())
