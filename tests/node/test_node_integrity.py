"""What a node does with bad, forged, unauthorised and tampered events, on both stores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from story import Story, person
from tamper import tamper

from multitude.ledger import Keypair, seal
from multitude.node import Node, NodeError, Refused
from multitude.store import open_store

ana, bo = person("ana"), person("bo")


@pytest.fixture
def node(store_url: str) -> Iterator[Node]:
    opened = Node(open_store(store_url))
    opened.use_key(ana)
    yield opened
    opened.close()


def _camp(node: Node) -> str:
    node.publish_profile("person", "Ana")
    camp = node.create_network("Camp", membership="approval")
    node.use_key(bo)
    node.request_membership("Camp")
    node.use_key(ana)
    return camp


def test_malformed_events_are_refused_by_name_and_change_nothing(node: Node) -> None:
    _camp(node)
    before = (node.store.count_events(), node.digest())
    stranger = Keypair.generate()
    good = Story().profile(stranger, "Someone")
    wire = json.loads(good.wire())
    unknown = seal(stranger, seq=1, prev=None, type="agent.teleported", body={"v": 1})
    bad = [
        dict(wire, sig="00" * 64),
        dict(wire, id="ab" * 32),
        unknown.wire(),
        {key: value for key, value in wire.items() if key != "prev"},
        b'{"id": 1.5}',
        b"not json",
    ]
    result = node.submit(bad)
    problems = [why for _, why in result.refused]
    assert [index for index, _ in result.refused] == [1, 2, 3, 4, 5, 6]
    assert problems[0].endswith("sig: is not a valid signature by the author")
    assert problems[1].startswith("id: does not match the event's content")
    assert "unknown event type 'agent.teleported'" in problems[2]
    assert problems[3] == "prev: is missing"
    assert "floating-point number 1.5 is not allowed" in problems[4]
    assert (node.store.count_events(), node.digest()) == before


def test_an_unauthorised_event_is_kept_as_rejected_and_changes_nothing_else(node: Node) -> None:
    _camp(node)
    before = node.digest()
    node.use_key(bo)
    with pytest.raises(Refused, match="only a member holding the custodian role may decide on admissions"):
        node.approve("Camp", bo.public)
    assert node.digest() == before  # refused before signing: nothing stored
    receipt = node.act("membership.approved", {"v": 1, "member": bo.public}, node.network("Camp").network,
                       check=False)
    assert receipt.status == "rejected"
    assert receipt.reason == "only a member holding the custodian role may decide on admissions"
    assert not node.is_member("Camp")
    assert node.status(receipt.event).status == "rejected"
    assert node.verify().intact


def test_a_single_changed_byte_in_a_stored_event_is_caught(node: Node, store_url: str) -> None:
    _camp(node)
    victim = node.log()[1][0]
    payload = bytearray(victim.payload)
    position = payload.index(b"Camp")
    payload[position] = ord("K")
    tamper(store_url, "UPDATE events SET payload = ? WHERE id = ?", (bytes(payload), victim.id))
    report = node.verify()
    assert not report.intact
    assert any(f.subject == victim.id and "does not match the stored content" in f.message for f in report.problems)


def test_a_changed_column_or_a_deleted_event_is_caught(node: Node, store_url: str) -> None:
    _camp(node)
    first, second = node.log()[0][0], node.log()[2][0]
    tamper(store_url, "UPDATE events SET time = ? WHERE id = ?", ("2020-01-01T00:00:00.000000Z", first.id))
    tamper(store_url, "DELETE FROM events WHERE id = ?", (second.id,))
    report = node.verify()
    messages = {f.subject: f.message for f in report.problems}
    assert messages[first.id] == "stored column time differs from the signed content"
    assert messages["log"].startswith("the projection folded 3 events but the log holds")


def test_a_changed_projection_is_caught_and_rebuild_repairs_it(node: Node, store_url: str) -> None:
    camp = _camp(node)
    digest = node.digest()
    tamper(store_url, "UPDATE p_memberships SET status = 'member' WHERE member = ?", (bo.public,))
    report = node.verify()
    assert [f.subject for f in report.problems] == [f"memberships:{camp[:12]}/{bo.public[:12]}"]
    node.rebuild()
    assert node.digest() == digest
    assert node.verify().intact


def test_an_equivocation_is_kept_as_evidence_and_flags_its_author(node: Node) -> None:
    story = Story()
    first = story.profile(bo, "Bo")
    twin = story.sign(bo, "agent.profile", seq=1, prev=None, kind="person", name="Bo (other phone)")
    node.submit([first.wire(), twin.wire()])
    assert node.store.count_events() == 2
    assert node.equivocators() == [bo.public]
    report = node.verify()
    assert report.intact
    assert any("equivocation: two events at seq 1" in f.message for f in report.notes)
    statuses = sorted(node.status(e.id).status for e in (first, twin))
    assert statuses == ["applied", "rejected"]


def test_an_event_waits_for_its_network_then_applies(node: Node) -> None:
    story = Story()
    camp = story.network(ana, "Camp")
    join = story.join(bo, camp)
    node.submit([join.wire()])
    assert node.status(join.id).status == "pending"
    node.submit([story.events[0].wire()])
    assert node.status(join.id).status == "applied"
    assert node.verify().intact


def test_importing_twice_changes_nothing(node: Node) -> None:
    story = Story()
    camp = story.network(ana, "Camp")
    story.join(bo, camp)
    wires = [e.wire() for e in story.events]
    first = node.submit(wires)
    digest = node.digest()
    second = node.submit(wires)
    assert (len(first.receipts), first.duplicates) == (2, 0)
    assert (len(second.receipts), second.duplicates) == (0, 2)
    assert node.digest() == digest


def test_unknown_names_and_missing_identity_give_clear_errors(store_url: str) -> None:
    node = Node(open_store(store_url))
    try:
        with pytest.raises(NodeError, match="no network 'Nowhere' here"):
            node.network("Nowhere")
        with pytest.raises(NodeError, match="this node has no identity to sign with"):
            node.create_network("Camp")
    finally:
        node.close()


def test_an_event_dated_far_ahead_is_refused_until_its_time(node: Node) -> None:
    story = Story()
    soon = story.sign(bo, "agent.profile", time=datetime.now(UTC) + timedelta(hours=2), kind="person", name="Bo")
    later = story.sign(bo, "agent.profile", time=datetime.now(UTC) + timedelta(days=3), kind="person", name="Bo²")
    result = node.submit([soon.wire(), later.wire()])
    assert [r.event for r in result.receipts] == [soon.id]
    assert [(index, why.split(": ", 1)[1]) for index, why in result.refused] == [
        (2, "time: is more than a day ahead of this node's clock; it can be imported again once its time has come")
    ]


def test_what_the_node_signs_comes_after_what_it_has_seen(node: Node, monkeypatch: pytest.MonkeyPatch) -> None:
    """A peer whose clock runs five minutes fast does not make each local command redo the log."""
    story = Story()
    ahead = story.sign(bo, "network.created", time=datetime.now(UTC) + timedelta(minutes=5), name="Fast camp",
                       charter={"membership": "open", "approver_role": "custodian", "roles": []})
    node.submit([ahead.wire()])
    refolds = []
    original = node.projector._refold
    monkeypatch.setattr(node.projector, "_refold", lambda: refolds.append(1) or original())
    receipt = node.request_membership("Fast camp")
    assert receipt.status == "applied"
    assert refolds == []
    mine = node.log()[-1][0]
    assert mine.id == receipt.event and mine.time > ahead.time


def test_a_peer_clock_far_ahead_is_not_followed(node: Node) -> None:
    """The node keeps signing with its own clock, or its events would look dated in the future."""
    story = Story()
    ahead = story.sign(bo, "network.created", time=datetime.now(UTC) + timedelta(hours=3), name="Fast camp",
                       charter={"membership": "open", "approver_role": "custodian", "roles": []})
    node.submit([ahead.wire()])
    receipt = node.request_membership("Fast camp")
    mine = node.log()[-1][0]
    assert receipt.status == "applied"  # folded after the network's creation all the same
    assert mine.time < ahead.time
    assert node.verify().intact
