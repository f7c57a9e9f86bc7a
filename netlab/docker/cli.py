"""What the CLI verbs do with a Docker engine (the verbs only parse and print)."""

from __future__ import annotations

from pathlib import Path

from netlab.errors import InputError
from netlab.kafka.lab_report import Report
from netlab.topology.models import Topology

from .enter import ContainerGone, require_local_engine
from .project import connect, engine_url, project_names, read_project
from .to_topology import to_topology
from .verdicts import docker_report, imported_topology, topology_yaml


def check_docker(project: str | None, *, client: str, timeout: float) -> tuple[Report, Topology]:
    """The generated rows of a running compose project, and the topology they ran in."""
    url = engine_url()
    docker = connect(url)
    try:
        p = read_project(docker, project, url)
        imported = to_topology(p, client=client)
        report = docker_report(docker, p, imported, timeout=timeout)
        report.notes.extend(imported.notes)
        return report, imported_topology(imported)
    finally:
        docker.close()


def import_docker(project: str | None, out: Path | None, client: str) -> tuple[str, list[str]]:
    """The project as a topology file's text (written to `out` when given) and the notes."""
    url = engine_url()
    docker = connect(url)
    try:
        imported = to_topology(read_project(docker, project, url), client=client)
    finally:
        docker.close()
    header = "".join(f"# note: {n}\n" for n in imported.notes)
    text = (
        f"# netlab import docker {imported.topology['lab']}: the running compose project as a lab\n"
        f"# (addresses as the engine gave them; clients generated: host -> published ports,\n"
        f"# every other container -> every broker listener by service name)\n{header}"
        + topology_yaml(imported)
    )
    if out is not None:
        try:
            out.write_text(text)
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror}", where="--output") from None
    return text, imported.notes


def container_capture_target(container: str) -> tuple[str, dict[str, str], dict[str, set[str]]]:
    """(namespace path, address -> name, name -> addresses) of a running container, for capture."""
    url = engine_url()
    docker = connect(url)
    try:
        found = None
        for name in project_names(docker):
            p = read_project(docker, name, url)
            found = next((c for c in p.containers if container in (c.name, c.id, c.id[:12])), None)
            if found:
                break
        if found is None:
            raise InputError(f"no running compose container {container!r} on {url}", where="--docker")
        require_local_engine(p.engine_pid)
        if not found.running or not found.pid:
            raise ContainerGone(f"container {found.name} is not running ({found.state})")
        names = {a.address: c.service for c in p.containers for a in c.attachments}
        hosts: dict[str, set[str]] = {}
        for c in p.containers:
            for a in c.attachments:
                for n in (c.service, c.name, *a.aliases):
                    hosts.setdefault(n, set()).add(a.address)
        return f"/proc/{found.pid}/ns/net", names, hosts
    finally:
        docker.close()
