"""Changing a database behind the node's back, as an attacker with access to it, or a disk
fault, would: the tests of what `multitude verify` catches use this."""

from __future__ import annotations

import sqlite3

import psycopg

from multitude.store import is_postgres_url

_GUARDS = ("events_signed_content_is_immutable", "events_are_never_deleted", "events_are_never_truncated")


def raw_sql(url: str, sql: str, params: tuple[object, ...] = ()) -> None:
    """Run SQL on the store's database directly (the store's own guards still apply)."""
    if is_postgres_url(url):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.replace("?", "%s"), params)
    else:
        with sqlite3.connect(url) as conn:
            conn.execute(sql, params)


def remove_guards(url: str) -> None:
    """Drop the triggers that make the database refuse edits of signed events."""
    for name in _GUARDS:
        if is_postgres_url(url):
            raw_sql(url, f"DROP TRIGGER IF EXISTS {name} ON events")
        else:
            raw_sql(url, f"DROP TRIGGER IF EXISTS {name}")


def tamper(url: str, sql: str, params: tuple[object, ...] = ()) -> None:
    """Change the database as an attacker who removes its guards first would."""
    remove_guards(url)
    raw_sql(url, sql, params)
