"""Schema migrations of the log: numbered, recorded, each applied in its own transaction.

Projection tables are not migrated: when their shape changes they are dropped and folded
again from the log (see Store.prepare_projection).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MIGRATIONS", "Migration"]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]  # {int}, {bytes}, {serial} are filled in per dialect


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "the event log and node metadata",
        (
            """CREATE TABLE events (
                received {serial},
                id TEXT NOT NULL UNIQUE,
                author TEXT NOT NULL,
                seq {int} NOT NULL,
                prev TEXT,
                time TEXT NOT NULL,
                type TEXT NOT NULL,
                network TEXT,
                payload {bytes} NOT NULL,
                sig TEXT NOT NULL
            )""",
            "CREATE INDEX events_author_seq ON events (author, seq)",
            "CREATE INDEX events_prev ON events (prev)",
            "CREATE INDEX events_network ON events (network)",
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ),
    ),
)
