"""/etc/netns/<netns>/: the files `ip netns exec` bind-mounts over /etc for a node.

- `hosts`: the node's view of names (Docker's per-network scoping is decided by the plan).
- `nsswitch.conf`: every database from files only, so a name that is not in `hosts` fails at
  once with "Name or service not known" and no DNS server is ever asked.
- `resolv.conf`: a comment only (no nameserver: a stray DNS query could leave the lab).
"""

from __future__ import annotations

import os
import shutil

ETC_NETNS = "/etc/netns"

NSSWITCH = """# written by netlab: names come from this node's hosts file only (no DNS)
passwd:     files
group:      files
shadow:     files
hosts:      files
networks:   files
protocols:  files
services:   files
ethers:     files
rpc:        files
netgroup:   files
"""
RESOLV = "# written by netlab: no nameserver; names resolve from /etc/hosts only\n"


def netns_etc(netns: str) -> str:
    return os.path.join(ETC_NETNS, netns)


def render_hosts(entries: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    lines = ["# written by netlab"]
    names = {n for _addr, ns in entries for n in ns}
    if "localhost" not in names:
        lines += ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]
    lines += [f"{addr}\t{' '.join(ns)}" for addr, ns in entries]
    return "\n".join(lines) + "\n"


def write_netns_etc(netns: str, entries: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    path = netns_etc(netns)
    os.makedirs(path, exist_ok=True)
    for name, text in (("hosts", render_hosts(entries)), ("nsswitch.conf", NSSWITCH), ("resolv.conf", RESOLV)):
        tmp = os.path.join(path, f".{name}.tmp")
        with open(tmp, "w") as fh:
            fh.write(text)
        os.replace(tmp, os.path.join(path, name))
    return path


def remove_netns_etc(netns: str) -> bool:
    """Remove /etc/netns/<netns> (exact name). True if it existed."""
    path = netns_etc(netns)
    if not os.path.isdir(path):
        return False
    shutil.rmtree(path)
    return True
