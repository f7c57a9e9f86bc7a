"""Every Kafka API key: its name, and the first flexible version of the APIs whose messages are
not declared in broker/protocol/messages/ (so a frame of any API gets the right header version).

Facts from Kafka's message definitions (clients/src/main/resources/common/message/*.json:
"apiKey", "name", "flexibleVersions"). Used to frame and name requests netlab does not decode.
"""

from __future__ import annotations

from .messages import DECLARED

NAMES: dict[int, str] = {
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
    52: "Vote",
    53: "BeginQuorumEpoch",
    54: "EndQuorumEpoch",
    55: "DescribeQuorum",
    57: "UpdateFeatures",
    60: "DescribeCluster",
    61: "DescribeProducers",
    62: "BrokerRegistration",
    63: "BrokerHeartbeat",
    65: "DescribeTransactions",
    66: "ListTransactions",
    67: "AllocateProducerIds",
    68: "ConsumerGroupHeartbeat",
    69: "ConsumerGroupDescribe",
    71: "GetTelemetrySubscriptions",
    72: "PushTelemetry",
    75: "DescribeTopicPartitions",
}

# First flexible version of the APIs only framed (declared ones answer from their messages).
_FIRST_FLEXIBLE_UNDECLARED: dict[int, int] = {
    2: 6,
    15: 5,
    16: 3,
    19: 5,
    20: 4,
    22: 2,
    23: 4,
    24: 3,
    25: 3,
    26: 3,
    28: 3,
    32: 4,
    36: 2,
    37: 2,
    42: 2,
    44: 1,
    60: 0,
    62: 0,
    63: 0,
    68: 0,
    69: 0,
    71: 0,
    72: 0,
    75: 0,
}
FIRST_FLEXIBLE: dict[int, int] = {
    **_FIRST_FLEXIBLE_UNDECLARED,
    **{d.key: d.request.first_flexible for d in DECLARED.values()},
}


def api_name(key: int) -> str:
    return NAMES.get(key, f"ApiKey{key}")


def request_header_version(key: int, version: int) -> int:
    """2 (with tagged fields) for flexible request versions, else 1."""
    first = FIRST_FLEXIBLE.get(key)
    return 2 if first is not None and version >= first else 1


def response_header_version(key: int, version: int) -> int:
    """1 for flexible versions, else 0; ApiVersions responses always use header v0 (KIP-511)."""
    if key == 18:
        return 0
    first = FIRST_FLEXIBLE.get(key)
    return 1 if first is not None and version >= first else 0
