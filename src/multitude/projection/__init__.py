"""Folds events into state tables; rebuilds them; digests them."""

from multitude.projection.digest import state_digest, table_rows
from multitude.projection.order import Entry
from multitude.projection.projector import Appended, Projector, StatusRow, entry_from_row, fold_log
from multitude.projection.tables import SPECS, STATE_SPECS

__all__ = [
    "SPECS",
    "STATE_SPECS",
    "Appended",
    "Entry",
    "Projector",
    "StatusRow",
    "entry_from_row",
    "fold_log",
    "state_digest",
    "table_rows",
]
