"""Which nodes are Docker containers, and what Docker withdraws when one stops.

A container's main process is the container: when it exits, Docker stops the container and
`Daemon.Cleanup` (moby `daemon/start.go`) calls `releaseNetwork`, which deletes the container's
network endpoints. Deleting an endpoint (libnetwork `endpoint.go`, `Endpoint.Delete`: `sbLeave`,
then `n.updateSvcRecord(ep, false)`) takes away:

- its names: the embedded DNS answers only from those service records, so the container's name
  and aliases stop resolving in the other containers ("Name or service not known");
- its published ports: leaving the bridge network releases the endpoint's port bindings
  (`libnetwork/drivers/bridge/port_mapping.go`, `releasePorts`: each docker-proxy is stopped and
  its NAT rules are removed), so the host is refused at the published port.

A broker that refuses to start is such a main process (`python -m broker` in a container
netlab builds on Docker, the Kafka images' entrypoint `exec`s the JVM likewise). netlab keeps
the node's namespace (its own rows can still be run), but withdraws exactly these two: names
from the other nodes' hosts files and the forwards of the publishing node's port proxy. The
same rule serves `netlab predict` (netlab/kafka/lab_report.py) and a running lab
(netlab/lab/containers.py).

A node is a container when it has the shape of one (what `netlab up --engine docker` makes a
container): attached only by veth to bridge networks that another node holds with a gateway
address (the Docker host: Docker always gives a bridge network a gateway), and holding no
bridge, TUN/TAP, VLAN, bond, route or `links:` end of its own. A VM (a TAP NIC), a bare server
on a switch (no gateway on its networks), a router or a Kubernetes node (routes, VXLAN) is not
one: their namespaces are machines that outlive any one process. A Kubernetes pod has a
container's shape and is treated as one (a pod whose container does not start is not ready, and
Kubernetes takes it out of its Services' DNS and endpoints).
"""

from __future__ import annotations

from collections.abc import Mapping

from netlab.topology.view import Publish, Resolved


def container_nodes(r: Resolved) -> frozenset[str]:
    """The nodes of the topology that are Docker containers (see the module docstring)."""
    topology = r.topology
    holders = {n.node for n in r.networks.values()}
    in_links = {e.node for link in topology.links for e in link.endpoints}
    out = set()
    for name, spec in topology.nodes.items():
        atts = r.attachments_of(name)
        if not atts or name in holders or name in in_links:
            continue
        if spec.tuntap or spec.vlans or spec.bonds or spec.routes:
            continue
        if all(a.mode == "veth" and r.networks[a.network].gateway is not None for a in atts):
            out.add(name)
    return frozenset(out)


def stopped_containers(r: Resolved, start_errors: Mapping[str, str | None]) -> dict[str, str]:
    """node -> Kafka's own error, for each container whose broker (its main process) did not
    start: those containers are stopped, as Docker stops them."""
    containers = container_nodes(r)
    return {node: err for node, err in sorted(start_errors.items()) if err and node in containers}


def withdrawn_ports(r: Resolved, stopped: Mapping[str, str]) -> list[Publish]:
    """The published ports Docker unmaps because their container stopped."""
    return [p for p in r.ports if p.node in stopped]


def kept_ports(r: Resolved, stopped: Mapping[str, str]) -> list[Publish]:
    return [p for p in r.ports if p.node not in stopped]


def exited_sentence(node: str, error: str) -> str:
    """The cause sentence of a row that a stopped container explains."""
    return f"container {node} exited: Kafka refused to start: {error}"
