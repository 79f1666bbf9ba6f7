"""Who may see what, judged with the same rules the projection applies.

Anyone logged in may read what a network shows the world (purpose, charter, members, roles,
its place among networks, its value equation): that is how one decides to join. What members
put in and take out (contributions, verdicts, incomes, distributions, payouts, activity) is
read by the network's members, and by members of a network it belongs to (they share in it).
Every change goes through the node, which refuses what the rules reject (403, with the reason).
"""

from __future__ import annotations

from multitude.api.problems import Forbidden, NotFound
from multitude.domain.rules import holds, is_member
from multitude.domain.state import NetworkRow, under
from multitude.errors import NodeError
from multitude.node import Node

__all__ = ["is_insider", "network_or_404", "require_approver", "require_insider"]


def network_or_404(node: Node, ref: str) -> NetworkRow:
    try:
        return node.network(ref)
    except NodeError:
        raise NotFound(f"no network {ref!r} here") from None


def is_insider(node: Node, network: str, agent: str) -> bool:
    """A member of the network, or of any network it belongs to, all the way up."""
    state = node.projector.state
    seen: set[str] = set()
    todo = [network]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if is_member(state, current, agent):
            return True
        todo.extend(row.network for row in under(state.memberships, current, 1) if row.status == "member")
    return False


def require_insider(node: Node, network: NetworkRow, agent: str, what: str) -> None:
    if not is_insider(node, network.network, agent):
        raise Forbidden(f"only members of {network.name} can see its {what}")


def require_approver(node: Node, network: NetworkRow, agent: str) -> None:
    if not holds(node.projector.state, network.network, agent, network.approver_role):
        raise Forbidden(f"only holders of the {network.approver_role} role in {network.name} decide who joins")
