"""The vocabulary of a Plan: one frozen dataclass per kind of kernel object, file or process.

plan.py compiles a Topology into an ordered tuple of these steps (pure, no root needed);
kernel/ and lab.py apply them in order, journaling each step *before* it is made, and
destroy a lab from the journal alone. Every step has a `key` that is unique within a plan
and names the object the way a user would look for it (``veth broker-1:eth0``).

Conventions shared by compiler and applier:
- `netns` fields hold full namespace names (``netlab-<lab>-<node>``), never node names.
- Interface names are ≤ 15 characters and live inside their namespace.
- Devices are created administratively down; a `LinkUp` step brings each one up once its
  master and addresses are set, so the plan reads in the same order an operator would type.
- Processes are started the way `ip netns exec` starts them (the namespace's
  /etc/netns/<netns>/ files bind-mounted over /etc), logs and pid files in the lab directory.
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import ClassVar


@dataclass(frozen=True)
class Step:
    kind: ClassVar[str] = "step"

    @property
    def key(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def to_dict(self) -> dict:
        return {"kind": self.kind, **asdict(self)}


@dataclass(frozen=True)
class Namespace(Step):
    """A node: one network namespace, bind-mounted at /run/netns/<netns>, lo up."""

    kind: ClassVar[str] = "netns"
    node: str
    netns: str

    @property
    def key(self) -> str:
        return f"netns {self.netns}"


@dataclass(frozen=True)
class Sysctl(Step):
    """A per-namespace sysctl, e.g. net.ipv4.ip_forward=1 for a router node."""

    kind: ClassVar[str] = "sysctl"
    netns: str
    name: str  # dotted form: net.ipv4.ip_forward
    value: str

    @property
    def key(self) -> str:
        return f"sysctl {self.netns}:{self.name}"


@dataclass(frozen=True)
class Bridge(Step):
    """A Linux bridge inside a node (like docker0 / br-xxxx inside the Docker host)."""

    kind: ClassVar[str] = "bridge"
    netns: str
    ifname: str
    network: str  # the topology network it realises

    @property
    def key(self) -> str:
        return f"bridge {self.netns}:{self.ifname}"


@dataclass(frozen=True)
class Veth(Step):
    """A veth pair; each end created directly in its namespace, optionally enslaved to a bridge there."""

    kind: ClassVar[str] = "veth"
    a_netns: str
    a_ifname: str
    b_netns: str
    b_ifname: str
    a_master: str | None = None
    b_master: str | None = None
    mtu: int | None = None

    @property
    def key(self) -> str:
        return f"veth {self.a_netns}:{self.a_ifname}={self.b_netns}:{self.b_ifname}"


@dataclass(frozen=True)
class Tuntap(Step):
    """A persistent TUN (mode 'tun', IP packets) or TAP (mode 'tap', Ethernet frames) device."""

    kind: ClassVar[str] = "tuntap"
    netns: str
    ifname: str
    mode: str  # "tun" | "tap"
    master: str | None = None

    @property
    def key(self) -> str:
        return f"{self.mode} {self.netns}:{self.ifname}"


@dataclass(frozen=True)
class Vxlan(Step):
    """A VXLAN device: L2 over UDP between two nodes' underlay addresses."""

    kind: ClassVar[str] = "vxlan"
    netns: str
    ifname: str
    vni: int
    local: str  # underlay address in this node
    remote: str  # underlay address of the peer node
    dstport: int = 4789
    underlay: str | None = None  # underlay interface name in this node
    master: str | None = None

    @property
    def key(self) -> str:
        return f"vxlan {self.netns}:{self.ifname}"


@dataclass(frozen=True)
class Address(Step):
    """An address on an interface, in CIDR form (10.5.0.3/16)."""

    kind: ClassVar[str] = "address"
    netns: str
    ifname: str
    cidr: str

    @property
    def key(self) -> str:
        return f"address {self.netns}:{self.ifname}:{self.cidr}"


@dataclass(frozen=True)
class LinkUp(Step):
    kind: ClassVar[str] = "up"
    netns: str
    ifname: str

    @property
    def key(self) -> str:
        return f"up {self.netns}:{self.ifname}"


@dataclass(frozen=True)
class Route(Step):
    """A static route inside a node; `dst` is a CIDR or 'default'."""

    kind: ClassVar[str] = "route"
    netns: str
    dst: str
    gateway: str | None = None
    dev: str | None = None

    @property
    def key(self) -> str:
        return f"route {self.netns}:{self.dst}"


@dataclass(frozen=True)
class HostsFile(Step):
    """/etc/netns/<netns>/hosts (+ nsswitch.conf 'hosts: files', empty resolv.conf).

    Names resolve from this file only, so a lookup that should fail fails at once with
    'Name or service not known' and never leaves the namespace (no DNS server is asked).
    """

    kind: ClassVar[str] = "hosts"
    netns: str
    entries: tuple[tuple[str, tuple[str, ...]], ...]  # (address, (name, alias, ...))

    @property
    def key(self) -> str:
        return f"hosts {self.netns}"


@dataclass(frozen=True)
class Process(Step):
    """A long-running process inside a node.

    role: 'user' (topology `processes:`), 'port-proxy' (published ports), 'tap-relay',
    'tun-relay', 'broker'. Logs go to <labdir>/logs/<node>.<name>.log.
    `files`: (absolute path, text) pairs written just before the process starts (a broker's
    server.properties); they live under the lab directory, so `destroy` removes them with it.
    `ready`: see below; not reaching it is not an error (a broker that fails is a result).
    """

    kind: ClassVar[str] = "process"
    netns: str
    node: str
    name: str  # unique within the node
    argv: tuple[str, ...]
    role: str = "user"
    env: tuple[tuple[str, str], ...] = ()
    cwd: str | None = None
    files: tuple[tuple[str, str], ...] = ()
    # text the process logs once others may rely on it (a KRaft controller listening): later
    # processes start after it appears, or after the process ends, or after a bounded wait
    ready: str | None = None
    # role 'user' only: run as the unprivileged `netlab` user (`up --unprivileged`); netlab's
    # own roles always run unprivileged (netlab/kernel/privileges.py)
    unprivileged: bool = False

    @property
    def key(self) -> str:
        return f"process {self.node}/{self.name}"


STEP_KINDS: dict[str, type[Step]] = {
    cls.kind: cls
    for cls in (Namespace, Sysctl, Bridge, Veth, Tuntap, Vxlan, Address, LinkUp, Route, HostsFile, Process)
}


def step_from_dict(data: dict) -> Step:
    """Inverse of Step.to_dict (used to read the journal back)."""
    cls = STEP_KINDS[data["kind"]]
    kwargs = {}
    for f in fields(cls):
        value = data.get(f.name, None if f.default is MISSING else f.default)
        if isinstance(value, list):
            value = _tuplify(value)
        kwargs[f.name] = value
    return cls(**kwargs)


def _tuplify(value):
    if isinstance(value, list):
        return tuple(_tuplify(v) for v in value)
    return value


@dataclass(frozen=True)
class Plan:
    """Everything a lab is, in creation order."""

    lab: str
    steps: tuple[Step, ...]
    source: str | None = None  # the topology file, for messages only
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def of_kind(self, cls: type[Step]) -> list[Step]:
        return [s for s in self.steps if isinstance(s, cls)]
