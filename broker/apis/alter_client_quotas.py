"""AlterClientQuotas (key 49), v0–1: set or remove quotas of user, client-id, <user, client-id>
and ip entities (their defaults too: a null name), with Kafka's validation
(broker/client_quotas.py). Needs ALTER_CONFIGS on the cluster (KafkaApis / ControllerApis).

Where they are kept is Kafka's:
- KRaft: the active controller validates and writes a ClientQuotaRecord per changed key to
  `__cluster_metadata-0` (ControllerApis.handleAlterClientQuotas -> ClientQuotaControlManager);
  every broker replays them. A broker that is not the active controller forwards the request
  (KafkaApis: maybeForwardToController), validate_only too, and answers once its own metadata
  has the change.
- ZooKeeper mode: the receiving broker writes the entity's znode and a /config/changes
  notification itself (ZkAdminManager.alterClientQuotas; broker/zk/client_quotas.py).
"""

from __future__ import annotations

from ..acls import ALTER_CONFIGS, CLUSTER, CLUSTER_NAME, allowed
from ..cluster.forwarding import forward
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.alter_client_quotas import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext

CLUSTER_DENIED = "Cluster authorization failed."  # Errors.CLUSTER_AUTHORIZATION_FAILED's message


def _all_failed(req: dict, code: int, message: str | None) -> dict:
    """AlterClientQuotasRequest.getErrorResponse: every entry, as sent, with the error."""
    entries = [{"error_code": code, "error_message": message, "entity": e["entity"]} for e in req["entries"]]
    return {"throttle_time_ms": 0, "entries": entries}


async def handle(ctx: RequestContext, req: dict) -> dict:
    if not allowed(ctx, ALTER_CONFIGS, CLUSTER, CLUSTER_NAME):
        return _all_failed(req, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, CLUSTER_DENIED)
    node = ctx.node
    entries, validate_only = req["entries"], req["validate_only"]
    if node.zk is not None:
        try:
            out = await node.zk.alter_client_quotas(entries, validate_only)
        except Exception as exc:  # ZooKeeper away (or the session lost mid-way)
            return _all_failed(req, ErrorCode.REQUEST_TIMED_OUT, f"ZooKeeper: {exc}")
    elif node.controller is not None:  # the only voter of a quorum of one: its controller
        out = node.controller.alter_client_quotas(entries, validate_only)
    else:
        err, answer = await forward(
            node, "alter_client_quotas", {"entries": entries, "validate_only": validate_only}
        )
        if err:
            return _all_failed(req, err, answer.get("error"))
        out = answer["entries"]
    return {"throttle_time_ms": 0, "entries": out}


API = Api(KEY, "AlterClientQuotas", 0, 1, REQUEST, RESPONSE, handle)
