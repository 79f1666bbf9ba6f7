"""Author chains (equivocation, gaps) and devices that speak for an agent."""

from __future__ import annotations

from story import Story, fold, member_status, person

from multitude.domain.networks.rules import device_link_message

ana, bo = person("ana"), person("bo")
phone, laptop = person("ana's phone"), person("ana's laptop")


def test_equivocation_keeps_both_events_applies_the_first_and_drops_what_builds_on_the_other() -> None:
    story = Story()
    net = story.network(ana, "Kitchen")
    first = story.sign(ana, "agent.profile", kind="person", name="Ana")
    # The same seq signed again, as a second device sharing one key would do.
    twin = story.sign(ana, "agent.profile", seq=first.seq, prev=first.prev, kind="person", name="Ana B")
    on_twin = story.sign(ana, "agent.profile", seq=first.seq + 1, prev=twin.id, kind="person", name="Ana C")
    on_first = story.sign(ana, "membership.requested", net, seq=first.seq + 1, prev=first.id)
    state, statuses = fold(story.events)
    assert statuses[first.id] == "applied"
    assert statuses[twin.id] == f"rejected: equivocation: the author already signed another event at seq {first.seq}"
    assert statuses[on_twin.id] == "rejected: follows an event that is off its author's chain"
    assert statuses[on_first.id].startswith("rejected: already a member")  # on the chain, judged by the rules
    assert state.agents[(ana.public,)].name == "Ana"
    assert {row.event for row in state.forked.values()} == {twin.id, on_twin.id}


def test_which_twin_stays_on_the_chain_does_not_depend_on_arrival_order() -> None:
    story = Story()
    first = story.profile(ana, "Ana")
    twin = story.sign(ana, "agent.profile", seq=1, prev=None, kind="person", name="Other")
    forward, _ = fold([first, twin])
    backward, _ = fold([twin, first])
    assert forward == backward


def test_a_gap_in_a_chain_does_not_stop_later_events() -> None:
    story = Story()
    story.profile(ana, "Ana")
    missing = story.profile(ana, "Ana R")
    later = story.network(ana, "Camp")
    state, statuses = fold([e for e in story.events if e.id != missing.id])
    assert statuses[later] == "applied"
    assert (later,) in state.networks


def _link(story: Story, agent=ana, device=phone):  # type: ignore[no-untyped-def]
    proof = device.sign(device_link_message(agent.public)).hex()
    return story.sign(agent, "agent.device_linked", device=device.public, label="phone", proof=proof)


def test_a_linked_device_acts_for_its_agent_until_unlinked() -> None:
    story = Story()
    net = story.network(ana, "Camp", membership="approval")
    story.join(bo, net)
    _link(story)
    approved = story.decide(phone, "membership.approved", net, bo.public)
    story.sign(ana, "agent.device_unlinked", device=phone.public, reason="phone lost")
    after = story.sign(phone, "agent.profile", kind="person", name="Thief")
    state, statuses = fold(story.events)
    assert statuses[approved.id] == "applied"
    assert member_status(state, net, bo.public) == "member"
    assert statuses[after.id] == f"rejected: this device key was unlinked from agent {ana.public[:12]}"
    assert (phone.public,) not in state.agents


def test_a_device_link_needs_the_device_consent_and_one_agent_only() -> None:
    story = Story()
    forged = story.sign(ana, "agent.device_linked", device=phone.public, label="", proof="00" * 64)
    consent_to_bo = laptop.sign(device_link_message(bo.public)).hex()
    wrong_agent = story.sign(ana, "agent.device_linked", device=laptop.public, label="", proof=consent_to_bo)
    linked = _link(story)
    stolen = _link(story, agent=bo)
    _, statuses = fold(story.events)
    assert statuses[forged.id] == "rejected: the device's proof is not its signature of consent to this agent"
    assert statuses[wrong_agent.id] == statuses[forged.id]
    assert statuses[linked.id] == "applied"
    assert statuses[stolen.id] == f"rejected: device {phone.public[:12]} was already linked to agent {ana.public[:12]}"
