"""DescribeClientQuotas (key 48), v0–1: the quota entities matching a filter (match type 0: this
name, 1: the default entity, 2: any entity of the type; strict: no other entity types), with
Kafka's checks of the filter (broker/client_quotas.describe). Needs DESCRIBE_CONFIGS on the
cluster. Answered by any broker: in KRaft from its replayed metadata (KRaftMetadataCache ->
ClientQuotasImage.describe), in ZooKeeper mode from the entity znodes
(ZkAdminManager.describeClientQuotas)."""

from __future__ import annotations

from .. import client_quotas
from ..acls import CLUSTER, CLUSTER_NAME, DESCRIBE_CONFIGS, allowed
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.describe_client_quotas import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


def _failed(code: int, message: str | None) -> dict:
    return {"throttle_time_ms": 0, "error_code": code, "error_message": message, "entries": None}


async def handle(ctx: RequestContext, req: dict) -> dict:
    if not allowed(ctx, DESCRIBE_CONFIGS, CLUSTER, CLUSTER_NAME):
        return _failed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, None)
    node = ctx.node
    table = node.client_quotas
    if node.zk is not None:
        try:
            table = await node.zk.client_quota_table()
        except Exception as exc:  # ZooKeeper away
            return _failed(ErrorCode.REQUEST_TIMED_OUT, f"ZooKeeper: {exc}")
    try:
        entries = client_quotas.describe(table, req["components"], req["strict"], zk=node.zk is not None)
    except client_quotas.QuotaError as exc:
        return _failed(exc.code, exc.message)
    return {"throttle_time_ms": 0, "error_code": ErrorCode.NONE, "error_message": None, "entries": entries}


API = Api(KEY, "DescribeClientQuotas", 0, 1, REQUEST, RESPONSE, handle)
