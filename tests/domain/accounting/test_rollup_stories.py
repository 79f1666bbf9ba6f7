"""Income paid for something the network made flows back through the processes and resources
that made it: stories with the payouts expected to the cent."""

from __future__ import annotations

import pytest
from story import Ledger, fold, payouts, person

from multitude.domain.accounting.distribution import DistributionError

ana, ben, cleo, dan = person("ana"), person("ben"), person("cleo"), person("dan")
A, B, C, D = ana.public, ben.public, cleo.public, dan.public

EVERYTHING_AT_ITS_VALUE = """
name = "Inputs at their value"
[[bucket]]
name = "makers"
percent = 100
  [[bucket.rule]]
  value = "value"
"""


def lab() -> tuple[Ledger, str]:
    story = Ledger()
    network = story.camp(ana, "Lab")
    for key in (ben, cleo, dan):
        story.join(key, network)
    return story, network


def resource(story: Ledger, key: object, network: str, name: str, **fields: object) -> str:
    return story.sign(key, "resource.created", network, name=name, spec=fields.pop("spec", "part"),  # type: ignore[arg-type]
                      **fields).id


def test_income_for_a_product_pays_its_work_tools_materials_and_cited_design() -> None:
    """A sensor kit made in one batch: Ben's 10 hours (100), Dan's lent printer used 5 hours
    (20), boards bought with Cleo's money (60), and Ana's design cited at 20%. The design takes
    its 20% of the 1000 first; the other 800 go 100 : 20 : 60."""
    story, network = lab()
    design = resource(story, ana, network, "Enclosure design", spec="design", contributed=True)
    printer = resource(story, dan, network, "Printer", spec="tool", value_per_unit_of_use="4", contributed=True)
    money = story.give(cleo, network, "transfer", amount="60", currency="EUR")
    boards = resource(story, ana, network, "Boards", spec="pcb", value_per_unit="6", funded_by=[money])
    batch = story.sign(ben, "process.started", network, name="Batch 1").id
    kit = resource(story, ben, network, "Sensor kit", spec="kit")
    story.work(ben, network, "10", rate="10", process=batch)
    story.give(ben, network, "use", resource=printer, hours="5", process=batch)
    story.give(ben, network, "consume", resource=boards, quantity="10", process=batch)
    story.give(ana, network, "cite", resource=design, percent="20", process=batch)
    story.give(ben, network, "produce", resource=kit, process=batch, quantity="20")
    story.work(dan, network, "50", rate="10")  # not in the batch: not paid by the kit's income
    story.adopt(ana, network, EVERYTHING_AT_ITS_VALUE)
    sale = story.income(ana, network, "1000", resource=kit)
    distribution = story.distribute(ana, network, sale)
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    # 800 × 100/180 = 444.44…, 800 × 20/180 = 88.88…, 800 × 60/180 = 266.66…: two cents to
    # the largest remainders.
    assert payouts(state, distribution.id) == {A: "200.00", B: "444.44", C: "266.67", D: "88.89"}
    lines = {row.recipient: row.basis for row in state.payouts.values() if row.distribution == distribution.id}
    assert "process 'Batch 1'" in lines[B]
    assert "resource 'Boards'" in lines[C]


def test_income_for_a_process_pays_its_inputs_and_the_network_keeps_what_it_owns() -> None:
    story, network = lab()
    oven = resource(story, ana, network, "Oven", spec="tool", value_per_unit_of_use="10")  # the network's own
    cooking = story.sign(ben, "process.started", network, name="Cooking for the camp").id
    story.work(ben, network, "3", rate="10", process=cooking)
    story.work(cleo, network, "1", rate="10", process=cooking)
    story.give(ben, network, "use", resource=oven, hours="6", process=cooking)
    story.adopt(ana, network, EVERYTHING_AT_ITS_VALUE)
    paid = story.income(ana, network, "100", process=cooking)
    distribution = story.distribute(ana, network, paid)
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    # inputs 30 : 10 : 60 (the oven, owned by the network, which keeps its part)
    assert payouts(state, distribution.id) == {B: "30.00", C: "10.00", network: "60.00"}


def test_designs_that_cite_each_other_get_the_exact_solution_of_the_cycle() -> None:
    """Design A's process cites B at 50%; B's cites A at 50%. Income x for A: A receives
    x + B/2, B receives A/2, so A receives 4x/3; Ana (A's maker) keeps half of it, 2x/3; Ben
    (B's maker) half of B's 2x/3, that is x/3."""
    story, network = lab()
    design_a = resource(story, ana, network, "Design A", spec="design")
    design_b = resource(story, ben, network, "Design B", spec="design")
    making_a = story.sign(ana, "process.started", network, name="Drawing A").id
    making_b = story.sign(ben, "process.started", network, name="Drawing B").id
    story.work(ana, network, "10", rate="1", process=making_a)
    story.work(ben, network, "10", rate="1", process=making_b)
    story.give(ana, network, "produce", resource=design_a, process=making_a)
    story.give(ben, network, "produce", resource=design_b, process=making_b)
    story.give(ana, network, "cite", resource=design_b, percent="50", process=making_a)
    story.give(ben, network, "cite", resource=design_a, percent="50", process=making_b)
    story.adopt(ana, network, EVERYTHING_AT_ITS_VALUE)
    distribution = story.distribute(ana, network, story.income(ana, network, "90", resource=design_a))
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    assert payouts(state, distribution.id) == {A: "60.00", B: "30.00"}


def test_a_cycle_that_passes_everything_round_is_refused_with_its_reason() -> None:
    story, network = lab()
    design_a = resource(story, ana, network, "Design A", spec="design")
    design_b = resource(story, ben, network, "Design B", spec="design")
    making_a = story.sign(ana, "process.started", network, name="Drawing A").id
    making_b = story.sign(ben, "process.started", network, name="Drawing B").id
    story.give(ana, network, "produce", resource=design_a, process=making_a)
    story.give(ben, network, "produce", resource=design_b, process=making_b)
    story.give(ana, network, "cite", resource=design_b, percent="100", process=making_a)
    story.give(ben, network, "cite", resource=design_a, percent="100", process=making_b)
    story.adopt(ana, network, EVERYTHING_AT_ITS_VALUE)
    income = story.income(ana, network, "90", resource=design_a)
    with pytest.raises(DistributionError, match="nothing leaves"):
        story.distribute(ana, network, income)


def test_citations_over_all_of_a_process_are_refused() -> None:
    story, network = lab()
    design = resource(story, ana, network, "Design", spec="design", contributed=True)
    batch = story.sign(ben, "process.started", network, name="Batch").id
    story.give(ana, network, "cite", resource=design, percent="70", process=batch)
    story.give(cleo, network, "cite", resource=design, percent="40", process=batch)
    story.adopt(ana, network, EVERYTHING_AT_ITS_VALUE)
    income = story.income(ana, network, "10", process=batch)
    with pytest.raises(DistributionError, match="more than all of it"):
        story.distribute(ana, network, income)


def test_income_for_a_plan_goes_to_its_processes_by_what_went_into_each() -> None:
    """Two processes of the plan 'Autumn' took 30 and 10 of work; one outside it took 50. An
    income of 80 for the plan pays 60 and 20; the work outside the plan gets nothing."""
    story, network = lab()
    cooking = story.sign(ben, "process.started", network, name="Cooking", plan="Autumn").id
    cleaning = story.sign(cleo, "process.started", network, name="Cleaning", plan="Autumn").id
    other = story.sign(dan, "process.started", network, name="Building", plan="Spring").id
    story.work(ben, network, "3", rate="10", process=cooking)
    story.work(cleo, network, "1", rate="10", process=cleaning)
    story.work(dan, network, "5", rate="10", process=other)
    story.adopt(ana, network, EVERYTHING_AT_ITS_VALUE)
    distribution = story.distribute(ana, network, story.income(ana, network, "80", plan="Autumn"))
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}
    assert payouts(state, distribution.id) == {B: "60.00", C: "20.00"}
    lines = {row.recipient: row.basis for row in state.payouts.values() if row.distribution == distribution.id}
    assert "process 'Cooking'" in lines[B]


def test_income_for_a_plan_with_no_process_is_kept_by_the_network() -> None:
    story, network = lab()
    story.work(ben, network, "3", rate="10")
    story.adopt(ana, network, EVERYTHING_AT_ITS_VALUE)
    distribution = story.distribute(ana, network, story.income(ana, network, "80", plan="Nowhere"))
    state, _ = fold(story.events)
    assert payouts(state, distribution.id) == {network: "80.00"}
