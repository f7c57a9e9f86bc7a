"""The probe's Kafka conversation: ApiVersions (with the KIP-511 downgrade) and Metadata, on the
shared blocking client (broker/protocol/client.py) and the declared messages
(broker/protocol/messages/): netlab imports broker.protocol only, never the broker's handlers.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from broker.protocol.client import KafkaClient, WireError
from broker.protocol.errors import ErrorCode
from broker.protocol.messages import api_versions as _av
from broker.protocol.messages import metadata as _md

API_VERSIONS_KEY, METADATA_KEY = _av.KEY, _md.KEY
UNSUPPORTED_VERSION = int(ErrorCode.UNSUPPORTED_VERSION)
METADATA_VERSIONS = (1, 9)  # v1 brings controller_id; v9 is the first flexible version
CLIENT_ID = "netlab-probe"

__all__ = ["ApiVersionsAnswer", "KafkaWire", "WireError"]


@dataclass
class ApiVersionsAnswer:
    version: int  # the ApiVersions version that was answered
    ranges: dict[int, tuple[int, int]]  # api key -> (min, max)


class KafkaWire(KafkaClient):
    """One TCP connection to a broker, speaking as the probe."""

    def __init__(self, sock, timeout: float):
        super().__init__(sock, timeout, CLIENT_ID)

    def api_versions(self, first_version: int = 3) -> ApiVersionsAnswer:
        """Ask v3 (as librdkafka does); on UNSUPPORTED_VERSION retry with the highest version the
        broker lists for ApiVersions itself (KIP-511: that error body is always v0)."""
        version = first_version
        for _ in range(3):  # bounded: v3, then at most two downgrades
            body = {"client_software_name": "netlab-probe", "client_software_version": "1"}
            r = self.roundtrip(API_VERSIONS_KEY, version, _av.REQUEST, body, False)
            if r.remaining() < 2:
                raise WireError("ApiVersions answer without an error code")
            code = struct.unpack_from(">h", r.buf, r.pos)[0]
            # KIP-511: an UNSUPPORTED_VERSION answer is a v0 body whatever version was asked
            ans = self.decode(_av.RESPONSE, r, 0 if code == UNSUPPORTED_VERSION else version)
            code = ans["error_code"]
            ranges = {k["api_key"]: (k["min_version"], k["max_version"]) for k in ans["api_keys"] or []}
            if code == 0:
                return ApiVersionsAnswer(version, ranges)
            if code != UNSUPPORTED_VERSION or API_VERSIONS_KEY not in ranges:
                raise WireError(f"ApiVersions v{version} answered error code {code}")
            lo, hi = ranges[API_VERSIONS_KEY]
            if not lo <= min(hi, version - 1):
                raise WireError(f"broker supports ApiVersions v{lo}-{hi}, none below v{version}")
            version = min(hi, version - 1)
        raise WireError("ApiVersions version negotiation did not converge")

    def metadata(
        self, ranges: dict[int, tuple[int, int]], max_version: int = METADATA_VERSIONS[1]
    ) -> tuple[int, dict]:
        """Metadata for no topics (brokers and controller only), at the highest version in v1-v9
        that the broker offers."""
        if METADATA_KEY not in ranges:
            raise WireError("broker does not offer Metadata in its ApiVersions answer")
        lo, hi = ranges[METADATA_KEY]
        version = min(hi, max_version, METADATA_VERSIONS[1])
        if version < max(lo, METADATA_VERSIONS[0]):
            raise WireError(f"broker offers Metadata v{lo}-{hi}; the probe needs one of v1-v9")
        body = {"topics": [], "allow_auto_topic_creation": False}
        return version, self.call(METADATA_KEY, version, _md.REQUEST, _md.RESPONSE, body)
