"""A Debian source package, fetched at run time with a private sources list (never the system's
apt configuration): `deb-src` of Debian bookworm main, signed by the installed Debian archive
keyring, with its own lists directory under the cache. apt verifies the Release signature and the
files' checksums as for any `apt-get source`. Also: the package's Build-Depends, installed with
the system's apt (binary packages, the ordinary client) when a suite needs to build something."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from common import CACHE, safe_extract

SOURCES = """Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""

# Build-Depends a suite run does not need: Debian's packaging helper
NOT_FOR_A_TEST_BUILD = {"debhelper-compat", "debhelper", "dh-python"}


class NotObtainable(Exception):
    """apt could not fetch the source package (e.g. the mirror answers 404)."""


def _apt_options(root: Path) -> list[str]:
    return [
        "-o",
        f"Dir::Etc::sourcelist={root / 'src.sources'}",
        "-o",
        "Dir::Etc::sourceparts=/nonexistent",
        "-o",
        f"Dir::State::Lists={root / 'lists'}",
        "-o",
        f"Dir::Cache={root / 'cache'}",
    ]


def _apt(root: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    cmd = ["apt-get", "-q", *_apt_options(root), *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)


def fetch(package: str) -> Path:
    """The directory holding `<package>_<version>.dsc` and its files (downloaded once)."""
    root = CACHE / "debian-src"
    pool = root / "pool" / package
    if list(pool.glob("*.dsc")) and list(pool.glob("*.orig.tar.*")):
        return pool
    (root / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (root / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    pool.mkdir(parents=True, exist_ok=True)
    (root / "src.sources").write_text(SOURCES)
    done = _apt(root, "update")
    if done.returncode:
        raise NotObtainable(f"apt-get update (private deb-src list) failed:\n{done.stderr.strip()}")
    done = _apt(root, "source", "--download-only", package, cwd=pool)
    if done.returncode or not list(pool.glob("*.orig.tar.*")):
        errors = [line for line in done.stderr.splitlines() if line.startswith(("E:", "Err"))]
        raise NotObtainable(f"apt-get source --download-only {package}: " + "; ".join(errors or ["failed"]))
    return pool


def unpack(pool: Path, dest: Path) -> Path:
    """The upstream tree (`<package>-<version>/`) from the .orig tarball, unpacked once under dest."""
    orig = next(pool.glob("*.orig.tar.*"))
    m = re.match(r"(.+)_(.+)\.orig\.tar\.", orig.name)
    assert m, orig.name
    tree = dest / f"{m.group(1)}-{m.group(2)}"
    if not tree.is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        safe_extract(orig, dest)
    return tree


def version(pool: Path) -> str:
    return next(pool.glob("*.dsc")).name.split("_", 1)[1].removesuffix(".dsc")


def build_depends(pool: Path) -> list[str]:
    """Binary package names in the .dsc's Build-Depends (version constraints and alternatives
    after the first dropped), without Debian's packaging helpers."""
    text = next(pool.glob("*.dsc")).read_text()
    m = re.search(r"^Build-Depends:(.*(?:\n[ \t].*)*)", text, re.M)
    if not m:
        return []
    names = []
    for dep in m.group(1).replace("\n", " ").split(","):
        name = dep.split("|")[0].split("(")[0].split("[")[0].strip()
        if name and name not in NOT_FOR_A_TEST_BUILD:
            names.append(name)
    return names


def install_missing(packages: list[str]) -> None:
    """Install the Debian binary packages not installed yet (apt-get, the system's own lists)."""
    missing = []
    for p in packages:
        q = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True)
        if "install ok installed" not in q.stdout:
            missing.append(p)
    if not missing:
        return
    print(f"installing build dependencies: {' '.join(missing)}", flush=True)
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    subprocess.run(
        cmd, check=True, timeout=900, env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/bin:/bin"}
    )
