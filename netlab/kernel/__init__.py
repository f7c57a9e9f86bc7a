"""The only code that talks to the kernel. No policy here: it does what a Plan step says.

Modules by kind of object:
- `nsfs`      — network namespaces: create (unshare in the calling thread + bind mount at
                /run/netns/<name>, like iproute2 but without a fork), enter, remove by exact name.
- `templates` — per-shape byte templates of pyroute2-encoded requests (hot path of big labs).
- `rtnl`      — a plain rtnetlink socket bound to the namespace of the thread that opened it;
                messages are pyroute2's (ifinfmsg, ifaddrmsg, rtmsg), sent without pyroute2's
                event loop because a lab of 200 nodes makes thousands of requests.
- `links`     — bridges, veth pairs, TUN/TAP, VXLAN, master/up.
- `addresses` — addresses and routes.
- `sysctls`   — per-namespace sysctls.
- `hostsfiles`— /etc/netns/<netns>/{hosts,nsswitch.conf,resolv.conf}.
- `launcher`  — run a command inside a node with `ip netns exec` semantics and its own UTS
                namespace whose hostname is the node name (what a container sees).
- `processes` — long-running processes: pid files with the process start time, state, stop.
- `probes`    — can this kernel make a veth / bridge / tun / tap / vxlan / vlan / bond / netem?
- `inspect`   — read interfaces, addresses, bridge ports of a namespace (for `netlab status`).
- `worker`    — a thread that owns namespace switching, so the caller's thread never moves.
"""
