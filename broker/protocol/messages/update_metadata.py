"""UpdateMetadata (key 6), v0-8: the ZooKeeper-mode controller sends every broker the live brokers
(each listener's advertised endpoint) and every partition's leader and ISR.

The one declaration of these messages (Kafka's UpdateMetadataRequest.json and
UpdateMetadataResponse.json), up to LATEST: the broker's handler (broker/apis/update_metadata.py),
the ZooKeeper-mode controller that sends it (broker/zk/controller.py) and netlab's capture decoder
build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT8, INT16, INT32, INT64, STRING, UUID, Array, F, Message, Struct

NAME = "UpdateMetadata"
LATEST = 8
KEY = 6

# Type (v8+, tagged), Kafka's AbstractControlRequest.Type: FULL (2) is a whole-metadata snapshot
# from a KRaft controller during a ZooKeeper migration (KIP-866); a ZooKeeper controller sends
# UNKNOWN (0).
TYPE_UNKNOWN, TYPE_INCREMENTAL, TYPE_FULL = 0, 1, 2

PARTITION_STATE = Struct(
    F("topic_name", STRING, 0, 4),
    F("partition_index", INT32),
    F("controller_epoch", INT32),
    F("leader", INT32),
    F("leader_epoch", INT32),
    F("isr", Array(INT32)),
    F("zk_version", INT32),
    F("replicas", Array(INT32)),
    F("offline_replicas", Array(INT32), 4),
)

REQUEST = Message(
    Struct(
        F("controller_id", INT32),
        F("is_kraft_controller", BOOL, 8),  # KIP-866: the sender is a KRaft controller (migration)
        F("type", INT8, 8, tag=0),
        F("controller_epoch", INT32),
        F("broker_epoch", INT64, 5, default=-1),
        F("ungrouped_partition_states", Array(PARTITION_STATE), 0, 4),
        F(
            "topic_states",
            Array(
                Struct(
                    F("topic_name", STRING, 5),
                    F("topic_id", UUID, 7),
                    F("partition_states", Array(PARTITION_STATE), 5),
                )
            ),
            5,
        ),
        F(
            "live_brokers",
            Array(
                Struct(
                    F("id", INT32),
                    F("v0_host", STRING, 0, 0),
                    F("v0_port", INT32, 0, 0),
                    F(
                        "endpoints",
                        Array(
                            Struct(
                                F("port", INT32),
                                F("host", STRING),
                                F("listener", STRING, 3),
                                F("security_protocol", INT16),
                            )
                        ),
                        1,
                    ),
                    F("rack", STRING, 2, null=0),
                )
            ),
        ),
    ),
    first_flexible=6,
)

RESPONSE = Message(Struct(F("error_code", INT16)), first_flexible=6)


def partition_states(req: dict, version: int) -> list[tuple[str, dict]]:
    """(topic, state) pairs whatever the version's layout (ungrouped before v5, by topic since)."""
    if version < 5:
        return [(s["topic_name"], s) for s in req["ungrouped_partition_states"]]
    return [(t["topic_name"], s) for t in req["topic_states"] for s in t["partition_states"]]
