"""The non-ranked decision methods on published, worked examples with known results.

Each test names its source (title, publisher, the address it was read at) and what the source
says the result is, writes the ballots out as published, and asserts the published result.
Where a source describes a rule but publishes no numbers, the test says so and builds the
smallest scenario the description decides; where we vary a published profile to reach a clause
the source states but does not illustrate, the variant is labelled as ours. Ranked methods are
proven the same way in test_ranked.py.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest

from multitude.domain.governance.budget import Approval, Project, Selected, Skip, Skipped, allocate
from multitude.domain.governance.methods import (
    ApprovalBallot,
    DotBallot,
    PositionBallot,
    ScoreBallot,
    SlotBallot,
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
from multitude.domain.governance.quorum import VoteError, at_least

F = Fraction
D = Decimal
TWO_THIRDS = at_least(F(2, 3))


def members(count: int, prefix: str = "m") -> list[str]:
    """count member names that sort in the order made: m001, m002, ..."""
    return [f"{prefix}{number:03}" for number in range(1, count + 1)]


def one_vote_each(names: list[str]) -> dict[str, Fraction | int]:
    return dict.fromkeys(names, 1)


def positions(*groups: tuple[int, str]) -> list[PositionBallot]:
    """(10, "for"), (4, "against") → 14 ballots of distinct members, one vote each, in that order;
    a block or an objection carries a reason, as the methods require."""
    ballots, number = [], 0
    for count, position in groups:
        for _ in range(count):
            number += 1
            reason = "a reason given aloud" if position in ("block", "object") else ""
            ballots.append(PositionBallot(f"m{number:03}", position, reason))
    return ballots


# --- score voting -----------------------------------------------------------------------------------


def test_score_tennessee_capital_elects_nashville_with_the_published_totals() -> None:
    """Wikipedia, "Score voting", section Example (https://en.wikipedia.org/wiki/Score_voting): 100
    voters give each city 0 to 10 points, 10 to their favourite and 0 to the least liked, the
    others in proportion to distance. The points per group below are the article's table (the
    same profile, with the same ranking Nashville > Chattanooga > Memphis > Knoxville, is the
    "tennessee" case of the votelib test suite, github.com/simberaj/votelib tests/test_score.py).
    Totals: Memphis 420, Nashville 603, Chattanooga 457, Knoxville 312; Nashville, the real
    capital, wins."""
    cities = ("Memphis", "Nashville", "Chattanooga", "Knoxville")
    groups = [  # voters, then the points they give Memphis, Nashville, Chattanooga, Knoxville
        (42, (10, 4, 2, 0)),  # living near Memphis
        (26, (0, 10, 4, 2)),  # near Nashville
        (15, (0, 6, 10, 6)),  # near Chattanooga
        (17, (0, 5, 7, 10)),  # near Knoxville
    ]
    names = iter(members(100))
    ballots = [ScoreBallot(next(names), dict(zip(cities, points, strict=True)))
               for count, points in groups for _ in range(count)]
    result = score(cities, ballots, one_vote_each(members(100)), highest=10)
    assert dict(result.tallies) == {"Memphis": 420, "Nashville": 603, "Chattanooga": 457, "Knoxville": 312}
    assert (result.winner, result.leaders) == ("Nashville", ("Nashville",))
    assert result.statement.startswith("Nashville wins with 603.")
    with pytest.raises(VoteError, match="score 10 for 'Memphis' is not a whole number 0 to 5"):
        score(cities, ballots, one_vote_each(members(100)))  # the 0-10 ballots do not fit a 0-5 poll


# --- approval voting --------------------------------------------------------------------------------


def test_approval_tennessee_tie_variant_elects_nashville_approved_by_every_ballot() -> None:
    """Approval results of the "TNexampleTie" election (a modified Tennessee capital example) on
    the ABIF election explorer of electorama.com (https://abif.electorama.com/id/TNexampleTie/approval).
    The page publishes the 84 approval ballots it counts (inferred from rated ballots by its
    "favorite_viable_half" conversion): 42 approve Memphis and Nashville; 20, 12 and 10 approve
    Chattanooga, Knoxville and Nashville. Published result: Nashville 84 approvals (100 % of
    ballots, the winner), Memphis, Chattanooga and Knoxville 42 each, 210 approvals in all.

    (Wikipedia's "Approval voting" article carries no Tennessee approval example with ballots, so
    this published approval count stands in for it.)"""
    cities = ("Memphis", "Nashville", "Chattanooga", "Knoxville")
    groups = [
        (42, {"Memphis", "Nashville"}),
        (20, {"Chattanooga", "Knoxville", "Nashville"}),
        (12, {"Chattanooga", "Knoxville", "Nashville"}),
        (10, {"Chattanooga", "Knoxville", "Nashville"}),
    ]
    names = iter(members(84))
    ballots = [ApprovalBallot(next(names), frozenset(approved)) for count, approved in groups for _ in range(count)]
    result = approval(cities, ballots, one_vote_each(members(84)))
    assert dict(result.tallies) == {"Memphis": 42, "Nashville": 84, "Chattanooga": 42, "Knoxville": 42}
    assert sum(result.tallies.values()) == 210
    assert (result.winner, result.leaders) == ("Nashville", ("Nashville",))


# --- majority and supermajority (Robert's Rules of Order) -------------------------------------------


def test_majority_is_more_than_half_so_nine_to_eight_of_seventeen_passes() -> None:
    """Robert's Rules of Order, official site, Frequently Asked Questions, "In determining the
    result of a vote, what constitutes a majority?" (https://robertsrules.com/frequently-asked-questions/,
    citing RONR 11th ed. p. 400). A majority means more than half: with 17 votes cast, 9 for and
    8 against, the motion is adopted; "50 percent plus one" (9 1/2) would wrongly defeat it."""
    eligible = one_vote_each(members(17))
    result = majority(positions((9, "for"), (8, "against")), eligible)
    assert result.passed is True
    assert result.statement == (
        "Passes: for 9 of 17 votes cast, more than 1/2 needed. for 9, against 8, abstain 0; "
        "17 of 17 members took part, with weight 17 of 17."
    )


def test_majority_of_a_thousand_votes_is_501_and_a_tie_is_no_majority() -> None:
    """California State Association of Parliamentarians, "Survival Tips on Robert's Rules of Order:
    Counting Votes; Voting Results" (http://www.roberts-rules.com/parl17.htm): a majority is more
    than half of the votes cast, excluding blanks and abstentions, and does not mean 51 %: of
    1000 votes a majority is 501 (51 % would be 510). A tie is not a majority and the motion is
    lost (Dummies, "How to Determine Voting Results per Robert's Rules",
    https://dummies.com/article/business-careers-money/business/general-business/how-to-determine-voting-results-per-roberts-rules-171789)."""
    eligible = one_vote_each(members(1000))
    assert majority(positions((501, "for"), (499, "against")), eligible).passed is True
    tie = majority(positions((500, "for"), (500, "against")), eligible)
    assert tie.passed is False
    assert tie.statement.startswith("Fails: for 500 of 1000 votes cast, more than 1/2 needed.")


def test_abstentions_are_not_votes_unless_the_basis_is_the_members() -> None:
    """Google Answers, "Robert's Rules on Abstaining" (http://answers.google.com/answers/threadview?id=309253):
    abstentions are not counted, so 3 for, none against, 7 abstaining carries the motion and 3
    for, 3 against, 5 abstaining is a tie; the answer quotes a University of Washington page:
    23 yes, 21 no and 345 abstaining is a majority and the motion passes. Robert's Rules of
    Order FAQ, "Do abstention votes count?"
    (https://robertsrules.com/frequently-asked-questions/): abstentions have no effect on a
    majority of the votes cast, but where the basis is a majority of the members they have the
    effect of a vote against."""
    ten = one_vote_each(members(10))
    carried = majority(positions((3, "for"), (7, "abstain")), ten)
    assert carried.passed is True
    assert dict(carried.tallies) == {"for": 3, "against": 0, "abstain": 7}
    eleven = one_vote_each(members(11))
    assert majority(positions((3, "for"), (3, "against"), (5, "abstain")), eleven).passed is False
    washington = majority(positions((23, "for"), (21, "against"), (345, "abstain")), one_vote_each(members(389)))
    assert washington.passed is True
    assert washington.statement.startswith("Passes: for 23 of 44 votes cast, more than 1/2 needed.")
    of_members = majority(positions((3, "for"), (7, "abstain")), ten, of="members")
    assert of_members.passed is False
    assert of_members.statement.startswith("Fails: for 3 of the members' weight 10, more than 1/2 needed.")


def test_two_thirds_vote_of_votes_cast_of_members_present_and_of_the_members() -> None:
    """Robert's Rules of Order Revised (1915), §48, "Two-thirds Vote", p. 204 (Wikisource,
    https://en.wikisource.org/wiki/Page:Robert%27s_Rules_of_Order_-_1915.djvu/210): 14 members
    vote in a meeting where 20 are present, of a society of 70 members. A two-thirds vote is 10;
    two-thirds of the members present, 14; two-thirds of the members, 47. Blanks are ignored.

    "Of the members present" is the members basis with the 20 present as the eligible members."""
    society, present = members(70), members(20)
    cast = one_vote_each(society)
    assert majority(positions((10, "for"), (4, "against")), cast, TWO_THIRDS).passed is True
    short = majority(positions((9, "for"), (5, "against")), cast, TWO_THIRDS)
    assert short.passed is False
    assert short.statement.startswith("Fails: for 9 of 14 votes cast, at least 2/3 needed.")
    # Of the 20 present, 14 are needed: all 14 who voted must vote for.
    assert majority(positions((14, "for")), one_vote_each(present), TWO_THIRDS, of="members").passed is True
    assert majority(positions((13, "for"), (1, "against")), one_vote_each(present), TWO_THIRDS,
                    of="members").passed is False
    # Of the 70 members, 47 are needed: even 14 of 14 falls short.
    assert majority(positions((14, "for")), cast, TWO_THIRDS, of="members").passed is False
    assert majority(positions((47, "for")), cast, TWO_THIRDS, of="members").passed is True
    assert majority(positions((46, "for"), (24, "against")), cast, TWO_THIRDS, of="members").passed is False


def test_two_thirds_means_at_least_twice_as_many_for_as_against() -> None:
    """The Official RONR Q & A Forums, "Calculation of two thirds vote"
    (https://robertsrules.forumflash.com/topic/35640-calculation-of-two-thirds-vote/): 22 for and
    12 against (34) is not two-thirds, since 22 is less than twice 12; 23 for and 11 against is;
    24 for and 12 against (36) is too, the threshold being at least two-thirds, not more."""
    assert majority(positions((22, "for"), (12, "against")), one_vote_each(members(34)), TWO_THIRDS).passed is False
    assert majority(positions((23, "for"), (11, "against")), one_vote_each(members(34)), TWO_THIRDS).passed is True
    exactly = majority(positions((24, "for"), (12, "against")), one_vote_each(members(36)), TWO_THIRDS)
    assert exactly.passed is True
    assert exactly.statement.startswith("Passes: for 24 of 36 votes cast, at least 2/3 needed.")


# --- consent (sociocracy) ---------------------------------------------------------------------------


def test_consent_passes_when_nobody_objects_and_an_objection_with_its_reason_stops_it() -> None:
    """Sociocracy For All, "Consent decision making" (https://www.sociocracyforall.org/consent-decision-making/):
    instead of asking "do you agree?", the circle asks "do you object?"; if no one objects, there
    is consent. Co-Habitat Montréal, "Sociocracy" (http://cohabitatmontreal.com/philosophy/sociocracy/):
    a decision is taken only when no member present has an argued, paramount objection; an
    objection must always come with its argument. No numbers are published; the scenario is a
    circle of five the description decides."""
    circle = one_vote_each(["ana", "ben", "cleo", "dan", "eve"])
    no_objection = [PositionBallot(m, "consent") for m in ("ana", "ben", "cleo", "dan")]
    no_objection.append(PositionBallot("eve", "abstain"))
    assert consent(no_objection, circle).passed is True
    objection = [*no_objection[:4], PositionBallot("eve", "object", "the kitchen is not safe enough to try this")]
    result = consent(objection, circle)
    assert result.passed is False
    assert result.reasons == (("eve", "the kitchen is not safe enough to try this"),)
    with pytest.raises(VoteError, match="ballot of eve: to object needs a reason"):
        consent([*no_objection[:4], PositionBallot("eve", "object")], circle)


# --- consensus: blocks and stand-asides -------------------------------------------------------------


def test_consensus_goes_ahead_with_stand_asides_and_a_block_stops_it() -> None:
    """Gocoho, "Info on Stand-Asides and Blocks" (http://gocoho.org/boa/?id=agreement&num=122): a
    participant may block, stand aside or consent; someone standing aside cannot personally
    support the proposal but finds it acceptable for the group, and is named in the minutes; a
    block must be explained and, unless withdrawn, the decision does not go forward. Loomio,
    "What is a block" (https://blog.loomio.org/2012/03/20/what-is-a-block/): a "no" records
    concerns its author can live with, unlike a block. No numbers are published; the scenario
    is a group of eight the descriptions decide."""
    group = one_vote_each(["ana", "ben", "cleo", "dan", "eve", "fay", "gus", "hal"])
    ballots = [PositionBallot(m, "agree") for m in ("ana", "ben", "cleo", "dan", "eve")]
    ballots += [PositionBallot("fay", "stand aside", "I will not help run it"),
                PositionBallot("gus", "stand aside", "I am away that month"),
                PositionBallot("hal", "disagree", "it is too early")]
    goes_ahead = consensus(ballots, group)
    assert goes_ahead.passed is True
    assert dict(goes_ahead.counts) == {"agree": 5, "abstain": 0, "stand aside": 2, "disagree": 1, "block": 0}
    assert [member for member, _ in goes_ahead.reasons] == ["fay", "gus", "hal"]  # recorded by name
    blocked = consensus([*ballots[:7], PositionBallot("hal", "block", "it breaks our safety policy")], group)
    assert blocked.passed is False
    assert blocked.statement.startswith("Fails: blocked by hal (it breaks our safety policy).")
    with pytest.raises(VoteError, match="ballot of hal: to block needs a reason"):
        consensus([*ballots[:7], PositionBallot("hal", "block")], group)


# --- modified consensus: a supermajority overrides a block -------------------------------------------


def test_modified_consensus_nycga_ten_for_twelve_against_is_not_reached() -> None:
    """NYC General Assembly (Occupy Wall Street), live minutes of the General Assembly of 8 January
    2012 (http://www.nycga.net/2012/02/tweets-for-sun-08-jan-2012/): two blocks were raised on
    who would facilitate; the assembly moved to modified consensus (nine tenths of those voting,
    per occupywallst.org, "To Consense or Not To Consense?", http://occupywallst.org/article/consense-or-not-consense/);
    10 were counted for and 12 against, and the minutes record that modified consensus was not
    reached. The 12 against are the 2 blockers and 10 who disagreed."""
    present = one_vote_each(members(22))
    result = modified_consensus(positions((10, "agree"), (10, "disagree"), (2, "block")), present)
    assert result.passed is False
    assert dict(result.tallies) == {"agree": 10, "abstain": 0, "stand aside": 0, "disagree": 10, "block": 2}
    assert "agree 10 of 22 votes cast falls short of at least 9/10" in result.statement


def test_modified_consensus_ninety_percent_of_those_voting_overrides_a_block() -> None:
    """Occupy Minneapolis General Assembly, "New Consensus Process" adopted 14 January 2012
    (http://occupyglobe.org/occupyusa/minnesota/occupymn/occupy-minneapolis-general-assembly-passes-new-consensus-process/):
    when a block cannot be resolved, the facilitators count those who intend to vote, and if 90 %
    of them support the proposal it passes. No numbers are published; with 20 voting, 18 in
    support is 90 % and passes, 17 does not. Those standing aside do not vote."""
    assembly = one_vote_each(members(22))
    ninety = modified_consensus(positions((18, "agree"), (1, "disagree"), (1, "block"), (2, "stand aside")), assembly)
    assert ninety.passed is True
    assert "agree 18 of 20 votes cast meets at least 9/10" in ninety.statement
    short = modified_consensus(positions((17, "agree"), (2, "disagree"), (1, "block"), (2, "stand aside")), assembly)
    assert short.passed is False
    # The same ballots under plain consensus: the block stands.
    assert consensus(positions((18, "agree"), (1, "disagree"), (1, "block")), assembly).passed is False


# --- meeting-time poll ("if need be") -----------------------------------------------------------------


def test_meeting_time_counts_if_need_be_as_available_and_prefers_yes_at_a_tie() -> None:
    """Doodle Help Center, "How do I vote 'if-need-be' on a poll?"
    (https://help.doodle.com/hc/en-us/articles/360012150093-How-do-I-vote-if-need-be-on-a-poll-):
    "if-need-be" says a date is not the best but you could make it if you have to. Zou, Meir and
    Parkes, "Approval Voting Behavior in Doodle Polls" (Harvard DASH,
    https://dash.harvard.edu/entities/publication/73120379-2d6e-6bd4-e053-0100007fdf3b): a Doodle
    poll is approval voting over time slots, the slot with the most approvals being chosen.
    No worked numbers are published; in this poll of five, Tuesday and Wednesday each have four
    people able to come and Monday three, and of the two Tuesday has more who prefer it (2 yes
    to 1), so Tuesday is chosen."""
    slots = ("Mon 18:00", "Tue 18:00", "Wed 18:00")
    answers = {
        "ana": {"Mon 18:00": "yes", "Tue 18:00": "yes", "Wed 18:00": "if need be"},
        "ben": {"Mon 18:00": "yes", "Tue 18:00": "if need be", "Wed 18:00": "yes"},
        "cleo": {"Mon 18:00": "yes", "Tue 18:00": "yes", "Wed 18:00": "if need be"},
        "dan": {"Mon 18:00": "no", "Tue 18:00": "if need be", "Wed 18:00": "if need be"},
        "eve": {"Mon 18:00": "no", "Tue 18:00": "no"},  # Wednesday left out: no
    }
    result = meeting_time(slots, [SlotBallot(m, a) for m, a in answers.items()], one_vote_each(list(answers)))
    assert dict(result.tallies) == {"Mon 18:00": 3, "Tue 18:00": 4, "Wed 18:00": 4}
    assert dict(result.answers["Tue 18:00"]) == {"yes": 2, "if need be": 2, "no": 1}
    assert dict(result.answers["Wed 18:00"]) == {"yes": 1, "if need be": 3, "no": 1}
    assert (result.winner, result.leaders) == ("Tue 18:00", ("Tue 18:00",))
    assert result.statement.startswith("Tue 18:00 wins with 4 (2 yes, 2 if need be).")


# --- dot voting ----------------------------------------------------------------------------------------


def test_dot_voting_by_the_published_rule_of_thumb() -> None:
    """University of South Carolina, Organizational Excellence, facilitation resources, "Dot voting"
    (https://sc.edu/about/offices_and_divisions/organizational_excellence/resources/facilitation/dot_voting.php):
    each participant gets a set number of dots, as a rule of thumb one for every 4-5 options (10
    options: 2 or 3 dots); dots may all go on one option or be spread; the options with the most
    dots are the group's top preferences. Wikipedia, "Dot-voting", describes the same process.
    No facilitation guide found publishes a tally with numbers; the scenario is six people with
    3 dots each on 10 ideas, every dot placed, as the guide asks."""
    ideas = tuple(f"idea {n}" for n in range(1, 11))
    placed = {
        "ana": {"idea 4": 3},  # all on one
        "ben": {"idea 1": 1, "idea 4": 1, "idea 7": 1},
        "cleo": {"idea 7": 2, "idea 2": 1},
        "dan": {"idea 7": 1, "idea 9": 2},
        "eve": {"idea 2": 2, "idea 10": 1},
        "fay": {"idea 7": 2, "idea 9": 1},
    }
    result = dots(ideas, [DotBallot(m, d) for m, d in placed.items()], one_vote_each(list(placed)), per_member=3)
    assert {idea: tally for idea, tally in result.tallies.items() if tally} == {
        "idea 1": 1, "idea 2": 3, "idea 4": 4, "idea 7": 6, "idea 9": 3, "idea 10": 1,
    }
    assert sum(result.tallies.values()) == 18  # 6 people × 3 dots
    assert (result.winner, result.leaders) == ("idea 7", ("idea 7",))
    with pytest.raises(VoteError, match="ballot of ana: 4 dots placed, 3 allowed"):
        dots(ideas, [DotBallot("ana", {"idea 4": 3, "idea 1": 1})], {"ana": 1}, per_member=3)


# --- participatory budgeting: greedy by support, skipping what does not fit ---------------------------

PARK_PROJECTS = (
    Project("bike path", 700),
    Project("outdoor gym", 400),
    Project("new park", 250),
    Project("new playground", 200),
    Project("library for kids", 100),
)


def equal_shares_example(eleventh: str) -> list[Approval]:
    """The eleven ballots of equalshares.net's Example 1, the eleventh voter approving `eleventh`
    (the bike path in Example 1, the outdoor gym in Example 2)."""
    columns = [
        {"bike path", "outdoor gym"},
        {"bike path", "outdoor gym", "new park"},
        {"bike path", "outdoor gym"},
        {"bike path", "outdoor gym", "new park"},
        {"bike path", "outdoor gym", "new park"},
        {"bike path", "outdoor gym"},
        {"new park", "new playground", "library for kids"},
        {"new playground"},
        {"new playground", "library for kids"},
        {"new park", "new playground", "library for kids"},
        {eleventh},
    ]
    return [Approval(frozenset(approved)) for approved in columns]


def test_budget_equal_shares_example_1_the_standard_method_funds_bike_path_and_gym() -> None:
    """Method of Equal Shares, "Explanation", Example 1 (https://equalshares.net/explanation#example;
    source docs/explanation.mdx in github.com/equalshares/equalshares.net). Budget 1100, 11 voters,
    5 projects: bike path 700 (7 votes), outdoor gym 400 (6), new park 250 (5), new playground
    200 (4), library for kids 100 (3). The simple method most cities use goes through the projects
    in order of votes and selects the bike path, then the outdoor gym, then stops because the
    budget is exhausted."""
    result = allocate(1100, PARK_PROJECTS, equal_shares_example("bike path"))
    assert result.selected == (
        Selected("bike path", F(7), D(700), D(700)),
        Selected("outdoor gym", F(6), D(400), D(1100)),
    )
    assert result.skipped == (
        Skipped("new park", F(5), D(250), Skip.DOES_NOT_FIT, D(0)),
        Skipped("new playground", F(4), D(200), Skip.DOES_NOT_FIT, D(0)),
        Skipped("library for kids", F(3), D(100), Skip.DOES_NOT_FIT, D(0)),
    )
    assert (result.spent, result.unspent, result.failure) == (D(1100), D(0), None)


def test_budget_the_standard_method_funds_the_most_popular_projects_that_fit() -> None:
    """Method of Equal Shares, "Comparison with other voting systems"
    (https://equalshares.net/benefits/comparisons, source docs/benefits/comparisons.mdx): the
    standard method ("utilitarian greedy") selects all of the most popular projects, provided they
    fit in the budget limit. That rule, applied by us (the site publishes no greedy result for these two cases):
    - to the ballots of its Example 2 (the eleventh voter approves the gym instead of the bike
      path): gym 400 (7 votes), then bike path 700 (6) fit exactly, 1100;
    - to Example 1's ballots with our budget of 1000 instead of 1100: the bike path fits (300
      left), the gym (400) does not and is skipped, the new park (250) fits (50 left), and the
      playground (200) and library (100) do not."""
    example_2 = allocate(1100, PARK_PROJECTS, equal_shares_example("outdoor gym"))
    assert [s.project for s in example_2.selected] == ["outdoor gym", "bike path"]
    assert example_2.spent == D(1100)
    smaller = allocate(1000, PARK_PROJECTS, equal_shares_example("bike path"))
    assert [(s.project, s.total) for s in smaller.selected] == [("bike path", D(700)), ("new park", D(950))]
    assert [(s.project, s.reason, s.remaining) for s in smaller.skipped] == [
        ("outdoor gym", Skip.DOES_NOT_FIT, D(300)),
        ("new playground", Skip.DOES_NOT_FIT, D(50)),
        ("library for kids", Skip.DOES_NOT_FIT, D(50)),
    ]
    assert (smaller.spent, smaller.unspent) == (D(950), D(50))


# --- quadratic voting ---------------------------------------------------------------------------------


def test_quadratic_votes_cost_the_square_so_each_extra_vote_costs_more() -> None:
    """Wikipedia, "Quadratic voting" (https://en.wikipedia.org/wiki/Quadratic_voting, read at the
    Kiwix mirror https://wiki.camac.ltd/content/wikipedia_en_all_mini_2026-03/Quadratic_voting):
    adding 3 votes requires allocating 9 credits; going from 2 votes to 3 takes 5 more credits,
    from 3 to 4 takes 7 more."""
    assert quadratic_votes({"proposal": 3}, credits=9) == {"proposal": 3}
    with pytest.raises(VoteError, match="proposal 3 votes cost 9 credits, 8 available"):
        quadratic_votes({"proposal": 3}, credits=8)
    assert quadratic_votes({"proposal": 2}, credits=4) == {"proposal": 2}
    with pytest.raises(VoteError, match="cost 9 credits, 8 available"):  # 2 → 3 needs 4 + 5
        quadratic_votes({"proposal": 3}, credits=4 + 4)
    assert quadratic_votes({"proposal": 4}, credits=9 + 7) == {"proposal": 4}
    with pytest.raises(VoteError, match="cost 16 credits, 15 available"):  # 3 → 4 needs 9 + 7
        quadratic_votes({"proposal": 4}, credits=9 + 6)


def test_quadratic_votes_let_seven_indifferent_voters_outvote_three_die_hards() -> None:
    """Patrick Carleton, "Quadratic Voting", Observable notebook (https://observablehq.com/@pcarleton/quadratic-voting):
    each vote costs the square of the number of votes. Ten voters with 100 tokens each: 3 die-hards
    for candidate T cast 10 votes each on T (100 tokens), so T has 30 votes; 7 voters indifferent
    among A, B, C and D cast 5 votes on each (4 × 25 = 100 tokens), so each of them has 35 votes,
    easily beating T. With 100 credits nobody can cast an 11th vote on one candidate."""
    die_hards = [quadratic_votes({"T": 10}, credits=100) for _ in range(3)]
    indifferent = [quadratic_votes(dict.fromkeys("ABCD", 5), credits=100) for _ in range(7)]
    totals: Counter[str] = Counter()
    for votes in die_hards + indifferent:
        totals.update(votes)
    assert dict(totals) == {"T": 30, "A": 35, "B": 35, "C": 35, "D": 35}
    with pytest.raises(VoteError, match="T 11 votes cost 121 credits, 100 available"):
        quadratic_votes({"T": 11}, credits=100)
    with pytest.raises(VoteError, match="cost 111 credits, 100 available"):  # a 6th vote on D costs 11 more
        quadratic_votes({"A": 5, "B": 5, "C": 5, "D": 6}, credits=100)
