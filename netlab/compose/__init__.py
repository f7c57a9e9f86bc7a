"""`netlab up/predict docker-compose.yml`: a compose file as the lab's input.

Pipeline (one module per step): load.py (YAML, .env, interpolation, compose-spec schema) →
project.py (compose semantics, addresses, ports) → profiles/ (what each image's entrypoint makes
of its environment) → translate.py (a netlab topology) → clients.py (the rows) → fixes.py (the
compose change that fixes a ✗ row, checked by predicting again). docs/compose.md has the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path

from netlab.errors import InputError
from netlab.topology.models import Topology

from .load import is_compose_file, load_compose_data
from .project import Project, build_project
from .translate import DEFAULT_LAN_IP, Translation, translate

__all__ = ["ComposeLab", "ComposeOptions", "compose_lab", "is_compose_file"]


@dataclass
class ComposeOptions:
    project: str | None = None
    env_file: str | None = None
    client: str = "kcat"
    probes: list[str] = field(default_factory=list)
    lan_ip: IPv4Address | None = DEFAULT_LAN_IP
    desktop: str | None = None  # mac | windows


@dataclass
class ComposeLab:
    project: Project
    translation: Translation
    topology: Topology
    labels: list[str]  # per client row: `from` as the user wrote or sees it

    @property
    def notes(self) -> list[str]:
        return self.project.notes + self.translation.notes


def parse_lan_ip(text: str | None) -> IPv4Address | None:
    if text is None:
        return DEFAULT_LAN_IP
    if text in ("off", "none"):
        return None
    try:
        addr = IPv4Address(text)
    except ValueError:
        raise InputError(f"{text!r} is not an IPv4 address (or `off`)", where="--lan-ip") from None
    if str(addr).startswith("192.0.2."):
        raise InputError(
            "192.0.2.0/24 is this machine's real uplink; use 198.51.100.0/24 or 203.0.113.0/24",
            where="--lan-ip",
        )
    return addr


def compose_lab(
    path: str | Path,
    options: ComposeOptions | None = None,
    env_overrides=None,
    port_overrides=None,
    loaded=None,
) -> ComposeLab:
    """Compose file -> the topology netlab builds, with generated (or --probe) client rows.
    `loaded`: the file as already read (fixes.py translates it again with changes)."""
    from .clients import generated_rows, probe_rows
    from .topology_out import to_topology

    options = options or ComposeOptions()
    loaded = loaded or load_compose_data(path, options.env_file)
    project = build_project(loaded, options.project)
    t = translate(
        project,
        lan_ip=options.lan_ip,
        env_overrides=env_overrides,
        port_overrides=port_overrides,
        desktop=options.desktop,
    )
    rows = probe_rows(t, options.probes) if options.probes else generated_rows(t)
    t.data["clients"] = [{"node": r.node, "bootstrap": r.bootstrap, "client": options.client} for r in rows]
    for i, r in enumerate(rows):
        t.comments[("clients", i)] = (
            f"--probe {r.label}={r.bootstrap}" if options.probes else "a generated row"
        )
    topology = to_topology(t)
    return ComposeLab(project, t, topology, [r.label for r in rows])
