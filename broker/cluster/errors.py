"""Errors of the broker's outgoing cluster connections, apart from the channel that raises them so
the node and the API handlers can catch them without importing the channel."""

from __future__ import annotations


class ChannelError(Exception):
    """The node could not be reached or the connection broke (already logged when it matters)."""


class UnknownHost(Exception):
    java_class = "java.net.UnknownHostException"
