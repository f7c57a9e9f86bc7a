"""DescribeCluster (key 60): request and response as Kafka declares them (DescribeClusterRequest.json
and DescribeClusterResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/describe_cluster.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT8, INT16, INT32, STRING, Array, F, Message, Struct

NAME = "DescribeCluster"
LATEST = 1

KEY = 60

BROKERS = 1  # endpoint_type (KIP-919)
CONTROLLERS = 2

NO_AUTHORIZED_OPS = -2147483648

REQUEST = Message(
    Struct(
        F("include_cluster_authorized_operations", BOOL),
        F("endpoint_type", INT8, 1, default=BROKERS),
    ),
    first_flexible=0,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16),
        F("error_message", STRING, null=0),
        F("endpoint_type", INT8, 1, default=BROKERS),
        F("cluster_id", STRING),
        F("controller_id", INT32, default=-1),
        F(
            "brokers",
            Array(
                Struct(F("broker_id", INT32), F("host", STRING), F("port", INT32), F("rack", STRING, null=0))
            ),
        ),
        F("cluster_authorized_operations", INT32, default=NO_AUTHORIZED_OPS),
    ),
    first_flexible=0,
)
