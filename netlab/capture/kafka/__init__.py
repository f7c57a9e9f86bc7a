"""Kafka protocol layers for scapy, and their schema.

From Python::

    from netlab.capture.kafka import KafkaRequest, KafkaResponse, body_class, response_layer, bind_kafka_port

From scapy's interactive shell: ``from netlab.capture.kafka import *`` (binds TCP port 9092;
call ``bind_kafka_port(29092)`` for other listener ports). See docs/capture.md.
"""

from broker.protocol.apikeys import api_name
from broker.protocol.messages import DECLARED as APIS
from netlab.capture.kafka.fields import KafkaDecodeError
from netlab.capture.kafka.layers import (
    KafkaBody,
    KafkaRequest,
    KafkaResponse,
    KafkaStruct,
    bind_kafka_port,
    body_class,
    forget_requests,
    response_body_class,
    response_layer,
)
from netlab.capture.kafka.records import RecordCount, count_records

__all__ = [
    "KafkaBody",
    "KafkaDecodeError",
    "KafkaRequest",
    "KafkaResponse",
    "KafkaStruct",
    "RecordCount",
    "APIS",
    "api_name",
    "bind_kafka_port",
    "body_class",
    "count_records",
    "forget_requests",
    "response_body_class",
    "response_layer",
]
