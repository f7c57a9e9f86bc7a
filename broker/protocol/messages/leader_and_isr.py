"""LeaderAndIsr (key 4), v0-7: the ZooKeeper-mode controller tells a broker which partitions it
leads or follows.

The one declaration of these messages (Kafka's LeaderAndIsrRequest.json and
LeaderAndIsrResponse.json), up to LATEST: the broker's handler (broker/apis/leader_and_isr.py),
the ZooKeeper-mode controller that sends it (broker/zk/controller.py) and netlab's capture decoder
build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT8, INT16, INT32, INT64, STRING, UUID, Array, F, Message, Struct

NAME = "LeaderAndIsr"
LATEST = 7
KEY = 4

# Type (v5+), Kafka's AbstractControlRequest.Type: whether the request lists every partition the
# broker hosts (FULL, sent only by a KRaft controller during a ZooKeeper migration, KIP-866) or only
# some (INCREMENTAL); a ZooKeeper controller leaves it UNKNOWN.
TYPE_UNKNOWN, TYPE_INCREMENTAL, TYPE_FULL = 0, 1, 2

PARTITION_STATE = Struct(
    F("topic_name", STRING, 0, 1),
    F("partition_index", INT32),
    F("controller_epoch", INT32),
    F("leader", INT32),
    F("leader_epoch", INT32),
    F("isr", Array(INT32)),
    F("zk_version", INT32),  # Kafka's PartitionEpoch: the state znode's version
    F("replicas", Array(INT32)),
    F("adding_replicas", Array(INT32), 3),
    F("removing_replicas", Array(INT32), 3),
    F("is_new", BOOL, 1),
    F("leader_recovery_state", INT8, 6),
)

REQUEST = Message(
    Struct(
        F("controller_id", INT32),
        F("is_kraft_controller", BOOL, 7),  # KIP-866: the sender is a KRaft controller (migration)
        F("controller_epoch", INT32),
        F("broker_epoch", INT64, 2, default=-1),
        F("type", INT8, 5),
        F("ungrouped_partition_states", Array(PARTITION_STATE), 0, 1),
        F(
            "topic_states",
            Array(
                Struct(
                    F("topic_name", STRING, 2),
                    F("topic_id", UUID, 5),
                    F("partition_states", Array(PARTITION_STATE), 2),
                )
            ),
            2,
        ),
        F("live_leaders", Array(Struct(F("broker_id", INT32), F("host_name", STRING), F("port", INT32)))),
    ),
    first_flexible=4,
)

PARTITION_ERROR = Struct(F("topic_name", STRING, 0, 4), F("partition_index", INT32), F("error_code", INT16))

RESPONSE = Message(
    Struct(
        F("error_code", INT16),
        F("partition_errors", Array(PARTITION_ERROR), 0, 4),
        F(
            "topics",
            Array(Struct(F("topic_id", UUID, 5), F("partition_errors", Array(PARTITION_ERROR), 5))),
            5,
        ),
    ),
    first_flexible=4,
)


def partition_states(req: dict, version: int) -> list[tuple[str, dict]]:
    """(topic, state) pairs whatever the version's layout (ungrouped before v2, by topic since)."""
    if version < 2:
        return [(s["topic_name"], s) for s in req["ungrouped_partition_states"]]
    return [(t["topic_name"], s) for t in req["topic_states"] for s in t["partition_states"]]
