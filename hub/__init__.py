"""hub: a plugin-based integration hub between event-ticketing platforms and video providers.

Plugins import :data:`hookimpl` from here to implement the hooks in :mod:`hub.hookspecs`.
"""

from hub.hookspecs import hookimpl

__all__ = ["hookimpl"]
__version__ = "0.1.0"
