"""CreateAcls (key 30), v0–3: add ACLs (broker/acls.py). Needs ALTER on the cluster when an
authorizer is configured; without one Kafka answers SECURITY_DISABLED, and so does this."""

from __future__ import annotations

from .. import acls as A
from ..cluster.forwarding import forward
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.create_acls import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext

NO_AUTHORIZER = "No Authorizer is configured."


def guard(ctx: RequestContext, operation: int) -> tuple[int, str | None] | None:
    """The common refusals of the ACL APIs: no authorizer, or not allowed on the cluster."""
    if not A.enabled(ctx.node.config.raw):
        return ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER
    if not A.allowed(ctx, operation, A.CLUSTER, A.CLUSTER_NAME):
        return ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed."
    return None


async def handle(ctx: RequestContext, req: dict) -> dict:
    refused = guard(ctx, A.ALTER)
    if refused:
        return {
            "throttle_time_ms": 0,
            "results": [{"error_code": refused[0], "error_message": refused[1]}] * len(req["creations"]),
        }
    results, valid = [], []
    for c in req["creations"]:
        b = A.AclBinding(
            c["resource_type"], c["resource_name"], c["resource_pattern_type"], c["principal"], c["host"],
            c["operation"], c["permission_type"],
        )  # fmt: skip
        why = A.invalid_binding(b)
        results.append({"error_code": ErrorCode.INVALID_REQUEST if why else 0, "error_message": why})
        if not why:
            valid.append(b)
    node = ctx.node
    if valid and node.controller is not None:
        node.controller.add_acls(valid)
    elif valid:
        err, answer = await forward(node, "create_acls", {"acls": [b.to_json() for b in valid]})
        if err:
            results = [{"error_code": err, "error_message": answer.get("error")} for _ in results]
    return {"throttle_time_ms": 0, "results": results}


API = Api(KEY, "CreateAcls", 0, 3, REQUEST, RESPONSE, handle)
