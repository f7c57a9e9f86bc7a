"""Fetch (key 1): request and response as Kafka declares them, every version up to LATEST.

The one declaration of this message: the broker's handler (broker/apis/fetch.py) serves a
sub-range of versions; netlab's capture layers and clients build from the same objects.
"""

from __future__ import annotations

from ..schema import INT8, INT16, INT32, INT64, RECORDS, STRING, UUID, Array, F, Message, Struct

KEY = 1
NAME = "Fetch"
LATEST = 18  # the newest version declared here (Kafka 4.x)
_REPLICA_STATE = Struct(F("replica_id", INT32, 15, default=-1), F("replica_epoch", INT64, 15, default=-1))

REQUEST = Message(
    Struct(
        F("cluster_id", STRING, 12, null=12, tag=0),
        F("replica_id", INT32, 0, 14, default=-1),
        F("replica_state", _REPLICA_STATE, 15, tag=1),  # KIP-903: replaces replica_id from v15
        F("max_wait_ms", INT32),
        F("min_bytes", INT32),
        F("max_bytes", INT32, 3, default=0x7FFFFFFF),
        F("isolation_level", INT8, 4),
        F("session_id", INT32, 7),
        F("session_epoch", INT32, 7, default=-1),
        F(
            "topics",
            Array(
                Struct(
                    F("topic", STRING, 0, 12),
                    F("topic_id", UUID, 13),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition", INT32),
                                F("current_leader_epoch", INT32, 9, default=-1),
                                F("fetch_offset", INT64),
                                F("last_fetched_epoch", INT32, 12, default=-1),
                                F("log_start_offset", INT64, 5, default=-1),
                                F("partition_max_bytes", INT32),
                            )
                        ),
                    ),
                )
            ),
        ),
        F(
            "forgotten_topics_data",
            Array(
                Struct(F("topic", STRING, 7, 12), F("topic_id", UUID, 13), F("partitions", Array(INT32), 7))
            ),
            7,
        ),
        F("rack_id", STRING, 11),
    ),
    first_flexible=12,
)

_EPOCH_END = Struct(F("epoch", INT32, default=-1), F("end_offset", INT64, default=-1))
_LEADER = Struct(F("leader_id", INT32, default=-1), F("leader_epoch", INT32, default=-1))
_ABORTED = Struct(F("producer_id", INT64, 4), F("first_offset", INT64, 4))
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F("error_code", INT16, 7),
        F("session_id", INT32, 7),
        F(
            "responses",
            Array(
                Struct(
                    F("topic", STRING, 0, 12),
                    F("topic_id", UUID, 13),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition_index", INT32),
                                F("error_code", INT16),
                                F("high_watermark", INT64),
                                F("last_stable_offset", INT64, 4, default=-1),
                                F("log_start_offset", INT64, 5, default=-1),
                                F("aborted_transactions", Array(_ABORTED), 4, null=4),
                                F("preferred_read_replica", INT32, 11, default=-1),
                                F("records", RECORDS, null=0),
                                # KRaft's fields (KIP-595), tagged in v12+
                                F("diverging_epoch", _EPOCH_END, 12, tag=0),
                                F("current_leader", _LEADER, 12, tag=1),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=12,
)
