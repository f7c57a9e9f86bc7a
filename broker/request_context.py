"""What a request handler knows about the request it serves: the node, the listener, the client."""

from __future__ import annotations

from dataclasses import dataclass

from .node import BrokerNode


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
