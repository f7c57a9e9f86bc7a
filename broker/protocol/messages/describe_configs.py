"""DescribeConfigs (key 32): request and response as Kafka declares them (DescribeConfigsRequest.json
and DescribeConfigsResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/describe_configs.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT8, INT16, INT32, STRING, Array, F, Message, Struct

NAME = "DescribeConfigs"
LATEST = 4

KEY = 32

REQUEST = Message(
    Struct(
        F(
            "resources",
            Array(
                Struct(
                    F("resource_type", INT8),
                    F("resource_name", STRING),
                    F("configuration_keys", Array(STRING), null=0),
                )
            ),
        ),
        F("include_synonyms", BOOL, 1),
        F("include_documentation", BOOL, 3),
    ),
    first_flexible=4,
)

_SYNONYM = Struct(F("name", STRING, 1), F("value", STRING, 1, null=0), F("source", INT8, 1))

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F(
            "results",
            Array(
                Struct(
                    F("error_code", INT16),
                    F("error_message", STRING, null=0),
                    F("resource_type", INT8),
                    F("resource_name", STRING),
                    F(
                        "configs",
                        Array(
                            Struct(
                                F("name", STRING),
                                F("value", STRING, null=0),
                                F("read_only", BOOL),
                                F("config_source", INT8, 1, default=-1),
                                F("is_default", BOOL, 0, 0),
                                F("is_sensitive", BOOL),
                                F("synonyms", Array(_SYNONYM), 1),
                                F("config_type", INT8, 3),
                                F("documentation", STRING, 3, null=0),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=4,
)
