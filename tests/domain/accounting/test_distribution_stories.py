"""Distributions as short stories: a network, its contributions, its equation, an income, and
the payouts expected to the cent."""

from __future__ import annotations

from story import Ledger, fold, payouts, person

ana, ben, cleo, dan = person("ana"), person("ben"), person("cleo"), person("dan")
A, B, C, D = ana.public, ben.public, cleo.public, dan.public

SLICING_PIE = """
name = "Slicing Pie"
version = 1

[[bucket]]
name = "fund"
percent = 10
recipient = "network"

[[bucket]]
name = "contributors"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  actions = ["work"]
  value = "value * 2"
  [[bucket.rule]]
  actions = ["transfer"]
  value = "value * 4"
"""


def lab_story(**camp: object) -> tuple[Ledger, str]:
    story = Ledger()
    lab = story.camp(ana, "Lab", **camp)  # type: ignore[arg-type]
    for key in (ben, cleo, dan):
        story.join(key, lab)
    return story, lab


def test_slicing_pie_multipliers_with_a_fund_taken_first() -> None:
    story, lab = lab_story()
    story.work(ben, lab, "10", rate="20")  # 200 of time, ×2 = 400
    story.work(cleo, lab, "5", rate="20")  # 100 of time, ×2 = 200
    story.give(ana, lab, "transfer", amount="100", currency="EUR")  # 100 of cash, ×4 = 400
    story.adopt(ana, lab, SLICING_PIE)
    income = story.income(ana, lab, "1000")
    distribution = story.distribute(ana, lab, income)
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    # 100 to the fund, the 900 left split 400 : 200 : 400.
    assert payouts(state, distribution.id) == {lab: "100.00", B: "360.00", C: "180.00", A: "360.00"}
    assert state.incomes[(income,)].distribution == distribution.id


def test_remainders_go_by_largest_remainder_then_by_line_order() -> None:
    story, lab = lab_story()
    for key in (ben, cleo, dan):
        story.work(key, lab, "1", rate="1")
    story.adopt(ana, lab, """
name = "Equal"
[[bucket]]
name = "all"
percent = 100
  [[bucket.rule]]
  value = "hours"
""")
    income = story.income(ana, lab, "100")
    distribution = story.distribute(ana, lab, income)
    state, _ = fold(story.events)
    got = payouts(state, distribution.id)
    assert sorted(got.values()) == ["33.33", "33.33", "33.34"]
    first = min(B, C, D)  # the lines are ordered by agent id; the tie goes to the first line
    assert got[first] == "33.34"


def test_a_debt_is_paid_until_settled_and_never_beyond() -> None:
    story, lab = lab_story()
    story.give(ben, lab, "transfer", amount="150", currency="EUR")  # a loan: to be paid back, no more
    story.work(cleo, lab, "10", rate="10")
    story.adopt(ana, lab, """
name = "Loans first"
[[bucket]]
name = "loans"
percent = 100
  [[bucket.rule]]
  actions = ["transfer"]
  value = "value"
  claim = "debt"
[[bucket]]
name = "work"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  actions = ["work"]
  value = "value"
""")
    first = story.distribute(ana, lab, story.income(ana, lab, "100"))
    second = story.distribute(ana, lab, story.income(ana, lab, "100"))
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    assert payouts(state, first.id) == {B: "100.00"}  # all of it goes to the loan
    # 50 settles the loan; the other 50 is left to the remaining bucket.
    assert payouts(state, second.id) == {B: "50.00", C: "50.00"}
    claim = state.claims[(lab, B, "debt")]
    assert (claim.counted, claim.paid) == ("150", "150")


def test_a_one_time_claim_counts_in_one_distribution_only() -> None:
    story, lab = lab_story()
    story.work(ben, lab, "3")
    story.adopt(ana, lab, """
name = "Bonus"
[[bucket]]
name = "bonus"
percent = 50
  [[bucket.rule]]
  value = "hours"
  claim = "once"
""")
    first = story.distribute(ana, lab, story.income(ana, lab, "10"))
    second = story.distribute(ana, lab, story.income(ana, lab, "10"))
    state, _ = fold(story.events)
    assert payouts(state, first.id) == {B: "5.00", lab: "5.00"}
    assert payouts(state, second.id) == {lab: "10.00"}  # counted already: the network keeps it


def test_a_cap_per_agent_limits_the_value_counted() -> None:
    story, lab = lab_story()
    story.work(ben, lab, "100")
    story.work(cleo, lab, "10")
    story.adopt(ana, lab, """
name = "Capped"
[[bucket]]
name = "work"
percent = 100
  [[bucket.rule]]
  value = "hours"
  cap_per_agent = 10
""")
    distribution = story.distribute(ana, lab, story.income(ana, lab, "20"))
    state, _ = fold(story.events)
    assert payouts(state, distribution.id) == {B: "10.00", C: "10.00"}


def test_bad_leavers_forfeit_non_cash_claims_and_keep_cash_at_face_value() -> None:
    story, lab = lab_story(leavers={"left": "good", "removed": "bad"})
    story.work(ben, lab, "10", rate="10")  # 100 of work, ×2 = 200
    story.give(ben, lab, "transfer", amount="50", currency="EUR")  # 50 cash, ×4 = 200
    story.work(cleo, lab, "10", rate="10")  # cleo leaves in good standing: keeps 200
    story.work(dan, lab, "20", rate="10")  # 400
    story.decide(ana, "membership.removed", lab, B, "left the lab with its tools")
    story.sign(cleo, "membership.left", lab, member=C)
    story.adopt(ana, lab, """
name = "Slicing Pie, no fund"
[[bucket]]
name = "contributors"
percent = 100
  [[bucket.rule]]
  actions = ["work"]
  value = "value * 2"
  [[bucket.rule]]
  actions = ["transfer"]
  value = "value * 4"
""")
    distribution = story.distribute(ana, lab, story.income(ana, lab, "650"))
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    # ben (removed, a bad leaver): work forfeited, cash at face value 50; cleo 200; dan 400.
    assert payouts(state, distribution.id) == {B: "50.00", C: "200.00", D: "400.00"}


def test_a_member_network_splits_its_share_by_its_own_equation() -> None:
    story = Ledger()
    camp = story.camp(ana, "Camp")
    kitchen = story.camp(ben, "Kitchen")
    story.join(ben, camp, on_behalf_of=kitchen)
    story.join(cleo, kitchen)
    story.join(dan, kitchen)
    story.work(cleo, kitchen, "3")
    story.work(dan, kitchen, "1")
    story.adopt(ben, kitchen, """
name = "Kitchen hours"
[[bucket]]
name = "cooks"
percent = 100
  [[bucket.rule]]
  value = "hours"
""")
    story.adopt(ana, camp, f"""
name = "Camp"
[[bucket]]
name = "kitchen"
percent = 40
recipient = "{kitchen}"
""")
    distribution = story.distribute(ana, camp, story.income(ana, camp, "1000"))
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    assert payouts(state, distribution.id) == {camp: "600.00", C: "300.00", D: "100.00"}
    networks = {row.recipient: row.network for row in state.payouts.values() if row.distribution == distribution.id}
    assert networks[C] == kitchen and networks[camp] == camp


def test_use_of_lent_equipment_pays_its_lender_and_materials_pay_who_funded_them() -> None:
    story, lab = lab_story()
    drill = story.sign(dan, "resource.created", lab, name="Drill press", spec="tool", unit="hour",
                       value_per_unit_of_use="5", contributed=True).id
    money = story.give(cleo, lab, "transfer", amount="30", currency="EUR")
    copper = story.sign(ana, "resource.created", lab, name="Copper", spec="material", unit="kg",
                        value_per_unit="10", funded_by=[money]).id
    story.give(ben, lab, "use", resource=drill, hours="4")  # 20 to dan
    story.give(ben, lab, "consume", resource=copper, quantity="3")  # 30 to cleo, who paid for it
    story.work(ben, lab, "5", rate="10")  # 50 to ben
    story.adopt(ana, lab, """
name = "Inputs"
[[bucket]]
name = "inputs"
percent = 100
  [[bucket.rule]]
  actions = ["use", "consume", "work"]
  value = "value"
""")
    distribution = story.distribute(ana, lab, story.income(ana, lab, "100"))
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    assert payouts(state, distribution.id) == {D: "20.00", C: "30.00", B: "50.00"}


def test_a_member_network_paid_by_two_buckets_never_repays_a_debt_twice() -> None:
    story = Ledger()
    camp = story.camp(ana, "Camp")
    kitchen = story.camp(ben, "Kitchen")
    story.join(ben, camp, on_behalf_of=kitchen)
    story.join(cleo, kitchen)
    story.give(cleo, kitchen, "transfer", amount="50", currency="EUR")  # a loan to the kitchen
    story.adopt(ben, kitchen, """
name = "Loans first"
[[bucket]]
name = "loans"
percent = 100
  [[bucket.rule]]
  actions = ["transfer"]
  value = "value"
  claim = "debt"
""")
    story.adopt(ana, camp, f"""
name = "Camp"
[[bucket]]
name = "food"
percent = 50
recipient = "{kitchen}"
[[bucket]]
name = "water"
percent = 50
recipient = "{kitchen}"
""")
    distribution = story.distribute(ana, camp, story.income(ana, camp, "200"))
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    assert payouts(state, distribution.id) == {C: "50.00", kitchen: "150.00"}
    claim = state.claims[(kitchen, C, "debt")]
    assert (claim.counted, claim.paid) == ("50", "50")
