"""DescribeAcls (key 29), v0–3: the ACLs matching a filter, grouped by resource (Kafka's
AclBindingFilter semantics, broker/acls.py). Needs DESCRIBE on the cluster."""

from __future__ import annotations

from .. import acls as A
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.describe_acls import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from .create_acls import guard


def filter_of(r: dict) -> A.AclFilter:
    return A.AclFilter(
        r["resource_type_filter"], r["resource_name_filter"], r["pattern_type_filter"], r["principal_filter"],
        r["host_filter"], r["operation"], r["permission_type"],
    )  # fmt: skip


async def handle(ctx: RequestContext, req: dict) -> dict:
    refused = guard(ctx, A.DESCRIBE)
    if refused:
        return {"throttle_time_ms": 0, "error_code": refused[0], "error_message": refused[1], "resources": []}
    f = filter_of(req)
    grouped: dict[tuple[int, str, int], list[dict]] = {}
    for b in ctx.node.acls:
        if f.matches(b):
            grouped.setdefault((b.resource_type, b.resource_name, b.pattern_type), []).append(
                {
                    "principal": b.principal,
                    "host": b.host,
                    "operation": b.operation,
                    "permission_type": b.permission_type,
                }
            )
    resources = [
        {"resource_type": t, "resource_name": n, "pattern_type": p, "acls": acls}
        for (t, n, p), acls in sorted(grouped.items())
    ]
    return {
        "throttle_time_ms": 0,
        "error_code": ErrorCode.NONE,
        "error_message": None,
        "resources": resources,
    }


API = Api(KEY, "DescribeAcls", 0, 3, REQUEST, RESPONSE, handle)
