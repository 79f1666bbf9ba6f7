"""The signed ledger: canonical encoding, keys, the event envelope, sign and verify.

Nothing here knows what an event means, where it is stored or who shows it.
"""

from multitude.ledger.canonical import CanonicalError, canonical, parse_json
from multitude.ledger.event import Event, MalformedEvent, open_event, seal
from multitude.ledger.keys import Keypair, verify_signature

__all__ = [
    "CanonicalError",
    "Event",
    "Keypair",
    "MalformedEvent",
    "canonical",
    "open_event",
    "parse_json",
    "seal",
    "verify_signature",
]
