"""Assemblies through the node: a close dated ahead of the node's clock is not taken, whether it
is posted or replicated, so nobody shuts voting early."""

from __future__ import annotations

from pathlib import Path

import pytest
from story import person

from multitude.domain.governance.rules import closing_body
from multitude.ledger import MalformedEvent, seal
from multitude.node import Node

ana, ben = person("ana"), person("ben")


@pytest.fixture
def node(tmp_path: Path) -> Node:
    opened = Node.open(home=tmp_path / "home", db=str(tmp_path / "camp.db"))
    opened.use_key(ana)
    return opened


def test_a_close_dated_ahead_of_the_clock_is_refused_and_votes_stay_open(node: Node) -> None:
    camp = node.create_network("Camp")
    proposal = node.propose(camp, "Quiet hours", "consent", "+20h").event
    row = node.proposal(proposal)
    head = node.log()[-1][0]
    body = closing_body(node.projector.state, proposal, row.closes)
    early = seal(ana, seq=head.seq + 1, prev=head.id, type="proposal.closed", body=body, network=camp,
                 time=row.closes)
    with pytest.raises(MalformedEvent, match="closes a proposal at a time still to come on this node's clock"):
        node.submit_checked(early.wire())
    submitted = node.submit([early])
    assert submitted.refused == [(1, f"event {early.id[:12]}: time: closes a proposal at a time still to come on "
                                      "this node's clock; it can be imported again once its time has come")]
    assert node.proposal(proposal).status == "open"
    node.use_key(ben)
    node.request_membership(camp)
    assert node.vote(proposal, position="consent").status == "applied"


def test_verify_says_a_close_was_refused_rather_than_that_its_recount_differs(node: Node) -> None:
    camp = node.create_network("Camp")
    proposal = node.propose(camp, "Quiet hours", "consent", "+1h").event
    body = closing_body(node.projector.state, proposal, node.signing_time())
    early = node.act("proposal.closed", body, camp, check=False)
    notes = {finding.subject: finding.message for finding in node.verify().notes}
    assert notes[early.event].startswith("this close was refused: the proposal closes at ")
    assert node.verify().closes == 0
