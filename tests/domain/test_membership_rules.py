"""Membership, roles and charters, told as short stories and checked by what the fold makes of them."""

from __future__ import annotations

import pytest
from story import Story, fold, member_status, person, roles_of

from multitude.domain import InvalidBody, validate_body

ana, bo, cy, dee = person("ana"), person("bo"), person("cy"), person("dee")


def test_founder_is_member_and_custodian_and_anyone_joins_an_open_network() -> None:
    story = Story()
    net = story.network(ana, "Kitchen")
    joined = story.join(bo, net)
    state, statuses = fold(story.events)
    assert statuses[joined.id] == "applied"
    assert member_status(state, net, ana.public) == "member"
    assert roles_of(state, net, ana.public) == {"custodian"}
    assert member_status(state, net, bo.public) == "member"
    assert roles_of(state, net, bo.public) == set()


def test_approval_network_waits_for_a_member_holding_the_approver_role() -> None:
    story = Story()
    net = story.network(ana, "Camp", membership="approval", approver_role="facilitator")
    story.join(bo, net)
    story.join(cy, net)
    story.decide(ana, "membership.approved", net, cy.public)
    self_approval = story.decide(bo, "membership.approved", net, bo.public)
    story.grant(ana, net, cy.public, "facilitator")
    by_facilitator = story.decide(cy, "membership.approved", net, bo.public)
    state, statuses = fold(story.events)
    assert statuses[self_approval.id] == (
        "rejected: only a member holding the facilitator role may decide on admissions"
    )
    assert statuses[by_facilitator.id] == "applied"
    assert member_status(state, net, bo.public) == "member"


def test_a_request_stays_waiting_until_decided_and_a_decline_keeps_its_reason() -> None:
    story = Story()
    net = story.network(ana, "Camp", membership="approval")
    story.join(bo, net)
    again = story.join(bo, net)
    story.decide(ana, "membership.declined", net, bo.public, "Join through your working group.")
    state, statuses = fold(story.events)
    assert statuses[again.id] == "rejected: a request to join is already waiting"
    row = state.memberships[(net, bo.public)]
    assert (row.status, row.reason) == ("declined", "Join through your working group.")


def test_decline_and_remove_need_a_reason() -> None:
    with pytest.raises(InvalidBody) as refused:
        validate_body("membership.removed", {"v": 1, "member": "ab" * 32, "reason": ""}, "cd" * 32)
    assert refused.value.field == "body.reason"


def test_invitation_network_admits_only_those_invited() -> None:
    story = Story()
    net = story.network(ana, "Region", membership="invitation")
    uninvited = story.join(bo, net)
    story.decide(ana, "membership.invited", net, cy.public)
    invited = story.join(cy, net)
    state, statuses = fold(story.events)
    assert statuses[uninvited.id] == "rejected: this network admits members by invitation only"
    assert statuses[invited.id] == "applied"
    assert member_status(state, net, cy.public) == "member"


def test_a_removed_member_can_no_longer_act_nor_rejoin_an_open_network_alone() -> None:
    story = Story()
    net = story.network(ana, "Lab", roles=["maintainer"])
    story.join(bo, net)
    story.grant(ana, net, bo.public, "custodian")
    story.decide(ana, "membership.removed", net, bo.public, "Broke the safety rules twice.")
    acting = story.grant(bo, net, bo.public, "maintainer")
    rejoining = story.join(bo, net)
    state, statuses = fold(story.events)
    assert statuses[acting.id] == "rejected: only a custodian of the network may grant roles"
    assert statuses[rejoining.id] == "rejected: was removed from the network; only an invitation can bring them back"
    assert member_status(state, net, bo.public) == "removed"
    assert roles_of(state, net, bo.public) == set()
    assert state.memberships[(net, bo.public)].reason == "Broke the safety rules twice."


def test_the_last_custodian_cannot_leave_while_others_remain() -> None:
    story = Story()
    net = story.network(ana, "Kitchen")
    story.join(bo, net)
    blocked = story.sign(ana, "membership.left", net, member=ana.public)
    story.grant(ana, net, bo.public, "custodian")
    left = story.sign(ana, "membership.left", net, member=ana.public)
    state, statuses = fold(story.events)
    assert statuses[blocked.id].startswith("rejected: the last custodian cannot go")
    assert statuses[left.id] == "applied"
    assert member_status(state, net, ana.public) == "left"
    assert roles_of(state, net, bo.public) == {"custodian"}


def test_roles_must_be_named_by_the_charter_and_held_by_members() -> None:
    story = Story()
    net = story.network(ana, "Health", roles=["medic"])
    unknown = story.grant(ana, net, ana.public, "surgeon")
    outsider = story.grant(ana, net, bo.public, "medic")
    story.join(bo, net)
    granted = story.grant(ana, net, bo.public, "medic")
    twice = story.grant(ana, net, bo.public, "medic")
    last = story.sign(ana, "role.revoked", net, member=ana.public, role="custodian")
    state, statuses = fold(story.events)
    assert statuses[unknown.id] == "rejected: the charter has no role 'surgeon' (it has: custodian, facilitator, medic)"
    assert statuses[outsider.id].endswith("is not a member")
    assert statuses[granted.id] == "applied"
    assert statuses[twice.id] == "rejected: already holds the medic role"
    assert statuses[last.id] == "rejected: the network would have no custodian left"
    assert roles_of(state, net, bo.public) == {"medic"}


def test_only_custodians_amend_the_charter_and_held_roles_must_survive_it() -> None:
    story = Story()
    net = story.network(ana, "Lab", roles=["maintainer"])
    story.join(bo, net)
    story.grant(ana, net, bo.public, "maintainer")
    charter = {"membership": "approval", "approver_role": "custodian", "roles": []}
    by_member = story.sign(bo, "network.charter_amended", net, name="Lab", charter=charter)
    orphaning = story.sign(ana, "network.charter_amended", net, name="Lab", charter=charter)
    charter["roles"] = ["maintainer"]
    amended = story.sign(ana, "network.charter_amended", net, name="Open Lab", charter=charter)
    state, statuses = fold(story.events)
    assert statuses[by_member.id] == "rejected: only a custodian of the network may amend the charter"
    assert statuses[orphaning.id].startswith("rejected: roles still held would no longer exist: maintainer")
    assert statuses[amended.id] == "applied"
    assert (state.networks[(net,)].name, state.networks[(net,)].policy) == ("Open Lab", "approval")


def test_a_network_joins_a_super_network_through_its_custodian() -> None:
    story = Story()
    region = story.network(ana, "Region", membership="approval")
    lab = story.network(bo, "Lab")
    story.join(cy, lab)
    not_keeper = story.join(cy, region, on_behalf_of=lab)
    request = story.join(bo, region, on_behalf_of=lab)
    story.decide(ana, "membership.approved", region, lab)
    story.join(ana, lab)
    cycle = story.join(ana, lab, on_behalf_of=region)
    state, statuses = fold(story.events)
    assert statuses[not_keeper.id] == "rejected: only a custodian of the joining network may ask on its behalf"
    assert statuses[request.id] == "applied"
    assert state.memberships[(region, lab)].kind == "network"
    assert member_status(state, region, lab) == "member"
    assert statuses[cycle.id] == "rejected: the network would become a member of itself"


def test_an_event_in_an_unknown_network_waits_for_it() -> None:
    story = Story()
    net = story.network(ana, "Kitchen")
    joined = story.join(bo, net)
    creation = story.events[0]
    _, statuses = fold([joined])
    assert statuses[joined.id] == f"pending: {creation.id}"
    _, statuses = fold([joined, creation])
    assert statuses[joined.id] == "applied"


def test_unknown_types_and_bad_bodies_are_refused_naming_the_field() -> None:
    with pytest.raises(InvalidBody) as unknown:
        validate_body("membership.teleported", {"v": 1}, None)
    assert unknown.value.field == "type"
    with pytest.raises(InvalidBody) as extra:
        validate_body("agent.profile", {"v": 1, "kind": "person", "name": "A", "shoe_size": 44}, None)
    assert extra.value.field == "body.shoe_size"
    with pytest.raises(InvalidBody) as long_name:
        validate_body("agent.profile", {"v": 1, "kind": "person", "name": "x" * 121}, None)
    assert long_name.value.field == "body.name"
    with pytest.raises(InvalidBody) as unscoped:
        validate_body("membership.requested", {"v": 1}, None)
    assert unscoped.value.field == "network"
    with pytest.raises(InvalidBody) as future:
        validate_body("agent.profile", {"v": 2, "kind": "person", "name": "A"}, None)
    assert future.value.field == "body.v"
    with pytest.raises(InvalidBody) as approver:
        charter = {"membership": "approval", "approver_role": "elder", "roles": []}
        validate_body("network.created", {"v": 1, "name": "N", "charter": charter}, None)
    assert approver.value.field == "body.charter"
