"""The assembly section of a charter: how the network decides, and what only it may decide.

`decides` maps an action kind to the decision rule a proposal carrying it must be decided by;
every kind it names is *reserved*: no custodian can do it directly any more. An action kind it
does not name can still be carried by a proposal, decided by `default`. Weights, who closes a
proposal and whether the tally shows while voting is open are the network's to choose too.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from multitude.domain.governance.quorum import Quorum, Threshold, VoteError
from multitude.domain.schema import Body, RoleName

__all__ = [
    "ACTION_KINDS",
    "BINDING",
    "CHOICES",
    "METHODS",
    "NON_BINDING",
    "Assembly",
    "DecisionRule",
    "QuorumRule",
    "Ratio",
    "a_method",
    "ratio",
]

# What a passed proposal can do, in the words of the charter.
ACTION_KINDS = (
    "admit_member", "remove_member", "grant_role", "revoke_role", "adopt_equation", "amend_charter",
    "join_network", "leave_network", "accept_network", "spend",
)
ActionKind = Literal[
    "admit_member", "remove_member", "grant_role", "revoke_role", "adopt_equation", "amend_charter",
    "join_network", "leave_network", "accept_network", "spend",
]
# Methods that pass or fail, and so can carry actions.
BINDING = ("consent", "consensus", "modified_consensus", "majority")
NON_BINDING = ("advice", "sense_check")
# Methods that choose among options (the budget chooses projects).
CHOICES = ("approval", "score", "dots", "instant_runoff", "schulze", "borda", "meeting_time", "budget")
METHODS = BINDING + NON_BINDING + CHOICES
Binding = Literal["consent", "consensus", "modified_consensus", "majority"]

RoleWeight = Annotated[int, Field(ge=0, le=1000)]
# A share written as a fraction: "1/2", "2/3", "9/10", "1".
Ratio = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,5}(/[1-9][0-9]{0,5})?$")]


def a_method(method: str) -> str:
    """The method in words with its article: "an approval", "a modified consensus"."""
    words = method.replace("_", " ")
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def ratio(text: str) -> Fraction:
    return Fraction(text)


def _share(text: str, what: str) -> str:
    if not 0 < ratio(text) <= 1:
        raise ValueError(f"{what} {text} is not a share between 0 and 1")
    return text


class QuorumRule(Body):
    """Enough taking part for a binding result: at least `share` of the members (by count) or of
    the eligible weight (by weight)."""

    share: Ratio
    by: Literal["count", "weight"] = "count"

    @field_validator("share")
    @classmethod
    def _a_share(cls, share: str) -> str:
        return _share(share, "a quorum of")

    def quorum(self) -> Quorum:
        return Quorum(Threshold(ratio(self.share), "at least"), self.by)


class DecisionRule(Body):
    """How a binding decision is taken: the method and, where it has them, its figures.

    `threshold`, `comparison` and `of` belong to majority ("more than 1/2 of the votes cast",
    "at least 2/3 of the members"); `supermajority` to modified consensus, the share of agree in
    agree + disagree + block it passes with when blocked (9/10 unless the charter says).
    """

    method: Binding
    threshold: Ratio = "1/2"
    comparison: Literal["more_than", "at_least"] = "more_than"
    of: Literal["votes_cast", "members"] = "votes_cast"
    supermajority: Ratio = "9/10"
    quorum: QuorumRule | None = None

    @model_validator(mode="after")
    def _meaningful(self) -> DecisionRule:
        _share(self.supermajority, "a supermajority of")
        try:
            self.threshold_of()
        except VoteError as error:
            raise ValueError(str(error)) from None
        return self

    def threshold_of(self) -> Threshold:
        return Threshold(ratio(self.threshold), "more than" if self.comparison == "more_than" else "at least")

    def describe(self) -> str:
        method = self.method.replace("_", " ")
        if self.method == "majority":
            comparison = self.comparison.replace("_", " ")
            method = f"majority ({comparison} {self.threshold} of the {self.of.replace('_', ' ')})"
        elif self.method == "modified_consensus":
            method = f"modified consensus (falling back on {self.supermajority} when blocked)"
        if self.quorum is not None:
            whole = "members" if self.quorum.by == "count" else "eligible weight"
            method += f", quorum {self.quorum.share} of the {whole}"
        return method


class Assembly(Body):
    """The charter's rules for proposals.

    - `decides`: the rule for each reserved action kind; `default`: for every other kind.
    - `closer`: who closes a proposal once its time is up: a facilitator (a custodian when the
      network has none), or also its author.
    - `weights`: one member one vote; by role (a member weighs the most any of their roles
      gives, 1 without one); by their share in the value equation; or quadratic (each member
      spends up to `credits` credits per proposal, v votes costing v²).
    - `tally`: whether the tally shows while voting is open, or only once closed.
    """

    decides: Annotated[dict[ActionKind, DecisionRule], Field(max_length=len(ACTION_KINDS))] = Field(
        default_factory=dict)
    default: DecisionRule = DecisionRule(method="majority", of="members")
    closer: Literal["facilitator", "author"] = "facilitator"
    weights: Literal["member", "role", "share", "quadratic"] = "member"
    role_weights: Annotated[dict[RoleName, RoleWeight], Field(max_length=32)] = Field(default_factory=dict)
    credits: Annotated[int, Field(ge=1, le=10_000)] = 100
    tally: Literal["live", "hidden"] = "live"

    def rule_for(self, kind: str) -> DecisionRule:
        for reserved, rule in self.decides.items():
            if reserved == kind:
                return rule
        return self.default

    def reserves(self, kind: str) -> bool:
        return kind in self.decides
