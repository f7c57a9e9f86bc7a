"""The small text files Kafka keeps next to the log, in Kafka's exact formats.

- `<log.dir>/recovery-point-offset-checkpoint`, `replication-offset-checkpoint`,
  `log-start-offset-checkpoint`: a version line (0), a count line, `topic partition offset` lines.
- `<topic>-<p>/leader-epoch-checkpoint`: version 0, count, `epoch start_offset` lines.
- `<topic>-<p>/partition.metadata`: `version: 0` and `topic_id: <Kafka's base64url uuid>`.
- `<log.dir>/meta.properties`: Java properties (`version=1`, `cluster.id`, `node.id`,
  `directory.id`).

Every file is written the way Kafka writes it: to `<name>.tmp`, fsync, atomic rename, fsync of the
directory, so a crash leaves either the old or the new file, never half of one.
"""

from __future__ import annotations

import base64
import os
import time
import uuid
from pathlib import Path

RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint"
REPLICATION_CHECKPOINT = "replication-offset-checkpoint"
LOG_START_CHECKPOINT = "log-start-offset-checkpoint"
LEADER_EPOCH_CHECKPOINT = "leader-epoch-checkpoint"
PARTITION_METADATA = "partition.metadata"
META_PROPERTIES = "meta.properties"
CLEAN_SHUTDOWN = ".kafka_cleanshutdown"


class CheckpointError(Exception):
    """A checkpoint or metadata file does not parse; the message names file and line."""


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- uuids as Kafka prints them ------------------------------------------------------------


def kafka_uuid_str(u: uuid.UUID) -> str:
    """Kafka's Uuid.toString(): URL-safe base64 of the 16 bytes, no padding (22 chars)."""
    return base64.urlsafe_b64encode(u.bytes).rstrip(b"=").decode()


def parse_kafka_uuid(s: str) -> uuid.UUID:
    s = s.strip()
    try:
        if len(s) == 22:
            return uuid.UUID(bytes=base64.urlsafe_b64decode(s + "=="))
        return uuid.UUID(s)  # also accept the canonical 8-4-4-4-12 form
    except (ValueError, TypeError) as e:
        raise ValueError(
            f"{s!r} is not a Kafka uuid (22 chars of base64url, e.g. {kafka_uuid_str(uuid.uuid4())})"
        ) from e


# -- offset checkpoints --------------------------------------------------------------------


def write_offsets(path: Path, offsets: dict[tuple[str, int], int]) -> None:
    lines = ["0", str(len(offsets))]
    lines += [f"{topic} {partition} {offset}" for (topic, partition), offset in sorted(offsets.items())]
    write_atomically(path, "\n".join(lines) + "\n")


def _header(path: Path, lines: list[str]) -> int:
    if len(lines) < 2:
        raise CheckpointError(f"{path}: expected a version line and a count line, found {len(lines)} line(s)")
    if lines[0].strip() != "0":
        raise CheckpointError(f"{path}:1: unrecognized version {lines[0].strip()!r}, expected 0")
    try:
        count = int(lines[1])
    except ValueError:
        raise CheckpointError(f"{path}:2: count {lines[1].strip()!r} is not a number") from None
    if count != len(lines) - 2:
        raise CheckpointError(f"{path}:2: says {count} entries, file has {len(lines) - 2}")
    return count


def read_offsets(path: Path) -> dict[tuple[str, int], int]:
    """Missing file → {} (a fresh log dir)."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return {}
    _header(path, lines)
    out: dict[tuple[str, int], int] = {}
    for n, line in enumerate(lines[2:], start=3):
        parts = line.split()
        try:
            topic, partition, offset = parts[0], int(parts[1]), int(parts[2])
            if len(parts) != 3:
                raise ValueError
        except (ValueError, IndexError):
            raise CheckpointError(f"{path}:{n}: expected 'topic partition offset', found {line!r}") from None
        out[(topic, partition)] = offset
    return out


def write_leader_epochs(path: Path, entries: list[tuple[int, int]]) -> None:
    lines = ["0", str(len(entries))] + [f"{epoch} {start}" for epoch, start in entries]
    write_atomically(path, "\n".join(lines) + "\n")


def read_leader_epochs(path: Path) -> list[tuple[int, int]]:
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return []
    _header(path, lines)
    out = []
    for n, line in enumerate(lines[2:], start=3):
        parts = line.split()
        if len(parts) != 2 or not all(p.lstrip("-").isdigit() for p in parts):
            raise CheckpointError(f"{path}:{n}: expected 'epoch start_offset', found {line!r}")
        out.append((int(parts[0]), int(parts[1])))
    return out


# -- partition.metadata --------------------------------------------------------------------


def write_partition_metadata(directory: Path, topic_id: uuid.UUID) -> None:
    # exactly Kafka's PartitionMetadata.encode(): no trailing newline
    write_atomically(directory / PARTITION_METADATA, f"version: 0\ntopic_id: {kafka_uuid_str(topic_id)}")


def read_partition_metadata(directory: Path) -> uuid.UUID | None:
    path = directory / PARTITION_METADATA
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return None
    fields = {}
    for n, line in enumerate(lines, start=1):
        key, sep, value = line.partition(":")
        if not sep:
            raise CheckpointError(f"{path}:{n}: expected 'key: value', found {line!r}")
        fields[key.strip()] = value.strip()
    if fields.get("version") != "0":
        raise CheckpointError(f"{path}: unsupported version {fields.get('version')!r}, expected 0")
    if "topic_id" not in fields:
        raise CheckpointError(f"{path}: no topic_id line")
    try:
        return parse_kafka_uuid(fields["topic_id"])
    except ValueError as e:
        raise CheckpointError(f"{path}: {e}") from None


# -- meta.properties -----------------------------------------------------------------------


def read_properties(path: Path) -> dict[str, str] | None:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    props = {}
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise CheckpointError(f"{path}:{n}: expected key=value, found {line!r}")
        props[key.strip()] = value.strip()
    return props


def write_properties(path: Path, props: dict[str, str]) -> None:
    # Java's Properties.store: a comment line, a date comment, then key=value lines.
    stamp = time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime())
    body = "".join(f"{k}={v}\n" for k, v in props.items())
    write_atomically(path, f"#\n#{stamp}\n{body}")
