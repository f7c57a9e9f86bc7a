"""Client byte-rate quotas (Kafka's ClientQuotaManager for the Produce and Fetch quota types,
client-id entities): each client id's bytes are counted in `quota.window.num` samples of
`quota.window.size.seconds`; when the measured rate is above its quota the response carries
throttle_time_ms and the connection is muted for that long after the response is sent (KIP-219:
the broker answers at once, then reads nothing more from that channel until the time is up).

Measured rate = bytes in the retained samples / elapsed time, the elapsed time counted as at
least (quota.window.num - 1) whole windows (Kafka's Rate.windowSize). Throttle time =
(rate - quota) / quota * elapsed window (Kafka's QuotaUtils.throttleTime; the byte-rate
quotas are not bounded, only Kafka's request-time quota is).

Quotas: a client id's own (set with AlterClientQuotas, kept in `client-quotas.json` of the first
log dir), else the default client-id entity's (AlterClientQuotas too), else the broker settings
`quota.producer.default` / `quota.consumer.default` (Kafka's static defaults before 3.0), else none.
Produce counts the request's size (Kafka: request.sizeInBytes); Fetch counts the record bytes of
the response (Kafka counts the whole response; the difference is the few bytes of framing).
"""

from __future__ import annotations

import json
import os
import time
import weakref
from dataclasses import dataclass, field

PRODUCE, FETCH = "producer_byte_rate", "consumer_byte_rate"
QUOTAS_FILE = "client-quotas.json"
DEFAULT_CLIENT = ""  # the <default> client-id entity (a null entity name on the wire)
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
        self.path = node.config.log_dirs[0] / QUOTAS_FILE
        self.entities: dict[str, dict[str, float]] = {}  # client id ("" = default) -> {key: value}
        if self.path.exists():
            try:
                self.entities = json.loads(self.path.read_text())
            except (OSError, ValueError) as exc:
                raise RuntimeError(
                    f"{self.path}: unreadable client quotas ({exc}); fix or remove it"
                ) from None
        self._samples: dict[tuple[str, str], _Samples] = {}

    def quota(self, kind: str, client_id: str) -> float | None:
        for entity in (client_id, DEFAULT_CLIENT):
            q = self.entities.get(entity, {}).get(kind)
            if q is not None:
                return q
        return self.static[kind]

    def record(self, kind: str, client_id: str | None, nbytes: int, now_ms: int | None = None) -> int:
        """Count `nbytes` for the client; return the throttle time in ms (0 within quota)."""
        cid = client_id or ""
        q = self.quota(kind, cid)
        if q is None:
            return 0
        now = int(time.monotonic() * 1000) if now_ms is None else now_ms
        s = self._samples.get((kind, cid))
        if s is None:
            s = self._samples[(kind, cid)] = _Samples(self.window_ms, self.samples_n)
        s.record(nbytes, now)
        rate, window = s.rate_and_window(now)
        if rate <= q:
            return 0
        return round((rate - q) / q * window)

    # --- AlterClientQuotas / DescribeClientQuotas ---
    def alter(self, client_id: str, key: str, value: float | None) -> None:
        ent = self.entities.setdefault(client_id, {})
        if value is None:
            ent.pop(key, None)
            if not ent:
                self.entities.pop(client_id, None)
        else:
            ent[key] = value

    def save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.entities, indent=1, sort_keys=True))
        os.replace(tmp, self.path)


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
