"""`python -m broker.consumer_groups --bootstrap host:port | --log-dirs DIR [--group G] [--json]`

Prints consumer groups: state, members and their assignments, committed offsets, log end offsets
and lag per partition. `--bootstrap` asks a running broker (ListGroups, DescribeGroups,
OffsetFetch, ListOffsets); `--log-dirs` reads `__consumer_offsets` and the partition logs from
disk without opening them for writing (works while the broker is down; adds the generation).

Exit status: 0 ok, 1 broker unreachable or a group error, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .group.client import ClientError, GroupClient
from .group.consumer_protocol import decode_assignment
from .group.offsets import GroupRecord, OffsetRecord, read_partition, replay
from .group.partitioning import OFFSETS_TOPIC
from .log.batch import scan_valid_prefix

EXIT_OK, EXIT_FAIL, EXIT_INPUT = 0, 1, 2


# --- from a running broker ---
def from_broker(bootstrap: str, only: list[str] | None) -> list[dict]:
    with GroupClient.connect(bootstrap) as c:
        listed = c.request("list_groups", 4, {"states_filter": []})
        if listed["error_code"]:
            raise ClientError(f"ListGroups failed with error code {listed['error_code']}")
        ids = only or [g["group_id"] for g in listed["groups"]]
        described = (
            {d["group_id"]: d for d in c.request("describe_groups", 5, {"groups": ids})["groups"]}
            if ids
            else {}
        )
        out = []
        for gid in ids:
            d = described.get(gid, {})
            fetched = c.request("offset_fetch", 7, {"group_id": gid, "topics": None})
            if fetched["error_code"]:
                raise ClientError(
                    f"OffsetFetch for group {gid} failed with error code {fetched['error_code']}"
                )
            committed = {
                (t["name"], p["partition_index"]): p for t in fetched["topics"] for p in t["partitions"]
            }
            members = [
                {
                    "member_id": m["member_id"],
                    "group_instance_id": m["group_instance_id"],
                    "client_id": m["client_id"],
                    "client_host": m["client_host"],
                    "assignment": decode_assignment(bytes(m["member_assignment"])),
                }
                for m in d.get("members", [])
            ]
            partitions = set(committed) | {
                (t, p) for m in members for t, ps in (m["assignment"] or {}).items() for p in ps
            }
            ends = _log_end_offsets(c, partitions)
            out.append(
                _group_view(
                    gid,
                    d.get("group_state", "Dead"),
                    d.get("protocol_type", ""),
                    d.get("protocol_data", ""),
                    None,
                    members,
                    {tp: (v["committed_offset"], v["metadata"]) for tp, v in committed.items()},
                    ends,
                )
            )
        return out


def _log_end_offsets(c: GroupClient, partitions) -> dict[tuple[str, int], int | None]:
    by_topic: dict[str, list[int]] = {}
    for t, p in sorted(partitions):
        by_topic.setdefault(t, []).append(p)
    if not by_topic:
        return {}
    req = {
        "replica_id": -1,
        "isolation_level": 0,
        "topics": [
            {"name": t, "partitions": [{"partition_index": p, "timestamp": -1} for p in ps]}
            for t, ps in by_topic.items()
        ],
    }
    res = c.request("list_offsets", 5, req)
    return {
        (t["name"], p["partition_index"]): (p["offset"] if p["error_code"] == 0 else None)
        for t in res["topics"]
        for p in t["partitions"]
    }


# --- from the log directories ---
class _DiskPartition:
    """Enough of PartitionLog for read_partition: whole segments read from disk, read-only."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.segments = sorted(directory.glob("*.log"))
        self.data = b"".join(p.read_bytes() for p in self.segments)
        headers, valid, _ = scan_valid_prefix(self.data, verify_crc=False)
        self.data = self.data[:valid]
        self.log_start_offset = headers[0][1].base_offset if headers else 0
        self.log_end_offset = headers[-1][1].next_offset if headers else 0

    def read(self, offset: int, max_bytes: int, *, min_one: bool = True, max_offset=None) -> bytes:
        return self.data if offset == self.log_start_offset else b""


def _partition_dirs(log_dir: Path) -> dict[tuple[str, int], Path]:
    out = {}
    for d in log_dir.iterdir():
        topic, sep, part = d.name.rpartition("-")
        if d.is_dir() and sep and part.isdigit() and "." not in part:
            out[(topic, int(part))] = d
    return out


def from_log_dirs(dirs: list[Path], only: list[str] | None) -> list[dict]:
    parts: dict[tuple[str, int], Path] = {}
    for d in dirs:
        parts.update(_partition_dirs(d))
    records: list[OffsetRecord | GroupRecord] = []
    for (topic, _partition), d in sorted(parts.items()):
        if topic == OFFSETS_TOPIC:
            records.extend(read_partition(_DiskPartition(d)))
    groups, offsets = replay(records)
    ids = only or sorted(set(groups) | set(offsets))
    out = []
    for gid in ids:
        sg = groups.get(gid)
        committed = {tp: (c.offset, c.metadata) for tp, c in offsets.get(gid, {}).items()}
        stored_members = sg.members if sg else []
        assignments = [decode_assignment(m.assignment) for m in stored_members]
        members = [
            {
                "member_id": m.member_id,
                "group_instance_id": m.group_instance_id,
                "client_id": m.client_id,
                "client_host": m.client_host,
                "assignment": a,
            }
            for m, a in zip(stored_members, assignments, strict=True)
        ]
        wanted = set(committed) | {(t, p) for a in assignments for t, ps in (a or {}).items() for p in ps}
        ends = {tp: (_DiskPartition(parts[tp]).log_end_offset if tp in parts else None) for tp in wanted}
        state = ("Stable" if sg.members else "Empty") if sg else ("Empty" if committed else "Dead")
        out.append(
            _group_view(
                gid,
                state,
                sg.protocol_type if sg else "",
                (sg.protocol or "") if sg else "",
                sg.generation if sg else None,
                members,
                committed,
                ends,
            )
        )
    return out


# --- shared view ---
def _group_view(gid, state, protocol_type, protocol, generation, members, committed, ends) -> dict:
    owner = {(t, p): m["member_id"] for m in members for t, ps in (m["assignment"] or {}).items() for p in ps}
    rows = []
    for tp in sorted(set(committed) | set(owner)):
        off, meta = committed.get(tp, (-1, ""))
        end = ends.get(tp)
        rows.append(
            {
                "topic": tp[0],
                "partition": tp[1],
                "committed_offset": off if off >= 0 else None,
                "log_end_offset": end,
                "lag": (end - off) if end is not None and off >= 0 else None,
                "metadata": meta or "",
                "member_id": owner.get(tp),
            }
        )
    return {
        "group": gid,
        "state": state,
        "protocol_type": protocol_type,
        "protocol": protocol,
        "generation": generation,
        "members": members,
        "partitions": rows,
    }


def render(groups: list[dict]) -> str:
    if not groups:
        return "no consumer groups"
    lines = []
    for g in groups:
        # --log-dirs knows the generation and the state as last written to the log
        gen = f" (as last written), generation {g['generation']}" if g["generation"] is not None else ""
        lines.append(
            f"GROUP {g['group']}  state {g['state']}{gen}  protocol {g['protocol_type'] or '-'}/"
            f"{g['protocol'] or '-'}  members {len(g['members'])}"
        )
        for m in g["members"]:
            assigned = ", ".join(
                f"{t}[{','.join(map(str, ps))}]" for t, ps in sorted((m["assignment"] or {}).items())
            )
            static = f" instance {m['group_instance_id']}" if m["group_instance_id"] else ""
            lines.append(
                f"  member {m['member_id']}{static} client {m['client_id']} host {m['client_host']}: "
                f"{assigned or '(no partitions)'}"
            )
        if g["partitions"]:
            lines.append(
                f"  {'TOPIC':<24} {'PARTITION':>9} {'COMMITTED':>10} {'LOG-END':>10} {'LAG':>8}  MEMBER"
            )
            show = lambda v: "-" if v is None else str(v)  # noqa: E731
            for r in g["partitions"]:
                lines.append(
                    f"  {r['topic']:<24} {r['partition']:>9} {show(r['committed_offset']):>10} "
                    f"{show(r['log_end_offset']):>10} {show(r['lag']):>8}  {r['member_id'] or '-'}"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m broker.consumer_groups", description=__doc__.split("\n\n")[1])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--bootstrap", metavar="HOST:PORT", help="ask a running broker")
    src.add_argument("--log-dirs", metavar="DIR[,DIR]", help="read the broker's log directories from disk")
    p.add_argument("--group", action="append", help="only this group (repeatable)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:
        return EXIT_INPUT if exc.code else EXIT_OK
    try:
        if args.log_dirs:
            dirs = [Path(d) for d in args.log_dirs.split(",") if d]
            missing = [str(d) for d in dirs if not d.is_dir()]
            if missing:
                print(f"error: --log-dirs: {', '.join(missing)} is not a directory", file=sys.stderr)
                return EXIT_INPUT
            groups = from_log_dirs(dirs, args.group)
        else:
            groups = from_broker(args.bootstrap, args.group)
    except ClientError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT if "bootstrap must be" in str(exc) else EXIT_FAIL
    try:
        print(json.dumps({"groups": groups}, indent=2) if args.json else render(groups))
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        sys.stderr.close()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
