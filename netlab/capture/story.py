"""The readable story of a capture: one line per Kafka message or connection fact.

    host → 10.5.0.3:9092  Metadata v4 request (kcat)
    10.5.0.3:9092 → host  Metadata response: broker 1 at broker-1:29092
    host → 10.5.0.3:29092  SYN … RST (connection refused)

Clients are named by their lab node (from the lab's addresses) where known. Lab nodes resolve
names from /etc/hosts only, so a name that does not resolve produces no packet at all; the
story says so at the end ("no connection attempt to the advertised endpoint followed") instead
of inventing DNS lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from broker.protocol.apikeys import api_name
from netlab.capture.kafka.summary import error_name
from netlab.capture.stream import ConnEvent, KafkaMessage
from netlab.kafka.views import is_ip, is_loopback


def _split(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return host.strip("[]"), int(port)


@dataclass
class Story:
    names: dict[str, str] = field(default_factory=dict)  # address -> node
    hosts: dict[str, set[str]] = field(default_factory=dict)  # name -> addresses
    local_node: str | None = None  # the node captured in: its loopback traffic is its own
    # client addr -> {(host, port): (node id, ts of the first response naming it)}
    _advertised: dict[str, dict[tuple[str, int], tuple[int, int]]] = field(default_factory=dict)
    _attempts: list[tuple[int, str, str, int]] = field(default_factory=list)  # (ts, client, server, port)

    def node_of(self, address: str) -> str:
        """The node an address belongs to (the address itself when unknown)."""
        name = self.names.get(address)
        if name is None and self.local_node and is_loopback(address):
            return self.local_node
        return name or address

    def who(self, endpoint: str, client: bool) -> str:
        host, port = _split(endpoint)
        if client:
            return self.node_of(host)
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def _addresses(self, host: str) -> set[str]:
        if is_ip(host):
            return {host}
        if host == "localhost" and host not in self.hosts:
            return {"127.0.0.1", "::1"}
        return set(self.hosts.get(host, set()))

    def lines(self, ev: KafkaMessage | ConnEvent) -> list[str]:
        if isinstance(ev, ConnEvent):
            return self._conn(ev)
        if ev.kind == "malformed":
            return [
                f"{self.who(ev.src, False)} → {self.who(ev.dst, False)}  malformed Kafka frame: {ev.reason}"
            ]
        if ev.kind == "request":
            return [f"{self.who(ev.src, True)} → {self.who(ev.dst, False)}  {self._request(ev)}"]
        return [f"{self.who(ev.src, False)} → {self.who(ev.dst, True)}  {self._response(ev)}"]

    def finish(self) -> list[str]:
        out = []
        for client, endpoints in self._advertised.items():
            for (host, port), (node_id, since) in sorted(endpoints.items()):
                addrs = self._addresses(host)
                tried = {a for ts, c, a, p in self._attempts if c == client and p == port and ts >= since}
                if (addrs and addrs & tried) or (not addrs and tried):
                    continue  # (a name the lab does not know: any attempt on that port counts)
                hidden = ""
                if addrs and all(is_loopback(a) for a in addrs) and client != self.local_node:
                    hidden = (
                        f" here (a connection to {client}'s own loopback is not visible from this capture)"
                    )
                out.append(
                    f"{client}: no connection attempt to the advertised endpoint {host}:{port} "
                    f"(broker {node_id}) followed{hidden}"
                )
        return out

    def _advertise(self, m: KafkaMessage, endpoints: dict[tuple[str, int], int]) -> None:
        known = self._advertised.setdefault(self.node_of(_split(m.dst)[0]), {})
        for ep, node_id in endpoints.items():
            known.setdefault(ep, (node_id, m.ts_ns))

    # -- connections ------------------------------------------------------------------------
    def _conn(self, ev: ConnEvent) -> list[str]:
        client, server = self.who(ev.src, True), self.who(ev.dst, False)
        if ev.kind == "syn":
            saddr, sport = _split(ev.dst)
            self._attempts.append((ev.ts_ns, self.node_of(_split(ev.src)[0]), saddr, sport))
            return []
        if ev.kind == "accepted":
            return [f"{client} → {server}  connected"]
        if ev.kind == "refused":
            return [f"{client} → {server}  SYN … RST (connection refused)"]
        if ev.kind == "unanswered":
            return [f"{client} → {server}  SYN … no answer"]
        if ev.kind == "reset":
            return [f"{client} ↔ {server}  connection reset"]
        return []

    # -- Kafka ------------------------------------------------------------------------------
    def _request(self, m: KafkaMessage) -> str:
        text = f"{api_name(m.api_key)} v{m.api_version} request" if m.api_key is not None else "request"
        d = m.decoded or {}
        detail = ""
        if m.api_key == 3 and d:
            topics = d.get("topics")
            if topics is None or (m.api_version == 0 and not topics):  # v0: an empty list meant all
                detail = "all topics"
            else:
                detail = ", ".join(str(t.get("name")) for t in topics) or "no topics"
        elif m.api_key == 10 and d:
            detail = f"coordinator for {d.get('key') or ', '.join(d.get('coordinator_keys') or [])}"
        elif m.api_key in (11, 12, 13, 14) and d:
            detail = f"group {d.get('group_id')}"
        elif m.api_key == 0 and d:
            detail = f"{d.get('record_count', 0)} records to " + _topic_parts(
                d.get("topic_data"), "partition_data", "index"
            )
        elif m.api_key == 1 and d:
            detail = "from " + _topic_parts(d.get("topics"), "partitions", "partition", name="topic")
        elif m.api_key in (8, 9) and d and d.get("group_id"):
            detail = f"group {d.get('group_id')}"
        client = f"({m.client_id})" if m.client_id else ""
        return " ".join(x for x in (text, detail and f"— {detail}", client) if x)

    def _response(self, m: KafkaMessage) -> str:
        if m.api_key is None:
            return f"response to correlation id {m.correlation_id} (its request was not captured)"
        head = f"{api_name(m.api_key)} response"
        d = m.decoded
        if d is None:
            return head
        err = d.get("error_code")
        if isinstance(err, int) and err != 0:
            return f"{head}: {error_name(err)}"
        if m.api_key == 3:
            brokers = d.get("brokers") or []
            self._advertise(m, {(b["host"], b["port"]): b["node_id"] for b in brokers})
            parts = [
                ", ".join(f"broker {b['node_id']} at {b['host']}:{b['port']}" for b in brokers)
                or "no brokers"
            ]
            for t in d.get("topics") or []:
                if t.get("error_code"):
                    parts.append(f"topic {t.get('name')}: {error_name(t['error_code'])}")
                else:
                    leaders = ", ".join(
                        f"p{p['partition_index']}→{p['leader_id']}"
                        + (f" {error_name(p['error_code'])}" if p.get("error_code") else "")
                        for p in t.get("partitions") or []
                    )
                    parts.append(f"topic {t.get('name')}: {leaders}")
            return f"{head}: " + "; ".join(parts)
        if m.api_key == 10:
            coords = d.get("coordinators") or []
            text = ", ".join(
                error_name(c["error_code"])
                if c.get("error_code")
                else f"coordinator {c['node_id']} at {c['host']}:{c['port']}"
                for c in coords
            )
            for c in coords:
                if not c.get("error_code"):
                    self._advertise(m, {(c["host"], c["port"]): c["node_id"]})
            return f"{head}: {text}"
        if m.api_key == 11:
            me = d.get("member_id")
            role = "leader" if me and me == d.get("leader") else "follower"
            return (
                f"{head}: generation {d.get('generation_id')}, {d.get('member_count', 0)} members listed, "
                f"this member is the {role}"
            )
        if m.api_key == 18:
            return f"{head}: {len(d.get('api_keys') or [])} APIs"
        if m.api_key == 0:
            errs = [
                error_name(p["error_code"])
                for t in d.get("responses") or []
                for p in t.get("partition_responses") or []
                if p.get("error_code")
            ]
            return f"{head}: " + (", ".join(errs) if errs else "ok")
        if m.api_key == 1:
            errs = [
                error_name(p["error_code"])
                for t in d.get("responses") or []
                for p in t.get("partitions") or []
                if p.get("error_code")
            ]
            return f"{head}: {d.get('record_count', 0)} records" + (f", {', '.join(errs)}" if errs else "")
        return f"{head}: ok" if err == 0 else head


def _topic_parts(topics, parts_key: str, index_key: str, name: str = "name") -> str:
    """Topic names as Kafka's messages call them: `name` (Produce, Metadata), `topic` (Fetch)."""
    out = []
    for t in topics or []:
        idx = ",".join(str(p.get(index_key)) for p in t.get(parts_key) or [])
        out.append(f"{t.get(name)}[{idx}]")
    return " ".join(out) or "nothing"
