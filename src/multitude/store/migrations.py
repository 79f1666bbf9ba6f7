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
    Migration(
        2,
        "each event's projection status kept beside it",
        (
            "DROP TABLE IF EXISTS p_event_status",
            "ALTER TABLE events ADD COLUMN status TEXT",
            "ALTER TABLE events ADD COLUMN reason TEXT",
            "ALTER TABLE events ADD COLUMN waiting_for TEXT",
            "ALTER TABLE events ADD COLUMN order_time TEXT",
            "ALTER TABLE events ADD COLUMN depth {int}",
            "ALTER TABLE events ADD COLUMN position {int}",
            # The chain check reads (author, seq); nothing needs to find events by prev.
            "DROP INDEX events_prev",
            "CREATE INDEX events_waiting ON events (waiting_for) WHERE waiting_for IS NOT NULL",
            """CREATE VIEW p_event_status AS
                SELECT id AS event, status, reason, waiting_for, order_time, depth, position
                FROM events WHERE status IS NOT NULL""",
            "DELETE FROM meta WHERE key LIKE 'projection_%'",
        ),
    ),
)
