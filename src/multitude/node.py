"""The node: one store, one projector, one key ring. Every front end (CLI, API, sync, tests)
goes through it: commands build, sign and append events; queries read the projection."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from multitude import settings
from multitude.accounts import Accounts
from multitude.assemblies import Assemblies
from multitude.directory import Member
from multitude.domain import InvalidBody, validate_body
from multitude.domain.networks.bodies import BUILT_IN_ROLES
from multitude.domain.networks.rules import device_link_message
from multitude.errors import NodeError, Refused
from multitude.keyring import Keyring, KeyringError
from multitude.ledger import Event, Keypair, MalformedEvent, seal
from multitude.ledger.event import decode_event, event_time, from_stored, signature_holds, time_after
from multitude.projection import STATE_SPECS, Entry, Projector, state_digest
from multitude.projection.audit import Audit, audit
from multitude.projection.preview import preview
from multitude.store import STATUS_SPEC, EventFilter, Store, open_store
from multitude.verifier import MAX_BATCH, SignatureChecks

__all__ = ["Command", "Member", "Node", "NodeError", "Receipt", "Refused", "Submitted"]

_T = TypeVar("_T")

# Events dated further ahead than this are refused until their time comes: one far-future
# event would otherwise sort after everything this node signs, and make each append refold.
FUTURE_TOLERANCE = timedelta(days=1)
# How far ahead of the wall clock the node's own signing clock follows what it has seen.
FOLLOW_AHEAD = timedelta(minutes=10)
_TOO_EARLY = "is more than a day ahead of this node's clock; it can be imported again once its time has come"
# A close ends voting at its time: one dated ahead would shut out votes still on time, so a close
# is held to the node's own signing clock rather than to the day's tolerance.
_EARLY_CLOSE = ("closes a proposal at a time still to come on this node's clock; it can be imported again once "
                "its time has come")


def _too_early(event: Event, horizon: str, close_horizon: str) -> str | None:
    """Why `event` is dated too far ahead to be taken now, or None."""
    if event.time > horizon:
        return _TOO_EARLY
    if event.type == "proposal.closed" and event.time > close_horizon:
        return _EARLY_CLOSE
    return None


def _horizons() -> tuple[str, str]:
    now = datetime.now(UTC)
    return event_time(now + FUTURE_TOLERANCE), event_time(now + FOLLOW_AHEAD)


@dataclass(frozen=True)
class Receipt:
    """Where one event stands in the projection."""

    event: str
    type: str
    status: str
    reason: str


@dataclass(frozen=True)
class Command:
    """An event to sign with `key` (see Node.act_many)."""

    key: Keypair
    type: str
    body: Mapping[str, Any]
    network: str | None


@dataclass
class Submitted:
    """What a submission of events from elsewhere did."""

    receipts: list[Receipt]
    refused: list[tuple[int, str]]  # (position in what was submitted, from 1; why) per refused event
    duplicates: int


def _signing_time(seen: str | None) -> str:
    """The time to sign with: a hybrid logical clock. Just after the last event folded when that
    is a little ahead of the wall clock, so what the node does sorts after what it has seen and is
    folded without redoing the log; the wall clock when the log is far ahead (a peer's clock is
    wrong), so this node's events are not dated in the future too."""
    now = event_time()
    if seen is None or now > seen or seen > event_time(datetime.now(UTC) + FOLLOW_AHEAD):
        return now
    return time_after(seen)


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    chunk: list[_T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _body(**fields: Any) -> dict[str, Any]:
    return {"v": 1, **{key: value for key, value in fields.items() if value is not None}}


class Node(Accounts, Assemblies):
    """A Multitude node. Open with `Node.open()`; close (or use as a context manager)."""

    def __init__(self, store: Store, keyring: Keyring | None = None, identity: str | None = None,
                 passphrase: str | None = None) -> None:
        self.store = store
        self.projector = Projector(store)
        self.keyring = keyring
        self._identity = identity
        self._passphrase = passphrase
        self._key: Keypair | None = None
        self._names: dict[str, str] | None = None

    @classmethod
    def open(cls, home: str | Path | None = None, db: str | None = None, identity: str | None = None,
             passphrase: str | None = None) -> Node:
        home_path = settings.home(home)
        home_path.mkdir(parents=True, exist_ok=True)
        return cls(open_store(settings.database_url(home_path, db)), Keyring(home_path), identity, passphrase)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- identity --------------------------------------------------------------------------
    def use_key(self, key: Keypair) -> None:
        """Sign from now on with `key` (tests and hosted identities)."""
        self._key = key

    def speaking_as(self, key: Keypair) -> Node:
        """This node signing as `key` (a hosted identity): store, projection and key ring are
        shared, so the two must be used from one thread at a time, like the node itself."""
        other = copy.copy(self)
        other._key = key
        return other

    @property
    def key(self) -> Keypair:
        if self._key is None:
            if self.keyring is None:
                raise NodeError("this node has no identity to sign with")
            name = self._identity or self.keyring.default()
            if name is None:
                names = self.keyring.names()
                if not names:
                    raise NodeError("no identity yet: run `multitude init --name NAME` first")
                raise NodeError(f"several identities here ({', '.join(names)}); pick one with --as NAME")
            try:
                self._key = self.keyring.load(name, self._passphrase)
            except KeyringError as error:
                raise NodeError(str(error)) from error
        return self._key

    @property
    def agent(self) -> str:
        """The agent the signing key speaks for (itself, or the agent it is a device of)."""
        device = self.projector.state.devices.get((self.key.public,))
        return device.agent if device is not None and device.status == "linked" else self.key.public

    # -- writing ---------------------------------------------------------------------------
    def signing_time(self) -> str:
        """The time this node would sign an event with now (see _signing_time)."""
        return _signing_time(self.projector.tail_time())

    def act(self, type: str, body: Mapping[str, Any], network: str | None = None, *,
            check: bool = True, time: str | None = None) -> Receipt:
        """Sign an event as this node's identity and append it (at `time`, when the body was
        built for it; else at the node's signing time).

        With `check`, an event the rules would reject is refused and nothing is stored.
        """
        key = self.key
        with self.store.batch():
            # Judge the command on the state as it is now, under the lock, fully folded.
            self.projector.refresh()
            self.projector.settle()
            head = self._head(key.public)
            time = time or _signing_time(self.projector.tail_time())
            try:
                event = seal(key, seq=head[0] + 1 if head else 1, prev=head[1] if head else None,
                             type=type, body=body, network=network, time=time)
                entry = Entry(event, validate_body(type, event.body, network))
            except (MalformedEvent, InvalidBody) as error:
                raise NodeError(str(error)) from error
            if check:
                outcome = preview(self.projector.state, entry)
                if not outcome.applied:
                    raise Refused(outcome.reason)
            report = self.projector.append([entry])
        row = report.statuses[event.id]
        return Receipt(event.id, type, row[1], row[2])

    def _head(self, author: str) -> tuple[int, str] | None:
        """The (seq, id) a new event of `author` builds on (call under the store's lock)."""
        head = self.store.head(author)
        on_chain = self.projector.state.heads.get((author,))
        if head is not None and on_chain is not None and on_chain.seq == head[0]:
            head = (on_chain.seq, on_chain.event)  # of two twins at the head, build on the one kept
        return head

    def act_many(self, commands: Sequence[Command]) -> list[Receipt | NodeError]:
        """Sign and append commands of different keys in one transaction and one fold: what many
        people do at the same moment (a server's concurrent requests) costs about what one does.

        Each command is judged as `act` judges it, on the state before this batch: one the rules
        refuse comes back as its Refused (or NodeError when malformed) and is not stored, while
        the others are. So the commands must not depend on one another (the API batches only
        contributions, each person's own), and their keys must differ (one key's second event
        builds on its first).
        """
        if len({command.key.public for command in commands}) != len(commands):
            raise ValueError("act_many takes at most one command per key")
        results: list[Receipt | NodeError | None] = [None] * len(commands)
        accepted: list[tuple[int, Entry]] = []
        with self.store.batch():
            self.projector.refresh()
            self.projector.settle()
            time = _signing_time(self.projector.tail_time())
            for index, command in enumerate(commands):
                head = self._head(command.key.public)
                try:
                    event = seal(command.key, seq=head[0] + 1 if head else 1, prev=head[1] if head else None,
                                 type=command.type, body=command.body, network=command.network, time=time)
                    entry = Entry(event, validate_body(command.type, event.body, command.network))
                except (MalformedEvent, InvalidBody) as error:
                    results[index] = NodeError(str(error))
                    continue
                outcome = preview(self.projector.state, entry)
                if not outcome.applied:
                    results[index] = Refused(outcome.reason)
                    continue
                accepted.append((index, entry))
                time = time_after(time)
            report = self.projector.append([entry for _, entry in accepted])
        for index, entry in accepted:
            row = report.statuses[entry.event.id]
            results[index] = Receipt(entry.event.id, entry.event.type, row[1], row[2])
        return [result for result in results if result is not None]

    def submit(self, events: Iterable[bytes | str | Mapping[str, Any] | Event],
               on_progress: Callable[[int], None] | None = None, batch_size: int = 5000) -> Submitted:
        """Check events received from elsewhere one by one; append every intact one.

        Batches are pipelined: while one batch is stored and folded, the signatures of the
        next are checked in a worker process (see multitude.verifier).
        """
        result = Submitted([], [], 0)
        horizon, close_horizon = _horizons()
        try:
            with SignatureChecks() as verifier:
                previous: tuple[list[tuple[int, Event]], Callable[[], list[bool]]] | None = None
                try:
                    for chunk in _chunks(enumerate(events, 1), min(batch_size, MAX_BATCH)):
                        decoded = []
                        for index, item in chunk:
                            try:
                                event = item if isinstance(item, Event) else decode_event(item)
                                early = _too_early(event, horizon, close_horizon)
                                if early:
                                    raise MalformedEvent("time", early, event.id)
                                decoded.append((index, event))
                            except MalformedEvent as error:
                                result.refused.append((index, str(error)))
                        checks = verifier.start([event for _, event in decoded])
                        waiting, previous = previous, (decoded, checks)
                        if waiting is not None:
                            self._append_verified(*waiting, result, on_progress)
                finally:  # what was received and checked is kept, even if the rest never comes
                    if previous is not None:
                        self._append_verified(*previous, result, on_progress)
        finally:
            folded_again = bool(self.projector.settle())  # even when the events stopped coming midway
        if folded_again or any(r.status in ("deferred", "pending") for r in result.receipts):
            # Where events stand may have moved since their batch: read it once more.
            now = self._statuses([r.event for r in result.receipts])
            result.receipts = [
                Receipt(r.event, r.type, *now.get(r.event, (r.status, r.reason))) for r in result.receipts
            ]
        result.refused.sort()
        return result

    def submit_checked(self, data: bytes | str | Mapping[str, Any]) -> tuple[Receipt, bool]:
        """Check one event signed elsewhere and keep it only if the rules let it stand; return
        its receipt and whether it is new (False: already held, with where it stands).

        For a client posting one event (another node's command line), which wants an answer
        now: an event the rules reject is refused (Refused, with the rule's reason) and nothing
        is stored, as `act` refuses. Replication (`submit`) keeps rejected events instead, as
        evidence (DESIGN rule 2). The event is judged by folding it where it falls in the order,
        in a transaction undone on refusal: an event that belongs before what is folded, or
        waits for one not yet here, is judged as the log will judge it, not against the state
        as it is now. A malformed event raises MalformedEvent, a body not of its type InvalidBody.
        """
        event = decode_event(data)
        early = _too_early(event, *_horizons())
        if early:
            raise MalformedEvent("time", early, event.id)
        if not signature_holds(event):
            raise MalformedEvent("sig", "is not a valid signature by the author", event.id)
        entry = Entry(event, validate_body(event.type, event.body, event.network))
        try:
            with self.store.batch():
                self.projector.refresh()
                self.projector.settle()
                if self.store.existing([event.id]):
                    return self.status(event.id), False
                row = self.projector.append([entry]).statuses[event.id]
                if row[1] == "rejected":
                    raise Refused(row[2])
        except Refused:
            # The transaction rolled back, and with it the projection's version in the store:
            # refresh() sees the version differ from the fold's and reloads the state in memory.
            with self.store.batch():
                self.projector.refresh()
            raise
        return Receipt(event.id, event.type, row[1], row[2]), True

    def _statuses(self, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        return {row[0]: (row[1], row[2]) for row in self.store.rows_in(STATUS_SPEC, "event", ids)}

    def _append_verified(self, decoded: list[tuple[int, Event]], checks: Callable[[], list[bool]], result: Submitted,
                         on_progress: Callable[[int], None] | None) -> None:
        batch: list[Entry] = []
        for (index, event), holds in zip(decoded, checks(), strict=True):
            try:
                if not holds:
                    raise MalformedEvent("sig", "is not a valid signature by the author", event.id)
                batch.append(Entry(event, validate_body(event.type, event.body, event.network)))
            except (MalformedEvent, InvalidBody) as error:
                result.refused.append((index, str(error)))
        if batch:
            report = self.projector.append(batch, defer=True)
            result.duplicates += report.duplicates
            deferred = set(report.deferred)
            for entry in batch:
                if entry.event.id in report.statuses:
                    status, reason = report.statuses[entry.event.id][1:3]
                    result.receipts.append(Receipt(entry.event.id, entry.event.type, status, reason))
                elif entry.event.id in deferred:
                    result.receipts.append(Receipt(entry.event.id, entry.event.type, "deferred", ""))
        if on_progress is not None:
            on_progress(len(decoded))

    # -- agents ----------------------------------------------------------------------------
    def publish_profile(self, kind: str, name: str, about: str = "", skills: Iterable[str] = (),
                        location: str = "", links: Iterable[str] = ()) -> Receipt:
        return self.act("agent.profile", _body(kind=kind, name=name, about=about, skills=list(skills),
                                               location=location, links=list(links)))

    def device_consent(self, agent: str) -> str:
        """On a new device: this key's signed consent to speak for `agent` (what `link_device` needs)."""
        return self.key.sign(device_link_message(agent)).hex()

    def link_device(self, device: str, proof: str, label: str = "") -> Receipt:
        """Link a device key to this agent, with the consent the device signed (`device_consent`)."""
        return self.act("agent.device_linked", _body(device=device, label=label, proof=proof))

    def unlink_device(self, device: str, reason: str = "") -> Receipt:
        return self.act("agent.device_unlinked", _body(device=device, reason=reason))

    # -- networks and membership -----------------------------------------------------------
    def create_network(self, name: str, purpose: str = "", membership: str = "open",
                       approver_role: str = "custodian", roles: Iterable[str] = (), *,
                       currencies: Mapping[str, int] | None = None, validation: Mapping[str, Any] | None = None,
                       leavers: Mapping[str, str] | None = None, assembly: Mapping[str, Any] | None = None) -> str:
        """Create a network; `currencies` maps codes to their decimals (EUR: 2); `assembly` is the
        charter's assembly section (see docs/governance.md)."""
        charter: dict[str, Any] = {"membership": membership, "approver_role": approver_role, "roles": list(roles)}
        if currencies:
            charter["currencies"] = [{"code": code, "decimals": places} for code, places in currencies.items()]
        if validation:
            charter["validation"] = dict(validation)
        if leavers:
            charter["leavers"] = dict(leavers)
        if assembly:
            charter["assembly"] = dict(assembly)
        return self.act("network.created", _body(name=name, purpose=purpose, charter=charter)).event

    def amend_charter(self, network: str, *, name: str | None = None, purpose: str | None = None,
                      membership: str | None = None, approver_role: str | None = None,
                      roles: Iterable[str] | None = None, currencies: Mapping[str, int] | None = None,
                      validation: Mapping[str, Any] | None = None,
                      leavers: Mapping[str, str] | None = None,
                      assembly: Mapping[str, Any] | None = None) -> Receipt:
        """Change what is given; the rest of the charter stays as it is."""
        row = self.network(network)
        charter = json.loads(row.charter)
        charter["roles"] = [role for role in json.loads(row.roles) if role not in BUILT_IN_ROLES]
        changes: dict[str, Any] = {
            "membership": membership, "approver_role": approver_role,
            "roles": list(roles) if roles is not None else None,
            "currencies": [{"code": c, "decimals": d} for c, d in currencies.items()] if currencies else None,
            "validation": dict(validation) if validation else None,
            "leavers": dict(leavers) if leavers else None,
            "assembly": dict(assembly) if assembly is not None else None,
        }
        charter.update({key: value for key, value in changes.items() if value is not None})
        body = _body(name=name or row.name, purpose=row.purpose if purpose is None else purpose, charter=charter)
        return self.act("network.charter_amended", body, row.network)

    def request_membership(self, network: str, note: str = "", on_behalf_of: str | None = None) -> Receipt:
        behalf = self.network(on_behalf_of).network if on_behalf_of else None
        return self.act("membership.requested", _body(note=note, on_behalf_of=behalf), self.network(network).network)

    def _decide(self, type: str, network: str, member: str, reason: str = "") -> Receipt:
        return self.act(type, _body(member=self.resolve_agent(member), reason=reason), self.network(network).network)

    def invite(self, network: str, member: str, note: str = "") -> Receipt:
        return self._decide("membership.invited", network, member, note)

    def approve(self, network: str, member: str, note: str = "") -> Receipt:
        return self._decide("membership.approved", network, member, note)

    def decline(self, network: str, member: str, reason: str) -> Receipt:
        return self._decide("membership.declined", network, member, reason)

    def leave(self, network: str, member: str | None = None, note: str = "") -> Receipt:
        return self._decide("membership.left", network, member or self.agent, note)

    def remove(self, network: str, member: str, reason: str) -> Receipt:
        return self._decide("membership.removed", network, member, reason)

    def grant_role(self, network: str, member: str, role: str) -> Receipt:
        body = _body(member=self.resolve_agent(member), role=role)
        return self.act("role.granted", body, self.network(network).network)

    def revoke_role(self, network: str, member: str, role: str, reason: str = "") -> Receipt:
        body = _body(member=self.resolve_agent(member), role=role, reason=reason)
        return self.act("role.revoked", body, self.network(network).network)

    # -- queries ---------------------------------------------------------------------------
    def catch_up(self) -> None:
        """Take in what other processes appended since this node last looked (a long-running
        server beside a command line on the same store): one read when nothing changed."""
        if self.projector.stale():
            with self.store.batch():
                self.projector.refresh()

    def is_member(self, network: str, as_network: str | None = None) -> bool:
        """Whether this node's agent (or the network `as_network`) is a member now."""
        net = self.network(network).network
        who = self.network(as_network).network if as_network else self.agent
        row = self.projector.state.memberships.get((net, who))
        return row is not None and row.status == "member"

    def log(self, query: EventFilter | None = None) -> list[tuple[Event, Receipt]]:
        """Events with where they stand, in the order this node received them."""
        self.projector.settle()
        rows = list(self.store.events(query))
        statuses = {row[0]: row for row in self.store.rows_in(STATUS_SPEC, "event", [row.id for row in rows])}
        result = []
        for row in rows:
            status = statuses.get(row.id)
            state, reason = (status[1], status[2]) if status else ("unknown", "")
            result.append((from_stored(row.id, row.payload, row.sig), Receipt(row.id, row.type, state, reason)))
        return result

    def status(self, event_id: str) -> Receipt:
        self.projector.settle()
        rows = self.store.rows(STATUS_SPEC, {"event": event_id})
        if not rows:
            raise NodeError(f"no event {event_id[:12]} in this node's log")
        event = self.store.events_by_id([event_id])[0]
        return Receipt(event_id, event.type, rows[0][1], rows[0][2])

    def equivocators(self) -> list[str]:
        """Authors who signed two different events with the same seq."""
        return sorted({author for author, _, _ in self.store.equivocations()})

    # -- integrity -------------------------------------------------------------------------
    def verify(self, progress: Callable[[int], None] | None = None) -> Audit:
        self.projector.settle()  # a fold another process deferred is done first, not reported as damage
        return audit(self.store, progress)

    def digest(self) -> str:
        self.projector.settle()
        return state_digest(self.store)

    def rebuild(self) -> int:
        return self.projector.rebuild()

    def counts(self) -> dict[str, int]:
        tables = {spec.name: len(self.projector.state.table(spec.name)) for spec in STATE_SPECS}
        return {"events": self.store.count_events(), **tables}
