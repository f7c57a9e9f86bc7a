"""AlterConfigs (key 33), v0-2: set a resource's configs (the legacy form: the given set replaces
the old one).

The one declaration of these messages (Kafka's AlterConfigsRequest.json and
AlterConfigsResponse.json), up to LATEST: the broker's handler (broker/apis/alter_configs.py)
and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT8, INT16, INT32, STRING, Array, F, Message, Struct

NAME = "AlterConfigs"
LATEST = 2
KEY = 33

REQUEST = Message(
    Struct(
        F(
            "resources",
            Array(
                Struct(
                    F("resource_type", INT8),
                    F("resource_name", STRING),
                    F("configs", Array(Struct(F("name", STRING), F("value", STRING, null=0)))),
                )
            ),
        ),
        F("validate_only", BOOL),
    ),
    first_flexible=2,
)
# one result per resource; IncrementalAlterConfigs answers with the same body
RESOURCE_RESULTS = Struct(
    F("throttle_time_ms", INT32),
    F(
        "responses",
        Array(
            Struct(
                F("error_code", INT16),
                F("error_message", STRING, null=0),
                F("resource_type", INT8),
                F("resource_name", STRING),
            )
        ),
    ),
)
RESPONSE = Message(RESOURCE_RESULTS, first_flexible=2)
