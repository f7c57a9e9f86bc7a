"""netlab's node image for a private Docker engine, built locally (no registry is reachable).

The image is almost empty: the top-level directories, `bin`/`lib`/`sbin` as links into /usr as
on Debian 12, and /etc with passwd, group and an nsswitch.conf that resolves `files dns` as
Debian's does. Programs come from the machine, mounted read-only into each container
(`node_mounts`): /usr (Python, kcat, iproute2), /etc/alternatives, and the checkout with its
virtualenv, so a container runs `python -m broker` or the Kafka clients exactly as a lab node does.
The tag is a hash of the image's content, so an image is built once per engine and reused.
"""

from __future__ import annotations

import hashlib
import io
import sys
import tarfile
from pathlib import Path

IMAGE_REPOSITORY = "netlab-node"

_DIRS = ("usr", "etc", "proc", "sys", "dev", "tmp", "run", "var", "var/tmp", "root", "mnt")
_LINKS = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}
_FILES = {
    "etc/nsswitch.conf": "hosts: files dns\n",
    "etc/passwd": (
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    ),
    "etc/group": "root:x:0:\nnogroup:x:65534:\n",
}


def _tarball() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:

        def add(info: tarfile.TarInfo, data: bytes | None = None) -> None:
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "root", "root"
            tar.addfile(info, io.BytesIO(data) if data is not None else None)

        for d in _DIRS:
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if d in ("tmp", "var/tmp") else 0o755
            add(info)
        for name, target in sorted(_LINKS.items()):
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
            add(info)
        for name, text in sorted(_FILES.items()):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            add(info, data)
    return buf.getvalue()


def image_tag() -> str:
    return f"{IMAGE_REPOSITORY}:{hashlib.sha256(_tarball()).hexdigest()[:12]}"


def ensure_image(client) -> str:
    """The node image on this engine (imported from the tarball when missing); returns its tag."""
    from docker.errors import ImageNotFound

    tag = image_tag()
    try:
        client.images.get(tag)
    except ImageNotFound:
        repository, _, version = tag.partition(":")
        client.api.import_image_from_data(_tarball(), repository=repository, tag=version)
    return tag


def checkout_root() -> Path:
    """The directory holding netlab and broker (an editable install runs from it)."""
    return Path(__file__).resolve().parents[2]


def node_mounts() -> dict[str, dict[str, str]]:
    """Read-only bind mounts that give a container the machine's programs and netlab's code."""
    # /etc/zookeeper and the JVM's /etc/java-*: ZooKeeper's class path and Java's own settings
    paths = {
        Path("/usr"),
        Path("/etc/alternatives"),
        Path("/etc/zookeeper"),
        checkout_root(),
        Path(sys.prefix).resolve(),
    }
    paths |= set(Path("/etc").glob("java-*"))
    out: dict[str, dict[str, str]] = {}
    for p in sorted(paths):
        if p.exists() and not any(p != q and p.is_relative_to(q) for q in paths):
            out[str(p)] = {"bind": str(p), "mode": "ro"}
    return out
