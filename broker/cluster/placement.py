"""Replica placement, Kafka's rack-unaware rule (AdminUtils.assignReplicasToBrokers): a random
start broker and a random shift; first replicas round-robin, the others shifted after them. Used
by the KRaft controller and by ZooKeeper-mode brokers creating a topic (broker/zk/)."""

from __future__ import annotations

import random


def assign_replicas(broker_ids: list[int], partitions: int, rf: int) -> list[list[int]]:
    brokers = sorted(broker_ids)
    n = len(brokers)
    start, shift = random.randrange(n), random.randrange(n)
    out = []
    for p in range(partitions):
        if p > 0 and p % n == 0:
            shift += 1
        first = (start + p) % n
        reps = [brokers[first]]
        for j in range(rf - 1):
            reps.append(brokers[(first + 1 + (shift + j) % (n - 1)) % n] if n > 1 else brokers[first])
        out.append(reps)
    return out
