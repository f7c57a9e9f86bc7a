"""lab_world's reachability against the kernel: every example lab is built by the lab engine,
and from every node a TCP connection is tried to every address of the lab (nothing listens, so
reachable means the RST came back: `Connection refused`). The predicted `reach` must match."""

from __future__ import annotations

import json
import secrets
import subprocess
from pathlib import Path

import pytest
from kafkalab import PYTHON

from netlab import lab as labapi
from netlab.kafka.lab_world import world_from_resolved
from netlab.plan import compile_plan
from netlab.topology import loads_topology, netns_name, resolve

pytestmark = [pytest.mark.root, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = [
    "default.yaml",
    "examples/multihomed.yaml",
    "examples/p2p-routes.yaml",
    "examples/tap-vm.yaml",
    "examples/tun-vpn.yaml",
    "examples/vxlan-k8s.yaml",
    "examples/vxlan-l2.yaml",
]
PORT = 9  # discard: nothing listens on it in a lab

# Connect to every address at once; print address -> "refused" or the error text.
TRY_ALL = f"""
import json, socket, sys
from concurrent.futures import ThreadPoolExecutor
def one(a):
    s = socket.socket(); s.settimeout(2.0)
    try:
        s.connect((a, {PORT})); return "connected"
    except ConnectionRefusedError: return "refused"
    except OSError as e: return e.strerror or "timed out"
    finally: s.close()
addrs = sys.argv[1:]
with ThreadPoolExecutor(len(addrs) or 1) as p: print(json.dumps(dict(zip(addrs, p.map(one, addrs)))))
"""


def _lab(example: str) -> tuple[str, object]:
    path = REPO / "topologies" / example
    name = "kw" + secrets.token_hex(3)
    text = (
        "\n".join(
            f"lab: {name}" if line.startswith("lab:") else line for line in path.read_text().splitlines()
        )
        + "\n"
    )
    return name, loads_topology(text, str(path))


@pytest.mark.parametrize("example", EXAMPLES)
def test_predicted_reach_matches_the_kernel(example):
    name, topology = _lab(example)
    r = resolve(topology)
    world = world_from_resolved(r)
    everyone = sorted({a for v in world.vantages.values() for a in v.addresses})
    labapi.apply(compile_plan(topology))
    try:
        wrong = []
        for node, v in world.vantages.items():
            others = [a for a in everyone if a not in v.addresses]
            cp = subprocess.run(
                ["ip", "netns", "exec", netns_name(name, node), PYTHON, "-c", TRY_ALL, *others],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert cp.returncode == 0, cp.stderr
            live = json.loads(cp.stdout)
            for addr in others:
                if (live[addr] == "refused") != (addr in v.reach):
                    wrong.append(
                        f"{node} -> {addr}: kernel says {live[addr]}, predicted "
                        f"{'reachable' if addr in v.reach else 'unreachable'}"
                    )
        assert wrong == []
    finally:
        labapi.destroy(name)
