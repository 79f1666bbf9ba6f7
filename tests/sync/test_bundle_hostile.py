"""Bundles made to break an importer: deep JSON, a header of the wrong shape, a giant line."""

from __future__ import annotations

from pathlib import Path

import pytest
from story import Story

from multitude.ledger import Keypair
from multitude.node import Node
from multitude.store import open_store
from multitude.sync.bundle import MAX_LINE, BundleError, export_bundle, import_bundle, read_heads


@pytest.fixture
def node(tmp_path: Path) -> Node:
    return Node(open_store(tmp_path / "node.db"))


def _good_line() -> bytes:
    return Story().profile(Keypair.generate(), "Someone").wire()


def test_a_header_nested_too_deep_is_named_and_the_events_still_read(tmp_path: Path, node: Node) -> None:
    bundle = tmp_path / "deep.bundle"
    bundle.write_bytes(b"[" * 100_000 + b"\n" + _good_line() + b"\n")
    done = import_bundle(node, bundle)
    assert done.header_problem is not None and "line 1 is not a bundle header" in done.header_problem
    assert done.added == 1
    with pytest.raises(BundleError, match="has no readable bundle header"):
        read_heads(bundle)


def test_heads_of_the_wrong_shape_are_refused_by_missing_from(tmp_path: Path, node: Node) -> None:
    bundle = tmp_path / "shape.bundle"
    bundle.write_bytes(b'{"format":"multitude-bundle/v1","heads":{"ab":[1]}}\n')
    with pytest.raises(BundleError, match=r"the head of ab is not \[seq, id\]"):
        export_bundle(node, tmp_path / "answer.bundle", missing_from=bundle)
    assert not (tmp_path / "answer.bundle").exists()


def test_a_giant_line_is_refused_by_number_without_reading_it_whole(tmp_path: Path, node: Node) -> None:
    bundle = tmp_path / "giant.bundle"
    header = b'{"format":"multitude-bundle/v1","heads":{}}\n'
    bundle.write_bytes(header + b"x" * (MAX_LINE * 3) + b"\n" + _good_line() + b"\n")
    done = import_bundle(node, bundle)
    assert done.refused == [(2, f"event: longer than {MAX_LINE} bytes")]
    assert done.added == 1
    assert done.header_problem is None
