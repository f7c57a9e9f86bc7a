"""Java `.properties` files and Docker-image environment variables → a flat dict of Kafka settings."""

from __future__ import annotations

import re
from collections.abc import Mapping

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _logical_lines(text: str):
    """Join backslash-continued lines, drop comments and blanks (Java Properties.load rules)."""
    buf = ""
    for raw in text.splitlines():
        line = raw.lstrip() if not buf else raw.lstrip()
        if not buf and (not line or line[0] in "#!"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:  # odd number of backslashes: continuation
            buf += line[:-1]
            continue
        yield buf + line
        buf = ""
    if buf:
        yield buf


def parse_properties(text: str) -> dict[str, str]:
    """`key=value`, `key: value` or `key value`; later keys win, as in Java."""
    props: dict[str, str] = {}
    for line in _logical_lines(text):
        m = re.match(r"((?:\\.|[^=:\s\\])*)\s*[=:\s]?\s*(.*)$", line)
        key, value = (m.group(1), m.group(2)) if m else (line, "")
        props[_unescape(key)] = _unescape(value.rstrip() if not value.endswith("\\ ") else value)
    return props


# Environment variables of the images that are not broker settings.
_NOT_SETTINGS = {
    "KAFKA_HEAP_OPTS",
    "KAFKA_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_JMX_PORT",
    "KAFKA_JMX_HOSTNAME",
    "KAFKA_DEBUG",
    "KAFKA_VERSION",
    "KAFKA_HOME",
    "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_LOG4J_LOGGERS",
    "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    "KAFKA_CLUSTER_ID",
    "KAFKA_ENABLE_KRAFT",
    "KAFKA_KRAFT_CLUSTER_ID",
}


def env_name_to_property(name: str) -> str | None:
    """`KAFKA_ADVERTISED_LISTENERS` → `advertised.listeners` (Confluent/Apache images: `_`→`.`,
    `__`→`_`, `___`→`-`); `KAFKA_CFG_LOG_DIRS` → `log.dirs` (Bitnami). None if not a setting."""
    if name in _NOT_SETTINGS:
        return None
    if name.startswith("KAFKA_CFG_"):
        rest = name[len("KAFKA_CFG_") :]
    elif name.startswith("KAFKA_"):
        rest = name[len("KAFKA_") :]
    else:
        return None
    if not rest:
        return None
    rest = rest.replace("___", "\0dash\0").replace("__", "\0us\0").replace("_", ".")
    return rest.replace("\0dash\0", "-").replace("\0us\0", "_").lower()


def settings_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """Kafka settings found in an environment; KAFKA_CFG_* wins over the plain KAFKA_* form."""
    plain: dict[str, str] = {}
    cfg: dict[str, str] = {}
    for name, value in env.items():
        prop = env_name_to_property(name)
        if prop is not None:
            (cfg if name.startswith("KAFKA_CFG_") else plain)[prop] = value
    return {**plain, **cfg}
