"""Compose semantics, as Docker Compose (v2) implements them, over a loaded compose file.

- project name: `-p`, else COMPOSE_PROJECT_NAME, else top-level `name:`, else the directory's
  name; lower case, only a-z 0-9 _ - (compose's NormalizeProjectName);
- networks: `default` is `<project>_default` unless declared otherwise; a declared network is
  `<project>_<key>` (or its `name:`); `ipam.config[0].subnet/gateway` or the next subnet of
  Docker's pools (pools.py) in creation order (the default network first, then the declared ones
  in file order);
- services: active unless they list `profiles` none of which is enabled (COMPOSE_PROFILES);
  started in `depends_on` order (file order otherwise); each one's container connects to its
  networks in that order and takes the next free address (static `ipv4_address` reserved first);
- `network_mode`: host (the Docker host's namespace), service:X / container:X (X's namespace),
  bridge (the legacy default bridge 172.17.0.0/16: no name resolution between containers),
  none (loopback only);
- names: the service name, `container_name` and `aliases` resolve on the service's networks;
  the hostname is `hostname:` or the container's 12-hex id;
- `environment` (list or map; a bare name takes the shell's value), `env_file` (read first,
  `environment` wins), `extra_hosts` (list or map, host-gateway), `links`, `ports`, `expose`.
Keys that change nothing netlab models are listed once as ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, ip_network
from pathlib import Path

from netlab.errors import InputError

from .extends import resolve_extends
from .interpolate import parse_env_file
from .load import Loaded, load_compose_data
from .pools import DEFAULT_BRIDGE, SubnetAddresses, next_subnet
from .ports import HostPortAllocator, PortSyntaxError, Publish, parse_ports

MODELLED_SERVICE_KEYS = {
    "image",
    "hostname",
    "container_name",
    "network_mode",
    "networks",
    "ports",
    "expose",
    "environment",
    "env_file",
    "extra_hosts",
    "links",
    "depends_on",
    "profiles",
    "entrypoint",
    "command",
}
LEGACY_BRIDGE = "bridge"


@dataclass
class Attachment:
    network: str  # compose key
    aliases: list[str] = field(default_factory=list)
    ipv4_address: IPv4Address | None = None
    static: bool = False


@dataclass
class Service:
    name: str
    image: str | None
    hostname: str | None
    container_name: str | None
    network_mode: str | None  # None: its networks; host | bridge | none | service:X
    attachments: list[Attachment]
    ports: list[Publish]
    expose: list[str]
    environment: dict[str, str]
    extra_hosts: list[str]
    links: list[tuple[str, str]]  # (service, alias)
    depends_on: list[str]
    written_env: set[str] = field(default_factory=set)  # keys written under `environment:`
    entrypoint: str | None = None  # as written (joined), when the image's own is replaced
    command: str | None = None

    @property
    def shares_namespace_of(self) -> str | None:
        if self.network_mode and self.network_mode.startswith(("service:", "container:")):
            return self.network_mode.split(":", 1)[1]
        return None


@dataclass
class Network:
    key: str
    name: str  # Docker's name, e.g. myproj_default
    subnet: IPv4Network
    gateway: IPv4Address
    explicit_subnet: bool
    internal: bool = False
    external: bool = False
    names: bool = True  # Docker's embedded DNS (not on the legacy default bridge)


@dataclass
class Project:
    name: str
    path: Path
    services: dict[str, Service]  # start order
    networks: dict[str, Network]  # creation order
    ignored: list[str]
    notes: list[str]
    warnings: list[str]
    loaded: Loaded


def normalize_project_name(text: str) -> str:
    name = re.sub(r"[^a-z0-9_-]", "", text.lower())
    return name.lstrip("_-")


def _project_name(loaded: Loaded, override: str | None) -> str:
    for candidate in (override, loaded.env.get("COMPOSE_PROJECT_NAME"), loaded.data.get("name")):
        if candidate:
            name = normalize_project_name(str(candidate))
            if not name:
                raise InputError(f"project name {candidate!r} has no letter or digit", where="--project")
            return name
    return normalize_project_name(loaded.path.resolve().parent.name) or "default"


def _env_of(svc: dict, base: Path, shell: dict[str, str]) -> tuple[dict[str, str], set[str]]:
    env: dict[str, str] = {}
    files = svc.get("env_file") or []
    for item in [files] if isinstance(files, (str, dict)) else files:
        path = str(item if isinstance(item, str) else item.get("path"))
        required = True if isinstance(item, str) else item.get("required", True)
        full = (base / path).resolve()
        if not full.exists() and not required:
            continue
        env.update(parse_env_file(full))
    written: set[str] = set()
    raw = svc.get("environment") or {}
    pairs: list[tuple[str, object]] = []
    if isinstance(raw, list):
        for item in raw:
            name, sep, text = str(item).partition("=")
            pairs.append((name, text if sep else None))
    else:
        pairs = [(str(k), v) for k, v in raw.items()]
    for name, value in pairs:
        written.add(name)
        if value is None:  # a bare name: the shell's value, or unset
            if name in shell:
                env[name] = shell[name]
            continue
        env[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return env, written


def _joined(raw) -> str | None:
    if raw is None:
        return None
    return " ".join(str(x) for x in raw) if isinstance(raw, list) else str(raw)


def _extra_hosts(raw) -> list[str]:
    if isinstance(raw, dict):
        return [f"{k}:{v}" for k, v in raw.items()]
    return [str(x) for x in raw or []]


def _links(raw) -> list[tuple[str, str]]:
    out = []
    for item in raw or []:
        name, _, alias = str(item).partition(":")
        out.append((name, alias or name))
    return out


def _depends(raw) -> list[str]:
    if isinstance(raw, dict):
        return list(raw)
    return list(raw or [])


def _start_order(services: dict[str, dict], loaded: Loaded) -> list[str]:
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise InputError(
                f"depends_on cycle: {' -> '.join(chain + (name,))}",
                where=loaded.src.where(("services", name, "depends_on")),
            )
        state[name] = 1
        for dep in _depends(services[name].get("depends_on")):
            if dep not in services:
                raise InputError(
                    f"service {name!r} depends on undefined service {dep!r}",
                    where=loaded.src.where(("services", name, "depends_on")),
                )
            visit(dep, chain + (name,))
        state[name] = 2
        order.append(name)

    for name in services:
        visit(name, ())
    return order


def _active(services: dict[str, dict], env: dict[str, str]) -> dict[str, dict]:
    enabled = {p.strip() for p in env.get("COMPOSE_PROFILES", "").split(",") if p.strip()}
    active = {
        n: s
        for n, s in services.items()
        if not s.get("profiles") or enabled & set(s["profiles"]) or "*" in enabled
    }
    # a service needed by an active one starts too (compose adds dependencies)
    changed = True
    while changed:
        changed = False
        for name in list(active):
            for dep in _depends(services[name].get("depends_on")):
                if dep in services and dep not in active:
                    active[dep] = services[dep]
                    changed = True
    return {n: services[n] for n in services if n in active}


def build_project(loaded: Loaded, project_name: str | None = None) -> Project:
    data = loaded.data
    name = _project_name(loaded, project_name)
    all_services = resolve_extends(
        data.get("services") or {},
        loaded.path,
        lambda f: load_compose_data(f, environ=loaded.env).data.get("services") or {},
        loaded.src.where,
    )
    services_raw = _active(all_services, loaded.env)
    notes: list[str] = []
    skipped = [n for n in all_services if n not in services_raw]
    if skipped:
        notes.append(f"not started (profiles not enabled; COMPOSE_PROFILES): {', '.join(skipped)}")
    ignored: dict[str, None] = {}
    for key in data:
        if key not in ("services", "networks", "name", "version"):
            ignored[key] = None
    if "version" in data:
        notes.append("`version` is obsolete and ignored (as docker compose says)")
    if "include" in data:
        notes.append(
            "`include` is not followed: the services of the included files are missing from this lab"
        )
    for override in (
        "docker-compose.override.yml",
        "docker-compose.override.yaml",
        "compose.override.yml",
        "compose.override.yaml",
    ):
        if (
            loaded.path.name in ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")
            and (loaded.path.parent / override).exists()
        ):
            notes.append(
                f"{override} is next to this file: docker compose merges it, netlab does not read it"
            )

    declared = dict(data.get("networks") or {})
    used_keys: list[str] = []
    for svc in services_raw.values():
        if svc.get("network_mode"):
            continue
        nets = svc.get("networks") or ["default"]
        for key in nets if isinstance(nets, list) else list(nets):
            if key not in declared and key != "default":
                raise InputError(
                    f"service refers to undefined network {key}",
                    where=loaded.src.where(("services", _service_of(services_raw, svc), "networks")),
                )
            if key not in used_keys:
                used_keys.append(key)
    networks = _networks(name, declared, used_keys, services_raw, loaded, notes)

    order = _start_order(services_raw, loaded)
    services: dict[str, Service] = {}
    for sname in order:
        svc = services_raw[sname]
        for key in svc:
            if key not in MODELLED_SERVICE_KEYS:
                ignored[f"services.*.{key}"] = None
        env, written = _env_of(svc, loaded.path.parent, loaded.env)
        try:
            ports = parse_ports(svc.get("ports") or [])
        except PortSyntaxError as exc:
            raise InputError(str(exc), where=loaded.src.where(("services", sname, "ports"))) from None
        mode = svc.get("network_mode")
        attachments: list[Attachment] = []
        if not mode:
            nets = svc.get("networks") or ["default"]
            items = (
                [(k, {}) for k in nets] if isinstance(nets, list) else [(k, v or {}) for k, v in nets.items()]
            )
            for key, spec in items:
                static = spec.get("ipv4_address")
                attachments.append(
                    Attachment(
                        key,
                        [str(a) for a in spec.get("aliases") or []],
                        IPv4Address(static) if static else None,
                        bool(static),
                    )
                )
        elif mode == LEGACY_BRIDGE:
            attachments.append(Attachment(LEGACY_BRIDGE))
        elif mode.startswith(("service:", "container:")):
            target = mode.split(":", 1)[1]
            if target not in services_raw:
                raise InputError(
                    f"network_mode {mode!r}: no such service",
                    where=loaded.src.where(("services", sname, "network_mode")),
                )
        elif mode not in ("host", "none"):
            raise InputError(
                f"network_mode {mode!r} is not modelled: use host, bridge, none or service:NAME",
                where=loaded.src.where(("services", sname, "network_mode")),
            )
        services[sname] = Service(
            sname,
            svc.get("image"),
            svc.get("hostname"),
            svc.get("container_name"),
            mode,
            attachments,
            ports,
            [str(e) for e in svc.get("expose") or []],
            env,
            _extra_hosts(svc.get("extra_hosts")),
            _links(svc.get("links")),
            _depends(svc.get("depends_on")),
            written,
            _joined(svc.get("entrypoint")),
            _joined(svc.get("command")),
        )
    if any(s.network_mode == LEGACY_BRIDGE for s in services.values()):
        networks[LEGACY_BRIDGE] = Network(
            LEGACY_BRIDGE, "bridge", DEFAULT_BRIDGE, next(DEFAULT_BRIDGE.hosts()), True, names=False
        )
    _addresses(services, networks, loaded)
    _host_ports(services, loaded)
    return Project(name, loaded.path, services, networks, list(ignored), notes, loaded.warnings, loaded)


def _service_of(services: dict[str, dict], svc: dict) -> str:
    return next(n for n, s in services.items() if s is svc)


def _networks(project, declared, used_keys, services, loaded, notes) -> dict[str, Network]:
    out: dict[str, Network] = {}
    in_use: list[IPv4Network] = [DEFAULT_BRIDGE]  # docker0
    # compose creates the default network first, then the declared ones in file order
    keys = [k for k in ["default", *declared] if k in used_keys]
    for key in keys:
        spec = declared.get(key) or {}
        docker_name = spec.get("name") or f"{project}_{key}"
        if spec.get("external"):
            notes.append(
                f"network {key} is external (created outside this file): netlab creates it as {docker_name}"
            )
        driver = spec.get("driver")
        if driver not in (None, "bridge"):
            notes.append(f"network {key}: driver {driver} is modelled as a bridge network")
        config = (spec.get("ipam") or {}).get("config") or [{}]
        subnet: IPv4Network | None = None
        gateway: IPv4Address | None = None
        for entry in config:
            if entry.get("subnet") and ip_network(entry["subnet"], strict=False).version == 4:
                subnet = IPv4Network(entry["subnet"], strict=False)
                gateway = IPv4Address(entry["gateway"]) if entry.get("gateway") else None
                break
        explicit = subnet is not None
        if subnet is None:
            subnet = next_subnet(in_use)
        in_use.append(subnet)
        out[key] = Network(
            key,
            docker_name,
            subnet,
            gateway or next(subnet.hosts()),
            explicit,
            internal=bool(spec.get("internal")),
            external=bool(spec.get("external")),
        )
    return out


def _addresses(services: dict[str, Service], networks: dict[str, Network], loaded: Loaded) -> None:
    pools = {k: SubnetAddresses(n.subnet, n.gateway) for k, n in networks.items()}
    for s in services.values():
        for a in s.attachments:
            if a.ipv4_address is not None:
                net = networks[a.network]
                where = loaded.src.where(("services", s.name, "networks", a.network, "ipv4_address"))
                if not net.explicit_subnet:
                    raise InputError(
                        "user specified IP address is supported only when connecting to networks with "
                        "user configured subnets",
                        where=where,
                    )
                if a.ipv4_address not in net.subnet:
                    raise InputError(
                        f"{a.ipv4_address} is not in the network's subnet {net.subnet}", where=where
                    )
                if a.ipv4_address in pools[a.network].used:
                    raise InputError(f"{a.ipv4_address} is already in use on {net.name}", where=where)
                pools[a.network].reserve(a.ipv4_address)
    for s in services.values():
        for a in s.attachments:
            if a.ipv4_address is None:
                a.ipv4_address = pools[a.network].allocate()


def _host_ports(services: dict[str, Service], loaded: Loaded) -> None:
    taken = {(p.protocol, p.published) for s in services.values() for p in s.ports if p.published}
    alloc = HostPortAllocator(taken)
    for s in services.values():
        s.ports = [
            p
            if p.published is not None
            else Publish(p.target, alloc.allocate(p.protocol), p.host_ip, p.protocol, p.text, auto=True)
            for p in s.ports
        ]
