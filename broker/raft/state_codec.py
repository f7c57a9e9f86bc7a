"""The controller's state as Kafka's metadata records in `__cluster_metadata-0`.

The active controller keeps an *image* (brokers with their registration, topics with configs and
partitions) of what it has written; each change is written as the records that turn the old
image into the new one (RegisterBrokerRecord, FenceBrokerRecord, UnfenceBrokerRecord,
TopicRecord, ConfigRecord, PartitionRecord, PartitionChangeRecord, RemoveTopicRecord,
AccessControlEntryRecord, ClientQuotaRecord, UserScramCredentialRecord,
RemoveUserScramCredentialRecord) and every reader — a standby voter, a broker, a new
leader — rebuilds the image by replaying them in order, as Kafka's MetadataLoader does. A
PartitionChangeRecord that names a leader bumps the leader epoch (Kafka's
PartitionRegistration.merge); a change the record cannot express (an epoch moved by more than
one) is written as a whole PartitionRecord, which replaces the partition."""

from __future__ import annotations

import base64
import copy
import uuid

from .. import client_quotas, scram_credentials
from ..acls import binding_from_json
from ..cluster.metadata import BrokerEndpoint, BrokerInfo
from ..cluster.snapshot import topic_from_json, topic_to_json
from . import metadata_records as mr
from .metadata_delta import MetadataDelta

METADATA_VERSION_LEVEL = 19  # the metadata.version Kafka 3.7 bootstraps a new cluster with (3.7-IV4)


def empty_image(cluster_id: str) -> dict:
    return {
        "cluster_id": cluster_id,
        "features": {},
        "registrations": {},
        "topics": {},
        "broker_configs": {},  # resource ("" = cluster default, "<id>") -> {name: value}
        "acls": {},  # ACL id -> binding as JSON (AccessControlEntryRecord)
        "client_quotas": {},  # entity path -> {quota key: value} (ClientQuotaRecord, broker/client_quotas.py)
        # user -> {mechanism: credential} (UserScramCredentialRecord, broker/scram_credentials.py)
        "scram_credentials": {},
    }


def acl_id(binding: dict) -> str:
    """A stable id per ACL: an identical ACL is never stored twice, so its content names it
    (Kafka draws a random Uuid; ours is derived, which the record's shape allows)."""
    key = "|".join(str(binding[k]) for k in sorted(binding))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "acl:" + key))


def image_of(controller, topics: set[str] | None = None) -> dict:
    """The controller's state as an image; with `topics`, only those topics (the others are left
    out, for a diff restricted to them: see restrict and merge_topics)."""
    regs = {}
    for bid, r in controller.registrations.items():
        regs[bid] = {
            "id": bid,
            "rack": r.info.rack,
            "endpoints": {k: [e.host, e.port] for k, e in r.info.endpoints.items()},
            "epoch": r.epoch,
            "incarnation": str(r.incarnation),
            "fenced": r.fenced,
        }
    md = controller.metadata
    return {
        "cluster_id": md.cluster_id,
        "features": dict(getattr(controller, "features", {})),
        "registrations": regs,
        "topics": {
            t.name: topic_to_json(t, controller.topic_configs.get(t.name))
            for t in (
                md.topics.values() if topics is None else [md.topics[n] for n in topics if n in md.topics]
            )
        },
        "broker_configs": {k: dict(v) for k, v in controller.broker_configs.items()},
        "acls": {acl_id(b.to_json()): b.to_json() for b in controller.acls},
        "client_quotas": {k: dict(v) for k, v in controller.client_quotas.items()},
        "scram_credentials": scram_credentials.copy_table(controller.scram_credentials),
    }


def restrict(image: dict, topics: set[str]) -> dict:
    """`image` with only `topics` (shared, not copied): what a diff against image_of(c, topics)
    compares, so a change to one topic costs that topic, not the whole cluster."""
    return dict(image, topics={n: image["topics"][n] for n in topics if n in image["topics"]})


def merge_topics(written: dict, new: dict, topics: set[str]) -> None:
    """After writing diff(restrict(written, topics), new): `written` becomes the whole new image."""
    for key, value in new.items():
        if key != "topics":
            written[key] = value
    for n in topics:
        if n in new["topics"]:
            written["topics"][n] = new["topics"][n]
        else:
            written["topics"].pop(n, None)


# --- writing: the records between two images ---
def diff(old: dict, new: dict) -> list[bytes]:
    out: list[bytes] = []
    for name, level in sorted(new["features"].items()):
        if old["features"].get(name) != level:
            out.append(mr.encode(mr.FEATURE_LEVEL, {"Name": name, "FeatureLevel": level}))
    for bid, r in sorted(new["registrations"].items()):
        o = old["registrations"].get(bid)
        if o is None or o["epoch"] != r["epoch"] or o["incarnation"] != r["incarnation"]:
            out.append(
                mr.encode(
                    mr.REGISTER_BROKER,
                    {
                        "BrokerId": bid,
                        "IncarnationId": uuid.UUID(r["incarnation"]),
                        "BrokerEpoch": r["epoch"],
                        "EndPoints": [
                            {"Name": k, "Host": h, "Port": p, "SecurityProtocol": 0}
                            for k, (h, p) in r["endpoints"].items()
                        ],
                        "Features": [],
                        "Rack": r["rack"],
                        "Fenced": True,  # registered fenced, then unfenced (Kafka's order)
                    },
                )
            )
            o = {"fenced": True}
        if o["fenced"] != r["fenced"]:
            rtype = mr.FENCE_BROKER if r["fenced"] else mr.UNFENCE_BROKER
            out.append(mr.encode(rtype, {"Id": bid, "Epoch": r["epoch"]}))
    out += _config_diff(old.get("broker_configs", {}), new.get("broker_configs", {}))
    out += _acl_diff(old.get("acls", {}), new.get("acls", {}))
    out += _quota_diff(old.get("client_quotas", {}), new.get("client_quotas", {}))
    out += _scram_diff(old.get("scram_credentials", {}), new.get("scram_credentials", {}))
    for bid, o in sorted(old["registrations"].items()):
        if bid not in new["registrations"]:
            out.append(mr.encode(mr.UNREGISTER_BROKER, {"BrokerId": bid, "BrokerEpoch": o["epoch"]}))
    for name, t in sorted(old["topics"].items()):
        n = new["topics"].get(name)
        if n is None or n["id"] != t["id"]:
            out.append(mr.encode(mr.REMOVE_TOPIC, {"TopicId": uuid.UUID(t["id"])}))
    for name, t in sorted(new["topics"].items()):
        o = old["topics"].get(name)
        tid = uuid.UUID(t["id"])
        if o is None or o["id"] != t["id"]:
            out.append(mr.encode(mr.TOPIC, {"Name": name, "TopicId": tid}))
            for k, v in sorted(t["configs"].items()):
                out.append(
                    mr.encode(
                        mr.CONFIG,
                        {"ResourceType": mr.TOPIC_RESOURCE, "ResourceName": name, "Name": k, "Value": str(v)},
                    )
                )
            for p in t["partitions"]:
                out.append(_partition_record(tid, p))
            continue
        oc, tc = _strings(o["configs"]), _strings(t["configs"])
        for k in sorted(set(oc) | set(tc)):
            if oc.get(k) != tc.get(k):
                value = tc.get(k)
                out.append(
                    mr.encode(
                        mr.CONFIG,
                        {"ResourceType": mr.TOPIC_RESOURCE, "ResourceName": name, "Name": k, "Value": value},
                    )
                )
        before = {p["p"]: p for p in o["partitions"]}
        for p in t["partitions"]:
            b = before.get(p["p"])
            reassigning = (b or {}).get("adding", []) != p.get("adding", []) or (b or {}).get(
                "removing", []
            ) != p.get("removing", [])
            if b is None or b["replicas"] != p["replicas"] or reassigning:
                out.append(_partition_record(tid, p))
                continue
            leader_moved = b["leader"] != p["leader"] or b["epoch"] != p["epoch"]
            if leader_moved and p["epoch"] != b["epoch"] + 1:
                out.append(_partition_record(tid, p))
                continue
            change = {"PartitionId": p["p"], "TopicId": tid}
            if b["isr"] != p["isr"]:
                change["Isr"] = list(p["isr"])
            if leader_moved:
                change["Leader"] = p["leader"]
            if len(change) > 2:
                out.append(mr.encode(mr.PARTITION_CHANGE, change))
    return out


def _strings(configs: dict) -> dict[str, str]:
    """Config values as the records carry them (a replayed image holds strings)."""
    return {k: str(v) for k, v in configs.items()}


def _config_diff(old: dict, new: dict) -> list[bytes]:
    """ConfigRecords of resource type BROKER; a removed config is a record with a null value."""
    out = []
    for resource in sorted(set(old) | set(new)):
        o, n = _strings(old.get(resource, {})), _strings(new.get(resource, {}))
        for name in sorted(set(o) | set(n)):
            if o.get(name) != n.get(name):
                value = None if name not in n else str(n[name])
                out.append(
                    mr.encode(
                        mr.CONFIG,
                        {
                            "ResourceType": mr.BROKER_RESOURCE,
                            "ResourceName": resource,
                            "Name": name,
                            "Value": value,
                        },
                    )
                )
    return out


def _acl_diff(old: dict, new: dict) -> list[bytes]:
    gone = sorted(set(old) - set(new))
    out = [mr.encode(mr.REMOVE_ACCESS_CONTROL_ENTRY, {"Id": uuid.UUID(i)}) for i in gone]
    for i in sorted(set(new) - set(old)):
        b = new[i]
        out.append(
            mr.encode(
                mr.ACCESS_CONTROL_ENTRY,
                {
                    "Id": uuid.UUID(i),
                    "ResourceType": b["resource_type"],
                    "ResourceName": b["resource_name"],
                    "PatternType": b["pattern_type"],
                    "Principal": b["principal"],
                    "Host": b["host"],
                    "Operation": b["operation"],
                    "PermissionType": b["permission_type"],
                },
            )
        )
    return out


def _quota_diff(old: dict, new: dict) -> list[bytes]:
    """A ClientQuotaRecord per key set, changed or removed (ClientQuotaControlManager writes one
    per changed key; Remove=true carries no value)."""
    out = []
    for path in sorted(set(old) | set(new)):
        o, n = old.get(path, {}), new.get(path, {})
        entity = [
            {"EntityType": t, "EntityName": name}
            for t, name in client_quotas.ordered(client_quotas.entity_of_path(path))
        ]
        for key in sorted(set(o) | set(n)):
            if key not in n or not client_quotas.same_value(o.get(key), n[key]):
                removed = key not in n
                out.append(
                    mr.encode(
                        mr.CLIENT_QUOTA,
                        {
                            "Entity": entity,
                            "Key": key,
                            "Value": 0.0 if removed else n[key],
                            "Remove": removed,
                        },
                    )
                )
    return out


def _scram_diff(old: dict, new: dict) -> list[bytes]:
    """A UserScramCredentialRecord per credential added or changed, a
    RemoveUserScramCredentialRecord per credential gone (ScramControlManager's records)."""
    out = []
    for user in sorted(set(old) | set(new)):
        o, n = old.get(user, {}), new.get(user, {})
        for mech in sorted(set(o) | set(n)):
            kind = scram_credentials.TYPE_OF[mech]
            if mech not in n:
                out.append(mr.encode(mr.REMOVE_USER_SCRAM_CREDENTIAL, {"Name": user, "Mechanism": kind}))
            elif o.get(mech) != n[mech]:
                c = n[mech]
                fields = {
                    "Name": user,
                    "Mechanism": kind,
                    "Salt": base64.b64decode(c["salt"]),
                    "StoredKey": base64.b64decode(c["stored_key"]),
                    "ServerKey": base64.b64decode(c["server_key"]),
                    "Iterations": c["iterations"],
                }
                out.append(mr.encode(mr.USER_SCRAM_CREDENTIAL, fields))
    return out


def _partition_record(tid: uuid.UUID, p: dict) -> bytes:
    return mr.encode(
        mr.PARTITION,
        {
            "PartitionId": p["p"],
            "TopicId": tid,
            "Replicas": list(p["replicas"]),
            "Isr": list(p["isr"]),
            "RemovingReplicas": list(p.get("removing", [])),
            "AddingReplicas": list(p.get("adding", [])),
            "Leader": p["leader"],
            "LeaderEpoch": p["epoch"],
            "PartitionEpoch": p["epoch"],
        },
    )


# --- reading: replay records into an image ---
def replay(image: dict, value: bytes, delta: MetadataDelta | None = None) -> None:
    """Apply one record to `image`; `delta` (if given) notes what it touched (Kafka's
    MetadataDelta.replay)."""
    rtype, f = mr.decode(value)
    regs, topics = image["registrations"], image["topics"]
    by_id = _TopicsById(image)
    d = delta if delta is not None else MetadataDelta()
    if rtype is mr.FEATURE_LEVEL:
        image["features"][f["Name"]] = f["FeatureLevel"]
        d.features = True
    elif rtype in (mr.REGISTER_BROKER, mr.FENCE_BROKER, mr.UNFENCE_BROKER, mr.UNREGISTER_BROKER):
        _replay_broker(regs, rtype, f)
        d.brokers = True
    elif rtype is mr.TOPIC:
        topics[f["Name"]] = {
            "name": f["Name"],
            "id": str(f["TopicId"]),
            "internal": f["Name"].startswith("__"),
            "configs": {},
            "partitions": [],
        }
        if "_ids" in image:  # keep the id index whole: a miss would rebuild it over every topic
            image["_ids"][str(f["TopicId"])] = f["Name"]
        d.touch(f["Name"])
    elif rtype is mr.CONFIG and f["ResourceType"] == mr.BROKER_RESOURCE:
        configs = image.setdefault("broker_configs", {}).setdefault(f["ResourceName"], {})
        if f["Value"] is None:
            configs.pop(f["Name"], None)
        else:
            configs[f["Name"]] = f["Value"]
        if not configs:
            image["broker_configs"].pop(f["ResourceName"], None)
        d.broker_configs = True
    elif rtype in (mr.ACCESS_CONTROL_ENTRY, mr.REMOVE_ACCESS_CONTROL_ENTRY):
        _replay_acl(image, rtype, f)
        d.acls = True
    elif rtype is mr.CLIENT_QUOTA:
        entity = {e["EntityType"]: e["EntityName"] for e in f["Entity"]}
        if client_quotas.check_entity(entity)[0] is None:  # what no controller writes is skipped
            client_quotas.apply_change(
                image.setdefault("client_quotas", {}),
                client_quotas.entity_path(entity),
                f["Key"],
                None if f["Remove"] else f["Value"],
            )
        d.client_quotas = True
    elif rtype in (mr.USER_SCRAM_CREDENTIAL, mr.REMOVE_USER_SCRAM_CREDENTIAL):
        _replay_scram(image, rtype, f)
        d.scram_credentials = True
    else:
        _replay_topic(topics, by_id, rtype, f, d)


def _replay_scram(image: dict, rtype, f: dict) -> None:
    mech = scram_credentials.MECHANISMS.get(f["Mechanism"])
    if mech is None:  # what no controller writes is skipped
        return
    cred = None
    if rtype is mr.USER_SCRAM_CREDENTIAL:
        cred = {
            "salt": base64.b64encode(f["Salt"]).decode(),
            "stored_key": base64.b64encode(f["StoredKey"]).decode(),
            "server_key": base64.b64encode(f["ServerKey"]).decode(),
            "iterations": f["Iterations"],
        }
    scram_credentials.apply_change(image.setdefault("scram_credentials", {}), f["Name"], mech[0], cred)


def _replay_broker(regs: dict, rtype, f: dict) -> None:
    if rtype is mr.REGISTER_BROKER:
        regs[f["BrokerId"]] = {
            "id": f["BrokerId"],
            "rack": f["Rack"],
            "endpoints": {e["Name"]: [e["Host"], e["Port"]] for e in f["EndPoints"]},
            "epoch": f["BrokerEpoch"],
            "incarnation": str(f["IncarnationId"]),
            "fenced": f["Fenced"],
        }
    elif rtype in (mr.FENCE_BROKER, mr.UNFENCE_BROKER):
        r = regs.get(f["Id"])
        if r is not None and r["epoch"] == f["Epoch"]:
            r["fenced"] = rtype is mr.FENCE_BROKER
    else:
        regs.pop(f["BrokerId"], None)


def _replay_acl(image: dict, rtype, f: dict) -> None:
    if rtype is mr.ACCESS_CONTROL_ENTRY:
        image.setdefault("acls", {})[str(f["Id"])] = {
            "resource_type": f["ResourceType"],
            "resource_name": f["ResourceName"],
            "pattern_type": f["PatternType"],
            "principal": f["Principal"],
            "host": f["Host"],
            "operation": f["Operation"],
            "permission_type": f["PermissionType"],
        }
    else:
        image.setdefault("acls", {}).pop(str(f["Id"]), None)


def _replay_topic(topics: dict, by_id: _TopicsById, rtype, f: dict, d: MetadataDelta) -> None:
    if rtype is mr.CONFIG:
        t = topics.get(f["ResourceName"])
        if t is not None and f["ResourceType"] == mr.TOPIC_RESOURCE:
            if f["Value"] is None:
                t["configs"].pop(f["Name"], None)
            else:
                t["configs"][f["Name"]] = f["Value"]
            d.touch(t["name"])
    elif rtype is mr.REMOVE_TOPIC:
        t = by_id.get(str(f["TopicId"]))
        if t is not None:
            topics.pop(t["name"], None)
            d.remove(t["name"])
    elif rtype is mr.PARTITION:
        t = by_id.get(str(f["TopicId"]))
        if t is not None:
            p = {
                "p": f["PartitionId"],
                "leader": f["Leader"],
                "epoch": f["LeaderEpoch"],
                "replicas": list(f["Replicas"]),
                "isr": list(f["Isr"]),
            }
            if f["AddingReplicas"] or f["RemovingReplicas"]:
                p["adding"], p["removing"] = list(f["AddingReplicas"]), list(f["RemovingReplicas"])
            _put_partition(t["partitions"], p)
            d.touch(t["name"], p["p"])
    elif rtype is mr.PARTITION_CHANGE:
        t = by_id.get(str(f["TopicId"]))
        changed = _find_partition(t["partitions"], f["PartitionId"]) if t else None
        if t is not None and changed is not None:
            p = changed
            if f["Isr"]:  # an ISR is never empty: absent means unchanged
                p["isr"] = list(f["Isr"])
            if f["Leader"] != -2:
                p["leader"], p["epoch"] = f["Leader"], p["epoch"] + 1
            d.touch(t["name"], p["p"])


class _TopicsById:
    """Topic by id through a name index kept in the image (rebuilt when it misses): most records
    name a topic, and scanning every topic for each of thousands of records would make a replay
    quadratic."""

    def __init__(self, image: dict):
        self.image = image

    def get(self, tid: str) -> dict | None:
        topics = self.image["topics"]
        index = self.image.get("_ids")
        t = topics.get(index.get(tid, "")) if index is not None else None
        if t is not None and t["id"] == tid:
            return t
        index = self.image["_ids"] = {t["id"]: name for name, t in topics.items()}
        return topics.get(index.get(tid, ""))


def _put_partition(parts: list[dict], p: dict) -> None:
    """Insert or replace partition `p` in a list kept sorted by index (usually appended in order)."""
    if not parts or parts[-1]["p"] < p["p"]:
        parts.append(p)
        return
    old = _find_partition(parts, p["p"])
    if old is not None:
        parts[parts.index(old)] = p
    else:
        parts.append(p)
        parts.sort(key=lambda x: x["p"])


def _find_partition(parts: list[dict], index: int) -> dict | None:
    if 0 <= index < len(parts) and parts[index]["p"] == index:  # dense, as Kafka numbers them
        return parts[index]
    return next((x for x in parts if x["p"] == index), None)


def copy_image(image: dict) -> dict:
    return copy.deepcopy(image)


def load_into(controller, image: dict, now: float) -> None:
    """Replace the controller's brokers and topics with `image`; every session restarts at `now`
    (Kafka's new active controller gives every broker a fresh session too)."""
    md = controller.metadata
    md.topics = {}
    controller.topic_configs = {}
    _load_registrations(controller, image, now)
    for name in image["topics"]:
        _load_topic(controller, image, name)
    _load_cluster_settings(controller, image)


def load_delta(controller, image: dict, delta: MetadataDelta, now: float) -> None:
    """A standby controller follows the committed log: only what `delta` touched is loaded from
    `image` (Kafka's standby QuorumController replays each committed record into its managers);
    the whole image is loaded once it becomes active (load_into)."""
    if delta.brokers or delta.features:
        _load_registrations(controller, image, now)
    for name in delta.topic_names():
        _load_topic(controller, image, name)
    if delta.broker_configs or delta.acls or delta.client_quotas or delta.scram_credentials:
        _load_cluster_settings(controller, image)


def _load_registrations(controller, image: dict, now: float) -> None:
    from ..cluster.controller import Registration

    md = controller.metadata
    md.brokers = {}
    controller.registrations = {}
    controller.features = dict(image["features"])
    for r in image["registrations"].values():
        info = BrokerInfo(
            r["id"], {k: BrokerEndpoint(h, p) for k, (h, p) in r["endpoints"].items()}, r["rack"]
        )
        controller.registrations[r["id"]] = Registration(
            info, r["epoch"], uuid.UUID(r["incarnation"]), now, fenced=r["fenced"]
        )
        if not r["fenced"]:
            md.brokers[r["id"]] = info
        controller._next_epoch = max(controller._next_epoch, r["epoch"])


def _load_topic(controller, image: dict, name: str) -> None:
    """One topic as the image has it, or gone if the image has none of that name."""
    d = image["topics"].get(name)
    if d is None:
        controller.metadata.topics.pop(name, None)
        controller.topic_configs.pop(name, None)
        return
    t, c = topic_from_json(d)
    controller.metadata.topics[name] = t
    controller.topic_configs[name] = c


def _load_cluster_settings(controller, image: dict) -> None:
    # in place: a node's handlers may hold these very objects
    controller.broker_configs.clear()
    controller.broker_configs.update({k: dict(v) for k, v in image.get("broker_configs", {}).items()})
    controller.acls[:] = [binding_from_json(b) for _, b in sorted(image.get("acls", {}).items())]
    controller.client_quotas.clear()
    controller.client_quotas.update({k: dict(v) for k, v in image.get("client_quotas", {}).items()})
    controller.scram_credentials.clear()
    controller.scram_credentials.update(scram_credentials.copy_table(image.get("scram_credentials", {})))


def to_snapshot(image: dict, controller_id: int, version: int) -> dict:
    """The image as brokers apply it (broker/cluster/snapshot.py's shape): unfenced brokers only,
    the active controller's id."""
    return {
        "version": version,
        "cluster_id": image["cluster_id"],
        "controller_id": controller_id,
        "brokers": [
            {"id": r["id"], "rack": r["rack"], "endpoints": r["endpoints"]}
            for _, r in sorted(image["registrations"].items())
            if not r["fenced"]
        ],
        "topics": [t for _, t in sorted(image["topics"].items())],
        "broker_configs": {k: dict(v) for k, v in image.get("broker_configs", {}).items()},
        "acls": [b for _, b in sorted(image.get("acls", {}).items())],
        "client_quotas": {k: dict(v) for k, v in image.get("client_quotas", {}).items()},
        "scram_credentials": scram_credentials.copy_table(image.get("scram_credentials", {})),
    }
