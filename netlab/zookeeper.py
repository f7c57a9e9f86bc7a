"""ZooKeeper in nodes (pure): a node's `zookeeper:` block becomes a zoo.cfg in the lab directory
and a `zkServer.sh start-foreground <zoo.cfg>` process inside the node (role 'zookeeper'); with
`servers`, a quorum peer of an ensemble (server.N lines, and dataDir/myid).

    /run/netlab/<lab>/zookeeper/<node>/zoo.cfg   what it runs with
    /run/netlab/<lab>/zookeeper/<node>/data/     dataDir (snapshots and transaction logs)

Debian's zkServer.sh (zookeeper 3.8) execs the JVM, so the process netlab records is ZooKeeper
itself. Facts about that script, measured here (docs/zookeeper.md):
- it ignores ZOOCFGDIR and ZOO_LOG_DIR (its zkEnv.sh sets them), so the config path is its argument;
- its class path has no SLF4J binding, so ZooKeeper logs nothing; JVMFLAGS may carry a later
  `-cp` that adds Debian's slf4j-simple, which makes it log to stderr (our process log);
- JMXDISABLE=true keeps the JVM from opening a JMX agent we do not use.
"""

from __future__ import annotations

from pathlib import Path

from netlab.resources import Process
from netlab.rundir import RUN_DIR
from netlab.topology.models import Topology
from netlab.topology.zookeeper_fields import ZooKeeperSettings, ensemble_groups, server_tuples

ZOOKEEPER_PROCESS = "zookeeper"
ZK_SERVER = "/usr/share/zookeeper/bin/zkServer.sh"
ZK_CLASSPATH = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar"
# ZooKeeperServer's request processor is up: it answers clients from here on
READY_MARK = "PrepRequestProcessor (sid:0) started"
# a quorum peer serves once it leads or follows in broadcast (QuorumPeer logs "Peer state changed:
# leading - broadcast" / "following - broadcast"), i.e. once a majority of the ensemble formed
ENSEMBLE_READY_MARK = "ing - broadcast"
# an ensemble without them does not start (QuorumPeerConfig: "initLimit is not set"); these are
# ZooKeeper's sample zoo.cfg values (cp-zookeeper's configure defaults to the same)
ENSEMBLE_DEFAULTS = {"initLimit": "10", "syncLimit": "5"}


def zookeeper_dir(lab: str, node: str) -> Path:
    return RUN_DIR / lab / "zookeeper" / node  # under lab_paths(lab).root


def zoo_cfg(spec: ZooKeeperSettings, data_dir: Path) -> str:
    lines = [
        "# written by netlab from the node's zookeeper: block",
        f"tickTime={spec.tick_time}",
        f"dataDir={data_dir}",
        f"clientPort={spec.client_port}",
    ]
    if spec.client_port_address:
        lines.append(f"clientPortAddress={spec.client_port_address}")
    lines += [
        "admin.enableServer=false",  # else the AdminServer (Jetty) takes port 8080 in the node
        "4lw.commands.whitelist=ruok,srvr,stat",
    ]
    lines += [f"{k}={v}" for k, v in spec.settings.items()]
    if spec.ensemble:
        lines += [f"{k}={v}" for k, v in ENSEMBLE_DEFAULTS.items() if k not in spec.settings]
        lines += [f"server.{sid}={line}" for sid, line in sorted(spec.servers.items())]
    return "\n".join(lines) + "\n"


def ensemble_members(topology: Topology, node: str) -> list[str]:
    """The nodes of `node`'s ensemble, in topology order (zookeeper_fields.ensemble_groups: each
    member may write its own line its own way, e.g. 0.0.0.0)."""
    members = {
        n: (s.zookeeper.server_id, server_tuples(s.zookeeper.servers))
        for n, s in topology.nodes.items()
        if s.zookeeper is not None and s.zookeeper.ensemble
    }
    return next((g for g in ensemble_groups(members) if node in g), [node])


def jvm_env(spec: ZooKeeperSettings) -> tuple[tuple[str, str], ...]:
    return (
        ("JVMFLAGS", f"-Xmx{spec.heap} -Xss512k -XX:+UseSerialGC -cp {ZK_CLASSPATH}"),
        ("JMXDISABLE", "true"),
    )


def _ready(topology: Topology, node: str, spec: ZooKeeperSettings) -> str | None:
    """A standalone server: wait until it serves. An ensemble member serves only once a majority
    runs, and members start one after another: only the ensemble's last member waits (then a
    quorum has formed, or the bounded wait ran out)."""
    if not spec.ensemble:
        return READY_MARK
    members = ensemble_members(topology, node)
    return ENSEMBLE_READY_MARK if members[-1] == node else None


def zookeeper_steps(topology: Topology, ns: dict[str, str]) -> list[Process]:
    out = []
    for node, n in topology.nodes.items():
        spec = n.zookeeper
        if spec is None:
            continue
        base = zookeeper_dir(topology.lab, node)
        cfg = base / "zoo.cfg"
        files = [(str(cfg), zoo_cfg(spec, base / "data"))]
        if spec.ensemble:  # QuorumPeerConfig reads the server's id from dataDir/myid
            files.append((str(base / "data" / "myid"), f"{spec.server_id}\n"))
        out.append(
            Process(
                netns=ns[node],
                node=node,
                name=ZOOKEEPER_PROCESS,
                role="zookeeper",
                # ZooKeeper creates dataDir itself (zookeeper.datadir.autocreate defaults to true)
                argv=(ZK_SERVER, "start-foreground", str(cfg)),
                env=jvm_env(spec),
                files=tuple(files),
                ready=_ready(topology, node, spec),  # brokers connect at start: let it serve first
            )
        )
    return out


def connect_string(topology: Topology) -> dict[str, int]:
    """node -> client port of every ZooKeeper in the topology."""
    return {n: s.zookeeper.client_port for n, s in topology.nodes.items() if s.zookeeper is not None}
