"""netlab: a container-networking lab for Kafka listeners.

A lab is a set of network namespaces and nothing else (see docs/ARCHITECTURE.md):
topology.yaml --load--> Resolved topology --compile--> Plan --apply--> kernel + processes.
"""

__version__ = "0.1.0"
