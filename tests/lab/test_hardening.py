"""Hardening of the lab engine (issue 11): bad test hooks are refused, lab state is private,
netlab's own processes run unprivileged."""

from __future__ import annotations

import pytest
from labtools import leftovers, run_cli

pytestmark = pytest.mark.root


def _two_node_topology(tmp_path, lab: str):
    topo = tmp_path / "lab.yaml"
    topo.write_text(
        f"lab: {lab}\nnodes:\n  host: {{}}\n  a: {{networks: [n]}}\n"
        "networks:\n  n: {subnet: 10.62.0.0/24}\n"
    )
    return topo


def test_unknown_fail_at_kind_is_bad_input(tmp_path, lab_name):
    """Before: an unknown kind matched no step, `up` succeeded and the test hook tested nothing."""
    result = run_cli("up", str(_two_node_topology(tmp_path, lab_name)), env={"NETLAB_FAIL_AT": "vethh:2"})
    assert result.returncode == 2, result.stderr
    assert "unknown step kind 'vethh'" in result.stderr
    assert "veth" in result.stderr.split("valid kinds:")[1] and "process" in result.stderr
    assert leftovers(lab_name) == []


def test_bad_fail_at_number_is_bad_input(tmp_path, lab_name):
    result = run_cli("up", str(_two_node_topology(tmp_path, lab_name)), env={"NETLAB_FAIL_AT": "veth:x"})
    assert result.returncode == 2, result.stderr
    assert "not a step number" in result.stderr
    assert leftovers(lab_name) == []
