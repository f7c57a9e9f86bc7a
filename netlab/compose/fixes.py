"""For every ✗ row of a compose lab: the compose change that fixes it, checked by applying the
change to the compose project, translating it again and predicting again. A change is offered
only if that row then works and no row that worked stops working.

Changes tried, in order, for a client whose bootstrap works but whose advertised endpoint fails
(advertised_*): the failing listener's advertised entry rewritten to what the client can reach
(`localhost:<published port>` from the host, `<LAN ip>:<published port>` from the LAN,
`<service>:<port>` from a container), first alone, then with the broker's current listeners
written out (cp-kafka and apache/kafka derive listeners from the advertised ones); when the
listener cannot serve both, a new listener for that client on a free port, advertised for it and
published when the client is outside Docker. For a refused bootstrap from the host or the LAN:
publish the port.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netlab.kafka.config_rules import listener_config

from .ports import Publish
from .profiles import family_of
from .profiles.base import ImageRef
from .translate import HOST, LAN_NODE

ADVERTISED_CAUSES = (
    "advertised_unresolved",
    "advertised_refused",
    "advertised_unreachable",
    "advertised_not_kafka",
)
MAX_TRIES = 24  # predictions per run spent on fixes (each is a full translate + predict)


@dataclass
class Fixes:
    per_row: list[str | None] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    changes: list[Change | None] = field(default_factory=list)  # per row, as per_row


@dataclass
class Change:
    service: str
    env: dict[str, str] = field(default_factory=dict)
    ports: list[Publish] = field(default_factory=list)
    bootstrap: str | None = None  # the client connects here instead (a listener of its own)

    def describe(self) -> str:
        parts = [f"{k}: {v}" for k, v in self.env.items()]
        parts += [f'ports: + "{p.published}:{p.target}"' for p in self.ports]
        text = f"on service {self.service}: " + "; ".join(parts)
        return text + (f" — then bootstrap with {self.bootstrap}" if self.bootstrap else "")


def _adv_var(family: str | None) -> tuple[str, str]:
    if family == "bitnami":
        return "KAFKA_CFG_ADVERTISED_LISTENERS", "KAFKA_CFG_LISTENERS"
    return "KAFKA_ADVERTISED_LISTENERS", "KAFKA_LISTENERS"


def _client_target(lab, row_node: str, broker_svc: str, port: int) -> str | None:
    """host:port a client in `row_node` can reach the broker's container port `port` by."""
    s = lab.project.services[broker_svc]
    published = [p for p in s.ports if p.target == port and p.protocol == "tcp" and not p.ipv6]
    if row_node == HOST:
        return f"localhost:{published[0].published}" if published else None
    if row_node == LAN_NODE:
        lan = lab.translation.data["nodes"][HOST].get("networks", {}).get("lan", {}).get("ipv4_address")
        ok = [p for p in published if p.host_ip in (None, "0.0.0.0")]
        return f"{lan}:{ok[0].published}" if lan and ok else None
    return f"{broker_svc}:{port}"


def _listener_of(lab, target: str):
    """(service, listener name, container port) of the broker advertising `target`."""
    for svc in lab.translation.brokers:
        cfg, _ = listener_config(lab.translation.roles[svc].props)
        if cfg is None:
            continue
        bind = {e.name: e.port for e in cfg.listeners}
        for e in cfg.advertised:
            host = e.host or lab.translation.node_of[svc]
            if f"{host}:{e.port}" == target:
                return svc, e.name, bind.get(e.name, e.port), cfg
    return None


def _entries(cfg_entries) -> list[tuple[str, str]]:
    return [(e.name, f"{e.host}:{e.port}") for e in cfg_entries]


def _render(entries: list[tuple[str, str]]) -> str:
    return ",".join(f"{n}://{hp}" for n, hp in entries)


def _candidates(lab, verdict) -> list[Change]:
    node = verdict.from_node
    out: list[Change] = []
    if verdict.cause in ADVERTISED_CAUSES and verdict.target:
        found = _listener_of(lab, verdict.target)
        if found is None:
            return out
        svc, name, port, cfg = found
        family = family_of(ImageRef.parse(lab.project.services[svc].image or ""))
        adv_var, lst_var = _adv_var(family)
        reach = _client_target(lab, node, svc, port)
        adv = _entries(cfg.advertised)
        listeners = _entries(cfg.listeners)
        if reach:
            new_adv = [(n, reach if n == name else hp) for n, hp in adv]
            out.append(Change(svc, {adv_var: _render(new_adv)}))
            out.append(Change(svc, {adv_var: _render(new_adv), lst_var: _render(listeners)}))
        # a listener of its own for this client
        used = {e.port for e in cfg.listeners} | {
            p.published for s in lab.project.services.values() for p in s.ports
        }
        new_port = next(p for p in range(port + 1, 65535) if p not in used)
        label = {HOST: "HOST", LAN_NODE: "LAN"}.get(node, "DOCKER")
        while label in {n for n, _ in listeners}:
            label += "X"
        pmap = ",".join(f"{k}:{v}" for k, v in cfg.protocol_map.items()) + f",{label}:PLAINTEXT"
        if node in (HOST, LAN_NODE):
            where = "localhost" if node == HOST else _client_target(lab, LAN_NODE, svc, port) or ""
            host = where.split(":")[0]
            out.append(
                Change(
                    svc,
                    {
                        adv_var: _render(adv + [(label, f"{host}:{new_port}")]),
                        lst_var: _render(listeners + [(label, f"0.0.0.0:{new_port}")]),
                        _map_var(family): pmap,
                    },
                    [Publish(new_port, new_port, None, "tcp", f"{new_port}:{new_port}")],
                    f"{host}:{new_port}",
                )
            )
        else:
            out.append(
                Change(
                    svc,
                    {
                        adv_var: _render(adv + [(label, f"{svc}:{new_port}")]),
                        lst_var: _render(listeners + [(label, f"0.0.0.0:{new_port}")]),
                        _map_var(family): pmap,
                    },
                    bootstrap=f"{svc}:{new_port}",
                )
            )
    elif verdict.cause == "bootstrap_refused" and node in (HOST, LAN_NODE):
        host, _, port = verdict.to.rpartition(":")
        for svc in lab.translation.brokers:
            cfg, _ = listener_config(lab.translation.roles[svc].props)
            if cfg is not None and any(e.port == int(port) for e in cfg.listeners):
                out.append(Change(svc, ports=[Publish(int(port), int(port), None, "tcp", f"{port}:{port}")]))
    return out


def _map_var(family: str | None) -> str:
    return (
        "KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP"
        if family == "bitnami"
        else "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"
    )


def _row_key(v) -> tuple[str, str]:
    return (v.from_node, v.to)


def _outcomes(topology) -> dict[tuple[str, str], bool]:
    """(from, to) -> does it work, for every row `predict` shows: the same rules over the same
    world (check.predicted_probes), without the sentences explain() writes for people."""
    from netlab.kafka.check import ClientCheck, predicted_probes
    from netlab.kafka.lab_check import plan_of, world_of

    world = world_of(topology)
    out = {}
    for b in world.brokers:
        out[(b.node, ", ".join(f"{lst.name}://{lst.bind}" for lst in b.listeners) or "(config refused)")] = (
            b.running
        )
    for row, probe in predicted_probes(world, plan_of(topology, world)):
        out[(row.node, row.bootstrap if isinstance(row, ClientCheck) else row.endpoint)] = probe.ok
    return out


def _working_alternative(report, v) -> str | None:
    """A bootstrap of the same broker host that already works from the same client."""
    host = v.to.rpartition(":")[0]
    for w, kind in zip(report.verdicts, report.kinds, strict=True):
        if kind == "client" and w.ok and w.from_node == v.from_node and w.to.rpartition(":")[0] == host:
            return w.to
    return None


def _category(lab, node: str) -> tuple:
    """Clients that see the lab the same way (same networks, same extra names) get the same fix."""
    spec = lab.translation.data["nodes"].get(node, {})
    nets = spec.get("networks", {})
    return (node in (HOST, LAN_NODE) and node, tuple(sorted(nets)), tuple(spec.get("extra_hosts", [])))


def fixes_for(path, options, lab, report) -> Fixes:
    """One fix (or the reason there is none) per ✗ client row; None for rows that work.
    A change found for one row is reused for rows of the same kind (same failing listener, a
    client that sees the lab the same way) without predicting again."""
    from netlab.errors import InputError

    from . import compose_lab

    out = Fixes()
    ok_before = {_row_key(v) for v in report.verdicts if v.ok}
    tries = 0
    known: dict[tuple, Change | None] = {}
    for i, (v, kind) in enumerate(zip(report.verdicts, report.kinds, strict=True), 1):
        if v.ok or kind != "client":
            out.per_row.append(None)
            out.changes.append(None)
            continue
        found_listener = _listener_of(lab, v.target) if v.target else None
        key = (v.cause, found_listener[:2] if found_listener else v.to, _category(lab, v.from_node))
        if key in known:
            found = known[key]
        else:
            found = None
            for change in _candidates(lab, v):
                if tries >= MAX_TRIES:
                    break
                tries += 1
                try:
                    again = compose_lab(
                        path,
                        options,
                        env_overrides={change.service: change.env},
                        port_overrides={change.service: change.ports},
                        loaded=lab.project.loaded,
                    )
                except InputError:
                    continue
                after = _outcomes(again.topology)
                row = (v.from_node, change.bootstrap) if change.bootstrap else _row_key(v)
                if after.get(row) and all(after.get(k, True) for k in ok_before):
                    found = change
                    break
            known[key] = found
        text = None if found is None else found.describe()
        works = _working_alternative(report, v)
        if works:
            text = (
                (text + f" (or, with no change, bootstrap with {works}: that works from here)")
                if text
                else None
            )
        out.lines.append(
            f"{i}. {v.from_node} → {v.to}: "
            + (text or "no single compose change found that fixes it without breaking a working row")
        )
        out.per_row.append(text)
        out.changes.append(found)
    return out
