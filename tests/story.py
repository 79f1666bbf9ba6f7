"""A small language for writing a network's story in tests: people sign events in turn."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from multitude.domain import State, apply, validate_body
from multitude.ledger import Event, Keypair, seal
from multitude.ledger.event import event_time
from multitude.projection.order import Entry, resolve

START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def person(name: str) -> Keypair:
    """The same key for the same name in every test."""
    return Keypair(hashlib.sha256(f"test person {name}".encode()).digest())


class Story:
    """Signs events as different people, with chains and a steadily advancing clock."""

    def __init__(self) -> None:
        self.heads: dict[str, tuple[int, str]] = {}
        self.clock = START
        self.events: list[Event] = []

    def sign(self, key: Keypair, type: str, network: str | None = None, *, seq: int | None = None,
             prev: str | None = None, time: datetime | None = None, **body: Any) -> Event:
        head = self.heads.get(key.public)
        self.clock += timedelta(minutes=1)
        event = seal(
            key,
            seq=seq if seq is not None else (head[0] + 1 if head else 1),
            prev=prev if seq is not None else (head[1] if head else None),
            type=type,
            network=network,
            body={"v": 1, **body},
            time=event_time(time or self.clock),
        )
        if seq is None:
            self.heads[key.public] = (event.seq, event.id)
        self.events.append(event)
        return event

    def profile(self, key: Keypair, name: str) -> Event:
        return self.sign(key, "agent.profile", kind="person", name=name)

    def network(self, key: Keypair, name: str, membership: str = "open", roles: Iterable[str] = (),
                approver_role: str = "custodian") -> str:
        charter = {"membership": membership, "approver_role": approver_role, "roles": list(roles)}
        return self.sign(key, "network.created", name=name, charter=charter).id

    def join(self, key: Keypair, network: str, on_behalf_of: str | None = None) -> Event:
        extra = {"on_behalf_of": on_behalf_of} if on_behalf_of else {}
        return self.sign(key, "membership.requested", network, **extra)

    def decide(self, key: Keypair, type: str, network: str, member: str, reason: str = "") -> Event:
        return self.sign(key, type, network, member=member, reason=reason)

    def grant(self, key: Keypair, network: str, member: str, role: str) -> Event:
        return self.sign(key, "role.granted", network, member=member, role=role)


def entries(events: Iterable[Event]) -> list[Entry]:
    return [Entry(e, validate_body(e.type, e.body, e.network)) for e in events]


def fold(events: Iterable[Event]) -> tuple[State, dict[str, str]]:
    """Fold events in the projection's order; return the state and each event's status.

    The status is 'applied', 'rejected: <reason>' or 'pending: <waited-for id>'.
    """
    state = State.empty()
    statuses: dict[str, str] = {}
    resolution = resolve(entries(events), {})
    for _, entry in resolution.ready:
        outcome = apply(state, entry.event, entry.body)
        statuses[entry.event.id] = "applied" if outcome.applied else f"rejected: {outcome.reason}"
    for entry, waiting in resolution.pending:
        statuses[entry.event.id] = f"pending: {waiting}"
    return state, statuses


def member_status(state: State, network: str, member: str) -> str | None:
    row = state.memberships.get((network, member))
    return row.status if row else None


def roles_of(state: State, network: str, member: str) -> set[str]:
    return {key[2] for key in state.roles if key[:2] == (network, member)}


class Ledger(Story):
    """A Story that also speaks accounting: contributions, equations, incomes, distributions."""

    def camp(self, key: Keypair, name: str, *, validation: dict[str, Any] | None = None,
             currencies: Iterable[str] = ("EUR",), leavers: dict[str, str] | None = None,
             membership: str = "open", roles: Iterable[str] = ()) -> str:
        charter: dict[str, Any] = {
            "membership": membership, "roles": list(roles),
            "currencies": [{"code": code, "decimals": 0 if code == "JPY" else 2} for code in currencies],
        }
        if validation:
            charter["validation"] = validation
        if leavers:
            charter["leavers"] = leavers
        return self.sign(key, "network.created", name=name, charter=charter).id

    def work(self, key: Keypair, network: str, hours: str, **fields: Any) -> str:
        return self.sign(key, "contribution.logged", network, action="work", hours=hours, **fields).id

    def give(self, key: Keypair, network: str, action: str, **fields: Any) -> str:
        return self.sign(key, "contribution.logged", network, action=action, **fields).id

    def adopt(self, key: Keypair, network: str, document: str) -> str:
        return self.sign(key, "equation.adopted", network, document=document).id

    def income(self, key: Keypair, network: str, amount: str, currency: str = "EUR", **fields: Any) -> str:
        return self.sign(key, "income.recorded", network, amount=amount, currency=currency,
                         source=fields.pop("source", "sales"), **fields).id

    def distribute(self, key: Keypair, network: str, income: str) -> Event:
        """Sign the distribution of `income` with the digests of the split as the log stands."""
        from decimal import Decimal

        from multitude.domain.accounting.distribution import equation_in_force, split_income
        from multitude.domain.accounting.rules import income_target
        from multitude.domain.networks.rules import charter_of

        state, _ = fold(self.events)
        row = state.incomes[(income,)]
        charter = charter_of(state.networks[(network,)])
        decimals = next(c.decimals for c in charter.currencies if c.code == row.currency)
        day = event_time(self.clock + timedelta(minutes=1))[:10]
        split = split_income(state, network, Decimal(row.amount), decimals, day, target=income_target(row),
                             currency=row.currency)
        equation = equation_in_force(state, network)
        return self.sign(key, "distribution.recorded", network, income=income,
                         equation=equation.equation if equation else "0" * 64,
                         contributions=split.contributions_digest, result=split.result_digest)


def payouts(state: State, distribution: str) -> dict[str, str]:
    """What each recipient got from a distribution, summed over its lines."""
    from decimal import Decimal

    totals: dict[str, Decimal] = {}
    for key, row in state.payouts.items():
        if key[0] == distribution:
            totals[row.recipient] = totals.get(row.recipient, Decimal(0)) + Decimal(row.amount)
    return {recipient: str(amount) for recipient, amount in sorted(totals.items())}
