"""The network bench/tally.py closes proposals in: a SQLite home holding a network of N members
with their roles, three open proposals, their votes and a delegation per member, built from
signed events once and kept between runs.

The story, in the order of the log: the founder creates the network (open membership, roles
steward and elder weighing 2 and 3 in its assembly); every member asks to join (an open network
admits them at once); the founder takes the facilitator role and makes about 10% of the members
stewards and 5% elders; the founder opens three proposals over the same options (Schulze,
instant runoff, Schulze again); every member ranks the options on the first two; about half of
them rank them on the third; then every member delegates their vote to another member (one edge
a member: chains, and cycles among them). The proposals close a day after they open.

Members sign their own events with the project's signing (`multitude.ledger.seal`), in worker
processes, each member's chain in order; the node's projector appends them in batches of 20,000
(one transaction and one fold each), as `Node.submit` does without checking our own signatures
again. Every event is folded, the delegations included.

The home is kept under the system's temporary directory, keyed by the parameters, the setup's
version and the projection's fingerprint, so only the first run pays for it (building one
removes those built before for the same number of voters); each measurement works on a copy,
since closing a proposal changes the store.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from multitude.domain import validate_body
from multitude.ledger import Keypair, seal
from multitude.ledger.event import event_time, from_stored
from multitude.node import Node
from multitude.projection import Entry
from multitude.projection.tables import FINGERPRINT

__all__ = ["METHODS", "Network", "Story", "build", "cached", "founder_key", "opened"]

SETUP_VERSION = "2"  # change when the story changes, so that stores built before are built again
ROLE_WEIGHTS = {"steward": 2, "elder": 3}
METHODS = {"schulze": "schulze", "irv": "instant_runoff", "delegation": "schulze"}
BATCH = 20_000
START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
STEP = timedelta(microseconds=50)  # between two events of one phase

Signed = tuple[str, bytes, str]  # (id, payload, sig): what a worker hands back


@dataclass(frozen=True)
class Story:
    """What the network is made of: member i ranks `rankings[i]` on the first two proposals,
    and on the third when `direct[i]`; delegates to member `delegates[i]`; holds `roles[i]`
    ("" for none)."""

    seed: int
    options: tuple[str, ...]
    rankings: tuple[tuple[str, ...], ...]
    direct: tuple[bool, ...]
    delegates: tuple[int, ...]
    roles: tuple[str, ...]

    @property
    def voters(self) -> int:
        return len(self.rankings)


@dataclass(frozen=True)
class Network:
    """A built home and what the measures need to know about it."""

    home: Path
    network: str
    proposals: dict[str, str]  # measure name -> proposal id
    counts: dict[str, int]  # memberships, votes, delegations, roles the state must hold
    setup_s: float


def founder_key() -> Keypair:
    return Keypair(hashlib.sha256(b"multitude bench tally: founder").digest())


def _member_key(seed: int, index: int) -> Keypair:
    return Keypair(hashlib.sha256(f"multitude bench tally {seed}: member {index}".encode()).digest())


def _phase_start(phase: int, voters: int) -> datetime:
    """Events of phase p are dated from here, STEP apart, so the log's order is the story's."""
    return START + phase * (voters * STEP + timedelta(seconds=1))


def _at(phase: int, index: int, voters: int) -> str:
    return event_time(_phase_start(phase, voters) + index * STEP)


def _closes(voters: int) -> str:
    return event_time(_phase_start(8, voters) + timedelta(days=1))


# -- signing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chains:
    """The members a worker signs for, with what their events need."""

    seed: int
    voters: int
    first: int
    network: str
    proposals: tuple[str, str, str]
    rankings: tuple[tuple[str, ...], ...]
    direct: tuple[bool, ...]
    delegates: tuple[str, ...]  # public keys


def _sign_chains(chains: _Chains) -> dict[int, list[tuple[int, Signed]]]:
    """Each member's events in chain order; returned by phase as (member index, signed)."""
    by_phase: dict[int, list[tuple[int, Signed]]] = {}
    for offset, ranking in enumerate(chains.rankings):
        index = chains.first + offset
        key = _member_key(chains.seed, index)
        steps: list[tuple[int, str, dict[str, Any]]] = [(1, "membership.requested", {"v": 1})]
        ballot = {"ranking": list(ranking)}
        steps.append((4, "vote.cast", {"v": 1, "proposal": chains.proposals[0], "ballot": ballot}))
        steps.append((5, "vote.cast", {"v": 1, "proposal": chains.proposals[1], "ballot": ballot}))
        if chains.direct[offset]:
            steps.append((6, "vote.cast", {"v": 1, "proposal": chains.proposals[2], "ballot": ballot}))
        steps.append((7, "delegation.set", {"v": 1, "delegate": chains.delegates[offset]}))
        prev = None
        for seq, (phase, kind, body) in enumerate(steps, 1):
            event = seal(key, seq=seq, prev=prev, type=kind, body=body, network=chains.network,
                         time=_at(phase, index, chains.voters))
            by_phase.setdefault(phase, []).append((index, (event.id, event.payload, event.sig)))
            prev = event.id
    return by_phase


def _slices(total: int, parts: int) -> Iterator[tuple[int, int]]:
    size = -(-total // parts)
    for start in range(0, total, size):
        yield start, min(total, start + size)


# -- building -------------------------------------------------------------------------------


class SetupError(RuntimeError):
    """The network could not be built as told (an event the rules rejected, say)."""


def _append(node: Node, events: Sequence[Any]) -> int:
    """Append signed events through the projector in batches; return how many were applied."""
    applied = 0
    for start in range(0, len(events), BATCH):
        entries = [Entry(event, validate_body(event.type, event.body, event.network))
                   for event in events[start:start + BATCH]]
        report = node.projector.append(entries)
        for row in report.statuses.values():
            if row[1] != "applied":
                raise SetupError(f"the rules {row[1]} event {row[0][:12]}: {row[2]}")
            applied += 1
    return applied


def _founder_events(story: Story, publics: Sequence[str]) -> tuple[Any, list[Any], list[Any]]:
    """The founder's chain: the network, then the roles, then the proposals."""
    key = founder_key()
    charter = {"membership": "open", "roles": list(ROLE_WEIGHTS),
               "assembly": {"weights": "role", "role_weights": ROLE_WEIGHTS}}
    created = seal(key, seq=1, prev=None, type="network.created", time=_at(0, 0, story.voters),
                   body={"v": 1, "name": "Tally bench", "purpose": "closing proposals of a large assembly",
                         "charter": charter})
    network, chain, seq = created.id, created.id, 1
    grants = [(key.public, "facilitator")] + [(publics[i], role) for i, role in enumerate(story.roles) if role]
    roles = []
    for number, (member, role) in enumerate(grants):
        seq += 1
        event = seal(key, seq=seq, prev=chain, type="role.granted", network=network,
                     body={"v": 1, "member": member, "role": role}, time=_at(2, number, story.voters))
        roles.append(event)
        chain = event.id
    proposals = []
    titles = {"schulze": "Which site first? (Schulze)", "irv": "Which site first? (instant runoff)",
              "delegation": "Which site next? (Schulze, with delegation)"}
    for number, (name, method) in enumerate(METHODS.items()):
        seq += 1
        event = seal(key, seq=seq, prev=chain, type="proposal.opened", network=network,
                     time=_at(3, number, story.voters),
                     body={"v": 1, "title": titles[name], "method": method, "closes": _closes(story.voters),
                           "options": list(story.options)})
        proposals.append(event)
        chain = event.id
    return created, roles, proposals


def build(home: Path, story: Story, log: Any = print) -> Network:
    """Build the network of `story` in a new SQLite home at `home`."""
    started = time.perf_counter()
    workers = max(1, min(os.cpu_count() or 1, 8))
    publics = [_member_key(story.seed, index).public for index in range(story.voters)]
    created, roles, opened_ = _founder_events(story, publics)
    proposals = tuple(event.id for event in opened_)
    tasks = [_Chains(story.seed, story.voters, first, created.id, (proposals[0], proposals[1], proposals[2]),
                     story.rankings[first:last], story.direct[first:last],
                     tuple(publics[story.delegates[i]] for i in range(first, last)))
             for first, last in _slices(story.voters, workers * 4)]
    by_phase: dict[int, list[tuple[int, Signed]]] = {}
    with ProcessPoolExecutor(workers) as pool:
        for signed in pool.map(_sign_chains, tasks):
            for phase, events in signed.items():
                by_phase.setdefault(phase, []).extend(events)
    signed_s = time.perf_counter() - started
    log(f"  signed {sum(map(len, by_phase.values())) + 1 + len(roles) + len(opened_):,} events "
        f"in {signed_s:.1f} s ({workers} processes)")

    def in_order(phase: int) -> list[Any]:
        return [from_stored(*signed) for _, signed in sorted(by_phase.pop(phase, []))]

    home.mkdir(parents=True)
    node = Node.open(home)
    try:
        applied = _append(node, [created])
        applied += _append(node, in_order(1))
        applied += _append(node, roles + opened_)
        for number in (4, 5, 6, 7):
            applied += _append(node, in_order(number))
        log(f"  appended {applied:,} events in {time.perf_counter() - started - signed_s:.1f} s")
    finally:
        node.close()
    direct = sum(story.direct)
    counts = {"memberships": story.voters + 1, "votes": 2 * story.voters + direct,
              "delegations": story.voters, "roles": len(roles) + 1}
    network = Network(home, created.id, dict(zip(METHODS, proposals, strict=True)), counts,
                      time.perf_counter() - started)
    (home / "bench.json").write_text(json.dumps({
        "network": network.network, "proposals": network.proposals, "counts": counts,
        "setup_s": network.setup_s}))
    return network


def cached(story: Story, cache: Path | None = None, fresh: bool = False,
           log: Any = print) -> tuple[Network, bool]:
    """The network of `story`, built once under `cache` (the temporary directory's
    multitude-bench-tally by default); True when it was built now."""
    digest = hashlib.sha256(json.dumps([SETUP_VERSION, FINGERPRINT, story.seed, story.options, story.rankings,
                                        story.direct, story.delegates, story.roles]).encode()).hexdigest()[:16]
    root = cache or Path(tempfile.gettempdir()) / "multitude-bench-tally"
    home = root / f"{story.voters}-voters-{digest}"
    if fresh and home.exists():
        shutil.rmtree(home)
    if (home / "bench.json").exists():
        manifest = json.loads((home / "bench.json").read_text())
        return Network(home, manifest["network"], manifest["proposals"], manifest["counts"],
                       manifest["setup_s"]), False
    for stale in root.glob(f"{story.voters}-voters-*"):  # built by other code or a run that stopped midway
        shutil.rmtree(stale, ignore_errors=True)
    building = root / f"{home.name}.building-{os.getpid()}"
    log(f"building the network in {home} (once; later runs reuse it)")
    network = build(building, story, log)
    building.rename(home)
    return Network(home, network.network, network.proposals, network.counts, network.setup_s), True


def opened(network: Network, workdir: Path) -> Node:
    """A node on a fresh copy of the network's home, signing as the founder (its facilitator);
    refuses a copy whose state lost what was built (a projection rebuilt from the log)."""
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(network.home, workdir)
    node = Node.open(workdir)
    node.use_key(founder_key())
    state = node.projector.state
    held = {"memberships": len(state.memberships), "votes": len(state.votes),
            "delegations": len(state.delegations), "roles": len(state.roles)}
    if held != network.counts:
        node.close()
        raise SetupError(f"the store at {network.home} holds {held}, not {network.counts}: its projection was "
                         "rebuilt from the log (the code changed since it was built); run again with --fresh")
    return node
