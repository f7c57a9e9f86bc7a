"""Transitional re-exports: the old import path of the API modules' building blocks.

`from ..protocol.dispatch import Api, RequestContext` keeps working for API modules written
before the split (issue 10). New code imports `Api`/`CloseConnection` from broker.protocol.api,
`RequestContext` from broker.request_context and `discover` from broker.registry. Remove this
module once no API module imports it.
"""

from __future__ import annotations

from ..registry import discover
from ..request_context import RequestContext
from .api import Api, CloseConnection, Handler, Registry

__all__ = ["Api", "CloseConnection", "Handler", "Registry", "RequestContext", "discover"]
