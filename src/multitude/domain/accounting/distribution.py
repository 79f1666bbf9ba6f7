"""Distribution: an income split by a network's value equation, exactly, with a reason for
every line.

Per network, bucket by bucket: a `straight` bucket takes its percent of the income, a
`remaining` bucket its percent of what the buckets before it did not pay out. A bucket with a
recipient pays it all; a bucket with rules values each matching validated contribution by its
rule's formula and splits in proportion to the value per agent (debts paid until settled and
never beyond; one-time claims counted once). What no bucket pays out is kept by the network.
The shares are exact fractions until the last step, which rounds to the currency's minor unit
by largest remainder, so the lines add up to the income exactly. A line to a member network is
split again by that network's own equation, all the way down.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow
from fractions import Fraction
from functools import lru_cache

from multitude.domain.accounting.apportion import apportion_capped
from multitude.domain.accounting.equation import Bucket, Equation, Rule, parse_equation
from multitude.domain.accounting.formula import FormulaError
from multitude.domain.accounting.rows import EquationRow
from multitude.domain.accounting.tally import COLUMNS, Group, TallyQuery, tally
from multitude.domain.networks.rules import charter_of
from multitude.domain.state import State

__all__ = ["ClaimChange", "DistributionError", "Line", "Split", "equation_in_force", "split_income"]

_EXACT = Context(prec=400, traps=[Inexact, Overflow, InvalidOperation])  # sums that never round
_MAX_DEPTH = 32  # member networks nest at most this deep (membership has no cycles)


class DistributionError(ValueError):
    """The equation cannot split this income on this network's data (e.g. a division by zero)."""


@dataclass(frozen=True)
class Line:
    """An amount paid to a recipient, by which network's equation, and why."""

    recipient: str
    amount: Decimal
    network: str
    bucket: str
    claim: str  # equity | debt | once | recipient | kept
    basis: str


@dataclass(frozen=True)
class ClaimChange:
    """New totals of what an agent's debt or one-time claim in a bucket has counted and been paid."""

    network: str
    bucket: str
    agent: str
    kind: str
    counted: Decimal
    paid: Decimal


@dataclass(frozen=True)
class Split:
    lines: tuple[Line, ...]
    claims: tuple[ClaimChange, ...]
    contributions_digest: str
    result_digest: str

    def payouts(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            totals[line.recipient] = _EXACT.add(totals[line.recipient], line.amount)
        return dict(sorted(totals.items()))


@dataclass
class _Draft:
    recipient: str
    exact: Fraction
    bucket: str
    claim: str
    basis: str
    cap: Fraction | None = None
    counted: Decimal = Decimal(0)  # value counted by a debt or one-time claim


@dataclass
class _Context:
    state: State
    day: str
    document: str | None  # an equation to use instead of the top network's own
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)
    claims: list[ClaimChange] = field(default_factory=list)


@lru_cache(maxsize=64)
def _parsed(document: str) -> Equation:
    return parse_equation(document)


def equation_in_force(state: State, network: str) -> EquationRow | None:
    found = [row for key, row in state.equations.items() if key[0] == network and row.in_force]
    return found[0] if found else None


def split_income(state: State, network: str, amount: Decimal, decimals: int, day: str,
                 document: str | None = None) -> Split:
    """Split `amount` (whole minor units of a currency with `decimals`) received by `network`,
    as the state stands, on calendar day `day` (YYYY-MM-DD); by the equation in force, or by
    the equation `document` when one is given (a preview or a comparison)."""
    context = _Context(state, day, document)
    lines = list(_split(context, network, amount, decimals, 0, ()))
    result = hashlib.sha256()
    for line in lines:
        result.update(json.dumps([line.recipient, str(line.amount), line.network, line.bucket, line.claim]).encode())
    return Split(tuple(lines), tuple(context.claims), context.digest.hexdigest(), result.hexdigest())


def _split(context: _Context, network: str, amount: Decimal, decimals: int, depth: int,
           path: tuple[str, ...]) -> Iterator[Line]:
    if depth > _MAX_DEPTH:
        raise DistributionError("member networks nest too deep")
    row = equation_in_force(context.state, network)
    document = context.document if depth == 0 and context.document is not None else row.document if row else None
    drafts: list[_Draft] = []
    total = Fraction(amount)
    paid_out = Fraction(0)
    if document is None:
        basis = "the network has no value equation in force, so it keeps the income"
    else:
        equation = _parsed(document)
        context.digest.update(f"{network}\t{equation.digest}\n".encode())
        for bucket in equation.buckets:
            base = total if bucket.mode == "straight" else total - paid_out
            share = base * Fraction(bucket.percent) / 100
            bucket_drafts = _bucket(context, network, bucket, share)
            drafts.extend(bucket_drafts)
            paid_out += sum((d.exact for d in bucket_drafts), Fraction(0))
        basis = f"what the buckets of {equation.name!r} (version {equation.version}) did not pay out"
    drafts.append(_Draft(network, total - paid_out, "", "kept", basis))
    keys = [f"{index:06d}" for index in range(len(drafts))]
    caps = {key: _floor_units(d.cap, decimals) for key, d in zip(keys, drafts, strict=True) if d.cap is not None}
    amounts, leftover = apportion_capped(amount, dict(zip(keys, (d.exact for d in drafts), strict=True)),
                                         caps, decimals)
    amounts[keys[-1]] = _EXACT.add(amounts[keys[-1]], leftover)  # the network keeps what rounding left
    for key, draft in zip(keys, drafts, strict=True):
        paid = amounts[key]
        if draft.claim in ("debt", "once"):
            _record_claim(context, network, draft, paid)
        if paid == 0 and draft.claim != "kept":
            continue
        is_network = (draft.recipient,) in context.state.networks and draft.recipient != network
        if is_network and draft.recipient not in path:
            yield from _split(context, draft.recipient, paid, decimals, depth + 1, (*path, network))
        elif paid != 0:
            yield Line(draft.recipient, paid, network, draft.bucket, draft.claim, draft.basis)


def _floor_units(value: Fraction, decimals: int) -> Decimal:
    scale = 10**decimals
    return Decimal(value.numerator * scale // value.denominator).scaleb(-decimals)


def _record_claim(context: _Context, network: str, draft: _Draft, paid: Decimal) -> None:
    key = (network, draft.bucket, draft.recipient, draft.claim)
    before = context.state.claims.get(key)
    counted = Decimal(before.counted) if before else Decimal(0)
    so_far = Decimal(before.paid) if before else Decimal(0)
    context.claims.append(ClaimChange(network, draft.bucket, draft.recipient, draft.claim,
                                      _EXACT.add(counted, draft.counted), _EXACT.add(so_far, paid)))


def _bucket(context: _Context, network: str, bucket: Bucket, share: Fraction) -> list[_Draft]:
    if share == 0:
        return []
    if bucket.recipient is not None:
        recipient = network if bucket.recipient == "network" else bucket.recipient
        claim = "kept" if recipient == network else "recipient"
        return [_Draft(recipient, share, bucket.name, claim, f"{bucket.percent}% {bucket.mode} to a fixed recipient")]
    claims: list[_Draft] = []
    for rule in bucket.rules:
        claims.extend(_claims(context, network, bucket, rule))
    return _fill(share, claims)


def _fill(share: Fraction, claims: list[_Draft]) -> list[_Draft]:
    """Split `share` in proportion to the claims' values, none beyond its cap (water-filling):
    what capped claims cannot take goes to the others; what nobody can take is not paid out."""
    active = [c for c in claims if c.exact > 0]
    result: list[_Draft] = []
    remaining = share
    while active:
        weight = sum((c.exact for c in active), Fraction(0))
        level = remaining / weight
        capped = [c for c in active if c.cap is not None and c.cap <= c.exact * level]
        if not capped:
            result.extend(_with(c, c.exact * level) for c in active)
            return result
        for claim in capped:
            assert claim.cap is not None
            result.append(_with(claim, claim.cap))
            remaining -= claim.cap
        active = [c for c in active if c not in capped]
    return result


def _with(claim: _Draft, exact: Fraction) -> _Draft:
    return _Draft(claim.recipient, exact, claim.bucket, claim.claim, claim.basis, claim.cap, claim.counted)


def _claims(context: _Context, network: str, bucket: Bucket, rule: Rule) -> list[_Draft]:
    """One claim per agent: the value of their matching contributions under `rule`."""
    state = context.state
    names = sorted(rule.formula.variables)
    columns = tuple(dict.fromkeys([COLUMNS[name] for name in names] + ["value"]))
    groups = tally(state.contributions, TallyQuery(network, rule.filter, columns))
    leavers = _leavers(state, network)
    valued: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for group in groups:
        if rule.filter.roles is not None and not any(
            (network, group.contributor, role) in state.roles for role in rule.filter.roles
        ):
            continue
        context.digest.update(f"{rule.where}\t{group.holder}\t{group.contributor}\t{group.action}\t"
                              f"{'|'.join(group.values)}\t{group.count}\n".encode())
        value = _value(rule, names, columns, group, context.day)
        for agent, part in _holders(state, network, group.holder):
            worth = value
            if leavers.get(agent) == "bad":  # a bad leaver keeps cash at face value, nothing else
                if group.action != "transfer":
                    continue
                worth = Decimal(group.values[columns.index("value")])
            amount = _EXACT.multiply(worth, group.count)
            valued[agent] = _EXACT.add(valued[agent], amount if part == 1 else _fraction_value(Fraction(amount) * part))
            counts[agent] += group.count
    drafts = []
    for agent in sorted(valued):
        value = valued[agent]
        if rule.cap_per_agent is not None and value > rule.cap_per_agent:
            value = rule.cap_per_agent
        drafts.append(_claim(state, network, bucket, rule, agent, value, counts[agent]))
    return [d for d in drafts if d.exact > 0]


def _fraction_value(value: Fraction) -> Decimal:
    """A Fraction of a value as a Decimal, at the formula context's precision."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def _claim(state: State, network: str, bucket: Bucket, rule: Rule, agent: str, value: Decimal,
           count: int) -> _Draft:
    what = f"{count} contribution{'s' if count != 1 else ''} valued {value} by {rule.formula.text!r} ({rule.where})"
    if rule.claim == "equity":
        return _Draft(agent, Fraction(value), bucket.name, "equity", what)
    before = state.claims.get((network, bucket.name, agent, rule.claim))
    if rule.claim == "once":
        counted = Decimal(before.counted) if before else Decimal(0)
        fresh = max(value - counted, Decimal(0))
        return _Draft(agent, Fraction(fresh), bucket.name, "once", f"{what}; {counted} counted before",
                      counted=fresh)
    paid = Decimal(before.paid) if before else Decimal(0)
    owed = max(value - paid, Decimal(0))
    return _Draft(agent, Fraction(owed), bucket.name, "debt", f"{what}; {paid} repaid before, {owed} owed",
                  cap=Fraction(owed), counted=value - (Decimal(before.counted) if before else Decimal(0)))


def _value(rule: Rule, names: list[str], columns: tuple[str, ...], group: Group, day: str) -> Decimal:
    env: dict[str, Decimal | str | bool] = {}
    for name in names:
        raw = group.action if name == "action" else group.values[columns.index(COLUMNS[name])]
        if name == "days_ago":
            env[name] = Decimal((datetime.date.fromisoformat(day) - datetime.date.fromisoformat(raw)).days)
        elif name in ("action", "skill", "spec"):
            env[name] = raw
        else:
            env[name] = Decimal(raw or 0)
    try:
        value = rule.formula.evaluate(env)
    except FormulaError as error:
        raise DistributionError(f"{rule.where}: {error}") from None
    assert isinstance(value, Decimal)
    if value < 0:
        raise DistributionError(f"{rule.where}: the formula gives {value} for a {group.action} contribution; "
                                "values may not be negative")
    return value


def _holders(state: State, network: str, holder: str) -> list[tuple[str, Fraction]]:
    """Who a contribution's value belongs to: the contributor, or for a resource used, consumed
    or cited, whoever lent it or paid for it (the network itself when it owns it)."""
    if not holder.startswith("resource:"):
        return [(holder, Fraction(1))]
    resource = state.resources.get((holder[len("resource:"):],))
    if resource is None:
        return [(network, Fraction(1))]
    if resource.contributed:
        return [(resource.custodian, Fraction(1))]
    funders: dict[str, Fraction] = defaultdict(Fraction)
    for transfer in json.loads(resource.funded_by):
        row = state.contributions.get((network, transfer))
        if row is not None and row.status == "validated":
            funders[row.contributor] += Fraction(Decimal(row.value))
    total = sum(funders.values(), Fraction(0))
    if total == 0:
        return [(network, Fraction(1))]
    return [(agent, part / total) for agent, part in sorted(funders.items())]


def _leavers(state: State, network: str) -> dict[str, str]:
    """good or bad, for every agent who left the network or was removed from it."""
    row = state.networks.get((network,))
    if row is None:
        return {}
    policy = charter_of(row).leavers
    verdicts: dict[str, str] = {}
    for key, membership in state.memberships.items():
        if key[0] == network and membership.status in ("left", "removed"):
            verdicts[membership.member] = policy.left if membership.status == "left" else policy.removed
    return verdicts
