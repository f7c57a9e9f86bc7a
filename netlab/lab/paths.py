"""A lab's state directory: netlab/lab_paths.py, outside the `netlab.lab` package so that what
only reads a lab's files (`netlab predict`, the live report) does not import the kernel side that
the package's __init__ loads (apply: pyroute2, ~0.4 s). Re-exported here for the lab engine."""

from netlab.lab_paths import LAB_NAME, RUN_DIR, LabPaths, check_lab_name, lab_paths

__all__ = ["LAB_NAME", "RUN_DIR", "LabPaths", "check_lab_name", "lab_paths"]
