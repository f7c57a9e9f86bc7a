"""BrokerHeartbeat (key 63): request and response as Kafka declares them (BrokerHeartbeatRequest.json
and BrokerHeartbeatResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/broker_heartbeat.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT16, INT32, INT64, UUID, Array, F, Message, Struct

NAME = "BrokerHeartbeat"
LATEST = 1

KEY = 63

REQUEST = Message(
    Struct(
        F("broker_id", INT32),
        F("broker_epoch", INT64),
        F("current_metadata_offset", INT64),
        F("want_fence", BOOL),
        F("want_shut_down", BOOL),
        F("offline_log_dirs", Array(UUID), 1, tag=0),
    ),
    first_flexible=0,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16),
        F("is_caught_up", BOOL),
        F("is_fenced", BOOL, default=True),
        F("should_shut_down", BOOL),
    ),
    first_flexible=0,
)
