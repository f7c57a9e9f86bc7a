"""THE one list of client-suite tests that cannot pass against netlab's broker here, with why.

They are run like every other test and reported LOUDLY under their reason; they are never counted
as passed (a pass among them is reported as a surprise, a failure as expected). Keys are
`<suite>`; values map a test-id substring to the reason.
"""

from __future__ import annotations

SSL_SASL = "needs SSL or SASL listeners: the broker serves PLAINTEXT only"
KAFKA_CLI = "shells out to a Kafka CLI tool (kafka-topics.sh, kafka-configs.sh ...): no Kafka install here"
DOWNLOADS_KAFKA = "downloads and starts a real Kafka (its own fixture), not an external broker"

KNOWN: dict[str, dict[str, str]] = {
    "kafka-python": {
        "test_ssl_integration": SSL_SASL,
        "test_sasl_integration": SSL_SASL,
    },
    "aiokafka": {
        "ssl": SSL_SASL,
        "sasl": SSL_SASL,
    },
    "confluent-kafka-python": {
        "ssl": SSL_SASL,
        "sasl": SSL_SASL,
        "oauth": SSL_SASL,
    },
    "librdkafka": {},
}


def reason_for(suite: str, test_id: str) -> str | None:
    for needle, why in KNOWN.get(suite, {}).items():
        if needle in test_id:
            return why
    return None
