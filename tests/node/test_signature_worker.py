"""Large submissions check signatures in a worker process; the answers are the same as in place."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import sys
import threading
from pathlib import Path

import pytest
from story import Story

from multitude.ledger import Keypair
from multitude.node import Node
from multitude.store import open_store
from multitude.verifier import SignatureChecks

PEOPLE = [Keypair.generate() for _ in range(6)]
F_SETPIPE_SZ = 1031  # Linux's fcntl command to resize a pipe


def _wires() -> list[bytes]:
    story = Story()
    camp = story.network(PEOPLE[0], "Camp")
    for person in PEOPLE[1:]:
        story.profile(person, "someone")
        story.join(person, camp)
    wires = [event.wire() for event in story.events]
    forged = json.loads(wires[7])
    forged["sig"] = "00" * 64
    wires[7] = json.dumps(forged).encode()
    return wires


def _submit(tmp_path: Path, name: str) -> tuple[list[tuple[int, str]], str, int]:
    node = Node(open_store(tmp_path / f"{name}.db"))
    try:
        result = node.submit(_wires(), batch_size=3)
        return result.refused, node.digest(), len(result.receipts)
    finally:
        node.close()


def test_a_worker_checks_later_batches_and_refuses_a_forged_signature(tmp_path: Path) -> None:
    refused, digest, added = _submit(tmp_path, "worker")
    assert [index for index, _ in refused] == [8]
    assert refused[0][1].endswith("sig: is not a valid signature by the author")
    assert added == 10
    in_place = Node(open_store(tmp_path / "in-place.db"))
    try:
        result = in_place.submit(_wires(), batch_size=1000)  # one batch: checked in place
        assert result.refused == refused
        assert in_place.digest() == digest
    finally:
        in_place.close()


def test_when_no_worker_can_start_checks_go_on_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    refused, _, added = _submit(tmp_path, "no-worker")
    assert [index for index, _ in refused] == [8]
    assert added == 10


def test_a_worker_that_dies_is_replaced_by_checks_in_place(tmp_path: Path) -> None:
    story = Story()
    events = [story.profile(Keypair.generate(), f"p{n}") for n in range(4)]
    forged = dataclasses.replace(events[3], sig="00" * 64)
    with SignatureChecks() as checks:
        assert checks.start(events[:2])() == [True, True]  # the first batch: in place
        assert checks.start([*events[2:3], forged])() == [True, False]  # then by the worker
        worker = checks._worker
        assert worker is not None
        worker.kill()
        worker.wait()
        assert checks.start([*events, forged])() == [True, True, True, True, False]
        assert checks._worker is None


def test_small_pipes_cannot_deadlock_the_worker() -> None:
    """Answers of 5,000 bytes through a pipe of 4 KiB, as Linux gives when pipe memory is short."""
    event = Story().profile(Keypair.generate(), "someone")
    finished: list[list[bool]] = []

    def run() -> None:
        with SignatureChecks() as checks:
            checks.start([event])()
            second = checks.start([event] * 5000)
            assert checks._worker is not None and checks._worker.stdout is not None
            fcntl.fcntl(checks._worker.stdout.fileno(), F_SETPIPE_SZ, 4096)
            third = checks.start([event] * 5000)
            finished.extend([second(), third()])

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the signature checks deadlocked"
    assert finished == [[True] * 5000, [True] * 5000]
