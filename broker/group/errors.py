"""The group APIs use Kafka's error codes from broker.protocol.errors; `GroupError` is the name
the group code has always used for them."""

from __future__ import annotations

from ..protocol.errors import ErrorCode as GroupError

__all__ = ["GroupError"]
