"""What a broker's log says about its start, in the lines Kafka itself writes (our broker writes
the same lines): started, registered with the controller, or the fatal error it stopped on.

Kafka logs `[KafkaServer id=N] started (kafka.server.KafkaServer)` (ZooKeeper mode) or
`Kafka Server started` (KRaft, kafka.server.KafkaRaftServer), `Successfully registered broker`
once the controller accepted a KRaft broker (BrokerLifecycleManager), and on a refused config
`Exiting Kafka due to fatal exception` (kafka.Kafka), `Fatal error during broker startup` or, in
ZooKeeper mode, `Fatal error during KafkaServer startup`, followed by the exception's
`<java class>: <message>` line.
"""

from __future__ import annotations

import re

STARTED_MARKS = ("] started (kafka.server.KafkaServer)", "Kafka Server started")
# ZooKeeper mode: a broker's metadata cache is filled by the controller's UpdateMetadata only
# (ZkMetadataCache logs this line, state.change.logger, for each one); until the first, its
# Metadata lists no broker
UPDATE_METADATA_MARK = "from metadata cache in response to UpdateMetadata request"
# ...and a controller that cannot reach a broker logs, for it (kafka.controller.RequestSendThread):
#   Controller 4's connection to broker broker-3:29092 (id: 3 rack: null) was unsuccessful
UNREACHED_BY_CONTROLLER = re.compile(
    r"'s connection to broker \S+ \(id: (-?\d+) rack: [^)]*\) was unsuccessful"
)
ZK_BROKER_ID = re.compile(r"\[KafkaServer id=(-?\d+)\] started \(kafka\.server\.KafkaServer\)")
REGISTERED_MARK = "Successfully registered broker"
# a registered KRaft broker is fenced (Metadata leaves it out) until it has caught up with the
# metadata log and a heartbeat finds it unfenced; Kafka's BrokerLifecycleManager then logs this
UNFENCED_MARK = "The broker has been unfenced"
REGISTER_PROBLEMS = ("could not be established", "Unable to register")
FATAL_MARKERS = (
    "Exiting Kafka due to fatal exception",
    "Fatal error during broker startup",
    "Fatal error during KafkaServer startup",  # ZooKeeper mode (kafka.server.KafkaServer)
)


def has_started(log: str) -> bool:
    return any(m in log for m in STARTED_MARKS)


def start_error_from_log(log: str) -> str | None:
    """Kafka's reason for not starting, from a broker log: the `<java class>: <message>` line
    under its fatal error line (None when the log has none)."""
    lines = log.splitlines()
    for i, line in enumerate(lines[:-1]):
        if any(m in line for m in FATAL_MARKERS):
            return lines[i + 1].strip()
    return None
