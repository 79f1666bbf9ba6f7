"""Contributions and their validation as short stories: what the schema refuses outright, what
the fold stores but rejects (with the reason a member reads), and what each rejection leaves
untouched in the accounting tables."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from story import Ledger, fold, payouts, person

from multitude.domain import InvalidBody, State, validate_body
from multitude.domain.accounting.bodies import MAX_HOURS
from multitude.domain.accounting.distribution import equation_in_force, split_income
from multitude.ledger import Event
from multitude.ledger.event import event_time

ana, ben, cleo, dan, eve = (person(n) for n in ("ana", "ben", "cleo", "dan", "eve"))
A, B, C, D, E = ana.public, ben.public, cleo.public, dan.public, eve.public

SOME_NETWORK = "a" * 64
SOME_RESOURCE = "b" * 64
SOME_PROCESS = "c" * 64
NOWHERE = "f" * 64  # an id no event has

HOURS = """
name = "Hours"
[[bucket]]
name = "hours"
percent = 100
  [[bucket.rule]]
  value = "hours"
"""

ACCOUNTING = ("contributions", "verdicts", "resources", "processes", "equations", "incomes", "distributions",
              "payouts", "claims")


def lab_story(**camp: Any) -> tuple[Ledger, str]:
    """ana founds the Lab (and is its custodian); ben, cleo and dan join. eve stays outside."""
    story = Ledger()
    lab = story.camp(ana, "Lab", **camp)
    for key in (ben, cleo, dan):
        story.join(key, lab)
    return story, lab


def accounts(events: list[Event]) -> dict[str, dict[Any, Any]]:
    """The accounting tables after folding `events`."""
    state, _ = fold(events)
    return {name: dict(state.table(name)) for name in ACCOUNTING}


def without(story: Ledger, event_id: str) -> list[Event]:
    return [event for event in story.events if event.id != event_id]


def rejected(story: Ledger, event_id: str) -> tuple[State, str]:
    """Fold the story; `event_id` must be stored but rejected, every other event applied, and the
    accounting tables exactly what they are without it. Returns the state and the reason."""
    state, statuses = fold(story.events)
    status = statuses[event_id]
    assert status.startswith("rejected: "), status
    others = {id_: s for id_, s in statuses.items() if id_ != event_id}
    assert set(others.values()) == {"applied"}, others
    assert accounts(story.events) == accounts(without(story, event_id))
    return state, status.removeprefix("rejected: ")


def status_of(state: State, network: str, contribution: str) -> str:
    return state.contributions[(network, contribution)].status


def verdict(story: Ledger, key: Any, kind: str, network: str, contribution: str, reason: str = "") -> str:
    """kind: validated | flagged | retracted."""
    extra: dict[str, Any] = {"reason": reason} if reason else {}
    return story.sign(key, f"contribution.{kind}", network, contribution=contribution, **extra).id


# --- the schema: bodies refused before they reach the fold --------------------------------------------------


def refusal(type_name: str, **fields: Any) -> InvalidBody:
    with pytest.raises(InvalidBody) as caught:
        validate_body(type_name, {"v": 1, **fields}, SOME_NETWORK)
    return caught.value


@pytest.mark.parametrize(
    ("fields", "field", "problem"),
    [
        ({"action": "work"}, "body", "a work contribution needs hours"),
        ({"action": "deliverService", "skill": "cooking"}, "body", "a deliverService contribution needs hours"),
        ({"action": "use", "hours": "2"}, "body", "a use contribution needs resource"),
        ({"action": "consume", "resource": SOME_RESOURCE}, "body", "a consume contribution needs quantity"),
        ({"action": "cite", "resource": SOME_RESOURCE, "quantity": "5", "percent": "10", "process": SOME_PROCESS},
         "body", "a citation gives either quantity (the value cited) or percent, not both"),
        ({"action": "cite", "resource": SOME_RESOURCE}, "body",
         "a citation gives either quantity (the value cited) or percent, not both"),
        ({"action": "cite", "resource": SOME_RESOURCE, "percent": "100.5", "process": SOME_PROCESS},
         "body", "percent must be more than 0 and at most 100"),
        ({"action": "cite", "resource": SOME_RESOURCE, "percent": "0", "process": SOME_PROCESS},
         "body", "percent must be more than 0 and at most 100"),
        ({"action": "cite", "resource": SOME_RESOURCE, "percent": "10"},
         "body", "a citation by percent names the process it went into"),
        ({"action": "work", "hours": "0"}, "body", f"hours must be more than 0 and at most {MAX_HOURS}"),
        ({"action": "work", "hours": "1001"}, "body", "hours must be more than 0 and at most 1000 in one contribution"),
        ({"action": "work", "hours": "-1"}, "body.hours", "String should match pattern"),
        ({"action": "work", "hours": "1.50"}, "body.hours", "String should match pattern"),
        ({"action": "work", "hours": "01"}, "body.hours", "String should match pattern"),
        ({"action": "work", "hours": 1.5}, "body.hours", "Input should be a valid string"),
        ({"action": "work", "hours": 2}, "body.hours", "Input should be a valid string"),
        ({"action": "transfer", "amount": "50"}, "body", "a transfer contribution needs currency"),
        ({"action": "transfer", "amount": "0", "currency": "EUR"}, "body", "amount must be more than 0"),
        ({"action": "transfer", "amount": "50", "currency": "eur"}, "body.currency", "String should match pattern"),
        ({"action": "work", "hours": "2", "quantity": "3"}, "body", "a work contribution has no quantity"),
        ({"action": "transfer", "amount": "5", "currency": "EUR", "hours": "1"}, "body",
         "a transfer contribution has no hours"),
        ({"action": "teach", "hours": "1"}, "body.action", "Input should be 'work', 'use', 'consume', 'cite'"),
        ({"action": "work", "hours": "1", "tags": ["sensors", "sensors"]}, "body", "tags must not repeat"),
        ({"action": "work", "hours": "1", "tags": ["Sensors"]}, "body.tags.0", "String should match pattern"),
        ({"action": "work", "hours": "1", "paid": True}, "body.paid", "Extra inputs are not permitted"),
    ],
    ids=lambda value: None if isinstance(value, dict) else str(value)[:30],
)
def test_the_schema_refuses_a_contribution_that_does_not_fit_its_action(
    fields: dict[str, Any], field: str, problem: str
) -> None:
    error = refusal("contribution.logged", **fields)
    assert error.field == field
    assert problem in error.problem
    assert str(error).startswith(f"{field}: ")


@pytest.mark.parametrize(
    "fields",
    [
        {"action": "work", "hours": "1000"},  # MAX_HOURS itself is allowed
        {"action": "work", "hours": "0.25", "rate": "20", "skill": "design", "tags": ["sensors", "kitchen"]},
        {"action": "use", "resource": SOME_RESOURCE, "hours": "3"},
        {"action": "cite", "resource": SOME_RESOURCE, "percent": "100", "process": SOME_PROCESS},
        {"action": "cite", "resource": SOME_RESOURCE, "quantity": "40"},
        {"action": "transfer", "amount": "12.5", "currency": "EUR"},
    ],
)
def test_the_schema_accepts_the_boundaries(fields: dict[str, Any]) -> None:
    assert validate_body("contribution.logged", {"v": 1, **fields}, SOME_NETWORK).action == fields["action"]


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "2026-00-10"])
def test_the_schema_refuses_a_happened_day_that_is_not_a_date(day: str) -> None:
    error = refusal("contribution.logged", action="work", hours="1", happened=day)
    assert error.field == "body.happened"


def test_an_impossible_happened_day_never_crashes_a_distribution() -> None:
    """Whatever a member writes in `happened`, folding a distribution gives a status, never an
    exception: either the body is refused at the door or the fold judges the distribution."""
    story, lab = lab_story()
    story.work(ben, lab, "2")
    story.work(cleo, lab, "2", happened="2026-02-30")
    story.adopt(ana, lab, """
name = "Recent work"
[[bucket]]
name = "recent"
percent = 100
  [[bucket.rule]]
  value = "hours * max(1, 100 - days_ago)"
""")
    income = story.income(ana, lab, "100")

    def admitted(event: Event) -> bool:
        try:
            validate_body(event.type, event.body, event.network)
        except InvalidBody:
            return False
        return True

    equation = next(key[1] for key in fold([e for e in story.events if admitted(e)])[0].equations)
    signed = story.sign(ana, "distribution.recorded", lab, income=income, equation=equation,
                        contributions="0" * 64, result="0" * 64)
    _, statuses = fold([event for event in story.events if admitted(event)])
    assert statuses[signed.id].startswith(("applied", "rejected: "))


def test_a_flag_or_a_retraction_needs_a_reason_and_an_approval_does_not() -> None:
    for kind in ("contribution.flagged", "contribution.retracted"):
        assert refusal(kind, contribution=SOME_RESOURCE).field == "body.reason"
        assert refusal(kind, contribution=SOME_RESOURCE, reason="").problem == "String should have at least 1 character"
    assert validate_body("contribution.validated", {"v": 1, "contribution": SOME_RESOURCE}, SOME_NETWORK)


def test_an_income_of_nothing_is_refused() -> None:
    error = refusal("income.recorded", amount="0", currency="EUR", source="sales")
    assert (error.field, error.problem) == ("body", "amount must be more than 0")


# --- membership ----------------------------------------------------------------------------------------------


def test_a_contribution_from_outside_the_network_is_stored_but_rejected() -> None:
    story, lab = lab_story()
    honest = story.work(ben, lab, "3")
    stray = story.work(eve, lab, "5")
    state, reason = rejected(story, stray)
    assert reason == "only a member of the network may log contributions to it"
    assert list(state.contributions) == [(lab, honest)]
    before, _ = fold(without(story, stray))
    assert dict(state.contributions) == dict(before.contributions)


# --- validation policies -------------------------------------------------------------------------------------


def test_with_no_validation_a_contribution_counts_at_once() -> None:
    story, lab = lab_story()  # the default policy: none
    hours = story.work(ben, lab, "3")
    story.adopt(ana, lab, HOURS)
    distribution = story.distribute(ana, lab, story.income(ana, lab, "60"))
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    assert status_of(state, lab, hours) == "validated"
    assert payouts(state, distribution.id) == {B: "60.00"}


def test_two_peers_must_approve_and_a_red_flag_stops_the_count_until_lifted() -> None:
    story, lab = lab_story(validation={"policy": "peers", "approvals": 2})
    bens = story.work(ben, lab, "4")
    cleos = story.work(cleo, lab, "1")
    story.adopt(ana, lab, HOURS)

    verdict(story, cleo, "validated", lab, bens)
    state, _ = fold(story.events)
    row = state.contributions[(lab, bens)]
    assert (row.status, row.approvals, row.flags) == ("pending", 1, 0)

    verdict(story, dan, "validated", lab, bens)
    verdict(story, ben, "validated", lab, cleos)
    verdict(story, dan, "validated", lab, cleos)
    state, _ = fold(story.events)
    row = state.contributions[(lab, bens)]
    assert (row.status, row.approvals, row.flags) == ("validated", 2, 0)
    assert status_of(state, lab, cleos) == "validated"
    both = story.distribute(ana, lab, story.income(ana, lab, "100"))

    verdict(story, ana, "flagged", lab, bens, reason="4 hours? the lab was closed that day")
    state, _ = fold(story.events)
    row = state.contributions[(lab, bens)]
    assert (row.status, row.approvals, row.flags) == ("flagged", 2, 1)
    assert state.verdicts[(lab, bens, A)].reason == "4 hours? the lab was closed that day"
    cleo_only = story.distribute(ana, lab, story.income(ana, lab, "100"))

    verdict(story, ana, "validated", lab, bens)  # ana checked again: her approval replaces her flag
    state, _ = fold(story.events)
    row = state.contributions[(lab, bens)]
    assert (row.status, row.approvals, row.flags) == ("validated", 3, 0)
    assert state.verdicts[(lab, bens, A)].verdict == "approved"
    again = story.distribute(ana, lab, story.income(ana, lab, "100"))

    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    assert payouts(state, both.id) == dict(sorted({B: "80.00", C: "20.00"}.items()))
    assert payouts(state, cleo_only.id) == {C: "100.00"}
    assert payouts(state, again.id) == dict(sorted({B: "80.00", C: "20.00"}.items()))


def test_a_pending_contribution_does_not_count() -> None:
    story, lab = lab_story(validation={"policy": "peers", "approvals": 2})
    story.work(ben, lab, "4")  # nobody approved it
    cleos = story.work(cleo, lab, "1")
    verdict(story, ben, "validated", lab, cleos)
    verdict(story, dan, "validated", lab, cleos)
    story.adopt(ana, lab, HOURS)
    distribution = story.distribute(ana, lab, story.income(ana, lab, "100"))
    state, _ = fold(story.events)
    assert payouts(state, distribution.id) == {C: "100.00"}


def test_under_a_role_policy_only_holders_of_the_role_approve() -> None:
    story, lab = lab_story(validation={"policy": "role", "approvals": 1, "role": "steward"}, roles=["steward"])
    story.grant(ana, lab, D, "steward")
    bens = story.work(ben, lab, "2")
    by_cleo = verdict(story, cleo, "validated", lab, bens)
    state, reason = rejected(story, by_cleo)
    assert reason == "only holders of the steward role validate contributions here"
    assert status_of(state, lab, bens) == "pending"
    assert (lab, bens, C) not in state.verdicts

    verdict(story, dan, "validated", lab, bens)
    state, _ = fold(story.events)
    row = state.contributions[(lab, bens)]
    assert (row.status, row.approvals) == ("validated", 1)


def test_nobody_validates_or_flags_their_own_contribution() -> None:
    for kind, reason in (("validated", ""), ("flagged", "on second thought")):
        story, lab = lab_story(validation={"policy": "peers", "approvals": 1})
        bens = story.work(ben, lab, "2")
        own = verdict(story, ben, kind, lab, bens, reason=reason)
        state, why = rejected(story, own)
        assert why == "a contributor cannot validate or flag their own contribution"
        assert status_of(state, lab, bens) == "pending"


def test_approving_or_flagging_twice_is_rejected() -> None:
    for kind, reason in (("validated", ""), ("flagged", "no receipt")):
        story, lab = lab_story(validation={"policy": "peers", "approvals": 2})
        bens = story.work(ben, lab, "2")
        verdict(story, cleo, kind, lab, bens, reason=reason)
        twice = verdict(story, cleo, kind, lab, bens, reason=reason)
        state, why = rejected(story, twice)
        assert why == f"already {'approved' if kind == 'validated' else 'flagged'} this contribution"
        row = state.contributions[(lab, bens)]
        assert (row.approvals, row.flags) == ((1, 0) if kind == "validated" else (0, 1))


def test_an_outsider_cannot_validate() -> None:
    story, lab = lab_story(validation={"policy": "peers", "approvals": 1})
    bens = story.work(ben, lab, "2")
    outsider = verdict(story, eve, "validated", lab, bens)
    state, reason = rejected(story, outsider)
    assert reason == "only a member of the network may validate or flag contributions"
    assert status_of(state, lab, bens) == "pending"


# --- corrections and retractions -----------------------------------------------------------------------------


def test_a_correction_replaces_the_original_and_only_the_corrected_hours_count() -> None:
    story, lab = lab_story()
    typo = story.work(ben, lab, "40")
    fixed = story.work(ben, lab, "4", corrects=typo)
    story.work(cleo, lab, "4")
    story.adopt(ana, lab, HOURS)
    distribution = story.distribute(ana, lab, story.income(ana, lab, "100"))
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    original = state.contributions[(lab, typo)]
    assert (original.status, original.event) == ("corrected", fixed)
    assert state.contributions[(lab, fixed)].status == "validated"
    assert state.contributions[(lab, fixed)].hours == "4"
    assert payouts(state, distribution.id) == dict(sorted({B: "50.00", C: "50.00"}.items()))  # 4 : 4, not 40 : 4


def test_only_the_contributor_corrects_a_contribution() -> None:
    story, lab = lab_story()
    bens = story.work(ben, lab, "40")
    by_cleo = story.work(cleo, lab, "4", corrects=bens)
    state, reason = rejected(story, by_cleo)
    assert reason == "only the contributor may correct a contribution"
    assert status_of(state, lab, bens) == "validated"
    assert (lab, by_cleo) not in state.contributions


def test_a_retracted_or_corrected_contribution_cannot_be_corrected() -> None:
    story, lab = lab_story()
    bens = story.work(ben, lab, "3")
    verdict(story, ben, "retracted", lab, bens, reason="logged in the wrong network")
    late = story.work(ben, lab, "2", corrects=bens)
    state, reason = rejected(story, late)
    assert reason == f"contribution {bens[:12]} was already retracted"
    assert status_of(state, lab, bens) == "retracted"

    story, lab = lab_story()
    bens = story.work(ben, lab, "3")
    story.work(ben, lab, "2", corrects=bens)
    again = story.work(ben, lab, "1", corrects=bens)  # the correction is what stands; correct that
    state, reason = rejected(story, again)
    assert reason == f"contribution {bens[:12]} was already corrected"


def test_only_the_contributor_retracts_and_a_retracted_contribution_no_longer_counts() -> None:
    story, lab = lab_story()
    bens = story.work(ben, lab, "3")
    cleos = story.work(cleo, lab, "1")
    by_dan = verdict(story, dan, "retracted", lab, bens, reason="ben was not there")
    state, reason = rejected(story, by_dan)
    assert reason == "only the contributor may retract a contribution"
    assert status_of(state, lab, bens) == "validated"

    verdict(story, ben, "retracted", lab, bens, reason="counted twice")
    story.adopt(ana, lab, HOURS)
    distribution = story.distribute(ana, lab, story.income(ana, lab, "10"))
    state, statuses = fold(story.events)
    assert statuses[by_dan].startswith("rejected: ")
    assert status_of(state, lab, bens) == "retracted"
    assert status_of(state, lab, cleos) == "validated"
    assert payouts(state, distribution.id) == {C: "10.00"}


def test_a_retracted_contribution_takes_no_more_verdicts() -> None:
    story, lab = lab_story(validation={"policy": "peers", "approvals": 1})
    bens = story.work(ben, lab, "3")
    verdict(story, ben, "retracted", lab, bens, reason="duplicate")
    late = verdict(story, cleo, "validated", lab, bens)
    state, reason = rejected(story, late)
    assert reason == f"contribution {bens[:12]} was retracted"
    assert status_of(state, lab, bens) == "retracted"


# --- resources -----------------------------------------------------------------------------------------------


def test_using_a_resource_of_another_network_is_rejected() -> None:
    story, lab = lab_story()
    kitchen = story.camp(cleo, "Kitchen")
    story.join(ben, kitchen)
    stove = story.sign(cleo, "resource.created", kitchen, name="Stove", spec="tool", value_per_unit_of_use="3",
                       contributed=True).id
    borrowed = story.give(ben, lab, "use", resource=stove, hours="2")
    state, reason = rejected(story, borrowed)
    assert reason == f"resource {stove[:12]} is not a resource of this network"
    assert (lab, borrowed) not in state.contributions


def test_a_resource_is_funded_only_by_transfers_of_money() -> None:
    story, lab = lab_story()
    hours = story.work(ben, lab, "5", rate="10")
    bought = story.sign(ana, "resource.created", lab, name="Solder", spec="material", funded_by=[hours]).id
    state, reason = rejected(story, bought)
    assert reason == f"{hours[:12]} is not a transfer of money to this network"
    assert (bought,) not in state.resources


def test_a_contribution_naming_an_unknown_resource_waits_for_it() -> None:
    story, lab = lab_story()
    story.work(ben, lab, "1")
    waiting = story.give(ben, lab, "use", resource=NOWHERE, hours="2")
    state, statuses = fold(story.events)
    assert statuses[waiting].startswith("pending")
    assert statuses[waiting] == f"pending: {NOWHERE}"
    assert (lab, waiting) not in state.contributions
    assert accounts(story.events) == accounts(without(story, waiting))


# --- incomes -------------------------------------------------------------------------------------------------


def test_an_income_in_a_currency_the_network_does_not_use_is_rejected() -> None:
    story, lab = lab_story(currencies=("EUR", "JPY"))
    dollars = story.income(ana, lab, "100", "USD")
    state, reason = rejected(story, dollars)
    assert reason == "the network does not use the currency USD (it uses: EUR, JPY)"
    assert dict(state.incomes) == {}


def test_an_income_with_more_decimals_than_its_currency_is_rejected() -> None:
    story, lab = lab_story(currencies=("EUR", "JPY"))
    cents = story.income(ana, lab, "10.05")
    state, reason = rejected(story, story.income(ana, lab, "10.005"))
    assert reason == "EUR has 2 decimals; 10.005 has more"
    assert list(state.incomes) == [(cents,)]

    story, lab = lab_story(currencies=("EUR", "JPY"))
    _, reason = rejected(story, story.income(ana, lab, "100.5", "JPY"))
    assert reason == "JPY has 0 decimals; 100.5 has more"


def test_a_transfer_in_a_currency_the_network_does_not_use_is_rejected() -> None:
    story, lab = lab_story()
    _, reason = rejected(story, story.give(ben, lab, "transfer", amount="30", currency="USD"))
    assert reason == "the network does not use the currency USD (it uses: EUR)"

    story, lab = lab_story()
    _, reason = rejected(story, story.give(ben, lab, "transfer", amount="0.001", currency="EUR"))
    assert reason == "EUR has 2 decimals; 0.001 has more"


def test_only_a_custodian_records_income() -> None:
    story, lab = lab_story()
    state, reason = rejected(story, story.income(ben, lab, "100"))
    assert reason == "only a custodian of the network may record income"
    assert dict(state.incomes) == {}


# --- distributions -------------------------------------------------------------------------------------------


def funded_lab() -> tuple[Ledger, str, str]:
    """The Lab with ben's and cleo's hours, the Hours equation and an income of 100 to split."""
    story, lab = lab_story()
    story.work(ben, lab, "3")
    story.work(cleo, lab, "1")
    story.adopt(ana, lab, HOURS)
    return story, lab, story.income(ana, lab, "100")


def test_only_a_custodian_distributes() -> None:
    story, lab, income = funded_lab()
    attempt = story.distribute(ben, lab, income)
    state, reason = rejected(story, attempt.id)
    assert reason == "only a custodian of the network may distribute income"
    assert dict(state.payouts) == {}
    assert state.incomes[(income,)].distribution == ""


def test_an_income_is_distributed_once() -> None:
    story, lab, income = funded_lab()
    first = story.distribute(ana, lab, income)
    second = story.distribute(ana, lab, income)
    state, reason = rejected(story, second.id)
    assert reason == f"income {income[:12]} was already distributed by {first.id[:12]}"
    assert payouts(state, first.id) == dict(sorted({B: "75.00", C: "25.00"}.items()))
    assert payouts(state, second.id) == {}
    assert state.incomes[(income,)].distribution == first.id


def test_a_distribution_whose_result_was_altered_is_rejected_and_pays_nobody() -> None:
    story, lab, income = funded_lab()
    state, _ = fold(story.events)
    equation = equation_in_force(state, lab)
    assert equation is not None
    day = event_time(story.clock + timedelta(minutes=1))[:10]
    split = split_income(state, lab, Decimal("100"), 2, day)
    assert split.payouts() == {B: Decimal("75.00"), C: Decimal("25.00")}
    forged = story.sign(ana, "distribution.recorded", lab, income=income, equation=equation.equation,
                        contributions=split.contributions_digest, result="0" * 64)
    state, reason = rejected(story, forged.id)
    assert reason == "recomputing the split gives a different result from the one the distribution names"
    assert dict(state.payouts) == {}
    assert dict(state.distributions) == {}
    assert dict(state.claims) == {}
    assert state.incomes[(income,)].distribution == ""

    honest = story.distribute(ana, lab, income)  # the income is still there to be split
    state, statuses = fold(story.events)
    assert statuses[honest.id] == "applied"
    assert payouts(state, honest.id) == dict(sorted({B: "75.00", C: "25.00"}.items()))


def test_a_distribution_whose_contributions_digest_differs_is_rejected() -> None:
    story, lab, income = funded_lab()
    state, _ = fold(story.events)
    equation = equation_in_force(state, lab)
    assert equation is not None
    day = event_time(story.clock + timedelta(minutes=1))[:10]
    split = split_income(state, lab, Decimal("100"), 2, day)
    forged = story.sign(ana, "distribution.recorded", lab, income=income, equation=equation.equation,
                        contributions="1" * 64, result=split.result_digest)
    state, reason = rejected(story, forged.id)
    assert reason == "the contributions counted here differ from those the distribution names"
    assert dict(state.payouts) == {}


def test_a_distribution_must_use_the_equation_in_force() -> None:
    story, lab, income = funded_lab()
    old = next(key[1] for key in fold(story.events)[0].equations)
    story.adopt(ana, lab, HOURS.replace('name = "Hours"', 'name = "Hours"\nversion = 2'))
    stale = story.sign(ana, "distribution.recorded", lab, income=income, equation=old,
                       contributions="0" * 64, result="0" * 64)
    state, reason = rejected(story, stale.id)
    assert reason == "the distribution does not use the equation in force"
    assert dict(state.payouts) == {}
    assert state.incomes[(income,)].distribution == ""


def test_a_correction_refused_for_its_own_figures_leaves_the_original_as_it_was() -> None:
    """The checks of a correction come before its effect: one worth too much, or dated after the
    day it was logged, is rejected and the contribution it would correct still counts."""
    story, lab = lab_story()
    original = story.work(ben, lab, "2", rate="10")
    gold = story.sign(ana, "resource.created", lab, name="Gold", spec="metal", value_per_unit="999999999999999").id
    too_much = story.give(ben, lab, "consume", resource=gold, quantity="999999999999", corrects=original)
    state, reason = rejected(story, too_much)
    assert reason.startswith("a contribution may be worth less than 1E+18")
    assert status_of(state, lab, original) == "validated"

    story, lab = lab_story()
    original = story.work(ben, lab, "2", rate="10")
    later = story.work(ben, lab, "3", rate="10", corrects=original, happened="2099-01-01")
    state, reason = rejected(story, later)
    assert reason.startswith("it happened on 2099-01-01, after the day it was logged")
    assert status_of(state, lab, original) == "validated"
