"""Accounting at its edges: stories that once went wrong (an exception out of the fold, debts
repaid twice, rollups that forgot a cap, a leaver or a plan), each with the outcome the guide
promises."""
from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from story import Ledger, fold, payouts, person

from multitude.node import Node
from multitude.store import open_store

ana, ben, cleo, dan = person("ana"), person("ben"), person("cleo"), person("dan")
A, B, C, D = ana.public, ben.public, cleo.public, dan.public


def bucket(name: str, percent: object, rules: list[list[str]], mode: str = "straight") -> str:
    text = f'[[bucket]]\nname = "{name}"\npercent = {percent}\nmode = "{mode}"\n'
    for rule in rules:
        text += "  [[bucket.rule]]\n" + "".join(f"  {line}\n" for line in rule)
    return text


def eq(*buckets: str, version: int = 1) -> str:
    return f'name = "t"\nversion = {version}\n' + "".join(buckets)


def lab(*people: Any) -> tuple[Ledger, str]:
    s = Ledger()
    net = s.camp(ana, "Lab")
    for k in people:
        s.join(k, net)
    return s, net


# A charter amendment changes a currency's decimals after an income was recorded: its
# distribution is rejected with a reason (nothing escapes the fold, in any arrival order).
def test_amended_decimals_make_distribution_rejected_not_crash() -> None:
    s, net = lab(ben)
    s.grant(ana, net, B, "custodian")
    s.work(ben, net, "1", rate="10")
    s.adopt(ana, net, eq(bucket("b", 100, [['value = "value"']])))
    income = s.income(ana, net, "10.05")
    dist = s.distribute(ana, net, income)
    amend = s.sign(ben, "network.charter_amended", net, name="Lab", time=datetime(2026, 5, 1, 9, 6, 30, tzinfo=UTC),
                   charter={"membership": "open", "roles": [], "currencies": [{"code": "EUR", "decimals": 0}]})
    _, statuses = fold(s.events)
    assert statuses[dist.id].startswith("rejected")
    assert statuses[amend.id] == "applied"


# A version the stores' integers cannot hold is refused alike by the fold and by the node.
def test_equation_version_beyond_64_bits_is_refused_alike() -> None:
    s, net = lab()
    adopted = s.adopt(ana, net, 'name = "x"\nversion = 9223372036854775808\n[[bucket]]\nname = "b"\n'
                                'percent = 100\nrecipient = "network"\n')
    _, statuses = fold(s.events)
    node = Node(open_store(os.path.join(tempfile.mkdtemp(prefix="multitude-test-"), "n.db")))
    receipts = {r.event: r.status for r in node.submit(s.events).receipts}
    assert receipts[adopted] == statuses[adopted].split(":")[0]


# A citation by value counts in a rollup whatever else the formula reads.
def test_rollup_counts_a_citation_by_value_whatever_the_formula_reads() -> None:
    s, net = lab(ben, cleo)
    design = s.sign(cleo, "resource.created", net, name="D", spec="design", contributed=True).id
    batch = s.sign(ana, "process.started", net, name="Batch").id
    s.work(ben, net, "10", rate="10", process=batch)
    s.give(cleo, net, "cite", resource=design, quantity="100", process=batch)
    s.adopt(ana, net, eq(bucket("m", 100, [['actions = ["work", "cite"]', 'value = "value + value_per_unit"']])))
    d = s.distribute(ana, net, s.income(ana, net, "200", process=batch)).id
    state, _ = fold(s.events)
    assert payouts(state, d) == {B: "100.00", C: "100.00"}


# cap_per_agent bounds equity claims in a rollup as in a plain distribution.
def test_rollup_respects_cap_per_agent() -> None:
    s, net = lab(ben, cleo)
    batch = s.sign(ana, "process.started", net, name="Batch").id
    s.work(ben, net, "100", rate="10", process=batch)
    s.work(cleo, net, "10", rate="10", process=batch)
    s.adopt(ana, net, eq(bucket("m", 100, [['actions = ["work"]', 'value = "value"', "cap_per_agent = 100"]])))
    d = s.distribute(ana, net, s.income(ana, net, "200", process=batch)).id
    state, _ = fold(s.events)
    assert payouts(state, d) == {B: "100.00", C: "100.00"}


# A removed (bad) leaver who lent a tool is not paid through a rollup either.
def test_rollup_applies_the_bad_leaver_rule_to_lenders() -> None:
    s, net = lab(ben, dan)
    printer = s.sign(dan, "resource.created", net, name="P", spec="tool", value_per_unit_of_use="10",
                     contributed=True).id
    batch = s.sign(ana, "process.started", net, name="Batch").id
    s.work(ben, net, "10", rate="10", process=batch)
    s.give(ben, net, "use", resource=printer, hours="10", process=batch)
    s.decide(ana, "membership.removed", net, D, reason="bad")
    s.adopt(ana, net, eq(bucket("m", 100, [['actions = ["work", "use"]', 'value = "value"']])))
    d = s.distribute(ana, net, s.income(ana, net, "200", process=batch)).id
    state, _ = fold(s.events)
    assert D not in payouts(state, d)  # as in a plain distribution


# A bad leaver's cash counts without multiplier, never more than the equation gives a member.
def test_bad_leaver_is_never_better_off_than_a_member() -> None:
    s, net = lab(ben, cleo)
    s.give(ben, net, "transfer", amount="100", currency="EUR")
    s.work(cleo, net, "10", rate="10")
    s.decide(ana, "membership.removed", net, B, reason="bad")
    s.adopt(ana, net, eq(bucket("m", 100, [['value = "if action == \\"work\\" then value else 0"']])))
    d = s.distribute(ana, net, s.income(ana, net, "200")).id
    state, _ = fold(s.events)
    assert payouts(state, d) == {C: "200.00"}


# Correcting the transfer that bought a resource keeps the funder paid for it.
def test_correcting_a_funding_transfer_keeps_the_funder() -> None:
    s, net = lab(ben, cleo)
    money = s.give(cleo, net, "transfer", amount="60", currency="EUR", note="boards")
    boards = s.sign(ana, "resource.created", net, name="B", spec="pcb", value_per_unit="6", funded_by=[money]).id
    s.give(cleo, net, "transfer", amount="60", currency="EUR", note="PCBs", corrects=money)
    s.give(ben, net, "consume", resource=boards, quantity="10")
    s.adopt(ana, net, eq(bucket("m", 100, [['actions = ["consume"]', 'value = "value"']])))
    d = s.distribute(ana, net, s.income(ana, net, "60")).id
    state, _ = fold(s.events)
    assert payouts(state, d) == {C: "60.00"}


# Money is put in in the network's first currency: a loan in yen is not repaid in euros at face value.
def test_a_loan_in_yen_is_not_repaid_in_euros_at_face_value() -> None:
    s = Ledger()
    net = s.camp(ana, "Lab", currencies=("EUR", "JPY"))
    s.join(ben, net)
    loan = s.give(ben, net, "transfer", amount="10000", currency="JPY")
    s.adopt(ana, net, eq(bucket("loans", 100, [['actions = ["transfer"]', 'value = "value"', 'claim = "debt"']])))
    d = s.distribute(ana, net, s.income(ana, net, "10000", currency="EUR")).id
    state, statuses = fold(s.events)
    assert statuses[loan] == ("rejected: money one puts in is counted in EUR, the network's first currency; "
                              "record this transfer in EUR")
    assert payouts(state, d) == {net: "10000.00"}


def test_a_debt_is_repaid_only_by_income_in_the_currency_it_is_counted_in() -> None:
    s = Ledger()
    net = s.camp(ana, "Lab", currencies=("EUR", "JPY"))
    s.join(ben, net)
    s.work(ben, net, "1", rate="1")
    s.give(ben, net, "transfer", amount="100", currency="EUR")
    s.adopt(ana, net, eq(bucket("loans", 50, [['actions = ["transfer"]', 'value = "value"', 'claim = "debt"']]),
                         bucket("work", 100, [['actions = ["work"]', 'value = "value"']], mode="remaining")))
    in_yen = s.distribute(ana, net, s.income(ana, net, "1000", currency="JPY")).id
    in_euros = s.distribute(ana, net, s.income(ana, net, "100", currency="EUR")).id
    state, _ = fold(s.events)
    assert payouts(state, in_yen) == {B: "1000"}  # through the work bucket: the loan waits for euros
    assert state.claims[(net, B, "debt")].paid == "50"
    assert payouts(state, in_euros) == {B: "100.00"}


# A debt is repaid once, whatever buckets value it and whatever they are called.
def test_a_debt_valued_by_two_buckets_is_repaid_once() -> None:
    s, net = lab(ben)
    s.give(ben, net, "transfer", amount="100", currency="EUR")
    debt = ['actions = ["transfer"]', 'value = "value"', 'claim = "debt"']
    s.adopt(ana, net, eq(bucket("loans", 50, [debt]), bucket("more", 50, [debt])))
    d1 = s.distribute(ana, net, s.income(ana, net, "120")).id
    d2 = s.distribute(ana, net, s.income(ana, net, "120")).id
    state, _ = fold(s.events)
    paid = sum(Decimal(payouts(state, d).get(B, "0")) for d in (d1, d2))
    assert paid <= 100


def test_renaming_a_bucket_does_not_revive_a_repaid_debt() -> None:
    s, net = lab(ben)
    s.give(ben, net, "transfer", amount="100", currency="EUR")
    debt = ['actions = ["transfer"]', 'value = "value"', 'claim = "debt"']
    s.adopt(ana, net, eq(bucket("loans", 100, [debt])))
    d1 = s.distribute(ana, net, s.income(ana, net, "100")).id
    s.adopt(ana, net, eq(bucket("Loans", 100, [debt]), version=2))
    d2 = s.distribute(ana, net, s.income(ana, net, "100")).id
    state, _ = fold(s.events)
    assert payouts(state, d1) == {B: "100.00"}
    assert B not in payouts(state, d2)


# A one-time claim is counted only by a distribution that pays it, and only for what it pays for.
def test_a_one_time_claim_is_not_burnt_by_a_share_rounded_to_zero() -> None:
    s, net = lab(ben)
    s.work(ben, net, "10", rate="10")
    s.adopt(ana, net, 'name = "o"\n[[bucket]]\nname = "fund"\npercent = 50\nrecipient = "network"\n'
             + bucket("bonus", 50, [['value = "value"', 'claim = "once"']]))
    s.distribute(ana, net, s.income(ana, net, "0.01"))
    d2 = s.distribute(ana, net, s.income(ana, net, "1000")).id
    state, _ = fold(s.events)
    assert B in payouts(state, d2)


def test_a_rollup_counts_only_the_part_of_a_one_time_claim_it_pays_for() -> None:
    s, net = lab(ben, cleo)
    pa = s.sign(ana, "process.started", net, name="A").id
    pb = s.sign(ana, "process.started", net, name="B").id
    s.work(ben, net, "99", rate="10", process=pa)
    s.work(ben, net, "1", rate="10", process=pb)
    s.work(cleo, net, "1", rate="10", process=pb)
    s.adopt(ana, net, eq(bucket("bonus", 100, [['value = "value"', 'claim = "once"']])))
    s.distribute(ana, net, s.income(ana, net, "20", process=pb))
    d2 = s.distribute(ana, net, s.income(ana, net, "1000")).id
    state, _ = fold(s.events)
    assert B in payouts(state, d2)


# In a rollup, what a bucket cannot pay passes to the buckets after it, citations or not.
def test_a_small_citation_does_not_divert_a_debt_bucket_to_the_network() -> None:
    s, net = lab(ben, cleo)
    design = s.sign(ana, "resource.created", net, name="D", spec="design", contributed=True).id
    batch = s.sign(ben, "process.started", net, name="Batch").id
    s.work(ben, net, "10", rate="10", process=batch)
    s.give(ana, net, "cite", resource=design, percent="1", process=batch)
    s.give(cleo, net, "transfer", amount="500", currency="EUR")
    s.adopt(ana, net, eq(bucket("loans", 50, [['actions = ["transfer"]', 'value = "value"', 'claim = "debt"']]),
                         bucket("makers", 100, [['actions = ["work"]', 'value = "value"']], mode="remaining")))
    d = s.distribute(ana, net, s.income(ana, net, "1000", process=batch)).id
    state, _ = fold(s.events)
    assert net not in payouts(state, d)


# Income paid for a plan pays what was given to the plan itself, as well as its processes.
def test_income_for_a_plan_pays_contributions_to_the_plan() -> None:
    s, net = lab(ben, cleo)
    p = s.sign(ben, "process.started", net, name="Build", plan="launch").id
    s.work(ben, net, "1", rate="10", process=p)
    s.work(cleo, net, "9", rate="10", plan="launch")
    s.adopt(ana, net, eq(bucket("m", 100, [['value = "value"']])))
    d = s.distribute(ana, net, s.income(ana, net, "100", plan="launch")).id
    state, _ = fold(s.events)
    assert C in payouts(state, d)


# Payout amounts are canonical decimals, never scientific notation.
def test_payout_amounts_are_canonical_decimals() -> None:
    s = Ledger()
    net = s.sign(ana, "network.created", name="Lab",
                 charter={"membership": "open", "currencies": [{"code": "BTC", "decimals": 8}]}).id
    s.join(ben, net)
    s.work(ben, net, "1", rate="1")
    s.adopt(ana, net, eq(bucket("b", 100, [['value = "value"']])))
    d = s.distribute(ana, net, s.income(ana, net, "0.00000001", currency="BTC")).id
    state, _ = fold(s.events)
    assert [r.amount for r in state.payouts.values() if r.distribution == d] == ["0.00000001"]


# Reading an equation does not depend on the caller's decimal context.
def test_a_cap_below_1e18_is_accepted_whatever_the_context() -> None:
    from multitude.domain.accounting.equation import parse_equation
    parse_equation(eq(bucket("b", 100, [['value = "value"', "cap_per_agent = 999999999999999999.999999999999"]])))


# What people write is bounded; what the rules compute from it is written in full, however many places.
def test_computed_decimals_are_written_in_full_while_written_ones_are_bounded() -> None:
    from multitude.domain.accounting.quantities import MAX_PLACES, canonical_decimal, decimal_text
    third = Decimal("3.33333333333333333333333333333E-13")
    assert decimal_text(third) == "0.000000000000333333333333333333333333333333"
    assert decimal_text(Decimal("2.50")) == "2.5" and decimal_text(Decimal("0E-7")) == "0"
    with pytest.raises(ValueError, match=f"more than .* or {MAX_PLACES} after it"):
        canonical_decimal(third)
