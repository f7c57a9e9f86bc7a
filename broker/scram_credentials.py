"""SCRAM credentials of users (KIP-554: AlterUserScramCredentials, DescribeUserScramCredentials)
and Kafka's rules for them, as pure functions over a *table*

    {user: {mechanism name: {"salt", "stored_key", "server_key": base64 text, "iterations": int}}}

the one shape the KRaft controller, every broker's replayed copy and the metadata image share.

What is kept is what Kafka keeps (ScramControlManager.finishUpsertion with ScramFormatter): the
client's salt, and the stored key H(HMAC(salted password, "Client Key")) and server key
HMAC(salted password, "Server Key") derived from the salted password the client sent; never the
salted password itself. DescribeUserScramCredentials shows mechanism and iterations only.

Rules, as Kafka 3.7 has them:
- alter: ScramControlManager.alterCredentials / validateUpsertion / validateDeletion /
  validateScramUsernameAndMechanism (a user named twice in one request: DUPLICATE_RESOURCE, so
  one mechanism per user per request; iterations from the mechanism's minimum, 4096 for both
  SHA-256 and SHA-512 (internals.ScramMechanism.minIterations), to MAX_ITERATIONS 16384);
- describe: ScramImage.describe.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from .protocol.errors import ErrorCode

# org.apache.kafka.clients.admin.ScramMechanism: its type byte -> (mechanism name, hash)
MECHANISMS = {1: ("SCRAM-SHA-256", "sha256"), 2: ("SCRAM-SHA-512", "sha512")}
TYPE_OF = {name: t for t, (name, _) in MECHANISMS.items()}
MIN_ITERATIONS = 4096  # internals.ScramMechanism: the same minimum for both mechanisms
MAX_ITERATIONS = 16384  # ScramControlManager.MAX_ITERATIONS

# the messages Kafka answers with (ScramControlManager, ScramImage)
TWICE = "A user credential cannot be altered twice in the same request"
EMPTY_USER = "Username must not be empty"
UNKNOWN_MECHANISM = "Unknown SCRAM mechanism"
TOO_FEW = "Too few iterations"
TOO_MANY = "Too many iterations"
DELETE_MISSING = "Attempt to delete a user credential that does not exist"
DESCRIBE_TWICE = "Cannot describe SCRAM credentials for the same user twice in a single request: "
DESCRIBE_MISSING = "Attempt to describe a user credential that does not exist: "

Table = dict[str, dict[str, dict]]
Change = tuple[str, str, "dict | None"]  # (user, mechanism name, new credential or None: removed)


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def credential(mechanism: int, salt: bytes, salted_password: bytes, iterations: int) -> dict:
    """What Kafka stores of an upsertion (ScramFormatter.clientKey / storedKey / serverKey)."""
    digest = MECHANISMS[mechanism][1]
    salt, salted_password = bytes(salt), bytes(salted_password)  # the decoder hands memoryviews
    client_key = hmac.new(salted_password, b"Client Key", digest).digest()
    return {
        "salt": _b64(salt),
        "stored_key": _b64(hashlib.new(digest, client_key).digest()),
        "server_key": _b64(hmac.new(salted_password, b"Server Key", digest).digest()),
        "iterations": iterations,
    }


def check_name_and_mechanism(user: str, mechanism: int) -> tuple[int, str] | None:
    if user == "":
        return ErrorCode.UNACCEPTABLE_CREDENTIAL, EMPTY_USER
    if mechanism not in MECHANISMS:  # ScramMechanism.fromType: anything else is UNKNOWN
        return ErrorCode.UNSUPPORTED_SASL_MECHANISM, UNKNOWN_MECHANISM
    return None


def check_upsertion(u: dict) -> tuple[int, str] | None:
    bad = check_name_and_mechanism(u["name"], u["mechanism"])
    if bad:
        return bad
    if u["iterations"] < MIN_ITERATIONS:
        return ErrorCode.UNACCEPTABLE_CREDENTIAL, TOO_FEW
    if u["iterations"] > MAX_ITERATIONS:
        return ErrorCode.UNACCEPTABLE_CREDENTIAL, TOO_MANY
    return None


def _check_deletion(table: Table, d: dict) -> tuple[int, str] | None:
    bad = check_name_and_mechanism(d["name"], d["mechanism"])
    if bad:
        return bad
    if MECHANISMS[d["mechanism"]][0] not in table.get(d["name"], {}):
        return ErrorCode.RESOURCE_NOT_FOUND, DELETE_MISSING
    return None


def controller_alter(
    table: Table, deletions: list[dict], upsertions: list[dict]
) -> tuple[list[dict], list[Change]]:
    """ScramControlManager.alterCredentials: (a result per user named, the changes to write: a
    UserScramCredentialRecord or RemoveUserScramCredentialRecord each). Deletions are checked
    first, then upsertions; a user named a second time (whatever the mechanism) fails with
    DUPLICATE_RESOURCE and loses its first alteration too. Results list the deletions, then the
    upsertions, then the failures (Kafka walks Java HashMaps there; we keep request order)."""
    deleting: dict[str, dict] = {}
    upserting: dict[str, dict] = {}
    failed: dict[str, tuple[int, str]] = {}
    for d in deletions:
        name = d["name"]
        if name in failed:
            continue
        if deleting.pop(name, None) is not None:
            failed[name] = (ErrorCode.DUPLICATE_RESOURCE, TWICE)
            continue
        bad = _check_deletion(table, d)
        if bad:
            failed[name] = bad
        else:
            deleting[name] = d
    for u in upsertions:
        name = u["name"]
        if name in failed:
            continue
        if deleting.pop(name, None) is not None or upserting.pop(name, None) is not None:
            failed[name] = (ErrorCode.DUPLICATE_RESOURCE, TWICE)
            continue
        bad = check_upsertion(u)
        if bad:
            failed[name] = bad
        else:
            upserting[name] = u
    results: list[dict] = []
    changes: list[Change] = []
    for name, d in deleting.items():
        results.append({"user": name, "error_code": ErrorCode.NONE, "error_message": None})
        changes.append((name, MECHANISMS[d["mechanism"]][0], None))
    for name, u in upserting.items():
        results.append({"user": name, "error_code": ErrorCode.NONE, "error_message": None})
        cred = credential(u["mechanism"], u["salt"], u["salted_password"], u["iterations"])
        changes.append((name, MECHANISMS[u["mechanism"]][0], cred))
    for name, (code, message) in failed.items():
        results.append({"user": name, "error_code": code, "error_message": message})
    return results, changes


def all_failed(deletions: list[dict], upsertions: list[dict], code: int, message: str | None) -> list[dict]:
    """AlterUserScramCredentialsRequest.getErrorResponse: every distinct user, sorted, failed."""
    users = sorted({d["name"] for d in deletions} | {u["name"] for u in upsertions})
    return [{"user": u, "error_code": code, "error_message": message} for u in users]


def apply_change(table: Table, user: str, mechanism: str, cred: dict | None) -> None:
    """One record replayed (ScramControlManager.replay / ScramDelta): a user whose last
    credential is removed is gone. Removing what is not there changes nothing (Kafka's
    controller would fail the replay; no controller of ours writes one)."""
    creds = table.setdefault(user, {})
    if cred is None:
        creds.pop(mechanism, None)
    else:
        creds[mechanism] = dict(cred)
    if not creds:
        table.pop(user, None)


def describe(table: Table, users: list[dict] | None) -> list[dict]:
    """ScramImage.describe: null or empty `users` lists every user with a credential; a user
    named twice is answered DUPLICATE_RESOURCE, one without any credential RESOURCE_NOT_FOUND;
    the rest their mechanisms (by type) and iterations."""
    wanted: dict[str, bool] = {}  # user -> named more than once
    if not users:
        wanted = dict.fromkeys(sorted(table), False)
    else:
        for u in users:
            wanted[u["name"]] = u["name"] in wanted
    out = []
    for user, twice in wanted.items():
        row: dict = {
            "user": user,
            "error_code": ErrorCode.NONE,
            "error_message": None,
            "credential_infos": [],
        }
        creds = table.get(user, {})
        if twice:
            row.update(error_code=ErrorCode.DUPLICATE_RESOURCE, error_message=DESCRIBE_TWICE + user)
        elif not creds:
            row.update(error_code=ErrorCode.RESOURCE_NOT_FOUND, error_message=DESCRIBE_MISSING + user)
        else:
            row["credential_infos"] = [
                {"mechanism": TYPE_OF[m], "iterations": c["iterations"]}
                for m, c in sorted(creds.items(), key=lambda mc: TYPE_OF.get(mc[0], 99))
                if m in TYPE_OF
            ]
        out.append(row)
    return out


def copy_table(table: Table) -> Table:
    """A copy that shares nothing with `table` (the image is replayed into in place)."""
    return {user: {m: dict(c) for m, c in creds.items()} for user, creds in table.items()}
