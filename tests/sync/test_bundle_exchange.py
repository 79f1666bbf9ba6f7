"""Bundle files between nodes: two SQLite files exchange events and end in the same state,
whatever the order, damage or filter the file carried."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from multitude.demo import load_demo
from multitude.keyring import Keyring
from multitude.ledger import Keypair, seal
from multitude.node import Node, NodeError
from multitude.store import open_store
from multitude.sync.bundle import FORMAT, BundleError, export_bundle, import_bundle, read_heads


def _node(path: Path, home: Path | None = None) -> Node:
    return Node(open_store(path), Keyring(home) if home is not None else None)


def _ids(node: Node) -> set[str]:
    return {row.id for row in node.store.events()}


def _stored(node: Node) -> dict[str, tuple[bytes, str]]:
    return {row.id: (row.payload, row.sig) for row in node.store.events()}


def _bundle_ids(path: Path) -> list[str]:
    """Ids of the event lines of a bundle (after its header)."""
    return [json.loads(line)["id"] for line in path.read_bytes().splitlines()[1:]]


@pytest.fixture
def demo_node(tmp_path: Path) -> Iterator[Node]:
    node = _node(tmp_path / "a.db")
    load_demo(node)
    yield node
    node.close()


@pytest.fixture
def demo_bundle(demo_node: Node, tmp_path: Path) -> Path:
    path = tmp_path / "demo.bundle"
    done = export_bundle(demo_node, path)
    assert done.events == demo_node.store.count_events() > 0
    return path


# -- a plain exchange ------------------------------------------------------------------------


def test_a_second_node_reaches_the_same_state_from_a_bundle(
    demo_node: Node, demo_bundle: Path, tmp_path: Path
) -> None:
    other = _node(tmp_path / "b.db")

    first = import_bundle(other, demo_bundle)

    assert first.header_problem is None
    assert first.refused == []
    assert first.lines == first.added == demo_node.store.count_events()
    assert _ids(other) == _ids(demo_node)
    assert other.digest() == demo_node.digest()
    audit = other.verify()
    assert audit.intact, audit.problems
    assert [m.name for m in other.members("Open Sensor Lab")] == [
        m.name for m in demo_node.members("Open Sensor Lab")
    ]


def test_importing_the_same_bundle_twice_adds_nothing(
    demo_node: Node, demo_bundle: Path, tmp_path: Path
) -> None:
    other = _node(tmp_path / "b.db")
    import_bundle(other, demo_bundle)
    digest, count = other.digest(), other.store.count_events()

    again = import_bundle(other, demo_bundle)

    assert again.added == 0
    assert again.submitted.duplicates == again.lines == count
    assert again.refused == []
    assert other.store.count_events() == count
    assert other.digest() == digest == demo_node.digest()


def test_the_header_names_the_writers_heads(demo_node: Node, demo_bundle: Path) -> None:
    header = json.loads(demo_bundle.read_bytes().splitlines()[0])

    assert header["format"] == FORMAT
    assert header["events"] == demo_node.store.count_events()
    assert read_heads(demo_bundle) == demo_node.store.heads()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_events_in_another_order_give_the_same_digest(
    demo_node: Node, demo_bundle: Path, tmp_path: Path, seed: int
) -> None:
    header, *events = demo_bundle.read_bytes().splitlines(keepends=True)
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    assert shuffled != events
    path = tmp_path / "shuffled.bundle"
    path.write_bytes(header + b"".join(shuffled))
    other = _node(tmp_path / f"c{seed}.db")

    done = import_bundle(other, path)

    assert done.added == len(events)
    assert other.digest() == demo_node.digest()
    assert other.verify().intact


def test_the_later_half_arriving_first_gives_the_same_digest(
    demo_node: Node, demo_bundle: Path, tmp_path: Path
) -> None:
    """Two sticks: the one with the newer events is read first."""
    header, *events = demo_bundle.read_bytes().splitlines(keepends=True)
    half = len(events) // 2
    older, newer = tmp_path / "older.bundle", tmp_path / "newer.bundle"
    older.write_bytes(header + b"".join(events[:half]))
    newer.write_bytes(header + b"".join(events[half:]))
    other = _node(tmp_path / "c.db")

    import_bundle(other, newer)
    import_bundle(other, older)

    assert _ids(other) == _ids(demo_node)
    assert other.digest() == demo_node.digest()
    audit = other.verify()
    assert audit.intact, audit.problems[:3]


def test_a_node_with_a_past_of_its_own_agrees_with_one_that_heard_the_same_events_in_another_order(
    demo_bundle: Path, tmp_path: Path
) -> None:
    """B signed an event before it received the demo; E received the demo first, then B's event."""
    b = _node(tmp_path / "b.db")
    b.use_key(Keypair.generate())
    b.publish_profile("person", "Bea Local")
    own = tmp_path / "own.bundle"
    export_bundle(b, own)
    e = _node(tmp_path / "e.db")

    import_bundle(b, demo_bundle)
    import_bundle(e, demo_bundle)
    import_bundle(e, own)

    assert _ids(b) == _ids(e)
    assert b.digest() == e.digest()
    audit = b.verify()
    assert audit.intact, audit.problems[:3]


# -- damage ----------------------------------------------------------------------------------


def _flip_hex(text: bytes, at: int) -> bytes:
    replacement = b"0" if text[at : at + 1] != b"0" else b"1"
    return text[:at] + replacement + text[at + 1 :]


def test_a_damaged_bundle_loses_only_the_damaged_lines(demo_bundle: Path, tmp_path: Path) -> None:
    # B already holds events of its own, which the import must not disturb.
    b = _node(tmp_path / "b.db")
    b.use_key(Keypair.generate())
    b.publish_profile("person", "Bea Local", "Keeps the village hall.")
    hall = b.create_network("Village Hall", "The hall's bookings.", membership="approval")
    before = _stored(b)
    own = tmp_path / "own.bundle"
    export_bundle(b, own)

    lines = demo_bundle.read_bytes().splitlines(keepends=True)
    damaged = list(lines)
    # Line 4: one hex digit of the signature changed.
    sig_at = damaged[3].index(b'"sig":"') + len(b'"sig":"') + 10
    damaged[3] = _flip_hex(damaged[3], sig_at)
    # Ana's profile: one letter of the body changed, so the content no longer hashes to its id.
    ana = next(i for i, line in enumerate(damaged) if b'"name":"Ana Ribeiro"' in line)
    damaged[ana] = damaged[ana].replace(b"Ribeiro", b"Ribeira")
    # The last line cut in half, as by a pulled USB stick.
    damaged[-1] = damaged[-1][: len(damaged[-1]) // 2]
    # A line of garbage after line 10.
    damaged.insert(10, b"%%% not an event %%%\n")
    path = tmp_path / "damaged.bundle"
    path.write_bytes(b"".join(damaged))
    ruined = {4: json.loads(lines[3])["id"], ana + 1: json.loads(lines[ana])["id"],
              len(lines): json.loads(lines[-1])["id"]}
    ana_line = ana + 1 if ana + 1 <= 10 else ana + 2  # line numbers after the garbage line
    last_line = len(lines) + 1

    done = import_bundle(b, path)

    assert done.header_problem is None
    assert done.lines == len(lines)  # every event line plus the garbage line, minus the header
    reasons = dict(done.refused)
    assert sorted(reasons) == sorted([4, ana_line, 11, last_line])
    assert "sig" in reasons[4] and "signature" in reasons[4]
    assert "id" in reasons[ana_line] and "content" in reasons[ana_line]
    assert "JSON" in reasons[11]
    assert "JSON" in reasons[last_line]
    intact = set(_bundle_ids(demo_bundle)) - set(ruined.values())
    assert done.added == len(intact)
    held = _ids(b)
    assert intact <= held
    assert not set(ruined.values()) & held

    # Nothing B held before is lost or altered.
    after = _stored(b)
    assert {key: after[key] for key in before} == before
    assert b.network(hall).name == "Village Hall"
    assert "Bea Local" in [row.name for row in b.agents()]

    # Same state as a node that received B's own events and only the intact lines.
    clean = tmp_path / "clean.bundle"
    kept = [line for line in lines[1:] if json.loads(line)["id"] in intact]
    clean.write_bytes(lines[0] + b"".join(kept))
    d = _node(tmp_path / "d.db")
    import_bundle(d, own)
    import_bundle(d, clean)
    assert _ids(d) == held
    assert b.digest() == d.digest()
    assert b.verify().intact


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(b'{"format":"multitude-bundle/v0","heads":{}}\n', id="other-format"),
        pytest.param(b'{"format":"multitude-bun\n', id="truncated"),
        pytest.param(b"\xff\xfe garbage\n", id="not-utf8"),
        pytest.param(b"", id="missing"),
    ],
)
def test_a_damaged_header_still_lets_the_events_in(
    demo_node: Node, demo_bundle: Path, tmp_path: Path, header: bytes
) -> None:
    events = demo_bundle.read_bytes().splitlines(keepends=True)[1:]
    path = tmp_path / "headless.bundle"
    path.write_bytes(header + b"".join(events))
    other = _node(tmp_path / "b.db")

    done = import_bundle(other, path)

    assert done.header_problem is not None
    assert "header" in done.header_problem
    assert done.added == len(events)
    assert other.digest() == demo_node.digest()
    # A damaged header line that is not an event counts as one refused line, no more.
    assert len(done.refused) == (1 if header else 0)
    with pytest.raises(BundleError, match="header"):
        read_heads(path)


def test_an_empty_file_is_reported_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.bundle"
    path.write_bytes(b"")
    node = _node(tmp_path / "b.db")
    digest = node.digest()

    done = import_bundle(node, path)

    assert done.header_problem is not None and "empty" in done.header_problem
    assert done.added == 0
    assert node.digest() == digest


def test_a_missing_file_is_a_bundle_error(tmp_path: Path) -> None:
    node = _node(tmp_path / "b.db")
    with pytest.raises(BundleError, match="no bundle"):
        import_bundle(node, tmp_path / "nowhere.bundle")


# -- --missing-from --------------------------------------------------------------------------


def test_missing_from_sends_exactly_what_the_other_node_lacks(tmp_path: Path) -> None:
    a = _node(tmp_path / "a.db", tmp_path / "home-a")
    load_demo(a, a.keyring)
    b = _node(tmp_path / "b.db")
    b.use_key(Keypair.generate())

    # A shared past: B takes A's log, acts, and A takes B's events back.
    first = tmp_path / "a1.bundle"
    export_bundle(a, first)
    import_bundle(b, first)
    b.publish_profile("person", "Bea", "Joins the kitchen.")
    b.request_membership("Kitchen")
    back = tmp_path / "b1.bundle"
    export_bundle(b, back)
    import_bundle(a, back)
    assert _ids(a) == _ids(b)

    # Then both act apart: A as a known author (higher seq) and as a new one; B on its own.
    assert a.keyring is not None
    a.use_key(a.keyring.load("ana"))
    a.publish_profile("person", "Ana Ribeiro", "Facilitates the assembly; back from leave.")
    a.use_key(Keypair.generate())
    a.publish_profile("person", "Omar", "New at the camp.")
    a.request_membership("Health")
    b.create_network("Tool Shed", "Lending tools.")
    b.leave("Kitchen")

    theirs = tmp_path / "b2.bundle"
    export_bundle(b, theirs)
    answer = tmp_path / "answer.bundle"
    done = export_bundle(a, answer, missing_from=theirs)

    lacking = _ids(a) - _ids(b)
    assert len(lacking) == 3
    assert sorted(_bundle_ids(answer)) == sorted(lacking)
    assert done.events == 3

    import_bundle(b, answer)
    assert _ids(a) <= _ids(b)
    assert "Omar" in [row.name for row in b.agents()]


def test_missing_from_sends_a_fork_at_the_other_nodes_head(tmp_path: Path) -> None:
    """Both nodes signed seq N+1 with the same key: the other side holds a different event there."""
    key = Keypair.generate()
    a = _node(tmp_path / "a.db")
    a.use_key(key)
    a.publish_profile("person", "Kim", "First words.")
    shared = tmp_path / "shared.bundle"
    export_bundle(a, shared)
    b = _node(tmp_path / "b.db")
    b.use_key(key)
    import_bundle(b, shared)

    a.publish_profile("person", "Kim", "Said on the laptop.")
    b.publish_profile("person", "Kim", "Said on the phone.")
    theirs = tmp_path / "b.bundle"
    export_bundle(b, theirs)
    answer = tmp_path / "answer.bundle"
    export_bundle(a, answer, missing_from=theirs)

    assert set(_bundle_ids(answer)) == _ids(a) - _ids(b)
    assert len(_bundle_ids(answer)) == 1
    import_bundle(b, answer)
    assert b.equivocators() == [key.public]


def test_missing_from_a_file_without_heads_is_refused(demo_node: Node, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bundle"
    junk.write_text("hello\n")
    target = tmp_path / "answer.bundle"

    with pytest.raises(BundleError, match="header"):
        export_bundle(demo_node, target, missing_from=junk)
    assert not target.exists()


# -- filters ---------------------------------------------------------------------------------


def test_network_filter_selects_the_network_and_its_events(demo_node: Node, tmp_path: Path) -> None:
    lab = demo_node.network("Open Sensor Lab").network
    path = tmp_path / "lab.bundle"

    done = export_bundle(demo_node, path, network="Open Sensor Lab")

    ids = _bundle_ids(path)
    assert done.events == len(ids)
    assert lab in ids  # the network.created event itself
    events = {event.id: event for event, _ in demo_node.log()}
    scoped = {i for i in ids if events[i].network == lab or i == lab}
    counts = Counter(events[i].type for i in scoped)
    assert (counts["network.created"], counts["membership.approved"], counts["role.granted"]) == (1, 2, 2)
    assert (counts["equation.adopted"], counts["income.recorded"], counts["distribution.recorded"]) == (2, 2, 2)
    assert scoped == {e.id for e in events.values() if e.network == lab or e.id == lab}
    # Besides, what the lab's people signed outside any network: their profiles, Lena's phone.
    lab_people = {member.agent for member in demo_node.members("Open Sensor Lab")}
    context = [events[i] for i in ids if i not in scoped]
    assert {e.type for e in context} == {"agent.profile", "agent.device_linked"}
    assert all(e.network is None for e in context)
    assert lab_people <= {e.author for e in context}


def test_network_filter_by_unknown_name_is_refused_and_writes_nothing(
    demo_node: Node, tmp_path: Path
) -> None:
    path = tmp_path / "none.bundle"
    with pytest.raises(NodeError, match="no network"):
        export_bundle(demo_node, path, network="Atlantis")
    assert not path.exists()


def test_since_filter_selects_events_from_that_time_on(tmp_path: Path) -> None:
    key = Keypair.generate()
    times = [f"{year}-03-01T09:00:00.000000Z" for year in (2021, 2022, 2023)]
    events, prev = [], None
    for seq, moment in enumerate(times, 1):
        event = seal(key, seq=seq, prev=prev, type="agent.profile", time=moment,
                     body={"v": 1, "kind": "person", "name": f"Kim {seq}"})
        events.append(event)
        prev = event.id
    node = _node(tmp_path / "a.db")
    assert node.submit(events).refused == []

    later = tmp_path / "later.bundle"
    export_bundle(node, later, since="2022-03-01T09:00:00.000000Z")  # inclusive
    newest = tmp_path / "newest.bundle"
    export_bundle(node, newest, since="2022-03-01T09:00:00.000001Z")
    none = tmp_path / "none.bundle"
    export_bundle(node, none, since="2024-01-01T00:00:00.000000Z")

    assert _bundle_ids(later) == [events[1].id, events[2].id]
    assert _bundle_ids(newest) == [events[2].id]
    assert _bundle_ids(none) == []
    # The header still names every head, so the other side can answer with what it lacks.
    assert read_heads(none) == {key.public: (3, events[2].id)}


# -- writing atomically ----------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".part"))


@pytest.mark.parametrize(
    "failure", [RuntimeError("power cut"), OSError(28, "No space left on device")]
)
def test_a_failed_export_leaves_the_previous_bundle_untouched(
    demo_node: Node, tmp_path: Path, failure: Exception
) -> None:
    folder = tmp_path / "stick"
    path = folder / "camp.bundle"
    export_bundle(demo_node, path, network="Kitchen")
    previous = path.read_bytes()
    written = 0

    def fail_midway(amount: int) -> None:
        nonlocal written
        written += amount
        if written == 5:
            raise failure

    expected = BundleError if isinstance(failure, OSError) else type(failure)
    with pytest.raises(expected):
        export_bundle(demo_node, path, on_progress=fail_midway)

    assert written == 5
    assert path.read_bytes() == previous
    assert _leftovers(folder) == []
    assert sorted(p.name for p in folder.iterdir()) == ["camp.bundle"]


def test_an_export_into_a_file_where_a_folder_should_be_fails_cleanly(
    demo_node: Node, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file, not a folder")

    with pytest.raises(BundleError, match="cannot write"):
        export_bundle(demo_node, blocker / "camp.bundle")

    assert blocker.read_text() == "a file, not a folder"
    assert _leftovers(tmp_path) == []


def test_a_successful_export_replaces_the_previous_bundle(demo_node: Node, tmp_path: Path) -> None:
    path = tmp_path / "camp.bundle"
    export_bundle(demo_node, path, network="Kitchen")
    small = len(_bundle_ids(path))

    export_bundle(demo_node, path)

    assert len(_bundle_ids(path)) == demo_node.store.count_events() > small
    assert _leftovers(tmp_path) == []
