"""A node: one network namespace. Made by the applier's namespace lane (netlab/lab/apply.py),
which also keeps its fd and netlink socket for the other lanes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlab.steps.base import ApplyContext, Step, StepKind, register


@dataclass(frozen=True)
class Namespace(Step):
    """A node: one network namespace, bind-mounted at /run/netns/<netns>, lo up."""

    kind: ClassVar[str] = "netns"
    node: str
    netns: str

    @property
    def key(self) -> str:
        return f"netns {self.netns}"


@register
class NamespaceKind(StepKind[Namespace]):
    step = Namespace
    lane = "netns"

    def describe(self, step: Namespace) -> str:
        return f"ip netns add {step.netns} && ip -n {step.netns} link set lo up"

    def make(self, ctx: ApplyContext, step: Namespace) -> None:
        raise NotImplementedError("namespaces are made by the applier's namespace lane")
