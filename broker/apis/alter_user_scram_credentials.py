"""AlterUserScramCredentials (key 51), v0: delete or upsert users' SCRAM-SHA-256 / SCRAM-SHA-512
credentials (KIP-554), with Kafka's validation (broker/scram_credentials.py). Needs ALTER on the
cluster (ControllerApis.handleAlterUserScramCredentials: authorizeClusterOperation(ALTER); a
refusal fails every user named, AlterUserScramCredentialsRequest.getErrorResponse).

Where they are kept is Kafka's KRaft one: the active controller validates and writes a
UserScramCredentialRecord / RemoveUserScramCredentialRecord per change to `__cluster_metadata-0`
(ScramControlManager.alterCredentials); every broker replays them. A broker that is not the
active controller forwards the request (KafkaApis: maybeForwardToController) and answers once
its own metadata has the change.

ZooKeeper mode: the receiving broker writes the user's config znode (`SCRAM-SHA-*` entries of
/config/users/<user>) and a /config/changes notification itself, with ZkAdminManager's rules
(ZkAdminManager.alterUserScramCredentials; broker/zk/scram_credentials.py).
"""

from __future__ import annotations

import base64

from .. import scram_credentials
from ..acls import ALTER, CLUSTER, CLUSTER_NAME, allowed
from ..cluster.forwarding import forward
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.alter_user_scram_credentials import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


def upsertion_to_json(u: dict) -> dict:
    """An upsertion as the forwarding call's JSON carries it (its bytes as base64)."""
    return {
        "name": u["name"],
        "mechanism": u["mechanism"],
        "iterations": u["iterations"],
        "salt": base64.b64encode(u["salt"]).decode(),
        "salted_password": base64.b64encode(u["salted_password"]).decode(),
    }


def upsertion_of_json(d: dict) -> dict:
    return dict(d, salt=base64.b64decode(d["salt"]), salted_password=base64.b64decode(d["salted_password"]))


def _answer(results: list[dict]) -> dict:
    return {"throttle_time_ms": 0, "results": results}


async def handle(ctx: RequestContext, req: dict) -> dict:
    deletions, upsertions = req["deletions"], req["upsertions"]
    if not allowed(ctx, ALTER, CLUSTER, CLUSTER_NAME):
        # ApiError.fromThrowable drops the generic message
        return _answer(
            scram_credentials.all_failed(deletions, upsertions, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, None)
        )
    node = ctx.node
    if node.zk is not None:
        try:
            return _answer(await node.zk.alter_user_scram_credentials(deletions, upsertions))
        except Exception as exc:  # ZooKeeper away (or the session lost mid-way)
            return _answer(
                scram_credentials.all_failed(
                    deletions, upsertions, ErrorCode.REQUEST_TIMED_OUT, f"ZooKeeper: {exc}"
                )
            )
    if node.controller is not None:  # the only voter of a quorum of one: its controller
        return _answer(node.controller.alter_user_scram_credentials(deletions, upsertions))
    body = {
        "deletions": [{"name": d["name"], "mechanism": d["mechanism"]} for d in deletions],
        "upsertions": [upsertion_to_json(u) for u in upsertions],
    }
    err, answer = await forward(node, "alter_user_scram_credentials", body)
    if err:
        return _answer(scram_credentials.all_failed(deletions, upsertions, err, answer.get("error")))
    return _answer(answer["results"])


API = Api(KEY, "AlterUserScramCredentials", 0, 0, REQUEST, RESPONSE, handle)
