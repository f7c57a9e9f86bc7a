"""One record of `__cluster_metadata-0` as kafka-dump-log --cluster-metadata-decoder prints it:
a data record as `payload: {"type":...,"version":...,"data":{...}}`, a LeaderChange control
record as `LeaderChange: {...}`."""

from __future__ import annotations

import json

from . import metadata_records
from .metadata_log import LEADER_CHANGE_TYPE, parse_leader_change


def metadata_payload(rec, is_control: bool) -> str:
    try:
        if is_control:
            ctype = int.from_bytes(rec.key[2:4], "big", signed=True) if rec.key and len(rec.key) >= 4 else -1
            if ctype == LEADER_CHANGE_TYPE and rec.value is not None:
                leader, voters, granting = parse_leader_change(rec.value)
                body = {
                    "version": 0,
                    "leaderId": leader,
                    "voters": [{"voterId": v} for v in voters],
                    "grantingVoters": [{"voterId": v} for v in granting],
                }
                return "LeaderChange: " + json.dumps(body, separators=(",", ":"))
            return f"controlType: UNKNOWN({ctype})"
        if rec.value is None:
            return "payload: null"
        return "payload: " + metadata_records.to_json(rec.value)
    except (ValueError, IndexError, EOFError) as exc:
        return f"payload: (not a metadata record: {exc})"
