"""A persistent TUN or TAP device (a VPN's tunnel, a VM's NIC)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlab.kernel import links
from netlab.kernel.worker import in_netns_fd
from netlab.steps.base import ApplyContext, Step, StepKind, register


@dataclass(frozen=True)
class Tuntap(Step):
    """A persistent TUN (mode 'tun', IP packets) or TAP (mode 'tap', Ethernet frames) device."""

    kind: ClassVar[str] = "tuntap"
    netns: str
    ifname: str
    mode: str  # "tun" | "tap"
    master: str | None = None

    @property
    def key(self) -> str:
        return f"{self.mode} {self.netns}:{self.ifname}"


@register
class TuntapKind(StepKind[Tuntap]):
    step = Tuntap

    def describe(self, step: Tuntap) -> str:
        text = f"ip -n {step.netns} tuntap add dev {step.ifname} mode {step.mode}"
        if step.master:
            text += f" && ip -n {step.netns} link set {step.ifname} master {step.master}"
        return text

    def make(self, ctx: ApplyContext, step: Tuntap) -> None:
        ns = ctx.netns(step.netns)
        with in_netns_fd(ns.fd):
            links.make_tuntap(step.ifname, step.mode)
        if step.master:
            links.set_master(ns.rtnl, step.ifname, step.master)
