"""ZooKeeper mode: brokers with `zookeeper.connect` (and no process.roles) coordinate through a real
ZooKeeper the way Kafka 3.x did before KRaft (kazoo is the ZooKeeper client).

- znodes.py     Kafka's znode paths and JSON (kafka.zk.ZkData): /brokers/ids/<id>, /controller, ...
- session.py    the ZooKeeper session (kazoo), bridged to the broker's event loop
- identity.py   cluster id (/cluster/id), broker id (/brokers/seqid), meta.properties
- controller.py the elected controller: its events (watches), elections, what it writes and sends
- context.py    the controller's in-memory picture (Kafka's ControllerContext) and election rules
- controller_zk.py  the controller's ZooKeeper reads and writes, as batches (Kafka's KafkaZkClient)
- pipeline.py   many requests in flight at once, epoch-fenced writes (Kafka's handleRequests)
- channel.py    LeaderAndIsr and UpdateMetadata to every broker (Kafka's ControllerChannelManager)
- client_quotas.py  AlterClientQuotas / DescribeClientQuotas on the entity znodes (ZkAdminManager)
- config_changes.py /config/changes: every broker's copy of the client quotas (ZkConfigManager)
- broker.py     one broker's ZooKeeper side: registration, election watch, applying the controller's
                requests to the shared replication machinery (broker/cluster/replication.py)
"""
