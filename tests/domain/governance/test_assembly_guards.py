"""What nobody can do to a decision: change how it is counted once it is under way, by renaming,
joining late, amending the weights or the rules alone, or by dodging the rule an action needs."""

from __future__ import annotations

import json

import pytest
from assembly_story import Assembly
from story import member_status, person

from multitude.domain import InvalidBody, validate_body

ana, ben, cy, dee, eve = person("ana"), person("ben"), person("cy"), person("dee"), person("eve")
CLOSES = "2030-01-01T00:00:00.000000Z"


def camp(assembly: dict[str, object] | None = None, membership: str = "open") -> tuple[Assembly, str]:
    s = Assembly()
    for key, name in ((ana, "Ana"), (ben, "Ben"), (cy, "Cy"), (dee, "Dee"), (eve, "Eve")):
        s.profile(key, name)
    net = s.assembly(ana, "Camp", assembly, roles=("cook",), membership=membership)
    for key in (ben, cy, dee):
        s.join(key, net)
    return s, net


def majority(s: Assembly, net: str, **fields: object) -> str:
    return s.propose(ben, net, "majority", rule={"method": "majority", "of": "members"}, **fields).id


def test_a_name_changes_no_outcome() -> None:
    """Dee takes Ana's name; the count goes by keys, so nothing merges; only the words change."""
    s, net = camp()
    s.profile(ben, "Ana")
    p = majority(s, net)
    s.vote(ana, net, p, position="for")
    s.vote(ben, net, p, position="for")
    s.vote(dee, net, p, position="against")
    s.profile(dee, f"Ana ({ana.public[:8]})")
    s.wait()
    s.close(ana, net, p)
    state, _ = s.state()
    row = state.proposals[(p,)]
    assert row.passed == "no"
    assert "for 2 of the members' weight 4" in row.statement


def test_who_joins_after_the_deadline_does_not_count() -> None:
    s, net = camp()
    p = majority(s, net)
    for key in (ana, ben, cy):
        s.vote(key, net, p, position="for")
    s.wait()
    s.join(eve, net)  # after the deadline, before the close: she could never have voted
    s.close(ana, net, p)
    state, _ = s.state()
    assert state.proposals[(p,)].passed == "yes"
    assert "for 3 of the members' weight 4" in state.proposals[(p,)].statement


def test_weights_are_those_of_the_charter_when_the_proposal_opened() -> None:
    """A custodian cannot flip a vote under way by giving custodians a thousand votes."""
    s, net = camp({"default": {"method": "majority", "of": "members"}})
    p = s.propose(ana, net, "majority", actions=[{"kind": "grant_role", "member": ana.public, "role": "cook"}]).id
    s.vote(ana, net, p, position="for")
    for key in (ben, cy, dee):
        s.vote(key, net, p, position="against")
    s.wait()
    s.sign(ana, "network.charter_amended", net, name="Camp", charter={
        "membership": "open", "roles": ["cook"], "currencies": [{"code": "EUR", "decimals": 2}],
        "assembly": {"weights": "role", "role_weights": {"custodian": 1000}}})
    s.close(ana, net, p)
    state, _ = s.state()
    assert state.proposals[(p,)].passed == "no"
    assert json.loads(state.networks[(net,)].charter)["assembly"]["weights"] == "role"  # for later proposals


def test_while_the_charter_reserves_anything_only_the_assembly_changes_how_it_decides() -> None:
    s, net = camp({"decides": {"grant_role": {"method": "consensus"}}})
    charter = {"membership": "open", "roles": ["cook"], "currencies": [{"code": "EUR", "decimals": 2}]}
    dropped = s.sign(ana, "network.charter_amended", net, name="Camp", charter=charter)
    renamed = s.sign(ana, "network.charter_amended", net, name="Camp 2", charter={
        **charter, "assembly": {"decides": {"grant_role": {"method": "consensus"}}}})
    _, statuses = s.state()
    assert statuses[dropped.id] == ("rejected: the charter reserves decisions for the assembly, so only the assembly "
                                    "changes how it decides: open a proposal")
    assert statuses[renamed.id] == "applied"  # what is not the assembly's stays the custodians'


def test_a_network_is_admitted_by_the_rule_for_networks() -> None:
    s, net = camp({"decides": {"accept_network": {"method": "consensus"}}}, membership="approval")
    other = s.assembly(eve, "Other")
    s.join(eve, net, on_behalf_of=other)
    dodge = s.propose(ana, net, "majority", actions=[{"kind": "admit_member", "member": other}])
    state, statuses = s.state()
    assert statuses[dodge.id] == (f"rejected: action 1 (admit_member): {other[:12]} is a network: "
                                  "admit it with accept_network")
    assert member_status(state, net, other) == "requested"


def test_a_budget_records_no_spending_the_charter_reserves() -> None:
    s, net = camp({"decides": {"spend": {"method": "consensus", "quorum": {"share": "3/4"}}}})
    p = s.propose(ana, net, "budget", projects=[{"id": "boat", "title": "A boat", "cost": "900"}], budget="900",
                  currency="EUR").id
    s.vote(ben, net, p, approve=["boat"])
    s.wait()
    s.close(ana, net, p)
    state, _ = s.state()
    assert json.loads(state.proposals[(p,)].result) == ["boat"]
    assert json.loads(state.proposals[(p,)].effects) == [
        ["spend", "not recorded: the charter decides spending by consensus, quorum 3/4 of the members; propose it so"]]
    assert not state.spendings


def test_a_free_project_and_two_equations_in_one_proposal_are_refused() -> None:
    s, net = camp()
    with pytest.raises(InvalidBody, match="a project's cost must be more than 0"):
        validate_body("proposal.opened", {"v": 1, "title": "t", "method": "budget", "closes": CLOSES,
                                          "projects": [{"id": "free", "title": "Free", "cost": "0"}],
                                          "budget": "10", "currency": "EUR"}, net)
    equation = 'name = "t"\nversion = {}\n[[bucket]]\nname = "w"\npercent = 100\n  [[bucket.rule]]\n  value = "hours"\n'
    twice = s.propose(ben, net, "majority", actions=[{"kind": "adopt_equation", "document": equation.format(1)},
                                                     {"kind": "adopt_equation", "document": equation.format(2)}])
    assert s.state()[1][twice.id] == ("rejected: a proposal carries at most one adopt_equation action: the second "
                                      "would replace the first")


def test_no_delegation_to_a_network_and_no_withdrawal_after_the_deadline() -> None:
    s, net = camp()
    other = s.assembly(eve, "Other")
    s.join(eve, net, on_behalf_of=other)
    to_network = s.sign(ben, "delegation.set", net, delegate=other)
    p = majority(s, net)
    s.wait()
    late = s.sign(ben, "proposal.withdrawn", net, proposal=p)
    _, statuses = s.state()
    assert statuses[to_network.id] == f"rejected: {other[:12]} is not a member, so cannot receive a delegation"
    assert statuses[late.id].startswith("rejected: voting ended at ")


def test_an_author_who_left_no_longer_closes_amends_or_withdraws() -> None:
    s, net = camp({"closer": "author"})
    p = s.propose(ben, net, "consent").id
    s.sign(ben, "membership.left", net, member=ben.public)
    amend = s.sign(ben, "proposal.amended", net, proposal=p, title="Mine")
    s.wait()
    close = s.close(ben, net, p)
    _, statuses = s.state()
    assert statuses[amend.id] == "rejected: only a member of the network may amend a proposal"
    assert statuses[close.id] == "rejected: only a facilitator or the author may close the proposal"
