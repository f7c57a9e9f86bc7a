"""One listener entry of `listeners=` / `advertised.listeners=` (`NAME://host:port`), parsed as
Kafka parses it: kafka.cluster.EndPoint's uriParseExp, `^(.*)://\\[?([0-9a-zA-Z\\-%._:]*)\\]?:(-?[0-9]+)`
(the name is anything before `://`, an IPv6 host may be bracketed, the port may be 0 or negative
at parse time and is validated later). Used by the config rules and by capture (ports to decode).
"""

from __future__ import annotations

import re
from typing import NamedTuple

ENTRY = re.compile(r"^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)")


class ListenerEntry(NamedTuple):
    name: str  # as written (Kafka upper-cases it when it builds the endpoint)
    host: str  # "" = every interface
    port: int


def parse_entry(text: str) -> ListenerEntry | None:
    """One `NAME://host:port` entry, or None when Kafka could not parse it."""
    m = ENTRY.match(text.strip())
    return ListenerEntry(m.group(1), m.group(2), int(m.group(3))) if m else None


def listener_ports(value: str) -> set[int]:
    """The (positive) ports of a comma-separated listener list; unparseable entries are skipped."""
    entries = (parse_entry(item) for item in value.split(","))
    return {e.port for e in entries if e is not None and e.port > 0}
