"""DescribeUserScramCredentials (key 50), v0: the SCRAM mechanisms and iterations of the users
asked for (null or empty: every user with a credential), never salts or keys. Needs DESCRIBE on
the cluster (KafkaApis.handleDescribeUserScramCredentialsRequest; a refusal is the request's
getErrorResponse: the error at the top and in a row per user named). Answered by any broker from
its replayed metadata (KRaftMetadataCache -> ScramImage.describe, broker/scram_credentials.py).

ZooKeeper mode: from the user znodes, with ZkAdminManager.describeUserScramCredentials' rules
(broker/zk/scram_credentials.py)."""

from __future__ import annotations

from .. import scram_credentials
from ..acls import CLUSTER, CLUSTER_NAME, DESCRIBE, allowed
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.describe_user_scram_credentials import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


def _failed(req: dict, code: int, message: str | None) -> dict:
    """DescribeUserScramCredentialsRequest.getErrorResponse: the error, and a row (no user name)
    with it per user asked for."""
    rows: list[dict] = [
        {"user": "", "error_code": code, "error_message": message, "credential_infos": []}
        for _ in req["users"] or []
    ]
    return {"throttle_time_ms": 0, "error_code": code, "error_message": message, "results": rows}


async def handle(ctx: RequestContext, req: dict) -> dict:
    if not allowed(ctx, DESCRIBE, CLUSTER, CLUSTER_NAME):
        return _failed(req, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, None)
    node = ctx.node
    if node.zk is not None:
        try:
            results = await node.zk.describe_user_scram_credentials(req["users"])
        except Exception as exc:  # ZooKeeper away
            return _failed(req, ErrorCode.REQUEST_TIMED_OUT, f"ZooKeeper: {exc}")
    else:
        results = scram_credentials.describe(node.scram_credentials, req["users"])
    return {"throttle_time_ms": 0, "error_code": ErrorCode.NONE, "error_message": None, "results": results}


API = Api(KEY, "DescribeUserScramCredentials", 0, 0, REQUEST, RESPONSE, handle)
