"""Rows of the assembly tables: proposals and their versions, comments, votes, delegations and
the spending decisions passed proposals recorded."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["CommentRow", "DelegationRow", "ProposalRow", "ProposalVersionRow", "SpendingRow", "VoteRow"]


class ProposalRow(NamedTuple):
    proposal: str
    network: str
    author: str
    title: str
    text: str
    method: str
    topic: str  # "" for none
    closes: str
    opened: str  # the opening event's time
    setup: str  # canonical JSON of the body's method figures: options, dots, projects, budget…
    rule: str  # canonical JSON of the decision rule in force for it ("" for a non-binding method)
    actions: str  # canonical JSON list of its actions
    version: int
    status: str  # open | withdrawn | closed
    passed: str  # "" while open or without a binding result; "yes" | "no" once closed
    result: str  # canonical JSON list: the winner(s) or the projects chosen
    statement: str  # the outcome statement
    effects: str  # canonical JSON list of [action kind, "applied" | the reason it could not be]
    record: str  # canonical JSON of the count at the close: figures, participation, voters, digest ("" before)
    closed: str  # the closing event ("" while open)
    event: str


class ProposalVersionRow(NamedTuple):
    proposal: str
    version: int
    title: str
    text: str
    note: str
    time: str
    event: str


class CommentRow(NamedTuple):
    proposal: str
    comment: str  # the comment's event id
    author: str
    text: str
    time: str
    event: str


class VoteRow(NamedTuple):
    """A member's vote in force on a proposal: the last they cast."""

    proposal: str
    voter: str
    ballot: str  # canonical JSON of the ballot
    reason: str
    time: str
    event: str


class DelegationRow(NamedTuple):
    network: str
    member: str
    topic: str  # "" for the general delegation
    delegate: str
    event: str


class SpendingRow(NamedTuple):
    """A spending decision a passed proposal (or a budget round) recorded."""

    network: str
    spending: str  # the closing event's id and the action's index: "<event>:<n>"
    proposal: str
    amount: str
    currency: str
    purpose: str
    payee: str
    event: str
