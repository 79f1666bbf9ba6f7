"""What a passed proposal does: each of its actions, checked when the proposal is opened and
applied when it closes passed, with the network's own rules and without any custodian.

An action that cannot be applied when the proposal closes (the member left in the meantime)
changes nothing and says why; the others still apply. Every effect is recorded on the proposal.
"""

from __future__ import annotations

from decimal import Decimal

from multitude.domain.accounting.equation import EquationError, parse_equation
from multitude.domain.accounting.rules import adopt_equation, currency_of
from multitude.domain.governance.bodies import Action
from multitude.domain.governance.rows import SpendingRow
from multitude.domain.networks.rules import (
    admit,
    amend_charter,
    charter_of,
    grant,
    leave,
    remove,
    request_membership,
    revoke,
)
from multitude.domain.rules import Rejected, is_member
from multitude.domain.state import NetworkRow, State
from multitude.ledger import Event

__all__ = ["apply_action", "check_action", "describe"]


def describe(action: Action, names: dict[str, str] | None = None) -> str:
    """An action in words."""
    names = names or {}

    def who(agent: str | None) -> str:
        return names.get(agent or "", (agent or "")[:12])

    match action.kind:
        case "admit_member":
            return f"admit {who(action.member)}"
        case "remove_member":
            return f"remove {who(action.member)} ({action.reason})"
        case "grant_role":
            return f"grant the {action.role} role to {who(action.member)}"
        case "revoke_role":
            return f"revoke the {action.role} role of {who(action.member)}"
        case "adopt_equation":
            return "adopt a new value equation"
        case "amend_charter":
            return f"amend the charter (name {action.name!r})"
        case "join_network":
            return f"join the network {who(action.network)}"
        case "leave_network":
            return f"leave the network {who(action.network)}"
        case "accept_network":
            return f"accept the network {who(action.network)} as a member"
        case _:
            to = f" to {who(action.payee)}" if action.payee else ""
            return f"spend {action.amount} {action.currency}{to}: {action.purpose}"


def _network(state: State, network: str | None) -> NetworkRow:
    row = state.networks.get((network or "",))
    if row is None:
        raise Rejected(f"network {(network or '')[:12]} is not known")
    return row


def check_action(state: State, net: NetworkRow, action: Action) -> None:
    """Refuse, when the proposal is opened, an action that could never apply."""
    charter = charter_of(net)
    match action.kind:
        case "remove_member" | "grant_role" | "revoke_role":
            if not is_member(state, net.network, action.member or ""):
                raise Rejected(f"{(action.member or '')[:12]} is not a member")
            if action.role is not None and action.role not in charter.all_roles():
                raise Rejected(f"the charter has no role {action.role!r} (it has: {', '.join(charter.all_roles())})")
        case "admit_member":
            if (action.member,) in state.networks:
                raise Rejected(f"{(action.member or '')[:12]} is a network: admit it with accept_network")
            if is_member(state, net.network, action.member or ""):
                raise Rejected(f"{(action.member or '')[:12]} is already a member")
        case "adopt_equation":
            try:
                parse_equation(action.document or "")
            except EquationError as error:
                raise Rejected(f"the equation does not parse: {error}") from None
        case "join_network" | "leave_network" | "accept_network":
            other = _network(state, action.network)
            if other.network == net.network:
                raise Rejected("a network cannot join, leave or accept itself")
        case "spend":
            currency_of(charter, action.currency or "")
        case "amend_charter":
            # Its schema checked the new charter whole; that no role still held disappears is
            # checked when it applies, as roles may change meanwhile.
            return


def apply_action(state: State, net: NetworkRow, action: Action, event: Event, proposal: str, index: int) -> str:
    """Apply one action of a passed proposal closed by `event`; returns what happened.
    Raises Rejected, having changed nothing, when it cannot apply."""
    match action.kind:
        case "admit_member":
            return admit(state, net, action.member or "", action.reason, event)
        case "remove_member":
            remove(state, net, action.member or "", action.reason, event)
            return "removed"
        case "grant_role":
            grant(state, net, action.member or "", action.role or "", event)
            return "granted"
        case "revoke_role":
            revoke(state, net, action.member or "", action.role or "")
            return "revoked"
        case "adopt_equation":
            adopt_equation(state, net, action.document or "", event)
            return "adopted"
        case "amend_charter":
            assert action.charter is not None and action.name is not None  # checked by the body
            amend_charter(state, net, action.name, action.purpose or "", action.charter, event)
            return "amended"
        case "join_network":
            status = request_membership(state, _network(state, action.network), net.network, "network",
                                        action.reason, event)
            return "joined" if status == "member" else "asked to join; the other network decides"
        case "leave_network":
            leave(state, _network(state, action.network), net.network, action.reason, event)
            return "left"
        case "accept_network":
            return admit(state, net, action.network or "", action.reason, event)
        case _:
            currency = currency_of(charter_of(net), action.currency or "")
            amount = Decimal(action.amount or "0")
            if amount != amount.quantize(Decimal(1).scaleb(-currency.decimals)):
                raise Rejected(f"{action.amount} {currency.code} has more than {currency.decimals} decimals")
            key = f"{event.id}:{index}"
            state.spendings[(net.network, key)] = SpendingRow(
                net.network, key, proposal, action.amount or "0", currency.code, action.purpose or "",
                action.payee or "", event.id)
            return "recorded"
