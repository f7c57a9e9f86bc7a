"""What an image profile returns, and the helpers every profile shares.

A profile turns a service's image and environment into what the container really runs: the
Kafka properties its entrypoint writes (with, for each one not written in the compose file, the
reason: "derived from KAFKA_ADVERTISED_LISTENERS by cp-kafka's configure"), or the reason its
entrypoint exits before Kafka starts, or a ZooKeeper server's port and ensemble.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Kafka data directories belong to the lab (netlab puts them under the lab directory); an
# image's own path (/var/lib/kafka/data, /bitnami/kafka/data) is not used on this machine.
LAB_OWNED = ("log.dirs", "log.dir")


@dataclass(frozen=True)
class ImageRef:
    repo: str  # e.g. confluentinc/cp-kafka (registry and docker.io/library/ stripped)
    tag: str  # "latest" when not given

    @classmethod
    def parse(cls, image: str) -> ImageRef:
        ref = image.split("@", 1)[0]
        name, tag = ref, "latest"
        last = ref.rsplit("/", 1)[-1]
        if ":" in last:
            name, tag = ref.rsplit(":", 1)
        parts = name.split("/")
        if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
            parts = parts[1:]  # a registry host
        if parts[:1] == ["library"]:
            parts = parts[1:]
        return cls("/".join(parts).lower(), tag)

    def __str__(self) -> str:
        return f"{self.repo}:{self.tag}"


def version_tuple(text: str | None) -> tuple[int, ...] | None:
    """'3.9.0' -> (3, 9, 0); '7.4.1-1-ubi8' -> (7, 4, 1); 'latest' -> None."""
    if not text:
        return None
    m = re.match(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text)
    if not m:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


@dataclass
class KafkaRole:
    """A Kafka broker/controller container as its entrypoint configures it."""

    props: dict[str, str] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)  # property -> why it is there
    kafka_version: str | None = None
    zookeeper_connect: str | None = None
    entrypoint_error: str | None = None  # the container exits before Kafka starts (its words)
    notes: list[str] = field(default_factory=list)

    @property
    def kraft(self) -> bool:
        return bool(self.props.get("process.roles", "").strip())

    def derive(self, key: str, value: str, why: str) -> None:
        self.props[key] = value
        self.derived[key] = why


@dataclass
class ZooKeeperRole:
    client_port: int
    server_id: int | None = None
    servers: dict[int, str] = field(default_factory=dict)  # server.N lines as the entrypoint writes them
    settings: dict[str, str] = field(default_factory=dict)  # further zoo.cfg lines it writes
    tick_time: int | None = None  # tickTime, when the image sets one (None: ZooKeeper's 2000)
    entrypoint_error: str | None = None  # why it does not serve (its words)
    exits: bool = True  # with entrypoint_error: the container stops (False: it runs, never serving)
    derived: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def env_to_props(env: dict[str, str], prefix: str, exclude: set[str], *, escapes: bool) -> dict[str, str]:
    """`PREFIX_FOO_BAR=v` -> `foo.bar=v`. With `escapes` (Confluent's and Apache's images):
    `__` -> `_` and `___` -> `-`; without (Bitnami, wurstmeister): every `_` is a dot."""
    out = {}
    for name, value in env.items():
        if not name.startswith(prefix) or name in exclude or len(name) == len(prefix):
            continue
        rest = name[len(prefix) :]
        if escapes:
            rest = rest.replace("___", "\0d\0").replace("__", "\0u\0").replace("_", ".")
            rest = rest.replace("\0d\0", "-").replace("\0u\0", "_")
        else:
            rest = rest.replace("_", ".")
        out[rest.lower()] = value
    return out


def listeners_from_advertised(advertised: str) -> str:
    """Every `://host:` of an advertised list replaced by `://0.0.0.0:` (cp-kafka's `cub
    listeners` / apache/kafka's `sed -e 's|://[^:]*:|://0.0.0.0:|g'`)."""
    return re.sub(r"://[^:]*:", "://0.0.0.0:", advertised)


def drop_lab_owned(role: KafkaRole, image: str) -> None:
    for key in LAB_OWNED:
        if key in role.props:
            role.notes.append(
                f"{key}={role.props.pop(key)} (set by {image}) is replaced by the lab's own directory"
            )
            role.derived.pop(key, None)
