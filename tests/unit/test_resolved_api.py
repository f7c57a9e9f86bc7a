"""load_topology returns the Resolved view (no hidden `_resolved` on the model); the pipeline
takes it, or a Topology built in code, with the same result."""

from __future__ import annotations

from netlab.kafka.lab_report import predicted_report
from netlab.plan import compile_plan
from netlab.topology import DEFAULT_TOPOLOGY, Resolved, Topology, as_resolved, load_topology

EXAMPLES = DEFAULT_TOPOLOGY.parent / "examples"


def test_load_topology_returns_the_resolved_view():
    r = load_topology(DEFAULT_TOPOLOGY)
    assert isinstance(r, Resolved) and isinstance(r.topology, Topology)
    assert r.topology.lab == "default" and r.topology.source == str(DEFAULT_TOPOLOGY)
    assert "_resolved" not in Topology.__private_attributes__
    assert as_resolved(r) is r


def test_a_topology_and_its_resolved_view_compile_and_predict_alike():
    r = load_topology(DEFAULT_TOPOLOGY)
    assert compile_plan(r.topology) == compile_plan(r)
    assert predicted_report(r.topology).to_json() == predicted_report(r).to_json()


def test_tunnels_are_named_pairs():
    vx = load_topology(EXAMPLES / "vxlan-l2.yaml").vxlans[0]
    assert vx.link.type == "vxlan" and vx.ends == (vx.a, vx.b) and vx.a.node != vx.b.node
    link, a, b = vx  # still unpacks as (link, a, b)
    assert (link, a, b) == (vx.link, vx.a, vx.b)
    tun = load_topology(EXAMPLES / "tun-vpn.yaml").tunnels[0]
    assert tun.link.type == "tun" and tun.a.ifname and tun.b.ifname
