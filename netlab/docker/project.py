"""A running Docker Compose project, as the Docker engine reports it (the `docker` SDK).

Read only: nothing here changes a container, a network or the engine. A project is the set of
containers labelled `com.docker.compose.project=<name>` (the label Docker Compose puts on every
container it creates) and the networks they are attached to.
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv4Network
from urllib.parse import urlparse

from netlab.errors import InputError, NetlabError

from .pids import outer_pid

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
# The engine's default bridge network: no name resolution between its containers (Docker's
# "legacy links" network), unlike user-defined networks.
DEFAULT_BRIDGE = "bridge"
API_TIMEOUT_S = 10


class DockerUnavailable(NetlabError):
    """No Docker engine answers (exit 2: the input, DOCKER_HOST, is wrong or the daemon is down)."""

    exit_code = 2


@dataclass(frozen=True)
class Attachment:
    network: str
    address: str  # IPv4 address on that network
    prefixlen: int
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Published:
    container_port: int
    protocol: str
    host_ip: str | None  # None: every address, IPv4 and IPv6 (Docker's default)
    host_port: int


@dataclass
class Container:
    id: str
    name: str  # the container name, without Docker's leading '/'
    service: str  # the compose service (the container name when unlabelled)
    hostname: str
    image: str
    env: dict[str, str]
    pid: int  # 0 when not running
    state: str
    network_mode: str
    attachments: list[Attachment] = field(default_factory=list)
    published: list[Published] = field(default_factory=list)
    extra_hosts: list[str] = field(default_factory=list)
    resolv_conf: str = ""
    hosts_file: str = ""
    started_at: str = ""  # State.StartedAt: a container restarted since has another

    @property
    def running(self) -> bool:
        return self.state == "running" and self.pid > 0


@dataclass(frozen=True)
class Network:
    name: str
    driver: str
    subnet: IPv4Network | None
    gateway: str | None
    bridge: str  # the Linux bridge on the Docker host


@dataclass
class Project:
    name: str
    containers: list[Container]
    networks: dict[str, Network]
    engine_pid: int | None  # the dockerd behind a local unix socket, else None

    def container(self, name_or_service: str) -> Container:
        for c in self.containers:
            if name_or_service in (c.name, c.service, c.id, c.id[:12]):
                return c
        raise InputError(
            f"no container {name_or_service!r} in project {self.name!r} "
            f"(containers: {', '.join(c.name for c in self.containers) or 'none'})",
            where="container",
        )


def connect(base_url: str | None = None):
    """A docker SDK client: `base_url`, else DOCKER_HOST, else the default socket."""
    import docker
    from docker.errors import DockerException

    try:
        client = (
            docker.DockerClient(base_url=base_url, timeout=API_TIMEOUT_S)
            if base_url
            else docker.from_env(timeout=API_TIMEOUT_S)
        )
        client.ping()
    except DockerException as exc:
        raise DockerUnavailable(
            f"no Docker engine answers at {engine_url(base_url)}: {_short(exc)}"
        ) from None
    return client


def _short(exc: BaseException) -> str:
    text = str(exc)
    if "Permission denied" in text:
        return "permission denied on the socket (run as root or as a member of the docker group)"
    if "No such file" in text or "FileNotFoundError" in text:
        return "no such socket (is dockerd running? DOCKER_HOST names another engine)"
    return text.splitlines()[0][:300] if text else type(exc).__name__


def engine_url(base_url: str | None = None) -> str:
    """The engine netlab talks to: `base_url`, else DOCKER_HOST, else Docker's default socket."""
    return base_url or os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def engine_pid(url: str) -> int | None:
    """The pid of the dockerd behind a local unix socket (SO_PEERCRED), else None."""
    parsed = urlparse(url)
    if parsed.scheme != "unix" or not parsed.path:
        return None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(2)
        s.connect(parsed.path)
        pid, _uid, _gid = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
        return pid or None
    except OSError:
        return None
    finally:
        s.close()


def project_names(client) -> list[str]:
    """Every compose project with a container on this engine (running or not)."""
    names = {
        c.labels.get(PROJECT_LABEL)
        for c in client.containers.list(all=True, filters={"label": PROJECT_LABEL})
    }
    return sorted(n for n in names if n)


def read_project(client, name: str | None, url: str | None = None) -> Project:
    """The project `name` (or the only one on the engine) as the engine describes it now."""
    if name is None:
        names = project_names(client)
        if len(names) != 1:
            raise InputError(
                "name the compose project: "
                + (f"this engine runs {', '.join(names)}" if names else "this engine runs none"),
                where="PROJECT",
            )
        name = names[0]
    raw = client.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={name}"})
    if not raw:
        known = project_names(client)
        raise InputError(
            f"no compose project {name!r} on this engine (projects: {', '.join(known) or 'none'})",
            where="PROJECT",
        )
    engine = engine_pid(engine_url(url))
    containers = sorted((_container(c.attrs) for c in raw), key=lambda c: c.service)
    for c in containers:
        c.pid = outer_pid(engine, c.pid)  # an engine netlab runs counts pids in its own namespace
    wanted = {a.network for c in containers for a in c.attachments}
    networks = {n: _network(client, n) for n in sorted(wanted)}
    return Project(name, containers, networks, engine)


def _container(a: dict) -> Container:
    cfg, host, net = a.get("Config") or {}, a.get("HostConfig") or {}, a.get("NetworkSettings") or {}
    labels = cfg.get("Labels") or {}
    name = a.get("Name", "").lstrip("/")
    env = dict(e.split("=", 1) if "=" in e else (e, "") for e in cfg.get("Env") or [])
    attachments = [
        Attachment(
            network=n,
            address=ep.get("IPAddress") or "",
            prefixlen=int(ep.get("IPPrefixLen") or 0),
            aliases=tuple(x for x in ep.get("Aliases") or () if x),
        )
        for n, ep in sorted((net.get("Networks") or {}).items())
        if ep.get("IPAddress")
    ]
    state = a.get("State") or {}
    return Container(
        id=a.get("Id", ""),
        name=name,
        service=labels.get(SERVICE_LABEL, name),
        hostname=cfg.get("Hostname", ""),
        image=cfg.get("Image", ""),
        env=env,
        pid=int(state.get("Pid") or 0),
        state=str(state.get("Status", "unknown")),
        network_mode=str(host.get("NetworkMode", "")),
        attachments=attachments,
        published=_published(net.get("Ports") or {}),
        extra_hosts=list(host.get("ExtraHosts") or []),
        resolv_conf=a.get("ResolvConfPath", ""),
        started_at=str(state.get("StartedAt") or ""),
        hosts_file=a.get("HostsPath", ""),
    )


def _published(ports: dict) -> list[Published]:
    """Docker lists a default publish twice (0.0.0.0 and ::): that is one mapping on every address."""
    out: list[Published] = []
    for key, bindings in sorted(ports.items()):
        port, _, proto = key.partition("/")
        by_port: dict[int, set[str]] = {}
        for b in bindings or ():
            by_port.setdefault(int(b["HostPort"]), set()).add(b.get("HostIp") or "0.0.0.0")
        for host_port, ips in sorted(by_port.items()):
            if ips <= {"0.0.0.0", "::", ""}:
                out.append(Published(int(port), proto or "tcp", None, host_port))
            else:
                for ip in sorted(ips - {"::"}):
                    out.append(Published(int(port), proto or "tcp", ip, host_port))
    return out


def _network(client, name: str) -> Network:
    from docker.errors import NotFound

    try:
        attrs = client.networks.get(name).attrs
    except NotFound:
        return Network(name, "unknown", None, None, "")
    config = ((attrs.get("IPAM") or {}).get("Config") or [{}])[0] or {}
    subnet = config.get("Subnet")
    options = attrs.get("Options") or {}
    net_id = attrs.get("Id", "")
    bridge = options.get("com.docker.network.bridge.name") or (
        "docker0" if name == DEFAULT_BRIDGE else f"br-{net_id[:12]}"
    )
    gateway = config.get("Gateway") or (
        str(next(IPv4Interface(subnet).network.hosts())) if subnet and ":" not in subnet else None
    )
    return Network(
        name=name,
        driver=attrs.get("Driver", ""),
        subnet=IPv4Network(subnet) if subnet and ":" not in subnet else None,
        gateway=gateway,
        bridge=bridge,
    )
