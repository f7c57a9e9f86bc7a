"""A Kafka-wire-compatible broker in Python (one node): Kafka's settings and validation messages,
one listener per configured listener, the protocol real clients speak, Kafka's on-disk log.
Runnable alone: `python -m broker server.properties [--override key=value ...]`."""
