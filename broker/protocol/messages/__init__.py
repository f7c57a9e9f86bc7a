"""Kafka message declarations, one module per API: KEY, NAME, LATEST, REQUEST, RESPONSE.

The only declaration of each message in the repository (facts from Kafka's message definitions,
clients/src/main/resources/common/message/*.json, written by hand in broker/protocol/schema.py's
notation). Every version up to LATEST is declared, also versions the broker does not serve, so
netlab's packet decoder (netlab/capture/kafka/) reads what real Kafka clients and brokers send.
The broker's handler for an API (broker/apis/<name>.py) imports its messages from here and
serves a sub-range of versions.

A leaf package: it imports only broker.protocol.schema, so netlab may import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import Message
from . import (
    alter_configs,
    alter_replica_log_dirs,
    api_versions,
    begin_quorum_epoch,
    create_partitions,
    describe_quorum,
    end_quorum_epoch,
    fetch,
    find_coordinator,
    heartbeat,
    incremental_alter_configs,
    join_group,
    leader_and_isr,
    leave_group,
    metadata,
    offset_commit,
    offset_fetch,
    produce,
    sync_group,
    update_metadata,
    vote,
)


@dataclass(frozen=True)
class Declared:
    key: int
    name: str
    latest: int  # newest version declared
    request: Message
    response: Message

    def flexible(self, version: int) -> bool:
        return self.request.flexible(version)


DECLARED: dict[int, Declared] = {
    m.KEY: Declared(m.KEY, m.NAME, m.LATEST, m.REQUEST, m.RESPONSE)
    for m in (
        api_versions,
        fetch,
        find_coordinator,
        heartbeat,
        join_group,
        leave_group,
        metadata,
        offset_commit,
        offset_fetch,
        produce,
        sync_group,
        vote,
        begin_quorum_epoch,
        end_quorum_epoch,
        describe_quorum,
        leader_and_isr,
        update_metadata,
        alter_replica_log_dirs,
        alter_configs,
        incremental_alter_configs,
        create_partitions,
    )
}
