"""The Kafka APIs netlab decodes, as data: field name, wire type, versions it exists in.

Written from the Kafka protocol's published message definitions (facts: names, types, version
ranges); tagged fields are not listed because every flexible structure ends in a generic
tagged-field section that keeps them raw. layers.py turns these tables into scapy classes.

Type notation: "int8" "int16" "int32" "int64" "bool" "uuid" "string" "bytes" "records";
``["int32"]`` is an array of int32; a list of fields is an array of structs.
``null`` names the versions in which a string/bytes/array may be null (wire form is the same,
the decoder accepts null everywhere; it matters when encoding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class F:
    name: str
    type: Any
    versions: str = "0+"
    null: str | None = None

    def in_version(self, version: int) -> bool:
        return version_in(self.versions, version)


def version_in(spec: str, version: int) -> bool:
    """'3+' | '0-3' | '1' -> whether version is in it."""
    if spec.endswith("+"):
        return version >= int(spec[:-1])
    if "-" in spec:
        lo, hi = spec.split("-")
        return int(lo) <= version <= int(hi)
    return version == int(spec)


@dataclass(frozen=True)
class Api:
    key: int
    name: str
    max_version: int
    first_flexible: int  # first version using compact types + tagged fields
    request: tuple[F, ...]
    response: tuple[F, ...]

    def flexible(self, version: int) -> bool:
        return version >= self.first_flexible


API_VERSIONS = Api(
    18,
    "ApiVersions",
    4,
    3,
    request=(F("client_software_name", "string", "3+"), F("client_software_version", "string", "3+")),
    response=(
        F("error_code", "int16"),
        F("api_keys", [F("api_key", "int16"), F("min_version", "int16"), F("max_version", "int16")]),
        F("throttle_time_ms", "int32", "1+"),
    ),
)

METADATA = Api(
    3,
    "Metadata",
    13,
    9,
    request=(
        F("topics", [F("topic_id", "uuid", "10+"), F("topic", "string", null="10+")], null="1+"),
        F("allow_auto_topic_creation", "bool", "4+"),
        F("include_cluster_authorized_operations", "bool", "8-10"),
        F("include_topic_authorized_operations", "bool", "8+"),
    ),
    response=(
        F("throttle_time_ms", "int32", "3+"),
        F(
            "brokers",
            [
                F("node_id", "int32"),
                F("host", "string"),
                F("port", "int32"),
                F("rack", "string", "1+", null="1+"),
            ],
        ),
        F("cluster_id", "string", "2+", null="2+"),
        F("controller_id", "int32", "1+"),
        F(
            "topics",
            [
                F("error_code", "int16"),
                F("topic", "string", null="12+"),
                F("topic_id", "uuid", "10+"),
                F("is_internal", "bool", "1+"),
                F(
                    "partitions",
                    [
                        F("error_code", "int16"),
                        F("partition_index", "int32"),
                        F("leader_id", "int32"),
                        F("leader_epoch", "int32", "7+"),
                        F("replica_nodes", ["int32"]),
                        F("isr_nodes", ["int32"]),
                        F("offline_replicas", ["int32"], "5+"),
                    ],
                ),
                F("topic_authorized_operations", "int32", "8+"),
            ],
        ),
        F("cluster_authorized_operations", "int32", "8-10"),
        F("error_code", "int16", "13+"),
    ),
)

FIND_COORDINATOR = Api(
    10,
    "FindCoordinator",
    6,
    3,
    request=(F("key", "string", "0-3"), F("key_type", "int8", "1+"), F("coordinator_keys", ["string"], "4+")),
    response=(
        F("throttle_time_ms", "int32", "1+"),
        F("error_code", "int16", "0-3"),
        F("error_message", "string", "1-3", null="1-3"),
        F("node_id", "int32", "0-3"),
        F("host", "string", "0-3"),
        F("port", "int32", "0-3"),
        F(
            "coordinators",
            [
                F("key", "string"),
                F("node_id", "int32"),
                F("host", "string"),
                F("port", "int32"),
                F("error_code", "int16"),
                F("error_message", "string", null="4+"),
            ],
            "4+",
        ),
    ),
)

JOIN_GROUP = Api(
    11,
    "JoinGroup",
    9,
    6,
    request=(
        F("group_id", "string"),
        F("session_timeout_ms", "int32"),
        F("rebalance_timeout_ms", "int32", "1+"),
        F("member_id", "string"),
        F("group_instance_id", "string", "5+", null="5+"),
        F("protocol_type", "string"),
        F("protocols", [F("protocol", "string"), F("metadata", "bytes")]),
        F("reason", "string", "8+", null="8+"),
    ),
    response=(
        F("throttle_time_ms", "int32", "2+"),
        F("error_code", "int16"),
        F("generation_id", "int32"),
        F("protocol_type", "string", "7+", null="7+"),
        F("protocol_name", "string", null="7+"),
        F("leader", "string"),
        F("skip_assignment", "bool", "9+"),
        F("member_id", "string"),
        F(
            "members",
            [
                F("member_id", "string"),
                F("group_instance_id", "string", "5+", null="5+"),
                F("metadata", "bytes"),
            ],
        ),
    ),
)

HEARTBEAT = Api(
    12,
    "Heartbeat",
    4,
    4,
    request=(
        F("group_id", "string"),
        F("generation_id", "int32"),
        F("member_id", "string"),
        F("group_instance_id", "string", "3+", null="3+"),
    ),
    response=(F("throttle_time_ms", "int32", "1+"), F("error_code", "int16")),
)

LEAVE_GROUP = Api(
    13,
    "LeaveGroup",
    5,
    4,
    request=(
        F("group_id", "string"),
        F("member_id", "string", "0-2"),
        F(
            "members",
            [
                F("member_id", "string"),
                F("group_instance_id", "string", null="3+"),
                F("reason", "string", "5+", null="5+"),
            ],
            "3+",
        ),
    ),
    response=(
        F("throttle_time_ms", "int32", "1+"),
        F("error_code", "int16"),
        F(
            "members",
            [F("member_id", "string"), F("group_instance_id", "string", null="3+"), F("error_code", "int16")],
            "3+",
        ),
    ),
)

SYNC_GROUP = Api(
    14,
    "SyncGroup",
    5,
    4,
    request=(
        F("group_id", "string"),
        F("generation_id", "int32"),
        F("member_id", "string"),
        F("group_instance_id", "string", "3+", null="3+"),
        F("protocol_type", "string", "5+", null="5+"),
        F("protocol_name", "string", "5+", null="5+"),
        F("assignments", [F("member_id", "string"), F("assignment", "bytes")]),
    ),
    response=(
        F("throttle_time_ms", "int32", "1+"),
        F("error_code", "int16"),
        F("protocol_type", "string", "5+", null="5+"),
        F("protocol_name", "string", "5+", null="5+"),
        F("assignment", "bytes"),
    ),
)

OFFSET_COMMIT = Api(
    8,
    "OffsetCommit",
    10,
    8,
    request=(
        F("group_id", "string"),
        F("generation_id", "int32", "1+"),
        F("member_id", "string", "1+"),
        F("group_instance_id", "string", "7+", null="7+"),
        F("retention_time_ms", "int64", "2-4"),
        F(
            "topics",
            [
                F("topic", "string", "0-9"),
                F("topic_id", "uuid", "10+"),
                F(
                    "partitions",
                    [
                        F("partition_index", "int32"),
                        F("committed_offset", "int64"),
                        F("committed_leader_epoch", "int32", "6+"),
                        F("commit_timestamp", "int64", "1"),
                        F("committed_metadata", "string", null="0+"),
                    ],
                ),
            ],
        ),
    ),
    response=(
        F("throttle_time_ms", "int32", "3+"),
        F(
            "topics",
            [
                F("topic", "string", "0-9"),
                F("topic_id", "uuid", "10+"),
                F("partitions", [F("partition_index", "int32"), F("error_code", "int16")]),
            ],
        ),
    ),
)

OFFSET_FETCH = Api(
    9,
    "OffsetFetch",
    10,
    6,
    request=(
        F("group_id", "string", "0-7"),
        F("topics", [F("topic", "string"), F("partition_indexes", ["int32"])], "0-7", null="2-7"),
        F(
            "groups",
            [
                F("group_id", "string"),
                F("member_id", "string", "9+", null="9+"),
                F("member_epoch", "int32", "9+"),
                F(
                    "topics",
                    [
                        F("topic", "string", "8-9"),
                        F("topic_id", "uuid", "10+"),
                        F("partition_indexes", ["int32"]),
                    ],
                    null="8+",
                ),
            ],
            "8+",
        ),
        F("require_stable", "bool", "7+"),
    ),
    response=(
        F("throttle_time_ms", "int32", "3+"),
        F(
            "topics",
            [
                F("topic", "string"),
                F(
                    "partitions",
                    [
                        F("partition_index", "int32"),
                        F("committed_offset", "int64"),
                        F("committed_leader_epoch", "int32", "5+"),
                        F("metadata", "string", null="0+"),
                        F("error_code", "int16"),
                    ],
                ),
            ],
            "0-7",
        ),
        F("error_code", "int16", "2-7"),
        F(
            "groups",
            [
                F("group_id", "string"),
                F(
                    "topics",
                    [
                        F("topic", "string", "8-9"),
                        F("topic_id", "uuid", "10+"),
                        F(
                            "partitions",
                            [
                                F("partition_index", "int32"),
                                F("committed_offset", "int64"),
                                F("committed_leader_epoch", "int32"),
                                F("metadata", "string", null="8+"),
                                F("error_code", "int16"),
                            ],
                        ),
                    ],
                ),
                F("error_code", "int16"),
            ],
            "8+",
        ),
    ),
)

PRODUCE = Api(
    0,
    "Produce",
    13,
    9,
    request=(
        F("transactional_id", "string", "3+", null="3+"),
        F("acks", "int16"),
        F("timeout_ms", "int32"),
        F(
            "topic_data",
            [
                F("topic", "string", "0-12"),
                F("topic_id", "uuid", "13+"),
                F("partition_data", [F("index", "int32"), F("records", "records", null="0+")]),
            ],
        ),
    ),
    response=(
        F(
            "responses",
            [
                F("topic", "string", "0-12"),
                F("topic_id", "uuid", "13+"),
                F(
                    "partition_responses",
                    [
                        F("index", "int32"),
                        F("error_code", "int16"),
                        F("base_offset", "int64"),
                        F("log_append_time_ms", "int64", "2+"),
                        F("log_start_offset", "int64", "5+"),
                        F(
                            "record_errors",
                            [F("batch_index", "int32"), F("batch_index_error_message", "string", null="8+")],
                            "8+",
                        ),
                        F("error_message", "string", "8+", null="8+"),
                    ],
                ),
            ],
        ),
        F("throttle_time_ms", "int32", "1+"),
    ),
)

FETCH = Api(
    1,
    "Fetch",
    18,
    12,
    request=(
        F("replica_id", "int32", "0-14"),
        F("max_wait_ms", "int32"),
        F("min_bytes", "int32"),
        F("max_bytes", "int32", "3+"),
        F("isolation_level", "int8", "4+"),
        F("session_id", "int32", "7+"),
        F("session_epoch", "int32", "7+"),
        F(
            "topics",
            [
                F("topic", "string", "0-12"),
                F("topic_id", "uuid", "13+"),
                F(
                    "partitions",
                    [
                        F("partition", "int32"),
                        F("current_leader_epoch", "int32", "9+"),
                        F("fetch_offset", "int64"),
                        F("last_fetched_epoch", "int32", "12+"),
                        F("log_start_offset", "int64", "5+"),
                        F("partition_max_bytes", "int32"),
                    ],
                ),
            ],
        ),
        F(
            "forgotten_topics_data",
            [F("topic", "string", "7-12"), F("topic_id", "uuid", "13+"), F("partitions", ["int32"])],
            "7+",
        ),
        F("rack_id", "string", "11+"),
    ),
    response=(
        F("throttle_time_ms", "int32", "1+"),
        F("error_code", "int16", "7+"),
        F("session_id", "int32", "7+"),
        F(
            "responses",
            [
                F("topic", "string", "0-12"),
                F("topic_id", "uuid", "13+"),
                F(
                    "partitions",
                    [
                        F("partition_index", "int32"),
                        F("error_code", "int16"),
                        F("high_watermark", "int64"),
                        F("last_stable_offset", "int64", "4+"),
                        F("log_start_offset", "int64", "5+"),
                        F(
                            "aborted_transactions",
                            [F("producer_id", "int64"), F("first_offset", "int64")],
                            "4+",
                            null="4+",
                        ),
                        F("preferred_read_replica", "int32", "11+"),
                        F("records", "records", null="0+"),
                    ],
                ),
            ],
        ),
    ),
)

APIS: dict[int, Api] = {
    api.key: api
    for api in (
        PRODUCE,
        FETCH,
        METADATA,
        OFFSET_COMMIT,
        OFFSET_FETCH,
        FIND_COORDINATOR,
        JOIN_GROUP,
        HEARTBEAT,
        LEAVE_GROUP,
        SYNC_GROUP,
        API_VERSIONS,
    )
}

# Names of other API keys, so a request we do not decode still reads well in the story.
API_NAMES: dict[int, str] = {
    0: "Produce",
    1: "Fetch",
    2: "ListOffsets",
    3: "Metadata",
    4: "LeaderAndIsr",
    5: "StopReplica",
    6: "UpdateMetadata",
    7: "ControlledShutdown",
    8: "OffsetCommit",
    9: "OffsetFetch",
    10: "FindCoordinator",
    11: "JoinGroup",
    12: "Heartbeat",
    13: "LeaveGroup",
    14: "SyncGroup",
    15: "DescribeGroups",
    16: "ListGroups",
    17: "SaslHandshake",
    18: "ApiVersions",
    19: "CreateTopics",
    20: "DeleteTopics",
    21: "DeleteRecords",
    22: "InitProducerId",
    23: "OffsetForLeaderEpoch",
    24: "AddPartitionsToTxn",
    25: "AddOffsetsToTxn",
    26: "EndTxn",
    27: "WriteTxnMarkers",
    28: "TxnOffsetCommit",
    29: "DescribeAcls",
    30: "CreateAcls",
    31: "DeleteAcls",
    32: "DescribeConfigs",
    33: "AlterConfigs",
    34: "AlterReplicaLogDirs",
    35: "DescribeLogDirs",
    36: "SaslAuthenticate",
    37: "CreatePartitions",
    38: "CreateDelegationToken",
    39: "RenewDelegationToken",
    40: "ExpireDelegationToken",
    41: "DescribeDelegationToken",
    42: "DeleteGroups",
    43: "ElectLeaders",
    44: "IncrementalAlterConfigs",
    45: "AlterPartitionReassignments",
    46: "ListPartitionReassignments",
    47: "OffsetDelete",
    48: "DescribeClientQuotas",
    49: "AlterClientQuotas",
    50: "DescribeUserScramCredentials",
    51: "AlterUserScramCredentials",
    55: "DescribeQuorum",
    57: "UpdateFeatures",
    60: "DescribeCluster",
    61: "DescribeProducers",
    65: "DescribeTransactions",
    66: "ListTransactions",
    67: "AllocateProducerIds",
    68: "ConsumerGroupHeartbeat",
    69: "ConsumerGroupDescribe",
    71: "GetTelemetrySubscriptions",
    72: "PushTelemetry",
    75: "DescribeTopicPartitions",
}

# First flexible version of APIs we only frame (so the header version is still right).
FIRST_FLEXIBLE: dict[int, int] = {
    **{api.key: api.first_flexible for api in APIS.values()},
    2: 6,
    19: 5,
    20: 4,
    22: 2,
    23: 4,
    32: 4,
    37: 2,
    42: 2,
    60: 0,
    71: 0,
    72: 0,
    75: 0,
    68: 0,
    69: 0,
    15: 5,
    16: 3,
    36: 2,
    44: 1,
    24: 3,
    25: 3,
    26: 3,
    28: 3,
}


def api_name(key: int) -> str:
    return API_NAMES.get(key, f"ApiKey{key}")


def request_header_version(key: int, version: int) -> int:
    """2 (with tagged fields) for flexible request versions, else 1."""
    first = FIRST_FLEXIBLE.get(key)
    return 2 if first is not None and version >= first else 1


def response_header_version(key: int, version: int) -> int:
    """1 for flexible versions, else 0; ApiVersions responses always use header v0."""
    if key == 18:
        return 0
    first = FIRST_FLEXIBLE.get(key)
    return 1 if first is not None and version >= first else 0
