"""The projection's in-memory tables: what changed is remembered for the flush, and a table keyed
by several columns finds the rows under one first column (a proposal's votes, a network's
members) without a scan, agreeing with a scan after any writes, deletes and reloads."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from multitude.domain.state import under
from multitude.projection.tables import TrackedTable

FIRSTS = ("p1", "p2", "p3")
KEYS = st.tuples(st.sampled_from(FIRSTS), st.sampled_from(("ana", "ben", "cy", "dee")))
OPERATIONS = st.lists(st.tuples(st.sampled_from(("set", "del", "pop")), KEYS, st.integers(0, 9)), max_size=40)


def scanned(table: dict[Any, Any], first: str) -> list[Any]:
    return sorted(row for key, row in table.items() if key[0] == first)


@given(rows=st.dictionaries(KEYS, st.integers(0, 9), max_size=8), operations=OPERATIONS)
def test_the_rows_under_a_first_column_are_those_a_scan_finds(rows: dict[Any, int],
                                                             operations: list[tuple[str, Any, int]]) -> None:
    table, plain = TrackedTable(rows.items(), grouped=True), dict(rows)
    for operation, key, value in operations:
        if operation == "set":
            table[key] = plain[key] = value
        elif operation == "del" and key in plain:
            del table[key]
            del plain[key]
        elif operation == "pop":
            assert table.pop(key, None) == plain.pop(key, None)
        for first in FIRSTS:
            assert sorted(under(table, first)) == scanned(plain, first)
    reloaded = TrackedTable(plain.items(), grouped=True)
    for first in FIRSTS:
        assert sorted(under(reloaded, first)) == sorted(under(plain, first)) == scanned(plain, first)
    assert set(table.groups or ()) == {key[0] for key in plain}  # an emptied group is dropped


def test_an_ungrouped_table_and_a_plain_mapping_are_scanned() -> None:
    rows = {("p1", "ana"): 1, ("p2", "ben"): 2, ("p1", "cy"): 3}
    assert sorted(under(TrackedTable(rows.items()), "p1")) == [1, 3]
    assert sorted(under(rows, "p1")) == [1, 3]
    assert list(under(rows, "p9")) == [] == list(under(TrackedTable(rows.items(), grouped=True), "p9"))


def test_writes_and_deletes_are_remembered_for_the_flush() -> None:
    table = TrackedTable([(("p1", "ana"), 1)], grouped=True)
    table[("p1", "ben")] = 2
    del table[("p1", "ana")]
    upserts, deletes = table.changes()
    assert (upserts, deletes) == ([2], [("p1", "ana")])
    assert table.changes() == ([], []) and list(under(table, "p1")) == [2]
