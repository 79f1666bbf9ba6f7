"""Exact shares: each recipient's part of one unit of income by the equation in force, as
Fractions, before rounding; the same rule as the split, at the top network only."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from story import Ledger, fold, person
from test_accounting_edges import bucket, eq, lab

from multitude.domain.accounting.distribution import DistributionError, split_income
from multitude.domain.accounting.shares import exact_shares

ana, ben, cleo, dan = person("ana"), person("ben"), person("cleo"), person("dan")
A, B, C, D = ana.public, ben.public, cleo.public, dan.public
DAY = "2026-05-02"
HOURS = ['value = "hours"']


def test_one_and_three_hours_get_a_quarter_and_three_quarters() -> None:
    s, net = lab(ben, cleo)
    s.work(ben, net, "1")
    s.work(cleo, net, "3")
    s.adopt(ana, net, eq(bucket("all", 100, [HOURS])))
    state, statuses = fold(s.events)
    assert set(statuses.values()) == {"applied"}
    assert exact_shares(state, net, DAY) == {B: Fraction(1, 4), C: Fraction(3, 4)}


def test_shares_agree_with_the_split_of_an_amount_that_divides_exactly() -> None:
    s, net = lab(ben, cleo, dan)
    s.work(ben, net, "1", rate="10")  # 10, ×2 = 20
    s.work(cleo, net, "3", rate="10")  # 30, ×2 = 60
    s.give(dan, net, "transfer", amount="5", currency="EUR")  # 5, ×4 = 20
    s.adopt(ana, net, eq(
        '[[bucket]]\nname = "fund"\npercent = 10\nrecipient = "network"\n',
        bucket("pie", 100, [['actions = ["work"]', 'value = "value * 2"'],
                            ['actions = ["transfer"]', 'value = "value * 4"']], mode="remaining"),
    ))
    state, _ = fold(s.events)
    shares = exact_shares(state, net, DAY)
    assert shares == {B: Fraction(9, 50), C: Fraction(27, 50), D: Fraction(9, 50)}
    payouts = split_income(state, net, Decimal("1200"), 2, DAY).payouts()
    paid = {recipient: Fraction(amount) for recipient, amount in payouts.items() if recipient != net}
    assert paid == {recipient: 1200 * share for recipient, share in shares.items()}
    assert Fraction(payouts[net]) == 1200 * (1 - sum(shares.values()))  # the fund, kept: not a share


def test_a_bucket_below_all_of_it_leaves_the_rest_out() -> None:
    s, net = lab(ben, cleo)
    s.work(ben, net, "1")
    s.work(cleo, net, "3")
    s.adopt(ana, net, eq(bucket("most", 60, [HOURS])))
    state, _ = fold(s.events)
    shares = exact_shares(state, net, DAY)
    assert shares == {B: Fraction(3, 20), C: Fraction(9, 20)}
    assert sum(shares.values()) == Fraction(3, 5)
    assert net not in shares


def test_no_equation_in_force_gives_no_shares() -> None:
    s, net = lab(ben)
    s.work(ben, net, "1")
    state, _ = fold(s.events)
    assert exact_shares(state, net, DAY) == {}


def test_three_equal_members_get_exactly_a_third_each() -> None:
    s, net = lab(ben, cleo, dan)
    for key in (ben, cleo, dan):
        s.work(key, net, "1", rate="1")
    s.adopt(ana, net, eq(bucket("all", 100, [HOURS])))
    state, _ = fold(s.events)
    shares = exact_shares(state, net, DAY)
    assert shares == {B: Fraction(1, 3), C: Fraction(1, 3), D: Fraction(1, 3)}
    assert all(type(share) is Fraction for share in shares.values())
    assert sum(shares.values()) == 1
    # The split itself has to round (33.33, 33.33, 33.34); the shares do not.
    assert sorted(split_income(state, net, Decimal("100"), 2, DAY).payouts().values()) == [
        Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


def test_a_member_network_is_one_recipient_not_split_again() -> None:
    s = Ledger()
    camp = s.camp(ana, "Camp")
    kitchen = s.camp(ben, "Kitchen")
    s.join(ben, camp, on_behalf_of=kitchen)
    s.join(cleo, kitchen)
    s.join(dan, camp)
    s.work(cleo, kitchen, "3")
    s.work(dan, camp, "2")
    s.adopt(ben, kitchen, eq(bucket("cooks", 100, [HOURS])))
    s.adopt(ana, camp, eq(f'[[bucket]]\nname = "kitchen"\npercent = 40\nrecipient = "{kitchen}"\n',
                          bucket("hours", 100, [HOURS], mode="remaining")))
    state, statuses = fold(s.events)
    assert set(statuses.values()) == {"applied"}
    assert exact_shares(state, camp, DAY) == {kitchen: Fraction(2, 5), D: Fraction(3, 5)}
    assert exact_shares(state, kitchen, DAY) == {C: Fraction(1)}


def test_a_debt_takes_no_more_than_it_is_owed_and_the_rest_goes_on() -> None:
    s, net = lab(ben, cleo)
    s.give(ben, net, "transfer", amount="0.25", currency="EUR")  # a loan of a quarter of a unit
    s.work(cleo, net, "2")
    s.adopt(ana, net, eq(bucket("loans", 100, [['actions = ["transfer"]', 'value = "value"', 'claim = "debt"']]),
                         bucket("work", 100, [['actions = ["work"]', *HOURS]], mode="remaining")))
    state, _ = fold(s.events)
    assert exact_shares(state, net, DAY) == {B: Fraction(1, 4), C: Fraction(3, 4)}


def test_what_the_split_refuses_is_refused_as_a_distribution_error() -> None:
    s, net = lab(ben)
    s.work(ben, net, "1")
    s.adopt(ana, net, eq(bucket("b", 100, [['value = "1 / (hours - 1)"']])))
    state, _ = fold(s.events)
    with pytest.raises(DistributionError):
        split_income(state, net, Decimal("10"), 2, DAY)
    with pytest.raises(DistributionError):
        exact_shares(state, net, DAY)
    with pytest.raises(DistributionError):
        exact_shares(state, net, "2 May 2026")


def test_shares_are_the_same_whenever_asked() -> None:
    s, net = lab(ben, cleo)
    s.work(ben, net, "1")
    s.work(cleo, net, "2")
    s.adopt(ana, net, eq(bucket("all", 100, [HOURS])))
    state, _ = fold(s.events)
    first = exact_shares(state, net, DAY)
    assert exact_shares(state, net, DAY) == first == {B: Fraction(1, 3), C: Fraction(2, 3)}
    assert list(first) == sorted(first)
