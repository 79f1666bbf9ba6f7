"""Pure domain rules: what an event means, what is allowed. No storage, web or CLI here."""

from multitude.domain import networks as _networks  # noqa: F401  (registers its event types)
from multitude.domain.accounting import bodies as _accounting  # noqa: F401  (registers its event types)
from multitude.domain.fold import Outcome, apply, speaks_for
from multitude.domain.governance import bodies as _governance  # noqa: F401  (registers its event types)
from multitude.domain.rules import Rejected
from multitude.domain.schema import Body, EventType, InvalidBody, event_type, event_types, validate_body
from multitude.domain.state import TABLES, State, Table

__all__ = [
    "TABLES",
    "Body",
    "EventType",
    "InvalidBody",
    "Outcome",
    "Rejected",
    "State",
    "Table",
    "apply",
    "event_type",
    "event_types",
    "speaks_for",
    "validate_body",
]
