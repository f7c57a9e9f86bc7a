"""`netlab drill`: broken labs to fix, judged by real clients (issue 16).

- `model`: a drill directory (drill.yaml + topology.yaml template) and its seeded variants
- `catalog`: the shipped drills (netlab/drill/drills/<id>/)
- `progress`: per-user progress in $XDG_DATA_HOME/netlab/drills.json (atomic, corrupt set aside)
- `labs`: the only door to the lab pipeline (build, remove, config set, check, predict)
- `judge`: rows ✓/✗ with the cause sentence (never the remedy) plus the drill's constraints
- `solution`: the fix as a diff, and its application
- `session`: what each subcommand does

docs/drills.md describes how to write a drill.
"""
