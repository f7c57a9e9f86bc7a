"""Compose `extends`: a service starts from another service's configuration (in this file or in
`file:`), then its own keys apply, as Docker Compose merges them (compose-spec "extends",
"Merge and override"): mappings are merged key by key (`environment` and `labels` as mappings,
whichever form they were written in), sequences that add up (`ports`, `expose`, `extra_hosts`,
`env_file`, `dns`, `volumes`) are concatenated, everything else is replaced. Chains are followed
(bounded), cycles are an error.
"""

from __future__ import annotations

from pathlib import Path

from netlab.errors import InputError

MAX_DEPTH = 10
MAPPINGS = ("environment", "labels", "networks", "sysctls", "ulimits", "build", "deploy", "healthcheck")
SEQUENCES = ("ports", "expose", "extra_hosts", "env_file", "dns", "dns_search", "volumes", "links", "devices")


def _as_mapping(value):
    if isinstance(value, list):
        out = {}
        for item in value:
            key, sep, val = str(item).partition("=")
            out[key] = val if sep else None
        return out
    return dict(value or {})


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        if key in MAPPINGS and key in out and isinstance(value, (dict, list)):
            if key == "networks" and (isinstance(value, list) or isinstance(out[key], list)):
                merged = (
                    {k: None for k in _as_list(out[key]) if isinstance(k, str)}
                    if isinstance(out[key], list)
                    else dict(out[key])
                )
                merged.update({k: None for k in value} if isinstance(value, list) else value)
                out[key] = merged
            else:
                out[key] = {**_as_mapping(out[key]), **_as_mapping(value)}
        elif key in SEQUENCES and key in out:
            out[key] = _as_list(out[key]) + _as_list(value)
        else:
            out[key] = value
    return out


def resolve_extends(services: dict, path: Path, load, where) -> dict:
    """Every service with `extends` replaced by its merged configuration. `load(file)` returns
    the services of another compose file (read, interpolated, validated); `where(path)` locates."""

    def resolved(name: str, services_here: dict, file: Path, chain: tuple) -> dict:
        svc = services_here[name]
        ext = svc.get("extends")
        if ext is None:
            return svc
        if len(chain) > MAX_DEPTH or (str(file), name) in chain:
            raise InputError(
                f"extends cycle or chain longer than {MAX_DEPTH}: "
                + " -> ".join(n for _, n in chain + ((str(file), name),)),
                where=where(("services", name, "extends")),
            )
        spec = {"service": ext} if isinstance(ext, str) else dict(ext)
        base_file = (file.parent / spec["file"]).resolve() if spec.get("file") else file
        base_services = services_here if base_file == file else load(base_file)
        target = str(spec.get("service"))
        if target not in base_services:
            raise InputError(
                f"extends: no service {target!r} in {base_file.name}",
                where=where(("services", name, "extends")),
            )
        base = resolved(target, base_services, base_file, chain + ((str(file), name),))
        own = {k: v for k, v in svc.items() if k != "extends"}
        return merge({k: v for k, v in base.items() if k != "extends"}, own)

    return {name: resolved(name, services, path.resolve(), ()) for name in services}
