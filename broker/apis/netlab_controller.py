"""NetlabController (key 32000, ours, not Kafka's): the broker-to-controller calls for which we
do not speak Kafka's own RPCs (metadata itself brokers fetch from `__cluster_metadata-0`). One
JSON request/response, Kafka-framed, on the controller listener only (docs/cluster.md):

- `create_topics` {topics: [{name, partitions, replication_factor, configs, assignments}]}
  (Kafka forwards CreateTopics to the controller as an Envelope);
- `delete_topics` {names};
- `create_partitions` {name, count, assignments} (apis/create_partitions.py);
- `alter_topic_configs` {name, configs} (broker/topic_config_changes.py);
- `elect_leaders` {topic_partitions, unclean} (apis/elect_leaders.py);
- `alter_reassignments` {topics} (apis/alter_partition_reassignments.py);
- `alter_broker_configs` {resource, configs} (broker/dynamic_broker_configs.py);
- `create_acls` {acls}, `delete_acls` {filters} (broker/acls.py);
- `alter_client_quotas` {entries, validate_only} (apis/alter_client_quotas.py; Kafka forwards
  AlterClientQuotas itself);
- `alter_user_scram_credentials` {deletions, upsertions (salt and salted_password base64)}
  (apis/alter_user_scram_credentials.py; Kafka forwards AlterUserScramCredentials itself);
- `alter_partition` {broker_id, topic, partition, leader_epoch, isr} (Kafka: AlterPartition, key 56).

Served only by the active controller, from its own state (Kafka's ControllerApis on the active
QuorumController), the same for the only voter of a quorum of one and for the leader of several.
"""

from __future__ import annotations

import json

from .. import acls, dynamic_broker_configs, topic_config_changes
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT16, STRING, F, Message, Struct
from ..raft.quorum_controller import active_controller
from ..request_context import RequestContext
from . import (
    alter_partition_reassignments,
    alter_user_scram_credentials,
    create_partitions,
    describe_acls,
    elect_leaders,
)

KEY = 32000

REQUEST = Message(Struct(F("op", STRING), F("body", STRING)), first_flexible=0)
RESPONSE = Message(Struct(F("error_code", INT16), F("body", STRING)), first_flexible=0)


async def _create(node, topics: list[dict]) -> list[dict]:
    out = []
    for t in topics:  # logs of the controller's own replicas made off the event loop
        err, msg, info = await node.topic_admin.create_async(
            t["name"],
            t["partitions"],
            t["replication_factor"],
            t.get("configs") or None,
            assignments=t.get("assignments"),
        )
        out.append(
            {
                "name": t["name"],
                "error_code": int(err),
                "error_message": msg,
                "topic_id": str(info.topic_id) if info else None,
            }
        )
    return out


async def handle(ctx: RequestContext, req: dict) -> dict:
    controller = active_controller(ctx.node)
    if controller is None:
        return {"error_code": ErrorCode.NOT_CONTROLLER, "body": "{}"}
    body = json.loads(req["body"] or "{}")
    op = req["op"]
    quorum = ctx.node.controller is None  # the active controller of a quorum of several
    if op == "create_topics":
        created = (
            controller.create_topics(body["topics"]) if quorum else await _create(ctx.node, body["topics"])
        )
        return {
            "error_code": ErrorCode.NONE,
            "body": json.dumps({"topics": created, "version": controller.version}),
        }
    if op == "delete_topics":
        delete = controller.delete_topic if quorum else ctx.node.topic_admin.delete
        res = {n: int(delete(n)) for n in body["names"]}
        return {
            "error_code": ErrorCode.NONE,
            "body": json.dumps({"results": res, "version": controller.version}),
        }
    if op == "create_partitions":
        err, msg = create_partitions.apply(controller, body["name"], body["count"], body["assignments"])
        answer = {"error_code": int(err), "error_message": msg, "version": controller.version}
        return {"error_code": ErrorCode.NONE, "body": json.dumps(answer)}
    if op == "alter_topic_configs":
        err, msg = topic_config_changes.apply(ctx.node, controller, body["name"], body["configs"])
        answer = {"error_code": int(err), "error_message": msg, "version": controller.version}
        return {"error_code": ErrorCode.NONE, "body": json.dumps(answer)}
    if op == "elect_leaders":
        results = elect_leaders.elect(controller, body["topic_partitions"], body["unclean"])
        answer = {"results": results, "version": controller.version}
        return {"error_code": ErrorCode.NONE, "body": json.dumps(answer)}
    if op == "alter_reassignments":
        responses = alter_partition_reassignments.alter(controller, body["topics"])
        answer = {"responses": responses, "version": controller.version}
        return {"error_code": ErrorCode.NONE, "body": json.dumps(answer)}
    if op == "alter_broker_configs":
        err, msg = dynamic_broker_configs.apply(ctx.node, controller, body["resource"], body["configs"])
        answer = {"error_code": int(err), "error_message": msg, "version": controller.version}
        return {"error_code": ErrorCode.NONE, "body": json.dumps(answer)}
    if op == "create_acls":
        controller.add_acls([acls.binding_from_json(d) for d in body["acls"]])
        return {"error_code": ErrorCode.NONE, "body": json.dumps({"version": controller.version})}
    if op == "delete_acls":
        gone = controller.delete_acls([describe_acls.filter_of(f) for f in body["filters"]])
        answer = {"removed": [[b.to_json() for b in g] for g in gone], "version": controller.version}
        return {"error_code": ErrorCode.NONE, "body": json.dumps(answer)}
    if op == "alter_client_quotas":
        entries = controller.alter_client_quotas(body["entries"], body["validate_only"])
        answer = {"entries": entries, "version": controller.version}
        return {"error_code": ErrorCode.NONE, "body": json.dumps(answer)}
    if op == "alter_user_scram_credentials":
        upsertions = [alter_user_scram_credentials.upsertion_of_json(u) for u in body["upsertions"]]
        results = controller.alter_user_scram_credentials(body["deletions"], upsertions)
        answer = {"results": results, "version": controller.version}
        return {"error_code": ErrorCode.NONE, "body": json.dumps(answer)}
    if op == "alter_partition":
        err = controller.alter_partition(
            body["broker_id"], body["topic"], body["partition"], body["leader_epoch"], body["isr"]
        )
        return {"error_code": err, "body": json.dumps({"version": controller.version})}
    return {"error_code": ErrorCode.INVALID_REQUEST, "body": json.dumps({"error": f"unknown op {op!r}"})}


API = Api(KEY, "NetlabController", 0, 0, REQUEST, RESPONSE, handle, controller_only=True)
