"""The blocking client (broker/protocol/client.py) addressing APIs by their broker/apis module name
and checking the version against the served range.

Used by `python -m broker.consumer_groups --bootstrap` and by tests that must send requests no
real client would send (stale generations, fenced members, unknown partitions)."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.client import KafkaClient, WireError, open_connection
from ..registry import discover

ClientError = WireError  # the one client's error, under the name this tool's callers know


def api(name: str) -> Api:
    """The Api served by broker/apis/<name>.py (e.g. "join_group")."""
    wanted = name.replace("_", "").lower()
    for a in discover().apis.values():
        if a.name.lower() == wanted:
            return a
    raise ClientError(f"no API module broker/apis/{name}.py is registered")


class GroupClient(KafkaClient):
    def __init__(self, host: str, port: int, *, client_id: str = "netlab-groups", timeout: float = 10):
        super().__init__(open_connection(host, port, timeout), timeout, client_id)

    @classmethod
    def connect(cls, bootstrap: str, **kw) -> GroupClient:
        host, sep, port = bootstrap.rpartition(":")
        if not sep or not port.isdigit():
            raise ClientError(f"bootstrap must be host:port, not {bootstrap!r}")
        return cls(host.strip("[]"), int(port), **kw)

    def __enter__(self) -> GroupClient:
        return self

    def request(self, name: str, version: int, body: dict) -> dict:
        a = api(name)
        if not a.supports(version):
            raise ClientError(
                f"{a.name} v{version} is outside the served range {a.min_version}-{a.max_version}"
            )
        return self.call(
            a.key,
            version,
            a.request,
            a.response,
            body,
            response_header_flexible=a.response_header_flexible(version),
        )
