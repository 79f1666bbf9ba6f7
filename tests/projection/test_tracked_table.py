"""The projection's in-memory tables: what changed is remembered for the flush, and a table finds
the rows with one value in a grouped key column (a proposal's votes, a network's members, a
member's networks) without a scan, agreeing with a scan after any writes, deletes and reloads."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from multitude.domain import TABLES
from multitude.domain.state import under
from multitude.projection.tables import TrackedTable, grouped_by

FIRSTS = ("p1", "p2", "p3")
SECONDS = ("ana", "ben", "cy", "dee")
KEYS = st.tuples(st.sampled_from(FIRSTS), st.sampled_from(SECONDS))
OPERATIONS = st.lists(st.tuples(st.sampled_from(("set", "del", "pop")), KEYS, st.integers(0, 9)), max_size=40)


def scanned(table: dict[Any, Any], value: str, column: int) -> list[Any]:
    return sorted(row for key, row in table.items() if key[column] == value)


def agree(table: TrackedTable, plain: dict[Any, Any]) -> None:
    for column, values in ((0, FIRSTS), (1, SECONDS)):
        for value in values:
            assert sorted(under(table, value, column)) == sorted(under(plain, value, column)) \
                == scanned(plain, value, column)


@given(rows=st.dictionaries(KEYS, st.integers(0, 9), max_size=8), operations=OPERATIONS,
       grouped=st.sampled_from(((), (0,), (1,), (0, 1))))
def test_the_rows_with_a_value_in_a_key_column_are_those_a_scan_finds(
        rows: dict[Any, int], operations: list[tuple[str, Any, int]], grouped: tuple[int, ...]) -> None:
    table, plain = TrackedTable(rows.items(), grouped=grouped), dict(rows)
    for operation, key, value in operations:
        if operation == "set":
            table[key] = plain[key] = value
        elif operation == "del" and key in plain:
            del table[key]
            del plain[key]
        elif operation == "pop":
            assert table.pop(key, None) == plain.pop(key, None)
        agree(table, plain)
    agree(TrackedTable(plain.items(), grouped=grouped), plain)
    for column in grouped:  # an emptied group is dropped
        assert set(table.groups[column]) == {key[column] for key in plain}


def test_every_table_keyed_by_several_columns_is_grouped_by_its_first_and_memberships_by_member_too() -> None:
    grouping = {table.name: grouped_by(table) for table in TABLES}
    assert grouping["memberships"] == (0, 1) and grouping["votes"] == grouping["delegations"] == (0,)
    assert grouping["agents"] == grouping["proposals"] == ()


def test_writes_and_deletes_are_remembered_for_the_flush() -> None:
    table = TrackedTable([(("p1", "ana"), 1)], grouped=(0, 1))
    table[("p1", "ben")] = 2
    del table[("p1", "ana")]
    upserts, deletes = table.changes()
    assert (upserts, deletes) == ([2], [("p1", "ana")])
    assert table.changes() == ([], []) and list(under(table, "p1")) == [2] == list(under(table, "ben", 1))
    assert list(under(table, "ana", 1)) == [] and list(under(table, "p9")) == []
