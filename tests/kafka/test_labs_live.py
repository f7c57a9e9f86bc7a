"""More pictures of issue 7 on example labs built by the lab engine, a broker started in one node:
`check` must equal `predict` (World from the resolved topology) and the expected causes.

- multihomed (topology 8): a listener bound to the frontend interface is refused from the backend
  network; bound to 0.0.0.0 and advertised by name, it works from both (each network resolves
  the name to its own address).
- tun-vpn (topology 11): a broker advertising its tunnel address works for the laptop on the VPN,
  not for a node outside it."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from kafkalab import PYTHON, start_broker

from netlab import lab as labapi
from netlab.kafka.check import (
    CheckPlan,
    ClientCheck,
    Expectation,
    check,
    disagreements,
    expectation_mismatch,
    predict,
)
from netlab.kafka.lab_world import world_from_resolved
from netlab.kafka.predict_rules import broker_view
from netlab.plan import compile_plan
from netlab.topology import loads_topology, netns_name, resolve

pytestmark = [pytest.mark.root, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


def plain(bind: str, advertised: str) -> dict[str, str]:
    return {
        "node.id": "1",
        "listeners": f"PLAINTEXT://{bind}:9092",
        "advertised.listeners": f"PLAINTEXT://{advertised}:9092",
    }


SCENARIOS = {
    "multihomed-one-interface": (
        "examples/multihomed.yaml",
        "app",
        plain("172.30.1.10", "app"),
        [
            ("client", "app:9092", "kcat", None),
            (
                "db",
                "app:9092",
                None,
                "bootstrap_refused",
            ),  # db resolves app to 172.30.2.10: nothing bound there
            ("db", "api:9092", None, "bootstrap_refused"),
        ],
    ),
    "multihomed-all-interfaces": (
        "examples/multihomed.yaml",
        "app",
        plain("0.0.0.0", "app"),
        [
            ("client", "app:9092", None, None),
            ("db", "app:9092", "kcat", None),  # the advertised name resolves per network
            ("client", "api:9092", None, "bootstrap_unresolved"),  # an alias on backend only
        ],
    ),
    "vpn": (
        "examples/tun-vpn.yaml",
        "vpn-server",
        plain("0.0.0.0", "10.8.0.1"),
        [
            ("laptop", "10.8.0.1:9092", "kcat", None),  # through the tunnel
            ("laptop", "vpn-server:9092", None, None),  # bootstrap on the WAN, then the tunnel address
            ("isp", "203.0.113.20:9092", None, "advertised_unreachable"),  # no route into the VPN
        ],
    ),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_check_equals_predict(scenario, tmp_path):
    example, node, props, rows = SCENARIOS[scenario]
    path = REPO / "topologies" / example
    name = "kl" + secrets.token_hex(3)
    text = (
        "\n".join(
            f"lab: {name}" if line.startswith("lab:") else line for line in path.read_text().splitlines()
        )
        + "\n"
    )
    topology = loads_topology(text, str(path))
    labapi.apply(compile_plan(topology))
    broker = None
    try:
        prefixes = {n: ["ip", "netns", "exec", netns_name(name, n)] for n in topology.nodes}
        broker = start_broker(props, tmp_path, prefixes[node])
        assert broker.proc.poll() is None, broker.output()
        world = world_from_resolved(resolve(topology))
        world.brokers.append(broker_view(node, props, world.vantage(node)))
        plan = CheckPlan([ClientCheck(n, b, c) for n, b, c, _ in rows])
        live = check(world, plan, prefixes, timeout=4, python=PYTHON)
        assert disagreements(live, predict(world, plan)) == []
        for v, (_, _, _, cause) in zip(live, rows, strict=True):
            assert expectation_mismatch(v, Expectation(cause is None, cause)) is None, v
    finally:
        if broker is not None:
            broker.stop()
        labapi.destroy(name)
