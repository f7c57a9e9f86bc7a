"""Admin changes a broker-only node forwards to the active controller (Kafka's ForwardingManager,
KIP-590): the node sends the request to the controller, then answers once its own metadata has
caught up with the change, so the client's next request sees it.
"""

from __future__ import annotations

from typing import Any

from ..protocol.errors import ErrorCode
from .errors import ChannelError

METADATA_WAIT_S = 10.0


async def forward(node: Any, method: str, body: dict) -> tuple[ErrorCode, dict]:
    """(NONE, the controller's answer) or (the error, {"error": why}). `method` is one of the
    controller's forwarding calls (broker/apis/netlab_controller.py)."""
    lifecycle = node.lifecycle
    if lifecycle is None:
        return ErrorCode.NOT_CONTROLLER, {"error": "this node has no controller to forward to"}
    try:
        err, answer = await lifecycle.client.call("forwarding", method, body)
    except ChannelError as exc:
        return ErrorCode.REQUEST_TIMED_OUT, {"error": f"the controller could not be reached: {exc}"}
    if err:
        return ErrorCode(err), answer
    await lifecycle.wait_metadata(answer["version"], METADATA_WAIT_S)
    return ErrorCode.NONE, answer
