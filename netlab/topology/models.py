"""The topology file format as strict pydantic models (docs/topology.md is the reference).

Shaped like docker-compose (nodes ~ services: `networks`, `ipv4_address`, `aliases`, `ports`,
`extra_hosts`, `sysctls`, `environment`, `working_dir`) plus containerlab (`links` with two
`endpoints`). Every model forbids unknown fields, so a typo is an error. Field-level rules live
here; rules that need the whole file (references, IPAM, duplicates) live in resolve.py.

The Kafka parts (a node's `broker:`, top-level `clients:` and `expect:`) live in kafka_fields.py.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from netlab.topology.kafka_fields import BrokerSettings, ClientSpec, ExpectSpec
from netlab.topology.zookeeper_fields import ZooKeeperSettings
from netlab.topology.types import (
    CIDR,
    HostName,
    IfName,
    IPv4,
    LabName,
    Name,
    Port,
    RouteDst,
    Subnet,
    parse_ipv4,
    parse_port_number,
)

# Fields that later issues add; until then they are refused with this explanation.
RESERVED_FIELDS: dict[tuple[str, str], str] = {}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)


# ---------------------------------------------------------------- node attachments to networks


class Attachment(Strict):
    """A node on a network (compose: `services.X.networks.NET`)."""

    ipv4_address: IPv4 | None = Field(None, description="static address; IPAM picks one if omitted")
    interface: IfName | None = Field(
        None, description="name inside the node; default eth0, eth1, ... in order"
    )
    aliases: list[HostName] = Field(default_factory=list, description="extra names on this network only")
    mode: Literal["veth", "tap"] = Field(
        "veth",
        description="veth: a container's interface. tap: a VM's NIC: a TAP in this node joined by a "
        "relay to a TAP on the bridge (like QEMU + vmnet0)",
    )
    peer_interface: IfName | None = Field(
        None,
        description="name of the bridge-side end in the bridge's node (e.g. vmnet0); default v<hash>/t<hash>",
    )
    default_route: bool | None = Field(
        None, description="route default via the network's gateway; default: the network's default_route"
    )


def _networks_list_to_map(value: Any) -> Any:
    # compose allows `networks: [a, b]` as well as a mapping; `a:` with no value means defaults.
    if isinstance(value, list):
        out: dict = {}
        for item in value:
            if not isinstance(item, str):
                raise ValueError(
                    f"list items must be network names, got {item!r}; or use a mapping NET: {{...}}"
                )
            if item in out:
                raise ValueError(f"network {item!r} is listed twice")
            out[item] = {}
        return out
    if isinstance(value, dict):
        return {k: ({} if v is None else v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------- published ports


class PortMapping(Strict):
    """compose `ports:` long syntax; the short syntax `[IP:]HOSTPORT:CONTAINERPORT[/proto]` is parsed into it."""

    target: Port = Field(description="port in the container")
    published: Port = Field(description="port on the publishing node (the one holding the network's bridge)")
    host_ip: IPv4 | None = Field(
        None,
        description="listen address on the publishing node; default: every address, IPv4 and IPv6, as Docker publishes (0.0.0.0 is IPv4 only)",
    )
    protocol: Literal["tcp", "udp"] = "tcp"
    network: Name | None = Field(None, description="which of the container's networks; default its first")

    @model_validator(mode="before")
    @classmethod
    def _short_syntax(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(
                f"{value}: a bare port publishes on a random host port in Docker; netlab needs "
                f'HOSTPORT:CONTAINERPORT, e.g. "{value}:{value}"'
            )
        if isinstance(value, str):
            return parse_port_string(value)
        return value


def parse_port_string(text: str) -> dict:
    """'127.0.0.1:9093:9092/tcp' -> {host_ip, published, target, protocol}."""
    valid = "expected HOSTPORT:CONTAINERPORT, IP:HOSTPORT:CONTAINERPORT, optionally with /tcp or /udp"
    spec, _, proto = text.strip().partition("/")
    proto = proto or "tcp"
    if proto not in ("tcp", "udp"):
        raise ValueError(f"{text!r}: protocol {proto!r} is not supported; use /tcp or /udp")
    if spec.startswith("["):
        raise ValueError(f"{text!r}: IPv6 listen addresses are not supported (IPv4 only); {valid}")
    parts = spec.split(":")
    if any("-" in p for p in parts):
        raise ValueError(f"{text!r}: port ranges are not supported; publish each port on its own line")
    if len(parts) == 2:
        host_ip, published, target = None, parts[0], parts[1]
    elif len(parts) == 3:
        host_ip, published, target = parts
        if host_ip.startswith("[") or not host_ip:
            raise ValueError(f"{text!r}: {valid} (IPv4 only)")
        host_ip = str(parse_ipv4(host_ip))
    else:
        raise ValueError(f"{text!r}: {valid}")
    try:
        return {
            "host_ip": host_ip,
            "published": parse_port_number(published),
            "target": parse_port_number(target),
            "protocol": proto,
        }
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None


# ---------------------------------------------------------------- routes, devices, processes


class RouteSpec(Strict):
    to: RouteDst = Field(description="'default' or a subnet such as 10.6.0.0/16")
    via: IPv4 | None = Field(None, description="next hop, on a subnet the node is attached to")
    dev: IfName | None = Field(None, description="output interface of this node")

    @model_validator(mode="after")
    def _via_or_dev(self) -> RouteSpec:
        if self.via is None and self.dev is None:
            raise ValueError("a route needs `via` (next hop address) or `dev` (interface), or both")
        return self


class TunTap(Strict):
    """A TUN (IP packets) or TAP (Ethernet frames) device in this node."""

    name: IfName
    mode: Literal["tun", "tap"]
    network: Name | None = Field(
        None, description="TAP only: enslave to the bridge of this network (held by this node)"
    )
    address: CIDR | None = None

    @model_validator(mode="after")
    def _tun_not_on_bridge(self) -> TunTap:
        if self.mode == "tun" and self.network is not None:
            raise ValueError(
                "a TUN device carries IP packets, not Ethernet frames, so it cannot be a bridge port; "
                "use mode: tap or drop `network`"
            )
        return self


class Vlan(Strict):
    """An 802.1Q sub-interface (needs the kernel's 8021q)."""

    name: IfName
    parent: IfName
    id: int = Field(ge=1, le=4094)
    address: CIDR | None = None


class Bond(Strict):
    """A bonding device over some of this node's interfaces (needs the kernel's bonding driver)."""

    name: IfName
    members: list[IfName] = Field(min_length=1)
    mode: Literal[
        "balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"
    ] = "active-backup"
    address: CIDR | None = None


class ProcessSpec(Strict):
    """A long-running program in the node (compose: command, environment, working_dir)."""

    name: Name | None = Field(None, description="unique within the node; default: the program's base name")
    command: list[str] | str = Field(description="argv list, or a string split like a shell would")
    environment: dict[str, str] = Field(default_factory=dict)
    working_dir: str | None = None

    @field_validator("command")
    @classmethod
    def _argv(cls, value: list[str] | str) -> list[str]:
        if isinstance(value, str):
            try:
                value = shlex.split(value)
            except ValueError as exc:
                raise ValueError(f"cannot split command {value!r}: {exc}") from None
        if not value or not value[0]:
            raise ValueError("command is empty; give the program and its arguments")
        return value

    @field_validator("environment", mode="before")
    @classmethod
    def _env(cls, value: Any) -> Any:
        if isinstance(value, list):  # compose list form ["A=1", "B=2"]
            out = {}
            for item in value:
                if not isinstance(item, str) or "=" not in item:
                    raise ValueError(f"{item!r}: list items must look like NAME=value")
                key, _, val = item.partition("=")
                out[key] = val
            value = out
        if isinstance(value, dict):
            out = {}
            for key, val in value.items():
                if not key or "=" in key or "\0" in key:
                    raise ValueError(f"{key!r} is not a valid environment variable name")
                out[key] = "" if val is None else (str(val).lower() if isinstance(val, bool) else str(val))
            return out
        return value

    @field_validator("working_dir")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not os.path.isabs(value):
            raise ValueError(f"{value!r}: working_dir must be an absolute path")
        return value

    @property
    def effective_name(self) -> str:
        return self.name or os.path.basename(self.command[0])


# ---------------------------------------------------------------- nodes


def _sysctls(value: Any) -> Any:
    if isinstance(value, list):  # compose list form ["net.ipv4.ip_forward=1"]
        out = {}
        for item in value:
            if not isinstance(item, str) or "=" not in item:
                raise ValueError(f"{item!r}: list items must look like net.ipv4.ip_forward=1")
            key, _, val = item.partition("=")
            out[key.strip()] = val.strip()
        return out
    if isinstance(value, dict):
        return {k: (str(int(v)) if isinstance(v, bool) else str(v)) for k, v in value.items()}
    return value


def _extra_hosts(value: Any) -> Any:
    # compose: list of "name:addr" / "name=addr", or a mapping name: addr.
    if isinstance(value, list):
        out = []
        for item in value:
            if not isinstance(item, str):
                raise ValueError(f"{item!r}: list items must look like host.docker.internal:host-gateway")
            sep = min((i for i in (item.find(":"), item.find("=")) if i >= 0), default=-1)
            if sep <= 0:
                raise ValueError(
                    f"{item!r}: expected NAME:ADDRESS (or NAME=ADDRESS), e.g. host.docker.internal:host-gateway"
                )
            out.append({"name": item[:sep].strip(), "address": item[sep + 1 :].strip()})
        return out
    if isinstance(value, dict):
        return [{"name": str(k), "address": "" if v is None else str(v)} for k, v in value.items()]
    return value


class ExtraHost(Strict):
    name: HostName
    address: Annotated[str, Field(description="an IPv4 address or host-gateway")]

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        if value == "host-gateway":
            return value
        return str(parse_ipv4(value))


class Node(Strict):
    """One network namespace: a container, a VM, a router, or the Docker host itself."""

    networks: dict[Name, Attachment] = Field(default_factory=dict)
    ports: list[PortMapping] = Field(default_factory=list)
    extra_hosts: list[ExtraHost] = Field(default_factory=list)
    routes: list[RouteSpec] = Field(default_factory=list)
    sysctls: dict[str, str] = Field(default_factory=dict)
    tuntap: list[TunTap] = Field(default_factory=list)
    vlans: list[Vlan] = Field(default_factory=list)
    bonds: list[Bond] = Field(default_factory=list)
    processes: list[ProcessSpec] = Field(default_factory=list)
    broker: BrokerSettings | None = Field(
        None,
        description="run a broker here: Kafka properties (listeners, advertised.listeners, ...) "
        "and/or Docker-image variables (KAFKA_LISTENERS, ...)",
    )
    zookeeper: ZooKeeperSettings | None = Field(
        None, description="run a ZooKeeper server here (netlab/topology/zookeeper_fields.py)"
    )

    @field_validator("zookeeper", mode="before")
    @classmethod
    def _zookeeper_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("networks", mode="before")
    @classmethod
    def _networks_forms(cls, value: Any) -> Any:
        return _networks_list_to_map(value)

    @field_validator("sysctls", mode="before")
    @classmethod
    def _sysctl_forms(cls, value: Any) -> Any:
        return _sysctls(value)

    @field_validator("extra_hosts", mode="before")
    @classmethod
    def _extra_forms(cls, value: Any) -> Any:
        return _extra_hosts(value)

    @field_validator("sysctls")
    @classmethod
    def _sysctl_names(cls, value: dict[str, str]) -> dict[str, str]:
        from netlab.topology.types import SYSCTL_RE

        for key in value:
            if not SYSCTL_RE.match(key):
                raise ValueError(
                    f"{key!r}: only per-namespace network sysctls (net.*, dotted, e.g. net.ipv4.ip_forward) "
                    "can be set in a node"
                )
        return value


# ---------------------------------------------------------------- networks


class Network(Strict):
    """An L2 segment: a Linux bridge inside a node (like Docker's br-xxxx inside the host)."""

    node: Name = Field("host", description="the node holding the bridge")
    bridge: IfName | None = Field(
        None, description="bridge name in that node; default br-<network> (or br-<hash> if too long)"
    )
    subnet: Subnet | None = Field(
        None, description="default: the next free 172.18.0.0/16, 172.19.0.0/16, ..."
    )
    gateway: IPv4 | Literal["auto"] | None = Field(
        "auto",
        description="address of the bridge (like docker0's 172.17.0.1); auto = first host address; null = none",
    )
    default_route: bool = Field(
        True, description="attached nodes get a default route via the gateway (Docker does)"
    )
    mtu: int | None = Field(
        None,
        ge=68,
        le=65535,
        description="MTU of the veths on this network (Docker's driver.mtu); e.g. 1450 when a VXLAN is a bridge port",
    )
    names: bool = Field(
        True,
        description="members resolve each other's names (Docker's embedded DNS); false for Docker's "
        "legacy default bridge (docker0), where containers find each other only through links",
    )

    @field_validator("gateway", mode="before")
    @classmethod
    def _gateway(cls, value: Any) -> Any:
        if value is None or value == "auto":
            return value
        return parse_ipv4(value)


# ---------------------------------------------------------------- links


def _endpoint_shorthand(value: Any) -> Any:
    # containerlab: "node:interface"
    if isinstance(value, str):
        node, sep, iface = value.partition(":")
        if not sep or not node or not iface:
            raise ValueError(
                f"{value!r}: expected NODE:INTERFACE, e.g. r1:eth1, or a mapping with node/interface"
            )
        return {"node": node, "interface": iface}
    return value


class Endpoint(Strict):
    node: Name
    interface: IfName
    address: CIDR | None = None

    @model_validator(mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return _endpoint_shorthand(value)


class TunnelEndpoint(Endpoint):
    local: IPv4 | None = Field(
        None, description="underlay address of this node; default its address on the link's underlay network"
    )


class VxlanEndpoint(TunnelEndpoint):
    network: Name | None = Field(
        None, description="enslave the VXLAN device to this network's bridge (held by this node)"
    )


def _matching(pattern: str, example: str):
    regex = re.compile(pattern)

    def check(value: Any) -> str:
        if not isinstance(value, str) or not regex.match(value):
            raise ValueError(f"{value!r} is not valid here: expected e.g. {example}")
        return value

    return Annotated[str, PlainValidator(check), WithJsonSchema({"type": "string", "pattern": pattern})]


Duration = _matching(r"^\d+(\.\d+)?(us|ms|s)$", "50ms, 200us or 1s")
Percent = _matching(r"^\d+(\.\d+)?%$", "1% or 0.5%")
Rate = _matching(r"^\d+(\.\d+)?([kmg]?bit)$", "10mbit, 512kbit or 1gbit")


class Netem(Strict):
    """Delay/loss emulation (needs the kernel's sch_netem)."""

    delay: Duration | None = None
    jitter: Duration | None = None
    loss: Percent | None = None


class VethLink(Strict):
    """A point-to-point veth pair between two nodes' named interfaces."""

    type: Literal["veth"] = "veth"
    endpoints: Annotated[list[Endpoint], Field(min_length=2, max_length=2)]
    mtu: int | None = Field(None, ge=68, le=65535)
    netem: Netem | None = Field(None, description="delay/loss on both ends (needs sch_netem)")
    rate: Rate | None = Field(None, description="rate limit (tbf), e.g. 10mbit")


class VxlanLink(Strict):
    """A VXLAN tunnel (L2 over UDP) between two nodes' underlay addresses."""

    type: Literal["vxlan"]
    vni: int = Field(ge=1, le=16777215)
    port: Port = 4789
    underlay: Name | None = Field(None, description="network whose addresses carry the tunnel")
    endpoints: Annotated[list[VxlanEndpoint], Field(min_length=2, max_length=2)]


class TunLink(Strict):
    """A TUN device in each node and a relay in each sending IP packets to the peer over UDP (a minimal VPN)."""

    type: Literal["tun"]
    port: Port = 51820
    underlay: Name | None = Field(None, description="network whose addresses carry the tunnel")
    endpoints: Annotated[list[TunnelEndpoint], Field(min_length=2, max_length=2)]


def _link_type_default(value: Any) -> Any:
    if isinstance(value, dict) and "type" not in value:
        return {**value, "type": "veth"}
    return value


Link = Annotated[VethLink | VxlanLink | TunLink, Field(discriminator="type")]


# ---------------------------------------------------------------- the file


class Topology(Strict):
    """A lab: nodes (namespaces), networks (bridges), links."""

    lab: LabName = Field(description="lab name; namespaces are netlab-<lab>-<node>")
    description: str | None = None
    nodes: dict[Name, Node] = Field(min_length=1)
    networks: dict[Name, Network] = Field(default_factory=dict)
    links: list[Link] = Field(default_factory=list)
    clients: list[ClientSpec] = Field(default_factory=list, description="Kafka clients `netlab check` runs")
    expect: ExpectSpec = Field(default_factory=ExpectSpec, description="expected broker starts and links")

    _source: str | None = PrivateAttr(None)
    # The resolved view made by the loader (a loaded topology is not meant to be mutated).
    _resolved: Any = PrivateAttr(None)

    @field_validator("nodes", mode="before")
    @classmethod
    def _empty_nodes(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value

    @field_validator("networks", mode="before")
    @classmethod
    def _empty_networks(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value

    @field_validator("links", mode="before")
    @classmethod
    def _default_link_type(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [_link_type_default(v) for v in value]
        return value

    @property
    def source(self) -> str | None:
        return self._source
