"""An interface brought up once its master and addresses are set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlab.kernel import links
from netlab.steps.base import ApplyContext, Step, StepKind, register


@dataclass(frozen=True)
class LinkUp(Step):
    kind: ClassVar[str] = "up"
    netns: str
    ifname: str

    @property
    def key(self) -> str:
        return f"up {self.netns}:{self.ifname}"


@register
class LinkUpKind(StepKind[LinkUp]):
    step = LinkUp

    def describe(self, step: LinkUp) -> str:
        return f"ip -n {step.netns} link set {step.ifname} up"

    def make(self, ctx: ApplyContext, step: LinkUp) -> None:
        if (step.netns, step.ifname) not in ctx.already_up:
            links.set_up(ctx.netns(step.netns).rtnl, step.ifname)
