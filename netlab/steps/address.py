"""An address on an interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlab.kernel import addresses
from netlab.steps.base import ApplyContext, Step, StepKind, register


@dataclass(frozen=True)
class Address(Step):
    """An address on an interface, in CIDR form (10.5.0.3/16)."""

    kind: ClassVar[str] = "address"
    netns: str
    ifname: str
    cidr: str

    @property
    def key(self) -> str:
        return f"address {self.netns}:{self.ifname}:{self.cidr}"


@register
class AddressKind(StepKind[Address]):
    step = Address

    def describe(self, step: Address) -> str:
        return f"ip -n {step.netns} addr add {step.cidr} dev {step.ifname}"

    def make(self, ctx: ApplyContext, step: Address) -> None:
        addresses.add_address(ctx.netns(step.netns).rtnl, step.ifname, step.cidr)
