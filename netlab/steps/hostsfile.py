"""A node's /etc/netns/<netns>/ files: hosts, nsswitch.conf, resolv.conf."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlab.kernel import hostsfiles
from netlab.steps.base import ApplyContext, Step, StepKind, register

# Hosts-file entries shown per node in the listing (a 200-node lab has 200 per node).
HOSTS_SHOWN = 8


@dataclass(frozen=True)
class HostsFile(Step):
    """/etc/netns/<netns>/hosts (+ nsswitch.conf 'hosts: files', empty resolv.conf).

    Names resolve from this file only, so a lookup that should fail fails at once with
    'Name or service not known' and never leaves the namespace (no DNS server is asked).
    """

    kind: ClassVar[str] = "hosts"
    netns: str
    entries: tuple[tuple[str, tuple[str, ...]], ...]  # (address, (name, alias, ...))

    @property
    def key(self) -> str:
        return f"hosts {self.netns}"


@register
class HostsFileKind(StepKind[HostsFile]):
    step = HostsFile
    lane = "files"

    def describe(self, step: HostsFile) -> str:
        shown = step.entries[:HOSTS_SHOWN]
        body = "; ".join(f"{addr} {' '.join(names)}" for addr, names in shown)
        more = len(step.entries) - len(shown)
        return f"write /etc/netns/{step.netns}/hosts: {body}" + (f"; ... (+{more} more)" if more else "")

    def make(self, ctx: ApplyContext, step: HostsFile) -> None:
        ctx.netns(step.netns)  # the node must exist first
        ctx.etc_template(hostsfiles.write_netns_etc(step.netns, step.entries, ctx.etc_template()))
