"""What every importer shares: the report of an import, the error for records that cannot be
read at all, the mapping from how people are named in the records to agents, and
`Contributors`, which finds the identity on this node that signs for each of them. A
contribution is an event signed by its contributor, so an importer logs someone's records only
when this node's key ring holds that person's identity; the others are skipped, never forged."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multitude.errors import NodeError
from multitude.keyring import KeyringError
from multitude.ledger import Keypair
from multitude.ledger.event import from_stored

if TYPE_CHECKING:
    from multitude.domain.accounting.rows import ContributionRow
    from multitude.node import Node

__all__ = [
    "Contributors",
    "ImportReport",
    "Progress",
    "RecordsError",
    "Signer",
    "Skipped",
    "earlier_work",
    "load_mapping",
    "no_identity",
]

Progress = Callable[[int], None]  # told how many more records were handled


class RecordsError(NodeError):
    """Records that cannot be read at all (not a git repository, an unreadable file, a CSV
    without its header) or a mapping that names no one; nothing was stored."""


@dataclass(frozen=True)
class Skipped:
    """A record left out, and why: `what` is `commit 1a2b3c4d5e6f` or `line 7`."""

    what: str
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """What an import did: the contributions it logged (event ids) and what it skipped."""

    logged: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    dry_run: bool = False
    would_log: int = 0  # with dry_run: how many it would have logged

    @property
    def imported(self) -> int:
        return self.would_log if self.dry_run else len(self.logged)


@dataclass(frozen=True)
class Signer:
    """The agent a person of the records is, and the key that signs as them."""

    agent: str
    key: Keypair


def no_identity(person: str) -> str:
    return f"no identity here for {person}; map it to an identity this node holds"


def load_mapping(path: Path) -> dict[str, str]:
    """A mapping file: TOML whose top-level keys are people as the records name them (an email,
    a name in a timesheet) and whose values are agents (an identity name, a key or key prefix,
    a profile name):

        "ana@example.org" = "ana"
        "Bo Li" = "bo"
    """
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise RecordsError(f"cannot read the mapping file {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise RecordsError(f"the mapping file {path} is not TOML: {error}") from None
    wrong = [str(key) for key, value in document.items() if not isinstance(value, str)]
    if wrong:
        raise RecordsError(f"the mapping file {path} must map each person to an agent's name or key as a string; "
                           f"not so for {', '.join(wrong)}")
    return {str(key): str(value) for key, value in document.items()}


class Contributors:
    """Who each person of the records is on this node, and whether this node can sign as them.

    `mapping` gives people by how the records name them; with `resolve_names`, a person it does
    not name is looked up as an agent (identity name, profile name, key or key prefix). Mapping
    entries are resolved at once, so a mapping that names no one fails before anything is logged.
    """

    def __init__(self, node: Node, mapping: Mapping[str, str] | None = None, *, resolve_names: bool = False) -> None:
        self._node = node
        self._own = node.key  # the importing identity, put back after signing as someone else
        self._own_agent = node.agent
        self._resolve_names = resolve_names
        self._agents: dict[str, str] = {}
        for person, ref in (mapping or {}).items():
            try:
                self._agents[person] = node.resolve_agent(ref)
            except NodeError as error:
                raise RecordsError(f"mapping {person}={ref}: {error}") from None
        self._signers: dict[str, Signer | str | None] = {}

    def signer(self, person: str) -> Signer | str:
        """The signer for `person`, or why there is none."""
        agent = self._agents.get(person)
        if agent is None and self._resolve_names:
            try:
                agent = self._node.resolve_agent(person)
            except NodeError:
                return f"unknown person {person!r}; map it to an identity this node holds"
        if agent is None:
            return no_identity(person)
        if agent not in self._signers:
            self._signers[agent] = self._find(agent)
        found = self._signers[agent]
        if found is None:
            return no_identity(person)
        if isinstance(found, str):
            return (f"the identity {found!r} that signs for {person} is sealed with a passphrase; "
                    "import as that identity to log its records")
        return found

    def _find(self, agent: str) -> Signer | str | None:
        """The key that speaks for `agent` (its own or a linked device's); else the name of a
        sealed identity that does, which cannot be opened here; else None."""
        if agent == self._own_agent:
            return Signer(agent, self._own)
        keyring = self._node.keyring
        if keyring is None:
            return None
        devices = self._node.projector.state.devices
        for name in keyring.names():
            try:
                identity = keyring.identity(name)
                device = devices.get((identity.public,))
                speaks_for = device.agent if device is not None and device.status == "linked" else identity.public
                if speaks_for != agent:
                    continue
                return name if identity.sealed else Signer(agent, keyring.load(name))
            except KeyringError:
                continue  # a damaged key file signs for no one
        return None

    def log_work(self, signer: Signer, network: str, **fields: Any) -> str:
        """Log a `work` contribution signed by `signer`; the event's id."""
        self._node.use_key(signer.key)
        try:
            return str(self._node.log_contribution(network, "work", **fields).event)
        finally:
            self._node.use_key(self._own)


def earlier_work(node: Node, network: str, agent: str) -> Iterator[tuple[ContributionRow, Mapping[str, Any]]]:
    """The `work` contributions `agent` already has in `network`, each with its event's body."""
    rows = [row for row in node.contributions(network, contributor=agent) if row.action == "work"]
    stored = {event.id: event for event in node.store.events_by_id([row.contribution for row in rows])}
    for row in rows:
        event = stored.get(row.contribution)
        if event is not None:
            yield row, from_stored(event.id, event.payload, event.sig).body
