"""The rows of a report as the page draws them: who, to which node, ✓/✗, the failing step,
the cause sentence split from the setting to change, the client's words, the packet story.

Pure: built from `netlab.kafka` verdicts and the lab's `World` (where a connection lands), so
`netlab predict --html`, `netlab check --html`, `netlab report` and the drills share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from netlab.kafka.results import Verdict
from netlab.kafka.views import LISTENER, World, is_ipv6, land

START, CLIENT, LINK, CONTROLLER = "start", "client", "link", "controller"

# The step a row failed at, in the words of the page (results.STAGES → what a user calls it).
STEP_OF_STAGE = {
    "start": "broker start",
    "resolve": "name resolution",
    "connect": "connect",
    "api_versions": "Kafka handshake",
    "metadata": "Kafka handshake",
    "advertised_resolve": "advertised endpoint: name resolution",
    "advertised_connect": "advertised endpoint: connect",
    "advertised_api_versions": "advertised endpoint: Kafka handshake",
    "produce": "client: produce",
    "consume": "client: consume",
}


@dataclass
class RowCapture:
    """The packets of one row: a pcap (href relative to the page) and its story lines."""

    pcap: str | None
    story: list[str] = field(default_factory=list)
    note: str | None = None  # why there is no story (capture failed, nothing captured)


@dataclass
class Row:
    index: int  # 1-based, as in the terminal table
    kind: str  # start | client | link (to another broker's inter-broker listener) | controller
    from_node: str
    to: str  # what the client was given (bootstrap / endpoint) or a broker's listeners
    to_node: str | None  # the node the arrow ends at (None: the name leads nowhere in the lab)
    ok: bool
    client: str
    stage: str | None
    step: str | None  # STEP_OF_STAGE of the failing stage
    target: str | None
    cause: str | None
    cause_sentence: str | None
    setting: str | None  # the part of the sentence that says what to change
    client_error: str | None
    warning: str | None
    expected: str | None  # "ok", a cause, or None
    capture: RowCapture | None = None
    # a failed advertised endpoint: the node it led the client to (None: nowhere, e.g. unresolved)
    advertised_node: str | None = None

    @property
    def advertised_failed(self) -> bool:
        return not self.ok and (self.stage or "").startswith("advertised_")

    @property
    def as_expected(self) -> bool | None:
        if self.expected is None:
            return None
        if self.expected == "ok":
            return self.ok
        return not self.ok and self.cause == self.expected


def split_reason(reason: str | None) -> tuple[str | None, str | None]:
    """netlab's sentence is "<cause> — <what to change>" (explain.py); a bootstrap failure that
    has an alternative ends "; <node> can bootstrap from <address>" instead."""
    if not reason:
        return None, None
    said = ""
    head, sep, tail = reason.rpartition(" (Kafka logs: ")
    if sep and tail.endswith(")"):  # a link row's Java text (check._link_verdict) belongs to the cause
        reason, said = head, f" (Kafka logs: {tail}"
    cause, sep, fix = reason.partition(" — ")
    if sep:
        return cause.strip() + said, fix.strip()
    head, sep, tail = reason.rpartition("; ")
    if sep and " can bootstrap from " in tail:
        return head.strip() + said, tail.strip()
    return reason.strip() + said, None


def _split(endpoint: str) -> tuple[str, int] | None:
    host, _, port = endpoint.rpartition(":")
    try:
        return host.strip("[]"), int(port)
    except ValueError:
        return None


def reached_node(world: World, node: str, endpoint: str, by_name: bool = True) -> str | None:
    """The node a connection from `node` to `endpoint` ends in, as the lab's rules say: the
    broker of the listener it lands on, the node that refuses it, or (`by_name`), for a name that
    does not resolve there, the node that name means elsewhere in the lab."""
    hp = _split(endpoint)
    if hp is None or node not in world.vantages:
        return None
    host, port = hp
    addrs = world.vantage(node).resolve(host)
    if addrs:
        addr = next((a for a in addrs if not is_ipv6(a)), addrs[0])
        landing = land(world, node, addr, port)
        if landing.kind == LISTENER and landing.listener is not None:
            return landing.listener.broker
        if landing.node is not None:
            return landing.node
    if not by_name:
        return None
    if host in world.vantages:
        return host
    for other in world.vantages.values():  # a network alias or container name seen elsewhere
        found = other.names.get(host)
        if found:
            owner = other.node if other.owns(found[0]) else other.reach.get(found[0])
            if owner:
                return owner
    return None


def infer_kind(v: Verdict) -> str:
    if v.client == "broker":
        return START if "://" in v.to else LINK
    return CLIENT


def build_rows(
    verdicts: Sequence[Verdict],
    world: World,
    *,
    kinds: Sequence[str] | None = None,
    expected: Sequence[str | None] | None = None,
    captures: Sequence[RowCapture | None] | None = None,
) -> list[Row]:
    controllers = {f"{h}:{p}" for b in world.brokers for h, p in b.voters.values()}
    rows = []
    for i, v in enumerate(verdicts):
        kind = kinds[i] if kinds is not None else infer_kind(v)
        if kind == LINK and v.to in controllers:
            kind = CONTROLLER  # a broker registering with its KRaft controller
        to_node = v.from_node if kind == START else reached_node(world, v.from_node, v.to)
        cause_sentence, setting = split_reason(v.reason)
        stage = v.stage
        advertised_node = None
        if (
            not v.ok
            and (stage or "").startswith("advertised_")
            and stage != "advertised_resolve"
            and v.target
        ):
            advertised_node = reached_node(world, v.from_node, v.target, by_name=False)
        rows.append(
            Row(
                index=i + 1,
                kind=kind,
                from_node=v.from_node,
                to=v.to,
                to_node=to_node,
                ok=v.ok,
                client=v.client or "probe",
                stage=stage,
                step=None if v.ok else STEP_OF_STAGE.get(stage or "", stage),
                target=v.target,
                cause=v.cause,
                cause_sentence=cause_sentence,
                setting=setting,
                client_error=v.client_error,
                warning=v.warning,
                expected=expected[i] if expected is not None else None,
                capture=captures[i] if captures is not None else None,
                advertised_node=advertised_node,
            )
        )
    return rows
