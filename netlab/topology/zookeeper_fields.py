"""A node's `zookeeper:` block: run Apache ZooKeeper (Debian's zookeeper package, 3.8) in the node.

    zookeeper:
      client_port: 2181              # clientPort
      client_port_address: 0.0.0.0   # clientPortAddress (default: every address of the node)
      tick_time: 2000                # tickTime, ms
      heap: 128m                     # the JVM's -Xmx
      settings: {maxClientCnxns: 60} # further zoo.cfg lines, written as given
      server_id: 1                   # myid, in an ensemble
      servers:                       # the ensemble: server.N lines of zoo.cfg
        1: zoo1:2888:3888
        2: zoo2:2888:3888
        3: zoo3:2888:3888

`zookeeper: {}` (or `zookeeper:` alone) runs one with these defaults. With two or more `servers`
every member runs as a quorum peer (ZooKeeper's QuorumPeerMain): `server_id` names its own line
and is written to `myid` in its data directory; a single line runs standalone (ZooKeeper's own rule
with standaloneEnabled, its default). The compose importer maps
the ZooKeeper images' variables (ZOOKEEPER_CLIENT_PORT, ZOO_PORT_NUMBER, ...) onto these fields.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from netlab.topology.types import parse_ipv4

ZOO_CFG_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.]*$")  # 4lw.commands.whitelist starts with a digit
HEAP = re.compile(r"^[1-9][0-9]*[kKmMgG]?$")
# zoo.cfg keys netlab writes itself: setting them in `settings` would make two truths
OWN_KEYS = frozenset({"dataDir", "clientPort", "clientPortAddress", "tickTime", "admin.enableServer"})
# a server.N value: host:quorumPort:electionPort[:participant|observer][;[clientAddress:]clientPort]
SERVER_LINE = re.compile(
    r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<peer>\d{1,5}):(?P<election>\d{1,5})"
    r"(?::(?P<role>participant|observer))?(?:;(?:(?P<caddr>[A-Za-z0-9_.-]+):)?(?P<cport>\d{1,5}))?$"
)


def parse_server(value: str) -> tuple[str, int, int]:
    """host, quorum port, election port of a server.N value (ValueError when it is not one)."""
    m = SERVER_LINE.match(value.strip())
    ports = [int(m.group(g)) for g in ("peer", "election")] if m else []
    if m is None or not all(1 <= p <= 65535 for p in ports):
        raise ValueError(
            f"{value!r} is not a ZooKeeper server line: host:quorumPort:electionPort[;clientPort], "
            "e.g. zoo1:2888:3888"
        )
    return m.group("host").strip("[]"), ports[0], ports[1]


def parse_connect(value: str | None) -> list[tuple[str, int]]:
    """zookeeper.connect: host:port[,host:port...][/chroot]; a missing port is 2181. A port that is
    not a number 1-65535 is a ValueError saying so (Kafka's ZooKeeper client would fail on it in
    ConnectStringParser): the topology's validation turns it into a located error."""
    out = []
    for part in (value or "").split("/", 1)[0].split(","):
        part = part.strip()
        if not part:
            continue
        host, colon, port = part.rpartition(":")
        if not colon:
            host, port = part, "2181"
        if not (port.isdigit() and 1 <= int(port) <= 65535) or not host.strip("[]"):
            raise ValueError(
                f"zookeeper.connect: {part!r} is not host:port (a port 1-65535), e.g. zookeeper:2181; "
                "several are comma-separated, a /chroot may follow the last"
            )
        out.append((host.strip("[]"), int(port)))
    return out


class ZooKeeperSettings(BaseModel):
    """One ZooKeeper server in the node: standalone, or a member of an ensemble (`servers`)."""

    model_config = ConfigDict(extra="forbid")

    client_port: int = Field(2181, ge=1, le=65535, description="clientPort")
    client_port_address: str | None = Field(
        None, description="clientPortAddress: the address it listens on (default: all of the node's)"
    )
    tick_time: int = Field(2000, ge=1, description="tickTime in ms (session timeouts are 2-20 ticks)")
    heap: str = Field("128m", description="the JVM heap limit (-Xmx), e.g. 128m")
    settings: dict[str, str] = Field(default_factory=dict, description="more zoo.cfg lines, key: value")
    server_id: int | None = Field(None, ge=1, le=255, description="myid: this server's number in `servers`")
    servers: dict[int, str] = Field(
        default_factory=dict,
        description="the ensemble, zoo.cfg's server.N lines: N -> host:quorumPort:electionPort[;clientPort]",
    )

    @property
    def ensemble(self) -> bool:
        """A quorum peer (two or more servers), not a standalone server."""
        return len(self.servers) > 1

    @field_validator("servers", mode="before")
    @classmethod
    def _servers(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError(
                "servers maps a server id to host:quorumPort:electionPort, e.g. {1: zoo1:2888:3888}"
            )
        out = {}
        for key, line in value.items():
            try:
                sid = int(key)
            except (TypeError, ValueError):
                raise ValueError(f"{key!r} is not a server id (a number 1-255)") from None
            if not 1 <= sid <= 255:
                raise ValueError(f"server id {sid} is out of range (1-255)")
            parse_server(str(line))
            out[sid] = str(line).strip()
        return out

    @model_validator(mode="after")
    def _own_line(self) -> ZooKeeperSettings:
        if self.ensemble and self.server_id not in self.servers:
            have = ", ".join(str(k) for k in sorted(self.servers))
            raise ValueError(
                f"server_id must name this server's line in servers ({have}); it is {self.server_id}"
            )
        return self

    @field_validator("client_port_address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return value
        return str(parse_ipv4(value))

    @field_validator("heap")
    @classmethod
    def _heap(cls, value: Any) -> str:
        text = str(value).strip()
        if not HEAP.match(text):
            raise ValueError(f"{value!r} is not a heap size: use a number with k, m or g, e.g. 128m")
        return text

    @field_validator("settings", mode="before")
    @classmethod
    def _settings(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("settings is a mapping of zoo.cfg keys to values, e.g. {maxClientCnxns: 60}")
        out = {}
        for key, v in value.items():
            key = str(key)
            if not ZOO_CFG_KEY.match(key):
                raise ValueError(f"{key!r} is not a zoo.cfg key (letters, digits, '.', '_')")
            if key.startswith("server.") and key[7:].isdigit():
                raise ValueError(f"{key}: write the ensemble under servers: ({key[7:]}: host:2888:3888)")
            if key in OWN_KEYS:
                raise ValueError(
                    f"{key} is set by netlab (use the fields client_port, client_port_address, tick_time; "
                    "the data directory is in the lab directory)"
                )
            if isinstance(v, bool):
                v = "true" if v else "false"
            if isinstance(v, (dict, list)) or v is None:
                raise ValueError(f"{key}: a zoo.cfg value is a string or a number")
            if any(c in str(v) for c in "\r\n\0"):  # one value, one zoo.cfg line: nothing smuggled in
                raise ValueError(f"{key}: a zoo.cfg value is one line (no line break)")
            out[key] = str(v)
        return out


WILDCARDS = ("0.0.0.0", "::")

Member = tuple[tuple[int, str, int, int], ...]  # (id, host, quorum port, election port) per line


def server_tuples(servers: dict[int, str]) -> Member:
    return tuple((sid, *parse_server(line)) for sid, line in sorted(servers.items()))


def _compatible(a: tuple[int | None, Member], b: tuple[int | None, Member]) -> bool:
    """Two members' server lists describe one ensemble: the same ids and ports, and each line the
    same host except a member's own line, which each writes its own way (`0.0.0.0`, as Bitnami's
    and the official image's READMEs do, or a name of its own): ZooKeeper binds a member's own line
    and connects to the others' lines, it never compares the lists."""
    (id_a, lines_a), (id_b, lines_b) = a, b
    if [(s[0], s[2], s[3]) for s in lines_a] != [(s[0], s[2], s[3]) for s in lines_b]:
        return False
    return all(x[1] == y[1] or x[0] in (id_a, id_b) for x, y in zip(lines_a, lines_b, strict=True))


def ensemble_groups(members: dict[str, tuple[int | None, Member]]) -> list[list[str]]:
    """Which members (node -> its server id and server lines) form one ensemble, in the members'
    order: linked when their lists are compatible, and transitively."""
    groups: list[list[str]] = []
    for node, own in members.items():
        joined = [g for g in groups if any(_compatible(own, members[m]) for m in g)]
        merged = [m for g in joined for m in g] + [node]
        groups = [g for g in groups if g not in joined] + [merged]
    order = list(members)
    return sorted((sorted(g, key=order.index) for g in groups), key=lambda g: order.index(g[0]))
