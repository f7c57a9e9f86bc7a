"""Metadata (key 3): request and response as Kafka declares them, every version up to LATEST.

The one declaration of this message: the broker's handler (broker/apis/metadata.py) serves a
sub-range of versions; netlab's capture layers and clients build from the same objects.
"""

from __future__ import annotations

from ..schema import BOOL, INT16, INT32, STRING, UUID, Array, F, Message, Struct

KEY = 3
NAME = "Metadata"
LATEST = 13  # the newest version declared here (Kafka 4.x)
NO_AUTHORIZED_OPS = -2147483648

REQUEST = Message(
    Struct(
        F("topics", Array(Struct(F("topic_id", UUID, 10), F("name", STRING, null=10))), null=1),
        F("allow_auto_topic_creation", BOOL, 4, default=True),
        F("include_cluster_authorized_operations", BOOL, 8, 10),
        F("include_topic_authorized_operations", BOOL, 8),
    ),
    first_flexible=9,
)

_BROKER = Struct(F("node_id", INT32), F("host", STRING), F("port", INT32), F("rack", STRING, 1, null=1))
_PARTITION = Struct(
    F("error_code", INT16),
    F("partition_index", INT32),
    F("leader_id", INT32),
    F("leader_epoch", INT32, 7, default=-1),
    F("replica_nodes", Array(INT32)),
    F("isr_nodes", Array(INT32)),
    F("offline_replicas", Array(INT32), 5),
)
_TOPIC = Struct(
    F("error_code", INT16),
    F("name", STRING, null=12),
    F("topic_id", UUID, 10),
    F("is_internal", BOOL, 1),
    F("partitions", Array(_PARTITION)),
    F("topic_authorized_operations", INT32, 8, default=NO_AUTHORIZED_OPS),
)
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 3),
        F("brokers", Array(_BROKER)),
        F("cluster_id", STRING, 2, null=2),
        F("controller_id", INT32, 1, default=-1),
        F("topics", Array(_TOPIC)),
        F("cluster_authorized_operations", INT32, 8, 10, default=NO_AUTHORIZED_OPS),
        F("error_code", INT16, 13),
    ),
    first_flexible=9,
)
