"""Passed proposals change the network by themselves, only when passed and only by the charter's
rules; what the charter reserves for the assembly no custodian can do directly."""

from __future__ import annotations

import json

import pytest
from assembly_story import Assembly
from story import member_status, person, roles_of

from multitude.domain import InvalidBody, validate_body
from multitude.domain.accounting.distribution import equation_in_force

CLOSES = "2030-01-01T00:00:00.000000Z"

ana, ben, cy, dee, eve = person("ana"), person("ben"), person("cy"), person("dee"), person("eve")

EQUATION = """
name = "Lab shares"
version = {version}

[[bucket]]
name = "work"
percent = 100
mode = "straight"
  [[bucket.rule]]
  value = "hours"
"""

RESERVED = {"decides": {
    "grant_role": {"method": "modified_consensus", "supermajority": "3/4"},
    "adopt_equation": {"method": "majority", "threshold": "1/2", "quorum": {"share": "1/2"}},
    "admit_member": {"method": "consent"},
}}


def camp(assembly: dict[str, object] | None = None, membership: str = "open") -> tuple[Assembly, str]:
    s = Assembly()
    for key, name in ((ana, "Ana"), (ben, "Ben"), (cy, "Cy"), (dee, "Dee"), (eve, "Eve")):
        s.profile(key, name)
    net = s.assembly(ana, "Camp", assembly if assembly is not None else RESERVED, roles=("cook",),
                     membership=membership)
    for key in (ben, cy, dee):
        s.join(key, net)
    return s, net


def grant(member: str, role: str) -> dict[str, str]:
    return {"kind": "grant_role", "member": member, "role": role}


def test_a_reserved_action_is_refused_to_a_custodian_and_done_by_the_assembly() -> None:
    s, net = camp()
    direct = s.grant(ana, net, ben.public, "cook")
    p = s.propose(ben, net, "modified_consensus", actions=[grant(ben.public, "cook")]).id
    s.vote(ana, net, p, position="agree")
    s.vote(cy, net, p, position="agree")
    s.vote(dee, net, p, position="agree")
    s.vote(ben, net, p, position="block", reason="I am not ready")  # 3 of 4 agree: 3/4 is met
    s.wait()
    s.close(ana, net, p)
    state, statuses = s.state()
    assert statuses[direct.id] == "rejected: the charter reserves granting roles for the assembly: open a proposal"
    row = state.proposals[(p,)]
    assert row.passed == "yes" and json.loads(row.effects) == [["grant_role", "granted"]]
    assert roles_of(state, net, ben.public) == {"cook"}
    assert state.roles[(net, ben.public, "cook")].event == row.closed


def test_a_failed_proposal_changes_nothing() -> None:
    s, net = camp()
    p = s.propose(ben, net, "modified_consensus", actions=[grant(cy.public, "cook")]).id
    s.vote(ana, net, p, position="agree")
    s.vote(ben, net, p, position="block", reason="cy cooks badly")
    s.wait()
    s.close(ana, net, p)
    state, _ = s.state()
    assert state.proposals[(p,)].passed == "no" and state.proposals[(p,)].effects == "[]"
    assert roles_of(state, net, cy.public) == set()


def test_a_proposal_must_use_the_method_the_charter_decides_its_actions_by() -> None:
    s, net = camp()
    wrong = s.propose(ben, net, "consent", actions=[grant(ben.public, "cook")])
    mixed = s.propose(ben, net, "consent", actions=[grant(ben.public, "cook"), {"kind": "admit_member",
                                                                                 "member": eve.public}])
    state, statuses = s.state()
    assert statuses[wrong.id] == ("rejected: the charter decides grant_role by modified consensus (falling back "
                                  "on 3/4 when blocked); open the proposal with the method modified_consensus")
    assert statuses[mixed.id].startswith("rejected: the charter decides grant_role by modified consensus")
    assert statuses[mixed.id].endswith("and admit_member by consent: put them to separate proposals")
    assert not state.proposals
    with pytest.raises(InvalidBody, match=r"only a binding method .* can carry actions"):
        validate_body("proposal.opened", {"v": 1, "title": "t", "method": "advice", "closes": CLOSES,
                                          "actions": [grant(ben.public, "cook")]}, net)


def test_an_action_that_could_never_apply_is_refused_when_the_proposal_is_opened() -> None:
    s, net = camp()
    bad_equation = s.propose(ben, net, "majority", actions=[{"kind": "adopt_equation", "document": "name = ["}])
    no_role = s.propose(ben, net, "modified_consensus", actions=[grant(ben.public, "astronaut")])
    not_member = s.propose(ben, net, "modified_consensus", actions=[grant(eve.public, "cook")])
    no_currency = s.propose(ben, net, "majority", actions=[{"kind": "spend", "amount": "10", "currency": "USD",
                                                            "purpose": "rope"}])
    state, statuses = s.state()
    assert statuses[bad_equation.id].startswith("rejected: action 1 (adopt_equation): the equation does not parse")
    assert statuses[no_role.id].startswith("rejected: action 1 (grant_role): the charter has no role 'astronaut'")
    assert statuses[not_member.id] == f"rejected: action 1 (grant_role): {eve.public[:12]} is not a member"
    assert statuses[no_currency.id].startswith("rejected: action 1 (spend): the network does not use the currency USD")
    assert not state.proposals


def test_the_lab_adopts_a_new_equation_by_majority_with_quorum() -> None:
    s, net = camp()
    s.work(ben, net, "3")
    adopt = {"kind": "adopt_equation", "document": EQUATION.format(version=1)}
    first = s.propose(ben, net, "majority", actions=[adopt])
    s.vote(ben, net, first.id, position="for")  # 1 of 4 members: no quorum of 1/2
    s.wait()
    s.close(ana, net, first.id)
    second = s.propose(ben, net, "majority", actions=[{"kind": "adopt_equation",
                                                       "document": EQUATION.format(version=1)}])
    for key, position in ((ben, "for"), (cy, "for"), (dee, "against")):
        s.vote(key, net, second.id, position=position)
    s.wait()
    s.close(ana, net, second.id)
    direct = s.adopt(ana, net, EQUATION.format(version=2))
    state, statuses = s.state()
    assert state.proposals[(first.id,)].passed == "no"
    assert "no quorum (at least 1/2 of the eligible members needed)" in state.proposals[(first.id,)].statement
    assert state.proposals[(second.id,)].passed == "yes"
    in_force = equation_in_force(state, net)
    assert in_force is not None and in_force.equation == state.proposals[(second.id,)].closed
    assert statuses[direct] == ("rejected: the charter reserves adopting a value equation for the assembly: "
                                "open a proposal")


def test_an_action_that_can_no_longer_apply_at_close_says_why_and_the_others_apply() -> None:
    s, net = camp({"default": {"method": "consent"}})
    p = s.propose(ben, net, "consent", actions=[grant(dee.public, "cook"), grant(cy.public, "cook"),
                                                {"kind": "spend", "amount": "12.50", "currency": "EUR",
                                                 "purpose": "rope", "payee": cy.public}]).id
    s.sign(dee, "membership.left", net, member=dee.public)
    s.wait()
    s.close(ana, net, p)
    state, _ = s.state()
    assert json.loads(state.proposals[(p,)].effects) == [
        ["grant_role", f"not applied: {dee.public[:12]} is not a member"], ["grant_role", "granted"],
        ["spend", "recorded"]]
    spending = next(iter(state.spendings.values()))
    assert (spending.amount, spending.currency, spending.purpose, spending.payee) == ("12.50", "EUR", "rope", cy.public)


def test_admission_by_the_assembly_approves_a_request_or_invites() -> None:
    s, net = camp(membership="approval")  # Ben, Cy and Dee ask to join; admission is the assembly's
    direct = s.decide(ana, "membership.approved", net, ben.public)
    p = s.propose(ana, net, "consent", actions=[{"kind": "admit_member", "member": ben.public},
                                                {"kind": "admit_member", "member": eve.public}]).id
    s.wait()
    s.close(ana, net, p)
    state, statuses = s.state()
    assert statuses[direct.id] == "rejected: the charter reserves admitting members for the assembly: open a proposal"
    assert member_status(state, net, ben.public) == "member"
    assert member_status(state, net, eve.public) == "invited"
    assert json.loads(state.proposals[(p,)].effects) == [
        ["admit_member", "admitted"], ["admit_member", "invited (they become a member by asking to join)"]]


def test_amending_the_decision_rules_is_decided_by_the_rule_in_force_before_the_change() -> None:
    """The charter decides amendments by consent; a proposal makes amendments need consensus. It
    passes by consent (Dee's disagreement is not an objection); the next amendment needs consensus."""
    s, net = camp({"decides": {"amend_charter": {"method": "consent"}}})
    stricter = {"membership": "open", "roles": ["cook"], "currencies": [{"code": "EUR", "decimals": 2}],
                "assembly": {"decides": {"amend_charter": {"method": "consensus"}}}}
    p = s.propose(ben, net, "consent", actions=[{"kind": "amend_charter", "name": "Camp", "charter": stricter}]).id
    s.vote(dee, net, p, position="abstain")
    s.wait()
    s.close(ana, net, p)
    again = s.propose(ben, net, "consent", actions=[{"kind": "amend_charter", "name": "Camp 2", "charter": stricter}])
    state, statuses = s.state()
    assert state.proposals[(p,)].passed == "yes"
    assert json.loads(state.networks[(net,)].charter)["assembly"]["decides"] == {
        "amend_charter": json.loads(state.proposals[(p,)].rule) | {"method": "consensus"}}
    assert statuses[again.id].startswith("rejected: the charter decides amend_charter by consensus")
    direct = s.sign(ana, "network.charter_amended", net, name="Camp 3", charter=stricter)
    assert s.state()[1][direct.id] == ("rejected: the charter reserves amending the charter for the assembly: "
                                       "open a proposal")


def test_joining_and_leaving_a_super_network_and_accepting_a_member_network() -> None:
    s, camp_net = camp({"default": {"method": "consent"}, "decides": {"join_network": {"method": "consent"},
                                                                      "leave_network": {"method": "consent"}}})
    federation = s.assembly(eve, "Federation", {"default": {"method": "consent"}}, membership="approval")
    direct = s.join(ana, federation, on_behalf_of=camp_net)
    join = s.propose(ben, camp_net, "consent", actions=[{"kind": "join_network", "network": federation}]).id
    s.wait()
    s.close(ana, camp_net, join)
    accept = s.propose(eve, federation, "consent", actions=[{"kind": "accept_network", "network": camp_net}]).id
    s.wait()
    s.close(eve, federation, accept)
    state, statuses = s.state()
    assert statuses[direct.id] == ("rejected: the charter reserves joining another network for the assembly: "
                                   "open a proposal")
    assert json.loads(state.proposals[(join,)].effects) == [["join_network",
                                                              "asked to join; the other network decides"]]
    assert member_status(state, federation, camp_net) == "member"
    leave = s.propose(ben, camp_net, "consent", actions=[{"kind": "leave_network", "network": federation}]).id
    s.wait()
    s.close(ana, camp_net, leave)
    state, _ = s.state()
    assert member_status(state, federation, camp_net) == "left"
