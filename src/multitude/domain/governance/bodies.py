"""Bodies of the assembly events (schema version 1): proposals, comments, votes, delegations.

A proposal names its method and, where the method has them, its options; binding proposals may
carry actions, applied by the fold when the proposal passes. A vote carries what its method
asks for (a position, approvals, scores, dots, a ranking, answers per slot); the fold checks it
against the proposal and rejects, with its reason, a vote that does not fit.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from multitude.domain.governance.assembly import ACTION_KINDS, BINDING, CHOICES, DecisionRule, a_method
from multitude.domain.networks.bodies import Charter
from multitude.domain.schema import AgentRef, Body, EventId, Name, Note, RoleName, register

__all__ = [
    "Action",
    "Ballot",
    "BudgetProject",
    "DelegationRevoked",
    "DelegationSet",
    "ProposalAmended",
    "ProposalClosed",
    "ProposalCommented",
    "ProposalOpened",
    "ProposalWithdrawn",
    "Topic",
    "VoteCast",
]

Moment = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")]
Option = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Topic = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
ProposalText = Annotated[str, StringConstraints(max_length=20_000)]
Amount = Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,12})?$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{2,11}$")]
Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Action(Body):
    """One change a passed proposal makes. Which fields it needs depends on `kind`:

    admit_member, remove_member: `member` (removal with a `reason`); grant_role, revoke_role:
    `member` and `role`; adopt_equation: `document` (TOML); amend_charter: `name`, `purpose`,
    `charter`; join_network, leave_network: `network` (the super-network); accept_network:
    `network` (a network that asked to join); spend: `amount`, `currency`, `purpose`, and
    `payee` if someone is to be paid.
    """

    kind: Literal[
        "admit_member", "remove_member", "grant_role", "revoke_role", "adopt_equation", "amend_charter",
        "join_network", "leave_network", "accept_network", "spend",
    ]
    member: AgentRef | None = None
    role: RoleName | None = None
    reason: Note = ""
    document: Annotated[str, StringConstraints(min_length=1, max_length=100_000)] | None = None
    name: Name | None = None
    purpose: Note | None = None
    charter: Charter | None = None
    network: EventId | None = None
    amount: Amount | None = None
    currency: Currency | None = None
    payee: AgentRef | None = None

    @model_validator(mode="after")
    def _fields_of_its_kind(self) -> Action:
        needed = {
            "admit_member": ("member",), "remove_member": ("member", "reason"), "grant_role": ("member", "role"),
            "revoke_role": ("member", "role"), "adopt_equation": ("document",),
            "amend_charter": ("name", "charter"), "join_network": ("network",), "leave_network": ("network",),
            "accept_network": ("network",), "spend": ("amount", "currency", "purpose"),
        }[self.kind]
        allowed = {*needed, "kind", "reason", *(("purpose",) if self.kind == "amend_charter" else ()),
                   *(("payee",) if self.kind == "spend" else ())}
        missing = [name for name in needed if not getattr(self, name)]
        if missing:
            raise ValueError(f"a {self.kind} action needs {', '.join(missing)}")
        extra = sorted(name for name in self.model_fields_set if name not in allowed)
        if extra:
            raise ValueError(f"a {self.kind} action has no {', '.join(extra)}")
        if self.kind == "spend" and self.amount is not None and Decimal(self.amount) == 0:
            raise ValueError("a spend action's amount must be more than 0")
        return self


assert set(ACTION_KINDS) == set(Action.model_fields["kind"].annotation.__args__)  # type: ignore[union-attr]


class BudgetProject(Body):
    """A project of a participatory budget: an id voters approve, a title and its cost."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
    title: Name
    cost: Amount

    @field_validator("cost")
    @classmethod
    def _costs_something(cls, cost: str) -> str:
        if Decimal(cost) == 0:
            raise ValueError("a project's cost must be more than 0")
        return cost


class ProposalOpened(Body):
    """proposal.opened: a member puts a proposal to the network; its id is this event's id.

    `rule` gives a binding method's figures when the proposal carries no action (with actions,
    the charter's rule for them applies). `options` are the choices of a choice method (the
    slots of a meeting-time poll); a budget has `projects`, `budget`, `currency` and optional
    `min_spend`/`max_spend` per project instead. `dots` is how many dots each member places.
    """

    v: Literal[1]
    title: Name
    text: ProposalText = ""
    method: Literal[
        "consent", "consensus", "modified_consensus", "majority", "advice", "sense_check",
        "approval", "score", "dots", "instant_runoff", "schulze", "borda", "meeting_time", "budget",
    ]
    closes: Moment
    topic: Topic | None = None
    options: Annotated[tuple[Option, ...], Field(max_length=50, strict=False)] = ()
    rule: DecisionRule | None = None
    actions: Annotated[tuple[Action, ...], Field(max_length=20, strict=False)] = ()
    dots: Annotated[int, Field(ge=1, le=100)] | None = None
    projects: Annotated[tuple[BudgetProject, ...], Field(max_length=100, strict=False)] = ()
    budget: Amount | None = None
    currency: Currency | None = None
    min_spend: Amount | None = None
    max_spend: Amount | None = None

    @field_validator("closes")
    @classmethod
    def _a_moment(cls, closes: str) -> str:
        datetime.fromisoformat(closes)
        return closes

    @model_validator(mode="after")
    def _fits_its_method(self) -> ProposalOpened:
        method = self.method
        if len(set(self.options)) != len(self.options):
            raise ValueError("options must not repeat")
        if self.actions and method not in BINDING:
            raise ValueError(f"only a binding method ({', '.join(BINDING)}) can carry actions")
        if self.rule is not None and self.rule.method != method:
            raise ValueError(f"the rule is for {self.rule.method}, the proposal uses {method}")
        if self.rule is not None and self.actions:
            raise ValueError("a proposal with actions is decided by the charter's rule for them; give no rule")
        if method in CHOICES and method != "budget" and len(self.options) < 2:
            raise ValueError(f"{a_method(method)} proposal needs at least two options")
        if method not in CHOICES and self.options:
            raise ValueError(f"{a_method(method)} proposal has no options")
        if (method == "dots") != (self.dots is not None):
            raise ValueError("dots per member are given exactly for a dots proposal")
        budget_fields = (self.projects, self.budget, self.currency)
        if method == "budget":
            if not self.projects or self.budget is None or self.currency is None:
                raise ValueError("a budget needs projects, a budget and a currency")
            if len({p.id for p in self.projects}) != len(self.projects):
                raise ValueError("project ids must not repeat")
        elif any(budget_fields) or self.min_spend or self.max_spend:
            raise ValueError("projects, budget, currency and spend limits belong to a budget proposal")
        return self


class ProposalAmended(Body):
    """proposal.amended: the author rewrites the title and text while the proposal is open; every
    version is kept."""

    v: Literal[1]
    proposal: EventId
    title: Name
    text: ProposalText = ""
    note: Note = ""


class ProposalCommented(Body):
    """proposal.commented: a member says something about a proposal."""

    v: Literal[1]
    proposal: EventId
    text: Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class ProposalWithdrawn(Body):
    """proposal.withdrawn: the author takes the proposal back before it closes."""

    v: Literal[1]
    proposal: EventId
    reason: Note = ""


class Ballot(Body):
    """What a vote says; which part is used depends on the proposal's method."""

    position: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None
    approve: Annotated[tuple[Option, ...], Field(max_length=100, strict=False)] = ()
    scores: Annotated[dict[Option, int], Field(max_length=100)] = Field(default_factory=dict)
    dots: Annotated[dict[Option, int], Field(max_length=100)] = Field(default_factory=dict)
    ranking: Annotated[tuple[Option, ...], Field(max_length=50, strict=False)] = ()
    answers: Annotated[dict[Option, str], Field(max_length=50)] = Field(default_factory=dict)
    votes: Annotated[int, Field(ge=0, le=100)] | None = None  # quadratic: how many votes (costing votes²)


class VoteCast(Body):
    """vote.cast: a member's vote on an open proposal; a later one replaces it. An objection or a
    block needs a `reason`."""

    v: Literal[1]
    proposal: EventId
    ballot: Ballot
    reason: Note = ""


class DelegationSet(Body):
    """delegation.set: the author's vote in this network goes to `delegate` when they do not vote
    themselves, on every proposal or on those of one `topic`."""

    v: Literal[1]
    delegate: AgentRef
    topic: Topic | None = None


class DelegationRevoked(Body):
    """delegation.revoked: the author takes back their delegation (the general one, or a topic's)."""

    v: Literal[1]
    topic: Topic | None = None


class ProposalClosed(Body):
    """proposal.closed: voting ends. `votes` is the digest of the votes counted (see
    governance.count), `passed` and `result` the outcome the closer computed; the fold recounts
    and rejects a close that does not match."""

    v: Literal[1]
    proposal: EventId
    votes: Digest
    passed: bool | None
    result: Annotated[tuple[Option, ...], Field(max_length=100, strict=False)] = ()
    note: Note = ""


def _proposal(body: ProposalAmended | ProposalCommented | ProposalWithdrawn | VoteCast | ProposalClosed
              ) -> tuple[str, ...]:
    return (body.proposal,)


register("proposal.opened", ProposalOpened, scoped=True)
register("proposal.amended", ProposalAmended, scoped=True, references=_proposal)
register("proposal.commented", ProposalCommented, scoped=True, references=_proposal)
register("proposal.withdrawn", ProposalWithdrawn, scoped=True, references=_proposal)
register("vote.cast", VoteCast, scoped=True, references=_proposal)
register("delegation.set", DelegationSet, scoped=True)
register("delegation.revoked", DelegationRevoked, scoped=True)
register("proposal.closed", ProposalClosed, scoped=True, references=_proposal)
