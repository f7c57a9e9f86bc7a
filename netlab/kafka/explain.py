"""From a probe result (live or predicted) and what netlab knows about the lab (views.World) to
one Verdict with a plain sentence naming the cause and the setting to change.

The causes (Verdict.cause) are the vocabulary in results.CAUSES; `cause_of` maps a failed stage
to one.
"""

from __future__ import annotations

from netlab.containers import exited_sentence

from .clients import ClientResult
from .predict_rules import predict_probe, registered
from .results import API_VERSIONS, CONNECT, METADATA, RESOLVE, ProbeResult, Stage, Verdict
from .views import (
    DEAD_FORWARD,
    LISTENER,
    UNREACHABLE,
    WILDCARDS,
    Landing,
    ListenerView,
    World,
    accepts,
    is_ipv6,
    is_loopback,
    land,
)


def cause_of(stage: Stage) -> str:
    side = "advertised" if stage.name.startswith("advertised_") else "bootstrap"
    kind = stage.name.removeprefix("advertised_")
    if kind == RESOLVE:
        return f"{side}_unresolved"
    if kind == CONNECT:
        refused = "refused" in (stage.error or "").lower()  # ECONNREFUSED; the rest is "no way there"
        return f"{side}_refused" if refused else f"{side}_unreachable"
    if kind == API_VERSIONS:
        return f"{side}_not_kafka"
    if kind == METADATA:
        return "metadata_failed"
    return "client_failed"


def _split(target: str) -> tuple[str, int]:
    host, _, port = target.rpartition(":")
    return host.strip("[]"), int(port)


def _scope(world: World, name: str) -> str:
    nets = world.name_scopes.get(name)
    if nets:
        return f"it resolves only on network{'s' if len(nets) > 1 else ''} {', '.join(nets)}"
    return "no node of this lab resolves it"


def _bootstrap_listener(world: World, node: str, bootstrap: str) -> ListenerView | None:
    v = world.vantage(node)
    host, port = _split(bootstrap)
    for addr in v.resolve(host) or []:
        landing = land(world, node, addr, port)
        if landing.kind == LISTENER:
            return landing.listener
    return None


def suggest(world: World, node: str, broker: str, prefer_port: int | None = None) -> str | None:
    """An endpoint `node` can reach that lands on a listener of `broker`, said the way a user
    would write it: a published port on the node itself first, then names, then addresses."""
    found = candidates(world, node, broker, prefer_port)
    return found[0] if found else None


def candidates(world: World, node: str, broker: str, prefer_port: int | None = None) -> list[str]:
    v = world.vantage(node)
    found: list[tuple[int, str]] = []
    for fwd in world.published:
        if fwd.node == node:
            landing = land(world, node, "127.0.0.1", fwd.listen_port)
            if (
                landing.kind == LISTENER
                and landing.listener is not None
                and landing.listener.broker == broker
            ):
                found.append((0, f"localhost:{fwd.listen_port} through the published port"))
    ports = sorted(
        {lst.bind_port for b in world.brokers if b.node == broker for lst in b.listeners},
        key=lambda p: p != prefer_port,
    )

    def ports_at(owner: str) -> list[int]:  # the broker's own ports, then ports published on `owner`
        return ports + sorted(
            {f.listen_port for f in world.published if f.node == owner} - set(ports),
            key=lambda p: p != prefer_port,
        )

    def lands_on_broker(addr: str, port: int) -> bool:
        landing = land(world, node, addr, port)
        return landing.kind == LISTENER and landing.listener is not None and landing.listener.broker == broker

    for name, addrs in sorted(v.names.items()):
        owner = node if v.owns(addrs[0]) else v.reach.get(addrs[0])
        for port in ports_at(owner) if owner else []:
            if name != "localhost" and lands_on_broker(addrs[0], port):
                found.append((1, f"{name}:{port}"))
    for addr, owner in sorted(v.reach.items()):
        for port in ports_at(owner):
            if lands_on_broker(addr, port):
                found.append((2, f"{addr}:{port}"))
    if broker == node:
        found.append((3, f"localhost:{ports[0]}" if ports else ""))
    return [text for _, text in sorted((f for f in found if f[1]), key=lambda f: f[0])]  # stable sort


def _any_suggestion(world: World, node: str, port: int) -> str:
    """A bootstrap address from which the whole path works for `node` (checked by prediction)."""
    for b in world.brokers:
        if b.running:
            for alt in candidates(world, node, b.node, port):
                if predict_probe(world, node, alt.split(" ", 1)[0]).ok:
                    return f", e.g. {alt}"
    return ""


def _withdrawn_name(world: World, host: str) -> str | None:
    """Why `host` stopped resolving: the container it names stopped (netlab/containers.py)."""
    owner = world.withdrawn_names.get(host)
    if owner is None:
        return None
    gone = exited_sentence(owner, world.stopped[owner])
    return f"{gone}; Docker's embedded DNS no longer answers for {host}"


def _withdrawn_port(world: World, landing: Landing) -> str | None:
    """Why nothing answers a published port: its container stopped and Docker unmapped it."""
    for owner, ports in world.withdrawn.items():
        for fwd in ports:
            wild = fwd.listen_host in WILDCARDS and accepts(fwd.listen_host, landing.address)
            if (
                fwd.node == landing.node
                and fwd.listen_port == landing.port
                and (wild or fwd.listen_host == landing.address)
            ):
                return (
                    f"{exited_sentence(owner, world.stopped[owner])}; Docker withdrew its published "
                    f"port {fwd.listen_port} on {fwd.node}"
                )
    return None


def _why_refused(world: World, landing: Landing, node: str) -> str:
    """Why a connection to a node ends in a refusal (or a proxy that closes)."""
    where = landing.node or "?"
    withdrawn = _withdrawn_port(world, landing)
    if withdrawn is not None:
        return withdrawn
    if where in world.stopped:
        return exited_sentence(where, world.stopped[where])
    down = [b for b in world.brokers if b.node == where and not b.running]
    if down:
        return f"the broker in {where} did not start: {down[0].start_error}"
    for lst in landing.bound_elsewhere:
        if lst.bind_host not in WILDCARDS:
            loop = is_loopback(lst.bind_host) or lst.bind_host == "localhost"
            inside = " (loopback: only reachable from inside that node)" if loop else ""
            return (
                f"listener {lst.name} on {lst.broker} is bound to {lst.bind_host}:{lst.bind_port}{inside} — "
                f"bind it to 0.0.0.0 or to the address clients use (listeners={lst.name}://0.0.0.0:{lst.bind_port})"
            )
    if where == node and is_loopback(landing.address):
        return (
            f"nothing listens on port {landing.port} inside {node} itself "
            f"(localhost is {node}'s own loopback, not the broker's)"
        )
    return (
        f"nothing listens on {landing.address}:{landing.port} in {where} "
        "(no listener bound there, no published port)"
    )


def _reason(world: World, node: str, probe: ProbeResult, failed: Stage) -> str:
    v = world.vantage(node)
    host, port = _split(failed.target)
    advertised = failed.name.startswith("advertised_")
    prefix = fix = ""
    if advertised:
        lst = _bootstrap_listener(world, node, probe.bootstrap)
        nid = failed.detail.get("node_id")
        owner_view = world.broker(nid) if nid is not None else None
        owner = owner_view.node if owner_view else f"broker {nid}"
        if lst is not None:
            whose = "which advertises" if lst.node_id == nid else f"whose Metadata gives {owner} as"
            prefix = f"bootstrap reached listener {lst.name} on {lst.broker}, {whose} {failed.target}; "
            fix_listener = lst.name
        else:
            prefix = f"Metadata gives {owner} as {failed.target}; "
            fix_listener = "the listener"
        alt = suggest(world, node, owner_view.node, port) if owner_view else None
        fix = (
            f"advertise an address {node} can reach (advertised.listeners={fix_listener}://... on {owner})"
            + (f", e.g. {alt}" if alt else "")
        )
    cause = cause_of(failed)
    kind = cause.split("_", 1)[1]
    if kind == "unresolved":
        gone = _withdrawn_name(world, host)
        if gone is not None:
            what = f"the name {host} does not resolve on {node}: {gone}"
            return f"{prefix}{what}" + (f" — {fix}" if advertised else "")
        what = f"the name {host} does not resolve on {node} ({_scope(world, host)})"
        if not advertised:
            return f"{what} — use a bootstrap address {node} can resolve{_any_suggestion(world, node, port)}"
        return f"{prefix}{what} — {fix}"
    if kind in ("refused", "unreachable", "not_kafka"):
        addrs = v.resolve(host) or [host]
        addr = next((a for a in addrs if not is_ipv6(a)), addrs[0])  # explain the IPv4 path when there is one
        landing = land(world, node, addr, port)
        if landing.kind == UNREACHABLE:
            what = f"{addr} is not reachable from {node} (no network or route of {node} leads there)"
        elif landing.kind == DEAD_FORWARD:
            what = (
                f"port {port} published on {landing.via[0].node} accepted the connection but its target "
                f"{landing.address}:{landing.port} refused it: {_why_refused(world, landing, node)}"
            )
        elif kind == "not_kafka":
            what = f"{failed.target} answered, but not as a Kafka broker ({failed.error})"
        else:
            what = f"{failed.target} refused the connection from {node}: {_why_refused(world, landing, node)}"
        if advertised:
            return f"{prefix}{what} — {fix}"
        alt = _any_suggestion(world, node, port)
        return f"{what}" + (f"; {node} can bootstrap from{alt.removeprefix(', e.g.')}" if alt else "")
    if cause == "metadata_failed":
        return f"Metadata from {failed.target} failed: {failed.error}{_unregistered(world, node, probe)}"
    return f"{failed.name} failed at {failed.target}: {failed.error}"


def _unregistered(world: World, node: str, probe: ProbeResult) -> str:
    """Why a broker lists nobody: it never registered with its KRaft controller."""
    lst = _bootstrap_listener(world, node, probe.bootstrap)
    broker = next((b for b in world.brokers if lst is not None and b.node == lst.broker), None)
    if broker is None or registered(world, broker):
        return ""
    voters = ", ".join(f"{h}:{p}" for h, p in broker.voters.values())
    return (
        f" — {broker.node} answered but is not registered with its controller ({voters} is not reachable "
        f"from {broker.node}; see its link row), so it knows no brokers; make the controller listener "
        f"reachable from {broker.node}"
    )


def partial_refusals(node: str, probe: ProbeResult) -> str | None:
    """A sentence when some address of an endpoint refused and a later one accepted."""
    for s in probe.stages:
        tried = s.detail.get("tried") or []
        if s.ok and tried:
            bad = ", ".join(t["address"] for t in tried)
            host, port = _split(s.target)
            return (
                f"{host} resolves on {node} to more than one address and {bad} port {port} "
                f"refuses ({tried[0]['error']}) while {s.detail.get('address')} accepts; clients that "
                f"try only one address per attempt (librdkafka: kcat, confluent-kafka) can fail here — "
                f"listen on that address family too (a published port or listener on [::]), or use "
                f"{s.detail.get('address')} in the address"
            )
    return None


def verdict(world: World, node: str, probe: ProbeResult, client: ClientResult | None = None) -> Verdict:
    """One row of `netlab check` for a client in `node` that bootstraps from probe.bootstrap."""
    failed = probe.failed
    name = client.client if client else None
    warning = partial_refusals(node, probe)
    if failed is None and (client is None or client.ok):
        return Verdict(node, probe.bootstrap, True, client=name, warning=warning)
    if failed is None:
        assert client is not None  # the probe passed: the client's failure is the row's
        said = client.client_error or client.error
        why = f"{warning}; " if warning else "every probe stage passed but "
        return Verdict(
            node,
            probe.bootstrap,
            False,
            client.stage,
            probe.bootstrap,
            "client_failed",
            f"{why}{client.client} failed to {client.stage}: {said}",
            said,
            name,
            warning,
        )
    return Verdict(
        node,
        probe.bootstrap,
        False,
        failed.name,
        failed.target,
        cause_of(failed),
        # a real client that still got through (its partition's leader was reachable) has
        # no error of its own: the probe's text is the one to show
        _reason(world, node, probe, failed),
        (client.client_error if client else None) or failed.error,
        name,
        warning,
    )


def java_link_error(node_id: int, host: str, address: str | None, port: int, word: str = "Node") -> str:
    """The Java NetworkClient text for a failed broker-to-broker connection (Kafka 3.7+ says
    "Node", the ZooKeeper-era releases the seeds quote say "Broker")."""
    return (
        f"Connection to node {node_id} ({host}/{address or host}:{port}) could not be established. "
        f"{word} may not be available."
    )
