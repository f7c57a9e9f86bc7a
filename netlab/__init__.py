"""netlab: a container-networking lab for Kafka listeners.

A lab is a set of network namespaces and nothing else (see docs/DESIGN.md):
topology.yaml --load--> Topology --compile--> Plan --apply--> kernel + processes.
"""

__version__ = "0.1.0"
