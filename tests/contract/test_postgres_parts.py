"""PostgreSQL statements are cut into parts that stay far below the server's message limit."""

from __future__ import annotations

import pytest

from multitude.store import postgres


def test_parts_are_cut_by_rows_and_by_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "_PART_ROWS", 3)
    monkeypatch.setattr(postgres, "_PART_BYTES", 10)
    rows = [("aaaa", 1, b"bb"), ("c", 2, None), ("d", 3, b""), ("eeeeeeeeeeee", 4, None), ("f", 5, None)]
    assert [list(part) for part in postgres._parts(rows)] == [rows[0:3], rows[3:4], rows[4:5]]
    assert list(postgres._parts([])) == []
