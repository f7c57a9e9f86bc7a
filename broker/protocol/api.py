"""What one Kafka API is to the broker (`Api`) and the set of them (`Registry`).

A leaf module: it knows message schemas and nothing of the node, the server or the cluster, so
the handlers' modules, the broker's own outgoing channels and the blocking client can all import
it without pulling the broker in. `discover()` (broker/registry.py) fills a Registry from
broker/apis/.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .schema import Message

# A handler gets the request's context (broker/request_context.py) and the decoded body; it
# returns the response body, or None for no response (acks=0 produce).
Handler = Callable[[Any, dict], Awaitable["dict | None"]]


class CloseConnection(Exception):
    """Raised by a handler to close the connection without a response (Kafka does this when an
    acks=0 produce fails, so the producer notices and refreshes its metadata)."""


@dataclass
class Api:
    key: int
    name: str
    min_version: int
    max_version: int
    request: Message
    response: Message
    handler: Handler
    # Extra check before decoding; returns an error response body (or None) — used by ApiVersions
    # for its UNSUPPORTED_VERSION downgrade.
    on_unsupported_version: Callable[[int], tuple[dict, int]] | None = None
    on_controller_listener: bool = False  # served on KRaft controller listeners too
    controller_only: bool = False  # served (and advertised) on KRaft controller listeners only

    def supports(self, version: int) -> bool:
        return self.min_version <= version <= self.max_version

    def request_flexible(self, version: int) -> bool:
        return self.request.flexible(version)

    def response_header_flexible(self, version: int) -> bool:
        # ApiVersions answers always carry a v0 header, so a client can read it at any version.
        return self.key != 18 and self.response.flexible(version)


@dataclass
class Registry:
    apis: dict[int, Api] = field(default_factory=dict)

    def add(self, api: Api) -> None:
        if api.key in self.apis:
            raise ValueError(f"API key {api.key} registered twice ({self.apis[api.key].name}, {api.name})")
        self.apis[api.key] = api

    def get(self, key: int) -> Api | None:
        return self.apis.get(key)

    def by_name(self, name: str) -> Api:
        for api in self.apis.values():
            if api.name == name:
                return api
        raise KeyError(f"no API named {name!r} is registered")

    def version_ranges(self) -> list[tuple[int, int, int]]:
        return sorted((a.key, a.min_version, a.max_version) for a in self.apis.values())
