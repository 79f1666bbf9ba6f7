"""Settings, declared once: name, environment variable, default and help."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SETTINGS", "Setting", "database_url", "home", "setting"]


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("home", "MULTITUDE_HOME", "~/.multitude", "Folder holding this machine's identities and default database."),
    Setting(
        "db",
        "MULTITUDE_DB",
        "<home>/multitude.db",
        "Store: a SQLite file path, or a postgresql:// URL for a PostgreSQL server.",
    ),
    Setting("identity", "MULTITUDE_AS", "the home's default identity", "Which identity signs what you do."),
    Setting(
        "passphrase", "MULTITUDE_PASSPHRASE", "none", "Passphrase of a sealed identity (asked for when unset)."
    ),
)


def setting(name: str) -> Setting:
    return next(item for item in SETTINGS if item.name == name)


def home(explicit: str | Path | None = None) -> Path:
    declared = setting("home")
    return Path(explicit or os.environ.get(declared.env) or declared.default).expanduser()


def database_url(home_path: Path, explicit: str | None = None) -> str:
    return explicit or os.environ.get(setting("db").env) or str(home_path / "multitude.db")
