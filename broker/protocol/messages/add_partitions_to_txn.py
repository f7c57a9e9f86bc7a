"""AddPartitionsToTxn (key 24): request and response as Kafka declares them
(AddPartitionsToTxnRequest.json and AddPartitionsToTxnResponse.json), every version up to LATEST
(the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/add_partitions_to_txn.py)
and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT16, INT32, INT64, STRING, Array, F, Message, Struct

NAME = "AddPartitionsToTxn"
LATEST = 4

KEY = 24

_TOPIC = Struct(F("name", STRING), F("partitions", Array(INT32)))

REQUEST = Message(
    Struct(
        F(
            "transactions",
            Array(
                Struct(
                    F("transactional_id", STRING),
                    F("producer_id", INT64),
                    F("producer_epoch", INT16),
                    F("verify_only", BOOL),
                    F("topics", Array(_TOPIC)),
                )
            ),
            4,
        ),
        F("v3_and_below_transactional_id", STRING, 0, 3),
        F("v3_and_below_producer_id", INT64, 0, 3),
        F("v3_and_below_producer_epoch", INT16, 0, 3),
        F("v3_and_below_topics", Array(_TOPIC), 0, 3),
    ),
    first_flexible=3,
)

_TOPIC_RESULT = Struct(
    F("name", STRING),
    F("results_by_partition", Array(Struct(F("partition_index", INT32), F("partition_error_code", INT16)))),
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16, 4),
        F(
            "results_by_transaction",
            Array(Struct(F("transactional_id", STRING), F("topic_results", Array(_TOPIC_RESULT)))),
            4,
        ),
        F("results_by_topic_v3_and_below", Array(_TOPIC_RESULT), 0, 3),
    ),
    first_flexible=3,
)
