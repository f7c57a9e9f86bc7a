"""Kafka message declarations, one module per API: KEY, NAME, LATEST, REQUEST, RESPONSE.

The only declaration of each message in the repository (facts from Kafka's message definitions,
clients/src/main/resources/common/message/*.json, written by hand in broker/protocol/schema.py's
notation). Every version up to LATEST is declared, also versions the broker does not serve, so
netlab's packet decoder (netlab/capture/kafka/) reads what real Kafka clients and brokers send.
The broker's handler for an API (broker/apis/<name>.py) imports its messages from here and
serves a sub-range of versions.

A leaf package: it imports only broker.protocol.schema, so netlab may import it.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from ..schema import Message


@dataclass(frozen=True)
class Declared:
    key: int
    name: str
    latest: int  # newest version declared
    request: Message
    response: Message

    def flexible(self, version: int) -> bool:
        return self.request.flexible(version)


def _declared() -> dict[int, Declared]:
    """Every module of this package (found by listing it, as broker/registry.py finds handlers)."""
    out: dict[int, Declared] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        m = importlib.import_module(f"{__name__}.{info.name}")
        if m.KEY in out:
            raise ValueError(f"API key {m.KEY} declared twice ({out[m.KEY].name}, {m.NAME})")
        out[m.KEY] = Declared(m.KEY, m.NAME, m.LATEST, m.REQUEST, m.RESPONSE)
    return out


DECLARED: dict[int, Declared] = _declared()
