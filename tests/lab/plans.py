"""Plans built by hand from the resources.py vocabulary, so the applier is tested on its own
(independently of the topology compiler). Names: lab `t<random>`; netns `netlab-<lab>-<node>`."""

from __future__ import annotations

import secrets
import sys

from netlab.resources import (
    Address,
    Bridge,
    HostsFile,
    LinkUp,
    Namespace,
    Plan,
    Process,
    Route,
    Step,
    Veth,
)


def lab_name() -> str:
    return "t" + secrets.token_hex(3)


def ns(lab: str, node: str) -> str:
    return f"netlab-{lab}-{node}"


def bridge_lab(
    lab: str,
    containers: int = 2,
    subnet: str = "10.77",
    publish: list[tuple[str, int, int]] | None = None,
    extra: tuple[Step, ...] = (),
    requires: tuple[str, ...] = ("bridge", "netns", "veth"),
) -> Plan:
    """`host` with bridge br0 (gateway .0.1) and containers c1..cN at .0.(10+i)/16.

    Each container resolves the others' names (same network); host resolves nobody but itself.
    publish: (container, host_port, container_port) → a port-proxy in host."""
    host = ns(lab, "host")
    names = [f"c{i}" for i in range(1, containers + 1)]
    addr = {n: f"{subnet}.0.{10 + i}" for i, n in enumerate(names, 1)}
    steps: list[Step] = [Namespace("host", host)] + [Namespace(n, ns(lab, n)) for n in names]
    steps += [Bridge(host, "br0", "net0"), Address(host, "br0", f"{subnet}.0.1/16"), LinkUp(host, "br0")]
    for i, n in enumerate(names, 1):
        steps.append(Veth(host, f"veth{i}", ns(lab, n), "eth0", a_master="br0"))
    for i, n in enumerate(names, 1):
        steps += [
            Address(ns(lab, n), "eth0", f"{addr[n]}/16"),
            LinkUp(host, f"veth{i}"),
            LinkUp(ns(lab, n), "eth0"),
        ]
        steps.append(Route(ns(lab, n), "default", gateway=f"{subnet}.0.1"))
    steps.append(HostsFile(host, ()))
    for n in names:
        steps.append(HostsFile(ns(lab, n), tuple((addr[m], (m,)) for m in names)))
    steps += list(extra)
    proxies = [f"tcp:0.0.0.0:{hp}={addr[c]}:{cp}" for c, hp, cp in (publish or [])]
    if proxies:
        steps.append(
            Process(
                host,
                "host",
                "port-proxy",
                (sys.executable, "-m", "netlab.relays.portproxy", *proxies),
                role="port-proxy",
            )
        )
    meta = {
        "requires": sorted(requires),
        "nodes": {"host": {"netns": host, "networks": {}}}
        | {
            n: {
                "netns": ns(lab, n),
                "networks": {"net0": {"ifname": "eth0", "address": addr[n], "aliases": []}},
            }
            for n in names
        },
        "networks": {
            "net0": {
                "node": "host",
                "bridge": "br0",
                "subnet": f"{subnet}.0.0/16",
                "gateway": f"{subnet}.0.1",
            }
        },
    }
    return Plan(lab=lab, steps=tuple(steps), source=f"<test plan {lab}>", meta=meta)


def scale_lab(lab: str, n: int) -> Plan:
    """The benchmark lab: N containers, each a namespace with a veth to one bridge in `host`."""
    host = ns(lab, "host")
    steps: list[Step] = [Namespace("host", host)] + [Namespace(f"c{i}", ns(lab, f"c{i}")) for i in range(n)]
    steps += [Bridge(host, "br0", "net0"), LinkUp(host, "br0")]
    for i in range(n):
        c = ns(lab, f"c{i}")
        steps += [
            Veth(host, f"v{i}", c, "eth0", a_master="br0"),
            Address(c, "eth0", f"10.{100 + i // 62500}.{(i // 250) % 250}.{i % 250 + 2}/8"),
            LinkUp(host, f"v{i}"),
            LinkUp(c, "eth0"),
        ]
    return Plan(
        lab=lab, steps=tuple(steps), source=f"<scale lab {n}>", meta={"requires": ["bridge", "netns", "veth"]}
    )
