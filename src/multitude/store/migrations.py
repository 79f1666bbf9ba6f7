"""Schema migrations of the log: numbered, recorded, each applied in its own transaction.

Projection tables are not migrated: when their shape changes they are dropped and folded
again from the log (see Store.prepare_projection).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["MIGRATIONS", "Migration", "Statement"]

_SIGNED = "received, id, author, seq, prev, time, type, network, payload, sig"
_REFUSAL = "the log is append-only: a signed event is never edited or deleted"


Statement = str | Mapping[str, str]  # the same SQL for every dialect, or per dialect (absent: none)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[Statement, ...]  # {int}, {bytes}, {serial} are filled in per dialect


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
            # Where an event's chain stands is read by (author, seq); no query looks events up by prev.
            "DROP INDEX events_prev",
            "CREATE INDEX events_waiting ON events (waiting_for) WHERE waiting_for IS NOT NULL",
            """CREATE VIEW p_event_status AS
                SELECT id AS event, status, reason, waiting_for, order_time, depth, position
                FROM events WHERE status IS NOT NULL""",
            "DELETE FROM meta WHERE key LIKE 'projection_%'",
        ),
    ),
    Migration(
        3,
        "the database itself refuses to edit or delete a signed event",
        (
            {
                "sqlite": f"""CREATE TRIGGER events_signed_content_is_immutable
                    BEFORE UPDATE OF {_SIGNED} ON events
                    BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END""",
                "postgres": f"""CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql
                    AS $$ BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$""",
            },
            {
                "sqlite": f"""CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
                    BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END""",
                "postgres": f"""CREATE TRIGGER events_signed_content_is_immutable
                    BEFORE UPDATE OF {_SIGNED} ON events FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
            },
            {
                "postgres": """CREATE TRIGGER events_are_never_deleted
                    BEFORE DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
            },
            {
                "postgres": """CREATE TRIGGER events_are_never_truncated
                    BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()""",
            },
        ),
    ),
    Migration(
        4,
        "hosted accounts: people who log in to this node, and their sessions and API tokens",
        (
            # Node-local, never part of the log or the projection: a hosted account is how this
            # node signs for someone; what it signs is what other nodes see.
            """CREATE TABLE hosted_accounts (
                name TEXT PRIMARY KEY,
                agent TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                sealed_key TEXT NOT NULL,
                created TEXT NOT NULL
            )""",
            """CREATE TABLE hosted_credentials (
                digest TEXT PRIMARY KEY,
                account TEXT NOT NULL REFERENCES hosted_accounts (name),
                kind TEXT NOT NULL,
                label TEXT NOT NULL,
                sealed_key TEXT NOT NULL,
                csrf TEXT NOT NULL,
                created TEXT NOT NULL,
                expires TEXT NOT NULL
            )""",
            "CREATE INDEX hosted_credentials_account ON hosted_credentials (account)",
        ),
    ),
    Migration(
        5,
        "a network's latest events found through an index, not sorted from all of them",
        (
            "CREATE INDEX events_network_received ON events (network, received)",
            "DROP INDEX events_network",
        ),
    ),
)
