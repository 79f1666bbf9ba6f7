"""Ranked-choice counting: published worked examples, properties, and refused input.

The examples are written out in full (ballots, matrices, rounds) from where they were
published; the properties hold for any options, ballots and weights; the ballots that cannot be
counted are refused with a BallotError (a ValueError) naming what is wrong.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from multitude.domain.governance.ranked import (
    Ballot,
    BallotError,
    borda,
    drawn_order,
    instant_runoff,
    schulze,
)


def ballots_of(*groups: tuple[int | Fraction, str]) -> list[Ballot]:
    """('5', 'ACBED') → one ballot of weight 5 ranking A > C > B > E > D (one letter an option)."""
    return [Ballot(weight, tuple(ranking)) for weight, ranking in groups]


def voters_of(*groups: tuple[int, str]) -> list[Ballot]:
    """Like ballots_of, but `count` ballots of weight 1 each, as the examples count voters."""
    return [Ballot(Fraction(1), tuple(ranking)) for count, ranking in groups for _ in range(count)]


def matrix(*rows: str) -> tuple[tuple[Fraction, ...], ...]:
    return tuple(tuple(Fraction(cell) for cell in row.split()) for row in rows)


# Schulze's example with 45 voters and 5 candidates: Wikipedia, "Schulze method", section
# Example; the same profile opens M. Schulze's own page of examples (User:MarkusSchulze/
# Schulze_method_examples, Example 1) with the same d and p tables.
SCHULZE_45 = voters_of((5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"), (7, "CAEBD"), (2, "CBADE"),
                       (7, "DCEBA"), (8, "EBADC"))

# Tennessee choosing its capital, 100 voters in four blocs by where they live (Wikipedia,
# "Instant-runoff voting", "Borda count" and "Condorcet method", section Example): Memphis 42 %,
# Nashville 26 %, Chattanooga 15 %, Knoxville 17 %, each ranking the others by distance.
TENNESSEE = ballots_of((42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM"))


def test_schulze_45_voters_elects_e_with_the_published_matrices() -> None:
    result = schulze("ABCDE", SCHULZE_45)
    assert result.d == matrix("0 20 26 30 22", "25 0 16 33 18", "19 29 0 17 24", "15 12 28 0 14", "23 27 21 31 0")
    assert result.p == matrix("0 28 28 30 24", "25 0 28 33 24", "25 29 0 29 24", "25 28 28 0 24", "25 28 28 31 0")
    assert (result.winner, result.winners) == ("E", ("E",))
    assert result.ranking == ("E", "A", "C", "B", "D")
    assert result.tiers == (("E",), ("A",), ("C",), ("B",), ("D",))
    assert result.tie_break is None  # nothing was tied, so no lot was drawn
    assert result.total == 45
    # A beats C 26 to 19 directly, but the strongest path from A to C is A-(30)-D-(28)-C.
    assert (result.preference("A", "C"), result.strength("A", "C")) == (26, 28)


def test_schulze_tie_between_b_and_d_goes_by_the_tie_break_order() -> None:
    """Nine voters, a tie (checked by hand):
    d: A>B 5:4, A>C 5:4, D>A 6:3, B>C 7:2, B>D 5:4, C>D 5:4; links A→B 5, A→C 5, D→A 6, B→C 7,
    B→D 5, C→D 5. Every strongest path between B and D, C and D, A and B, A and C is 5 both
    ways; D beats A (6 to 5) and B beats C (7 to 5). So B and D both win, then A and C tie."""
    ballots = voters_of((3, "ABCD"), (2, "DABC"), (2, "DBCA"), (2, "CBDA"))
    result = schulze("ABCD", ballots, tie_break="DCAB")
    assert result.d == matrix("0 5 5 3", "4 0 7 5", "4 2 0 5", "6 4 4 0")
    assert result.p == matrix("0 5 5 5", "5 0 7 5", "5 5 0 5", "6 5 5 0")
    assert result.tiers == (("D", "B"), ("C", "A"))
    assert (result.winners, result.ranking, result.tie_break) == (("D", "B"), ("D", "B", "C", "A"), tuple("DCAB"))
    assert schulze("ABCD", ballots, tie_break="BADC").ranking == ("B", "D", "A", "C")
    drawn = schulze("ABCD", ballots)
    assert drawn.tie_break == drawn_order("ABCD", ballots)
    assert set(drawn.winners) == {"B", "D"} and drawn.winner == min("BD", key=drawn.tie_break.index)


def test_schulze_a_pair_tied_in_d_is_no_link_either_way() -> None:
    result = schulze("ABC", ballots_of((1, "ABC"), (1, "BAC")), tie_break="BAC")
    assert result.d == matrix("0 1 2", "1 0 2", "0 0 0")
    assert result.p == matrix("0 0 2", "0 0 2", "0 0 0")
    assert (result.winners, result.tiers) == (("B", "A"), (("B", "A"), ("C",)))


def test_tennessee_instant_runoff_elects_knoxville_in_three_rounds() -> None:
    result = instant_runoff("MNCK", TENNESSEE)
    assert [(dict(r.tallies), r.eliminated, r.elected) for r in result.rounds] == [
        ({"M": 42, "N": 26, "C": 15, "K": 17}, "C", None),
        ({"M": 42, "N": 26, "K": 32}, "N", None),
        ({"M": 42, "K": 58}, None, "K"),
    ]
    assert result.winner == "K"
    assert [r.reason for r in result.rounds] == [
        "'C' has the fewest votes (15)",
        "'N' has the fewest votes (26)",
        "'K' has 58 of 100 continuing votes, a majority",
    ]
    assert all(r.exhausted == 0 and r.continuing == 100 for r in result.rounds)


def test_tennessee_borda_elects_nashville_with_the_published_scores() -> None:
    result = borda("MNCK", TENNESSEE)
    assert dict(result.scores) == {"N": 194, "C": 173, "M": 126, "K": 107}
    assert sum(score for _, score in result.scores) == 600  # 100 voters × (3 + 2 + 1 + 0)
    assert (result.winner, result.ranking) == ("N", ("N", "C", "M", "K"))


def test_tennessee_nashville_is_the_condorcet_winner_and_wins_schulze() -> None:
    result = schulze("MNCK", TENNESSEE)
    assert [result.preference("N", other) for other in "MCK"] == [58, 68, 68]
    assert result.ranking == ("N", "C", "K", "M")


def test_borda_partial_rankings_share_the_points_they_leave() -> None:
    """Four options, so a ballot hands out 3 + 2 + 1 + 0 = 6 points times its weight:
    weight 2 ranking A only:  A 3, and B, C, D share 2 + 1 + 0 → 1 each;  × 2 → A 6, B 2, C 2, D 2
    weight 1 ranking B, C:    B 3, C 2, and A, D share 1 + 0 → 1/2 each  → A 1/2, B 3, C 2, D 1/2
    weight 3/2 ranking all:   C 3, A 2, B 1, D 0;  × 3/2               → A 3, B 3/2, C 9/2, D 0
    Totals: A 19/2, B 13/2, C 17/2, D 5/2; they add up to 27 = 9/2 × 6."""
    ballots = ballots_of((2, "A"), (1, "BC"), (Fraction(3, 2), "CABD"))
    result = borda("ABCD", ballots)
    assert result.scores == (("A", Fraction(19, 2)), ("B", Fraction(13, 2)), ("C", Fraction(17, 2)),
                             ("D", Fraction(5, 2)))
    assert result.ranking == ("A", "C", "B", "D") and result.total == Fraction(9, 2)
    # Leaving out only the last option is the same ballot as ranking it last.
    assert borda("ABCD", ballots_of((1, "CAB"))).scores == borda("ABCD", ballots_of((1, "CABD"))).scores


def test_instant_runoff_tie_for_fewest_goes_back_to_earlier_rounds_and_counts_exhausted_ballots() -> None:
    ballots = ballots_of((5, "A"), (4, "BA"), (3, "CB"), (1, "DC"), (1, "DA"))
    result = instant_runoff("ABCD", ballots)
    assert [(dict(r.tallies), r.exhausted, r.eliminated, r.elected, r.tied) for r in result.rounds] == [
        ({"A": 5, "B": 4, "C": 3, "D": 2}, 0, "D", None, ()),
        ({"A": 6, "B": 4, "C": 4}, 0, "C", None, ("B", "C")),
        ({"A": 6, "B": 7}, 1, None, "B", ()),
    ]
    assert result.rounds[1].reason == "'B' and 'C' tie for fewest votes (4); 'C' had fewest of them in round 1 (3)"
    assert result.rounds[2].reason == "'B' has 7 of 13 continuing votes, a majority"


def test_instant_runoff_tie_in_every_round_goes_by_the_tie_break_order() -> None:
    ballots = ballots_of((1, "A"), (1, "B"))
    given_order = instant_runoff("AB", ballots, tie_break="BA")
    assert [(r.eliminated, r.elected) for r in given_order.rounds] == [("A", None), (None, "B")]
    assert given_order.rounds[0].reason == "'A' and 'B' tie for fewest votes (1); 'A' comes last of 'A' and 'B' in " \
                                           "the tie-break order"
    assert given_order.rounds[1].reason == "'B' has 1 of 1 continuing votes, a majority"
    drawn = instant_runoff("AB", ballots)
    assert (drawn.tie_break, drawn.winner) == (drawn_order("AB", ballots), drawn_order("AB", ballots)[0])


def test_the_drawn_order_is_pinned_so_every_node_and_every_version_draws_the_same() -> None:
    assert drawn_order("MNCK", TENNESSEE) == ("M", "N", "C", "K")
    assert drawn_order("MNCK", [Ballot(w * 3, r) for w, r in TENNESSEE]) == ("M", "N", "C", "K")
    assert drawn_order("ABCDE", SCHULZE_45) == drawn_order("EDCBA", list(reversed(SCHULZE_45)))


def test_no_ballots_still_give_every_count_a_result() -> None:
    lot = drawn_order("ABC", [])
    assert schulze("ABC", []).ranking == lot and schulze("ABC", []).winners == lot
    assert instant_runoff("ABC", []).winner == lot[0]
    assert borda("ABC", []).winner == lot[0]


@pytest.mark.parametrize(
    ("options", "ballots", "message"),
    [
        ("ABC", ballots_of((1, "AB"), (1, "AX")), "the ballot at index 1 ranks 'X', which is not an option"),
        ("ABC", ballots_of((1, "ABA")), "the ballot at index 0 ranks 'A' twice"),
        ("ABC", ballots_of((1, "A"), (0, "B")), "the ballot at index 1 has weight 0; a weight must be positive"),
        ("ABC", ballots_of((Fraction(-1, 2), "B")), "the ballot at index 0 has weight -1/2; a weight must be positive"),
        ("ABC", [Ballot(0.5, ("A",))], "the ballot at index 0 has weight 0.5; a weight is an exact Fraction or int"),
        ("ABC", [Ballot(1, ["A"])], "the ballot at index 0 has a ranking that is not a tuple of options"),
        ("ABA", [], "option 'A' is listed twice"),
        ("", [], "there are no options to rank"),
    ],
)
def test_ballots_that_cannot_be_counted_are_refused_by_every_count(options: str, ballots: list[Ballot],
                                                                  message: str) -> None:
    for count in (schulze, instant_runoff, borda, drawn_order):
        with pytest.raises(BallotError) as refused:
            count(options, ballots)
        assert str(refused.value) == message
        assert isinstance(refused.value, ValueError)


def test_a_refusal_says_which_ballot_and_which_option() -> None:
    with pytest.raises(BallotError) as refused:
        schulze("ABC", ballots_of((1, "AB"), (2, "CZ")))
    assert (refused.value.index, refused.value.option) == (1, "Z")
    with pytest.raises(BallotError, match="not an order of the options"):
        schulze("ABC", [], tie_break="AB")


# Properties, over any few options and any ballots with exact weights.

NAMES = ("ada", "bo", "cy", "dee", "eli")


@st.composite
def profiles(draw: st.DrawFn, max_ballots: int = 12) -> tuple[tuple[str, ...], list[Ballot]]:
    options = NAMES[: draw(st.integers(2, len(NAMES)))]
    weight = st.fractions(min_value=Fraction(1, 6), max_value=4, max_denominator=6)
    ranking = st.permutations(options).flatmap(lambda order: st.integers(0, len(order)).map(lambda k: tuple(order[:k])))
    ballots = draw(st.lists(st.builds(Ballot, weight, ranking), max_size=max_ballots))
    return options, ballots


def pairwise(options: tuple[str, ...], ballots: list[Ballot]) -> dict[tuple[str, str], Fraction]:
    """d counted the plain way: every ballot, every pair."""
    d = {(a, b): Fraction(0) for a in options for b in options if a != b}
    for weight, ranking in ballots:
        place = {option: at for at, option in enumerate(ranking)}
        for a, b in d:
            if place.get(a, len(options)) < place.get(b, len(options)):
                d[a, b] += weight
    return d


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_schulze_matrix_and_ranking_agree_with_a_plain_count(profile: tuple[tuple[str, ...], list[Ballot]]) -> None:
    options, ballots = profile
    result = schulze(options, ballots)
    d = pairwise(options, ballots)
    assert all(result.preference(a, b) == d[a, b] for a, b in d)
    beats = {(a, b) for a, b in d if result.strength(a, b) > result.strength(b, a)}
    assert set(result.winners) == {a for a in options if not any((b, a) in beats for b in options)}
    assert all(result.ranking.index(a) < result.ranking.index(b) for a, b in beats)


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_a_condorcet_winner_always_wins_schulze(profile: tuple[tuple[str, ...], list[Ballot]]) -> None:
    options, ballots = profile
    d = pairwise(options, ballots)
    condorcet = [a for a in options if all(d[a, b] > d[b, a] for b in options if b != a)]
    if condorcet:
        assert schulze(options, ballots).winners == (condorcet[0],)


@settings(max_examples=200, deadline=None)
@given(profiles(), st.data())
def test_a_majority_of_first_preferences_wins_instant_runoff_in_round_one(
        profile: tuple[tuple[str, ...], list[Ballot]], data: st.DataObject) -> None:
    options, ballots = profile
    favourite = data.draw(st.sampled_from(options))
    rest = data.draw(st.permutations([o for o in options if o != favourite]))
    others = sum((weight for weight, ranking in ballots), Fraction(0))
    ballots = [*ballots, Ballot(others + data.draw(st.fractions(Fraction(1, 100), 3)), (favourite, *rest[:1]))]
    result = instant_runoff(options, ballots)
    assert [(r.number, r.elected) for r in result.rounds] == [(1, favourite)]


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_instant_runoff_rounds_conserve_weight_and_match_a_recount(
        profile: tuple[tuple[str, ...], list[Ballot]]) -> None:
    options, ballots = profile
    result = instant_runoff(options, ballots)
    total = sum((weight for weight, _ in ballots), Fraction(0))
    out: set[str] = set()
    for number, round_ in enumerate(result.rounds, start=1):
        assert round_.number == number
        assert round_.continuing + round_.exhausted == total == result.total
        assert sum(votes for _, votes in round_.tallies) == round_.continuing
        recount = {option: Fraction(0) for option in options if option not in out}
        for weight, ranking in ballots:
            top = next((option for option in ranking if option not in out), None)
            if top is not None:
                recount[top] += weight
        assert dict(round_.tallies) == recount
        if round_.eliminated is not None:
            assert recount[round_.eliminated] == min(recount.values())
            out.add(round_.eliminated)
    last = result.rounds[-1]
    assert last.elected == result.winner
    assert 2 * last.votes(result.winner) > last.continuing or len(last.tallies) == 1


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_borda_scores_agree_with_a_plain_count(profile: tuple[tuple[str, ...], list[Ballot]]) -> None:
    options, ballots = profile
    n = len(options)
    scores = dict.fromkeys(options, Fraction(0))
    for weight, ranking in ballots:
        for at, option in enumerate(ranking):
            scores[option] += weight * (n - 1 - at)
        for option in set(options) - set(ranking):
            scores[option] += weight * Fraction(n - len(ranking) - 1, 2)
    result = borda(options, ballots)
    assert dict(result.scores) == scores
    assert sum(scores.values()) == result.total * n * (n - 1) / 2
    assert set(result.winners) == {o for o in options if scores[o] == max(scores.values())}


def counts(options: tuple[str, ...], ballots: list[Ballot]) -> tuple[object, ...]:
    return schulze(options, ballots), instant_runoff(options, ballots), borda(options, ballots)


@settings(max_examples=150, deadline=None)
@given(profiles(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_ballot_order_or_on_how_identical_ballots_are_split(
        profile: tuple[tuple[str, ...], list[Ballot]], rng: random.Random) -> None:
    options, ballots = profile
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    split = [Ballot(weight * part, ranking) for weight, ranking in ballots for part in (Fraction(1, 3), Fraction(2, 3))]
    assert counts(options, shuffled) == counts(options, ballots) == counts(options, split)


@settings(max_examples=150, deadline=None)
@given(profiles(), st.fractions(min_value=Fraction(1, 50), max_value=50, max_denominator=50))
def test_scaling_every_weight_changes_no_winner_and_no_ranking(
        profile: tuple[tuple[str, ...], list[Ballot]], factor: Fraction) -> None:
    options, ballots = profile
    scaled = [Ballot(weight * factor, ranking) for weight, ranking in ballots]
    before, after = schulze(options, ballots), schulze(options, scaled)
    assert (after.winners, after.ranking) == (before.winners, before.ranking)
    assert after.d == tuple(tuple(cell * factor for cell in row) for row in before.d)
    assert instant_runoff(options, scaled).winner == instant_runoff(options, ballots).winner
    assert [r.eliminated for r in instant_runoff(options, scaled).rounds] == \
           [r.eliminated for r in instant_runoff(options, ballots).rounds]
    assert (borda(options, scaled).winners, borda(options, scaled).ranking) == \
           (borda(options, ballots).winners, borda(options, ballots).ranking)
