"""Scalar types of the topology format: names, addresses, subnets, each with a message that
says what would be valid. Used by the pydantic models in models.py.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

# The machine's uplink in our workplace: a lab must never use it, so that no lab address can
# be confused with (or routed towards) the real network.
UPLINK = IPv4Network("192.0.2.0/24")
UPLINK_REASON = (
    "192.0.2.0/24 is this machine's real uplink and is refused in labs; "
    "use 198.51.100.0/24 or 203.0.113.0/24 for 'public' addresses, or 10.x/172.16-31.x/192.168.x"
)

LAB_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,31}$")
NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# Names a hosts file (and Docker's embedded DNS) resolves: RFC 1123 labels, plus `_`, which
# compose service names often carry (`kafka_broker`) and glibc resolves from /etc/hosts.
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$"
)
IFNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
IFNAME_MAX = 15  # IFNAMSIZ - 1
SYSCTL_RE = re.compile(r"^net\.[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$")


def check_lab_name(value: Any) -> str:
    if not isinstance(value, str) or not LAB_RE.match(value):
        raise ValueError(
            f"{value!r} is not a valid lab name: use 1-32 of a-z, 0-9 and _, starting with a letter "
            "or digit (no '-': namespaces are named netlab-<lab>-<node>, and a '-' in the lab "
            "name would let two labs' namespace names collide)"
        )
    return value


def check_name(value: Any, what: str = "name") -> str:
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise ValueError(
            f"{value!r} is not a valid {what}: use 1-63 of a-z, 0-9 and '-', starting and ending "
            "with a letter or digit (it is also a host name)"
        )
    return value


def check_hostname(value: Any) -> str:
    if not isinstance(value, str) or not HOSTNAME_RE.match(value):
        raise ValueError(
            f"{value!r} is not a valid host name: labels of A-Z, a-z, 0-9 and '-', separated by dots"
        )
    return value


def check_ifname(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{value!r} is not an interface name: expected a string such as eth0")
    if len(value) > IFNAME_MAX:
        raise ValueError(
            f"interface name {value!r} is {len(value)} characters; Linux allows at most {IFNAME_MAX}"
        )
    if not IFNAME_RE.match(value) or value in (".", ".."):
        raise ValueError(
            f"{value!r} is not a valid interface name: use letters, digits, '_', '.', '-' "
            "(no '/', ':' or spaces), starting with a letter or digit"
        )
    if value == "lo":
        raise ValueError("'lo' is the loopback device every node already has; pick another name")
    return value


def _refuse_uplink_address(address: IPv4Address) -> None:
    if address in UPLINK:
        raise ValueError(f"{address} is in {UPLINK_REASON}")


def parse_ipv4(value: Any) -> IPv4Address:
    if isinstance(value, IPv4Address):
        address = value
    elif isinstance(value, str):
        try:
            address = IPv4Address(value.strip())
        except ValueError:
            raise ValueError(
                f"{value!r} is not an IPv4 address: expected dotted form such as 10.5.0.3 "
                "(without a prefix; IPv6 is not supported)"
            ) from None
    else:
        raise ValueError(f"expected an IPv4 address such as 10.5.0.3, got {value!r}")
    _refuse_uplink_address(address)
    return address


def parse_cidr(value: Any) -> IPv4Interface:
    """An address with its prefix length, e.g. 10.0.12.1/30."""
    if isinstance(value, IPv4Interface):
        iface = value
    elif isinstance(value, str) and "/" in value:
        try:
            iface = IPv4Interface(value.strip())
        except ValueError:
            raise ValueError(
                f"{value!r} is not an IPv4 address with prefix: expected e.g. 10.0.12.1/30"
            ) from None
    else:
        raise ValueError(f"{value!r} is not an IPv4 address with prefix length: expected e.g. 10.0.12.1/30")
    _refuse_uplink_address(iface.ip)
    if iface.network.prefixlen < 31 and iface.ip in (
        iface.network.network_address,
        iface.network.broadcast_address,
    ):
        raise ValueError(
            f"{iface.ip} is the {'network' if iface.ip == iface.network.network_address else 'broadcast'} "
            f"address of {iface.network}; pick a host address between "
            f"{iface.network.network_address + 1} and {iface.network.broadcast_address - 1}"
        )
    return iface


def parse_subnet(value: Any) -> IPv4Network:
    if isinstance(value, IPv4Network):
        net = value
    elif isinstance(value, str):
        try:
            net = IPv4Network(value.strip())
        except ValueError as exc:
            if "host bits set" in str(exc):
                fixed = IPv4Network(value.strip(), strict=False)
                raise ValueError(f"{value!r} has host bits set; did you mean {fixed}?") from None
            raise ValueError(f"{value!r} is not an IPv4 subnet: expected e.g. 10.5.0.0/16") from None
    else:
        raise ValueError(f"expected an IPv4 subnet such as 10.5.0.0/16, got {value!r}")
    if net.overlaps(UPLINK):
        raise ValueError(f"{net} overlaps {UPLINK_REASON}")
    return net


def parse_route_dst(value: Any) -> str:
    if value == "default":
        return "default"
    if isinstance(value, str) and value.strip() == "0.0.0.0/0":
        return "default"
    return str(parse_subnet(value))


def parse_port_number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{value!r} is not a port number: expected an integer 1-65535")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a port number: expected an integer 1-65535") from None
    if not 1 <= number <= 65535:
        raise ValueError(f"port {number} is out of range: expected 1-65535")
    return number


_STR_SCHEMA = {"type": "string"}

LabName = Annotated[
    str, PlainValidator(check_lab_name), WithJsonSchema({"type": "string", "pattern": LAB_RE.pattern})
]
Name = Annotated[
    str, PlainValidator(check_name), WithJsonSchema({"type": "string", "pattern": NAME_RE.pattern})
]
HostName = Annotated[str, PlainValidator(check_hostname), WithJsonSchema(_STR_SCHEMA)]
IfName = Annotated[
    str,
    PlainValidator(check_ifname),
    WithJsonSchema({"type": "string", "maxLength": IFNAME_MAX, "pattern": IFNAME_RE.pattern}),
]
IPv4 = Annotated[
    IPv4Address,
    PlainValidator(parse_ipv4),
    PlainSerializer(str),
    WithJsonSchema({"type": "string", "format": "ipv4"}),
]
CIDR = Annotated[
    IPv4Interface,
    PlainValidator(parse_cidr),
    PlainSerializer(str),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d+\.\d+\.\d+/\d+$"}),
]
Subnet = Annotated[
    IPv4Network,
    PlainValidator(parse_subnet),
    PlainSerializer(str),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d+\.\d+\.\d+/\d+$"}),
]
RouteDst = Annotated[
    str,
    PlainValidator(parse_route_dst),
    WithJsonSchema({"type": "string", "description": "'default' or a subnet"}),
]
Port = Annotated[
    int,
    PlainValidator(parse_port_number),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 65535}),
]
