"""Throwaway namespaces for capture tests: made with pyroute2, deleted by exact name.

Names start with ``nltest-cap-<pid>-`` so a leftover is recognisable; every namespace is removed
by the exact name recorded when it was made. Each gets /etc/netns/<ns>/nsswitch.conf with
``hosts: files`` so no name lookup inside can ever reach a DNS server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

from pyroute2 import NetNS, netns


class Lab:
    def __init__(self, tag: str):
        self.prefix = f"nltest-cap-{os.getpid()}-{tag}"
        self.made: list[str] = []

    def ns(self, name: str, hosts: dict[str, str] | None = None) -> str:
        full = f"{self.prefix}-{name}"
        netns.create(full)
        self.made.append(full)
        etc = Path("/etc/netns") / full
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "nsswitch.conf").write_text("hosts: files\n")
        (etc / "resolv.conf").write_text("")
        lines = ["127.0.0.1 localhost"] + [f"{ip} {n}" for n, ip in (hosts or {}).items()]
        (etc / "hosts").write_text("\n".join(lines) + "\n")
        with NetNS(full) as ipr:
            ipr.link("set", index=ipr.link_lookup(ifname="lo")[0], state="up")
        return full

    def veth(self, a: str, a_if: str, a_cidr: str, b: str, b_if: str, b_cidr: str) -> None:
        # made inside `a` with its peer put straight into `b`: nothing appears in the root
        # namespace, not even for an instant (tests running beside this one fingerprint it)
        with NetNS(a) as ipr:
            ipr.link("add", ifname=a_if, kind="veth", peer={"ifname": b_if, "net_ns_fd": b})
        for ns, ifname, cidr in ((a, a_if, a_cidr), (b, b_if, b_cidr)):
            with NetNS(ns) as ipr:
                idx = ipr.link_lookup(ifname=ifname)[0]
                addr, plen = cidr.split("/")
                ipr.addr("add", index=idx, address=addr, prefixlen=int(plen))
                ipr.link("set", index=idx, state="up")

    def run(self, ns: str, *argv: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", ns, *argv], **kw)

    def popen(self, ns: str, *argv: str, **kw) -> subprocess.Popen:
        return subprocess.Popen(["ip", "netns", "exec", ns, *argv], **kw)

    def destroy(self) -> None:
        for full in reversed(self.made):
            try:
                netns.remove(full)
            except OSError:
                pass
            shutil.rmtree(Path("/etc/netns") / full, ignore_errors=True)
        self.made.clear()


@contextmanager
def throwaway(tag: str):
    lab = Lab(tag)
    try:
        yield lab
    finally:
        lab.destroy()
