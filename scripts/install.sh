#!/usr/bin/env bash
# Installs what netlab needs on a Debian 12 machine, once: Debian packages (only the missing
# ones) and a virtualenv at .venv with netlab, its test tools and the real Kafka clients.
# Safe to run again: it does nothing when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every tool a test or a verb runs: nftables (the root-namespace fingerprint test), zookeeper
# (ZooKeeper-mode labs), docker.io (the Docker engine checks), chromium (the report page test).
APT_PACKAGES=(iproute2 iputils-ping kcat tshark tcpdump iperf3 graphviz python3-venv python3-pip procps
              nftables zookeeper docker.io chromium socat)
[[ "${NETLAB_WITH_BENCH:-0}" == 1 ]] && APT_PACKAGES+=(mininet bridge-utils)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ $EUID -ne 0 ]]; then
        echo "netlab: installing ${missing[*]} needs root; run this with sudo" >&2
        exit 2
    fi
    echo "netlab: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # docker.io and zookeeper ship services; netlab starts its own dockerd and ZooKeeper inside
    # lab namespaces only, so no package may start a daemon in the root namespace while installing
    # (policy-rc.d exit 101 = "action forbidden", Debian's invoke-rc.d policy interface).
    placed_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        placed_policy=1
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if ((placed_policy)); then rm -f /usr/sbin/policy-rc.d; fi
fi

# The unprivileged user netlab's node processes (brokers, relays, check clients) run as
# (netlab/kernel/privileges.py, docs/security.md): a system user and group of its own, no home,
# no shell. `netlab up` makes it too when missing; here it exists before the first lab.
if ! getent passwd netlab >/dev/null; then
    if [[ $EUID -eq 0 ]]; then
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --comment "netlab lab processes" netlab
    else
        echo "netlab: the system user 'netlab' is missing; run this with sudo to create it" >&2
    fi
fi

# Debian's python3 is the reference interpreter; fall back to whatever python3 is on PATH.
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=$(command -v python3)
stamp=$(sha256sum pyproject.toml | cut -c1-16)
if [[ ! -x .venv/bin/python || "$(cat .venv/.netlab-stamp 2>/dev/null)" != "$stamp" ]]; then
    echo "netlab: preparing .venv (Python packages)"
    [[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
    .venv/bin/pip install -q --upgrade pip >/dev/null
    .venv/bin/pip install -q -e '.[test]'
    echo "$stamp" > .venv/.netlab-stamp
fi

# kafka-python's own test suite, whose quick subset the test suite runs (tests/compat/): its sdist
# and test requirements from PyPI into .cache/compat, here and once, so no test downloads.
if [[ ! -e .cache/compat/.fetched-$stamp ]]; then
    echo "netlab: fetching kafka-python's test suite into .cache/compat (PyPI)"
    mkdir -p .cache/compat
    NETLAB_COMPAT_CACHE=$PWD/.cache/compat .venv/bin/python scripts/compat/kafka_python.py --fetch-only >/dev/null
    touch ".cache/compat/.fetched-$stamp"
fi
