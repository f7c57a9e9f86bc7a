"""IncrementalAlterConfigs (key 44), v0-1: SET, DELETE, APPEND or SUBTRACT single configs of a
resource.

The one declaration of these messages (Kafka's IncrementalAlterConfigsRequest.json and
IncrementalAlterConfigsResponse.json), up to LATEST: the broker's handler
(broker/apis/incremental_alter_configs.py) and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT8, STRING, Array, F, Message, Struct
from .alter_configs import RESOURCE_RESULTS

NAME = "IncrementalAlterConfigs"
LATEST = 1
KEY = 44
SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3  # config_operation

REQUEST = Message(
    Struct(
        F(
            "resources",
            Array(
                Struct(
                    F("resource_type", INT8),
                    F("resource_name", STRING),
                    F(
                        "configs",
                        Array(
                            Struct(F("name", STRING), F("config_operation", INT8), F("value", STRING, null=0))
                        ),
                    ),
                )
            ),
        ),
        F("validate_only", BOOL),
    ),
    first_flexible=1,
)
RESPONSE = Message(RESOURCE_RESULTS, first_flexible=1)
