"""Will a consumer group form? The static rule for the one group failure that the broker's
settings decide: the offsets topic.

Kafka creates `__consumer_offsets` on the first FindCoordinator with
`offsets.topic.replication.factor` replicas (default 3) and refuses while fewer brokers are alive
in the asked broker's metadata cache: kafka.server.KafkaApis (createGroupMetadataTopic; since 2.8
AutoTopicCreationManager) logs "Number of alive brokers '1' does not meet the required replication
factor '3' for the offsets topic (configured via 'offsets.topic.replication.factor') ..." and
FindCoordinator answers COORDINATOR_NOT_AVAILABLE, so no group ever gets a coordinator (our broker:
broker/group/store.py, docs/groups.md). The asked broker applies its own setting, so one running
broker with too high a factor is enough to break a client that asks it. Once the topic exists, a
later change of the setting does nothing (as in Kafka).
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_OFFSETS_RF = 3  # Kafka's default (GroupCoordinatorConfig.OFFSETS_TOPIC_REPLICATION_FACTOR_DEFAULT)


def offsets_topic_error(props: Mapping[str, Mapping[str, str]], running: set[str]) -> str | None:
    """Kafka's message when the running brokers cannot create the offsets topic, else None.
    `props`: node -> broker properties; `running`: the nodes whose broker started."""
    if not running:
        return "no broker is running: nothing can coordinate a group"
    alive = len(running)
    for node in sorted(running):
        try:
            rf = int(str(props.get(node, {}).get("offsets.topic.replication.factor", DEFAULT_OFFSETS_RF)))
        except ValueError:
            continue
        if rf > alive:
            return (
                f"COORDINATOR_NOT_AVAILABLE: Number of alive brokers '{alive}' does not meet the required "
                f"replication factor '{rf}' for the offsets topic (configured via "
                f"'offsets.topic.replication.factor')"
            )
    return None


def static_member_error(instance_ids: Mapping[str, str | None], expected: list[str]) -> str | None:
    """Static membership (KIP-345): a JoinGroup with a known group.instance.id takes over that
    member's place and fences the old member id (FENCED_INSTANCE_ID, Kafka's GroupCoordinator;
    our broker: docs/groups.md). `instance_ids`: member (e.g. node/process) -> its instance id.
    None when the group can hold exactly the `expected` static members."""
    by_id: dict[str, list[str]] = {}
    for member, iid in instance_ids.items():
        if iid:
            by_id.setdefault(iid, []).append(member)
    dupes = {iid: ms for iid, ms in by_id.items() if len(ms) > 1}
    if dupes:
        iid, ms = sorted(dupes.items())[0]
        return (
            f"FENCED_INSTANCE_ID: group.instance.id {iid} is used by {' and '.join(sorted(ms))}; each "
            f"JoinGroup with it takes the member's place and fences the one before"
        )
    if sorted(by_id) != sorted(expected):
        return f"the static members are {sorted(by_id) or 'none'}, not {sorted(expected)}"
    return None
