"""BrokerRegistration (key 62): request and response as Kafka declares them
(BrokerRegistrationRequest.json and BrokerRegistrationResponse.json), every version up to LATEST
(the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/broker_registration.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT16, INT32, INT64, STRING, UINT16, UUID, Array, F, Message, Struct

NAME = "BrokerRegistration"
LATEST = 3

KEY = 62

REQUEST = Message(
    Struct(
        F("broker_id", INT32),
        F("cluster_id", STRING),
        F("incarnation_id", UUID),
        F(
            "listeners",
            Array(
                Struct(F("name", STRING), F("host", STRING), F("port", UINT16), F("security_protocol", INT16))
            ),
        ),
        F(
            "features",
            Array(
                Struct(
                    F("name", STRING), F("min_supported_version", INT16), F("max_supported_version", INT16)
                )
            ),
        ),
        F("rack", STRING, null=0),
        F("is_migrating_zk_broker", BOOL, 1),
        F("log_dirs", Array(UUID), 2),
        F("previous_broker_epoch", INT64, 3, default=-1),
    ),
    first_flexible=0,
)

RESPONSE = Message(
    Struct(F("throttle_time_ms", INT32), F("error_code", INT16), F("broker_epoch", INT64, default=-1)),
    first_flexible=0,
)
