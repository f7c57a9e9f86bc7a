"""Shared by the drill tests: every shipped drill, the three seeds, and the predicted reports of a
variant at its start and after its solution (the predictor's view of the judge)."""

from __future__ import annotations

from netlab.drill import solution
from netlab.drill.catalog import all_drills
from netlab.drill.labs import parse_topology, predicted
from netlab.kafka.lab_report import topology_props

SEEDS = (1, 2, 3)
DRILLS = all_drills()


def start_topology(variant):
    return parse_topology(variant.topology_text, f"drill {variant.drill.id} seed {variant.seed}")


def fixed(variant):
    """(topology, broker properties) after the solution, as `drill solution --apply` leaves them."""
    edited = solution.edited_topology(variant)
    topology = parse_topology(edited, "fixed") if edited is not None else start_topology(variant)
    props = {n: dict(p) for n, p in topology_props(topology).items()}
    for node, changes in solution.settings(variant).items():
        props[node] = solution.apply_changes(props[node], changes)
    return topology, props


def predicted_start(variant):
    return predicted(start_topology(variant))


def predicted_fixed(variant):
    topology, props = fixed(variant)
    return predicted(topology, props)
