"""The drill's judge: the lab's rows (as `netlab check` runs them) must all work, and the drill's
constraints must hold. Each row is shown with netlab's cause sentence cut before its remedy
(" — advertise ..., e.g. ..."): the judge says what is wrong, never what to type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netlab.kafka.group_rules import offsets_topic_error, static_member_error
from netlab.kafka.lab_report import Report
from netlab.kafka.results import Verdict
from netlab.report.model import split_reason
from netlab.topology import Topology

IGNORED_PROPERTIES = {"log.dirs"}  # netlab's own default, never the user's

# a group_forms / group_members spec -> (holds, the client's words when not): real clients, live
GroupRunner = Callable[[dict[str, Any]], tuple[bool, str | None]]


@dataclass
class Row:
    ok: bool
    kind: str  # start | client | link
    text: str  # "client-1 → broker:9092 (kcat)"
    cause: str | None
    sentence: str | None  # the diagnosis, without the remedy
    client_error: str | None


@dataclass
class ConstraintResult:
    ok: bool
    says: str
    why: str = ""


@dataclass
class Judgement:
    rows: list[Row]
    constraints: list[ConstraintResult]
    report: Report = field(repr=False)

    @property
    def solved(self) -> bool:
        return all(r.ok for r in self.rows) and all(c.ok for c in self.constraints)

    def to_json(self) -> dict[str, Any]:
        rows = self.report.to_json()
        for d, r in zip(rows, self.rows, strict=True):
            d["reason"] = r.sentence  # the diagnosis only: `drill check` never prints the answer
        return {
            "solved": self.solved,
            "rows": rows,
            "constraints": [{"ok": c.ok, "says": c.says, "why": c.why} for c in self.constraints],
        }


def diagnosis(reason: str | None) -> str | None:
    """netlab's sentence without its remedy (explain.py: '<what happened> — <what to change>', or
    '...; <node> can bootstrap from <address>'), Kafka's own log words kept: the report page's
    split (netlab.report.model.split_reason), so the page and the judge hold back the same."""
    return split_reason(reason)[0] if reason else reason


def _row(v: Verdict, kind: str) -> Row:
    via = f" ({v.client})" if v.client and kind == "client" else ""
    text = f"broker in {v.from_node} starts" if kind == "start" else f"{v.from_node} → {v.to}{via}"
    return Row(v.ok, kind, text, v.cause, diagnosis(v.reason), v.client_error)


def listener_names(props: Mapping[str, str]) -> set[str]:
    return {
        item.split("://", 1)[0].strip().upper()
        for item in props.get("listeners", "").split(",")
        if "://" in item
    }


def _changed(before: Mapping[str, str], after: Mapping[str, str]) -> set[str]:
    return {
        k for k in set(before) | set(after) if k not in IGNORED_PROPERTIES and before.get(k) != after.get(k)
    }


def _shape(t: Topology) -> dict:
    """Everything of a topology but the brokers' settings and the expectations."""
    d = t.model_dump(mode="json", by_alias=True, exclude={"expect", "description"})
    for node in d.get("nodes", {}).values():
        node.pop("broker", None)
    return d


def static_members(topology: Topology, group: str) -> dict[str, str | None]:
    """node/process -> group.instance.id of the lab's group_member.py processes in `group`
    (from --instance-id, else the process's GROUP_INSTANCE_ID, as the member reads it)."""
    out: dict[str, str | None] = {}
    for node, spec in topology.nodes.items():
        for proc in spec.processes:
            argv = list(proc.command)
            if not any(a.endswith("group_member.py") for a in argv) or group not in argv:
                continue
            iid = argv[argv.index("--instance-id") + 1] if "--instance-id" in argv else None
            out[f"{node}/{proc.effective_name}"] = iid or dict(proc.environment).get("GROUP_INSTANCE_ID")
    return out


def constraints_of(
    spec: tuple[Any, ...],
    pristine: Topology,
    applied: Topology,
    start_props: Mapping[str, Mapping[str, str]],
    props: Mapping[str, Mapping[str, str]],
    running: set[str] | None = None,
    groups: GroupRunner | None = None,
) -> list[ConstraintResult]:
    """The drill's own rules, plus one every drill has: the clients stay as they are.
    `group_forms` runs `groups` (a real consumer) when given, else predicts with group_rules;
    `running`: the brokers that started (for the prediction)."""
    same_clients = [c.model_dump() for c in pristine.clients] == [c.model_dump() for c in applied.clients]
    out = [
        ConstraintResult(
            same_clients,
            "the clients stay as they are (clients: unchanged)",
            "" if same_clients else "clients: was edited",
        )
    ]
    for c in spec:
        kind, arg = (c, None) if isinstance(c, str) else next(iter(c.items()))
        if kind == "network_unchanged":
            ok = _shape(pristine) == _shape(applied) and set(start_props) == set(props)
            out.append(
                ConstraintResult(
                    ok,
                    "the network stays as it is (nodes, networks, ports, links)",
                    "" if ok else "the topology changed outside the brokers' settings",
                )
            )
        elif kind == "no_new_listener":
            news = {
                node: sorted(listener_names(p) - listener_names(start_props.get(node, {})))
                for node, p in props.items()
            }
            extra = {n: e for n, e in news.items() if e}
            out.append(
                ConstraintResult(
                    not extra,
                    "no new listener: fix the listeners that are there",
                    "; ".join(f"{n} has new listener(s) {', '.join(e)}" for n, e in extra.items()),
                )
            )
        elif kind == "only_properties":
            allowed = set(arg or ())
            changed = {
                node: sorted(_changed(start_props.get(node, {}), p) - allowed) for node, p in props.items()
            }
            bad = {n: b for n, b in changed.items() if b}
            out.append(
                ConstraintResult(
                    not bad,
                    f"only {', '.join(sorted(allowed))} may change",
                    "; ".join(f"{n} changed {', '.join(b)}" for n, b in bad.items()),
                )
            )
        elif kind == "group_forms":
            g = dict(arg or {})
            where = f"{g['node']} → {g['bootstrap']}"
            if groups is not None:
                ok, error = groups(g)
            else:
                error = offsets_topic_error(props, set(props) if running is None else running)
                ok = error is None
            out.append(
                ConstraintResult(
                    ok, f"consumer group {g['group']} forms ({where}, confluent-kafka)", error or ""
                )
            )
        elif kind == "group_members":
            g = dict(arg or {})
            expected = [str(m) for m in g["members"]]
            if groups is not None:
                ok, error = groups(g)
            else:
                error = offsets_topic_error(props, set(props) if running is None else running)
                error = error or static_member_error(static_members(applied, str(g["group"])), expected)
                ok = error is None
            out.append(
                ConstraintResult(
                    ok,
                    f"consumer group {g['group']} is stable with members {', '.join(expected)}",
                    error or "",
                )
            )
        elif kind == "unchanged_nodes":
            nodes = list(arg or ())
            touched = [n for n in nodes if _changed(start_props.get(n, {}), props.get(n, {}))]
            out.append(
                ConstraintResult(
                    not touched,
                    f"the settings of {', '.join(nodes)} stay as they are",
                    f"changed: {', '.join(touched)}" if touched else "",
                )
            )
    return out


def judge(
    report: Report,
    spec: tuple[Any, ...],
    pristine: Topology,
    applied: Topology,
    start_props: Mapping[str, Mapping[str, str]],
    props: Mapping[str, Mapping[str, str]],
    groups: GroupRunner | None = None,
) -> Judgement:
    rows = [_row(v, k) for v, k in zip(report.verdicts, report.kinds, strict=True)]
    running = {
        v.from_node for v, k in zip(report.verdicts, report.kinds, strict=True) if k == "start" and v.ok
    }
    return Judgement(
        rows, constraints_of(spec, pristine, applied, start_props, props, running, groups), report
    )
