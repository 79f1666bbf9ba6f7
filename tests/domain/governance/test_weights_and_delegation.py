"""Vote weights as the charter sets them, liquid delegation through the log, budgets and ranked
choice on proposals: each proven on the state the events build."""

from __future__ import annotations

import json
from fractions import Fraction

from assembly_story import Assembly
from hypothesis import given, settings
from hypothesis import strategies as st
from story import person

from multitude.domain import TABLES, State
from multitude.domain.accounting.quantities import day_of
from multitude.domain.governance.count import Delegates, count, delegate_in_force
from multitude.domain.governance.delegation import Stop
from multitude.projection.tables import TrackedTable, grouped_by

ana, ben, cy, dee, eve = person("ana"), person("ben"), person("cy"), person("dee"), person("eve")
PEOPLE = (ana, ben, cy, dee, eve)


def network(assembly: dict[str, object] | None = None, roles: tuple[str, ...] = ()) -> tuple[Assembly, str]:
    s = Assembly()
    for key, name in zip(PEOPLE, ("Ana", "Ben", "Cy", "Dee", "Eve"), strict=True):
        s.profile(key, name)
    net = s.assembly(ana, "Camp", assembly, roles=roles)
    for key in PEOPLE[1:]:
        s.join(key, net)
    return s, net


def tally(s: Assembly, proposal: str):  # type: ignore[no-untyped-def]
    state, _ = s.state()
    row = state.proposals[(proposal,)]
    return count(state, row, day_of(row.closes))


def test_weights_by_role_take_the_highest_role_and_one_without() -> None:
    s, net = network({"weights": "role", "role_weights": {"custodian": 3, "cook": 2, "facilitator": 0}},
                     roles=("cook",))
    s.grant(ana, net, ben.public, "cook")
    s.grant(ana, net, cy.public, "facilitator")
    p = s.propose(ben, net, "majority", rule={"method": "majority"}).id
    s.vote(ana, net, p, position="for")  # 3
    s.vote(ben, net, p, position="against")  # 2
    s.vote(cy, net, p, position="against")  # 0
    s.vote(dee, net, p, position="against")  # 1
    result = tally(s, p)
    assert result.detail.tallies["for"] == 3 and result.detail.tallies["against"] == 3
    assert result.passed is False  # 3 is not more than half of 6
    assert result.participation.eligible_weight == 3 + 2 + 0 + 1 + 1


def test_weights_by_share_follow_the_value_equation_exactly() -> None:
    s, net = network({"weights": "share"})
    s.adopt(ana, net, 'name = "t"\nversion = 1\n[[bucket]]\nname = "w"\npercent = 100\nmode = "straight"\n'
                      '  [[bucket.rule]]\n  value = "hours"\n')
    s.work(ben, net, "1")
    s.work(cy, net, "2")
    p = s.propose(ben, net, "majority", rule={"method": "majority"}).id
    s.vote(ben, net, p, position="for")
    s.vote(cy, net, p, position="against")
    result = tally(s, p)
    assert dict(result.detail.tallies) == {"for": Fraction(1, 3), "against": Fraction(2, 3), "abstain": 0}
    assert result.passed is False


def test_quadratic_votes_weigh_their_number_and_cost_their_square() -> None:
    s, net = network({"weights": "quadratic", "credits": 16})
    p = s.propose(ben, net, "majority", rule={"method": "majority"}).id
    s.vote(ben, net, p, position="for", votes=4)  # 16 credits
    s.vote(cy, net, p, position="against", votes=2)
    s.vote(dee, net, p, position="against", votes=1)
    too_many = s.vote(eve, net, p, position="against", votes=5)
    _, statuses = s.state()
    assert statuses[too_many.id] == "rejected: 5 votes cost 25 credits, 16 available"
    result = tally(s, p)
    assert result.detail.tallies["for"] == 4 and result.detail.tallies["against"] == 3 and result.passed
    s.delegate(ana, net, ben)  # credits are never delegated
    state, _ = s.state()
    assert delegate_in_force(state, state.proposals[(p,)], ana.public) is None
    assert tally(s, p).resolution.routes[ana.public].delegate is None


def test_delegation_is_transitive_and_a_direct_vote_overrides_it() -> None:
    """Eve → Dee → Cy; Cy votes for, and so casts three weights; Dee then votes against herself,
    so her own and Eve's weight go against, and Cy's back to one."""
    s, net = network()
    s.delegate(eve, net, dee)
    s.delegate(dee, net, cy)
    p = s.propose(ben, net, "majority", rule={"method": "majority"}).id
    s.vote(cy, net, p, position="for")
    chained = tally(s, p)
    assert chained.resolution.cast[cy.public] == 3
    assert chained.resolution.path(eve.public) == (eve.public, dee.public, cy.public)
    s.vote(dee, net, p, position="against")  # a delegate who votes after the delegator
    overridden = tally(s, p)
    assert overridden.resolution.cast == {cy.public: 1, dee.public: 2}
    assert overridden.detail.tallies["against"] == 2


def test_a_cycle_with_no_direct_voter_casts_nothing() -> None:
    s, net = network()
    s.delegate(ben, net, cy)
    s.delegate(cy, net, ben)
    p = s.propose(ana, net, "majority", rule={"method": "majority"}).id
    s.vote(ana, net, p, position="for")
    result = tally(s, p)
    assert result.resolution.routes[ben.public].stop is Stop.CYCLE
    assert result.resolution.cast == {ana.public: 1}


def test_a_delegate_who_leaves_voids_the_delegation_and_a_topic_delegate_comes_first() -> None:
    s, net = network()
    s.delegate(eve, net, dee)
    s.delegate(eve, net, cy, topic="kitchen")
    kitchen = s.propose(ana, net, "majority", rule={"method": "majority"}, topic="kitchen").id
    general = s.propose(ana, net, "majority", rule={"method": "majority"}).id
    for p in (kitchen, general):
        s.vote(cy, net, p, position="for")
        s.vote(dee, net, p, position="against")
    assert tally(s, kitchen).resolution.cast == {cy.public: 2, dee.public: 1}
    assert tally(s, general).resolution.cast == {cy.public: 1, dee.public: 2}
    state, _ = s.state()
    for tables in (state, on_tracked_tables(state)):
        assert dict(Delegates(tables, net, "kitchen")) == {eve.public: cy.public}
        assert dict(Delegates(tables, net, None)) == dict(Delegates(tables, net, "garden")) == {eve.public: dee.public}
        assert Delegates(tables, net, "kitchen").get(ana.public) is None and len(Delegates(tables, net, None)) == 1
    state, _ = s.state()
    kitchen_row, general_row = state.proposals[(kitchen,)], state.proposals[(general,)]
    assert (delegate_in_force(state, kitchen_row, eve.public), delegate_in_force(state, general_row, eve.public),
            delegate_in_force(state, general_row, ana.public)) == (cy.public, dee.public, None)
    s.sign(dee, "membership.left", net, member=dee.public)
    state, _ = s.state()
    assert delegate_in_force(state, general_row, eve.public) is None  # void: what the count does with it
    after = tally(s, general)
    assert after.resolution.cast == {cy.public: 1}
    assert after.resolution.routes[eve.public].stop is Stop.NOT_ELIGIBLE
    assert dee.public in after.resolution.ignored  # her vote no longer counts either


def test_delegations_are_refused_to_oneself_and_to_non_members_and_are_revocable() -> None:
    s, net = network()
    outsider = person("outsider")
    self_ = s.delegate(ben, net, ben)
    stranger = s.delegate(ben, net, outsider)
    s.delegate(ben, net, cy)
    revoked = s.sign(ben, "delegation.revoked", net)
    nothing = s.sign(ben, "delegation.revoked", net, topic="kitchen")
    state, statuses = s.state()
    assert statuses[self_.id] == "rejected: a member cannot delegate to themselves"
    assert statuses[stranger.id] == f"rejected: {outsider.public[:12]} is not a member, so cannot receive a delegation"
    assert statuses[revoked.id] == "applied"
    assert statuses[nothing.id] == "rejected: no delegation on kitchen to revoke"
    assert not state.delegations


def on_tracked_tables(state: State) -> State:
    """The same state in the tables a node folds into (grouped as the node groups them), so that a
    count reads them through their grouping rather than by a scan."""
    return State(**{table.name: TrackedTable(getattr(state, table.name).items(), grouped=grouped_by(table))
                    for table in TABLES})


@settings(max_examples=40, deadline=None)
@given(edges=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=8),
       voters=st.sets(st.integers(0, 4)), leaver=st.sampled_from((None, 1, 2, 3, 4)))
def test_delegation_never_counts_a_voter_twice_and_conserves_weight(edges: list[tuple[int, int]],
                                                                    voters: set[int], leaver: int | None) -> None:
    s, net = network()
    for source, target in edges:
        if source != target:
            s.delegate(PEOPLE[source], net, PEOPLE[target])
    p = s.propose(ana, net, "majority", rule={"method": "majority"}).id
    for voter in sorted(voters):
        s.vote(PEOPLE[voter], net, p, position="for")
    if leaver is not None:  # leaving takes one's weight and voids the delegations to oneself
        s.sign(PEOPLE[leaver], "membership.left", net, member=PEOPLE[leaver].public)
        voters = voters - {leaver}
    result = tally(s, p)
    state, _ = s.state()
    row = state.proposals[(p,)]
    tracked = count(on_tracked_tables(state), row, day_of(row.closes))
    assert (tracked.passed, tracked.statement, tracked.digest, tracked.participation, dict(tracked.resolution.routes)) \
        == (result.passed, result.statement, result.digest, result.participation, dict(result.resolution.routes))
    resolution = result.resolution
    assert resolution.cast_weight + resolution.uncast_weight == resolution.total_weight == (5 if leaver is None else 4)
    assert sorted(resolution.routes) == sorted(k.public for number, k in enumerate(PEOPLE) if number != leaver)
    assert result.detail.tallies["for"] == resolution.cast_weight
    for member, route in resolution.routes.items():
        if route.voter is not None:
            assert route.voter in {PEOPLE[v].public for v in voters}
            if member in {PEOPLE[v].public for v in voters}:
                assert route.voter == member


def test_a_budget_round_skips_what_does_not_fit_and_records_the_spending() -> None:
    s, net = network()
    projects = [{"id": "kitchen", "title": "Kitchen tent", "cost": "600"},
                {"id": "solar", "title": "Solar panels", "cost": "500"},
                {"id": "water", "title": "Water tank", "cost": "300"}]
    p = s.propose(ana, net, "budget", projects=projects, budget="1000", currency="EUR").id
    s.vote(ana, net, p, approve=["kitchen", "solar"])
    s.vote(ben, net, p, approve=["kitchen", "solar"])
    s.vote(cy, net, p, approve=["kitchen", "water"])
    unknown = s.vote(dee, net, p, approve=["pool"])
    s.wait()
    s.close(ana, net, p)
    state, statuses = s.state()
    assert statuses[unknown.id] == "rejected: 'pool' is not a project of this budget"
    row = state.proposals[(p,)]
    assert json.loads(row.result) == ["kitchen", "water"]  # solar (500) does not fit after kitchen (600)
    assert "solar: does not fit" in row.statement
    assert sorted((r.purpose, r.amount) for r in state.spendings.values()) == [("Kitchen tent", "600"),
                                                                               ("Water tank", "300")]


def test_a_ranked_proposal_elects_the_schulze_winner_of_the_published_example() -> None:
    """The 45-voter example of Schulze's method (Wikipedia, "Schulze method"): E wins. Five voters
    rank by group; members are the voters, so each ballot is a member's."""
    groups = [(5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"), (7, "CAEBD"), (2, "CBADE"), (7, "DCEBA"),
              (8, "EBADC")]
    s = Assembly()
    founder = person("voter 0")
    net = s.assembly(founder, "Poll")
    voters = [person(f"voter {i}") for i in range(45)]
    for key in voters[1:]:
        s.join(key, net)
    p = s.propose(founder, net, "schulze", options=list("ABCDE"), minutes=60).id
    it = iter(voters)
    for weight, ranking in groups:
        for _ in range(weight):
            s.vote(next(it), net, p, ranking=list(ranking))
    s.wait()
    s.close(founder, net, p)
    state, statuses = s.state()
    assert set(statuses.values()) == {"applied"}
    row = state.proposals[(p,)]
    assert json.loads(row.result) == ["E"] and row.statement.startswith("E wins by Schulze; ranking E, A, C, B, D")


def test_a_budget_that_could_never_be_counted_is_refused_when_opened() -> None:
    s, net = network()
    kitchen = [{"id": "kitchen", "title": "Kitchen tent", "cost": "600"}]
    too_wide = s.propose(ana, net, "budget", projects=kitchen, budget="1000", currency="EUR", max_spend="2000")
    contradicting = s.propose(ana, net, "budget", projects=kitchen, budget="1000", currency="EUR",
                              min_spend="800", max_spend="500")
    cents = s.propose(ana, net, "budget", projects=[{"id": "rope", "title": "Rope", "cost": "9.999"}],
                      budget="1000", currency="EUR")
    dollars = s.propose(ana, net, "budget", projects=kitchen, budget="1000", currency="USD")
    state, statuses = s.state()
    assert statuses[too_wide.id] == "rejected: maximum spend 2000 is more than the budget 1000"
    assert statuses[contradicting.id] == "rejected: minimum spend 800 is more than the round may spend (500)"
    assert statuses[cents.id] == "rejected: project rope: 9.999 EUR has more than 2 decimals"
    assert statuses[dollars.id].startswith("rejected: the network does not use the currency USD")
    assert not state.proposals
