"""Assemblies on the node: opening, amending, discussing, withdrawing and closing proposals,
voting, delegating, and reading proposals with their live tally. The node mixes it in; the rules
themselves live in domain.governance."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from multitude.directory import Directory
from multitude.domain import State
from multitude.domain.accounting.quantities import day_of
from multitude.domain.governance.count import Count, CountError, count
from multitude.domain.governance.rows import (
    CommentRow,
    DelegationRow,
    ProposalRow,
    ProposalVersionRow,
    SpendingRow,
    VoteRow,
)
from multitude.domain.governance.rules import assembly_of, closing_body, may_close
from multitude.domain.rules import Rejected, is_member
from multitude.domain.state import under
from multitude.errors import NodeError, Refused
from multitude.ledger.event import event_time

__all__ = ["Assemblies", "closing_time"]

_RELATIVE = re.compile(r"^\+(?:(?P<d>\d{1,3})d)?(?:(?P<h>\d{1,4})h)?(?:(?P<m>\d{1,5})m)?(?:(?P<s>\d{1,6})s)?$")
_AGENT_FIELDS = ("member", "payee")


def closing_time(text: str, now: datetime | None = None) -> str:
    """A closing time as an event time: relative to now ("+3d", "+2h30m", "+45m", "+90s") or a moment in
    ISO 8601 ("2026-12-01T18:00", "2026-12-01 18:00+01:00", a date alone meaning its midnight UTC)."""
    now = now or datetime.now(UTC)
    text = text.strip()
    relative = _RELATIVE.fullmatch(text)
    if relative and any(relative.groups()):
        delta = timedelta(days=int(relative["d"] or 0), hours=int(relative["h"] or 0),
                          minutes=int(relative["m"] or 0), seconds=int(relative["s"] or 0))
        return event_time(now + delta)
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else text)
    except ValueError:
        raise NodeError(f"closes: {text!r} is neither a time such as 2026-12-01T18:00 "
                        "nor a delay such as +3d or +2h30m") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return event_time(moment)
    except (OverflowError, ValueError):  # a moment at the very edge of the calendar, once in UTC
        raise NodeError(f"closes: {text!r} is out of range") from None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Counting a large assembly makes hundreds of thousands of objects that live until the count
    ends; the cyclic garbage collector would walk the whole state (a million rows) several times
    meanwhile, for no cycle: pause it for the count (reference counting still frees as usual)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _body(**fields: Any) -> dict[str, Any]:
    return {"v": 1, **{key: value for key, value in fields.items() if value not in (None, (), [], {}, "")}}


class Assemblies(Directory):
    """Commands and queries of assemblies; needs the node's `act`."""

    def act(self, type: str, body: Mapping[str, Any], network: str | None = None, *,
            check: bool = True, time: str | None = None) -> Any: ...  # provided by the node

    signing_time: Callable[[], str]  # provided by the node
    _settled: Callable[[], State]  # provided by accounts

    # -- commands --------------------------------------------------------------------------
    def propose(self, network: str, title: str, method: str, closes: str, *, text: str = "",
                options: Iterable[str] = (), topic: str | None = None, actions: Iterable[Mapping[str, Any]] = (),
                rule: Mapping[str, Any] | None = None, dots: int | None = None,
                projects: Iterable[Mapping[str, Any]] = (), budget: str | None = None, currency: str | None = None,
                min_spend: str | None = None, max_spend: str | None = None) -> Any:
        """Open a proposal; `closes` as closing_time reads it. Members and networks in `actions`
        may be named by key, unique key prefix or name."""
        net = self.network(network).network
        body = _body(title=title, text=text, method=method, closes=closing_time(closes), topic=topic,
                     options=list(options), rule=dict(rule) if rule else None, dots=dots,
                     actions=[self._resolved(action) for action in actions], projects=[dict(p) for p in projects],
                     budget=budget, currency=currency, min_spend=min_spend, max_spend=max_spend)
        return self.act("proposal.opened", body, net)

    def _resolved(self, action: Mapping[str, Any]) -> dict[str, Any]:
        resolved = {key: value for key, value in action.items() if value not in (None, "")}
        for name in _AGENT_FIELDS:
            if name in resolved:
                resolved[name] = self.resolve_agent(str(resolved[name]))
        if "network" in resolved:
            resolved["network"] = self.network(str(resolved["network"])).network
        return resolved

    def amend_proposal(self, proposal: str, title: str, text: str = "", note: str = "") -> Any:
        row = self.proposal(proposal)
        return self.act("proposal.amended", _body(proposal=row.proposal, title=title, text=text, note=note),
                        row.network)

    def comment(self, proposal: str, text: str) -> Any:
        row = self.proposal(proposal)
        return self.act("proposal.commented", _body(proposal=row.proposal, text=text), row.network)

    def withdraw(self, proposal: str, reason: str = "") -> Any:
        row = self.proposal(proposal)
        return self.act("proposal.withdrawn", _body(proposal=row.proposal, reason=reason), row.network)

    def vote(self, proposal: str, *, position: str | None = None, reason: str = "", approve: Iterable[str] = (),
             scores: Mapping[str, int] | None = None, dots: Mapping[str, int] | None = None,
             ranking: Iterable[str] = (), answers: Mapping[str, str] | None = None, votes: int | None = None) -> Any:
        """Vote on an open proposal; a later vote replaces an earlier one. Give what its method
        reads: a position, approvals, scores, dots, a ranking or answers per slot."""
        row = self.proposal(proposal)
        ballot = {key: value for key, value in {
            "position": position, "approve": list(approve), "scores": dict(scores or {}), "dots": dict(dots or {}),
            "ranking": list(ranking), "answers": dict(answers or {}), "votes": votes}.items()
            if value not in (None, [], {})}
        return self.act("vote.cast", _body(proposal=row.proposal, ballot=ballot, reason=reason), row.network)

    def delegate(self, network: str, delegate: str, topic: str | None = None) -> Any:
        net = self.network(network).network
        return self.act("delegation.set", _body(delegate=self.resolve_agent(delegate), topic=topic), net)

    def revoke_delegation(self, network: str, topic: str | None = None) -> Any:
        net = self.network(network).network
        return self.act("delegation.revoked", _body(topic=topic), net)

    def close_proposal(self, proposal: str, note: str = "") -> Any:
        """Close a proposal whose time is up, with the outcome counted now; a passed proposal's
        actions take effect."""
        row = self.proposal(proposal)
        try:
            # One transaction: the outcome is counted on the state the close is folded onto, and
            # the fold (which counts again, as every node does) is the check: a close the rules
            # reject is rolled back, so nothing is stored (counting a third time to preview it,
            # as `act` does for other commands, is what a close of 100,000 votes cannot afford).
            with self.projector.store.batch(), _collector_paused():
                state = self._settled()
                time = self.signing_time()
                if time < row.closes:
                    raise Refused(f"the proposal closes at {row.closes}, not before")
                try:
                    body = closing_body(state, row.proposal, time, note)
                except Rejected as error:
                    raise Refused(str(error)) from None
                receipt = self.act("proposal.closed", body, row.network, check=False, time=time)
                if receipt.status != "applied":
                    raise Refused(receipt.reason)
        except Refused:
            with self.projector.store.batch():  # the fold's state in memory went with the rolled-back transaction
                self.projector.refresh()
            raise
        return receipt

    # -- queries ---------------------------------------------------------------------------
    def proposals(self, network: str, status: str | None = None) -> list[ProposalRow]:
        """The network's proposals, newest first."""
        net = self.network(network).network
        rows = [row for row in self._settled().proposals.values()
                if row.network == net and (status is None or row.status == status)]
        return sorted(rows, key=lambda row: (row.opened, row.proposal), reverse=True)

    def proposal(self, ref: str) -> ProposalRow:
        """A proposal by id or unique id prefix (6+ hex digits)."""
        proposals = self._settled().proposals
        if (ref,) in proposals:
            return proposals[(ref,)]
        found = [row for key, row in proposals.items() if len(ref) >= 6 and key[0].startswith(ref)]
        if len(found) == 1:
            return found[0]
        raise NodeError(f"no proposal {ref!r} here" if not found else f"{ref!r} names several proposals")

    def proposal_versions(self, proposal: str) -> list[ProposalVersionRow]:
        return sorted(under(self._settled().proposal_versions, proposal), key=lambda row: row.version)

    def comments(self, proposal: str) -> list[CommentRow]:
        return sorted(under(self._settled().comments, proposal), key=lambda row: (row.time, row.comment))

    def votes(self, proposal: str) -> list[VoteRow]:
        return sorted(under(self._settled().votes, proposal), key=lambda row: row.voter)

    def delegations(self, network: str) -> list[DelegationRow]:
        net = self.network(network).network
        return sorted(under(self._settled().delegations, net), key=lambda row: (row.member, row.topic))

    def spendings(self, network: str) -> list[SpendingRow]:
        net = self.network(network).network
        return sorted(under(self._settled().spendings, net), key=lambda row: row.spending)

    def awaiting(self, agent: str) -> tuple[list[ProposalRow], list[ProposalRow]]:
        """What the agent's assemblies wait for from them: the proposals still open to votes in
        their networks on which they have not voted, the soonest deadline first; and the open
        proposals whose time is up that they may close."""
        state = self._settled()
        now = self.signing_time()
        to_vote: list[ProposalRow] = []
        to_close: list[ProposalRow] = []
        for row in state.proposals.values():
            if row.status != "open" or not is_member(state, row.network, agent):
                continue
            if row.closes >= now:
                if (row.proposal, agent) not in state.votes:
                    to_vote.append(row)
            elif may_close(state, row, assembly_of(state.networks[(row.network,)]), agent):
                to_close.append(row)
        return (sorted(to_vote, key=lambda row: (row.closes, row.proposal)),
                sorted(to_close, key=lambda row: (row.closes, row.proposal)))

    def tally(self, proposal: str, *, day: str | None = None) -> Count:
        """The count as it stands (for an open proposal, what a close now would find), with the
        weights of `day` (YYYY-MM-DD; today by default)."""
        row = self.proposal(proposal)
        state = self._settled()
        try:
            with _collector_paused():
                return count(state, row, day or day_of(self.signing_time()))
        except CountError as error:
            raise Refused(str(error)) from None

    def closers(self, proposal: str) -> list[str]:
        """The agents who may close the proposal once its time is up (as the charter says now)."""
        row = self.proposal(proposal)
        state = self._settled()
        assembly = assembly_of(state.networks[(row.network,)])
        members = {membership.member for membership in under(state.memberships, row.network)
                   if membership.status == "member"}
        return sorted(agent for agent in members | {row.author} if may_close(state, row, assembly, agent))

    def tally_hidden(self, proposal: ProposalRow) -> bool:
        """Whether the charter hides this proposal's tally until it closes."""
        state = self.projector.state
        return proposal.status == "open" and assembly_of(state.networks[(proposal.network,)]).tally == "hidden"
