"""The core of `netlab check` and `netlab predict`: run (or predict) every client and every
broker-to-broker link of a lab and turn each into a Verdict.

The verbs give a `World` (views.py, built from the topology) and the list of what to check; here
the live side starts `python -m netlab.kafka.probe` and the real client inside each node (through
the node's `ip netns exec` prefix), all in parallel, each bounded by its timeout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from netlab.errors import InputError

from .broker_log import start_error_from_log
from .clients import DEFAULT_CLIENT, GRACE_S, ClientResult, run_client
from .explain import java_link_error, verdict
from .predict_rules import inter_broker_targets, predict_probe, predict_tcp
from .probe import PARALLEL, parse_host_port
from .results import CAUSES, CONNECT, ProbeResult, Stage, Verdict
from .views import World
from .zk_rules import zookeeper_node

DEFAULT_TIMEOUT = 6.0
MAX_WORKERS = 32  # threads that wait on processes (which mostly wait on a broker or a timeout)


@dataclass(frozen=True)
class ClientCheck:
    node: str  # where the client runs
    bootstrap: str  # host:port as the client is given it
    client: str | None = DEFAULT_CLIENT  # None: probe only, no real client


@dataclass(frozen=True)
class LinkCheck:
    """A broker reaching another broker's inter-broker (or controller) endpoint."""

    node: str  # the broker's node
    endpoint: str  # host:port it connects to
    to_node_id: int
    to_node: str
    zookeeper: bool = False  # a ZooKeeper-mode broker's link to zookeeper.connect: TCP only


@dataclass
class CheckPlan:
    clients: list[ClientCheck] = field(default_factory=list)
    links: list[LinkCheck] = field(default_factory=list)


def links_of(world: World) -> list[LinkCheck]:
    """Every running broker to every other running broker's inter-broker endpoint, then to every
    other KRaft voter's controller endpoint (controller.quorum.voters), as the brokers connect."""
    out = []
    for b in world.brokers:
        if b.running:
            for other, endpoint in inter_broker_targets(world, b):
                out.append(LinkCheck(b.node, endpoint, other.node_id, other.node))
    for b in world.brokers:  # ZooKeeper mode: every broker needs its ZooKeeper
        if b.running:
            for host, port in b.zookeeper:
                zk = zookeeper_node(world, b, host, port)
                out.append(LinkCheck(b.node, f"{host}:{port}", -1, zk or "zookeeper", zookeeper=True))
    for b in world.brokers:
        if b.running:
            for vid, (host, port) in sorted(b.voters.items()):
                if vid != b.node_id:
                    owner = world.broker(vid)
                    out.append(
                        LinkCheck(b.node, f"{host}:{port}", vid, owner.node if owner else f"controller {vid}")
                    )
    return out


PROBE_FLAGS = {"client": "--bootstraps", "link": "--links", "tcp": "--tcp-links"}


def run_probes(
    targets: Sequence[str],
    prefix: Sequence[str] = (),
    *,
    timeout: float = DEFAULT_TIMEOUT,
    mode: str = "client",
    python: str | None = None,
) -> list[ProbeResult]:
    """Every probe one node makes, in one process inside it, side by side (one Python start per
    node instead of one per row: on 2 cores those starts were most of a check's CPU).
    `mode`: client (the whole client path), link (a broker's inter-broker or controller link:
    resolve, connect, ApiVersions) or tcp (a broker's link to ZooKeeper: resolve, connect)."""
    for t in targets:
        parse_host_port(t)  # bad input fails here, before anything starts
    argv = list(prefix) + [
        python or sys.executable,
        "-m",
        "netlab.kafka.probe",
        "--json",
        "--timeout",
        f"{timeout:g}",
        PROBE_FLAGS[mode],
        *targets,
    ]
    # every stage is bounded by `timeout`; a probe follows at most a few dozen stages, and the
    # process probes PARALLEL targets at a time
    waves = -(-len(targets) // PARALLEL)
    try:
        cp = subprocess.run(argv, capture_output=True, text=True, timeout=timeout * 30 * waves + GRACE_S)
        if cp.returncode in (0, 1):
            try:
                return [ProbeResult.from_dict(d) for d in json.loads(cp.stdout)]
            except ValueError:  # no JSON: the prefix failed (nsenter into a stopped container)
                pass
        why = (cp.stderr.strip().splitlines() or [f"exit status {cp.returncode}"])[-1]
        why = f"the probe could not run: {why}"
    except subprocess.TimeoutExpired:
        why = "the probe did not finish in time"
    return [ProbeResult(t, [Stage("resolve", t, False, why)]) for t in targets]


def _link_verdict(world: World, link: LinkCheck, probe: ProbeResult) -> Verdict:
    v = verdict(world, link.node, probe)
    v.client = "broker"
    failed = probe.failed
    if failed is not None and failed.name == CONNECT and not link.zookeeper:
        host, _, port = link.endpoint.rpartition(":")
        addr = (failed.detail.get("tried") or [{}])[-1].get("address")
        src = next((b for b in world.brokers if b.node == link.node), None)
        word = "Broker" if src is not None and src.zookeeper else "Node"
        v.reason = f"{v.reason} (Kafka logs: {java_link_error(link.to_node_id, host, addr, int(port), word)})"
    return v


def check(
    world: World,
    plan: CheckPlan,
    prefixes: dict[str, Sequence[str]],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    python: str | None = None,
) -> list[Verdict]:
    """Live verdicts, clients first then links, in plan order. `prefixes` maps a node to the
    argv prefix that runs a program inside it (e.g. ["ip", "netns", "exec", "netlab-lab-host"]).

    Side by side: one probe process per node for its client rows, one per broker node (and kind)
    for its links, and every real client, each with the full `timeout`. A client whose row's
    probe found no way in (the bootstrap, or every advertised broker, failed) is stopped as soon
    as it has said why in its own words: the row fails on the probe's stage whatever the client
    does (explain.verdict), and a client that cannot reach a broker otherwise retries until its
    timeout (docs/check.md, "How long a check takes")."""
    python = python or sys.executable
    groups: dict[tuple[str, str], list[str]] = {}  # (node, mode) -> distinct targets
    for c in plan.clients:
        _add(groups, (c.node, "client"), c.bootstrap)
    for lk in plan.links:
        _add(groups, (lk.node, _link_mode(lk)), lk.endpoint)

    def probes_of(key: tuple[str, str]) -> dict[str, ProbeResult]:
        node, mode = key
        found = run_probes(groups[key], prefixes[node], timeout=timeout, mode=mode, python=python)
        return dict(zip(groups[key], found, strict=True))

    with ThreadPoolExecutor(max_workers=MAX_WORKERS) as pool:
        probed = {key: pool.submit(probes_of, key) for key in groups}  # first: the clients ask them

        def client_of(c: ClientCheck) -> ClientResult | None:
            if c.client is None:
                return None
            mine = probed[(c.node, "client")]

            def decided() -> bool:  # the row fails and the client cannot get through either
                return mine.done() and mine.result()[c.bootstrap].no_way_in

            return run_client(
                c.client,
                c.bootstrap,
                prefix=prefixes[c.node],
                timeout=timeout,
                python=python,
                decided=decided,
            )

        clients = [pool.submit(client_of, c) for c in plan.clients]
        out = [
            verdict(world, c.node, probed[(c.node, "client")].result()[c.bootstrap], r.result())
            for c, r in zip(plan.clients, clients, strict=True)
        ]
        return out + [
            _link_verdict(world, lk, probed[(lk.node, _link_mode(lk))].result()[lk.endpoint])
            for lk in plan.links
        ]


def _link_mode(lk: LinkCheck) -> str:
    return "tcp" if lk.zookeeper else "link"  # ZooKeeper is not Kafka: resolve and connect only


def _add(groups: dict[tuple[str, str], list[str]], key: tuple[str, str], target: str) -> None:
    targets = groups.setdefault(key, [])
    if target not in targets:
        targets.append(target)


def predicted_probes(world: World, plan: CheckPlan):
    """(client or link, its predicted ProbeResult) for every row `predict` shows, in its order
    (the compose fixes judge many variants with these, without writing the sentences)."""
    for c in plan.clients:
        yield c, predict_probe(world, c.node, c.bootstrap)
    for lk in plan.links:
        yield (
            lk,
            (
                predict_tcp(world, lk.node, lk.endpoint)
                if lk.zookeeper
                else predict_probe(world, lk.node, lk.endpoint, link=True)
            ),
        )


def predict(world: World, plan: CheckPlan) -> list[Verdict]:
    """The same verdicts from the world alone (no root, no kernel)."""
    out = []
    for row, probe in predicted_probes(world, plan):
        if isinstance(row, ClientCheck):
            v = verdict(world, row.node, probe)
            v.client = row.client
        else:
            v = _link_verdict(world, row, probe)
        out.append(v)
    return out


def start_verdicts(world: World, logs: dict[str, str] | None = None) -> list[Verdict]:
    """One row per broker: did it start? Live from each broker's log (`logs`: node -> text),
    predicted from the world (predict_rules.broker_view) when `logs` is None."""
    out = []
    for b in world.brokers:
        error = b.start_error if logs is None else start_error_from_log(logs.get(b.node, ""))
        listeners = ", ".join(f"{lst.name}://{lst.bind}" for lst in b.listeners) or "(config refused)"
        if error is None:
            out.append(Verdict(b.node, listeners, True, client="broker"))
        else:
            out.append(
                Verdict(
                    b.node,
                    listeners,
                    False,
                    "start",
                    listeners,
                    "broker_not_started",
                    f"the broker in {b.node} did not start: {error}",
                    error,
                    "broker",
                )
            )
    return out


def disagreements(live: Sequence[Verdict], predicted: Sequence[Verdict]) -> list[str]:
    """One line per verdict where prediction and live result differ (compared on
    from/to/ok/stage/target/cause, never on wording)."""
    out = []
    keys = ("ok", "stage", "target", "cause")
    for a, b in zip(live, predicted, strict=False):
        if a.cause == "client_failed" and b.ok and b.warning and a.warning:
            continue  # predicted: works only on some addresses, which a one-address client may hit
        if a.comparable() != b.comparable():
            diffs = ", ".join(
                f"{k}: live {getattr(a, k)!r}, predicted {getattr(b, k)!r}"
                for k in keys
                if getattr(a, k) != getattr(b, k)
            )
            out.append(f"{a.from_node} -> {a.to}: {diffs}")
    if len(live) != len(predicted):
        out.append(f"{len(live)} live verdicts but {len(predicted)} predicted ones")
    return out


@dataclass(frozen=True)
class Expectation:
    """An `expect:` entry: ok, or fails with a cause (results.CAUSES)."""

    ok: bool
    cause: str | None = None

    def __post_init__(self) -> None:
        if self.ok and self.cause is not None:
            raise InputError(f"an expectation that works has no cause (got {self.cause!r})", where="expect")
        if self.cause is not None and self.cause not in CAUSES:
            raise InputError(f"unknown cause {self.cause!r}; valid: {', '.join(CAUSES)}", where="expect")


def expectation_mismatch(v: Verdict, expect: Expectation) -> str | None:
    """How a verdict differs from what the topology expects, or None."""
    if v.ok and expect.ok:
        return None
    if v.ok:
        return f"{v.from_node} -> {v.to}: expected to fail with {expect.cause or 'an error'}, but it works"
    if expect.ok:
        return f"{v.from_node} -> {v.to}: expected to work, but it fails at {v.stage} ({v.cause}): {v.reason}"
    if expect.cause is not None and expect.cause != v.cause:
        return f"{v.from_node} -> {v.to}: expected cause {expect.cause}, got {v.cause}: {v.reason}"
    return None
