#!/usr/bin/env python3
"""confluent-kafka-python's tests/integration against netlab's broker, if a registry here has them.

    scripts/compat/confluent_kafka_suite.py

Two places are tried at run time, never a copy in the repo: the installed confluent-kafka's PyPI
sdist (2.16.1: src/, requirements/ and setup files only, no tests) and Debian bookworm's source
package python-confluent-kafka (1.7.0, whose upstream tarball would carry tests/integration; its
files answer 404 on this machine's Debian mirror, measured 2026-12-05, while librdkafka's are
served). With neither, a loud NOT RUN and exit status 3: nothing is run, nothing counted.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import debian_source  # noqa: E402
from common import CACHE, sdist  # noqa: E402

SUITE = "confluent-kafka-python"


def main() -> int:
    src = sdist("confluent-kafka", version("confluent-kafka"))
    if (src / "tests" / "integration").is_dir():
        where = f"the PyPI sdist {src.name}"
    else:
        print(
            f"{SUITE}: the PyPI sdist {src.name} holds no tests/integration; trying Debian's source package"
        )
        try:
            pool = debian_source.fetch("python-confluent-kafka")
        except debian_source.NotObtainable as exc:
            print(f"!!! {SUITE}: NOT RUN. No registry here serves the suite: {exc}")
            print(f"{SUITE}: 0 passed, 0 failed, 0 skipped; NOT RUN (suite not obtainable)")
            return 3
        src = debian_source.unpack(pool, CACHE / "python-confluent-kafka")
        where = f"Debian's python-confluent-kafka {debian_source.version(pool)}"
    print(
        f"!!! {SUITE}: {where} carries tests/integration, but running them is not written yet"
        " (docs/compat.md); nothing counted"
    )
    return 3


if __name__ == "__main__":
    sys.exit(main())
