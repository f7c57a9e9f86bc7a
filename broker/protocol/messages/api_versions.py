"""ApiVersions (key 18): request and response as Kafka declares them, every version up to LATEST.

The one declaration of this message: the broker's handler (broker/apis/api_versions.py) serves a
sub-range of versions; netlab's capture layers and clients build from the same objects.
"""

from __future__ import annotations

from ..schema import BOOL, INT16, INT32, INT64, STRING, Array, F, Message, Struct

KEY = 18
NAME = "ApiVersions"
LATEST = 4  # the newest version declared here (Kafka 4.x)
REQUEST = Message(
    Struct(
        F("client_software_name", STRING, 3),
        F("client_software_version", STRING, 3),
    ),
    first_flexible=3,
)

_API = Struct(F("api_key", INT16), F("min_version", INT16), F("max_version", INT16), name="ApiVersion")
_FEATURE = Struct(F("name", STRING, 3), F("min_version", INT16, 3), F("max_version", INT16, 3))
_FINALIZED = Struct(F("name", STRING, 3), F("max_version_level", INT16, 3), F("min_version_level", INT16, 3))
RESPONSE = Message(
    Struct(
        F("error_code", INT16),
        F("api_keys", Array(_API)),
        F("throttle_time_ms", INT32, 1),
        F("supported_features", Array(_FEATURE), 3, tag=0),
        F("finalized_features_epoch", INT64, 3, tag=1, default=-1),
        F("finalized_features", Array(_FINALIZED), 3, tag=2),
        F("zk_migration_ready", BOOL, 3, tag=3),
    ),
    first_flexible=3,
)
