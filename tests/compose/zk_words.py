"""Ask a ZooKeeper in a lab node a four-letter word (`srvr`, `mntr`) and read its mode: ZooKeeper's
own answer, from inside the node (helpers for the live tests, not a test module)."""

from __future__ import annotations

import subprocess
import sys

from support import poll

_ASK = (
    "import socket,sys\ns=socket.create_connection(('127.0.0.1',int(sys.argv[2])),timeout=3)\n"
    "s.sendall(sys.argv[1].encode())\nb=b''\nwhile len(b)<65536:\n c=s.recv(4096)\n if not c: break\n"
    " b+=c\nsys.stdout.write(b.decode())"
)


def four_letter(netns: str, word: str, port: int = 2181) -> str:
    """The server's whole answer (bounded: 64 KiB, 3 s socket timeout, 10 s in all)."""
    return subprocess.run(
        ["ip", "netns", "exec", netns, sys.executable, "-c", _ASK, word, str(port)],
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout


def mode(answer: str) -> str:
    """`srvr` says `Mode: leader` / `Mode: follower`, `mntr` `zk_server_state leader`; a member
    outside a quorum answers `This ZooKeeper instance is not currently serving requests`."""
    for m in ("leader", "follower", "standalone"):
        if f"Mode: {m}" in answer or f"zk_server_state\t{m}" in answer:
            return m
    return "not serving" if "not currently serving" in answer else "none"


# `up` returns once an ensemble's last member is in a quorum (netlab/zookeeper.py); a member whose
# JVM came up after the other two elected joins after its next election notification, which
# ZooKeeper sends with a doubling pause up to FastLeaderElection's maxNotificationInterval (60 s)
ENSEMBLE_JOIN_WAIT = 65.0


def quorum_shape(modes: list[str]) -> bool:
    """One leader, every other member following it."""
    return sorted(modes) == ["follower"] * (len(modes) - 1) + ["leader"]


def srvr_once_formed(
    members: dict[str, tuple[str, int]], quorums: list[list[str]], wait: float = ENSEMBLE_JOIN_WAIT
) -> dict[str, str]:
    """Every member's `srvr` answer (member -> (netns, client port)), asked until each group of
    `quorums` shows one leader and followers, or `wait` passed: the last answers either way, for
    the caller to assert on."""
    answers: dict[str, str] = {}

    def formed() -> bool:
        answers.update({m: four_letter(ns, "srvr", port) for m, (ns, port) in members.items()})
        return all(quorum_shape([mode(answers[m]) for m in group]) for group in quorums)

    poll(formed, wait, 0.5)
    return answers
