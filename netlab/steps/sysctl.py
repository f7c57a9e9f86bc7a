"""A per-namespace sysctl (net.ipv4.ip_forward=1 for a router node)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import ClassVar

from netlab.kernel import sysctls
from netlab.kernel.worker import in_netns_fd
from netlab.steps.base import ApplyContext, Step, StepKind, register


@dataclass(frozen=True)
class Sysctl(Step):
    """A per-namespace sysctl, e.g. net.ipv4.ip_forward=1 for a router node."""

    kind: ClassVar[str] = "sysctl"
    netns: str
    name: str  # dotted form: net.ipv4.ip_forward
    value: str

    @property
    def key(self) -> str:
        return f"sysctl {self.netns}:{self.name}"


@register
class SysctlKind(StepKind[Sysctl]):
    step = Sysctl

    def describe(self, step: Sysctl) -> str:
        return f"ip netns exec {step.netns} sysctl -w {step.name}={shlex.quote(step.value)}"

    def make(self, ctx: ApplyContext, step: Sysctl) -> None:
        with in_netns_fd(ctx.netns(step.netns).fd):
            sysctls.write_sysctl(step.name, step.value)
