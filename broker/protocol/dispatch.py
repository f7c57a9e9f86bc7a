"""The API registry: one module per Kafka API under broker/apis/, each exposing `API`.

The registry is what the ApiVersions answer is built from, so adding an API module is the only
step needed to serve (and advertise) it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .schema import Message

if TYPE_CHECKING:
    from ..node import BrokerNode


@dataclass
class RequestContext:
    node: BrokerNode
    listener: str  # name of the listener whose socket accepted the connection
    client_id: str | None
    correlation_id: int
    api_version: int
    peer: str  # "host:port" of the client
    controller_listener: bool = False
    request_size: int = 0  # bytes of the request frame (the produce quota counts them)
    throttle_ms: int = 0  # set by a handler over its client quota: the connection is muted this long


class CloseConnection(Exception):
    """Raised by a handler to close the connection without a response (Kafka does this when an
    acks=0 produce fails, so the producer notices and refreshes its metadata)."""


Handler = Callable[[RequestContext, dict], Awaitable["dict | None"]]


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

    def version_ranges(self) -> list[tuple[int, int, int]]:
        return sorted((a.key, a.min_version, a.max_version) for a in self.apis.values())


_default: Registry | None = None


def discover() -> Registry:
    """Import every module of broker.apis and register its `API` (once per process)."""
    global _default
    if _default is not None:
        return _default
    from .. import apis

    reg = Registry()
    for mod in sorted(pkgutil.iter_modules(apis.__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{apis.__name__}.{mod.name}")
        api: Any = getattr(module, "API", None)
        if isinstance(api, Api):
            reg.add(api)
    _default = reg
    return reg
