"""Node.act_many: commands of several keys signed and appended in one transaction, each judged
as Node.act judges it."""

from __future__ import annotations

from pathlib import Path

import pytest

from multitude.errors import NodeError, Refused
from multitude.ledger import Keypair
from multitude.node import Command, Node, Receipt


def test_each_command_gets_its_own_answer_and_only_the_allowed_are_stored(store_url: str, tmp_path: Path) -> None:
    with Node.open(home=tmp_path, db=store_url) as node:
        ana, bo, zed, cy = (Keypair.generate() for _ in range(4))
        node.use_key(ana)
        network = node.create_network("Kitchen")
        node.use_key(bo)
        node.request_membership(network)
        node.use_key(cy)
        node.request_membership(network)
        before = node.store.count_events()
        work = {"v": 1, "action": "work", "hours": "2"}
        results = node.act_many([
            Command(bo, "contribution.logged", work, network),
            Command(zed, "contribution.logged", work, network),  # not a member
            Command(cy, "contribution.logged", {"v": 1, "action": "dance"}, network),  # no such action
            Command(ana, "contribution.logged", {**work, "hours": "1"}, network),
        ])
        assert isinstance(results[0], Receipt) and results[0].status == "applied"
        assert isinstance(results[1], Refused) and "member" in str(results[1])
        assert isinstance(results[2], NodeError) and not isinstance(results[2], Refused)
        assert isinstance(results[3], Receipt) and results[3].status == "applied"
        assert node.store.count_events() == before + 2
        assert sorted(row.contributor for row in node.contributions(network)) == sorted([bo.public, ana.public])
        assert node.verify().intact


def test_one_key_twice_in_a_batch_is_refused_before_anything_is_signed(tmp_path: Path) -> None:
    with Node.open(home=tmp_path) as node:
        ana = Keypair.generate()
        command = Command(ana, "agent.profile", {"v": 1, "kind": "person", "name": "Ana"}, None)
        with pytest.raises(ValueError, match="one command per key"):
            node.act_many([command, command])
        assert node.store.count_events() == 0
