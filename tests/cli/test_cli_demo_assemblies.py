"""The demo's assemblies as a visitor finds them: the camp's general assembly that gave Dara the
facilitator role over a block, the lab's vote on its value equation, the camp's budget round,
and two proposals still open to vote on."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cli_fixtures import Cli, run_cli

from multitude.demo import LAB_EQUATION_2, demo_key, load_demo
from multitude.domain.governance.rows import ProposalRow
from multitude.errors import Refused
from multitude.ledger.event import event_time
from multitude.node import Node
from multitude.store import EventFilter, open_store

CAMP = "Plaza Camp"
LAB = "Open Sensor Lab"


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo")
    code, output = run_cli(home, "demo")
    assert code == 0, output
    assert "Verified" in output
    return home


@pytest.fixture
def node(demo_home: Path) -> Iterator[Node]:
    with Node.open(home=demo_home) as opened:
        yield opened


def _proposal(node: Node, network: str, title: str) -> ProposalRow:
    found = [row for row in node.proposals(network) if row.title.startswith(title)]
    assert len(found) == 1, [row.title for row in node.proposals(network)]
    return found[0]


def _count(node: Node) -> int:
    return int(node.store.count_events())


def test_the_general_assembly_gave_dara_the_facilitator_role_over_a_block(node: Node) -> None:
    row = _proposal(node, CAMP, "Dara joins the facilitators")

    assert (row.status, row.passed, row.method) == ("closed", "yes", "modified_consensus")
    assert "blocked by Chen Wei" in row.statement
    assert "agree 4 of 5 votes cast meets at least 3/4" in row.statement
    assert "stand aside 1" in row.statement
    assert json.loads(row.effects) == [["grant_role", "granted"]]
    dara = demo_key("dara").public
    camp_roles = {m.agent: m.roles for m in node.members(CAMP) if not m.via}
    assert "facilitator" in camp_roles[dara]
    # The charter reserves it: nobody grants a role in the camp directly any more.
    assert "grant_role" in json.loads(node.network(CAMP).charter)["assembly"]["decides"]


def test_the_assembly_kept_its_amendment_comments_and_the_changed_vote(node: Node) -> None:
    row = _proposal(node, CAMP, "Dara joins the facilitators")

    versions = node.proposal_versions(row.proposal)
    assert [v.title for v in versions] == ["Dara joins the facilitators", row.title]
    assert row.title == "Dara joins the facilitators until the first assembly of winter"
    assert "After Chen's comment" in versions[1].note
    assert len(node.comments(row.proposal)) == 2
    positions = {node.name_of(vote.voter): json.loads(vote.ballot)["position"] for vote in node.votes(row.proposal)}
    assert positions == {"Ana Ribeiro": "agree", "Bilal Haddad": "agree", "Chen Wei": "block",
                         "Dara O'Neill": "agree", "Elif Kaya": "stand aside", "Hana Novak": "agree"}
    anas = [event for event, _ in node.log(EventFilter(author=demo_key("ana").public, type="vote.cast"))
            if event.body["proposal"] == row.proposal]
    assert [event.body["ballot"]["position"] for event in anas] == ["abstain", "agree"]
    closed = node.status(row.closed)
    assert closed.status == "applied"
    assert row.closes <= next(e for e, _ in node.log(EventFilter(type="proposal.closed"))
                              if e.id == row.closed).time


def test_the_lab_voted_its_new_equation_into_force(node: Node) -> None:
    row = _proposal(node, LAB, "Equation v3")

    assert (row.status, row.passed) == ("closed", "yes")
    assert "for 2 of 3 votes cast, more than 1/2 needed" in row.statement
    equation = node.equation(LAB)
    assert equation is not None
    assert (equation.version, equation.event) == (3, row.closed)
    assert 'name = "fund"\npercent = 15' in equation.document
    assert [e.version for e in node.equations(LAB)] == [1, 2, 3]


def test_the_lab_custodian_can_no_longer_adopt_an_equation_directly(node: Node) -> None:
    before = _count(node)
    node.use_key(demo_key("ivo"))
    version_4 = LAB_EQUATION_2.replace("version = 2", "version = 4")

    with pytest.raises(Refused, match="reserves adopting a value equation for the assembly"):
        node.adopt_equation(LAB, version_4)

    assert _count(node) == before
    equation = node.equation(LAB)
    assert equation is not None and equation.version == 3


def test_the_budget_round_skips_what_does_not_fit_and_records_the_spending(node: Node) -> None:
    row = _proposal(node, CAMP, "The second donation box")

    assert (row.status, row.passed, row.method) == ("closed", "yes", "budget")
    # Water (5 approvals) is funded; the solar panels (4) no longer fit in what is left, the
    # cheaper health kit and tarps after them do; nobody approved the library tent.
    assert json.loads(row.result) == ["water", "medkit", "tarps"]
    assert "550 of 600 EUR spent, 50 left" in row.statement
    assert "solar: does not fit" in row.statement and "library: no support" in row.statement
    spendings = [(s.purpose, Decimal(s.amount), s.currency) for s in node.spendings(CAMP)]
    assert sorted(spendings) == [("Rain tarps for the kitchen", Decimal(180), "EUR"),
                                 ("Restock the health tent", Decimal(120), "EUR"),
                                 ("Water tank and filters", Decimal(250), "EUR")]
    assert {s.proposal for s in node.spendings(CAMP)} == {row.proposal}


def test_the_radio_is_named_by_schulze(node: Node) -> None:
    row = _proposal(node, CAMP, "A name for the camp's radio")

    assert (row.status, json.loads(row.result)) == ("closed", ["Radio Plaza"])
    assert "wins by Schulze" in row.statement


def test_two_proposals_are_still_open_and_elif_lets_bilal_vote_for_her(node: Node) -> None:
    now = event_time()
    admission = _proposal(node, CAMP, "Admit Giovanni Russo")
    poll = _proposal(node, CAMP, "When is the next general assembly?")

    assert {p.proposal for p in node.proposals(CAMP, "open")} == {admission.proposal, poll.proposal}
    assert admission.closes > now and poll.closes > now
    assert [(node.name_of(d.member), node.name_of(d.delegate), d.topic) for d in node.delegations(CAMP)] == [
        ("Elif Kaya", "Bilal Haddad", "membership")]
    assert admission.topic == "membership"
    tally = node.tally(admission.proposal)
    assert "agree 3" in tally.statement and "with weight 3 of 6" in tally.statement
    assert node.tally(poll.proposal).result  # the poll has a leading time already


def test_a_visitor_votes_on_the_open_admission_but_cannot_close_it_early(demo_home: Path, tmp_path: Path,
                                                                        cli: Cli) -> None:
    home = tmp_path / "copy"
    shutil.copytree(demo_home, home)
    with Node.open(home=home) as node:
        admission = _proposal(node, CAMP, "Admit Giovanni Russo").proposal
    code, output = cli(home, "--as", "chen", "vote", admission, "block", "--reason", "Ask Communications first.")
    assert code == 0, output
    assert "blocked by Chen Wei" in output

    with Node.open(home=home) as node:
        before = _count(node)
        node.use_key(demo_key("ana"))
        with pytest.raises(Refused, match="closes at"):
            node.close_proposal(admission)
        assert _count(node) == before
        assert node.proposal(admission).status == "open"
        assert node.verify().intact


def test_the_demo_log_verifies_and_lists_its_proposals(demo_home: Path, cli: Cli) -> None:
    code, output = cli(demo_home, "verify")
    assert code == 0, output
    assert "Intact" in output and "4 proposal closes recounted from the log" in output
    code, output = cli(demo_home, "demo")
    assert code == 0 and "Proposals" in output and "Admit Giovanni Russo" in output and "open until" in output


def test_the_story_is_dated_before_it_is_loaded_and_is_the_same_for_the_same_day(tmp_path: Path) -> None:
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    digests = []
    for name in ("a", "b"):
        node = Node(open_store(tmp_path / f"{name}.db"))
        load_demo(node, now=now)
        times = [event.time for event, _ in node.log()]
        assert max(times) < event_time(now)
        digests.append((node.digest(), sorted(event.id for event, _ in node.log())))
        node.close()
    assert digests[0] == digests[1]
