"""Kafka's metadata records (metadata/src/main/resources/common/metadata/*.json) as the KRaft
controller writes them to `__cluster_metadata-0`, and their framing (Kafka's
MetadataRecordSerde): an unsigned varint frame version (1), the record type (its apiKey) and the
record version as unsigned varints, then the record in Kafka's flexible encoding.

Only the record types our controller writes are here; the field lists follow Kafka's schemas."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass

from ..protocol.schema import (
    BOOL,
    BYTES,
    FLOAT64,
    INT8,
    INT16,
    INT32,
    INT64,
    STRING,
    UINT16,
    UUID,
    Array,
    F,
    Message,
    Struct,
)
from ..protocol.types import Reader, Writer

FRAME_VERSION = 1


@dataclass(frozen=True)
class RecordType:
    key: int
    name: str
    message: Message
    version: int = 0


def _flex(*fields) -> Message:
    return Message(Struct(*fields), first_flexible=0)


REGISTER_BROKER = RecordType(
    0,
    "RegisterBrokerRecord",
    _flex(
        F("BrokerId", INT32),
        F("IsMigratingZkBroker", BOOL, 2),
        F("IncarnationId", UUID),
        F("BrokerEpoch", INT64),
        F(
            "EndPoints",
            Array(
                Struct(F("Name", STRING), F("Host", STRING), F("Port", UINT16), F("SecurityProtocol", INT16))
            ),
        ),
        F(
            "Features",
            Array(
                Struct(F("Name", STRING), F("MinSupportedVersion", INT16), F("MaxSupportedVersion", INT16))
            ),
        ),
        F("Rack", STRING, null=0),
        F("Fenced", BOOL, default=True),
        F("InControlledShutdown", BOOL, 1),
    ),
    version=1,
)
UNREGISTER_BROKER = RecordType(
    1, "UnregisterBrokerRecord", _flex(F("BrokerId", INT32), F("BrokerEpoch", INT64))
)
TOPIC = RecordType(2, "TopicRecord", _flex(F("Name", STRING), F("TopicId", UUID)))
PARTITION = RecordType(
    3,
    "PartitionRecord",
    _flex(
        F("PartitionId", INT32, default=-1),
        F("TopicId", UUID),
        F("Replicas", Array(INT32)),
        F("Isr", Array(INT32)),
        F("RemovingReplicas", Array(INT32)),
        F("AddingReplicas", Array(INT32)),
        F("Leader", INT32, default=-1),
        F("LeaderEpoch", INT32, default=-1),
        F("PartitionEpoch", INT32, default=-1),
    ),
)
CONFIG = RecordType(
    4,
    "ConfigRecord",
    _flex(F("ResourceType", INT8), F("ResourceName", STRING), F("Name", STRING), F("Value", STRING, null=0)),
)
PARTITION_CHANGE = RecordType(
    5,
    "PartitionChangeRecord",
    _flex(
        F("PartitionId", INT32, default=-1),
        F("TopicId", UUID),
        F("Isr", Array(INT32), null=0, tag=0),
        F("Leader", INT32, tag=1, default=-2),
        F("Replicas", Array(INT32), null=0, tag=2),
    ),
)
FENCE_BROKER = RecordType(7, "FenceBrokerRecord", _flex(F("Id", INT32), F("Epoch", INT64)))
UNFENCE_BROKER = RecordType(8, "UnfenceBrokerRecord", _flex(F("Id", INT32), F("Epoch", INT64)))
REMOVE_TOPIC = RecordType(9, "RemoveTopicRecord", _flex(F("TopicId", UUID)))
# ClientQuotaRecord.json (Kafka 3.7: version 0, flexible): one quota key of one entity set or removed
CLIENT_QUOTA = RecordType(
    14,
    "ClientQuotaRecord",
    _flex(
        F("Entity", Array(Struct(F("EntityType", STRING), F("EntityName", STRING, null=0)))),
        F("Key", STRING),
        F("Value", FLOAT64),
        F("Remove", BOOL),
    ),
)
# UserScramCredentialRecord.json (Kafka 3.7, key 11, version 0, flexible): one user's credential
# of one mechanism, as ScramControlManager.finishUpsertion derives it (no salted password)
USER_SCRAM_CREDENTIAL = RecordType(
    11,
    "UserScramCredentialRecord",
    _flex(
        F("Name", STRING),
        F("Mechanism", INT8),
        F("Salt", BYTES),
        F("StoredKey", BYTES),
        F("ServerKey", BYTES),
        F("Iterations", INT32),
    ),
)
# RemoveUserScramCredentialRecord.json (key 22, version 0, flexible)
REMOVE_USER_SCRAM_CREDENTIAL = RecordType(
    22, "RemoveUserScramCredentialRecord", _flex(F("Name", STRING), F("Mechanism", INT8))
)
FEATURE_LEVEL = RecordType(12, "FeatureLevelRecord", _flex(F("Name", STRING), F("FeatureLevel", INT16)))
ACCESS_CONTROL_ENTRY = RecordType(
    18,
    "AccessControlEntryRecord",
    _flex(
        F("Id", UUID),
        F("ResourceType", INT8),
        F("ResourceName", STRING),
        F("PatternType", INT8),
        F("Principal", STRING),
        F("Host", STRING),
        F("Operation", INT8),
        F("PermissionType", INT8),
    ),
)
REMOVE_ACCESS_CONTROL_ENTRY = RecordType(19, "RemoveAccessControlEntryRecord", _flex(F("Id", UUID)))

TYPES = {
    t.key: t
    for t in (
        REGISTER_BROKER,
        UNREGISTER_BROKER,
        TOPIC,
        PARTITION,
        CONFIG,
        PARTITION_CHANGE,
        FENCE_BROKER,
        UNFENCE_BROKER,
        REMOVE_TOPIC,
        FEATURE_LEVEL,
        CLIENT_QUOTA,
        ACCESS_CONTROL_ENTRY,
        REMOVE_ACCESS_CONTROL_ENTRY,
        USER_SCRAM_CREDENTIAL,
        REMOVE_USER_SCRAM_CREDENTIAL,
    )
}
TOPIC_RESOURCE = 2  # ConfigResource.Type.TOPIC
BROKER_RESOURCE = 4  # ConfigResource.Type.BROKER: name "" is the cluster-wide default, else a broker id


class RecordError(ValueError):
    pass


def encode(rtype: RecordType, fields: dict) -> bytes:
    w = Writer()
    w.uvarint(FRAME_VERSION)
    w.uvarint(rtype.key)
    w.uvarint(rtype.version)
    rtype.message.encode(w, fields, rtype.version)
    return w.getvalue()


def decode(value: bytes) -> tuple[RecordType, dict]:
    r = Reader(value)
    frame = r.uvarint()
    if frame != FRAME_VERSION:
        raise RecordError(f"unknown metadata record frame version {frame}")
    key, version = r.uvarint(), r.uvarint()
    rtype = TYPES.get(key)
    if rtype is None:
        raise RecordError(f"unknown metadata record type {key}")
    return rtype, rtype.message.decode(r, version)


def _snake_to_type_name(name: str) -> str:
    """RegisterBrokerRecord -> REGISTER_BROKER_RECORD (Kafka's MetadataRecordType names)."""
    return "".join("_" + c if c.isupper() and i else c for i, c in enumerate(name)).upper()


def _json_value(v):
    if isinstance(v, (bytes, memoryview)):
        return base64.b64encode(v).decode()  # Kafka's JSON converters write bytes as base64
    if isinstance(v, uuid.UUID):
        return base64.urlsafe_b64encode(v.bytes).decode().rstrip("=")  # Kafka's Uuid.toString
    if isinstance(v, dict):
        return {k[0].lower() + k[1:]: _json_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_value(x) for x in v]
    return v


def to_json(value: bytes) -> str:
    """A record as kafka-dump-log --cluster-metadata-decoder prints it:
    {"type":"TOPIC_RECORD","version":0,"data":{"name":"t","topicId":"..."}}"""
    rtype, fields = decode(value)
    version = Reader(value)
    version.uvarint(), version.uvarint()
    v = version.uvarint()
    data = {
        f.name: fields[f.name]
        for f in rtype.message.body.fields
        if f.present(v) and (f.tag is None or fields[f.name] not in (None, f.default_value()))
    }
    return json.dumps(
        {"type": _snake_to_type_name(rtype.name), "version": v, "data": _json_value(data)},
        separators=(",", ":"),
    )
