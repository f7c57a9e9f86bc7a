"""Request and response headers (request v1/v2, response v0/v1)."""

from __future__ import annotations

from dataclasses import dataclass

from .types import Reader, Writer

API_VERSIONS_KEY = 18


@dataclass
class RequestHeader:
    api_key: int
    api_version: int
    correlation_id: int
    client_id: str | None


def read_request_header(r: Reader, flexible: bool | None) -> RequestHeader:
    """`flexible` = header v2 (tagged fields after the client id); None = read only the fixed
    part (used before we know whether the API/version is supported)."""
    key, version, corr = r.int16(), r.int16(), r.int32()
    client_id = r.string(False)  # the client id is a classic int16 string even in header v2
    hdr = RequestHeader(key, version, corr, client_id)
    if flexible:
        skip_tagged_fields(r)
    return hdr


def skip_tagged_fields(r: Reader) -> None:
    for _ in range(r.uvarint()):
        r.uvarint()
        r.raw(r.uvarint())


def write_response_header(w: Writer, correlation_id: int, flexible: bool) -> None:
    w.int32(correlation_id)
    if flexible:
        w.uvarint(0)  # no tagged fields


def write_request_header(
    w: Writer, api_key: int, api_version: int, correlation_id: int, client_id: str | None, flexible: bool
) -> None:
    """Request header v1, or v2 (`flexible`) with an empty tagged-field section."""
    w.int16(api_key)
    w.int16(api_version)
    w.int32(correlation_id)
    w.string(client_id, False)  # the client id stays a classic int16 string even in header v2
    if flexible:
        w.uvarint(0)


def read_response_header(r: Reader, flexible: bool) -> int:
    """The correlation id of a response header v0, or v1 (`flexible`, tagged fields skipped)."""
    corr = r.int32()
    if flexible:
        skip_tagged_fields(r)
    return corr
