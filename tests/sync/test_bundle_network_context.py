"""A bundle of one network carries what its events need to be applied elsewhere."""

from __future__ import annotations

from pathlib import Path

from multitude.demo import load_demo
from multitude.node import Node
from multitude.store import open_store
from multitude.sync.bundle import export_bundle, import_bundle


def test_a_network_bundle_applies_on_a_node_that_knew_nothing(tmp_path: Path) -> None:
    source = Node(open_store(tmp_path / "source.db"))
    load_demo(source)
    export_bundle(source, tmp_path / "camp.bundle", network="Plaza Camp")
    receiver = Node(open_store(tmp_path / "receiver.db"))
    done = import_bundle(receiver, tmp_path / "camp.bundle")
    assert done.refused == []
    assert {r.status for r in done.submitted.receipts} == {"applied", "rejected"}
    for receipt in done.submitted.receipts:
        assert receipt.status == source.status(receipt.event).status, receipt
    assert receiver.members("Plaza Camp") == source.members("Plaza Camp")
    assert [n.name for n in receiver.networks()] == ["Assembly", "Communications", "Health", "Kitchen", "Plaza Camp"]
    assert receiver.verify().intact
