"""Bodies of the accounting events (schema version 1): contributions as ValueFlows economic
events, their validation, resources and processes, value equations, incomes, distributions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from multitude.domain.accounting.quantities import Amount, Money, Price, Quantity
from multitude.domain.schema import Body, EventId, Name, Note, Reason, register

__all__ = [
    "ACTIONS",
    "MAX_HOURS",
    "ContributionLogged",
    "ContributionVerdict",
    "DistributionRecorded",
    "EquationAdopted",
    "IncomeRecorded",
    "ProcessStarted",
    "ResourceCreated",
]

ACTIONS = ("work", "use", "consume", "cite", "transfer", "deliverService", "produce")
MAX_HOURS = Decimal(1000)  # more in one contribution is a typing mistake; long efforts are logged in parts

Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Link = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=60)]
Unit = Annotated[str, StringConstraints(max_length=20)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{2,11}$")]
Day = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]

# What each action needs (required) and what it may carry besides note, evidence, tags, etc.
_NEEDS: dict[str, tuple[str, ...]] = {
    "work": ("hours",),
    "deliverService": ("hours",),
    "use": ("resource", "hours"),
    "consume": ("resource", "quantity"),
    "cite": ("resource",),
    "transfer": ("amount", "currency"),
    "produce": ("resource", "process"),
}
_MAY: dict[str, tuple[str, ...]] = {
    "work": ("rate", "skill", "resource"),
    "deliverService": ("rate", "skill", "resource"),
    "use": (),
    "consume": (),
    "cite": ("quantity", "percent"),
    "transfer": (),
    "produce": ("quantity",),
}
_MEASURES = ("hours", "quantity", "amount", "currency", "percent", "rate", "skill", "resource")


class ContributionLogged(Body):
    """contribution.logged: an economic event the author gave to the network.

    `corrects` names an earlier contribution of the same author that this one replaces: the
    only way to change a contribution.
    """

    v: Literal[1]
    action: Literal["work", "use", "consume", "cite", "transfer", "deliverService", "produce"]
    hours: Quantity | None = None  # effort (work, deliverService) or duration of use
    quantity: Quantity | None = None  # units consumed or produced; value cited
    amount: Money | None = None  # money transferred
    currency: CurrencyCode | None = None
    percent: Quantity | None = None  # a citation by share of what it went into
    rate: Price | None = None  # value of an hour of this work
    skill: Label | None = None
    resource: EventId | None = None
    process: EventId | None = None
    plan: Label | None = None
    happened: Day | None = None  # when it was given, if not the day it is logged
    note: Note = ""
    evidence: Annotated[tuple[Link, ...], Field(max_length=20, strict=False)] = ()
    tags: Annotated[tuple[Tag, ...], Field(max_length=20, strict=False)] = ()
    corrects: EventId | None = None

    @field_validator("happened")
    @classmethod
    def _a_real_day(cls, day: str | None) -> str | None:
        if day is not None:
            try:
                datetime.date.fromisoformat(day)
            except ValueError:
                raise ValueError(f"{day} is not a calendar day") from None
        return day

    @model_validator(mode="after")
    def _fits_the_action(self) -> ContributionLogged:
        needs, may = _NEEDS[self.action], _MAY[self.action]
        for name in needs:
            if getattr(self, name) is None:
                raise ValueError(f"a {self.action} contribution needs {name}")
        for name in _MEASURES:
            if getattr(self, name) is not None and name not in needs and name not in may:
                raise ValueError(f"a {self.action} contribution has no {name}")
        if self.action == "cite" and (self.quantity is None) == (self.percent is None):
            raise ValueError("a citation gives either quantity (the value cited) or percent, not both")
        if self.percent is not None and not Decimal(0) < Decimal(self.percent) <= 100:
            raise ValueError("percent must be more than 0 and at most 100")
        if self.percent is not None and self.process is None:
            raise ValueError("a citation by percent names the process it went into")
        if self.hours is not None and not Decimal(0) < Decimal(self.hours) <= MAX_HOURS:
            raise ValueError(f"hours must be more than 0 and at most {MAX_HOURS} in one contribution")
        for name in ("quantity", "amount"):
            value = getattr(self, name)
            if value is not None and Decimal(value) == 0:
                raise ValueError(f"{name} must be more than 0")
        if len(set(self.tags)) != len(self.tags):
            raise ValueError("tags must not repeat")
        return self


class ContributionVerdict(Body):
    """contribution.validated / contribution.flagged / contribution.retracted."""

    v: Literal[1]
    contribution: EventId
    reason: Note = ""


class FlagOrRetraction(ContributionVerdict):
    reason: Reason


class ResourceCreated(Body):
    """resource.created: an economic resource the network can use; its id is this event's id.

    The author is its custodian. `contributed` says the author lent or gave it, so its use pays
    them; `funded_by` names the money contributions (transfers) that bought it, so what it earns
    is traced back to those who put the money in.
    """

    v: Literal[1]
    name: Name
    spec: Label  # the resource specification: what kind of thing this is
    unit: Unit = ""
    value_per_unit: Price = "0"
    value_per_unit_of_use: Price = "0"  # per hour of use
    contributed: bool = False
    funded_by: Annotated[tuple[EventId, ...], Field(max_length=100, strict=False)] = ()
    note: Note = ""

    @model_validator(mode="after")
    def _one_origin(self) -> ResourceCreated:
        if self.contributed and self.funded_by:
            raise ValueError("a resource is either contributed by its custodian or bought with funds, not both")
        if len(set(self.funded_by)) != len(self.funded_by):
            raise ValueError("funded_by must not repeat")
        return self


class ProcessStarted(Body):
    """process.started: a process (a batch of sensors, cooking for the camp); its id is this event's id."""

    v: Literal[1]
    name: Name
    plan: Label | None = None
    note: Note = ""


class EquationAdopted(Body):
    """equation.adopted: the network's value equation from now on, as its TOML document."""

    v: Literal[1]
    document: Annotated[str, StringConstraints(min_length=1, max_length=32_000)]


class IncomeRecorded(Body):
    """income.recorded: money the network received, to be distributed."""

    v: Literal[1]
    amount: Amount
    currency: CurrencyCode
    source: Name
    resource: EventId | None = None
    process: EventId | None = None
    plan: Label | None = None
    note: Note = ""

    @model_validator(mode="after")
    def _positive(self) -> IncomeRecorded:
        if Decimal(self.amount) == 0:
            raise ValueError("amount must be more than 0")
        if sum(ref is not None for ref in (self.resource, self.process, self.plan)) > 1:
            raise ValueError("an income pays for one resource, process or plan at most")
        return self


class DistributionRecorded(Body):
    """distribution.recorded: an income split by the equation in force; the digests let any
    node recompute it and check it got the same."""

    v: Literal[1]
    income: EventId
    equation: EventId
    contributions: Digest
    result: Digest


def _contribution_refs(body: ContributionLogged) -> tuple[str, ...]:
    return tuple(ref for ref in (body.resource, body.process, body.corrects) if ref)


def _verdict_refs(body: ContributionVerdict) -> tuple[str, ...]:
    return (body.contribution,)


def _resource_refs(body: ResourceCreated) -> tuple[str, ...]:
    return body.funded_by


def _income_refs(body: IncomeRecorded) -> tuple[str, ...]:
    return tuple(ref for ref in (body.resource, body.process) if ref)


def _distribution_refs(body: DistributionRecorded) -> tuple[str, ...]:
    return (body.income, body.equation)


register("contribution.logged", ContributionLogged, scoped=True, references=_contribution_refs)
register("contribution.validated", ContributionVerdict, scoped=True, references=_verdict_refs)
register("contribution.flagged", FlagOrRetraction, scoped=True, references=_verdict_refs)
register("contribution.retracted", FlagOrRetraction, scoped=True, references=_verdict_refs)
register("resource.created", ResourceCreated, scoped=True, references=_resource_refs)
register("process.started", ProcessStarted, scoped=True)
register("equation.adopted", EquationAdopted, scoped=True)
register("income.recorded", IncomeRecorded, scoped=True, references=_income_refs)
register("distribution.recorded", DistributionRecorded, scoped=True, references=_distribution_refs)
