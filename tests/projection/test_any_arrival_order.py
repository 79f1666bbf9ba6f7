"""State is a function of the set of events: any arrival order, any batching, either store."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pg_schema import fresh_schema
from story import START, Story, person

from multitude.domain.networks.rules import device_link_message
from multitude.ledger import Event
from multitude.node import Node
from multitude.store import open_store

PEOPLE = [person(name) for name in ("ana", "bo", "cy", "dee", "eve")]
PHONE = person("phone")


def _story(actions: list[tuple[int, int, int, int]]) -> list[Event]:
    """A random but well-formed story: networks, joins, decisions, roles, forks, a device,
    told by people whose clocks disagree (each action may jump the clock back or forth)."""
    story = Story()
    networks = [
        story.network(PEOPLE[0], "Camp", membership="approval", roles=["cook"]),
        story.network(PEOPLE[1], "Kitchen", roles=["cook"]),
        story.network(PEOPLE[2], "Region", membership="invitation"),
    ]
    proof = PHONE.sign(device_link_message(PEOPLE[3].public)).hex()
    story.sign(PEOPLE[3], "agent.device_linked", device=PHONE.public, label="", proof=proof)
    for kind, who, target, skew in actions:
        story.clock += timedelta(minutes=skew)
        actor, other = PEOPLE[who % len(PEOPLE)], PEOPLE[target % len(PEOPLE)]
        net = networks[target % len(networks)]
        match kind:
            case 0:
                story.join(actor, net)
            case 1:
                story.decide(actor, "membership.approved", net, other.public)
            case 2:
                story.grant(actor, net, other.public, "cook")
            case 3:
                story.decide(actor, "membership.removed", net, other.public, "reason")
            case 4:
                story.sign(actor, "membership.left", net, member=actor.public)
            case 5:
                story.decide(actor, "membership.invited", net, other.public)
            case 6:
                story.join(PEOPLE[1], networks[2], on_behalf_of=networks[1])
            case 7:  # an equivocation: the actor signs one of their seqs again, and builds on the twin
                own = [e for e in story.events if e.author == actor.public]
                if own:
                    original = own[target % len(own)]
                    twin = story.sign(actor, "agent.profile", seq=original.seq, prev=original.prev,
                                      kind="person", name=f"twin {original.seq}")
                    story.sign(actor, "agent.profile", seq=original.seq + 1, prev=twin.id, kind="person", name="on")
            case 8:
                story.decide(PHONE, "membership.approved", net, other.public)
            case _:
                story.profile(actor, f"person {target}")
    return story.events


def _digest(url: str, events: list[Event], cuts: list[int]) -> str:
    node = Node(open_store(url))
    try:
        bounds = sorted({0, len(events), *(c % (len(events) + 1) for c in cuts)})
        for start, end in itertools.pairwise(bounds):
            node.submit([e.wire() for e in events[start:end]])
        digest = node.digest()
        assert node.verify().intact
        node.rebuild()
        assert node.digest() == digest
        return digest
    finally:
        node.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    actions=st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 4), st.integers(0, 4), st.integers(-90, 90)),
        min_size=5,
        max_size=40,
    ),
    data=st.data(),
)
def test_same_events_in_any_order_give_the_same_digest_on_both_stores(
    actions: list[tuple[int, int, int, int]], data: st.DataObject, tmp_path: Path, pg_server: str
) -> None:
    events = _story(actions)
    orders = [data.draw(st.permutations(events)) for _ in range(2)]
    cuts = [data.draw(st.lists(st.integers(0, 500), max_size=4)) for _ in range(3)]
    reference = _digest(str(tmp_path / f"{uuid.uuid4().hex}.db"), events, [])
    assert _digest(str(tmp_path / f"{uuid.uuid4().hex}.db"), orders[0], cuts[0]) == reference
    with fresh_schema(pg_server) as url:
        assert _digest(url, orders[1], cuts[1]) == reference


def test_a_fork_and_what_builds_on_it_agree_in_every_arrival_order(tmp_path: Path) -> None:
    """a1 ← b2 on the chain; c2 twins b2 with a later clock and c3 builds on c2 with an earlier one."""
    author = person("forker")
    story = Story()
    a1 = story.profile(author, "a1")
    b2 = story.sign(author, "agent.profile", kind="person", name="b2")
    c2 = story.sign(author, "agent.profile", seq=2, prev=a1.id, time=START + timedelta(days=3), kind="person",
                    name="c2")
    c3 = story.sign(author, "agent.profile", seq=3, prev=c2.id, time=START + timedelta(days=2), kind="person",
                    name="c3")
    digests = set()
    for number, order in enumerate(itertools.permutations([a1, b2, c2, c3])):
        node = Node(open_store(tmp_path / f"{number}.db"))
        for event in order:
            node.submit([event.wire()])
        assert node.verify().intact
        digests.add(node.digest())
        node.close()
    assert len(digests) == 1
