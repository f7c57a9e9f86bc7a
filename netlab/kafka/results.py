"""Result shapes shared by the live probe, the real-client runners and the static predictor.

Everything is a plain dataclass so `dataclasses.asdict` gives the JSON that `netlab check --json`
prints, and a live result and a prediction can be compared field by field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Stage names, in the order a client meets them. "advertised_*" stages run once per endpoint
# returned in Metadata; "produce"/"consume" belong to the real-client runners.
RESOLVE = "resolve"
CONNECT = "connect"
API_VERSIONS = "api_versions"
METADATA = "metadata"
ADVERTISED_RESOLVE = "advertised_resolve"
ADVERTISED_CONNECT = "advertised_connect"
ADVERTISED_API_VERSIONS = "advertised_api_versions"
PRODUCE = "produce"
CONSUME = "consume"
STAGES = (
    RESOLVE,
    CONNECT,
    API_VERSIONS,
    METADATA,
    ADVERTISED_RESOLVE,
    ADVERTISED_CONNECT,
    ADVERTISED_API_VERSIONS,
    PRODUCE,
    CONSUME,
)


# Verdict.cause: short and stable, so `check` and `predict` (and a topology's `expect:`) compare
# on them, never on wording. One per way a client fails, plus a row of its own per broker that
# did not start. explain.py says which stage gives which cause.
CAUSES = (
    "bootstrap_unresolved",
    "bootstrap_refused",
    "bootstrap_unreachable",
    "bootstrap_not_kafka",
    "metadata_failed",
    "advertised_unresolved",
    "advertised_refused",
    "advertised_unreachable",
    "advertised_not_kafka",
    "client_failed",
    "broker_not_started",
)


@dataclass
class Stage:
    name: str  # one of STAGES
    target: str  # "host:port" the stage was about
    ok: bool
    error: str | None = None  # the system's or client's own text (e.g. "Name or service not known")
    elapsed_ms: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class AdvertisedBroker:
    node_id: int
    host: str
    port: int
    rack: str | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class ProbeResult:
    bootstrap: str
    stages: list[Stage] = field(default_factory=list)
    brokers: list[AdvertisedBroker] = field(default_factory=list)
    controller_id: int | None = None
    cluster_id: str | None = None
    metadata_version: int | None = None

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.stages) and bool(self.stages)

    @property
    def failed(self) -> Stage | None:
        return next((s for s in self.stages if not s.ok), None)

    @property
    def no_way_in(self) -> bool:
        """True when no client here can produce: a bootstrap stage failed, or every advertised
        broker failed one of its stages. (With some advertised brokers reachable a client may
        still work, for a partition whose leader is one of them.)"""
        failed = self.failed
        if failed is None:
            return False
        if not failed.name.startswith("advertised_"):
            return True
        bad = {s.detail.get("node_id") for s in self.stages if not s.ok and s.name.startswith("advertised_")}
        return all(b.node_id in bad for b in self.brokers)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ProbeResult:
        """Read back what `to_dict` (and `python -m netlab.kafka.probe --json`) wrote."""
        return cls(
            d["bootstrap"],
            [Stage(**s) for s in d.get("stages", [])],
            [AdvertisedBroker(**b) for b in d.get("brokers", [])],
            d.get("controller_id"),
            d.get("cluster_id"),
            d.get("metadata_version"),
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        failed = self.failed
        d["ok"] = self.ok
        d["failed_stage"] = failed.name if failed else None
        d["failed_target"] = failed.target if failed else None
        return d


@dataclass
class Verdict:
    """One row of `netlab check`: a client (or broker-to-broker link) and what happened.

    `stage`, `target` and `cause` are the comparable part (live vs predicted); `reason` is the
    sentence for people; `client_error` the client's own text, verbatim."""

    from_node: str
    to: str  # the bootstrap (or endpoint) host:port
    ok: bool
    stage: str | None = None
    target: str | None = None  # the host:port at the failing stage (an advertised endpoint, say)
    cause: str | None = None  # a short machine-readable cause, see CAUSES
    reason: str | None = None
    client_error: str | None = None
    client: str | None = None
    # set when the path works only on some of a name's addresses (e.g. ::1 refused, 127.0.0.1
    # accepted): clients that try one address (librdkafka) may fail where others work
    warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["from"] = d.pop("from_node")
        return d

    def comparable(self) -> tuple:
        return (self.from_node, self.to, self.ok, self.stage, self.target, self.cause)
