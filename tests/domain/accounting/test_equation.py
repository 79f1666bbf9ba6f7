"""Value equations: how a TOML document is read into buckets, filters and rules, how each mistake
is named, and how an equation is adopted (or not) through the fold."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest
from story import Ledger, fold, payouts, person

from multitude.domain import State
from multitude.domain.accounting.distribution import DistributionError
from multitude.domain.accounting.equation import (
    VARIABLES,
    Bucket,
    Equation,
    EquationError,
    Filter,
    Rule,
    parse_equation,
)
from multitude.domain.accounting.formula import parse

ana, ben, cleo, dan = person("ana"), person("ben"), person("cleo"), person("dan")
A, B, C, D = ana.public, ben.public, cleo.public, dan.public
NOWHERE = "f" * 64

FULL = f"""
name = "Camp shares"
version = 3

[[bucket]]
name = "fund"
percent = 10
recipient = "network"

[[bucket]]
name = "founder"
percent = 2.5
recipient = "{A}"

[[bucket]]
name = "makers"
percent = 60
mode = "remaining"
  [bucket.filter]
  actions = ["work", "deliverService"]
  from = 2026-01-01
  until = "2026-12-31"
  [[bucket.rule]]
  skills = ["design", "code"]
  tags = ["sensors", "firmware"]
  roles = ["steward"]
  value = "hours * rate * 1.5"
  [[bucket.rule]]
  from = "2026-03-01"
  until = 2026-06-30
  value = "hours * 20"
  claim = "once"
  cap_per_agent = 500

[[bucket]]
name = "lenders"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  actions = ["transfer", "use"]
  specs = ["tool", "machine"]
  value = "value"
  claim = "debt"
  cap_per_agent = "1000.50"
"""


def names(*items: str) -> frozenset[str]:
    return frozenset(items)


def test_a_full_equation_reads_into_buckets_filters_and_rules() -> None:
    makers = Filter(actions=names("work", "deliverService"), since="2026-01-01", until="2026-12-31")
    expected = Equation(
        name="Camp shares",
        version=3,
        buckets=(
            Bucket("fund", Decimal("10"), "straight", "network", ()),
            Bucket("founder", Decimal("2.5"), "straight", A, ()),
            Bucket("makers", Decimal("60"), "remaining", None, (
                Rule("bucket 3 (makers), rule 1",
                     Filter(actions=names("work", "deliverService"), tags=(names("sensors", "firmware"),),
                            skills=names("design", "code"), roles=(names("steward"),),
                            since="2026-01-01", until="2026-12-31"),
                     parse("hours * rate * 1.5", VARIABLES), "equity", None),
                Rule("bucket 3 (makers), rule 2",
                     Filter(actions=makers.actions, since="2026-03-01", until="2026-06-30"),
                     parse("hours * 20", VARIABLES), "once", Decimal("500")),
            )),
            Bucket("lenders", Decimal("100"), "remaining", None, (
                Rule("bucket 4 (lenders), rule 1",
                     Filter(actions=names("transfer", "use"), specs=names("tool", "machine")),
                     parse("value", VARIABLES), "debt", Decimal("1000.5")),
            )),
        ),
        digest=hashlib.sha256(FULL.encode()).hexdigest(),
    )
    equation = parse_equation(FULL)
    assert equation == expected
    assert [rule.where for rule in equation.formulas()] == [
        "bucket 3 (makers), rule 1", "bucket 3 (makers), rule 2", "bucket 4 (lenders), rule 1",
    ]
    design = equation.buckets[2].rules[0].formula
    assert design.evaluate({"hours": Decimal(2), "rate": Decimal(10)}) == Decimal(30)
    assert design.variables == {"hours", "rate"}


def test_the_digest_is_of_the_document_as_written() -> None:
    assert parse_equation(FULL).digest == hashlib.sha256(FULL.encode("utf-8")).hexdigest()
    same_meaning = FULL.replace("percent = 10\n", "percent = 10  # the fund\n")
    assert parse_equation(same_meaning).buckets == parse_equation(FULL).buckets
    assert parse_equation(same_meaning).digest != parse_equation(FULL).digest


def test_defaults_an_equity_claim_a_straight_bucket_and_version_one() -> None:
    equation = parse_equation('name = "Plain"\n[[bucket]]\nname = "all"\npercent = 100\n'
                              '  [[bucket.rule]]\n  value = "hours"\n')
    assert equation.version == 1
    (bucket,) = equation.buckets
    assert (bucket.mode, bucket.recipient) == ("straight", None)
    (rule,) = bucket.rules
    assert (rule.claim, rule.cap_per_agent, rule.filter) == ("equity", None, Filter())


# --- mistakes, each named where it is ------------------------------------------------------------------------


def document(buckets: str) -> str:
    return 'name = "E"\n' + buckets


def rules(*lines: str, bucket: str = 'name = "pay"\npercent = 50') -> str:
    """One bucket with one rule made of `lines`."""
    return document(f"[[bucket]]\n{bucket}\n  [[bucket.rule]]\n" + "".join(f"  {line}\n" for line in lines))


def network_bucket(name: str, percent: str, *extra: str) -> str:
    return f'[[bucket]]\nname = "{name}"\npercent = {percent}\nrecipient = "network"\n' + "".join(
        f"{line}\n" for line in extra
    )


KNOWN_RULE_KEYS = "value, claim, cap_per_agent, actions, specs, tags, skills, roles, from, until"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('name = "E"\n[[bucket]\n', "the document is not valid TOML: ", id="not TOML"),
        pytest.param('name = "E\n', "the document is not valid TOML: ", id="unterminated string"),
        pytest.param(document(network_bucket("a", "60") + network_bucket("b", "50.5")),
                     "equation: the straight buckets take 110.5% of the income, more than 100%", id="over 100%"),
        pytest.param(document(network_bucket("a", "0")),
                     "bucket 1 (a).percent: 0 is not more than 0 and at most 100", id="percent 0"),
        pytest.param(document(network_bucket("a", "150")),
                     "bucket 1 (a).percent: 150 is not more than 0 and at most 100", id="percent 150"),
        pytest.param(document(network_bucket("a", "-5")),
                     "bucket 1 (a).percent: -5 is not more than 0 and at most 100", id="percent negative"),
        pytest.param(document(network_bucket("a", "nan")), "bucket 1 (a).percent: ", id="percent nan"),
        pytest.param(document(network_bucket("a", "true")), "bucket 1 (a).percent: expected a number, got True",
                     id="percent bool"),
        pytest.param(document(network_bucket("a", "10", 'mode = "leftover"')),
                     "bucket 1 (a).mode: 'leftover' is not one of straight, remaining", id="unknown mode"),
        pytest.param(rules('value = "hours"', bucket='name = "a"\npercent = 10\nrecipient = "network"'),
                     "bucket 1 (a): give either a recipient or rules ([[bucket.rule]]), not both or neither",
                     id="recipient and rules"),
        pytest.param(document('[[bucket]]\nname = "a"\npercent = 10\n'),
                     "bucket 1 (a): give either a recipient or rules ([[bucket.rule]]), not both or neither",
                     id="neither recipient nor rules"),
        pytest.param(document(network_bucket("a", "10", "share = 3")),
                     "bucket 1: unknown key 'share' (known: name, percent, mode, recipient, rule, filter)",
                     id="unknown bucket key"),
        pytest.param(rules('valu = "hours"', 'value = "hours"'),
                     f"bucket 1 (pay), rule 1: unknown key 'valu' (known: {KNOWN_RULE_KEYS})",
                     id="unknown rule key"),
        pytest.param(document(network_bucket("a", "10", "[bucket.filter]", "skill = ['code']")),
                     "bucket 1 (a).filter: unknown key 'skill' (known: actions, specs, tags, skills, roles, from, "
                     "until)", id="unknown filter key"),
        pytest.param(document('versoin = 2\n' + network_bucket("a", "10")),
                     "equation: unknown key 'versoin' (known: name, version, bucket)", id="unknown top key"),
        pytest.param(rules('actions = ["work", "teach"]', 'value = "hours"'),
                     "bucket 1 (pay), rule 1.actions: unknown 'teach' (known: work, use, consume, cite, transfer, "
                     "deliverService, produce)", id="unknown action in a rule"),
        pytest.param(rules('value = "hours"',
                           bucket='name = "pay"\npercent = 50\n[bucket.filter]\nactions = ["teach"]'),
                     "bucket 1 (pay).filter.actions: unknown 'teach' (known: work, ", id="unknown action in a bucket"),
        pytest.param(rules('actions = []', 'value = "hours"'),
                     "bucket 1 (pay), rule 1.actions: expected a non-empty list of names", id="empty actions"),
        pytest.param(rules('value = "hours * wage"'),
                     "bucket 1 (pay), rule 1.value: unknown variable 'wage' (known: action, days_ago, hours, ",
                     id="unknown variable"),
        pytest.param(rules('value = "hours + skill"'),
                     "bucket 1 (pay), rule 1.value: '+' needs numbers, got text", id="type error"),
        pytest.param(rules('value = "skill"'),
                     "bucket 1 (pay), rule 1.value: the formula gives text, expected number", id="text result"),
        pytest.param(rules('value = "hours > 2"'),
                     "bucket 1 (pay), rule 1.value: the formula gives bool, expected number", id="bool result"),
        pytest.param(rules('claim = "equity"'),
                     'bucket 1 (pay), rule 1: needs value = "a formula"', id="no formula"),
        pytest.param(rules('value = "hours"', 'claim = "loan"'),
                     "bucket 1 (pay), rule 1.claim: 'loan' is not one of equity, debt, once", id="bad claim kind"),
        pytest.param(document(network_bucket("a", "10") + network_bucket("a", "20")),
                     "equation: bucket names must differ (a repeats)", id="duplicate bucket names"),
        pytest.param(rules('value = "hours"',
                           bucket='name = "pay"\npercent = 50\n[bucket.filter]\n'
                                  'from = 2026-06-01\nuntil = "2026-05-01"'),
                     "bucket 1 (pay).filter: 'from' 2026-06-01 is after 'until' 2026-05-01",
                     id="from after until in a bucket"),
        pytest.param(rules('from = "2026-06-01"', "until = 2026-05-31", 'value = "hours"'),
                     "bucket 1 (pay), rule 1: 'from' 2026-06-01 is after 'until' 2026-05-31",
                     id="from after until in a rule"),
        pytest.param(rules('from = "June"', 'value = "hours"'),
                     "bucket 1 (pay), rule 1.from: expected a date like 2026-05-01", id="not a date"),
        pytest.param(rules("until = 2026-05-01T10:00:00", 'value = "hours"'),
                     "bucket 1 (pay), rule 1.until: expected a date like 2026-05-01", id="a datetime"),
        pytest.param(rules('value = "hours"', "cap_per_agent = 0"),
                     "bucket 1 (pay), rule 1.cap_per_agent: must be more than 0", id="cap 0"),
        pytest.param(rules('value = "hours"', "cap_per_agent = -10"),
                     "bucket 1 (pay), rule 1.cap_per_agent: must be more than 0", id="cap negative"),
        pytest.param(document(""), "equation: needs at least one bucket ([[bucket]])", id="no buckets"),
        pytest.param(document("bucket = []\n"), "equation: needs at least one bucket ([[bucket]])",
                     id="empty bucket list"),
        pytest.param('version = 2\n' + network_bucket("a", "10"), "equation: needs a name", id="no name"),
        pytest.param(document('version = 0\n' + network_bucket("a", "10")),
                     "equation.version: expected a whole number from 1", id="version 0"),
        pytest.param(document(network_bucket("a", "10").replace('"network"', '"ana"')),
                     "bucket 1 (a).recipient: 'ana' is neither \"network\" nor an agent or network id",
                     id="recipient by name"),
    ],
)
def test_each_mistake_is_named_where_it_is(text: str, message: str) -> None:
    with pytest.raises(EquationError) as caught:
        parse_equation(text)
    assert str(caught.value).startswith(message), str(caught.value)


def test_the_message_of_an_unknown_variable_names_it_and_lists_the_known_ones() -> None:
    with pytest.raises(EquationError, match="unknown variable 'wage'") as caught:
        parse_equation(rules('value = "hours * wage"'))
    assert all(name in str(caught.value) for name in VARIABLES)


def test_remaining_buckets_do_not_count_towards_the_straight_hundred_percent() -> None:
    equation = parse_equation(document(network_bucket("a", "60")
                                       + network_bucket("b", "100", 'mode = "remaining"')))
    assert [(b.name, b.mode, b.percent) for b in equation.buckets] == [
        ("a", "straight", Decimal(60)), ("b", "remaining", Decimal(100)),
    ]


# --- adoption through the fold -------------------------------------------------------------------------------

HOURS = rules('value = "hours"', bucket='name = "hours"\npercent = 100')


def lab_story(**camp: Any) -> tuple[Ledger, str]:
    """ana founds the Lab (and is its custodian); ben, cleo and dan join."""
    story = Ledger()
    lab = story.camp(ana, "Lab", **camp)
    for key in (ben, cleo, dan):
        story.join(key, lab)
    return story, lab


def rejected(story: Ledger, event_id: str) -> tuple[State, str]:
    """`event_id` is stored but rejected, everything else applied, no equation row changed by it."""
    state, statuses = fold(story.events)
    assert statuses[event_id].startswith("rejected: "), statuses[event_id]
    assert {s for id_, s in statuses.items() if id_ != event_id} == {"applied"}
    before, _ = fold([event for event in story.events if event.id != event_id])
    assert dict(state.equations) == dict(before.equations)
    return state, statuses[event_id].removeprefix("rejected: ")


def in_force(state: State, network: str) -> list[tuple[str, int]]:
    return [(row.name, row.version) for key, row in state.equations.items() if key[0] == network and row.in_force]


def test_a_custodian_adopts_an_equation_and_its_row_records_the_document() -> None:
    story, lab = lab_story()
    adopted = story.adopt(ana, lab, FULL)
    state, statuses = fold(story.events)
    assert statuses[adopted] == "applied"
    row = state.equations[(lab, adopted)]
    assert (row.name, row.version, row.digest, row.document, row.in_force) == (
        "Camp shares", 3, hashlib.sha256(FULL.encode()).hexdigest(), FULL, 1,
    )


def test_only_a_custodian_adopts_an_equation() -> None:
    story, lab = lab_story()
    state, reason = rejected(story, story.adopt(ben, lab, HOURS))
    assert reason == "only a custodian of the network may adopt a value equation"
    assert dict(state.equations) == {}


def test_an_equation_that_does_not_read_is_stored_but_rejected_with_its_message() -> None:
    story, lab = lab_story()
    broken = rules('value = "hours * wage"')
    with pytest.raises(EquationError) as caught:
        parse_equation(broken)
    attempt = story.adopt(ana, lab, broken)
    state, reason = rejected(story, attempt)
    assert reason == f"the equation cannot be adopted: {caught.value}"
    assert "unknown variable 'wage'" in reason
    assert attempt in {event.id for event in story.events}
    assert dict(state.equations) == {}


def test_a_recipient_must_be_a_member_network_or_a_known_agent() -> None:
    story, lab = lab_story()
    kitchen = story.camp(cleo, "Kitchen")  # not a member of the Lab
    to_kitchen = document(f'[[bucket]]\nname = "kitchen"\npercent = 40\nrecipient = "{kitchen}"\n')
    _, reason = rejected(story, story.adopt(ana, lab, to_kitchen))
    assert reason == (f"the equation cannot be adopted: bucket 'kitchen': network {kitchen[:12]} "
                      "is not a member network of this network")

    story, lab = lab_story()
    to_nobody = document(f'[[bucket]]\nname = "ghost"\npercent = 40\nrecipient = "{NOWHERE}"\n')
    _, reason = rejected(story, story.adopt(ana, lab, to_nobody))
    assert reason == (f"the equation cannot be adopted: bucket 'ghost': recipient {NOWHERE[:12]} "
                      "is not an agent known here")

    story, lab = lab_story()
    kitchen = story.camp(cleo, "Kitchen")
    story.join(cleo, lab, on_behalf_of=kitchen)
    both = document(f'[[bucket]]\nname = "kitchen"\npercent = 40\nrecipient = "{kitchen}"\n'
                    f'[[bucket]]\nname = "ben"\npercent = 10\nrecipient = "{B}"\n')
    adopted = story.adopt(ana, lab, both)
    _, statuses = fold(story.events)
    assert statuses[adopted] == "applied"


def test_a_new_equation_needs_a_higher_version_and_then_replaces_the_old_one() -> None:
    story, lab = lab_story()
    first = story.adopt(ana, lab, HOURS.replace('name = "E"', 'name = "E"\nversion = 2'))
    same = story.adopt(ana, lab, HOURS.replace('name = "E"', 'name = "Same"\nversion = 2'))
    state, reason = rejected(story, same)
    assert reason == "the equation in force is version 2; a new one needs a higher version"
    assert in_force(state, lab) == [("E", 2)]

    story, lab = lab_story()
    story.adopt(ana, lab, HOURS.replace('name = "E"', 'name = "E"\nversion = 2'))
    lower = story.adopt(ana, lab, HOURS.replace('name = "E"', 'name = "Older"\nversion = 1'))
    state, reason = rejected(story, lower)
    assert reason == "the equation in force is version 2; a new one needs a higher version"

    story, lab = lab_story()
    first = story.adopt(ana, lab, HOURS)
    second = story.adopt(ana, lab, HOURS.replace('name = "E"', 'name = "E, revised"\nversion = 2'))
    state, statuses = fold(story.events)
    assert statuses[first] == statuses[second] == "applied"
    assert in_force(state, lab) == [("E, revised", 2)]
    assert state.equations[(lab, first)].in_force == 0
    assert sum(row.in_force for row in state.equations.values()) == 1


def test_a_bucket_filter_and_a_rule_filter_both_apply_to_a_contribution_with_several_tags() -> None:
    """A contribution tagged `sensors` and `kitchen` matches a bucket that wants `sensors` and,
    inside it, a rule that wants `kitchen`: both filters at once."""
    story, lab = lab_story()
    story.work(ben, lab, "2", tags=["sensors", "kitchen"])
    story.work(cleo, lab, "2", tags=["sensors"])  # not kitchen work
    story.adopt(ana, lab, rules('tags = ["kitchen"]', 'value = "hours"',
                                bucket='name = "pay"\npercent = 100\n[bucket.filter]\ntags = ["sensors"]'))
    distribution = story.distribute(ana, lab, story.income(ana, lab, "100"))
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    assert payouts(state, distribution.id) == {B: "100.00"}


def test_a_bucket_filter_and_a_rule_filter_both_apply_to_a_contributor_with_several_roles() -> None:
    story, lab = lab_story(roles=["steward", "cook"])
    story.grant(ana, lab, B, "steward")
    story.grant(ana, lab, B, "cook")
    story.grant(ana, lab, C, "steward")
    story.work(ben, lab, "2")
    story.work(cleo, lab, "2")  # a steward who does not cook
    story.adopt(ana, lab, rules('roles = ["cook"]', 'value = "hours"',
                                bucket='name = "pay"\npercent = 100\n[bucket.filter]\nroles = ["steward"]'))
    distribution = story.distribute(ana, lab, story.income(ana, lab, "100"))
    state, _ = fold(story.events)
    assert payouts(state, distribution.id) == {B: "100.00"}


# --- division by zero, which only the data can show ----------------------------------------------------------

PER_HOUR = rules('value = "10 / hours"')
BY_RATE = rules('actions = ["work"]', 'value = "hours / rate"')


def test_dividing_by_hours_distributes_when_no_contribution_has_zero_hours() -> None:
    story, lab = lab_story()
    story.work(ben, lab, "4")  # 10 / 4 = 2.5
    story.work(cleo, lab, "1")  # 10 / 1 = 10
    story.adopt(ana, lab, PER_HOUR)
    distribution = story.distribute(ana, lab, story.income(ana, lab, "100"))
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    # half the income by 2.5 : 10; the other half is kept
    assert payouts(state, distribution.id) == dict(sorted({B: "10.00", C: "40.00", lab: "50.00"}.items()))


def test_dividing_by_hours_fails_on_a_transfer_which_has_none() -> None:
    story, lab = lab_story()
    story.work(ben, lab, "4")
    story.give(cleo, lab, "transfer", amount="20", currency="EUR")
    adopted = story.adopt(ana, lab, PER_HOUR)
    income = story.income(ana, lab, "100")
    assert set(fold(story.events)[1].values()) == {"applied"}  # the equation itself was fine
    assert fold(story.events)[1][adopted] == "applied"
    with pytest.raises(DistributionError, match=r"^bucket 1 \(pay\), rule 1: division by zero in '10 / hours'"):
        story.distribute(ana, lab, income)


def test_dividing_by_a_rate_nobody_gave_cannot_be_distributed() -> None:
    story, lab = lab_story()
    story.work(ben, lab, "4", rate="20")
    story.work(cleo, lab, "3")  # no rate: 0
    story.adopt(ana, lab, BY_RATE)
    income = story.income(ana, lab, "100")
    with pytest.raises(DistributionError, match=r"^bucket 1 \(pay\), rule 1: division by zero") as caught:
        story.distribute(ana, lab, income)
    assert "'hours / rate'" in str(caught.value)

    # Signed anyway, the distribution is rejected in the fold with the same words, and pays nobody.
    state, _ = fold(story.events)
    equation = next(key[1] for key in state.equations)
    forced = story.sign(ana, "distribution.recorded", lab, income=income, equation=equation,
                        contributions="0" * 64, result="0" * 64)
    state, statuses = fold(story.events)
    assert statuses[forced.id] == f"rejected: the equation cannot split this income: {caught.value}"
    assert dict(state.payouts) == {}
    assert dict(state.distributions) == {}
    assert state.incomes[(income,)].distribution == ""
