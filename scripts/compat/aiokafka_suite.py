#!/usr/bin/env python3
"""aiokafka's own tests against netlab's broker, if its PyPI sdist carries them.

    scripts/compat/aiokafka_suite.py

Downloads the installed aiokafka's sdist from PyPI (pip, at run time) and looks for tests/. The
0.14.0 sdist has none (measured: aiokafka/, setup files and metadata only), so this prints a loud
NOT RUN and exits 3: nothing is run, nothing counted. The suite is never copied into the repo.
Its tests need `--docker-image` or an external Kafka; once an sdist ships them, running them is
the next step (docs/compat.md).
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import sdist, tests_or_exit  # noqa: E402

SUITE = "aiokafka"


def main() -> int:
    src = sdist("aiokafka", version("aiokafka"))
    tests_or_exit(SUITE, src, "tests")
    print(f"!!! {SUITE}: the sdist now carries tests/, but running them is not written yet (docs/compat.md)")
    return 3


if __name__ == "__main__":
    sys.exit(main())
