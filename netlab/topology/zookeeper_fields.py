"""A node's `zookeeper:` block: run Apache ZooKeeper (Debian's zookeeper package, 3.8) in the node.

    zookeeper:
      client_port: 2181              # clientPort
      client_port_address: 0.0.0.0   # clientPortAddress (default: every address of the node)
      tick_time: 2000                # tickTime, ms
      heap: 128m                     # the JVM's -Xmx
      settings: {maxClientCnxns: 60} # further zoo.cfg lines, written as given

`zookeeper: {}` (or `zookeeper:` alone) runs one with these defaults. The compose importer maps
the ZooKeeper images' variables (ZOOKEEPER_CLIENT_PORT, ZOO_PORT_NUMBER, ...) onto these fields.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from netlab.topology.types import parse_ipv4

ZOO_CFG_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
HEAP = re.compile(r"^[1-9][0-9]*[kKmMgG]?$")
# zoo.cfg keys netlab writes itself: setting them in `settings` would make two truths
OWN_KEYS = frozenset({"dataDir", "clientPort", "clientPortAddress", "tickTime", "admin.enableServer"})


class ZooKeeperSettings(BaseModel):
    """One standalone ZooKeeper server in the node (no ensemble)."""

    model_config = ConfigDict(extra="forbid")

    client_port: int = Field(2181, ge=1, le=65535, description="clientPort")
    client_port_address: str | None = Field(
        None, description="clientPortAddress: the address it listens on (default: all of the node's)"
    )
    tick_time: int = Field(2000, ge=1, description="tickTime in ms (session timeouts are 2-20 ticks)")
    heap: str = Field("128m", description="the JVM heap limit (-Xmx), e.g. 128m")
    settings: dict[str, str] = Field(default_factory=dict, description="more zoo.cfg lines, key: value")

    @field_validator("client_port_address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return value
        return str(parse_ipv4(value))

    @field_validator("heap")
    @classmethod
    def _heap(cls, value: Any) -> str:
        text = str(value).strip()
        if not HEAP.match(text):
            raise ValueError(f"{value!r} is not a heap size: use a number with k, m or g, e.g. 128m")
        return text

    @field_validator("settings", mode="before")
    @classmethod
    def _settings(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("settings is a mapping of zoo.cfg keys to values, e.g. {maxClientCnxns: 60}")
        out = {}
        for key, v in value.items():
            key = str(key)
            if not ZOO_CFG_KEY.match(key):
                raise ValueError(f"{key!r} is not a zoo.cfg key (letters, digits, '.', '_')")
            if key in OWN_KEYS:
                raise ValueError(
                    f"{key} is set by netlab (use the fields client_port, client_port_address, tick_time; "
                    "the data directory is in the lab directory)"
                )
            if isinstance(v, bool):
                v = "true" if v else "false"
            if isinstance(v, (dict, list)) or v is None:
                raise ValueError(f"{key}: a zoo.cfg value is a string or a number")
            if any(c in str(v) for c in "\r\n\0"):  # one value, one zoo.cfg line: nothing smuggled in
                raise ValueError(f"{key}: a zoo.cfg value is one line (no line break)")
            out[key] = str(v)
        return out
