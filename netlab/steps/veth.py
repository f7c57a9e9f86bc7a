"""A veth pair, each end made straight in its namespace (and enslaved to a bridge there)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlab.kernel import links
from netlab.steps.base import ApplyContext, Step, StepKind, register


@dataclass(frozen=True)
class Veth(Step):
    """A veth pair; each end created directly in its namespace, optionally enslaved to a bridge there."""

    kind: ClassVar[str] = "veth"
    a_netns: str
    a_ifname: str
    b_netns: str
    b_ifname: str
    a_master: str | None = None
    b_master: str | None = None
    mtu: int | None = None

    @property
    def key(self) -> str:
        return f"veth {self.a_netns}:{self.a_ifname}={self.b_netns}:{self.b_ifname}"


@register
class VethKind(StepKind[Veth]):
    step = Veth

    def namespaces(self, step: Veth) -> tuple[str, ...]:
        return (step.a_netns, step.b_netns)

    def describe(self, step: Veth) -> str:
        text = (
            f"ip -n {step.a_netns} link add {step.a_ifname} type veth peer name {step.b_ifname} "
            f"netns {step.b_netns}"
        )
        if step.mtu:
            text += f" mtu {step.mtu}"
        if step.a_master:
            text += f" && ip -n {step.a_netns} link set {step.a_ifname} master {step.a_master}"
        if step.b_master:
            text += f" && ip -n {step.b_netns} link set {step.b_ifname} master {step.b_master}"
        return text

    def make(self, ctx: ApplyContext, step: Veth) -> None:
        # Create from the side that has a bridge, so enslaving rides on the same request.
        a_ns, a_if, a_master, b_ns, b_if, b_master = (
            step.a_netns,
            step.a_ifname,
            step.a_master,
            step.b_netns,
            step.b_ifname,
            step.b_master,
        )
        if b_master and not a_master:
            a_ns, a_if, a_master, b_ns, b_if, b_master = b_ns, b_if, b_master, a_ns, a_if, a_master
        a = ctx.netns(a_ns).rtnl
        b_fd = None if b_ns == a_ns else ctx.netns(b_ns).fd
        master = a.link_index(a_master) if a_master else None
        # A bridge port with no address that the plan brings up anyway comes up right
        # here; its LinkUp step is then satisfied without a request (same end state).
        a_up = bool(a_master) and (a_ns, a_if) in ctx.brought_up and (a_ns, a_if) not in ctx.addressed
        links.make_veth(a, a_if, b_if, b_fd, master, step.mtu, b_rtnl=ctx.netns(b_ns).rtnl, a_up=a_up)
        if a_up:
            ctx.already_up.add((a_ns, a_if))
        if b_master:
            links.set_master(ctx.netns(b_ns).rtnl, b_if, b_master)
