"""Join two TAP devices, like QEMU serving a VM's NIC:
`python -m netlab.relays.taprelay --a-netns NS1 --a-dev vmnet0 --b-netns NS2 --b-dev eth0`

A TAP carries frames only while a program holds it open, reads what the kernel sends out of
it and writes what should come in. Here A is normally a TAP enslaved to a bridge in the host
node (macOS's bridge100 + vmnet0) and B the TAP that is the `vm` node's NIC: every frame the
bridge sends into A comes out of B in the vm, and back. Both devices are persistent TAPs made
by `netlab up`; each is opened from a thread that entered its namespace (TUNSETIFF binds to
the device of the opener's namespace), then plain reads and writes copy frames both ways.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from netlab.kernel import links, nsfs, privileges
from netlab.relays import say_ready


def open_tap_in(netns: str, dev: str) -> int:
    box: dict = {}

    def work() -> None:
        try:
            fd = nsfs.open_fd(netns)
            try:
                nsfs.enter_fd(fd)  # a throwaway thread: it never needs to come back
            finally:
                os.close(fd)
            box["fd"] = links.open_tuntap(dev, "tap")
        except OSError as exc:
            box["error"] = exc

    t = threading.Thread(target=work)
    t.start()
    t.join()
    if "error" in box:
        raise OSError(box["error"].errno, f"cannot open TAP {dev} in {netns}: {box['error'].strerror}")
    return box["fd"]


def copy_frames(src: int, dst: int) -> None:
    while True:
        try:
            frame = os.read(src, 65536)
        except OSError:
            return
        if not frame:
            return
        try:
            os.write(dst, frame)
        except OSError:
            pass  # the other side is down (no carrier yet): drop the frame, as a wire would


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m netlab.relays.taprelay", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--a-netns", required=True)
    parser.add_argument("--a-dev", required=True)
    parser.add_argument("--b-netns", required=True)
    parser.add_argument("--b-dev", required=True)
    args = parser.parse_args(argv)
    try:
        a = open_tap_in(args.a_netns, args.a_dev)
        b = open_tap_in(args.b_netns, args.b_dev)
    except OSError as exc:
        print(f"taprelay: {exc}", file=sys.stderr, flush=True)
        return 1
    privileges.drop_now()  # both TAPs are open: nothing below needs root (docs/security.md)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threads = [threading.Thread(target=copy_frames, args=p, daemon=True) for p in ((a, b), (b, a))]
    for t in threads:
        t.start()
    say_ready(f"{args.a_netns}:{args.a_dev} <-> {args.b_netns}:{args.b_dev}")
    for t in threads:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
