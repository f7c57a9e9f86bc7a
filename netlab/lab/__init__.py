"""The lab engine: apply a Plan (journal + rollback), destroy from the journal, status.

Library API (other verbs use these; all but `list_labs`/`load_lab`/`lab_status` need root):
- `apply(plan, topology_text=None, progress=None, fail_at=None) -> LabPaths`
- `check_can_apply(plan)`       root? name free? kernel features present? (nothing created)
- `destroy(lab) -> Destroyed`   idempotent; works from the journal alone
- `list_labs() -> [name]`, `load_lab(name) -> LabState` (plan, nodes: node→netns,
  process_state(step)), `lab_status(name) -> dict`
- `start_process(lab, step|"node/name") -> pid`, `stop_process(lab, step|"node/name")`
- brokers of a running lab: `netlab.lab.brokers` (wait_started, restart_step); their containers
  follow them: `netlab.lab.containers` (reconcile)
- the whole pipeline for `netlab up`: `netlab.lab.up` (up(path) -> UpResult)
- running commands in a node: `netlab.kernel.launcher` (run_in_node / popen_in_node)

State lives in /run/netlab/<lab>/ (see `netlab.lab.paths`).
"""

from netlab.lab.apply import apply, check_can_apply, require_root
from netlab.lab.destroy import Destroyed, destroy
from netlab.lab.paths import RUN_DIR, LabPaths, lab_paths
from netlab.lab.state import LabState, lab_status, list_labs, load_lab, start_process, stop_process

__all__ = [
    "apply",
    "check_can_apply",
    "require_root",
    "destroy",
    "Destroyed",
    "RUN_DIR",
    "LabPaths",
    "lab_paths",
    "LabState",
    "lab_status",
    "list_labs",
    "load_lab",
    "start_process",
    "stop_process",
]
