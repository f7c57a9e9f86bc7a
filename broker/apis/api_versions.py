"""ApiVersions (key 18), v0–3. Built from the registry, so it advertises exactly what is served.

An unsupported version is answered with UNSUPPORTED_VERSION and a v0 body holding ApiVersions'
own range; clients retry with a version from it (KIP-511)."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.api_versions import KEY, REQUEST, RESPONSE
from ..registry import discover
from ..request_context import RequestContext

MIN_VERSION, MAX_VERSION = 0, 3


def _api_keys() -> list[dict]:
    return [{"api_key": k, "min_version": lo, "max_version": hi} for k, lo, hi in discover().version_ranges()]


async def handle(ctx: RequestContext, req: dict) -> dict:
    keys = _api_keys()
    reg = discover()
    if ctx.controller_listener:  # KRaft controller listeners serve the controller's APIs only
        keys = [
            k
            for k in keys
            if reg.apis[k["api_key"]].on_controller_listener or reg.apis[k["api_key"]].controller_only
        ]
    else:
        keys = [k for k in keys if not reg.apis[k["api_key"]].controller_only]
    return {"error_code": ErrorCode.NONE, "api_keys": keys, "throttle_time_ms": 0}


def unsupported(version: int) -> tuple[dict, int]:
    body = {
        "error_code": ErrorCode.UNSUPPORTED_VERSION,
        "api_keys": [{"api_key": KEY, "min_version": MIN_VERSION, "max_version": MAX_VERSION}],
    }
    return body, 0


API = Api(
    KEY,
    "ApiVersions",
    MIN_VERSION,
    MAX_VERSION,
    REQUEST,
    RESPONSE,
    handle,
    on_unsupported_version=unsupported,
    on_controller_listener=True,
)
