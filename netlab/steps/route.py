"""A static route inside a node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlab.kernel import addresses
from netlab.steps.base import ApplyContext, Step, StepKind, register


@dataclass(frozen=True)
class Route(Step):
    """A static route inside a node; `dst` is a CIDR or 'default'."""

    kind: ClassVar[str] = "route"
    netns: str
    dst: str
    gateway: str | None = None
    dev: str | None = None

    @property
    def key(self) -> str:
        return f"route {self.netns}:{self.dst}"


@register
class RouteKind(StepKind[Route]):
    step = Route

    def describe(self, step: Route) -> str:
        text = f"ip -n {step.netns} route add {step.dst}"
        if step.gateway:
            text += f" via {step.gateway}"
        if step.dev:
            text += f" dev {step.dev}"
        return text

    def make(self, ctx: ApplyContext, step: Route) -> None:
        r = ctx.netns(step.netns).rtnl
        dev = r.link_index(step.dev) if step.dev else None
        addresses.add_route(r, step.dst, step.gateway, dev)
