"""Fixtures shared by the whole suite: a clean environment, real stores (SQLite files, a
PostgreSQL schema each), and the command line run in process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cli.cli_fixtures import Cli, run_cli
from pg_schema import fresh_schema

from multitude.store import Store, open_store

PG_URL = os.environ.get("MULTITUDE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the machine running the tests; tables are not wrapped."""
    for name in ("MULTITUDE_HOME", "MULTITUDE_DB", "MULTITUDE_AS", "MULTITUDE_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "250")


@pytest.fixture
def cli() -> Cli:
    """Run `multitude --home HOME ARGS…` in process; (exit code, output with spaces collapsed)."""
    return run_cli


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server the suite runs against. Unreachable means failure, never a skip."""
    try:
        with psycopg.connect(PG_URL, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL at {PG_URL} is unreachable (run scripts/ensure-postgres): {error}")
    return PG_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL whose tables land in a fresh schema of their own, dropped afterwards."""
    with fresh_schema(pg_server) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "node.db")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once per store adapter."""
    return str(request.getfixturevalue(f"{'pg' if request.param == 'postgres' else 'sqlite'}_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened
    opened.close()
