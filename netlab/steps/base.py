"""What every kind of step is: a frozen dataclass (the plan's vocabulary) and one small handler
that describes it (iproute2 style, for `netlab up --dry-run`), names the namespaces it touches
and makes it in the kernel (the applier). containerlab's link interface, one file per kind.

A kind's file defines its dataclass (a `Step` subclass with a unique `kind` and a `key`) and a
`StepKind` subclass decorated with `@register`; netlab/steps/__init__.py discovers the files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from netlab.kernel.processes import ProcFiles
    from netlab.kernel.rtnl import Rtnl


@dataclass(frozen=True)
class Step:
    kind: ClassVar[str] = "step"

    @property
    def key(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def to_dict(self) -> dict:
        return {"kind": self.kind, **asdict(self)}


class NsHandle(Protocol):
    fd: int  # an open /run/netns/<netns> (enter it with netlab.kernel.worker.in_netns_fd)
    rtnl: Rtnl  # a netlink socket inside it


class ApplyContext(Protocol):
    """What a handler may use of the applier (netlab/lab/apply.py) while it makes a step."""

    already_up: set[tuple[str, str]]  # (netns, ifname) that came up while being made
    brought_up: set[tuple[str, str]]  # (netns, ifname) the plan brings up (LinkUp steps)
    addressed: set[tuple[str, str]]  # (netns, ifname) the plan gives an address

    def netns(self, name: str) -> NsHandle:
        """The namespace `name`, waiting until the namespace lane made it."""
        ...

    def process_files(self, node: str, name: str) -> ProcFiles: ...

    def launch(self, step: Any) -> int:
        """Start a Process step with the privileges of its role; returns its pid."""
        ...

    def etc_template(self, written: str | None = None) -> str | None:
        """The first /etc/netns directory written (copied for the others), remembered here."""
        ...

    def started(self, step: Step) -> None:
        """A process step was started (relays are then waited for until they say ready)."""
        ...


S = TypeVar("S", bound=Step)

# the lanes of the applier: namespaces, /etc/netns files, kernel objects, then processes
LANES = ("netns", "files", "kernel", "process")


class StepKind(Generic[S]):
    """The handler of one kind of step. Subclasses set `step` and implement `describe`/`make`."""

    step: ClassVar[type[Step]]
    lane: ClassVar[str] = "kernel"

    def namespaces(self, step: S) -> tuple[str, ...]:
        """The namespaces this step touches; the first is where `--dry-run` lists it."""
        return (step.netns,)  # type: ignore[attr-defined]

    def describe(self, step: S) -> str:
        """The step as the command an operator would type (iproute2 style)."""
        raise NotImplementedError

    def make(self, ctx: ApplyContext, step: S) -> None:
        """Create the object (its namespaces exist; the step is journaled already)."""
        raise NotImplementedError


KINDS: dict[type[Step], StepKind] = {}


def register(cls: type[StepKind]) -> type[StepKind]:
    if cls.step in KINDS:
        raise ValueError(f"step kind {cls.step.kind!r} is registered twice")
    KINDS[cls.step] = cls()
    return cls


def handler(step: Step) -> StepKind:
    try:
        return KINDS[type(step)]
    except KeyError:
        raise ValueError(f"no handler for step kind {step.kind!r} ({step.key})") from None
