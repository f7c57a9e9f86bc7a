"""A netlab topology on a Docker engine: networks, containers, published ports, brokers.

The lab Docker would build: each network a user-defined bridge network with the topology's
subnet, gateway and bridge name; each node but the Docker host a container from netlab's node
image (image.py) with the topology's static address and aliases on each network, its published
ports through Docker's own publishing (docker-proxy and iptables in the engine's namespace),
its `extra_hosts` (host-gateway included), and its hostname set to the node name, as netlab
gives its nodes. A broker runs in its container as `python -m broker` configured through the
environment, as the Kafka images are (KAFKA_<NAME> for each property, Confluent's mapping).
Containers carry Docker Compose's labels (project = lab, service = node), so `netlab check
--docker <lab>` reads them back as any compose project.

What Docker cannot express is refused up front, naming the node and the feature: networks held
by more than one node (one engine is one Docker host), links, TUN/TAP, routes, VLANs, bonds and
`processes:`.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from broker.properties import env_name_to_property
from netlab.broker_files import needs_registration
from netlab.errors import InputError
from netlab.kafka.broker_log import STARTED_MARKS, UNFENCED_MARK, start_error_from_log
from netlab.lab.brokers import metadata_settled
from netlab.topology.kafka_fields import broker_properties
from netlab.topology.models import Topology
from netlab.topology.view import Resolved
from netlab.zookeeper import ENSEMBLE_READY_MARK, READY_MARK, ZK_SERVER, jvm_env, zoo_cfg

from .image import checkout_root, ensure_image, node_mounts
from .project import PROJECT_LABEL, SERVICE_LABEL

NETWORK_LABEL = "com.docker.compose.network"
BROKER_STOP_TIMEOUT_S = 10


@dataclass(frozen=True)
class Deployed:
    project: str
    host: str  # the node that is the Docker host
    containers: dict[str, str]  # node -> container id
    networks: dict[str, str]  # network -> network id
    zookeepers: list[str] = field(default_factory=list)  # nodes whose container runs a ZooKeeper


def property_to_env(prop: str) -> str:
    """`advertised.listeners` -> KAFKA_ADVERTISED_LISTENERS; `_` -> `__`, `-` -> `___` (the
    Confluent and Apache images' mapping, read back by broker.properties.env_name_to_property).
    `_` first: the `___` a dash becomes must not be doubled again."""
    return "KAFKA_" + prop.replace("_", "__").replace("-", "___").replace(".", "_").upper()


def docker_host_of(topology: Topology, resolved: Resolved) -> str:
    """The one node holding every network (the Docker host); InputError for what Docker cannot express."""
    holders = sorted({n.node for n in resolved.networks.values()})
    where = "engine docker"
    if len(holders) > 1:
        raise InputError(
            f"networks are held by several nodes ({', '.join(holders)}); one Docker engine is one "
            "Docker host: use the namespace engine for this lab",
            where=where,
        )
    host = holders[0] if holders else "host"
    if topology.links:
        raise InputError("links: (veth, VXLAN, TUN) have no Docker equivalent", where=where)
    for name, node in topology.nodes.items():
        for feature in ("tuntap", "routes", "vlans", "bonds", "processes"):
            if getattr(node, feature):
                raise InputError(
                    f"nodes.{name}.{feature} has no equivalent in a Docker container netlab builds",
                    where=where,
                )
    return host


def deploy(client, topology: Topology, resolved: Resolved, *, python: str | None = None) -> Deployed:
    """Create and start the lab on `client`'s engine; returns what it made (for removal by id).
    On any failure what was made so far is removed before the error is raised: nothing half built."""
    made = Deployed(topology.lab, docker_host_of(topology, resolved), {}, {})
    try:
        _deploy(client, topology, resolved, python, made)
    except BaseException:
        undeploy(client, made)
        raise
    return made


def _deploy(client, topology: Topology, resolved: Resolved, python: str | None, made: Deployed) -> None:
    project, host = made.project, made.host
    image = ensure_image(client)
    networks = {}
    for name, net in resolved.networks.items():
        import docker

        ipam = docker.types.IPAMConfig(
            pool_configs=[
                docker.types.IPAMPool(
                    subnet=str(net.subnet), gateway=str(net.gateway) if net.gateway else None
                )
            ]
        )
        networks[name] = client.networks.create(
            name,
            driver="bridge",
            ipam=ipam,
            options={"com.docker.network.bridge.name": net.bridge},
            labels={PROJECT_LABEL: project, NETWORK_LABEL: name},
        )
        made.networks[name] = networks[name].id
    for node, spec in topology.nodes.items():
        if node == host:
            continue
        attachments = resolved.attachments_of(node)
        env = {"PYTHONPATH": str(checkout_root())}
        command = ["/usr/bin/sleep", "infinity"]
        stop_signal = "SIGKILL"  # a sleeper has nothing to stop cleanly
        if spec.broker is not None:
            command = [python or sys.executable, "-m", "broker"]
            for prop, value in broker_properties(spec.broker).items():
                name = property_to_env(prop)
                if env_name_to_property(name) == prop:
                    env[name] = value
                else:  # e.g. cluster.id: the images read CLUSTER_ID to format storage, not as a setting
                    command += ["--override", f"{prop}={value}"]
            stop_signal = "SIGTERM"
        if spec.zookeeper is not None:
            made.zookeepers.append(node)
            command, zk_env = _zookeeper_command(spec.zookeeper)
            env.update(zk_env)
            stop_signal = "SIGTERM"
        first = attachments[0] if attachments else None
        endpoint = (
            {
                first.network: client.api.create_endpoint_config(
                    ipv4_address=str(first.address), aliases=[node, *first.aliases]
                )
            }
            if first
            else {}
        )
        ctr = client.api.create_container(
            image,
            command,
            name=node,
            hostname=node,
            environment=env,
            labels={PROJECT_LABEL: project, SERVICE_LABEL: node},
            stop_signal=stop_signal,
            ports=[(p.target_port, p.protocol) for p in resolved.ports if p.node == node],
            host_config=client.api.create_host_config(
                binds=node_mounts(),
                port_bindings=_port_bindings(resolved, node),
                extra_hosts=_extra_hosts(spec),
                network_mode=first.network if first else "none",
                sysctls=dict(spec.sysctls) or None,
            ),
            networking_config=client.api.create_networking_config(endpoint) if endpoint else None,
            stop_timeout=BROKER_STOP_TIMEOUT_S,
        )
        cid = made.containers[node] = ctr["Id"]
        for a in attachments[1:]:
            networks[a.network].connect(cid, ipv4_address=str(a.address), aliases=[node, *a.aliases])
        client.api.start(cid)


def undeploy(client, deployed: Deployed) -> None:
    """Remove what `deploy` made, by the ids it recorded."""
    from docker.errors import NotFound

    for cid in deployed.containers.values():
        try:
            client.api.remove_container(cid, force=True)
        except NotFound:
            pass
    for nid in deployed.networks.values():
        try:
            client.api.remove_network(nid)
        except NotFound:
            pass


def wait_brokers(
    client, deployed: Deployed, brokers: dict[str, dict[str, str]], timeout: float = 30.0
) -> dict[str, str]:
    """Wait (bounded) until each broker container (node -> its settings) logged Kafka's start
    message (and, for a KRaft broker that registers with a controller, its unfencing; for a
    ZooKeeper-mode broker its first UpdateMetadata or the controller's line that it cannot reach
    it — as `netlab up` waits, netlab/lab/brokers.py), failed to start (Kafka's fatal line, or
    the container exited), or `timeout` passed; also until every ZooKeeper container serves (its
    own ready line, as the namespace engine waits for it). node -> its log."""
    deadline = time.monotonic() + timeout
    logs: dict[str, str] = {}
    pending = dict(brokers)
    zookeepers = [n for n in deployed.zookeepers if n in deployed.containers]
    while (pending or zookeepers) and time.monotonic() < deadline:
        for node in list(zookeepers):
            ctr = client.containers.get(deployed.containers[node])
            log = ctr.logs(tail=2000).decode(errors="replace")
            if READY_MARK in log or ENSEMBLE_READY_MARK in log or ctr.status == "exited":
                zookeepers.remove(node)
        for node, props in list(pending.items()):
            ctr = client.containers.get(deployed.containers[node])
            log = logs[node] = ctr.logs(tail=2000).decode(errors="replace")
            started = any(m in log for m in STARTED_MARKS)
            registered = UNFENCED_MARK in log or not needs_registration(props)
            zk_mode = bool(props.get("zookeeper.connect")) and not props.get("process.roles", "").strip()
            if started and zk_mode:
                registered = metadata_settled(log, list(logs.values()))
            if (started and registered) or start_error_from_log(log) or ctr.status == "exited":
                del pending[node]
        time.sleep(0.1)
    return logs


def broker_nodes(topology: Topology) -> dict[str, dict[str, str]]:
    """node -> the settings its broker runs with, for every broker of the topology."""
    return {n: broker_properties(s.broker) for n, s in topology.nodes.items() if s.broker is not None}


# ZooKeeper in a container: Debian's, from the mounted /usr, its zoo.cfg written into the
# container's own /tmp from the environment (nothing of the lab's files is mounted in)
ZK_CONTAINER_DIR = "/tmp/zookeeper"
# an ensemble member also gets its myid (netlab/zookeeper.py writes the same into the lab's dataDir)
_ZK_START = (
    f'mkdir -p {ZK_CONTAINER_DIR}/data && printf "%s" "$NETLAB_ZOO_CFG" > {ZK_CONTAINER_DIR}/zoo.cfg && '
    f'if [ -n "$NETLAB_ZOO_MYID" ]; then '
    f'printf "%s\\n" "$NETLAB_ZOO_MYID" > {ZK_CONTAINER_DIR}/data/myid; fi && '
    f'exec "$0" start-foreground {ZK_CONTAINER_DIR}/zoo.cfg'
)


def _zookeeper_command(spec) -> tuple[list[str], dict[str, str]]:
    env = dict(jvm_env(spec))
    env["NETLAB_ZOO_CFG"] = zoo_cfg(spec, PurePosixPath(ZK_CONTAINER_DIR) / "data")  # type: ignore[arg-type]
    if spec.ensemble:
        env["NETLAB_ZOO_MYID"] = str(spec.server_id)
    return ["/bin/sh", "-c", _ZK_START, ZK_SERVER], env


def _port_bindings(resolved: Resolved, node: str) -> dict:
    out: dict = {}
    for p in resolved.ports:
        if p.node != node:
            continue
        key = f"{p.target_port}/{p.protocol}"
        # "::" is Docker's default publish (every address, v4 and v6): no HostIp
        binding = p.listen_port if p.listen_host == "::" else (p.listen_host, p.listen_port)
        out.setdefault(key, []).append(binding)
    return out


def _extra_hosts(spec) -> dict[str, str]:
    return {e.name: e.address for e in spec.extra_hosts}
