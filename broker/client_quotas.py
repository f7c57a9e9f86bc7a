"""Client quota entities and Kafka's rules for altering and describing them (AlterClientQuotas,
DescribeClientQuotas). Pure functions over a *table* {entity path: {quota key: value}}, the one
shape the KRaft controller's image, every broker's replayed copy and the ZooKeeper store share.

An entity maps entity types (`user`, `client-id`, `ip`) to names, None naming the type's default
entity. It is kept under its *path*, the name Kafka gives it below /config in ZooKeeper
(ConfigEntityZNode, names sanitized by Kafka's Sanitizer, the default spelt `<default>`,
ConfigEntityName.Default):

    clients/<client-id>   users/<user>   users/<user>/clients/<client-id>   ips/<ip>

Two dialects of the rules, as Kafka 3.7 has them:
- KRaft: the controller's ClientQuotaControlManager.alterClientQuotas (validation, one record per
  changed key) and the brokers' ClientQuotasImage.describe (the filter);
- ZooKeeper: ZkAdminManager.alterClientQuotas / describeClientQuotas (other messages, values stored
  as property strings, no positivity check). broker/zk/client_quotas.py does its I/O.
"""

from __future__ import annotations

import ipaddress
import math
from decimal import Decimal
from urllib.parse import unquote_plus

from .protocol.errors import ErrorCode

USER, CLIENT_ID, IP = "user", "client-id", "ip"
DEFAULT = "<default>"
PRODUCE, FETCH = "producer_byte_rate", "consumer_byte_rate"
# QuotaConfigs (Kafka 3.7): the keys of user and client-id entities and of ip entities, with
# their ConfigDef types
USER_CLIENT_KEYS = {
    PRODUCE: "LONG",
    FETCH: "LONG",
    "request_percentage": "DOUBLE",
    "controller_mutation_rate": "DOUBLE",
}
IP_KEYS = {"connection_creation_rate": "INT"}
# ZooKeeper mode validates a user entity's keys against DynamicConfig.User, which also holds the
# SCRAM credentials (a STRING: ZkAdminManager fails with an IllegalStateException)
ZK_USER_KEYS = {**USER_CLIENT_KEYS, "SCRAM-SHA-256": "STRING", "SCRAM-SHA-512": "STRING"}
_MAX = {"INT": 2**31 - 1, "LONG": 2**63 - 1}
_ROOTS = {"clients": CLIENT_ID, "users": USER, "ips": IP}
# the order Kafka's ClientQuotaEntity map lists the types in (a Java HashMap of these three keys)
_TYPE_ORDER = {CLIENT_ID: 0, USER: 1, IP: 2}

Table = dict[str, dict[str, float]]
Entity = dict[str, "str | None"]


class QuotaError(Exception):
    """A refusal with Kafka's error code and message (message None where Kafka sends none)."""

    def __init__(self, code: int, message: str | None):
        super().__init__(message)
        self.code, self.message = code, message


# --- names and paths ---
def sanitize(name: str) -> str:
    """Kafka's Sanitizer.sanitize: URL-encoding (java.net.URLEncoder keeps letters, digits and
    `.-_*`), then `*` as %2A and a space as %20; so: everything but [A-Za-z0-9._-] percent-encoded."""
    out = []
    for ch in name:
        if ch.isascii() and (ch.isalnum() or ch in "._-"):
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
    return "".join(out)


def desanitize(name: str) -> str:
    return unquote_plus(name)  # java.net.URLDecoder


def _part(name: str | None) -> str:
    return DEFAULT if name is None else sanitize(name)


def _unpart(part: str) -> str | None:
    return None if part == DEFAULT else desanitize(part)


def entity_path(entity: Entity) -> str:
    """The path of a valid entity (see check_entity)."""
    if IP in entity:
        return f"ips/{_part(entity[IP])}"
    if USER in entity and CLIENT_ID in entity:
        return f"users/{_part(entity[USER])}/clients/{_part(entity[CLIENT_ID])}"
    if USER in entity:
        return f"users/{_part(entity[USER])}"
    return f"clients/{_part(entity[CLIENT_ID])}"


def entity_of_path(path: str) -> Entity:
    parts = path.split("/")
    if len(parts) == 4 and parts[0] == "users" and parts[2] == "clients":
        return {CLIENT_ID: _unpart(parts[3]), USER: _unpart(parts[1])}
    if len(parts) != 2 or parts[0] not in _ROOTS:
        raise ValueError(f"not a client quota entity path: {path!r}")
    return {_ROOTS[parts[0]]: _unpart(parts[1])}


def ordered(entity: Entity) -> list[tuple[str, str | None]]:
    return sorted(entity.items(), key=lambda kv: (_TYPE_ORDER.get(kv[0], 9), kv[0]))


def entity_data(entity: Entity) -> list[dict]:
    """The entity as the wire's EntityData list."""
    return [{"entity_type": t, "entity_name": n} for t, n in ordered(entity)]


def entity_text(entity: Entity) -> str:
    """ClientQuotaEntity.toString, as Kafka's messages quote it."""
    inner = ", ".join(f"{t}={'null' if n is None else n}" for t, n in ordered(entity))
    return f"ClientQuotaEntity(entries={{{inner}}})"


def request_entity(entry: dict) -> Entity:
    """AlterClientQuotasRequest.entries: the entity as a map (a type given twice: the last wins)."""
    return {e["entity_type"]: e["entity_name"] for e in entry["entity"]}


def _valid_ip(name: str | None) -> bool:
    """Kafka resolves a host name here (InetAddress.getByName); a broker answering a request
    never waits on DNS, so only an IP literal (or the default) is valid here."""
    if name is None:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


# --- KRaft: ClientQuotaControlManager ---
def check_entity(entity: Entity) -> tuple[str | None, dict[str, str]]:
    """(why it is refused or None, its quota keys): validateEntity, then configKeysForEntityType."""
    if not entity:
        return "Invalid empty client quota entity", {}
    for t, n in entity.items():
        if t not in (USER, CLIENT_ID, IP):
            return f"Unhandled client quota entity type: {t}", {}
        if n is not None and n == "":
            return f"Empty {t} not supported", {}
    if IP in entity:
        if USER in entity or CLIENT_ID in entity:
            # sic: Kafka's message lacks the space
            return (
                "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId",
                {},
            )
        if not _valid_ip(entity[IP]):
            return f"{entity[IP]} is not a valid IP or resolvable host.", {}
        return None, IP_KEYS
    return None, USER_CLIENT_KEYS


def check_value(keys: dict[str, str], key: str, value: float) -> tuple[int, str] | None:
    """ClientQuotaControlManager.validateQuotaKeyValue."""
    kind = keys.get(key)
    if kind is None:
        return ErrorCode.INVALID_REQUEST, f"Invalid configuration key {key}"
    if value <= 0.0:
        return ErrorCode.INVALID_REQUEST, f"Quota {key} must be greater than 0"
    if kind == "DOUBLE":
        return None
    if kind in _MAX and value > _MAX[kind]:
        article = "an" if kind == "INT" else "a"
        return ErrorCode.INVALID_REQUEST, f"Proposed value for {key} is too large for {article} {kind}."
    if abs(math.fmod(value, 1.0)) > 1e-6:
        return ErrorCode.INVALID_REQUEST, f"{key} cannot be a fractional value."
    return None


def same_value(a: float | None, b: float | None) -> bool:
    """Java's Double.equals: NaN equals NaN (Kafka accepts a NaN quota; it is written once)."""
    return a == b or (a is not None and b is not None and math.isnan(a) and math.isnan(b))


Change = tuple[str, str, "float | None"]  # (entity path, key, new value or None to remove)


def controller_alter(table: Table, entries: list[dict]) -> tuple[list[dict], list[Change]]:
    """ClientQuotaControlManager.alterClientQuotas: a result per distinct entity (request order)
    and the changes to write (a ClientQuotaRecord each). An entity with any invalid op changes
    nothing; an unchanged value is not written again. Kafka's quirks kept: a key twice in one
    entry, or an entity twice in one request, is answered "Ignoring duplicate entity" (the
    second overwrites the first's answer, whose changes still go ahead)."""
    results: dict[tuple, tuple[Entity, int, str | None]] = {}
    changes: list[Change] = []
    for entry in entries:
        entity = request_entity(entry)
        ident = tuple(ordered(entity))
        alterations: dict[str, float | None] = {}
        for op in entry["ops"]:
            if op["key"] in alterations:
                results[ident] = (entity, ErrorCode.INVALID_REQUEST, "duplicate key")
            else:
                alterations[op["key"]] = None if op["remove"] else op["value"]
        if ident in results:
            results[ident] = (
                entity,
                ErrorCode.INVALID_REQUEST,
                f"Ignoring duplicate entity {entity_text(entity)}",
            )
            continue
        code, msg, mine = _alter_entity(table, entity, alterations)
        results[ident] = (entity, code, msg)
        changes += mine
    out = [{"error_code": c, "error_message": m, "entity": entity_data(e)} for e, c, m in results.values()]
    return out, changes


def _alter_entity(
    table: Table, entity: Entity, alterations: dict[str, float | None]
) -> tuple[int, str | None, list[Change]]:
    why, keys = check_entity(entity)
    if why:
        return ErrorCode.INVALID_REQUEST, why, []
    path = entity_path(entity)
    current = table.get(path, {})
    mine: list[Change] = []
    for key, value in alterations.items():
        if value is None:
            if key in current:
                mine.append((path, key, None))
            continue
        bad = check_value(keys, key, value)
        if bad:
            return bad[0], bad[1], []
        if not same_value(current.get(key), value):
            mine.append((path, key, float(value)))
    return ErrorCode.NONE, None, mine


def apply_change(table: Table, path: str, key: str, value: float | None) -> None:
    """One ClientQuotaRecord replayed (ClientQuotaControlManager.replay / ClientQuotaDelta): an
    entity whose last key is removed is gone."""
    values = table.setdefault(path, {})
    if value is None:
        values.pop(key, None)
        if not values:
            table.pop(path, None)
    else:
        values[key] = value


# --- ZooKeeper: ZkAdminManager.alterClientQuotas ---
def zk_entity(entity: Entity) -> tuple[str, dict[str, str]]:
    """(path, quota keys) of an entity as ZkAdminManager.parseAndSanitizeQuotaEntity and its
    combination rules have it; raises QuotaError(INVALID_REQUEST)."""
    if not entity:
        raise QuotaError(ErrorCode.INVALID_REQUEST, "Invalid empty client quota entity")
    for t, n in entity.items():
        if t not in (USER, CLIENT_ID, IP):
            raise QuotaError(ErrorCode.INVALID_REQUEST, f"Unhandled client quota entity type: {t}")
        if n is not None and n == "":
            raise QuotaError(ErrorCode.INVALID_REQUEST, f"Empty {t} not supported")
    if IP in entity:
        if USER in entity or CLIENT_ID in entity:
            raise QuotaError(
                ErrorCode.INVALID_REQUEST,
                "Invalid quota entity combination, IP entity should not be used with user/client ID entity.",
            )
        if not _valid_ip(entity[IP]):
            raise QuotaError(
                ErrorCode.INVALID_REQUEST, f"{_part(entity[IP])} is not a valid IP or resolvable host."
            )
        return entity_path(entity), IP_KEYS
    if USER in entity and CLIENT_ID not in entity:
        return entity_path(entity), ZK_USER_KEYS
    return entity_path(entity), USER_CLIENT_KEYS


def zk_apply_ops(props: dict[str, str], keys: dict[str, str], ops: list[dict]) -> dict[str, str]:
    """The entity's new properties after the ops (ZkAdminManager.alterEntityQuotas): removals
    drop the key, a LONG or INT is stored as an integer string, a DOUBLE as Java prints it."""
    out = dict(props)
    for op in ops:
        if op["remove"]:
            out.pop(op["key"], None)
            continue
        kind, value = keys.get(op["key"]), op["value"]
        if kind is None:
            raise QuotaError(ErrorCode.INVALID_REQUEST, f"Invalid configuration key {op['key']}")
        if kind == "DOUBLE":
            out[op["key"]] = java_double(value)
        elif kind in ("LONG", "INT"):
            # Scala's Double.toLong / toInt: NaN is 0, the rest clamped to the type's range
            top = _MAX[kind]
            if math.isnan(value):
                whole = 0
            elif math.isinf(value):
                whole = top if value > 0 else -top - 1
            else:
                whole = max(-top - 1, min(top, math.trunc(value + 1e-6)))
            if abs(whole - value) > 1e-6:
                raise QuotaError(
                    ErrorCode.INVALID_REQUEST, f"Configuration {op['key']} must be a {kind} value"
                )
            out[op["key"]] = str(whole)
        else:  # IllegalStateException: UNKNOWN_SERVER_ERROR, no message (ApiError.fromThrowable)
            raise QuotaError(ErrorCode.UNKNOWN_SERVER_ERROR, None)
    return out


def zk_values(props: dict[str, str], path: str) -> dict[str, float]:
    """The quota values of an entity's stored properties (ZkAdminManager keeps only quota keys)."""
    keys = IP_KEYS if path.startswith("ips/") else USER_CLIENT_KEYS
    out = {}
    for k, v in props.items():
        if k in keys:
            try:
                out[k] = float(v)
            except ValueError:
                continue  # Kafka: IllegalStateException "Unexpected client quota configuration value"
    return out


def java_double(v: float) -> str:
    """Double.toString: plain from 10^-3 to 10^7, else computerized scientific (1.0E9)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    a = abs(v)
    if a == 0 or 1e-3 <= a < 1e7:
        s = repr(float(v))
        return s if "e" not in s else format(Decimal(s), "f")
    sign, digits, exp = Decimal(repr(float(v))).normalize().as_tuple()
    ds = "".join(map(str, digits))
    e = int(exp) + len(ds) - 1
    return f"{'-' if sign else ''}{ds[0]}.{ds[1:] or '0'}E{e}"


# --- DescribeClientQuotas ---
MATCH_EXACT, MATCH_DEFAULT, MATCH_SPECIFIED = 0, 1, 2


def _filter_kraft(components: list[dict]) -> tuple[dict[str, str | None], set[str]]:
    """ClientQuotasImage.describe's checks: (exact names by type, types that must be present)."""
    exact: dict[str, str | None] = {}
    typed: set[str] = set()
    bad = ErrorCode.INVALID_REQUEST
    for c in components:
        t, mt, match = c["entity_type"], c["match_type"], c["match"]
        if t == "":
            raise QuotaError(bad, "Invalid empty entity type.")
        if t in exact or t in typed:
            raise QuotaError(bad, f"Entity type {t} cannot appear more than once in the filter.")
        if t not in (IP, USER, CLIENT_ID):
            raise QuotaError(ErrorCode.UNSUPPORTED_VERSION, f"Unsupported entity type {t}")
        if mt == MATCH_EXACT:
            if match is None:
                raise QuotaError(bad, "Request specified MATCH_TYPE_EXACT, but set match string to null.")
            exact[t] = match
        elif mt == MATCH_DEFAULT:
            if match is not None:
                raise QuotaError(
                    bad, "Request specified MATCH_TYPE_DEFAULT, but also specified a match string."
                )
            exact[t] = None
        elif mt == MATCH_SPECIFIED:
            if match is not None:
                raise QuotaError(
                    bad, "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string."
                )
            typed.add(t)
        else:
            raise QuotaError(bad, f"Unknown match type {mt}")
    named = set(exact) | typed
    if IP in named and (USER in named or CLIENT_ID in named):
        raise QuotaError(
            bad,
            "Invalid entity filter component combination. IP filter component should not be used with "
            "user or clientId filter component.",
        )
    return exact, typed


def _filter_zk(components: list[dict]) -> tuple[dict[str, str | None], set[str]]:
    """DescribeClientQuotasRequest.filter, then ZkAdminManager.describeClientQuotas's checks."""
    for c in components:  # the conversion to ClientQuotaFilterComponent comes first
        if c["match_type"] not in (MATCH_EXACT, MATCH_DEFAULT, MATCH_SPECIFIED) or (
            c["match_type"] == MATCH_EXACT and c["match"] is None
        ):
            raise QuotaError(ErrorCode.UNKNOWN_SERVER_ERROR, None)  # IllegalArgument / NullPointer
    exact: dict[str, str | None] = {}
    typed: set[str] = set()
    names = {USER: "user", CLIENT_ID: "client", IP: "ip"}
    for c in components:
        t = c["entity_type"]
        if t in names:
            if t in exact or t in typed:
                raise QuotaError(
                    ErrorCode.INVALID_REQUEST, f"Duplicate {names[t]} filter component entity type"
                )
        elif t == "":
            raise QuotaError(ErrorCode.INVALID_REQUEST, "Unexpected empty filter component entity type")
        else:
            raise QuotaError(ErrorCode.UNSUPPORTED_VERSION, f"Custom entity type '{t}' not supported")
        if c["match_type"] == MATCH_SPECIFIED:
            typed.add(t)
        else:
            exact[t] = c["match"] if c["match_type"] == MATCH_EXACT else None
    named = set(exact) | typed
    if IP in named and (USER in named or CLIENT_ID in named):
        raise QuotaError(
            ErrorCode.INVALID_REQUEST,
            "Invalid entity filter component combination, IP filter component should not be used with "
            "user or clientId filter component.",
        )
    return exact, typed


def _matches(entity: Entity, exact: dict[str, str | None], typed: set[str], strict: bool) -> bool:
    """ClientQuotasImage.matches: strict = exactly the filter's types; a type-only component
    matches any name of the type, the default too."""
    if strict and len(entity) != len(exact) + len(typed):
        return False
    if any(t not in entity or entity[t] != name for t, name in exact.items()):
        return False
    return all(t in entity for t in typed)


def describe(table: Table, components: list[dict], strict: bool, zk: bool = False) -> list[dict]:
    """DescribeClientQuotas' entries (sorted by entity path); raises QuotaError for a bad filter."""
    exact, typed = (_filter_zk if zk else _filter_kraft)(components)
    out = []
    for path, values in sorted(table.items()):
        entity = entity_of_path(path)
        if values and _matches(entity, exact, typed, strict):
            out.append(
                {
                    "entity": entity_data(entity),
                    "values": [{"key": k, "value": float(v)} for k, v in sorted(values.items())],
                }
            )
    return out


# --- enforcement: which entity's quota applies (ClientQuotaManager.DefaultQuotaCallback) ---
def quota_for(table: Table, key: str, user: str, client_id: str) -> tuple[tuple[str, str], float | None]:
    """(the metric tags (user, client-id) the client's usage is counted under, the quota or None)
    for one quota type, in Kafka's order of precedence: <user, client-id>, <user, default
    client-id>, <user>, <default user, client-id>, <default user, default client-id>, <default
    user>, <client-id>, <default client-id>. A client sharing a user-level quota shares its count."""
    u, c, d = sanitize(user), sanitize(client_id), DEFAULT

    def has(path: str) -> bool:
        return key in table.get(path, ())

    if has(f"users/{u}/clients/{c}") or has(f"users/{u}/clients/{d}"):
        tags = (u, c)
    elif has(f"users/{u}"):
        tags = (u, "")
    elif has(f"users/{d}/clients/{c}") or has(f"users/{d}/clients/{d}"):
        tags = (u, c)
    elif has(f"users/{d}"):
        tags = (u, "")
    else:
        tags = ("", c)
    tu, tc = tags
    if tu and tc:
        candidates = [f"users/{tu}/clients/{tc}", f"users/{tu}/clients/{d}", f"users/{d}/clients/{tc}"]
        candidates.append(f"users/{d}/clients/{d}")
    elif tu:
        candidates = [f"users/{tu}", f"users/{d}"]
    elif tc:
        candidates = [f"clients/{tc}", f"clients/{d}"]
    else:
        candidates = []
    for path in candidates:
        if has(path):
            return tags, table[path][key]
    return tags, None
