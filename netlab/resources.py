"""The vocabulary of a Plan: one frozen dataclass per kind of kernel object, file or process.

plan.py compiles a Topology into an ordered tuple of these steps (pure, no root needed);
netlab/lab/apply.py applies them through each kind's handler (netlab/steps/<kind>.py, where
each dataclass lives with its handler), journaling each step *before* it is made, and
netlab/lab/destroy.py removes a lab from the journal alone. Every step has a `key` that is
unique within a plan and names the object the way a user would look for it (``veth broker-1:eth0``).

Conventions shared by compiler and applier:
- `netns` fields hold full namespace names (``netlab-<lab>-<node>``), never node names.
- Interface names are ≤ 15 characters and live inside their namespace.
- Devices are created administratively down; a `LinkUp` step brings each one up once its
  master and addresses are set, so the plan reads in the same order an operator would type.
- Processes are started the way `ip netns exec` starts them (the namespace's
  /etc/netns/<netns>/ files bind-mounted over /etc), logs and pid files in the lab directory.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import TypeVar

# Each kind's dataclass lives with its handler in netlab/steps/<kind>.py; re-exported here.
from netlab.steps import KINDS, Step
from netlab.steps.address import Address
from netlab.steps.bridge import Bridge
from netlab.steps.hostsfile import HostsFile
from netlab.steps.linkup import LinkUp
from netlab.steps.netns import Namespace
from netlab.steps.process import Process
from netlab.steps.route import Route
from netlab.steps.sysctl import Sysctl
from netlab.steps.tuntap import Tuntap
from netlab.steps.veth import Veth
from netlab.steps.vxlan import Vxlan

__all__ = [
    "STEP_KINDS",
    "Address",
    "Bridge",
    "HostsFile",
    "LinkUp",
    "Namespace",
    "Plan",
    "Process",
    "Route",
    "Step",
    "Sysctl",
    "Tuntap",
    "Veth",
    "Vxlan",
    "step_from_dict",
]

S = TypeVar("S", bound=Step)

STEP_KINDS: dict[str, type[Step]] = {cls.kind: cls for cls in KINDS}


def step_from_dict(data: dict) -> Step:
    """Inverse of Step.to_dict (used to read the journal back)."""
    cls = STEP_KINDS[data["kind"]]
    kwargs = {}
    for f in fields(cls):
        value = data.get(f.name, None if f.default is MISSING else f.default)
        if isinstance(value, list):
            value = _tuplify(value)
        kwargs[f.name] = value
    return cls(**kwargs)


def _tuplify(value):
    if isinstance(value, list):
        return tuple(_tuplify(v) for v in value)
    return value


@dataclass(frozen=True)
class Plan:
    """Everything a lab is, in creation order."""

    lab: str
    steps: tuple[Step, ...]
    source: str | None = None  # the topology file, for messages only
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def of_kind(self, cls: type[S]) -> list[S]:
        return [s for s in self.steps if isinstance(s, cls)]
