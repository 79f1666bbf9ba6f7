"""The store contract: every adapter (SQLite, PostgreSQL) must pass every test here.

Each test takes the `store` fixture, which runs it once per adapter against a real database.
"""

from __future__ import annotations

import pytest
from tamper import raw_sql

from multitude.store import STATUS_SPEC, EventFilter, EventRow, Store, StoreError, TableSpec, open_store, sql
from multitude.store.migrations import MIGRATIONS, Migration

SPEC = TableSpec("things", (("network", "text"), ("member", "text"), ("count", "int"), ("note", "text")), 2)


def row(n: int, author: str = "a" * 64, seq: int | None = None, prev: str | None = None,
        network: str | None = None, type: str = "agent.profile") -> EventRow:
    event_id = f"{n:064x}"
    return EventRow(event_id, author, seq or n, prev, f"2026-01-01T00:00:{n % 60:02d}.000000Z", type, network,
                    b'{"n":%d}' % n, "f" * 128)


def test_migrations_are_recorded_once(store: Store, store_url: str) -> None:
    assert [(version, name) for version, name, _ in store.migrations()] == [
        (1, "the event log and node metadata"),
        (2, "each event's projection status kept beside it"),
        (3, "the database itself refuses to edit or delete a signed event"),
        (4, "hosted accounts: people who log in to this node, and their sessions and API tokens"),
        (5, "a network's latest events found through an index, not sorted from all of them"),
    ]
    again = open_store(store_url)
    assert again.migrations() == store.migrations()
    again.close()


def test_appending_is_idempotent_and_keeps_bytes_exactly(store: Store) -> None:
    rows = [row(1), row(2, prev=row(1).id)]
    with store.batch():
        store.insert_events(rows)
    with store.batch():
        store.insert_events(rows)
    assert store.count_events() == 2
    assert list(store.events()) == rows
    assert store.existing([row(1).id, row(3).id]) == {row(1).id}
    assert store.events_by_id([row(2).id]) == [rows[1]]


def test_a_failed_batch_leaves_nothing_behind(store: Store) -> None:
    with store.batch():
        store.insert_events([row(1)])
        store.set_meta("kept", "yes")
    with pytest.raises(RuntimeError), store.batch():
        store.insert_events([row(2)])
        store.set_meta("kept", "no")
        raise RuntimeError("power cut")
    assert store.count_events() == 1
    assert store.get_meta("kept") == "yes"


def test_filters_select_by_network_author_type_and_time(store: Store) -> None:
    net = "e" * 64
    rows = [row(1), row(2, author="b" * 64, seq=1, network=net, type="membership.requested"), row(3, seq=2)]
    with store.batch():
        store.insert_events(rows)
    assert [r.id for r in store.events(EventFilter(network=net))] == [rows[1].id]
    assert [r.id for r in store.events(EventFilter(author="a" * 64))] == [rows[0].id, rows[2].id]
    assert [r.id for r in store.events(EventFilter(type="membership.requested"))] == [rows[1].id]
    assert [r.id for r in store.events(EventFilter(since="2026-01-01T00:00:02.000000Z"))] == [rows[1].id, rows[2].id]
    assert [r.id for r in store.events(EventFilter(limit=1))] == [rows[0].id]


def test_pages_of_what_a_reader_may_see_and_their_count(store: Store) -> None:
    seen, hidden = "e" * 64, "d" * 64
    rows = [row(1), row(2, network=seen), row(3, network=hidden), row(4, network=seen), row(5)]
    with store.batch():
        store.insert_events(rows)
    visible = [rows[0].id, rows[1].id, rows[3].id, rows[4].id]
    reader = EventFilter(visible_in=frozenset({seen}))
    assert [r.id for r in store.events(reader)] == visible
    assert store.count_events(reader) == 4 and store.count_events() == 5
    assert [r.id for r in store.events(EventFilter(visible_in=frozenset()))] == [rows[0].id, rows[4].id]
    assert [r.id for r in store.events(EventFilter(visible_in=frozenset({seen}), limit=2, offset=1))] == visible[1:3]
    assert [r.id for r in store.events(EventFilter(visible_in=frozenset({seen}), last=2, offset=1))] == visible[1:3]
    assert [r.id for r in store.events(EventFilter(offset=3))] == [rows[3].id, rows[4].id]
    assert store.count_events(EventFilter(network=seen, limit=1, offset=1)) == 2  # paging aside


def test_heads_equivocations_and_prev_references(store: Store) -> None:
    first, second = row(1, seq=1), row(2, seq=2, prev=row(1).id)
    twin = row(3, seq=2, prev=row(1).id)
    other = row(4, author="b" * 64, seq=5)
    with store.batch():
        store.insert_events([first, second, twin, other])
    assert store.head("a" * 64) == (2, min(second.id, twin.id))
    assert store.head("c" * 64) is None
    assert store.heads() == {"a" * 64: (2, min(second.id, twin.id)), "b" * 64: (5, other.id)}
    assert store.equivocations() == [("a" * 64, 2, sorted([second.id, twin.id]))]


def test_projection_tables_write_read_and_keep_types(store: Store) -> None:
    assert store.prepare_projection([SPEC, STATUS_SPEC], "shape-1") is True
    with store.batch():
        store.upsert(SPEC, [("n1", "m1", 1, "é ✓"), ("n1", "m2", 2**40, "")])
        store.upsert(SPEC, [("n1", "m1", 3, "again")])
        store.delete(SPEC, [("n1", "m2")])
    assert store.rows(SPEC) == [("n1", "m1", 3, "again")]
    assert store.rows(SPEC, {"member": "m1"}) == [("n1", "m1", 3, "again")]
    assert store.rows_in(SPEC, "member", ["m1", "m9"]) == [("n1", "m1", 3, "again")]
    assert isinstance(store.rows(SPEC)[0][2], int)


def test_a_changed_projection_shape_starts_the_projection_afresh(store: Store) -> None:
    store.prepare_projection([SPEC], "shape-1")
    with store.batch():
        store.upsert(SPEC, [("n", "m", 1, "x")])
        store.set_meta("projection_position", "1")
    assert store.prepare_projection([SPEC], "shape-1") is False
    assert store.prepare_projection([SPEC], "shape-2") is True
    assert store.rows(SPEC) == []


def test_statuses_are_written_with_events_or_later_and_read_as_a_table(store: Store) -> None:
    first, second = row(1), row(2, seq=2, prev=row(1).id)
    with store.batch():
        store.insert_events([first, second], {first.id: (first.id, "applied", "", None, "t", 0, 1)})
    assert store.rows(STATUS_SPEC) == [(first.id, "applied", "", None, "t", 0, 1)]
    with store.batch():
        store.set_statuses([(second.id, "pending", "waiting for x", "x" * 64, None, None, None)])
    assert store.rows_in(STATUS_SPEC, "waiting_for", ["x" * 64]) == [
        (second.id, "pending", "waiting for x", "x" * 64, None, None, None)
    ]
    assert [r.id for r in store.events(EventFilter(status="pending"))] == [second.id]
    store.clear_projection([STATUS_SPEC])
    assert store.rows(STATUS_SPEC) == []
    assert store.count_events() == 2


def test_clearing_the_projection_keeps_the_log(store: Store) -> None:
    store.prepare_projection([SPEC], "shape-1")
    with store.batch():
        store.insert_events([row(1)])
        store.upsert(SPEC, [("n", "m", 1, "x")])
    store.clear_projection([SPEC])
    assert store.rows(SPEC) == []
    assert store.count_events() == 1


def test_a_failing_migration_leaves_no_trace(store: Store, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with store.batch():
        store.insert_events([row(1)])
    broken = Migration(6, "a broken step", ("CREATE TABLE half_done (x TEXT)", "THIS IS NOT SQL"))
    monkeypatch.setattr(sql, "MIGRATIONS", (*MIGRATIONS, broken))
    with pytest.raises(StoreError):
        open_store(store_url)
    fixed = Migration(6, "the step, mended", ("CREATE TABLE half_done (x TEXT)",))  # fails if half_done survived
    monkeypatch.setattr(sql, "MIGRATIONS", (*MIGRATIONS, fixed))
    mended = open_store(store_url)
    assert [version for version, _, _ in mended.migrations()] == [1, 2, 3, 4, 5, 6]
    assert mended.count_events() == 1
    mended.close()


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE events SET payload = ? WHERE id = ?",
        "UPDATE events SET author = ? WHERE id = ?",
        "UPDATE events SET received = received + 100",
        "DELETE FROM events",
    ],
)
def test_the_database_refuses_to_edit_or_delete_a_signed_event(store: Store, store_url: str, change: str) -> None:
    with store.batch():
        store.insert_events([row(1)])
    params = (b"{}", row(1).id) if "payload" in change else ("b" * 64, row(1).id) if "?" in change else ()
    with pytest.raises(Exception, match="the log is append-only"):
        raw_sql(store_url, change, params)
    assert list(store.events()) == [row(1)]


def test_large_batches_land_whole(store: Store) -> None:
    store.prepare_projection([SPEC], "shape-1")
    rows = [("n", f"m{i:05}", i, "x" * (i % 50)) for i in range(12_001)]
    events = [row(i, author=f"{i % 7:064x}", seq=i) for i in range(1, 12_002)]
    with store.batch():
        store.upsert(SPEC, rows)
        store.insert_events(events)
    assert sorted(store.rows(SPEC)) == rows
    assert store.count_events() == 12_001


def test_aggregates_group_sum_and_count_with_conditions_and_indexes(store: Store) -> None:
    from multitude.store import Condition, Index

    spec = TableSpec("tallied", (("network", "text"), ("item", "text"), ("kind", "text"), ("amount", "int"),
                                 ("tag", "text")), 2, (Index(("network", "kind")), Index(("tag", "network"), "tag")))
    store.prepare_projection([spec], "aggregate test")
    with store.batch():
        store.upsert(spec, [("n1", f"i{n}", "work" if n % 3 else "gift", n, "x" if n % 2 else None)
                            for n in range(1, 11)] + [("n2", "i1", "work", 100, None)])
    store.analyze()  # statistics for the planner: runs on every store, changes no result
    rows = list(store.aggregate(spec, ("kind",), ("amount",), [Condition("network", "=", "n1")]))
    assert sorted(rows) == [("gift", 3 + 6 + 9, 3), ("work", 55 - 18, 7)]
    rows = list(store.aggregate(spec, ("kind",), ("amount",), [Condition("network", "=", "n1"),
                                                               Condition("tag", "in", ["x"]),
                                                               Condition("amount", ">=", 3)]))
    assert sorted(rows) == [("gift", 3 + 9, 2), ("work", 5 + 7, 2)]
    assert list(store.aggregate(spec, (), (), [Condition("item", "contains_any", ["i1"])])) == [(3,)]
    assert list(store.aggregate(spec, (), (), [Condition("item", "contains_any", ["I1", "i_"])])) == [(0,)]
    with pytest.raises(ValueError, match="no column"):
        list(store.aggregate(spec, ("nothing",), (), []))


def test_hosted_accounts_and_their_credentials(store: Store) -> None:
    from multitude.store import AccountRow, CredentialRow

    ana = AccountRow("ana", "a" * 64, "$argon2id$hash", "{}", "2026-11-26T00:00:00+00:00")
    assert store.add_account(ana)
    assert not store.add_account(ana._replace(agent="b" * 64))  # the name is taken
    assert not store.add_account(ana._replace(name="other"))  # so is the agent
    assert store.account("ana") == ana and store.account_of("a" * 64) == ana and store.account("other") is None
    first = CredentialRow("d1", "ana", "session", "phone", "sealed", "csrf", "2026-11-26T00:00:00+00:00",
                          "2026-12-10T00:00:00+00:00")
    second = first._replace(digest="d2", kind="token", label="script")
    store.add_credential(first)
    store.add_credential(second)
    assert store.credential("d2") == second
    assert store.credentials("ana") == [first, second]
    store.drop_credentials(["d1"])
    assert store.credentials("ana") == [second] and store.credential("d1") is None
    assert store.drop_expired_credentials("2026-12-10T00:00:00+00:00") == 1  # expiring then counts as expired
    assert store.credentials("ana") == []
    store.set_password("ana", "$argon2id$new", '{"box": "new"}')
    assert store.account("ana") == ana._replace(password_hash="$argon2id$new", sealed_key='{"box": "new"}')
