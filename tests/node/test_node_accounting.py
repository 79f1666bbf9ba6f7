"""Contribution accounting through the node, on both stores: the large tables kept in the store
must give the payouts the pure fold gives, survive a rebuild, and pass verification."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from story import Ledger, fold, payouts, person

from multitude.node import Node, NodeError, Refused
from multitude.store import open_store

ana, ben, cleo, dan = person("ana"), person("ben"), person("cleo"), person("dan")

EQUATION = """
name = "Lab"
[[bucket]]
name = "fund"
percent = 10
recipient = "network"
[[bucket]]
name = "loans"
percent = 30
mode = "remaining"
  [[bucket.rule]]
  actions = ["transfer"]
  value = "value"
  claim = "debt"
[[bucket]]
name = "makers"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  actions = ["work", "use", "consume", "cite"]
  value = "if action == \\"work\\" then value * 2 else value"
"""


@pytest.fixture
def node(store_url: str) -> Iterator[Node]:
    opened = Node(open_store(store_url))
    opened.use_key(ana)
    yield opened
    opened.close()


def lab_story() -> tuple[Ledger, str, list[str]]:
    """A lab that sells a sensor kit made in one batch, and shares a grant across the network."""
    story = Ledger()
    lab = story.camp(ana, "Lab")
    for key in (ben, cleo, dan):
        story.join(key, lab)
    design = story.sign(ana, "resource.created", lab, name="Design", spec="design", contributed=True).id
    printer = story.sign(dan, "resource.created", lab, name="Printer", spec="tool", value_per_unit_of_use="4",
                         contributed=True).id
    money = story.give(cleo, lab, "transfer", amount="60", currency="EUR")
    boards = story.sign(ana, "resource.created", lab, name="Boards", spec="pcb", value_per_unit="6",
                        funded_by=[money]).id
    batch = story.sign(ben, "process.started", lab, name="Batch").id
    kit = story.sign(ben, "resource.created", lab, name="Kit", spec="kit").id
    story.work(ben, lab, "10", rate="10", process=batch)
    story.give(ben, lab, "use", resource=printer, hours="5", process=batch)
    story.give(ben, lab, "consume", resource=boards, quantity="10", process=batch)
    story.give(ana, lab, "cite", resource=design, percent="20", process=batch)
    story.give(ben, lab, "produce", resource=kit, process=batch, quantity="20")
    story.work(dan, lab, "7.25", rate="12")
    story.adopt(ana, lab, EQUATION)
    distributions = [
        story.distribute(ana, lab, story.income(ana, lab, "1000", resource=kit)).id,
        story.distribute(ana, lab, story.income(ana, lab, "333.33")).id,
        story.distribute(ana, lab, story.income(ana, lab, "0.07")).id,
    ]
    return story, lab, distributions


def node_payouts(node: Node, distribution: str) -> dict[str, str]:
    totals: dict[str, Decimal] = {}
    for line in node.payout_lines(distribution):
        totals[line.recipient] = totals.get(line.recipient, Decimal(0)) + Decimal(line.amount)
    return {recipient: str(amount) for recipient, amount in sorted(totals.items())}


def test_the_node_pays_what_the_pure_fold_pays_and_a_rebuild_changes_nothing(node: Node) -> None:
    story, _, distributions = lab_story()
    submitted = node.submit(story.events)
    assert {receipt.status for receipt in submitted.receipts} == {"applied"}
    expected, _ = fold(story.events)
    for distribution in distributions:
        assert node_payouts(node, distribution) == payouts(expected, distribution)
        assert sum(Decimal(amount) for amount in node_payouts(node, distribution).values()) == Decimal(
            node.distribution(distribution).amount)
    digest = node.digest()
    node.rebuild()
    assert node.digest() == digest
    result = node.verify()
    assert result.intact and result.distributions == 3


def test_events_arriving_in_reverse_on_sqlite_give_the_same_state(node: Node, tmp_path: Path) -> None:
    story, _, distributions = lab_story()
    node.submit(story.events)
    other = Node(open_store(tmp_path / "reversed.db"))
    try:
        for event in reversed(story.events):  # one by one: each may wait for what it needs
            other.submit([event])
        assert other.digest() == node.digest()
        assert node_payouts(other, distributions[0]) == node_payouts(node, distributions[0])
    finally:
        other.close()


def test_commands_refused_by_the_rules_store_nothing(node: Node) -> None:
    lab = node.create_network("Lab", currencies={"EUR": 2}, validation={"policy": "peers"})
    node.use_key(ben)
    node.request_membership("Lab")
    receipt = node.log_contribution("Lab", "work", hours="2", rate="10", note="wiring")
    node.use_key(ana)
    before = (node.store.count_events(), node.digest())
    node.use_key(ben)
    with pytest.raises(Refused, match="own contribution"):
        node.validate_contribution("Lab", receipt.event)
    node.use_key(ana)
    with pytest.raises(Refused, match="currency"):
        node.record_income("Lab", "10", "USD", "a sale")
    with pytest.raises(NodeError, match="150 is not more than 0 and at most 100"):
        node.adopt_equation("Lab", "name = 'x'\n[[bucket]]\nname = 'a'\npercent = 150\nrecipient = 'network'\n")
    with pytest.raises(Refused, match="adopt one first"):
        node.distribute("Lab", node.record_income("Lab", "10", "EUR", "a sale"))
    assert node.store.count_events() == before[0] + 1  # only the income was recorded
    assert lab == node.network("Lab").network
