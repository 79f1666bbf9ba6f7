"""Contribution accounting on the node: logging and validating contributions, resources and
processes, adopting value equations, recording incomes, previewing and running distributions,
and explaining them. The node mixes it in; the rules themselves live in domain.accounting."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from multitude.directory import Directory
from multitude.domain import State
from multitude.domain.accounting.distribution import (
    DistributionError,
    Split,
    equation_in_force,
    split_income,
)
from multitude.domain.accounting.equation import EquationError, parse_equation
from multitude.domain.accounting.quantities import canonical_decimal, day_of
from multitude.domain.accounting.rows import (
    ContributionRow,
    DistributionRow,
    EquationRow,
    IncomeRow,
    PayoutRow,
    ResourceRow,
)
from multitude.domain.accounting.rules import currency_of, income_target, recipient_problem
from multitude.domain.accounting.worth import RolledUp, rolled_up
from multitude.domain.networks.rules import charter_of
from multitude.domain.rules import Rejected
from multitude.errors import NodeError, Refused
from multitude.ledger.event import event_time
from multitude.projection import STATE_SPECS
from multitude.store import STATUS_SPEC, Condition, Store

__all__ = ["Accounts", "Preview"]

_Recorded = TypeVar("_Recorded", IncomeRow, DistributionRow)


def _body(**fields: Any) -> dict[str, Any]:
    return {"v": 1, **{key: value for key, value in fields.items() if value not in (None, (), [])}}


def _amount(value: str | Decimal | None, what: str) -> str | None:
    if value is None:
        return None
    try:
        return canonical_decimal(value, what)
    except ValueError as error:
        raise NodeError(str(error)) from None


@dataclass(frozen=True)
class Preview:
    """A split computed without recording anything."""

    network: str
    amount: Decimal
    currency: str
    equation: str  # the equation's name and version, or why there is none
    split: Split


class Accounts(Directory):
    """Commands and queries of contribution accounting; needs the node's `act` and store."""

    store: Store

    def act(self, type: str, body: Mapping[str, Any], network: str | None = None, *,
            check: bool = True, time: str | None = None) -> Any: ...  # provided by the node

    signing_time: Callable[[], str]  # provided by the node: the time it would sign an event with now

    def _settled(self) -> State:
        self.projector.refresh()
        self.projector.settle()
        return self.projector.state

    # -- contributions ---------------------------------------------------------------------
    def log_contribution(self, network: str, action: str, *, hours: str | None = None,
                         quantity: str | None = None, amount: str | None = None, currency: str | None = None,
                         percent: str | None = None, rate: str | None = None, skill: str | None = None,
                         resource: str | None = None, process: str | None = None, plan: str | None = None,
                         happened: str | None = None, note: str = "", evidence: Iterable[str] = (),
                         tags: Iterable[str] = (), corrects: str | None = None) -> Any:
        net, body = self.contribution_body(
            network, action, hours=hours, quantity=quantity, amount=amount, currency=currency, percent=percent,
            rate=rate, skill=skill, resource=resource, process=process, plan=plan, happened=happened, note=note,
            evidence=evidence, tags=tags, corrects=corrects)
        return self.act("contribution.logged", body, net)

    def contribution_body(self, network: str, action: str, *, hours: str | None = None,
                          quantity: str | None = None, amount: str | None = None, currency: str | None = None,
                          percent: str | None = None, rate: str | None = None, skill: str | None = None,
                          resource: str | None = None, process: str | None = None, plan: str | None = None,
                          happened: str | None = None, note: str = "", evidence: Iterable[str] = (),
                          tags: Iterable[str] = (), corrects: str | None = None) -> tuple[str, dict[str, Any]]:
        """The network's id and the body of a contribution.logged event, its references resolved
        (for a caller that signs it itself, e.g. with Node.act_many)."""
        net = self.network(network).network
        body = _body(action=action, hours=_amount(hours, "hours"), quantity=_amount(quantity, "quantity"),
                     amount=_amount(amount, "amount"), currency=currency, percent=_amount(percent, "percent"),
                     rate=_amount(rate, "rate"), skill=skill, resource=self._event_ref(resource, "resources"),
                     process=self._event_ref(process, "processes"), plan=plan, happened=happened, note=note,
                     evidence=list(evidence), tags=sorted(set(tags)),
                     corrects=self._contribution_ref(net, corrects) if corrects else None)
        return net, body

    def _event_ref(self, ref: str | None, table: str) -> str | None:
        """A resource or process by id, unique id prefix or unique name."""
        if ref is None:
            return None
        rows = self.projector.state.table(table)
        if (ref,) in rows:
            return ref
        found = [row[0] for row in rows.values() if row.name == ref or (len(ref) >= 6 and row[0].startswith(ref))]
        if len(found) == 1:
            return str(found[0])
        kind = table[:-1] if table != "processes" else "process"
        if found:
            raise NodeError(f"{ref!r} names several {table}; use an id")
        raise NodeError(f"no {kind} {ref!r} here")

    def _contribution_ref(self, network: str, ref: str) -> str:
        """A contribution of `network` by id or unique id prefix (6+ hex digits)."""
        if (network, ref) in self.projector.state.contributions:
            return ref
        found = [row.contribution for row in self._settled_rows("contributions", network=network)
                 if len(ref) >= 6 and row.contribution.startswith(ref)]
        if len(found) == 1:
            return str(found[0])
        raise NodeError(f"no contribution {ref!r} in this network" if not found else f"{ref!r} names several")

    def _settled_rows(self, table: str, **equal: Any) -> list[Any]:
        self._settled()
        return self.projector.select(table, **equal)

    def validate_contribution(self, network: str, contribution: str, note: str = "") -> Any:
        net = self.network(network).network
        body = _body(contribution=self._contribution_ref(net, contribution), reason=note)
        return self.act("contribution.validated", body, net)

    def flag_contribution(self, network: str, contribution: str, reason: str) -> Any:
        net = self.network(network).network
        body = _body(contribution=self._contribution_ref(net, contribution), reason=reason)
        return self.act("contribution.flagged", body, net)

    def retract_contribution(self, network: str, contribution: str, reason: str) -> Any:
        net = self.network(network).network
        body = _body(contribution=self._contribution_ref(net, contribution), reason=reason)
        return self.act("contribution.retracted", body, net)

    def contributions(self, network: str, status: str | None = None,
                      contributor: str | None = None) -> list[ContributionRow]:
        net = self.network(network).network
        where: dict[str, str] = {"network": net}
        if status is not None:
            where["status"] = status
        if contributor is not None:
            where["contributor"] = self.resolve_agent(contributor)
        return sorted(self._settled_rows("contributions", **where), key=lambda row: (row.day, row.contribution))

    def contribution_totals(self, network: str, contributor: str | None = None) -> list[tuple[str, str, str, int, int]]:
        """(day, action, status, count, hours in millionths) of a network's contributions (or of
        one contributor's), summed by the database, ordered by day and action."""
        net = self.network(network).network
        self._settled()
        where = [Condition("network", "=", net)]
        if contributor is not None:
            where.append(Condition("contributor", "=", self.resolve_agent(contributor)))
        spec = next(spec for spec in STATE_SPECS if spec.name == "contributions")
        rows = self.store.aggregate(spec, ("day", "action", "status"), ("hours_micro",), where)
        return sorted((str(day), str(action), str(status), int(count), int(hours))
                      for day, action, status, hours, count in rows)

    # -- resources and processes -----------------------------------------------------------
    def create_resource(self, network: str, name: str, spec: str, *, unit: str = "",
                        value_per_unit: str = "0", value_per_unit_of_use: str = "0", contributed: bool = False,
                        funded_by: Iterable[str] = (), note: str = "") -> str:
        net = self.network(network).network
        body = _body(name=name, spec=spec, unit=unit, value_per_unit=_amount(value_per_unit, "value per unit"),
                     value_per_unit_of_use=_amount(value_per_unit_of_use, "value per unit of use"),
                     contributed=contributed or None,
                     funded_by=[self._contribution_ref(net, ref) for ref in funded_by], note=note)
        return str(self.act("resource.created", body, net).event)

    def resources(self, network: str) -> list[ResourceRow]:
        net = self.network(network).network
        return sorted((row for row in self._settled().resources.values() if row.network == net),
                      key=lambda row: (row.name, row.resource))

    def resource(self, network: str, ref: str) -> ResourceRow:
        """A resource of `network` by id, unique id prefix or unique name."""
        net = self.network(network).network
        self._settled()
        found = self.projector.state.resources.get((self._event_ref(ref, "resources") or "",))
        if found is None or found.network != net:
            raise NodeError(f"no resource {ref!r} in this network")
        return found

    def resource_worth(self, network: str, ref: str) -> RolledUp | None:
        """What a produced resource is worth: the rolled-up value of its inputs, with its breakdown."""
        row = self.resource(network, ref)
        return rolled_up(self.projector.state, row.network, row.resource)

    def start_process(self, network: str, name: str, plan: str | None = None, note: str = "") -> str:
        net = self.network(network).network
        return str(self.act("process.started", _body(name=name, plan=plan, note=note), net).event)

    # -- value equations -------------------------------------------------------------------
    def check_equation(self, network: str, document: str) -> None:
        """Refuse an equation that cannot work here: one that does not parse, names a recipient
        that cannot be paid, or fails on the network's current contributions."""
        net = self.network(network).network
        try:
            equation = parse_equation(document)
        except EquationError as error:
            raise NodeError(str(error)) from None
        state = self._settled()
        for bucket in equation.buckets:
            problem = recipient_problem(state, net, bucket.recipient) if bucket.recipient else None
            if problem:
                raise NodeError(f"bucket {bucket.name!r}: {problem}")
        try:
            split_income(state, net, Decimal(1_000_000), 2, day_of(event_time()), document=document)
        except DistributionError as error:
            raise NodeError(f"on this network's current contributions: {error}") from None

    def adopt_equation(self, network: str, document: str) -> Any:
        self.check_equation(network, document)
        return self.act("equation.adopted", _body(document=document), self.network(network).network)

    def equation(self, network: str) -> EquationRow | None:
        return equation_in_force(self._settled(), self.network(network).network)

    def equations(self, network: str) -> list[EquationRow]:
        net = self.network(network).network
        return sorted((row for key, row in self._settled().equations.items() if key[0] == net),
                      key=lambda row: row.version)

    # -- incomes and distributions ---------------------------------------------------------
    def record_income(self, network: str, amount: str | Decimal, currency: str, source: str, *,
                      resource: str | None = None, process: str | None = None, plan: str | None = None,
                      note: str = "") -> str:
        net = self.network(network).network
        body = _body(amount=_amount(amount, "amount"), currency=currency, source=source,
                     resource=self._event_ref(resource, "resources"), process=self._event_ref(process, "processes"),
                     plan=plan, note=note)
        return str(self.act("income.recorded", body, net).event)

    def preview_split(self, network: str, amount: str | Decimal, currency: str,
                      document: str | None = None, income: str | None = None) -> Preview:
        """The split of `amount` as it would be now, by the equation in force or by `document`;
        for a recorded `income`, also following what it paid for."""
        net = self.network(network).network
        state = self._settled()
        try:
            decimals = currency_of(charter_of(state.networks[(net,)]), currency).decimals
        except Rejected as error:
            raise NodeError(str(error)) from None
        exact = Decimal(_amount(amount, "amount") or "0")
        if document is not None:
            try:
                equation = parse_equation(document)
            except EquationError as error:
                raise NodeError(str(error)) from None
            described = f"{equation.name} (version {equation.version})"
        else:
            row = equation_in_force(state, net)
            described = f"{row.name} (version {row.version})" if row else "no equation in force: the network keeps it"
        try:
            target = income_target(self.income(net, income)) if income else None
            split = split_income(state, net, exact, decimals, day_of(event_time()), document=document, target=target,
                                 currency=currency)
        except (DistributionError, ValueError) as error:
            raise NodeError(str(error)) from None
        return Preview(net, exact, currency, described, split)

    def distribute(self, network: str, income: str) -> Any:
        """Split a recorded income by the equation in force, and record the distribution."""
        net = self.network(network).network
        state = self._settled()
        row = self.income(net, income)
        equation = equation_in_force(state, net)
        if equation is None:
            raise Refused("the network has no value equation in force; adopt one first")
        decimals = currency_of(charter_of(state.networks[(net,)]), row.currency).decimals
        time = self.signing_time()  # the split is judged on the day the event is signed
        try:
            split = split_income(state, net, Decimal(row.amount), decimals, day_of(time),
                                 target=income_target(row), currency=row.currency)
        except DistributionError as error:
            raise Refused(f"the equation cannot split this income: {error}") from None
        body = _body(income=row.income, equation=equation.equation, contributions=split.contributions_digest,
                     result=split.result_digest)
        return self.act("distribution.recorded", body, net, time=time)

    def distribute_new_income(self, network: str, amount: str | Decimal, currency: str, source: str) -> Any:
        """Record an income and distribute it at once; nothing is recorded when no equation is in force."""
        if self.equation(network) is None:
            raise Refused("the network has no value equation in force; adopt one first")
        return self.distribute(network, self.record_income(network, amount, currency, source))

    def income(self, network: str, ref: str) -> IncomeRow:
        """An income of `network` by id or id prefix."""
        incomes = self.projector.state.incomes
        found = [row for key, row in incomes.items() if row.network == network and key[0].startswith(ref)]
        if len(found) != 1:
            raise NodeError(f"no income {ref!r} in this network" if not found else f"{ref!r} names several incomes")
        return found[0]

    def incomes(self, network: str) -> list[IncomeRow]:
        """A network's incomes in the order they were recorded."""
        net = self.network(network).network
        return self._in_recorded_order([row for row in self._settled().incomes.values() if row.network == net])

    def distributions(self, network: str | None = None) -> list[DistributionRow]:
        """Distributions recorded here (of one network), in the order they were recorded."""
        net = self.network(network).network if network else None
        return self._in_recorded_order([row for row in self._settled().distributions.values()
                                        if net is None or row.network == net])

    def _in_recorded_order(self, rows: list[_Recorded]) -> list[_Recorded]:
        """Rows keyed by the event that recorded them (first column), in the order of the log."""
        statuses = self.store.rows_in(STATUS_SPEC, "event", [row[0] for row in rows])
        position = {status[0]: status[6] or 0 for status in statuses}
        return sorted(rows, key=lambda row: (position.get(row[0], 0), row[0]))

    def equation_row(self, network: str, equation: str) -> EquationRow | None:
        """An equation the network adopted, in force or not."""
        return self.projector.state.equations.get((network, equation))

    def distribution(self, ref: str) -> DistributionRow:
        rows = self._settled().distributions
        found = [row for key, row in rows.items() if key[0].startswith(ref)] if len(ref) >= 6 else []
        if len(found) != 1:
            raise NodeError(f"no distribution {ref!r} here" if not found else f"{ref!r} names several distributions")
        return found[0]

    def payout_lines(self, distribution: str, agent: str | None = None) -> list[PayoutRow]:
        """The lines of a distribution, each with the reason for it (the explanation)."""
        row = self.distribution(distribution)
        where = {"distribution": row.distribution}
        if agent is not None:
            where["recipient"] = self.resolve_agent(agent)
        return sorted(self._settled_rows("payouts", **where), key=lambda line: line.line)

