"""Where labs keep their state: /run/netlab/<lab>/ (NETLAB_RUN_DIR moves it, for tests).

A leaf: the plan names files under a lab's directory (a broker's server.properties) before the
lab exists, and the lab engine (netlab/lab/paths.py, `lab_paths(lab).root` is RUN_DIR/<lab>) lays
the directory out.
"""

from __future__ import annotations

import os
from pathlib import Path

RUN_DIR = Path(os.environ.get("NETLAB_RUN_DIR", "/run/netlab"))
