"""Errors with the exit codes the CLI promises: 1 lab/check failure, 2 bad input."""

from __future__ import annotations


class NetlabError(Exception):
    """A failure of the lab or of a check (exit code 1)."""

    exit_code = 1


class InputError(NetlabError):
    """Bad input: a topology file, an argument, a lab name (exit code 2).

    `where` locates the problem (``file:line: nodes.broker-1.networks.kafka-net.ip``) and the
    message says what would be valid.
    """

    exit_code = 2

    def __init__(self, message: str, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class NotRootError(InputError):
    """The command changes the kernel and must run as root."""
