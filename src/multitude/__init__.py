"""Multitude: the open back office of self-organising networks.

`multitude.Node` is the application object every front end uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multitude.node import Node

__all__ = ["Node"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "Node":  # imported on first use, so `multitude --help` stays fast
        from multitude.node import Node

        return Node
    raise AttributeError(name)
