"""KRaft's Raft layer for a quorum of several voters (controller.quorum.voters with more than one
entry): quorum state and elections, the `__cluster_metadata-0` log, its replication by Fetch,
and the controller that runs on the elected leader. docs/cluster.md explains the model."""
