"""One request frame in, zero or one response frame out (as chunks ready for writelines)."""

from __future__ import annotations

import struct

from .api import Registry
from .header import read_request_header, write_response_header
from .types import DecodeError, Reader, Writer


class InvalidRequest(Exception):
    """The connection must be closed (Kafka's InvalidRequestException): unknown key or version,
    or a body that does not parse."""


async def handle_frame(registry: Registry, frame: memoryview, make_ctx) -> list | None:
    """`make_ctx(header, version)` → RequestContext; returns response chunks or None (acks=0)."""
    r = Reader(frame)
    try:
        key, version = struct.unpack_from(">hh", frame, 0)
    except struct.error:
        raise InvalidRequest(f"request of {len(frame)} bytes is too short for a header") from None
    api = registry.get(key)
    if api is None:
        raise InvalidRequest(f"Unknown API key {key}")
    try:
        if not api.supports(version):
            if api.on_unsupported_version is None:
                raise InvalidRequest(
                    f"Unsupported version {version} of {api.name} "
                    f"(supported: {api.min_version}-{api.max_version})"
                )
            hdr = read_request_header(r, None)
            body, resp_version = api.on_unsupported_version(version)
            return _frame(api.response, body, resp_version, hdr.correlation_id, False)
        hdr = read_request_header(r, api.request_flexible(version))
        request = api.request.decode(r, version)
    except DecodeError as exc:
        raise InvalidRequest(
            f"Error getting request for apiKey: {api.name}, apiVersion: {version}: {exc}"
        ) from None
    ctx = make_ctx(hdr, version)
    answer = await api.handler(ctx, request)
    if answer is None:
        return None
    return _frame(api.response, answer, version, hdr.correlation_id, api.response_header_flexible(version))


def _frame(message, body: dict, version: int, correlation_id: int, flexible_header: bool) -> list:
    w = Writer()
    w.put(b"\0\0\0\0")  # size, patched below
    write_response_header(w, correlation_id, flexible_header)
    message.encode(w, body, version)
    w.chunks[0] = struct.pack(">i", w.size - 4)
    return w.chunks
