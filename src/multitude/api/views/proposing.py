"""What comes in about assemblies: what a new proposal, a vote, a comment, an amendment, a
withdrawal, a close or a delegation may hold (one shape for the JSON body and the forms), and
opening a proposal from it, with what the node refuses as malformed named by its field.

Nothing here decides: the node signs, domain.governance rules. What a caller sees of a proposal
is in views.assemblies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from multitude.api.problems import Invalid
from multitude.assemblies import closing_time
from multitude.domain import InvalidBody
from multitude.domain.governance.assembly import ACTION_KINDS, METHODS, DecisionRule
from multitude.errors import NodeError, Refused
from multitude.node import Node, Receipt

__all__ = [
    "ActionIn",
    "AmendmentIn",
    "CloseIn",
    "CommentIn",
    "DelegationIn",
    "ProjectIn",
    "ProposalCreated",
    "ProposalIn",
    "VoteIn",
    "WithdrawalIn",
    "fields_named",
    "open_proposal",
]

Method = Literal[
    "consent", "consensus", "modified_consensus", "majority", "advice", "sense_check",
    "approval", "score", "dots", "instant_runoff", "schulze", "borda", "meeting_time", "budget",
]
ActionKind = Literal[
    "admit_member", "remove_member", "grant_role", "revoke_role", "adopt_equation", "amend_charter",
    "join_network", "leave_network", "accept_network", "spend",
]
assert set(Method.__args__) == set(METHODS) and set(ActionKind.__args__) == set(ACTION_KINDS)  # type: ignore[attr-defined]

Option = Annotated[str, Field(min_length=1, max_length=120)]
Topic = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$", description="lowercase: housing, budget-2026")]
AmountText = Annotated[str, Field(pattern=r"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,12})?$", description="a decimal: 250.50")]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]{2,11}$", description="one of the network's currencies")]
Reference = Annotated[str, Field(min_length=1, max_length=120)]


class ActionIn(BaseModel):
    """One change the proposal makes if it passes. Which fields it needs depends on `kind`:
    admit_member, remove_member (with a `reason`): `member`; grant_role, revoke_role: `member`
    and `role`; adopt_equation: `document` (TOML); amend_charter: `name`, `charter` (and
    `purpose`); join_network, leave_network, accept_network: `network`; spend: `amount`,
    `currency`, `purpose` (and `payee`). Members and payees are named by key, key prefix or
    name; networks by id, id prefix or name."""

    kind: ActionKind
    member: Reference | None = None
    role: str | None = Field(None, pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    reason: str = Field("", max_length=2000)
    document: str | None = Field(None, min_length=1, max_length=100_000)
    name: str | None = Field(None, min_length=1, max_length=120)
    purpose: str | None = Field(None, max_length=2000)
    charter: dict[str, Any] | None = None
    network: Reference | None = None
    amount: AmountText | None = None
    currency: CurrencyCode | None = None
    payee: Reference | None = None


class ProjectIn(BaseModel):
    """A project of a participatory budget: an id voters approve, a title and its cost."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    title: str = Field(min_length=1, max_length=120)
    cost: AmountText


class ProposalIn(BaseModel):
    """A proposal to open. `options` are the choices of a choice method (the slots of a
    meeting-time poll); a budget has `projects`, `budget` and `currency` instead; `dots` is for
    a dots vote; `actions` (binding methods only) take effect if it passes, decided by the
    charter's rule for them; `rule` gives a binding method's figures when there are no actions."""

    title: str = Field(min_length=1, max_length=120)
    text: str = Field("", max_length=20_000)
    method: Method
    closes: str = Field(min_length=1, max_length=40, description="when voting ends: a delay (+3d, +2h30m, +45m) or "
                        "a moment in ISO 8601 (2026-12-01T18:00, UTC unless it says otherwise)")
    topic: Topic | None = None
    options: list[Option] = Field(default_factory=list, max_length=50)
    actions: list[ActionIn] = Field(default_factory=list, max_length=20)
    rule: DecisionRule | None = None
    dots: int | None = Field(None, ge=1, le=100, description="dots each member places (dots only)")
    projects: list[ProjectIn] = Field(default_factory=list, max_length=100)
    budget: AmountText | None = None
    currency: CurrencyCode | None = None
    min_spend: AmountText | None = None
    max_spend: AmountText | None = None

    @field_validator("closes")
    @classmethod
    def _a_closing_time(cls, closes: str) -> str:
        try:
            return closing_time(closes)
        except NodeError as error:
            raise ValueError(str(error).removeprefix("closes: ")) from None


class VoteIn(BaseModel):
    """A vote: give the part the proposal's method reads (see `ballot.reads` on the proposal):
    a `position` (with a `reason` to object or block), `approve` (options or budget projects),
    `scores` (0-5 per option), `dots` per option, a `ranking` (most preferred first) or `answers`
    per slot (yes, if need be, no). `votes` only where the charter weighs by quadratic credits.
    A later vote replaces an earlier one while the proposal is open."""

    position: str | None = Field(None, min_length=1, max_length=20)
    reason: str = Field("", max_length=2000)
    approve: list[Option] = Field(default_factory=list, max_length=100)
    scores: dict[Option, int] = Field(default_factory=dict, max_length=100)
    dots: dict[Option, int] = Field(default_factory=dict, max_length=100)
    ranking: list[Option] = Field(default_factory=list, max_length=50)
    answers: dict[Option, str] = Field(default_factory=dict, max_length=50)
    votes: int | None = Field(None, ge=0, le=100)


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class AmendmentIn(BaseModel):
    """The proposal's new title and text (every version is kept), and what changed."""

    title: str = Field(min_length=1, max_length=120)
    text: str = Field("", max_length=20_000)
    note: str = Field("", max_length=2000)


class WithdrawalIn(BaseModel):
    reason: str = Field("", max_length=2000)


class CloseIn(BaseModel):
    note: str = Field("", max_length=2000)


class DelegationIn(BaseModel):
    """Whom my vote goes to when I do not vote myself: on every proposal, or on one topic's."""

    delegate: Reference = Field(description="a member, by key, key prefix or name")
    topic: Topic | None = None


class ProposalCreated(BaseModel):
    proposal: str
    event: str
    type: str
    status: str
    reason: str


@contextmanager
def fields_named() -> Iterator[None]:
    """A malformed body the node refuses (NodeError from an InvalidBody) as a 422 naming the field."""
    try:
        yield
    except Refused:
        raise
    except NodeError as error:
        cause = error.__cause__
        if not isinstance(cause, InvalidBody):
            raise
        field = cause.field.removeprefix("body").removeprefix(".")
        raise Invalid(f"{field}: {cause.problem}" if field else cause.problem, field or None) from None


def open_proposal(node: Node, network: str, entry: ProposalIn) -> Receipt:
    """Open `entry` in `network`, signed by `node`'s key; names in actions resolved first, so a
    name nobody has is a 422 naming the action's field."""
    actions = []
    for index, action in enumerate(entry.actions):
        given = action.model_dump(exclude_none=True, exclude_defaults=True)
        given["kind"] = action.kind
        for name in ("member", "payee", "network"):
            if name in given:
                try:
                    given[name] = (node.network(given[name]).network if name == "network"
                                   else node.resolve_agent(given[name]))
                except NodeError as error:
                    raise Invalid(f"actions.{index}.{name}: {error}", f"actions.{index}.{name}") from None
        actions.append(given)
    with fields_named():
        receipt: Receipt = node.propose(
            network, entry.title, entry.method, entry.closes, text=entry.text, options=entry.options,
            topic=entry.topic, actions=actions, rule=entry.rule.model_dump(mode="json") if entry.rule else None,
            dots=entry.dots, projects=[p.model_dump() for p in entry.projects], budget=entry.budget,
            currency=entry.currency, min_spend=entry.min_spend, max_spend=entry.max_spend)
    return receipt
