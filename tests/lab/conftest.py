"""Fixtures for lab tests: every lab a test makes is destroyed by its journal at teardown,
even when the test fails, and the test then asserts that nothing of it is left."""

from __future__ import annotations

import plans
import pytest
from labtools import EXAMPLES, NETLAB, REPO, leftovers, pids_alive, run_cli, topology_plan  # noqa: F401

from netlab import lab as labapi
from netlab.resources import Plan


@pytest.fixture
def lab_factory():
    """make(plan) → plan applied; all made labs are destroyed (and checked clean) at teardown."""
    made: list[str] = []

    def make(plan: Plan, **kwargs) -> Plan:
        labapi.apply(plan, **kwargs)  # a failed apply removes what it made: only a made lab is ours
        made.append(plan.lab)
        return plan

    yield make
    for name in made:
        labapi.destroy(name)
    for name in made:
        assert leftovers(name) == [], f"lab {name} left things behind"


@pytest.fixture
def lab_name():
    name = plans.lab_name()
    yield name
    labapi.destroy(name)  # in case the test left it up (idempotent)
