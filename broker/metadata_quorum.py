"""`python -m broker.metadata_quorum --bootstrap-controller HOST:PORT describe --status|--replication`

What Kafka's kafka-metadata-quorum.sh (MetadataQuorumCommand, 3.4–3.6 output) prints, asked with
Kafka's own RPCs over a controller listener: DescribeCluster (KIP-919) for the cluster id and the
voters, then DescribeQuorum (key 55, v1) sent to the active controller.

    ClusterId:              4L6g3nShT-eMCtK--X86sw
    LeaderId:               2
    LeaderEpoch:            3
    HighWatermark:          41
    MaxFollowerLag:         0
    MaxFollowerLagTimeMs:   12
    CurrentVoters:          [1,2,3]
    CurrentObservers:       [4,5]

Exit status: 0 printed, 1 the quorum could not be asked, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from .apis import describe_cluster, describe_quorum
from .cluster.channel import NodeChannel
from .cluster.errors import ChannelError
from .log4j import logger
from .protocol.errors import ErrorCode
from .raft.metadata_log import PARTITION, TOPIC

TIMEOUT_S = 5.0


def _host_port(text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    if not colon or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST:PORT of a controller listener")
    return host.strip("[]"), int(port)


async def _ask(host: str, port: int) -> tuple[str, dict]:
    log = logger("org.apache.kafka.clients.NetworkClient", "[AdminClient clientId=adminclient-1]")
    ch = NodeChannel(log, -1, host, port, "adminclient-1", connect_timeout_s=TIMEOUT_S)
    try:
        cluster = await ch.request(
            describe_cluster.API,
            1,
            {"include_cluster_authorized_operations": False, "endpoint_type": 2},
            TIMEOUT_S,
        )
        if cluster["error_code"]:
            raise ChannelError(f"DescribeCluster answered {ErrorCode(cluster['error_code']).name}")
        leader = cluster["controller_id"]
        voters = {b["broker_id"]: (b["host"], b["port"]) for b in cluster["brokers"]}
    finally:
        ch.close()
    if leader not in voters:
        raise ChannelError("the quorum has no leader")
    ch = NodeChannel(log, leader, *voters[leader], "adminclient-1", connect_timeout_s=TIMEOUT_S)
    try:
        body = {"topics": [{"topic_name": TOPIC, "partitions": [{"partition_index": PARTITION}]}]}
        resp = await ch.request(describe_quorum.API, 1, body, TIMEOUT_S)
    finally:
        ch.close()
    part = resp["topics"][0]["partitions"][0] if resp["topics"] else None
    err = resp["error_code"] or (part["error_code"] if part else ErrorCode.UNKNOWN_SERVER_ERROR)
    if err or part is None:
        raise ChannelError(f"DescribeQuorum answered {ErrorCode(err).name}")
    return cluster["cluster_id"], part


def status_lines(cluster_id: str, part: dict, now_ms: int) -> list[str]:
    leader_end = next(
        (v["log_end_offset"] for v in part["current_voters"] if v["replica_id"] == part["leader_id"]), 0
    )
    followers = [v for v in part["current_voters"] if v["replica_id"] != part["leader_id"]]
    max_lag = max((leader_end - v["log_end_offset"] for v in followers), default=0)
    # Kafka: the time since the slowest voter last caught up with the leader.
    caught = [v["last_caught_up_timestamp"] for v in followers if v["last_caught_up_timestamp"] >= 0]
    lag_ms = now_ms - min(caught) if caught and len(caught) == len(followers) else -1
    rows = [
        ("ClusterId:", cluster_id),
        ("LeaderId:", part["leader_id"]),
        ("LeaderEpoch:", part["leader_epoch"]),
        ("HighWatermark:", part["high_watermark"]),
        ("MaxFollowerLag:", max_lag),
        ("MaxFollowerLagTimeMs:", lag_ms),
        ("CurrentVoters:", "[" + ",".join(str(v["replica_id"]) for v in part["current_voters"]) + "]"),
        ("CurrentObservers:", "[" + ",".join(str(o["replica_id"]) for o in part["observers"]) + "]"),
    ]
    return [f"{k:<24}{v}" for k, v in rows]


def replication_lines(part: dict) -> list[str]:
    leader_end = next(
        (v["log_end_offset"] for v in part["current_voters"] if v["replica_id"] == part["leader_id"]), 0
    )
    header = ["NodeId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status"]
    rows = []
    for kind, group in (("voter", part["current_voters"]), ("observer", part["observers"])):
        for r in group:
            status = (
                "Observer"
                if kind == "observer"
                else "Leader"
                if r["replica_id"] == part["leader_id"]
                else "Follower"
            )
            rows.append(
                [
                    str(r["replica_id"]),
                    str(r["log_end_offset"]),
                    str(max(leader_end - r["log_end_offset"], 0)),
                    str(r["last_fetch_timestamp"]),
                    str(r["last_caught_up_timestamp"]),
                    status,
                ]
            )
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=False)]
    return [
        "\t".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in [header, *rows]
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m broker.metadata_quorum", description=__doc__.split("\n")[2])
    p.add_argument("--bootstrap-controller", type=_host_port, required=True, metavar="HOST:PORT")
    sub = p.add_subparsers(dest="verb", required=True)
    d = sub.add_parser("describe")
    g = d.add_mutually_exclusive_group(required=True)
    g.add_argument("--status", action="store_true")
    g.add_argument("--replication", action="store_true")
    args = p.parse_args(argv)
    try:
        cluster_id, part = asyncio.run(_ask(*args.bootstrap_controller))
    except ChannelError as exc:
        print(f"org.apache.kafka.common.errors.TimeoutException: {exc}", file=sys.stderr)
        return 1
    lines = (
        status_lines(cluster_id, part, int(time.time() * 1000)) if args.status else replication_lines(part)
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
