"""The broker is a Kafka 3.7 broker as far as versions go (docs/broker.md says why 3.7): it
advertises exactly 3.7's ApiVersions range for every API it serves, and every version in those
ranges round-trips against kafka-python's generated protocol classes (Kafka's JSON schemas)."""

from __future__ import annotations

import importlib
import pkgutil

import kafka.protocol as kafka_protocol
import pytest
from kafka.protocol.api_message import ApiMessage
from kafka.protocol.broker_version_data import BROKER_API_VERSIONS

from broker.protocol.header import read_request_header
from broker.protocol.types import Reader
from broker.registry import discover

REG = discover()
KAFKA_37 = BROKER_API_VERSIONS[(3, 7)]  # kafka-python's table of what a 3.7 broker advertises


def _generated_classes() -> tuple[dict[int, type], dict[int, type]]:
    for mod in pkgutil.walk_packages(kafka_protocol.__path__, "kafka.protocol."):
        if ".old" not in mod.name and "schemas" not in mod.name:
            importlib.import_module(mod.name)
    requests, responses = {}, {}

    def walk(cls):
        for sub in cls.__subclasses__():
            if getattr(sub, "_class_version", 1) is None and getattr(sub, "_json", None):
                (requests if sub.is_request() else responses)[sub.API_KEY] = sub
            walk(sub)

    walk(ApiMessage)
    return requests, responses


REQUESTS, RESPONSES = _generated_classes()
SERVED = [(k, lo, hi) for k, lo, hi in REG.version_ranges() if not REG.get(k).controller_only]


def _range_cases():
    for key, lo, hi in SERVED:
        yield pytest.param(key, lo, hi, id=REG.get(key).name)


@pytest.mark.parametrize("key, lo, hi", list(_range_cases()))
def test_every_served_api_advertises_kafka_37s_range(key, lo, hi):
    assert key in KAFKA_37, f"{REG.get(key).name} is not a Kafka 3.7 API"
    assert (lo, hi) == KAFKA_37[key], f"{REG.get(key).name}: ours {(lo, hi)}, Kafka 3.7 {KAFKA_37[key]}"


@pytest.mark.parametrize(
    "key, version",
    # every served version of every API kafka-python has classes for (not the inter-broker ones)
    [(k, v) for k, lo, hi in SERVED if k in REQUESTS for v in range(lo, hi + 1)],
    ids=lambda x: str(x),
)
def test_every_version_round_trips_with_kafka_pythons_classes(key, version):
    api = REG.get(key)
    req = REQUESTS[key](version=version)
    req.with_header(correlation_id=7, client_id="compat")
    r = Reader(bytes(req.encode(header=True)))
    hdr = read_request_header(r, api.request_flexible(version))
    api.request.decode(r, version)
    assert (hdr.api_key, hdr.api_version, r.remaining()) == (key, version, 0)
    RESPONSES[key].decode(api.response.to_bytes({}, version), version=version)
    r = Reader(bytes(RESPONSES[key](version=version).encode()))
    api.response.decode(r, version)
    assert r.remaining() == 0
