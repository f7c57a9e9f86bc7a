"""Small programs a lab runs inside its nodes (each runnable with `python -m`):

- `portproxy` — published ports (Docker's `-p`), a userland forwarder like docker-proxy.
- `taprelay`  — joins a TAP on a bridge to a `vm` node's TAP, the way QEMU serves a VM NIC.
- `tunrelay`  — a minimal VPN: IP packets between a TUN device and a UDP socket.

Each prints READY_LINE on stdout once its devices and sockets are open; `netlab up` waits for it.
"""

READY_LINE = "netlab-relay ready"


def say_ready(what: str) -> None:
    print(f"{READY_LINE}: {what}", flush=True)
