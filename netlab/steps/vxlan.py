"""A VXLAN device: L2 over UDP between two nodes' underlay addresses (a Kubernetes overlay)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlab.kernel import links
from netlab.steps.base import ApplyContext, Step, StepKind, register


@dataclass(frozen=True)
class Vxlan(Step):
    """A VXLAN device: L2 over UDP between two nodes' underlay addresses."""

    kind: ClassVar[str] = "vxlan"
    netns: str
    ifname: str
    vni: int
    local: str  # underlay address in this node
    remote: str  # underlay address of the peer node
    dstport: int = 4789
    underlay: str | None = None  # underlay interface name in this node
    master: str | None = None

    @property
    def key(self) -> str:
        return f"vxlan {self.netns}:{self.ifname}"


@register
class VxlanKind(StepKind[Vxlan]):
    step = Vxlan

    def describe(self, step: Vxlan) -> str:
        text = (
            f"ip -n {step.netns} link add {step.ifname} type vxlan id {step.vni} local {step.local} "
            f"remote {step.remote} dstport {step.dstport}"
        )
        if step.underlay:
            text += f" dev {step.underlay}"
        if step.master:
            text += f" && ip -n {step.netns} link set {step.ifname} master {step.master}"
        return text

    def make(self, ctx: ApplyContext, step: Vxlan) -> None:
        r = ctx.netns(step.netns).rtnl
        underlay = r.link_index(step.underlay) if step.underlay else None
        links.make_vxlan(r, step.ifname, step.vni, step.local, step.remote, step.dstport, underlay)
        if step.master:
            links.set_master(r, step.ifname, step.master)
