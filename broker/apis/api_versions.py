"""ApiVersions (key 18), v0–3. Built from the registry, so it advertises exactly what is served.

An unsupported version is answered with UNSUPPORTED_VERSION and a v0 body holding ApiVersions'
own range; clients retry with a version from it (KIP-511)."""

from __future__ import annotations

from ..protocol.dispatch import Api, RequestContext, discover
from ..protocol.errors import ErrorCode
from ..protocol.schema import BOOL, INT16, INT32, INT64, STRING, Array, F, Message, Struct

KEY, MIN_VERSION, MAX_VERSION = 18, 0, 3

REQUEST = Message(
    Struct(
        F("client_software_name", STRING, 3),
        F("client_software_version", STRING, 3),
    ),
    first_flexible=3,
)

_API = Struct(F("api_key", INT16), F("min_version", INT16), F("max_version", INT16), name="ApiVersion")
_FEATURE = Struct(F("name", STRING, 3), F("min_version", INT16, 3), F("max_version", INT16, 3))
_FINALIZED = Struct(F("name", STRING, 3), F("max_version_level", INT16, 3), F("min_version_level", INT16, 3))
RESPONSE = Message(
    Struct(
        F("error_code", INT16),
        F("api_keys", Array(_API)),
        F("throttle_time_ms", INT32, 1),
        F("supported_features", Array(_FEATURE), 3, tag=0),
        F("finalized_features_epoch", INT64, 3, tag=1, default=-1),
        F("finalized_features", Array(_FINALIZED), 3, tag=2),
        F("zk_migration_ready", BOOL, 3, tag=3),
    ),
    first_flexible=3,
)


def _api_keys() -> list[dict]:
    return [{"api_key": k, "min_version": lo, "max_version": hi} for k, lo, hi in discover().version_ranges()]


async def handle(ctx: RequestContext, req: dict) -> dict:
    keys = _api_keys()
    reg = discover()
    if ctx.controller_listener:  # KRaft controller listeners serve the controller's APIs only
        keys = [
            k
            for k in keys
            if reg.get(k["api_key"]).on_controller_listener or reg.get(k["api_key"]).controller_only
        ]
    else:
        keys = [k for k in keys if not reg.get(k["api_key"]).controller_only]
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
