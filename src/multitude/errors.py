"""The errors the node raises for commands a user gave: what they say is shown as it is."""

from __future__ import annotations

__all__ = ["NodeError", "Refused"]


class NodeError(Exception):
    """A command that cannot be carried out as asked; the message says why."""


class Refused(NodeError):
    """A command the network's rules do not allow now; nothing was stored."""
