"""A Linux bridge inside a node (docker0 / br-xxxx inside the Docker host)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlab.kernel import links
from netlab.steps.base import ApplyContext, Step, StepKind, register


@dataclass(frozen=True)
class Bridge(Step):
    """A Linux bridge inside a node (like docker0 / br-xxxx inside the Docker host)."""

    kind: ClassVar[str] = "bridge"
    netns: str
    ifname: str
    network: str  # the topology network it realises

    @property
    def key(self) -> str:
        return f"bridge {self.netns}:{self.ifname}"


@register
class BridgeKind(StepKind[Bridge]):
    step = Bridge

    def describe(self, step: Bridge) -> str:
        return f"ip -n {step.netns} link add {step.ifname} type bridge    # network {step.network}"

    def make(self, ctx: ApplyContext, step: Bridge) -> None:
        links.make_bridge(ctx.netns(step.netns).rtnl, step.ifname)
