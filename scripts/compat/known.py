"""THE one list of client-suite tests that cannot pass against netlab's broker here, with why.

They are run like every other test and reported LOUDLY under their reason; they are never counted
as passed (a pass among them is reported as a surprise, a failure as expected). Keys are
`<suite>` (every run) or `<suite>[single]` (a one-broker run only); values map a test-id
substring to the reason (a trailing `$`: the test id ends there).
"""

from __future__ import annotations

SSL_SASL = "needs SSL or SASL listeners: the broker serves PLAINTEXT only"
KAFKA_CLI = "shells out to a Kafka CLI tool (kafka-topics.sh, kafka-configs.sh ...): no Kafka install here"
DOWNLOADS_KAFKA = "downloads and starts a real Kafka (its own fixture), not an external broker"
JAVA_CLIENT = (
    "runs Kafka's Java producer (TransactionProducerCli) from KAFKA_PATH first: no Kafka install here"
)
SHARE_GROUPS = (
    "share groups (KIP-932: ShareGroupHeartbeat, ShareFetch, group configs): Kafka 4.1+, the broker"
    " is Kafka 3.7 (docs/broker.md); the suite pins broker 4.2.0 and never gates these on the version"
)
ONE_BROKER = "assumes the suite's one-broker Kafka"
LIBRDKAFKA_202_DESTROY_HANG = (
    "librdkafka 2.0.2's own bug: rd_kafka_destroy hangs once a fetched partition was removed (its"
    " fetch queue keeps a reference; fixed in 2.1.0, PR #4187), as it does against Kafka"
    " (docs/compat.md, 0107)"
)
NEEDS_3_BROKERS = "creates topics with replication factor 3: needs the suite's 3-broker cluster (--cluster)"
# Races of a one-broker test on a cluster, which a 3-broker Kafka has too (docs/compat.md,
# "Races a cluster adds"); they pass most runs here, and every run on one broker, where they count.
METADATA_RACE = (
    "assumes one broker: it changes a topic through one broker and at once asks another, chosen at"
    " random; a KRaft answer means the controller committed the change, and each broker applies it"
    " after its own fetch of the metadata log (Kafka's own tests wait for every broker, KAFKA-15780)."
    " Measured here, three voters, quiet: the other broker has it 1-2 ms after the answer; Kafka 3.7"
    " can leave a voter up to 500 ms behind (the high-watermark gap KIP-1166 closes)"
)
HW_RACE = (
    "assumes one broker: right after acks=1 writes it reads the end offset (ListOffsets latest is the"
    " high watermark, Partition.fetchOffsetForTimestamp) or expects a long poll to wait; on the"
    " cluster's replication-factor-3 topics the high watermark moves once both followers have fetched"
    " again: measured 1.7 ms after the produce answer (median), 7 ms next to 600 replicated partitions"
    " (docs/cluster.md, 'Follower fetches')"
)

KNOWN: dict[str, dict[str, str]] = {
    "kafka-python": {
        "test_ssl_integration": SSL_SASL,
        "test_sasl_integration": SSL_SASL,
        "test_producer_integration::test_idempotent_producer_max_in_flight[": "kafka-python 3.0's own race"
        " (seen once in five cluster runs, broker-independent): its consumer, subscribed while it"
        " bootstrapped, logged 'Sleeping 299.99 for next Metadata refresh' and never asked for the topic,"
        " so it read nothing in 30 s (docs/compat.md, 'Races a cluster adds'); the CI subset must not"
        " fail on a client bug",
    },
    "kafka-python[cluster]": {
        "test_admin_integration::test_delete_records$": "assumes one broker: it expects a single poll()"
        " to return the records of all six partitions, which on a cluster have three leaders; poll()"
        " returns with the first leader's answer (seen: 60 records, exactly one partition's rest),"
        " as it would on a 3-broker Kafka",
        "test_alter_replica_log_dirs": "assumes one broker: its topic has replication factor 1 and it"
        " asks the first broker describe_log_dirs names, which on a 3-broker cluster may not host partition 0"
        " (REPLICA_NOT_AVAILABLE, as Kafka's ReplicaManager answers)",
    },
    "aiokafka": {
        "ssl": SSL_SASL,  # test_ssl_consume, test_producer_ssl, test_create_ssl_context
        # (test_conn's SASL handshake tests mock the broker's answers: they are counted)
        "tests.test_sasl.": SSL_SASL
        + "; its ACLs are set with kafka-acls.sh in the suite's docker container",
    },
    "aiokafka[cluster]": {
        # the suite's Kafka is one docker container; these assert exactly that
        "test_admin.TestAdmin::test_metadata$": ONE_BROKER + " (asserts len(metadata.brokers) == 1)",
        "test_admin.TestAdmin::test_describe_cluster$": ONE_BROKER + " ([broker_id] = the cluster's brokers)",
        "test_admin.TestAdmin::test_describe_configs_broker$": ONE_BROKER
        + " ([broker_id] = the cluster's brokers)",
        "test_client.TestKafkaClientIntegration::test_no_concurrent_send_on_connection$": ONE_BROKER
        + ": it sends a Fetch to a random broker, on a cluster often not the partition's leader, and"
        " Kafka's ReplicaManager answers NOT_LEADER_OR_FOLLOWER (6) at once instead of long-polling",
        "TestKafkaClientIntegration::test_concurrent_send_on_different_connection_groups$": ONE_BROKER
        + ": the same random-broker Fetch as test_no_concurrent_send_on_connection",
        "ConnIntegrationTest::test_send_without_response$": ONE_BROKER
        + ": it produces with acks=0 to topic foo (replication factor 1) through the first broker; when"
        " another broker leads foo-0, Kafka closes the connection (an acks=0 produce error,"
        " KafkaApis.handleProduceRequest) and the test's sends see 'Connection lost'",
        "test_consumer.TestConsumerIntegration::test_manual_subscribe_pattern$": "the suite's own pattern"
        " topic-test_manual_subs* also matches the topic test_manual_subscribe_nogroup made just before;"
        " on a cluster which 20 of the 40 records it reads depends on which leader answers first, as it"
        " would on a 3-broker Kafka (docs/compat.md)",
        "test_admin.TestAdmin::test_create_partitions$": METADATA_RACE,
        "test_admin.TestAdmin::test_delete_topics$": METADATA_RACE,
        "test_admin.TestAdmin::test_list_topics$": METADATA_RACE,
        "test_admin.TestAdmin::test_alter_configs$": METADATA_RACE,
        "test_admin.TestAdmin::test_describe_configs_topic$": METADATA_RACE,
        "TestConsumerIntegration::test_consumer_wait_topic$": METADATA_RACE,
        "TestConsumerIntegration::test_create_consumer_no_running_loop$": METADATA_RACE,
        "test_transactional_consumer.TestKafkaConsumerIntegration::test_consumer_transactional_commit$": (
            METADATA_RACE
        ),
        "TestConsumerIntegration::test_consumer_seek_to_end$": HW_RACE,
        "TestConsumerIntegration::test_consumer_seek_forward_getmany$": HW_RACE,
        "TestConsumerIntegration::test_consumer_seek_forward_getone$": HW_RACE,
        "TestConsumerIntegration::test_commit_not_blocked_by_long_poll_fetch$": HW_RACE,
        "TestConsumerIntegration::test_consumer_compressed_returns_older_msgs$": HW_RACE,
    },
    "confluent-kafka-python": {
        "ssl": SSL_SASL,
        "sasl": SSL_SASL,
        "oauth": SSL_SASL,
        # each file reported as one skipped test, never imported (plugins/confluent_external.py)
        ".schema_registry.": "needs a Confluent Schema Registry (the suite's SR_URL): none here",
        ".share_consumer.": SHARE_GROUPS,
        "test_incremental_alter_configs::test_incremental_alter_configs$": "expects Kafka 4.1+: KIP-966's"
        " cluster-level min.insync.replicas ConfigRecord listed on every topic (the suite's own skipif reads"
        " its pinned broker version 4.2.0); the broker is Kafka 3.7, whose answer lacks it, as measured",
    },
    # test-runner names; KAFKA_PATH unset, so these fail ("KAFKA_PATH must be set") or skip
    "librdkafka": {
        "0052_msg_timestamps$": KAFKA_CLI + " (kafka-topics.sh --config message.timestamp.type)",
        "0077_compaction$": KAFKA_CLI + " (kafka-topics.sh --config cleanup.policy=compact)",
        "0109_auto_create_topics$": KAFKA_CLI + " (kafka-acls.sh)",
        "0115_producer_auth$": KAFKA_CLI + " (kafka-acls.sh)",
        "0119_consumer_auth$": KAFKA_CLI + " (kafka-acls.sh)",
        "0098_consumer_txn$": JAVA_CLIENT,
        "0097_ssl_verify$": SSL_SASL,
        "0126_oauthbearer_oidc$": SSL_SASL,
    },
    "librdkafka[cluster]": {
        "0107_topic_recreate$": LIBRDKAFKA_202_DESTROY_HANG,  # --scenario noautocreate
    },
    "librdkafka[single]": {
        "0101_fetch_from_follower$": NEEDS_3_BROKERS,
        "0103_transactions$": NEEDS_3_BROKERS,
        "0107_topic_recreate$": NEEDS_3_BROKERS,  # --scenario noautocreate
        "0111_delay_create_topics$": NEEDS_3_BROKERS,
    },
}


def reason_for(suite: str, test_id: str) -> str | None:
    base = suite.split("[", 1)[0]
    for needle, why in {**KNOWN.get(base, {}), **KNOWN.get(suite, {})}.items():
        if test_id.endswith(needle[:-1]) if needle.endswith("$") else needle in test_id:
            return why
    return None
