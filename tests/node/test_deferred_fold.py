"""A large submission that interleaves with what a node holds folds the log once, not per batch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from story import Story, entries, person

from multitude.ledger import Event
from multitude.node import Node
from multitude.projection import Entry
from multitude.store import open_store

PEOPLE = [person(f"p{n}") for n in range(6)]


def _two_sides() -> tuple[list[Event], list[Event]]:
    """Two camps' events, alternating in time: what one node did while the other was offline."""
    story = Story()
    camps = [story.network(PEOPLE[0], "North"), story.network(PEOPLE[1], "South")]
    for round_ in range(6):
        for n, person_ in enumerate(PEOPLE[2:]):
            if round_ == 0:
                story.join(person_, camps[n % 2])
            else:
                story.profile(person_, f"{n} in round {round_}")
    by_side: tuple[list[Event], list[Event]] = ([], [])
    for event in story.events:
        side = 0 if event.author in (PEOPLE[0].public, PEOPLE[2].public, PEOPLE[4].public) else 1
        by_side[side].append(event)
    return by_side


def _reference(tmp_path: Path, events: list[Event]) -> str:
    node = Node(open_store(tmp_path / "reference.db"))
    node.submit([e.wire() for e in events])
    digest = node.digest()
    node.close()
    return digest


def test_an_interleaving_submission_folds_once_and_agrees_with_a_fresh_fold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs = _two_sides()
    node = Node(open_store(tmp_path / "node.db"))
    node.submit([e.wire() for e in ours])
    folds: list[int] = []
    original = node.projector._refold
    monkeypatch.setattr(node.projector, "_refold", lambda: folds.append(1) or original())
    result = node.submit([e.wire() for e in theirs], batch_size=3)
    assert len(folds) == 1
    assert node.digest() == _reference(tmp_path, ours + theirs)
    assert all(receipt.status == node.status(receipt.event).status for receipt in result.receipts)
    assert node.verify().intact


def test_a_submission_cut_short_before_its_fold_is_folded_when_the_node_reopens(tmp_path: Path) -> None:
    ours, theirs = _two_sides()
    node = Node(open_store(tmp_path / "node.db"))
    node.submit([e.wire() for e in ours])
    batch: list[Entry] = entries(theirs)
    report = node.projector.append(batch, defer=True)
    assert report.deferred  # appended, not folded: the process stops here
    node.close()
    reopened = Node(open_store(tmp_path / "node.db"))
    assert reopened.digest() == _reference(tmp_path, ours + theirs)
    assert reopened.verify().intact
    reopened.close()


def test_a_command_on_a_projection_left_stale_by_another_process_folds_it_first(tmp_path: Path) -> None:
    ours, theirs = _two_sides()
    importer = Node(open_store(tmp_path / "node.db"))
    importer.submit([e.wire() for e in ours])
    worker = Node(open_store(tmp_path / "node.db"))  # another process on the same store
    assert importer.projector.append(entries(theirs), defer=True).deferred
    worker.use_key(PEOPLE[5])
    receipt = worker.publish_profile("person", "Still here")
    assert receipt.status == "applied"
    mine = worker.log()[-1][0]
    assert mine.id == receipt.event
    assert worker.digest() == _reference(tmp_path, [*ours, *theirs, mine])
    importer.close()
    worker.close()


def test_events_that_stop_coming_midway_are_still_folded_and_reported(tmp_path: Path) -> None:
    ours, theirs = _two_sides()
    node = Node(open_store(tmp_path / "node.db"))
    node.submit([e.wire() for e in ours])

    def cut_short() -> Iterator[bytes]:
        yield from (e.wire() for e in theirs[:7])
        raise OSError("the USB stick was pulled out")

    with pytest.raises(OSError, match="pulled out"):
        node.submit(cut_short(), batch_size=3)
    assert node.store.get_meta("projection_stale") is None
    assert all(node.status(e.id).status == "applied" for e in theirs[:6])
    assert node.verify().intact
