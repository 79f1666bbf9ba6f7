"""The fold: apply one event to the state, judging it at its place in the order.

Before an event's own rule runs, two things every event shares are settled here:
- its place on the author's hash chain. Two events with the same author and seq are an
  equivocation: the one that comes first in the order stays on the chain, the other and
  whatever is built on it are kept off it (rejected, listed in `forked`), never a reason to stop.
  A gap (an earlier event not received yet) is no obstacle.
- whom the author speaks for: itself, or the agent whose linked device it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from multitude.domain.accounting.rules import HANDLERS as ACCOUNTING
from multitude.domain.governance.rules import HANDLERS as GOVERNANCE
from multitude.domain.networks.rules import HANDLERS as NETWORKS
from multitude.domain.rules import Rejected
from multitude.domain.schema import Body
from multitude.domain.state import ForkedRow, HeadRow, State
from multitude.ledger import Event

__all__ = ["Outcome", "apply", "speaks_for"]


@dataclass(frozen=True, slots=True)
class Outcome:
    applied: bool
    reason: str = ""


APPLIED = Outcome(True)
HANDLERS = {**NETWORKS, **ACCOUNTING, **GOVERNANCE}


def speaks_for(state: State, author: str) -> str:
    """The agent an author key acts for; raises Rejected for an unlinked device."""
    device = state.devices.get((author,))
    if device is None:
        return author
    if device.status != "linked":
        raise Rejected(f"this device key was unlinked from agent {device.agent[:12]}")
    return device.agent


def _place_on_chain(state: State, event: Event) -> None:
    head = state.heads.get((event.author,))
    off_chain = None
    if event.prev is not None and (event.prev,) in state.forked:
        off_chain = "follows an event that is off its author's chain"
    elif head is not None and event.seq <= head.seq:
        off_chain = f"equivocation: the author already signed another event at seq {event.seq}"
    elif head is not None and event.seq == head.seq + 1 and event.prev != head.event:
        off_chain = f"equivocation: prev does not match the author's event at seq {head.seq}"
    if off_chain is not None:
        state.forked[(event.id,)] = ForkedRow(event.id, event.author, event.seq)
        raise Rejected(off_chain)
    state.heads[(event.author,)] = HeadRow(event.author, event.seq, event.id)


def apply(state: State, event: Event, body: Body) -> Outcome:
    """Apply `event` (with its validated `body`) to `state`; say whether it took effect."""
    try:
        _place_on_chain(state, event)
        actor = speaks_for(state, event.author)
        HANDLERS[event.type](state, event, body, actor)
    except Rejected as rejection:
        return Outcome(False, str(rejection))
    return APPLIED
