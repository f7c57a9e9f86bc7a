"""A minimal VPN end: `python -m netlab.relays.tunrelay --dev tun0 --local IP:PORT --peer IP:PORT`

Runs inside its node. Every IP packet the node routes into the persistent TUN device `dev` is
sent as one UDP datagram to the peer's underlay address; every datagram from the peer is
written into the TUN device, so the node's kernel receives it as if it came off a wire. Two
nodes running one each, with a route into their tun device, reach each other through the
tunnel (WireGuard's picture, without the crypto: this kernel has no wireguard module).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading

from netlab.kernel import links, privileges
from netlab.relays import say_ready
from netlab.relays.portproxy import _host_port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m netlab.relays.tunrelay", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--dev", required=True)
    parser.add_argument("--local", required=True, help="underlay IP:PORT to listen on")
    parser.add_argument("--peer", required=True, help="the other end's underlay IP:PORT")
    args = parser.parse_args(argv)
    try:
        local, peer = _host_port(args.local, "--local"), _host_port(args.peer, "--peer")
    except ValueError as exc:
        parser.error(str(exc))
    try:
        tun = links.open_tuntap(args.dev, "tun")
        family = socket.AF_INET6 if ":" in local[0] else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.bind(local)
    except OSError as exc:
        print(f"tunrelay: {exc}", file=sys.stderr, flush=True)
        return 1
    privileges.drop_now()  # device and socket are open: nothing below needs root (docs/security.md)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    def tun_to_udp() -> None:
        while packet := os.read(tun, 65536):
            try:
                sock.sendto(packet, peer)
            except OSError:
                pass  # peer unreachable for now: drop, as a lossy link would

    def udp_to_tun() -> None:
        while True:
            packet, src = sock.recvfrom(65536)
            if src[:2] == peer:  # only the configured peer may inject packets
                try:
                    os.write(tun, packet)
                except OSError:
                    pass

    threads = [threading.Thread(target=f, daemon=True) for f in (tun_to_udp, udp_to_tun)]
    for t in threads:
        t.start()
    say_ready(f"{args.dev} {args.local} <-> {args.peer}")
    for t in threads:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
