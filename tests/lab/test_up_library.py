"""netlab.lab.up: the whole `netlab up` pipeline as a library call (load, resolve, plan, apply,
wait for brokers), on the default lab under a lab name of its own."""

from __future__ import annotations

import secrets

import pytest
from labtools import REPO, leftovers

from netlab import lab as labapi
from netlab.errors import InputError
from netlab.lab.up import UpResult, prepare, up

pytestmark = [pytest.mark.root]


@pytest.fixture
def default_copy(tmp_path):
    name = "arup" + secrets.token_hex(3)
    text = (REPO / "topologies" / "default.yaml").read_text().replace("lab: default", f"lab: {name}", 1)
    path = tmp_path / "default.yaml"
    path.write_text(text)
    yield name, path
    labapi.destroy(name)
    assert leftovers(name) == []


def test_up_builds_the_lab_and_waits_for_its_broker(default_copy):
    name, path = default_copy
    result = up(path)
    assert isinstance(result, UpResult)
    assert result.lab == name and result.nodes == 4
    assert result.state_dir == labapi.lab_paths(name).root and result.state_dir.is_dir()
    assert [(b.node, b.state) for b in result.brokers] == [("broker", "started")]
    assert result.processes == ["host/port-proxy", "broker/broker"]
    out = result.to_dict()
    assert set(out) == {
        "lab", "nodes", "steps", "seconds", "broker_start_seconds", "state_dir", "processes", "brokers",
        "stopped_containers",
    }  # fmt: skip
    assert out["stopped_containers"] == {}  # the broker started: its container runs
    assert out["steps"] == len(result.plan.steps) and out["brokers"][0]["state"] == "started"
    assert labapi.load_lab(name).plan == result.plan
    # a second `up` of the same lab is refused before anything is made
    with pytest.raises(InputError, match="already up"):
        prepare(path)
