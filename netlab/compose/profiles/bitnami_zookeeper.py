"""`bitnami/zookeeper` (and `bitnamilegacy/zookeeper`): what its entrypoint writes into zoo.cfg, or
the reasons it exits first.

Follows bitnami/containers `bitnami/zookeeper/3.8/debian-12/rootfs/opt/bitnami/scripts/
libzookeeper.sh` (commit 5e824b8: `zookeeper_validate`, `zookeeper_generate_conf`,
`zookeeper_initialize`), the defaults of `zookeeper-env.sh` (3.9/debian-12, commit f4fc7bb) and
`validate_port` / `is_boolean_yes` of the image's `libvalidations.sh`:

- validation first; every failed check logs one ERROR line, then the script exits 1 (we keep
  every line, in the script's order and words);
- ZOO_PORT_NUMBER (2181) and ZOO_PROMETHEUS_METRICS_PORT_NUMBER (7000) must be ports an
  unprivileged user may bind (1024-65535) and must differ;
- without ZOO_ENABLE_AUTH=yes, ALLOW_ANONYMOUS_LOGIN=yes is required;
- ZOO_SERVERS is split on `,`, `;` and spaces; every entry must be `host:port:port[:observer|
  :participant]`, or, when the value holds `::` anywhere, every entry `host:port:port[:role]::id`;
  `host` is "anything but white space", so `server.1=zoo1:2888:3888` passes the check;
- ZOO_PEER_TYPE, when set, is `observer` or `participant`; ZOO_TLS_*_CLIENT_AUTH none/want/need;
- zoo.cfg: tickTime, initLimit (10), syncLimit (5), clientPort, maxCnxns (0), maxClientCnxns (60),
  quorumListenOnAllIPs (ZOO_LISTEN_ALLIPS_ENABLED, default no -> false), maxSessionTimeout
  (40000), 4lw.commands.whitelist (`srvr, mntr`), then every `ZOO_CFG_<KEY>` as `<KEY with _ as
  .>` (case kept); with two or more ZOO_SERVERS entries one `server.N=<entry>;<ZOO_PORT_NUMBER>`
  line each, N counted from 1 in order, or the entry's own `::id`; one entry is standalone;
- `myid` is ZOO_SERVER_ID (default 1).

Later revisions of the script (3.9/debian-12 after the Broadcom changes) drop the
ALLOW_ANONYMOUS_LOGIN check and then require ALLOW_EMPTY_PASSWORD instead; a rolling tag does not
say which revision a container runs, and every published compose file sets ALLOW_ANONYMOUS_LOGIN,
so netlab follows the revision above (docs/compose.md).
"""

from __future__ import annotations

import re

from netlab.topology.zookeeper_fields import OWN_KEYS, ZOO_CFG_KEY, parse_server

from .base import ZooKeeperRole

REPOS = ("bitnami/zookeeper", "bitnamilegacy/zookeeper")
SCRIPT = "bitnami/zookeeper libzookeeper.sh"

# zookeeper-env.sh: the value a variable takes when unset or empty (`${VAR:-default}`)
DEFAULTS = {
    "ZOO_PORT_NUMBER": "2181",
    "ZOO_SERVER_ID": "1",
    "ZOO_PROMETHEUS_METRICS_PORT_NUMBER": "7000",
    "ZOO_TICK_TIME": "2000",
    "ZOO_INIT_LIMIT": "10",
    "ZOO_SYNC_LIMIT": "5",
    "ZOO_MAX_CNXNS": "0",
    "ZOO_MAX_CLIENT_CNXNS": "60",
    "ZOO_MAX_SESSION_TIMEOUT": "40000",
    "ZOO_4LW_COMMANDS_WHITELIST": "srvr, mntr",
    "ZOO_LISTEN_ALLIPS_ENABLED": "no",
    "ZOO_TLS_CLIENT_AUTH": "need",
    "ZOO_TLS_QUORUM_CLIENT_AUTH": "need",
}
# the two entry syntaxes zookeeper_validate accepts (`[^[:space:]]+` for the host)
POSITIONAL = re.compile(r"^\S+:\d+:\d+(:observer|:participant)?$")
WITH_ID = re.compile(r"^\S+:\d+:\d+(:observer|:participant)?::\d+$")
# zoo.cfg lines the script writes from a variable (zookeeper_generate_conf), in its order
CFG_FROM_ENV = (
    ("initLimit", "ZOO_INIT_LIMIT"),
    ("syncLimit", "ZOO_SYNC_LIMIT"),
    ("maxCnxns", "ZOO_MAX_CNXNS"),
    ("maxClientCnxns", "ZOO_MAX_CLIENT_CNXNS"),
    ("maxSessionTimeout", "ZOO_MAX_SESSION_TIMEOUT"),
    ("4lw.commands.whitelist", "ZOO_4LW_COMMANDS_WHITELIST"),
)


def is_boolean_yes(value: str | None) -> bool:
    """libvalidations.sh: `1`, or yes/true in any case."""
    return (value or "").strip().lower() in ("1", "yes", "true")


def _value(env: dict[str, str], name: str) -> str:
    return env.get(name) or DEFAULTS.get(name, "")


def port_error(value: str) -> str | None:
    """libvalidations.sh `validate_port -unprivileged`: its message, or None for a good port."""
    if value == "":
        return "the value is empty"
    if not re.fullmatch(r"[-+]?\d+", value):
        return "value is not an integer"
    port = int(value)
    if port < 0:
        return "negative value provided"
    if port > 65535:
        return "requested port is greater than 65535"
    if port < 1024:
        return "privileged port requested"
    return None


def server_entries(value: str) -> list[str]:
    """`${ZOO_SERVERS//[;, ]/ }` read into an array: split on `,`, `;` and white space."""
    return re.sub(r"[;, ]", " ", value).split()


def validation_errors(env: dict[str, str]) -> list[str]:
    """zookeeper_validate's ERROR lines, in its order (authentication of the quorum and of
    clients beyond the anonymous check is not modelled)."""
    errors = []
    ports = ("ZOO_PORT_NUMBER", "ZOO_PROMETHEUS_METRICS_PORT_NUMBER")
    for name in ports:
        err = port_error(_value(env, name))
        if err:
            errors.append(f"An invalid port was specified in the environment variable {name}: {err}")
    values = [_value(env, n) for n in ports]
    if all(re.fullmatch(r"\d+", v) for v in values) and int(values[0]) == int(values[1]):
        errors.append(f"{ports[0]} and {ports[1]} are bound to the same port")
    if not is_boolean_yes(env.get("ALLOW_ANONYMOUS_LOGIN")) and not is_boolean_yes(
        env.get("ZOO_ENABLE_AUTH")
    ):
        errors.append(
            "The ZOO_ENABLE_AUTH environment variable does not configure authentication. Set the "
            "environment variable ALLOW_ANONYMOUS_LOGIN=yes to allow unauthenticated users to connect to "
            "ZooKeeper."
        )
    servers = env.get("ZOO_SERVERS") or ""
    with_id = "::" in servers
    for entry in server_entries(servers):
        if with_id and not WITH_ID.match(entry):
            errors.append(
                f"Zookeeper server {entry} should follow the next syntax: host:port:port::id. Example: "
                "zookeeper:2888:3888::1 zookeeper:2888:3888:observer::1"
            )
        elif not with_id and not POSITIONAL.match(entry):
            errors.append(
                f"Zookeeper server {entry} should follow the next syntax: host:port:port. Example: "
                "zookeeper:2888:3888 zookeeper:2888:3888:observer"
            )
    for name in ("ZOO_TLS_CLIENT_AUTH", "ZOO_TLS_QUORUM_CLIENT_AUTH"):
        if _value(env, name) not in ("none", "want", "need"):
            errors.append(f"The allowed values for {name} are: none want need")
    peer = env.get("ZOO_PEER_TYPE") or ""
    if peer and peer not in ("observer", "participant"):
        errors.append(f"The ZOO_PEER_TYPE environment {peer} should be one of [observer/participant]")
    return errors


def server_lines(env: dict[str, str], client_port: int) -> dict[int, str]:
    """zookeeper_generate_conf's server.N lines (none for fewer than two entries)."""
    entries = server_entries(env.get("ZOO_SERVERS") or "")
    if len(entries) < 2:
        return {}
    if "::" in (env.get("ZOO_SERVERS") or ""):
        pairs = [tuple(e.split("::", 1)) for e in entries]
        return {int(sid): f"{entry};{client_port}" for entry, sid in pairs}
    return {i: f"{entry};{client_port}" for i, entry in enumerate(entries, start=1)}


def _unresolvable_line(servers: dict[int, str]) -> str | None:
    """A `server.N=host:...` entry passes the script's check and becomes the host `server.N=host`,
    which never resolves. Measured with Debian's ZooKeeper 3.8 here: QuorumCnxManager logs
    `Exception while listening to address server.1=zoo1/<unresolved>:3888` (SocketException:
    Unresolved address) and the peer never leaves LOOKING (bitnami sets
    -Dzookeeper.electionPortBindRetry=0: it retries for ever), so it never serves."""
    for own in servers.values():
        host = own.split(":", 1)[0]
        if "=" not in host:
            continue
        return (
            f"ZOO_SERVERS entry {own.split(';')[0]!r} is a server.N= line: the script keeps it as the host "
            f"{host!r}; ZooKeeper: Exception while listening to address {host}/<unresolved>:"
            f"{own.split(':')[2].split(';')[0]} (Unresolved address), and it never serves"
        )
    return None


def configure(env: dict[str, str]) -> ZooKeeperRole:
    errors = validation_errors(env)
    port_text = _value(env, "ZOO_PORT_NUMBER")
    client_port = int(port_text) if port_text.isdigit() and 0 < int(port_text) < 65536 else 2181
    sid_text = _value(env, "ZOO_SERVER_ID")
    role = ZooKeeperRole(client_port, int(sid_text) if sid_text.isdigit() else None)
    if errors:
        role.entrypoint_error = " / ".join(errors)
        return role
    tick = _value(env, "ZOO_TICK_TIME")
    role.tick_time = int(tick) if tick.isdigit() and int(tick) > 0 else None
    role.settings = {key: _value(env, var) for key, var in CFG_FROM_ENV}
    role.settings["quorumListenOnAllIPs"] = (
        "true" if is_boolean_yes(_value(env, "ZOO_LISTEN_ALLIPS_ENABLED")) else "false"
    )
    if env.get("ZOO_PEER_TYPE"):
        role.settings["peerType"] = env["ZOO_PEER_TYPE"]
    _zoo_cfg_variables(env, role)
    role.servers = server_lines(env, client_port)
    if role.servers:
        if role.server_id not in role.servers:
            # QuorumPeer.start: the server's own id must be one of the server lines
            role.entrypoint_error = f"My id {sid_text} not in the peer list (ZooKeeper exits)"
            role.servers = {}
            return role
        unresolvable = _unresolvable_line(role.servers)
        if unresolvable:
            role.entrypoint_error = unresolvable
            role.exits = False  # the JVM keeps retrying: the container runs
            role.servers = {}
            return role
        for line in role.servers.values():
            try:  # a line ZooKeeper refuses (QuorumPeerConfig's ConfigException), e.g. port 99999
                parse_server(line)
            except ValueError as e:
                role.entrypoint_error = f"ZOO_SERVERS: {e}"
                role.servers = {}
                return role
    if is_boolean_yes(env.get("ZOO_ENABLE_AUTH")) or is_boolean_yes(env.get("ZOO_ENABLE_QUORUM_AUTH")):
        role.notes.append(
            "ZooKeeper SASL authentication (ZOO_ENABLE_AUTH / ZOO_ENABLE_QUORUM_AUTH) is not modelled"
        )
    if is_boolean_yes(env.get("ZOO_TLS_CLIENT_ENABLE")) or is_boolean_yes(env.get("ZOO_TLS_QUORUM_ENABLE")):
        role.notes.append("ZooKeeper TLS (ZOO_TLS_CLIENT_ENABLE / ZOO_TLS_QUORUM_ENABLE) is not modelled")
    return role


def _zoo_cfg_variables(env: dict[str, str], role: ZooKeeperRole) -> None:
    """zookeeper_configure_from_environment_variables: `ZOO_CFG_FOO_BAR=v` -> `FOO.BAR=v`, the
    key's case kept (ZooKeeper's keys are case-sensitive: `ZOO_CFG_SNAPCOUNT` writes `SNAPCOUNT`,
    which ZooKeeper does not know)."""
    for name, value in env.items():
        if not name.startswith("ZOO_CFG_") or len(name) == len("ZOO_CFG_"):
            continue
        key = name[len("ZOO_CFG_") :].replace("_", ".")
        if key in OWN_KEYS or not ZOO_CFG_KEY.match(key) or (key.startswith("server.")):
            role.notes.append(f"{name} (zoo.cfg {key}) is not modelled")
            continue
        if key == "tickTime":
            role.tick_time = int(value) if value.isdigit() and int(value) > 0 else role.tick_time
            continue
        role.settings[key] = value
        role.derived[key] = f"{name} (bitnami's ZOO_CFG_ mapping)"
