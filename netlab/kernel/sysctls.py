"""Per-namespace sysctls: /proc/sys/net/* shows the namespace of the task that opens it, so the
caller's thread must be inside the node's namespace (see `worker.in_netns`)."""

from __future__ import annotations

import os


def sysctl_path(name: str) -> str:
    return os.path.join("/proc/sys", *name.split("."))


def write_sysctl(name: str, value: str) -> None:
    with open(sysctl_path(name), "w") as fh:
        fh.write(f"{value}\n")


def read_sysctl(name: str) -> str:
    with open(sysctl_path(name)) as fh:
        return fh.read().strip()
