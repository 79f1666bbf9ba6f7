"""Rules of contributions, validation, resources, equations, incomes and distributions: what
each event does and who may send it. Handlers raise Rejected with a reason a member
understands, and otherwise write their effect (see networks.rules for the shape)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from multitude.domain.accounting.bodies import (
    ContributionLogged,
    ContributionVerdict,
    DistributionRecorded,
    EquationAdopted,
    IncomeRecorded,
    ProcessStarted,
    ResourceCreated,
)
from multitude.domain.accounting.distribution import DistributionError, Target, equation_in_force, split_income
from multitude.domain.accounting.equation import EquationError, parse_equation
from multitude.domain.accounting.quantities import EXACT, GIGA, PICO, day_of, decimal_text, split_units
from multitude.domain.accounting.rows import (
    ClaimRow,
    ContributionRow,
    DistributionRow,
    EquationRow,
    IncomeRow,
    PayoutRow,
    ProcessRow,
    ResourceRow,
    VerdictRow,
)
from multitude.domain.networks.bodies import Charter, Currency
from multitude.domain.networks.rules import charter_of
from multitude.domain.rules import Rejected, acting_network, holds, is_member, require_custodian, require_direct
from multitude.domain.state import NetworkRow, State
from multitude.ledger import Event

__all__ = ["HANDLERS", "adopt_equation", "currency_of", "income_target", "recipient_problem"]

Handler = Callable[[State, Event, Any, str], None]

_HELD_BY_RESOURCE = ("use", "consume", "cite")
LARGEST_CONTRIBUTION = Decimal("1E18")  # what databases' 64-bit integers hold of a value


def _require_member(state: State, network: str, actor: str, doing: str) -> None:
    if not is_member(state, network, actor):
        raise Rejected(f"only a member of the network may {doing}")


def currency_of(charter: Charter, code: str) -> Currency:
    for currency in charter.currencies:
        if currency.code == code:
            return currency
    used = ", ".join(c.code for c in charter.currencies) or "none yet; amend the charter to add one"
    raise Rejected(f"the network does not use the currency {code} (it uses: {used})")


def _fits_currency(currency: Currency, amount: str) -> None:
    """An amount (canonical) in whole minor units of the currency."""
    if len(amount.partition(".")[2]) > currency.decimals:
        raise Rejected(f"{currency.code} has {currency.decimals} decimals; {amount} has more")


def _resource(state: State, network: str, resource: str) -> ResourceRow:
    row = state.resources.get((resource,))
    if row is None or row.network != network:
        raise Rejected(f"resource {resource[:12]} is not a resource of this network")
    return row


def _decimal(text: str | None) -> Decimal:
    return Decimal(text) if text is not None else Decimal(0)


def _own_value(body: ContributionLogged, resource: ResourceRow | None) -> Decimal:
    if body.action in ("work", "deliverService"):
        return EXACT.multiply(_decimal(body.hours), _decimal(body.rate))
    if body.action == "use" and resource is not None:
        return EXACT.multiply(_decimal(body.hours), Decimal(resource.value_per_unit_of_use))
    if body.action == "consume" and resource is not None:
        return EXACT.multiply(_decimal(body.quantity), Decimal(resource.value_per_unit))
    if body.action == "cite":
        return _decimal(body.quantity)
    if body.action == "transfer":
        return _decimal(body.amount)
    return Decimal(0)


def contribution_logged(state: State, event: Event, body: ContributionLogged, actor: str) -> None:
    net = acting_network(state, event)
    _require_member(state, net.network, actor, "log contributions to it")
    charter = charter_of(net)
    resource = _resource(state, net.network, body.resource) if body.resource else None
    if body.process is not None:
        process = state.processes.get((body.process,))
        if process is None or process.network != net.network:
            raise Rejected(f"process {body.process[:12]} is not a process of this network")
    if body.action == "transfer":
        assert body.currency is not None and body.amount is not None
        _fits_currency(currency_of(charter, body.currency), body.amount)
        if body.currency != charter.currencies[0].code:
            raise Rejected(f"money one puts in is counted in {charter.currencies[0].code}, the network's first "
                           f"currency; record this transfer in {charter.currencies[0].code}")
    old = None
    if body.corrects is not None:
        old = state.contributions.get((net.network, body.corrects))
        if old is None:
            raise Rejected(f"contribution {body.corrects[:12]} is not a contribution to this network")
        if old.contributor != actor:
            raise Rejected("only the contributor may correct a contribution")
        if old.status in ("retracted", "corrected"):
            raise Rejected(f"contribution {body.corrects[:12]} was already {old.status}")
    day = day_of(event.time)
    if body.happened is not None and body.happened > day:
        raise Rejected(f"it happened on {body.happened}, after the day it was logged ({day})")
    value = _own_value(body, resource)
    if value >= LARGEST_CONTRIBUTION:
        raise Rejected(f"a contribution may be worth less than {LARGEST_CONTRIBUTION:.0E}; this one is worth {value}")
    # Every check is done: from here on the event takes effect.
    if old is not None:
        state.contributions[(net.network, old.contribution)] = old._replace(status="corrected", event=event.id)
    holder = f"resource:{body.resource}" if body.action in _HELD_BY_RESOURCE and body.resource else actor
    status = "validated" if charter.validation.policy == "none" else "pending"
    whole, pico = split_units(value, PICO)
    state.contributions[(net.network, event.id)] = ContributionRow(
        net.network, event.id, actor, holder, body.action,
        body.hours or "0", body.quantity or "0", decimal_text(value), *divmod(whole, GIGA), pico,
        int(EXACT.multiply(_decimal(body.hours), 10**6)), body.rate or "0",
        body.percent or "0",
        resource.value_per_unit if resource else "0", resource.value_per_unit_of_use if resource else "0",
        body.skill or "", resource.spec if resource else "", body.resource, body.process,
        body.plan or "", "," + ",".join(sorted(body.tags)) + "," if body.tags else "",
        body.happened or day, status, 0, 0, event.id,
    )


def _open_contribution(state: State, network: str, contribution: str) -> ContributionRow:
    row = state.contributions.get((network, contribution))
    if row is None:
        raise Rejected(f"contribution {contribution[:12]} is not a contribution to this network")
    if row.status in ("retracted", "corrected"):
        raise Rejected(f"contribution {contribution[:12]} was {row.status}")
    return row


def _verdict(state: State, event: Event, body: ContributionVerdict, actor: str, verdict: str) -> None:
    net = acting_network(state, event)
    row = _open_contribution(state, net.network, body.contribution)
    if row.contributor == actor:
        raise Rejected("a contributor cannot validate or flag their own contribution")
    _require_member(state, net.network, actor, "validate or flag contributions")
    policy = charter_of(net).validation
    if verdict == "approved" and policy.policy == "role" and policy.role and not holds(
        state, net.network, actor, policy.role
    ):
        raise Rejected(f"only holders of the {policy.role} role validate contributions here")
    key = (net.network, row.contribution, actor)
    before = state.verdicts.get(key)
    if before is not None and before.verdict == verdict:
        raise Rejected(f"already {verdict} this contribution")
    approvals = row.approvals + (verdict == "approved") - (before is not None and before.verdict == "approved")
    flags = row.flags + (verdict == "flagged") - (before is not None and before.verdict == "flagged")
    state.verdicts[key] = VerdictRow(net.network, row.contribution, actor, verdict, body.reason, event.id)
    if flags:
        status = "flagged"
    elif policy.policy == "none" or approvals >= policy.approvals:
        status = "validated"
    else:
        status = "pending"
    state.contributions[(net.network, row.contribution)] = row._replace(
        status=status, approvals=approvals, flags=flags, event=event.id
    )


def contribution_validated(state: State, event: Event, body: ContributionVerdict, actor: str) -> None:
    _verdict(state, event, body, actor, "approved")


def contribution_flagged(state: State, event: Event, body: ContributionVerdict, actor: str) -> None:
    _verdict(state, event, body, actor, "flagged")


def contribution_retracted(state: State, event: Event, body: ContributionVerdict, actor: str) -> None:
    net = acting_network(state, event)
    row = _open_contribution(state, net.network, body.contribution)
    if row.contributor != actor:
        raise Rejected("only the contributor may retract a contribution")
    state.contributions[(net.network, row.contribution)] = row._replace(status="retracted", event=event.id)


def resource_created(state: State, event: Event, body: ResourceCreated, actor: str) -> None:
    net = acting_network(state, event)
    _require_member(state, net.network, actor, "record its resources")
    for transfer in body.funded_by:
        row = state.contributions.get((net.network, transfer))
        if row is None or row.action != "transfer":
            raise Rejected(f"{transfer[:12]} is not a transfer of money to this network")
    state.resources[(event.id,)] = ResourceRow(
        event.id, net.network, body.name, body.spec, body.unit, body.value_per_unit, body.value_per_unit_of_use,
        actor, int(body.contributed), json.dumps(list(body.funded_by)), event.id,
    )


def process_started(state: State, event: Event, body: ProcessStarted, actor: str) -> None:
    net = acting_network(state, event)
    _require_member(state, net.network, actor, "start processes in it")
    state.processes[(event.id,)] = ProcessRow(event.id, net.network, body.name, body.plan or "", event.id)


def recipient_problem(state: State, network: str, recipient: str) -> str | None:
    """Why a bucket cannot pay `recipient`, if it cannot."""
    if recipient == "network" or recipient == network:
        return None
    membership = state.memberships.get((network, recipient))
    if (recipient,) in state.networks:
        if membership is None or membership.status != "member":
            return f"network {recipient[:12]} is not a member network of this network"
        return None
    if (recipient,) not in state.agents and membership is None:
        return f"recipient {recipient[:12]} is not an agent known here"
    return None


def equation_adopted(state: State, event: Event, body: EquationAdopted, actor: str) -> None:
    net = acting_network(state, event)
    require_custodian(state, net.network, actor, "adopt a value equation")
    require_direct(state, net.network, "adopt_equation", "adopting a value equation")
    adopt_equation(state, net, body.document, event)


def adopt_equation(state: State, net: NetworkRow, document: str, event: Event) -> None:
    """Put the equation `document` in force in `net` (whoever decided it)."""
    try:
        equation = parse_equation(document)
    except EquationError as error:
        raise Rejected(f"the equation cannot be adopted: {error}") from None
    for bucket in equation.buckets:
        problem = recipient_problem(state, net.network, bucket.recipient) if bucket.recipient else None
        if problem:
            raise Rejected(f"the equation cannot be adopted: bucket {bucket.name!r}: {problem}")
    current = equation_in_force(state, net.network)
    if current is not None:
        if current.version >= equation.version:
            raise Rejected(f"the equation in force is version {current.version}; a new one needs a higher version")
        state.equations[(net.network, current.equation)] = current._replace(in_force=0)
    state.equations[(net.network, event.id)] = EquationRow(
        net.network, event.id, equation.name, equation.version, equation.digest, document, 1, event.id
    )


def income_recorded(state: State, event: Event, body: IncomeRecorded, actor: str) -> None:
    net = acting_network(state, event)
    require_custodian(state, net.network, actor, "record income")
    _fits_currency(currency_of(charter_of(net), body.currency), body.amount)
    if body.resource is not None:
        _resource(state, net.network, body.resource)
    if body.process is not None:
        process = state.processes.get((body.process,))
        if process is None or process.network != net.network:
            raise Rejected(f"process {body.process[:12]} is not a process of this network")
    state.incomes[(event.id,)] = IncomeRow(
        event.id, net.network, body.amount, body.currency, body.source, body.resource or "", body.process or "",
        body.plan or "", "", event.id,
    )


def income_target(income: IncomeRow) -> Target | None:
    """The resource, process or plan an income paid for, if any."""
    if income.resource:
        return Target("resource", income.resource)
    if income.process:
        return Target("process", income.process)
    if income.plan:
        return Target("plan", income.plan)
    return None


def distribution_recorded(state: State, event: Event, body: DistributionRecorded, actor: str) -> None:
    net = acting_network(state, event)
    require_custodian(state, net.network, actor, "distribute income")
    income = state.incomes.get((body.income,))
    if income is None or income.network != net.network:
        raise Rejected(f"income {body.income[:12]} is not an income of this network")
    if income.distribution:
        raise Rejected(f"income {body.income[:12]} was already distributed by {income.distribution[:12]}")
    current = equation_in_force(state, net.network)
    if current is None or current.equation != body.equation:
        raise Rejected("the distribution does not use the equation in force")
    currency = currency_of(charter_of(net), income.currency)
    _fits_currency(currency, income.amount)  # the charter may have changed the currency's decimals since
    try:
        split = split_income(state, net.network, Decimal(income.amount), currency.decimals, day_of(event.time),
                             target=income_target(income), currency=currency.code)
    except DistributionError as error:
        raise Rejected(f"the equation cannot split this income: {error}") from None
    if split.contributions_digest != body.contributions:
        raise Rejected("the contributions counted here differ from those the distribution names")
    if split.result_digest != body.result:
        raise Rejected("recomputing the split gives a different result from the one the distribution names")
    state.incomes[(income.income,)] = income._replace(distribution=event.id)
    state.distributions[(event.id,)] = DistributionRow(
        event.id, net.network, income.income, body.equation, income.amount, income.currency,
        body.contributions, body.result, event.id,
    )
    for number, line in enumerate(split.lines, 1):
        state.payouts[(event.id, number)] = PayoutRow(
            event.id, number, line.recipient, format(line.amount, "f"), line.network, line.bucket, line.claim,
            line.basis,
            event.id,
        )
    for claim in split.claims:
        state.claims[(claim.network, claim.agent, claim.kind)] = ClaimRow(
            claim.network, claim.agent, claim.kind, decimal_text(claim.counted),
            decimal_text(claim.paid), event.id,
        )


HANDLERS: dict[str, Handler] = {
    "contribution.logged": contribution_logged,
    "contribution.validated": contribution_validated,
    "contribution.flagged": contribution_flagged,
    "contribution.retracted": contribution_retracted,
    "resource.created": resource_created,
    "process.started": process_started,
    "equation.adopted": equation_adopted,
    "income.recorded": income_recorded,
    "distribution.recorded": distribution_recorded,
}
