"""Counting the non-ranked decision methods: a worked example of each, the edges (nobody votes,
everyone abstains, exactly at a threshold, one block), the ballots that cannot be counted, and
properties (weight is conserved, ballot order never matters, scaling every weight changes no
outcome).

Most examples are the camp kitchen's working group. Weights follow its charter: one vote each,
two for cleo who coordinates the kitchen, a half for eve who joined this week.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from multitude.domain.governance.methods import (
    ADVICE,
    ANSWERS,
    CONSENSUS,
    CONSENT,
    MAJORITY,
    Advice,
    ApprovalBallot,
    Choice,
    Decision,
    DotBallot,
    MeetingTime,
    PositionBallot,
    ScoreBallot,
    SlotBallot,
    advice,
    approval,
    consensus,
    consent,
    dots,
    majority,
    meeting_time,
    modified_consensus,
    quadratic_votes,
    score,
)
from multitude.domain.governance.quorum import Quorum, Threshold, VoteError, at_least, more_than

F = Fraction
KITCHEN = {"ana": 1, "ben": 1, "cleo": 2, "dan": 1, "eve": F(1, 2)}  # 5 members, weight 11/2
EVERYONE = "5 of 5 members took part, with weight 11/2 of 11/2"


def one_vote_each(*members: str) -> dict[str, Fraction | int]:
    return dict.fromkeys(members, 1)


# --- consent ---------------------------------------------------------------------------------------


def test_consent_fails_on_one_objection_and_says_whose() -> None:
    result = consent(
        [
            PositionBallot("ana", "consent"),
            PositionBallot("ben", "consent"),
            PositionBallot("cleo", "abstain"),
            PositionBallot("dan", "object", "the gas bottles are not safe"),
        ],
        KITCHEN,
    )
    # consent: ana 1 + ben 1 = 2; abstain: cleo 2; object: dan 1. eve is silent: 4 ballots, weight 5.
    assert result.passed is False
    assert dict(result.tallies) == {"consent": 2, "abstain": 2, "object": 1}
    assert dict(result.counts) == {"consent": 2, "abstain": 1, "object": 1}
    assert result.reasons == (("dan", "the gas bottles are not safe"),)
    assert result.statement == (
        "Fails: objected to by dan (the gas bottles are not safe). consent 2, abstain 2, object 1; "
        "4 of 5 members took part, with weight 5 of 11/2."
    )


def test_consent_passes_without_objection_and_abstaining_is_consenting() -> None:
    result = consent([PositionBallot("ana", "consent"), PositionBallot("cleo", "abstain")], KITCHEN)
    assert result.passed is True
    assert result.statement.startswith("Passes: no objection. consent 1, abstain 2, object 0;")


def test_consent_with_nobody_voting_passes_unless_a_quorum_is_asked_for() -> None:
    assert consent([], KITCHEN).passed is True  # lazy consent: silence is consent
    result = consent([], KITCHEN, Quorum(at_least(F(1, 3))))
    assert (result.passed, result.quorate) == (False, False)
    assert result.statement.startswith("Fails: no quorum (at least 1/3 of the eligible members needed).")


def test_an_objection_stops_consent_whatever_the_objectors_weight() -> None:
    # eve weighs 1/2 against 4 consenting: an objection is a person's, not a weight's.
    ballots = [PositionBallot(m, "consent") for m in ("ana", "ben", "cleo")]
    ballots.append(PositionBallot("eve", "object", "no vegan dish"))
    assert consent(ballots, KITCHEN).passed is False
    assert consent(ballots, {**KITCHEN, "eve": 0}).passed is False


# --- consensus -------------------------------------------------------------------------------------


def test_consensus_passes_with_agreement_and_records_disagreement_as_concern() -> None:
    result = consensus(
        [
            PositionBallot("ana", "agree"),
            PositionBallot("ben", "agree"),
            PositionBallot("cleo", "stand aside", "I cook at the other camp that week"),
            PositionBallot("dan", "disagree", "too early"),
            PositionBallot("eve", "abstain"),
        ],
        KITCHEN,
    )
    # agree: ana 1 + ben 1 = 2; abstain: eve 1/2; stand aside: cleo 2; disagree: dan 1; block: 0.
    assert result.passed is True
    assert dict(result.tallies) == {"agree": 2, "abstain": F(1, 2), "stand aside": 2, "disagree": 1, "block": 0}
    assert result.reasons == (("cleo", "I cook at the other camp that week"), ("dan", "too early"))
    assert result.statement == (
        "Passes: no block, 2 agreed; disagreement recorded as concern: dan (too early). "
        f"agree 2, abstain 1/2, stand aside 2, disagree 1, block 0; {EVERYONE}."
    )


def test_a_single_block_stops_consensus() -> None:
    ballots = [PositionBallot(m, "agree") for m in ("ana", "ben", "cleo", "dan")]
    ballots.append(PositionBallot("eve", "block", "no vegan dish"))
    result = consensus(ballots, KITCHEN)
    assert result.passed is False
    assert result.statement.startswith("Fails: blocked by eve (no vegan dish).")


def test_consensus_needs_someone_to_agree() -> None:
    everyone_abstains = consensus([PositionBallot(m, "abstain") for m in KITCHEN], KITCHEN)
    assert everyone_abstains.passed is False
    assert everyone_abstains.statement.startswith("Fails: no block, but nobody agreed.")
    assert consensus([], KITCHEN).passed is False
    only_disagreement = consensus([PositionBallot("ana", "disagree"), PositionBallot("ben", "stand aside")], KITCHEN)
    assert only_disagreement.passed is False


# --- modified consensus ----------------------------------------------------------------------------

BLOCKED_BY_DAN = [
    PositionBallot("ana", "agree"),
    PositionBallot("ben", "agree"),
    PositionBallot("cleo", "agree"),
    PositionBallot("dan", "block", "the gas bottles are not safe"),
    PositionBallot("eve", "abstain"),
]


def test_modified_consensus_falls_back_on_nine_tenths_of_the_votes_cast() -> None:
    # Votes cast: agree ana 1 + ben 1 + cleo 2 = 4, block dan 1: 5 (eve's abstention is not cast).
    # 4/5 is short of 9/10, but meets 3/4.
    result = modified_consensus(BLOCKED_BY_DAN, KITCHEN)
    assert result.passed is False
    assert result.statement == (
        "Fails: blocked by dan (the gas bottles are not safe); agree 4 of 5 votes cast falls short of at least 9/10. "
        f"agree 4, abstain 1/2, stand aside 0, disagree 0, block 1; {EVERYONE}."
    )
    three_quarters = modified_consensus(BLOCKED_BY_DAN, KITCHEN, at_least(F(3, 4)))
    assert three_quarters.passed is True
    assert "agree 4 of 5 votes cast meets at least 3/4" in three_quarters.statement


def test_modified_consensus_without_a_block_is_consensus() -> None:
    ballots = [PositionBallot("ana", "agree"), PositionBallot("dan", "disagree", "too early")]
    assert modified_consensus(ballots, KITCHEN).passed is consensus(ballots, KITCHEN).passed is True


@pytest.mark.parametrize(
    ("agreeing", "blocking", "passes"),
    [(8999, 1001, False), (9000, 1000, True)],  # 89.99% and exactly 90%
)
def test_modified_consensus_at_89_99_and_at_90_percent(agreeing: int, blocking: int, passes: bool) -> None:
    eligible = {"many": agreeing, "few": blocking}
    result = modified_consensus([PositionBallot("many", "agree"), PositionBallot("few", "block", "no")], eligible)
    assert result.passed is passes


def test_abstentions_and_stand_asides_are_not_in_the_supermajority_denominator() -> None:
    # agree 9 of 9 + 1 cast: 9/10 exactly; counting abstain 5 and stand aside 5 would make it 9/20.
    eligible = {"yes": 9, "no": 1, "away": 5, "aside": 5}
    ballots = [PositionBallot("yes", "agree"), PositionBallot("no", "block", "no"), PositionBallot("away", "abstain"),
               PositionBallot("aside", "stand aside")]
    assert modified_consensus(ballots, eligible).passed is True


# --- majority and supermajority --------------------------------------------------------------------

KITCHEN_VOTE = [
    PositionBallot("ana", "for"),
    PositionBallot("ben", "for"),
    PositionBallot("cleo", "against"),
    PositionBallot("dan", "abstain"),
    PositionBallot("eve", "for"),
]


def test_majority_of_votes_cast_and_of_members_differ() -> None:
    # for: ana 1 + ben 1 + eve 1/2 = 5/2; against: cleo 2; abstain: dan 1.
    # Of votes cast (9/2): 5/2 > 9/4, passes. Of the members' weight (11/2): 5/2 > 11/4 is false.
    cast = majority(KITCHEN_VOTE, KITCHEN)
    assert cast.passed is True
    assert dict(cast.tallies) == {"for": F(5, 2), "against": 2, "abstain": 1}
    assert cast.statement == (
        f"Passes: for 5/2 of 9/2 votes cast, more than 1/2 needed. for 5/2, against 2, abstain 1; {EVERYONE}."
    )
    members = majority(KITCHEN_VOTE, KITCHEN, of="members")
    assert members.passed is False
    assert members.statement.startswith("Fails: for 5/2 of the members' weight 11/2, more than 1/2 needed.")


@pytest.mark.parametrize(
    ("threshold", "passes"),
    [(more_than(F(1, 2)), False), (at_least(F(1, 2)), True)],
)
def test_exactly_half(threshold: Threshold, passes: bool) -> None:
    ballots = [PositionBallot("ana", "for"), PositionBallot("ben", "for")]
    ballots += [PositionBallot("dan", "against"), PositionBallot("eve", "against")]
    assert majority(ballots, one_vote_each("ana", "ben", "dan", "eve"), threshold).passed is passes


@pytest.mark.parametrize(
    ("threshold", "passes"),
    [(at_least(F(2, 3)), True), (more_than(F(2, 3)), False)],
)
def test_exactly_two_thirds(threshold: Threshold, passes: bool) -> None:
    ballots = [PositionBallot("ana", "for"), PositionBallot("ben", "for"), PositionBallot("dan", "against")]
    assert majority(ballots, one_vote_each("ana", "ben", "dan"), threshold).passed is passes


def test_majority_with_no_votes_cast_fails() -> None:
    nobody = majority([], KITCHEN, at_least(F(2, 3)))
    assert nobody.passed is False
    assert nobody.statement.startswith("Fails: no votes cast.")
    everyone_abstains = majority([PositionBallot(m, "abstain") for m in KITCHEN], KITCHEN, at_least(F(1, 2)))
    assert everyone_abstains.passed is False
    assert everyone_abstains.participation.members == 5


# --- advice and sense-check ------------------------------------------------------------------------


def test_advice_reports_tallies_and_cannot_pass() -> None:
    result = advice(
        [
            PositionBallot("ana", "support"),
            PositionBallot("cleo", "concern", "who washes up?"),
            PositionBallot("eve", "unsure"),
        ],
        KITCHEN,
        "sense check",
    )
    # support: ana 1; unsure: eve 1/2; concern: cleo 2; abstain 0.
    assert isinstance(result, Advice)
    assert not hasattr(result, "passed")
    assert dict(result.tallies) == {"support": 1, "unsure": F(1, 2), "concern": 2, "abstain": 0}
    assert result.reasons == (("cleo", "who washes up?"),)
    assert result.statement == (
        "Sense check, not binding: support 1, unsure 1/2, concern 2, abstain 0; "
        "3 of 5 members took part, with weight 7/2 of 11/2."
    )


# --- approval --------------------------------------------------------------------------------------

PLACES = ("tent", "hall", "field")


def test_approval_most_approved_weight_wins() -> None:
    result = approval(
        PLACES,
        [
            ApprovalBallot("ana", frozenset({"tent", "hall"})),
            ApprovalBallot("ben", frozenset({"hall"})),
            ApprovalBallot("cleo", frozenset({"tent"})),
            ApprovalBallot("dan", frozenset()),  # takes part, approves nothing
            ApprovalBallot("eve", frozenset({"hall", "field"})),
        ],
        KITCHEN,
    )
    # tent: ana 1 + cleo 2 = 3; hall: ana 1 + ben 1 + eve 1/2 = 5/2; field: eve 1/2.
    assert dict(result.tallies) == {"tent": 3, "hall": F(5, 2), "field": F(1, 2)}
    assert (result.leaders, result.winner) == (("tent",), "tent")
    assert result.statement == f"tent wins with 3. tent 3, hall 5/2, field 1/2; {EVERYONE}."


def test_an_approval_tie_is_reported_and_goes_to_the_option_listed_first() -> None:
    ballots = [ApprovalBallot("ana", frozenset({"tent"})), ApprovalBallot("ben", frozenset({"hall"}))]
    result = approval(PLACES, ballots, KITCHEN)
    assert (result.leaders, result.winner) == (("tent", "hall"), "tent")
    assert result.statement.startswith("tent wins with 1, tied with hall; the first listed wins.")
    assert approval(("hall", "tent"), ballots, KITCHEN).winner == "hall"


def test_approval_with_no_approvals_has_no_winner() -> None:
    for ballots in ([], [ApprovalBallot(m, frozenset()) for m in KITCHEN]):
        result = approval(PLACES, ballots, KITCHEN)
        assert (result.leaders, result.winner) == ((), None)
        assert result.statement.startswith("No winner: no option has any support.")


# --- score -----------------------------------------------------------------------------------------


def test_score_sums_weighted_scores_and_unscored_is_zero() -> None:
    result = score(
        ("soup", "curry", "salad"),
        [
            ScoreBallot("ana", {"soup": 5, "curry": 3}),  # salad unscored: 0
            ScoreBallot("ben", {"soup": 2, "curry": 4, "salad": 1}),
            ScoreBallot("cleo", {"curry": 5, "salad": 2}),
            ScoreBallot("eve", {"soup": 0, "curry": 0, "salad": 5}),
        ],
        KITCHEN,
    )
    # soup:  1·5 + 1·2 + 2·0 + 1/2·0 = 7
    # curry: 1·3 + 1·4 + 2·5 + 1/2·0 = 17
    # salad: 1·0 + 1·1 + 2·2 + 1/2·5 = 15/2
    assert dict(result.tallies) == {"soup": 7, "curry": 17, "salad": F(15, 2)}
    assert result.winner == "curry"


# --- dots ------------------------------------------------------------------------------------------


def test_dot_voting_with_several_dots_on_one_option_and_a_tie() -> None:
    result = dots(
        ("oven", "fridge", "sink"),
        [
            DotBallot("ana", {"oven": 3}),
            DotBallot("ben", {"oven": 1, "fridge": 2}),
            DotBallot("cleo", {"fridge": 1, "sink": 1}),  # 2 of 3 dots: fewer is fine
            DotBallot("dan", {"sink": 3}),
            DotBallot("eve", {"oven": 2, "fridge": 1}),
        ],
        KITCHEN,
        per_member=3,
    )
    # oven:   ana 1·3 + ben 1·1 + eve 1/2·2 = 5
    # fridge: ben 1·2 + cleo 2·1 + eve 1/2·1 = 9/2
    # sink:   cleo 2·1 + dan 1·3 = 5
    assert dict(result.tallies) == {"oven": 5, "fridge": F(9, 2), "sink": 5}
    assert (result.leaders, result.winner) == (("oven", "sink"), "oven")


# --- meeting time ----------------------------------------------------------------------------------


def test_meeting_time_most_available_wins() -> None:
    result = meeting_time(
        ("mon 18h", "tue 18h", "wed 12h"),
        [
            SlotBallot("ana", {"mon 18h": "yes", "tue 18h": "if need be", "wed 12h": "no"}),
            SlotBallot("ben", {"mon 18h": "if need be", "tue 18h": "yes"}),  # wed unanswered: no
            SlotBallot("cleo", {"mon 18h": "yes", "tue 18h": "yes", "wed 12h": "yes"}),
            SlotBallot("dan", {"mon 18h": "no", "tue 18h": "if need be", "wed 12h": "yes"}),
        ],
        one_vote_each("ana", "ben", "cleo", "dan"),
    )
    # mon: yes ana, cleo; if need be ben; no dan          -> available 3
    # tue: yes ben, cleo; if need be ana, dan             -> available 4
    # wed: yes cleo, dan; no ana, ben (ben by omission)   -> available 2
    assert isinstance(result, MeetingTime)
    assert dict(result.tallies) == {"mon 18h": 3, "tue 18h": 4, "wed 12h": 2}
    assert dict(result.answers["wed 12h"]) == {"yes": 2, "if need be": 0, "no": 2}
    assert result.winner == "tue 18h"
    assert result.statement.startswith("tue 18h wins with 4 (2 yes, 2 if need be).")


def test_meeting_time_ties_go_to_more_yes_then_to_the_earlier_slot() -> None:
    members = one_vote_each("ana", "ben")
    more_yes = meeting_time(
        ("mon", "tue"),
        [
            SlotBallot("ana", {"mon": "if need be", "tue": "yes"}),
            SlotBallot("ben", {"mon": "if need be", "tue": "if need be"}),
        ],
        members,
    )
    assert (more_yes.leaders, more_yes.winner) == (("tue",), "tue")  # both 2 available; tue has 1 yes
    same = meeting_time(("mon", "tue"), [SlotBallot("ana", {"mon": "yes", "tue": "yes"})], members)
    assert (same.leaders, same.winner) == (("mon", "tue"), "mon")
    nobody_can = meeting_time(("mon", "tue"), [SlotBallot("ana", {"mon": "no"})], members)
    assert nobody_can.winner is None


# --- quorum ----------------------------------------------------------------------------------------


def test_quorum_by_count_and_by_weight() -> None:
    # ana and cleo take part: 2 of 5 members (short of half), weight 3 of 11/2 (more than half).
    ballots = [PositionBallot("ana", "agree"), PositionBallot("cleo", "agree")]
    by_count = consensus(ballots, KITCHEN, Quorum(at_least(F(1, 2)), "count"))
    assert (by_count.passed, by_count.quorate) == (False, False)
    assert by_count.statement == (
        "Fails: no quorum (at least 1/2 of the eligible members needed). "
        "agree 3, abstain 0, stand aside 0, disagree 0, block 0; 2 of 5 members took part, with weight 3 of 11/2."
    )
    by_weight = consensus(ballots, KITCHEN, Quorum(at_least(F(1, 2)), "weight"))
    assert (by_weight.passed, by_weight.quorate) == (True, True)


def test_abstentions_and_stand_asides_count_towards_quorum() -> None:
    ballots = [PositionBallot("ana", "agree"), PositionBallot("ben", "abstain"), PositionBallot("cleo", "stand aside")]
    assert consensus(ballots, KITCHEN, Quorum(at_least(F(3, 5)))).quorate is True  # 3 of 5 exactly


def test_a_choice_without_quorum_names_its_leaders_but_no_winner() -> None:
    result = approval(PLACES, [ApprovalBallot("ana", frozenset({"hall"}))], KITCHEN, Quorum(more_than(F(1, 2))))
    assert (result.leaders, result.winner, result.quorate) == (("hall",), None, False)
    assert result.statement.startswith("No winner: no quorum (more than 1/2 of the eligible members needed).")


# --- weights: delegated and quadratic --------------------------------------------------------------


def test_a_ballot_casts_the_weight_it_carries() -> None:
    # ben delegated to ana: her ballot carries 1 + 1 = 2 against cleo's 2; 2 of 4 is not more than half.
    result = majority([PositionBallot("ana", "for", weight=2), PositionBallot("cleo", "against")], KITCHEN)
    assert dict(result.tallies) == {"for": 2, "against": 2, "abstain": 0}
    assert result.passed is False


def test_quadratic_votes_cost_their_square() -> None:
    # 3 votes cost 9 credits and 4 cost 16: 25 in all.
    assert quadratic_votes({"oven": 3, "fridge": 4}, credits=25) == {"oven": 3, "fridge": 4}
    with pytest.raises(VoteError, match="oven 3, fridge 4 votes cost 25 credits, 24 available"):
        quadratic_votes({"oven": 3, "fridge": 4}, credits=24)
    with pytest.raises(VoteError, match="-1 votes on 'oven'"):
        quadratic_votes({"oven": -1}, credits=25)
    # With 25 credits a member casts at most 5 votes on one proposal: ana spends 9 for, ben 16 against.
    spent = {"ana": quadratic_votes({"oven": 3}, 25)["oven"], "ben": quadratic_votes({"oven": 4}, 25)["oven"]}
    ballots = [PositionBallot("ana", "for", weight=spent["ana"]), PositionBallot("ben", "against", weight=spent["ben"])]
    assert majority(ballots, {"ana": 5, "ben": 5}).statement.startswith("Fails: for 3 of 7 votes cast")


# --- what cannot be counted ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (lambda: consent([PositionBallot("dan", "object")], KITCHEN), "ballot of dan: to object needs a reason"),
        (lambda: consensus([PositionBallot("dan", "block", "  ")], KITCHEN), "ballot of dan: to block needs a reason"),
        (lambda: consent([PositionBallot("dan", "block", "x")], KITCHEN), "dan: 'block' is not a position of consent"),
        (lambda: dots(("a", "b"), [DotBallot("ana", {"a": 2, "b": 2})], KITCHEN, 3),
         "ballot of ana: 4 dots placed, 3 allowed"),
        (lambda: dots(("a",), [DotBallot("ana", {"a": -1})], KITCHEN, 3), "ballot of ana: -1 dots on 'a'"),
        (lambda: score(("a",), [ScoreBallot("ana", {"a": 6})], KITCHEN), "ballot of ana: score 6 for 'a'"),
        (lambda: score(("a",), [ScoreBallot("ana", {"a": True})], KITCHEN), "ballot of ana: score True for 'a'"),
        (lambda: approval(("a",), [ApprovalBallot("ana", frozenset({"pool"}))], KITCHEN),
         "ballot of ana: 'pool' is not an option"),
        (lambda: meeting_time(("mon",), [SlotBallot("ana", {"mon": "maybe"})], KITCHEN),
         "ballot of ana: 'maybe' for 'mon'"),
        (lambda: consent([], {**KITCHEN, "eve": -1}), "weight of eve: -1 is negative"),
        (lambda: consent([], {**KITCHEN, "eve": 0.5}), r"weight of eve: 0\.5 is not an exact number"),
        (lambda: consent([PositionBallot("ana", "consent", weight=-1)], KITCHEN),
         "weight of ana's ballot: -1 is negative"),
        (lambda: consent([PositionBallot("zed", "consent")], KITCHEN), "ballot of zed: not an eligible member"),
        (lambda: consent([PositionBallot("ana", "consent"), PositionBallot("ana", "object", "x")], KITCHEN),
         "two ballots of ana"),
        (lambda: consent([PositionBallot("ana", "consent", weight=6)], KITCHEN),
         "the ballots cast weight 6, more than"),
        (lambda: approval((), [], KITCHEN), "at least one option"),
        (lambda: approval(("a", "a"), [], KITCHEN), "options are listed twice: a"),
        (lambda: dots(("a",), [], KITCHEN, 0), "dots per member"),
        (lambda: majority([], KITCHEN, of="heads"), "of 'votes cast' or of 'members'"),  # type: ignore[arg-type]
        (lambda: advice([], KITCHEN, "poll"), "'advice' or 'sense check'"),  # type: ignore[arg-type]
        (lambda: Quorum(at_least(F(1, 2)), "heads"), "by 'count' or by 'weight'"),  # type: ignore[arg-type]
        (lambda: at_least(F(0)), "the share is in"),
        (lambda: more_than(F(1)), "more than 1 can never be meaningful"),
        (lambda: Threshold(0.5, "at least"), r"a threshold's share: 0\.5 is not an exact number"),  # type: ignore[arg-type]
    ],
)
def test_what_cannot_be_counted_is_refused_by_name(count: Callable[[], object], message: str) -> None:
    with pytest.raises(VoteError, match=message) as refused:
        count()
    assert isinstance(refused.value, ValueError)


def test_ballots_and_results_cannot_be_changed_after_the_fact() -> None:
    scores = {"a": 1}
    ballot = ScoreBallot("ana", scores)
    scores["a"] = 5
    assert ballot.scores["a"] == 1
    result = consent([PositionBallot("ana", "consent")], KITCHEN)
    with pytest.raises(TypeError):
        result.tallies["object"] = F(1)  # type: ignore[index]


# --- properties ------------------------------------------------------------------------------------

MEMBERS = ("ana", "ben", "cleo", "dan", "eve", "fay")
OPTIONS = ("a", "b", "c")
DOTS = 3
weights = st.fractions(min_value=0, max_value=10, max_denominator=12)
thresholds = st.builds(
    Threshold,
    st.fractions(min_value=0, max_value=1, max_denominator=10).filter(lambda share: 0 < share < 1),
    st.sampled_from(["more than", "at least"]),
)
quorums = st.none() | st.builds(Quorum, thresholds, st.sampled_from(["count", "weight"]))

Result = Decision | Advice | Choice


@dataclass(frozen=True)
class Case:
    """A method with its parameters, ballots for it and the eligible members."""

    name: str
    count: Callable[[Sequence[Any], dict[str, Fraction]], Result]
    ballots: list[Any]
    eligible: dict[str, Fraction]


def _positions(positions: tuple[str, ...]) -> Callable[[st.DrawFn, str], PositionBallot]:
    def ballot(draw: st.DrawFn, member: str) -> PositionBallot:
        position = draw(st.sampled_from(positions))
        needs = position in ("object", "block")
        return PositionBallot(member, position, "a reason" if needs else draw(st.sampled_from(["", "a comment"])))
    return ballot


BALLOTS: dict[str, Callable[[st.DrawFn, str], Any]] = {
    "consent": _positions(CONSENT),
    "consensus": _positions(CONSENSUS),
    "modified consensus": _positions(CONSENSUS),
    "majority": _positions(MAJORITY),
    "advice": _positions(ADVICE),
    "approval": lambda draw, m: ApprovalBallot(m, draw(st.frozensets(st.sampled_from(OPTIONS)))),
    "score": lambda draw, m: ScoreBallot(m, draw(st.dictionaries(st.sampled_from(OPTIONS), st.integers(0, 5)))),
    "dots": lambda draw, m: DotBallot(m, Counter(draw(st.lists(st.sampled_from(OPTIONS), max_size=DOTS)))),
    "meeting time": lambda draw, m: SlotBallot(m, draw(st.dictionaries(st.sampled_from(OPTIONS),
                                                                        st.sampled_from(ANSWERS)))),
}


@st.composite
def cases(draw: st.DrawFn) -> Case:
    name = draw(st.sampled_from(sorted(BALLOTS)))
    eligible = draw(st.dictionaries(st.sampled_from(MEMBERS), weights, min_size=1))
    voters = draw(st.lists(st.sampled_from(sorted(eligible)), unique=True))
    ballots = [BALLOTS[name](draw, member) for member in voters]
    quorum = draw(quorums)
    threshold = draw(thresholds)
    of = draw(st.sampled_from(["votes cast", "members"]))
    count: dict[str, Callable[[Sequence[Any], dict[str, Fraction]], Result]] = {
        "consent": lambda b, e: consent(b, e, quorum),
        "consensus": lambda b, e: consensus(b, e, quorum),
        "modified consensus": lambda b, e: modified_consensus(b, e, threshold, quorum),
        "majority": lambda b, e: majority(b, e, threshold, of, quorum),  # type: ignore[arg-type]
        "advice": lambda b, e: advice(b, e),
        "approval": lambda b, e: approval(OPTIONS, b, e, quorum),
        "score": lambda b, e: score(OPTIONS, b, e, quorum=quorum),
        "dots": lambda b, e: dots(OPTIONS, b, e, DOTS, quorum),
        "meeting time": lambda b, e: meeting_time(OPTIONS, b, e, quorum),
    }
    return Case(name, count[name], ballots, eligible)


def _outcome(result: Result) -> tuple[Any, ...]:
    if isinstance(result, Decision):
        return (result.passed, result.quorate, dict(result.counts))
    if isinstance(result, Choice):
        return (result.winner, result.leaders, result.quorate)
    return (dict(result.counts),)


@given(cases())
def test_weight_is_conserved(case: Case) -> None:
    result = case.count(case.ballots, case.eligible)
    cast = sum((case.eligible[ballot.member] for ballot in case.ballots), F(0))
    assert result.participation.weight == cast
    assert result.participation.members == len(case.ballots)
    weight = {ballot.member: case.eligible[ballot.member] for ballot in case.ballots}
    tallies, total = result.tallies, sum(result.tallies.values(), F(0))
    if isinstance(result, Decision | Advice):  # every ballot's weight in exactly one position, abstaining included
        assert total == cast
        assert sum(result.counts.values()) == len(case.ballots)
    elif isinstance(result, MeetingTime):  # every ballot's weight in exactly one answer per slot
        assert all(sum(answers.values(), F(0)) == cast for answers in result.answers.values())
    elif case.name == "approval":
        for option in OPTIONS:
            assert tallies[option] == sum((weight[b.member] for b in case.ballots if option in b.approved), F(0))
    elif case.name == "score":
        assert total == sum((weight[b.member] * sum(b.scores.values()) for b in case.ballots), F(0))
    else:
        assert total == sum((weight[b.member] * sum(b.dots.values()) for b in case.ballots), F(0))


@given(cases(), st.data())
def test_ballot_order_does_not_matter(case: Case, data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(case.ballots))
    assert case.count(shuffled, case.eligible) == case.count(case.ballots, case.eligible)


@given(cases(), st.fractions(min_value=F(1, 100), max_value=100, max_denominator=100))
def test_scaling_every_weight_changes_no_outcome(case: Case, factor: Fraction) -> None:
    before = case.count(case.ballots, case.eligible)
    after = case.count(case.ballots, {member: weight * factor for member, weight in case.eligible.items()})
    assert _outcome(after) == _outcome(before)
    assert dict(after.tallies) == {option: tally * factor for option, tally in before.tallies.items()}


@given(cases())
def test_a_ballot_saying_its_own_weight_counts_as_one_that_does_not(case: Case) -> None:
    explicit = [replace(ballot, weight=case.eligible[ballot.member]) for ballot in case.ballots]
    assert case.count(explicit, case.eligible) == case.count(case.ballots, case.eligible)
