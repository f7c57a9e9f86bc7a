"""Bounded input (issue 11): YAML alias bombs are refused with a located error; big files
compile with shared hosts entries (the speed itself is measured in scripts/bench/validate_big.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from netlab.errors import InputError
from netlab.names import HostsIndex, hosts_entries
from netlab.plan import compile_plan
from netlab.resources import HostsFile
from netlab.topology import load_topology, loads_topology
from netlab.topology.source import MAX_ALIAS_NODES, MAX_TOPOLOGY_BYTES, parse_yaml

BOMB = """lab: bomb
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
nodes: *i
"""


def test_alias_bomb_is_refused_with_a_location():
    """Before: nine levels of nine aliases took 9.8 GB and more than 120 s."""
    with pytest.raises(InputError) as err:
        parse_yaml(BOMB, "bomb.yaml")
    assert f"more than {MAX_ALIAS_NODES:,} nodes" in err.value.message
    assert err.value.where == "bomb.yaml:7: f[0]"  # the alias that crossed the bound, where written


def test_ordinary_aliases_still_work():
    text = "lab: x\nbase: &net {networks: [n]}\nnodes:\n  host: {}\n" + "".join(
        f"  c{i}: *net\n" for i in range(200)
    )
    text += "networks:\n  n: {subnet: 10.9.0.0/16}\n"
    src = parse_yaml(text, "ok.yaml")
    assert src.data["nodes"]["c199"] == {"networks": ["n"]}


def _naive_tail(index: HostsIndex, network: str, node: str):
    return tuple((a, n) for a, n, o in index.by_network[network] if o != node)


def test_hosts_entries_of_a_big_network_are_shared_not_copied():
    n = 300
    nodes = "".join(f"  c{i}: {{networks: [net, side]}}\n" for i in range(n))
    topo = loads_topology(
        f"lab: big\nnodes:\n  host: {{}}\n{nodes}networks:\n"
        "  net: {node: host, subnet: 10.128.0.0/16}\n  side: {node: host, subnet: 10.129.0.0/16}\n",
        "big.yaml",
    )
    plan = compile_plan(topo)
    files = {s.netns: s.entries for s in plan.steps if isinstance(s, HostsFile)}
    a, b = files["netlab-big-c1"], files["netlab-big-c2"]
    assert a[-1] is b[-1]  # the same entry object, not a copy per hosts file
    r = topo  # loads_topology gives the resolved view
    index = HostsIndex(r)
    for node in ("c0", "c17", f"c{n - 1}"):
        tail = _naive_tail(index, "net", node) + _naive_tail(index, "side", node)
        assert hosts_entries(r, node, index)[-len(tail) :] == tail


def test_a_topology_file_over_the_cap_is_refused_unread(tmp_path):
    """The source file is read up to MAX_TOPOLOGY_BYTES and no further: a bigger one is a
    located error (exit 2), whatever it holds."""
    big = tmp_path / "big.yaml"
    with open(big, "w") as fh:
        fh.write("lab: big\nnodes:\n  host: {}\n")
        fh.write("# padding\n" * (MAX_TOPOLOGY_BYTES // 10 + 1))
    assert big.stat().st_size > MAX_TOPOLOGY_BYTES
    with pytest.raises(InputError) as err:
        load_topology(big)
    assert err.value.where == str(big) and f"larger than {MAX_TOPOLOGY_BYTES} bytes" in err.value.message
    assert err.value.exit_code == 2
    cp = subprocess.run(
        [sys.executable, "-m", "netlab", "validate", str(big)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    said = " ".join((cp.stdout + cp.stderr).split())
    assert cp.returncode == 2 and "larger than" in said and str(big) in said, said


def test_a_topology_file_at_the_cap_is_read(tmp_path):
    ok = tmp_path / "ok.yaml"
    head = "lab: atcap\nnodes:\n  host: {}\n"
    ok.write_text(head + "#" * (MAX_TOPOLOGY_BYTES - len(head) - 1) + "\n")
    assert ok.stat().st_size == MAX_TOPOLOGY_BYTES
    assert load_topology(ok).topology.lab == "atcap"
