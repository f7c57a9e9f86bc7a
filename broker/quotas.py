"""Client byte-rate quotas (Kafka's ClientQuotaManager for the Produce and Fetch quota types,
client-id entities): each client id's bytes are counted in `quota.window.num` samples of
`quota.window.size.seconds`; when the measured rate is above its quota the response carries
throttle_time_ms and the connection is muted for that long after the response is sent (KIP-219:
the broker answers at once, then reads nothing more from that channel until the time is up).

Measured rate = bytes in the retained samples / elapsed time, the elapsed time counted as at
least (quota.window.num - 1) whole windows (Kafka's Rate.windowSize). Throttle time =
(rate - quota) / quota * elapsed window (Kafka's QuotaUtils.throttleTime; the byte-rate
quotas are not bounded, only Kafka's request-time quota is).

Quotas: the entity quotas set with AlterClientQuotas (the node's `client_quotas`: replayed
ClientQuotaRecords in KRaft, /config/users and /config/clients in ZooKeeper mode), the first that
applies in Kafka's order of precedence over <user, client-id>, <user> and <client-id> and their
defaults (broker/client_quotas.quota_for; every client here is User:ANONYMOUS, PLAINTEXT only),
else the broker settings `quota.producer.default` / `quota.consumer.default` (Kafka's static
defaults before 3.0), else none.
Produce counts the request's size (Kafka: request.sizeInBytes); Fetch counts the record bytes of
the response (Kafka counts the whole response; the difference is the few bytes of framing).
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field

from .client_quotas import FETCH, PRODUCE, quota_for

ANONYMOUS_USER = "ANONYMOUS"  # the user of every PLAINTEXT client (KafkaPrincipal.ANONYMOUS)
_STATIC = {PRODUCE: "quota.producer.default", FETCH: "quota.consumer.default"}


@dataclass
class _Samples:
    window_ms: int
    count: int
    starts: list[int] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)

    def record(self, value: float, now: int) -> None:
        if not self.starts or now - self.starts[-1] >= self.window_ms:
            self.starts.append(now - (now - self.starts[-1]) % self.window_ms if self.starts else now)
            self.totals.append(0.0)
        self.totals[-1] += value
        # purge samples older than the whole window span
        while self.starts and now - self.starts[0] >= self.window_ms * self.count:
            self.starts.pop(0)
            self.totals.pop(0)

    def rate_and_window(self, now: int) -> tuple[float, float]:
        """(bytes per second, elapsed window in ms)."""
        if not self.starts:
            return 0.0, 0.0
        elapsed = now - self.starts[0]
        full = elapsed // self.window_ms
        if full < self.count - 1:
            elapsed += (self.count - 1 - full) * self.window_ms
        return sum(self.totals) / (elapsed / 1000), elapsed


class ClientQuotas:
    def __init__(self, node):
        self.node = node
        cfg = getattr(node.config, "raw", {}) or {}
        self.window_ms = int(cfg.get("quota.window.size.seconds", 1)) * 1000
        self.samples_n = int(cfg.get("quota.window.num", 11))
        self.static = {kind: _int_or_none(cfg.get(key)) for kind, key in _STATIC.items()}
        self._samples: dict[tuple[str, str, str], _Samples] = {}

    def quota(
        self, kind: str, client_id: str, user: str = ANONYMOUS_USER
    ) -> tuple[tuple[str, str], float | None]:
        """(the tags the usage is counted under, the quota or None)."""
        table = self.node.client_quotas
        tags, q = quota_for(table, kind, user, client_id) if table else (("", client_id), None)
        if q is None and self.static[kind] is not None:
            return ("", client_id), self.static[kind]
        return tags, q

    def record(
        self,
        kind: str,
        client_id: str | None,
        nbytes: int,
        now_ms: int | None = None,
        user: str = ANONYMOUS_USER,
    ) -> int:
        """Count `nbytes` for the client; return the throttle time in ms (0 within quota)."""
        cid = client_id or ""
        tags, q = self.quota(kind, cid, user)
        if q is None:
            return 0
        now = int(time.monotonic() * 1000) if now_ms is None else now_ms
        s = self._samples.get((kind, *tags))
        if s is None:
            s = self._samples[(kind, *tags)] = _Samples(self.window_ms, self.samples_n)
        s.record(nbytes, now)
        rate, window = s.rate_and_window(now)
        if not rate > q or not q > 0:  # within it; or a NaN or non-positive quota (ZooKeeper
            return 0  # mode stores them unchecked), which never throttles here
        return min(round((rate - q) / q * window), 2**31 - 1)


def _int_or_none(v) -> int | None:
    try:
        n = int(v)
    except (TypeError, ValueError):
        return None
    return None if n >= 2**63 - 1 else n


_quotas: weakref.WeakKeyDictionary[object, ClientQuotas] = weakref.WeakKeyDictionary()


def quotas_of(node) -> ClientQuotas:
    q = _quotas.get(node)
    if q is None:
        q = _quotas[node] = ClientQuotas(node)
    return q
