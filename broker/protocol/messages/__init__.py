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
    add_offsets_to_txn,
    add_partitions_to_txn,
    alter_client_quotas,
    alter_configs,
    alter_partition_reassignments,
    alter_replica_log_dirs,
    api_versions,
    begin_quorum_epoch,
    broker_heartbeat,
    broker_registration,
    create_acls,
    create_partitions,
    create_topics,
    delete_acls,
    delete_groups,
    delete_records,
    delete_topics,
    describe_acls,
    describe_client_quotas,
    describe_cluster,
    describe_configs,
    describe_groups,
    describe_log_dirs,
    describe_quorum,
    elect_leaders,
    end_quorum_epoch,
    end_txn,
    fetch,
    find_coordinator,
    heartbeat,
    incremental_alter_configs,
    init_producer_id,
    join_group,
    leader_and_isr,
    leave_group,
    list_groups,
    list_offsets,
    list_partition_reassignments,
    metadata,
    offset_commit,
    offset_delete,
    offset_fetch,
    offset_for_leader_epoch,
    produce,
    sasl_authenticate,
    sasl_handshake,
    sync_group,
    txn_offset_commit,
    update_metadata,
    vote,
    write_txn_markers,
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
        add_offsets_to_txn,
        add_partitions_to_txn,
        alter_client_quotas,
        alter_configs,
        alter_partition_reassignments,
        alter_replica_log_dirs,
        api_versions,
        begin_quorum_epoch,
        broker_heartbeat,
        broker_registration,
        create_acls,
        create_partitions,
        create_topics,
        delete_acls,
        delete_groups,
        delete_records,
        delete_topics,
        describe_acls,
        describe_client_quotas,
        describe_cluster,
        describe_configs,
        describe_groups,
        describe_log_dirs,
        describe_quorum,
        elect_leaders,
        end_quorum_epoch,
        end_txn,
        fetch,
        find_coordinator,
        heartbeat,
        incremental_alter_configs,
        init_producer_id,
        join_group,
        leader_and_isr,
        leave_group,
        list_groups,
        list_offsets,
        list_partition_reassignments,
        metadata,
        offset_commit,
        offset_delete,
        offset_fetch,
        offset_for_leader_epoch,
        produce,
        sasl_authenticate,
        sasl_handshake,
        sync_group,
        txn_offset_commit,
        update_metadata,
        vote,
        write_txn_markers,
    )
}
