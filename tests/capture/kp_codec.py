"""kafka-python's ``kafka.protocol`` as an independent codec to check our scapy layers against."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from scapy.packet import Packet

from netlab.capture.kafka.fields import (
    KafkaArrayField,
    KafkaBoolField,
    KafkaBytesField,
    KafkaIntField,
    KafkaRecordsField,
    KafkaStringField,
    KafkaTaggedFields,
    KafkaUuidField,
)


def kp_classes() -> dict[int, dict[str, type]]:
    import kafka.protocol as kp

    found: dict[int, dict[str, type]] = {}
    for m in pkgutil.walk_packages(kp.__path__, "kafka.protocol."):
        if ".old" in m.name or "schemas" in m.name:
            continue
        mod = importlib.import_module(m.name)
        for c in vars(mod).values():
            if (
                inspect.isclass(c)
                and getattr(c, "_json", None)
                and c._json.get("type") in ("request", "response")
                and c._class_version is None
            ):
                found.setdefault(c._json["apiKey"], {})[c._json["type"]] = c
    return found


def record_batch(n: int = 3) -> bytes:
    from kafka.record.memory_records import MemoryRecordsBuilder

    b = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20)
    for i in range(n):
        b.append(timestamp=1_700_000_000_000 + i, key=None, value=b"value-%d" % i, headers=[])
    b.close()
    return bytes(b.buffer())


def populate(cls: type[Packet], seed: int = 1, parent=None) -> Packet:
    """An instance of a body/struct class with every field set to a distinctive value."""
    pkt = cls()
    for i, f in enumerate(cls.fields_desc):
        v = seed * 31 + i
        pkt.setfieldval(f.name, _value(f, v, seed))
    return pkt


def _value(f, v: int, seed: int):
    if isinstance(f, KafkaTaggedFields):
        return []
    if isinstance(f, KafkaBoolField):
        return v % 2
    if isinstance(f, KafkaIntField):
        bits = {1: 7, 2: 15, 4: 31, 8: 63}[f.sz]
        return (v * 7919) % (1 << bits)
    if isinstance(f, KafkaUuidField):
        return bytes((v + k) % 256 for k in range(16))
    if isinstance(f, KafkaRecordsField):
        return record_batch(1 + v % 3)
    if isinstance(f, KafkaBytesField):
        return bytes(range(v % 7 + 1))
    if isinstance(f, KafkaStringField):
        return f"s{v}"
    if isinstance(f, KafkaArrayField):
        if f.is_struct:
            return [populate(f.elem, seed + 1 + k) for k in range(2)]
        return [_value(f.elem, v + k, seed) for k in range(3)]
    raise TypeError(f"no test value for {f!r}")
