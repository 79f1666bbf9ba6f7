"""Liquid delegation: chains, overrides, cycles, leavers and topics as short stories, refusals,
and properties on random delegation networks checked against a naive walk."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from multitude.domain.governance.delegation import (
    Delegation,
    DelegationError,
    Resolution,
    Route,
    Stop,
    delegation_refusal,
    resolve,
)

F = Fraction
T = TypeVar("T")
EQUAL = {"ana": F(1), "ben": F(1), "cleo": F(1), "dan": F(1)}


def to(general: str | None = None, **by_topic: str) -> Delegation:
    return Delegation(general=general, by_topic=by_topic)


def summary(resolution: Resolution[str]) -> dict[str, tuple[str, ...]]:
    """Each member's path, suffixed by what became of it: the voter's name, or why nothing was cast."""
    return {
        member: (*resolution.path(member), route.voter if route.stop is None else f"[{route.stop}]")
        for member, route in sorted(resolution.routes.items())
    }


# --- chains and direct votes ---------------------------------------------------------------------


def test_a_chain_ends_with_the_voter_who_casts_everything_that_reached_them() -> None:
    # ana -> ben -> cleo, cleo votes: cleo casts 3. dan did nothing.
    result = resolve(EQUAL, {"ana": to("ben"), "ben": to("cleo")}, None, {"cleo": "yes"})
    assert result.cast == {"cleo": F(3)}
    assert summary(result) == {
        "ana": ("ana", "ben", "cleo", "cleo"),
        "ben": ("ben", "cleo", "cleo"),
        "cleo": ("cleo", "cleo"),
        "dan": ("dan", "[no vote]"),
    }
    assert list(result.votes()) == [("cleo", "yes", F(3))]
    assert (result.cast_weight, result.uncast_weight, result.total_weight) == (F(3), F(1), F(4))


def test_voting_directly_overrides_ones_delegation_and_stops_chains_into_oneself() -> None:
    # ben votes too: ben's own weight stays with ben, and ana's stops at ben.
    result = resolve(EQUAL, {"ana": to("ben"), "ben": to("cleo")}, None, {"cleo": "yes", "ben": "no"})
    assert result.cast == {"ben": F(2), "cleo": F(1)}
    assert result.routes["ben"] == Route(delegate=None, voter="ben", stop=None, end="ben")
    assert result.path("ana") == ("ana", "ben")
    assert list(result.votes()) == [("ben", "no", F(2)), ("cleo", "yes", F(1))]


def test_weights_flow_exactly() -> None:
    weights = {"ana": F(1, 3), "ben": F(1, 6), "cleo": F(1, 2), "dan": F(0)}
    result = resolve(weights, {"ana": to("cleo"), "ben": to("cleo")}, None, {"cleo": "yes", "dan": "no"})
    assert result.cast == {"cleo": F(1), "dan": F(0)}  # a voter of weight 0 is still listed
    assert result.uncast_weight == 0


def test_a_dead_end_at_a_member_who_neither_voted_nor_delegated() -> None:
    result = resolve(EQUAL, {"ana": to("ben")}, None, {"cleo": "yes"})
    assert result.routes["ana"] == Route(delegate="ben", voter=None, stop=Stop.NO_VOTE, end="ben")
    assert result.path("ana") == ("ana", "ben")
    assert result.cast == {"cleo": F(1)}
    assert result.uncast_weight == F(3)


# --- cycles -----------------------------------------------------------------------------------------


def test_a_cycle_where_nobody_votes_casts_nothing() -> None:
    result = resolve(EQUAL, {"ana": to("ben"), "ben": to("ana"), "dan": to("ana")}, None, {})
    assert result.cast == {}
    assert summary(result) == {
        "ana": ("ana", "ben", "ana", "[cycle]"),
        "ben": ("ben", "ana", "ben", "[cycle]"),
        "cleo": ("cleo", "[no vote]"),
        "dan": ("dan", "ana", "ben", "ana", "[cycle]"),  # a tail into the cycle: ends where it enters
    }
    assert result.routes["dan"].end == "ana"
    assert result.uncast_weight == result.total_weight == F(4)


def test_a_cycle_hanging_off_a_direct_voter_stays_uncast() -> None:
    # cleo votes, so her delegation to ana is not followed; ana and ben loop with nobody voting.
    delegations = {"ana": to("ben"), "ben": to("ana"), "cleo": to("ana")}
    result = resolve(EQUAL, delegations, None, {"cleo": "yes"})
    assert result.cast == {"cleo": F(1)}
    assert result.routes["ana"].stop is result.routes["ben"].stop is Stop.CYCLE
    assert result.path("cleo") == ("cleo",)


def test_a_vote_inside_a_cycle_breaks_it() -> None:
    # ana -> ben -> cleo -> ana, and ben votes: cleo's weight goes cleo -> ana -> ben.
    delegations = {"ana": to("ben"), "ben": to("cleo"), "cleo": to("ana")}
    result = resolve(EQUAL, delegations, None, {"ben": "yes"})
    assert result.cast == {"ben": F(3)}
    assert result.path("cleo") == ("cleo", "ana", "ben")


def test_a_delegation_to_oneself_is_a_cycle_of_one() -> None:
    # Refused when made (delegation_refusal), but resolution stays total if one slips through.
    result = resolve(EQUAL, {"ana": to("ana")}, None, {})
    assert result.routes["ana"] == Route(delegate="ana", voter=None, stop=Stop.CYCLE, end="ana")
    assert result.path("ana") == ("ana", "ana")


# --- order of arrival, leavers, topics, revocation --------------------------------------------------


def test_a_delegate_who_votes_after_the_delegator_gives_the_same_result() -> None:
    # Story 1: ana delegates to ben, then ben votes, then cleo votes.
    # Story 2: cleo votes, ben votes, then ana delegates. Only the final state counts.
    first = resolve(EQUAL, {"ana": to("ben")}, None, {"ben": "yes", "cleo": "no"})
    second = resolve(backwards(EQUAL), {"ana": to("ben")}, None, {"cleo": "no", "ben": "yes"})
    assert first == second
    assert first.cast == {"ben": F(2), "cleo": F(1)}


def test_a_delegator_who_votes_keeps_their_vote_whoever_votes_later() -> None:
    delegations = {"ana": to("ben")}
    early = resolve(EQUAL, delegations, None, {"ana": "no", "ben": "yes"})
    late = resolve(EQUAL, delegations, None, {"ben": "yes", "ana": "no"})
    assert early == late
    assert early.cast == {"ana": F(1), "ben": F(1)}


def test_a_delegate_who_left_voids_the_delegation_and_their_own_is_not_followed() -> None:
    # ben left: he is no longer eligible. ana -> ben -> cleo does not reach cleo, and ben's
    # ballot, cast before he left, counts for nothing.
    eligible = {"ana": F(1), "cleo": F(1), "dan": F(1)}
    delegations = {"ana": to("ben"), "ben": to("cleo"), "dan": to("ana")}
    result = resolve(eligible, delegations, None, {"cleo": "yes", "ben": "no"})
    assert result.cast == {"cleo": F(1)}
    assert result.ignored == frozenset({"ben"})
    assert "ben" not in result.routes
    assert summary(result) == {
        "ana": ("ana", "ben", "[delegate not eligible]"),
        "cleo": ("cleo", "cleo"),
        "dan": ("dan", "ana", "ben", "[delegate not eligible]"),
    }
    with pytest.raises(KeyError):
        result.path("ben")


def test_a_topic_delegation_takes_precedence_over_the_general_one_for_its_topic_only() -> None:
    delegations = {"ana": to("ben", kitchen="cleo")}
    ballots = {"ben": "yes", "cleo": "no"}
    assert resolve(EQUAL, delegations, "kitchen", ballots).cast == {"ben": F(1), "cleo": F(2)}
    assert resolve(EQUAL, delegations, "health", ballots).cast == {"ben": F(2), "cleo": F(1)}
    assert resolve(EQUAL, delegations, None, ballots).cast == {"ben": F(2), "cleo": F(1)}


def test_a_topic_delegation_alone_does_nothing_for_other_proposals() -> None:
    delegations = {"ana": to(None, kitchen="cleo")}
    assert resolve(EQUAL, delegations, "kitchen", {"cleo": "no"}).cast == {"cleo": F(2)}
    other = resolve(EQUAL, delegations, "health", {"cleo": "no"})
    assert other.cast == {"cleo": F(1)}
    assert other.routes["ana"] == Route(delegate=None, voter=None, stop=Stop.NO_VOTE, end="ana")


def test_a_void_topic_delegation_does_not_fall_back_to_the_general_one() -> None:
    eligible = {"ana": F(1), "ben": F(1)}
    result = resolve(eligible, {"ana": to("ben", kitchen="cleo")}, "kitchen", {"ben": "yes"})
    assert result.routes["ana"].stop is Stop.NOT_ELIGIBLE
    assert result.cast == {"ben": F(1)}


def test_a_revoked_delegation_is_absent_and_an_empty_one_is_the_same() -> None:
    ballots = {"ben": "yes"}
    before = resolve(EQUAL, {"ana": to("ben")}, None, ballots)
    assert before.cast == {"ben": F(2)}
    revoked = resolve(EQUAL, {}, None, ballots)
    assert revoked.cast == {"ben": F(1)}
    assert resolve(EQUAL, {"ana": Delegation()}, None, ballots) == revoked


def test_a_delegation_does_not_change_when_the_callers_dict_does() -> None:
    by_topic = {"kitchen": "cleo"}
    delegation = Delegation("ben", by_topic)
    by_topic["kitchen"] = "dan"
    assert delegation.delegate_for("kitchen") == "cleo"


def test_long_chains_and_rings_resolve_without_recursion() -> None:
    members = [f"m{i:05d}" for i in range(20_000)]
    weights = dict.fromkeys(members, F(1))
    chain = {members[i]: to(members[i + 1]) for i in range(len(members) - 1)}
    assert resolve(weights, chain, None, {members[-1]: "yes"}).cast == {members[-1]: F(20_000)}
    ring = {**chain, members[-1]: to(members[0])}
    result = resolve(weights, ring, None, {})
    assert result.uncast_weight == F(20_000)
    assert len(result.path(members[7])) == 20_001


# --- refusals --------------------------------------------------------------------------------------


def test_delegations_that_can_never_be_valid_are_refused_with_a_reason() -> None:
    members = {"ana", "ben"}
    assert delegation_refusal("ana", "ben", members) is None
    assert delegation_refusal("ana", "ana", members) == "a member cannot delegate to themselves"
    assert delegation_refusal("ana", "zoe", members) == "zoe is not a member, so cannot receive a delegation"
    assert delegation_refusal("zoe", "ana", members) == "zoe is not a member, so has no vote to delegate"


@pytest.mark.parametrize(
    ("weight", "message"),
    [(0.5, "not an exact number"), (True, "not an exact number"), ("1", "not an exact number"),
     (F(-1, 2), "negative"), (-1, "negative")],
)
def test_weights_that_are_not_exact_and_non_negative_are_refused(weight: object, message: str) -> None:
    with pytest.raises(DelegationError, match=message):
        resolve({"ana": weight}, {}, None, {})  # type: ignore[dict-item]


# --- properties on random networks -------------------------------------------------------------------

ELIGIBLE = [f"m{i}" for i in range(10)]
GONE = ["gone0", "gone1"]  # delegates who left: they may delegate and vote, but are not eligible
PEOPLE = ELIGIBLE + GONE
TOPICS = [None, "kitchen"]


@st.composite
def networks(draw: st.DrawFn) -> tuple[dict[str, Fraction], dict[str, Delegation], str | None, dict[str, int]]:
    eligible = draw(st.lists(st.sampled_from(ELIGIBLE), unique=True, max_size=len(ELIGIBLE)))
    weights = {m: F(draw(st.integers(0, 6)), draw(st.integers(1, 4))) for m in eligible}
    target = st.none() | st.sampled_from(PEOPLE)
    delegations = {}
    for member in draw(st.lists(st.sampled_from(PEOPLE), unique=True)):
        kitchen = draw(target)
        delegations[member] = Delegation(draw(target), {} if kitchen is None else {"kitchen": kitchen})
    ballots = {m: draw(st.integers(0, 2)) for m in draw(st.lists(st.sampled_from(PEOPLE), unique=True))}
    return weights, delegations, draw(st.sampled_from(TOPICS)), ballots


def naive_voter(member: str, weights: dict[str, Fraction], delegations: dict[str, Delegation],
                topic: str | None, ballots: dict[str, int]) -> str | None:
    """Who casts `member`'s weight, by walking the chain with a visited set: the rules, written plainly."""
    seen: set[str] = set()
    current = member
    while current in weights and current not in seen:
        if current in ballots:
            return current
        seen.add(current)
        delegation = delegations.get(current)
        following = delegation.delegate_for(topic) if delegation else None
        if following is None:
            return None
        current = following
    return None


@given(networks())
def test_every_members_weight_is_counted_once_where_the_rules_say(
    network: tuple[dict[str, Fraction], dict[str, Delegation], str | None, dict[str, int]],
) -> None:
    weights, delegations, topic, ballots = network
    result = resolve(weights, delegations, topic, ballots)
    assert set(result.routes) == set(weights)
    assert result.cast_weight + result.uncast_weight == result.total_weight
    expected: dict[str, Fraction] = {voter: F(0) for voter in ballots if voter in weights}
    for member in weights:
        voter = naive_voter(member, weights, delegations, topic, ballots)
        assert result.routes[member].voter == voter
        if voter is not None:
            expected[voter] += weights[member]
    assert result.cast == expected
    assert result.ignored == {voter for voter in ballots if voter not in weights}


@given(networks())
def test_a_direct_voter_casts_at_least_their_own_weight_and_passes_nothing_on(
    network: tuple[dict[str, Fraction], dict[str, Delegation], str | None, dict[str, int]],
) -> None:
    weights, delegations, topic, ballots = network
    result = resolve(weights, delegations, topic, ballots)
    for voter in result.ballots:
        assert result.cast[voter] >= weights[voter]
        assert result.routes[voter] == Route(None, voter, None, voter)


@given(networks())
def test_paths_follow_the_delegations_in_force_and_end_as_the_route_says(
    network: tuple[dict[str, Fraction], dict[str, Delegation], str | None, dict[str, int]],
) -> None:
    weights, delegations, topic, ballots = network
    result = resolve(weights, delegations, topic, ballots)
    for member, route in result.routes.items():
        path = result.path(member)
        assert path[0] == member
        for before, after in itertools.pairwise(path):
            assert delegations[before].delegate_for(topic) == after
        if route.voter is not None:
            assert path[-1] == route.voter
        elif route.stop is Stop.CYCLE:
            assert path.count(path[-1]) == 2 and len(set(path)) == len(path) - 1
        else:
            assert path[-1] == route.end
            assert (route.end not in weights) == (route.stop is Stop.NOT_ELIGIBLE)


@given(networks())
def test_the_result_does_not_depend_on_the_order_things_arrived_in(
    network: tuple[dict[str, Fraction], dict[str, Delegation], str | None, dict[str, int]],
) -> None:
    weights, delegations, topic, ballots = network
    forward = resolve(weights, delegations, topic, ballots)

    assert resolve(backwards(weights), backwards(delegations), topic, backwards(ballots)) == forward


def backwards(mapping: dict[str, T]) -> dict[str, T]:
    """The same mapping, its keys inserted in the opposite order."""
    return dict(reversed(mapping.items()))


def test_a_mapping_that_makes_its_weights_when_read_is_read_once() -> None:
    class Fresh(dict[str, Fraction]):
        """Each read of a weight makes a new Fraction."""

        def values(self):  # type: ignore[no-untyped-def,override]
            return [Fraction(weight) for weight in super().values()]

        def items(self):  # type: ignore[no-untyped-def,override]
            return [(member, Fraction(weight)) for member, weight in super().items()]

        def __getitem__(self, member: str) -> Fraction:
            return Fraction(super().__getitem__(member))

    result = resolve(Fresh(EQUAL), {"ana": to("ben")}, None, {"ben": "yes"})
    assert result.cast == {"ben": F(2)} and result.total_weight == 4
