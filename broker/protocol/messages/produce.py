"""Produce (key 0): request and response as Kafka declares them, every version up to LATEST.

The one declaration of this message: the broker's handler (broker/apis/produce.py) serves a
sub-range of versions; netlab's capture layers and clients build from the same objects.
"""

from __future__ import annotations

from ..schema import INT16, INT32, INT64, RECORDS, STRING, UUID, Array, F, Message, Struct

KEY = 0
NAME = "Produce"
LATEST = 13  # the newest version declared here (Kafka 4.x)

REQUEST = Message(
    Struct(
        F("transactional_id", STRING, 3, null=3),
        F("acks", INT16),
        F("timeout_ms", INT32),
        F(
            "topic_data",
            Array(
                Struct(
                    F("name", STRING, 0, 12),
                    F("topic_id", UUID, 13),
                    F("partition_data", Array(Struct(F("index", INT32), F("records", RECORDS, null=0)))),
                )
            ),
        ),
    ),
    first_flexible=9,
)

_RECORD_ERROR = Struct(F("batch_index", INT32, 8), F("batch_index_error_message", STRING, 8, null=8))
RESPONSE = Message(
    Struct(
        F(
            "responses",
            Array(
                Struct(
                    F("name", STRING, 0, 12),
                    F("topic_id", UUID, 13),
                    F(
                        "partition_responses",
                        Array(
                            Struct(
                                F("index", INT32),
                                F("error_code", INT16),
                                F("base_offset", INT64),
                                F("log_append_time_ms", INT64, 2, default=-1),
                                F("log_start_offset", INT64, 5, default=-1),
                                F("record_errors", Array(_RECORD_ERROR), 8),
                                F("error_message", STRING, 8, null=8),
                            )
                        ),
                    ),
                )
            ),
        ),
        F("throttle_time_ms", INT32, 1),
    ),
    first_flexible=9,
)
