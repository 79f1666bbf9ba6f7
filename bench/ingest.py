"""Ingest benchmark: signed events appended to SQLite and PostgreSQL, against the bare crypto.

Generates N signed events (a realistic mix of profiles, networks, membership requests,
approvals, role grants, departures and charter amendments by a crowd of authors), then
measures, each phase in its own process so peak memory is per phase:

- bare: decode + id hash + signature verify of every event (`open_event`), no store;
- sqlite: `Node.submit` into a fresh SQLite file, in batches;
- postgres: the same into a fresh schema of a PostgreSQL database.

Prints events per second, peak memory and ratio = store rate / bare rate for each (and the
same ratio of CPU time), then one JSON line of the figures as the last line of stdout.
Goals: SQLite ratio >= 0.7, PostgreSQL ratio >= 0.5, `multitude --help` under 0.3 s (timed
only when the console script works).

    python bench/ingest.py [--events 100000] [--authors 1000] [--batch 5000] [--skip-postgres]

PostgreSQL URL: $MULTITUDE_BENCH_PG, else postgresql://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
SQLITE_GOAL = 0.7
POSTGRES_GOAL = 0.5
HELP_GOAL_S = 0.3

_VOCABULARY = """
solar lab repair food co-op seed library hardware open tools commons bike kitchen water mesh radio
garden school clinic archive textile printing workshop cargo transport care energy housing
translation legal software design craft market forest river map
"""
WORDS = tuple(_VOCABULARY.split())
PLACES = (
    "Lisbon",
    "Nairobi",
    "Bogotá",
    "Montreal",
    "Dhaka",
    "Berlin",
    "Oaxaca",
    "Kyiv",
    "Accra",
    "",
)
ROLE_NAMES = ("steward", "treasurer", "reviewer", "mentor", "scribe", "organiser")


# -- generation ------------------------------------------------------------------------------


@dataclass
class Network:
    id: str
    policy: str
    approver_role: str
    roles: list[str]
    name: str
    purpose: str
    custodians: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)
    pending: list[int] = field(default_factory=list)
    held: dict[int, set[str]] = field(default_factory=dict)  # author index -> roles held
    network_members: set[str] = field(default_factory=set)  # ids of member networks

    def all_roles(self) -> list[str]:
        return [
            "custodian",
            "facilitator",
            *(r for r in self.roles if r not in ("custodian", "facilitator")),
        ]


class Generator:
    """Builds a plausible history whose events the rules accept, tracking the state it implies."""

    def __init__(self, authors: int, events: int, seed: int) -> None:
        from multitude.ledger import Keypair

        self.rng = random.Random(seed)
        self.keys = [Keypair.generate() for _ in range(authors)]
        self.publics = [key.public for key in self.keys]
        self.heads: list[tuple[int, str | None]] = [(0, None)] * authors
        self.clock = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
        self.target = events
        self.networks: list[Network] = []
        self.network_goal = max(20, min(50, events // 3000))
        self.emitted = 0
        self.types: collections.Counter[str] = collections.Counter()

    # -- helpers --------------------------------------------------------------------------
    def _text(self, low: int, high: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(low, high)))

    def _seal(self, author: int, type: str, body: dict[str, Any], network: str | None = None) -> Any:
        from multitude.ledger import seal
        from multitude.ledger.event import event_time

        self.clock += timedelta(microseconds=self.rng.randint(1, 20_000_000))
        seq, prev = self.heads[author]
        event = seal(
            self.keys[author],
            seq=seq + 1,
            prev=prev,
            type=type,
            body=body,
            network=network,
            time=event_time(self.clock),
        )
        self.heads[author] = (seq + 1, event.id)
        self.emitted += 1
        self.types[type] += 1
        return event

    def _profile(self, author: int) -> Any:
        rng = self.rng
        body = {
            "v": 1,
            "kind": "organisation" if rng.random() < 0.1 else "person",
            "name": f"{self._text(1, 2).title()} {author}",
            "about": self._text(8, 40),
            "skills": sorted({rng.choice(WORDS) for _ in range(rng.randint(0, 6))}),
            "location": rng.choice(PLACES),
            "links": [f"https://example.org/{author}/{n}" for n in range(rng.randint(0, 2))],
        }
        return self._seal(author, "agent.profile", body)

    def _create_network(self) -> Any:
        rng = self.rng
        founder = rng.randrange(len(self.keys))
        policy = "open" if rng.random() < 0.5 else "approval"
        roles = rng.sample(ROLE_NAMES, rng.randint(0, 3)) if policy == "approval" else []
        approver = roles[0] if roles and rng.random() < 0.5 else "custodian"
        name = f"{self._text(1, 3).title()} Network {len(self.networks) + 1}"
        purpose = self._text(10, 30)
        body = {
            "v": 1,
            "name": name,
            "purpose": purpose,
            "charter": {"membership": policy, "approver_role": approver, "roles": roles},
        }
        event = self._seal(founder, "network.created", body)
        net = Network(event.id, policy, approver, roles, name, purpose)
        net.custodians.add(founder)
        net.members.add(founder)
        net.held[founder] = {"custodian"}
        self.networks.append(net)
        return event

    def _request(self) -> Any | None:
        net = self.rng.choice(self.networks)
        for _ in range(20):
            author = self.rng.randrange(len(self.keys))
            if author not in net.members and author not in net.pending:
                break
        else:
            return None
        event = self._seal(author, "membership.requested", {"v": 1, "note": self._text(0, 12)}, net.id)
        if net.policy == "open":
            net.members.add(author)
        else:
            net.pending.append(author)
        return event

    def _network_joins(self) -> Any | None:
        """A network (by its custodian) asks to join an older one: networks of networks."""
        if len(self.networks) < 2:
            return None
        inner = self.rng.randrange(1, len(self.networks))
        outer = self.networks[self.rng.randrange(inner)]  # only older ones: never a cycle
        joining = self.networks[inner]
        if joining.id in outer.network_members or outer.policy != "open":
            return None
        actor = self.rng.choice(sorted(joining.custodians))
        body = {"v": 1, "note": "we join as a network", "on_behalf_of": joining.id}
        event = self._seal(actor, "membership.requested", body, outer.id)
        outer.network_members.add(joining.id)
        return event

    def _approve(self) -> Any | None:
        waiting = [net for net in self.networks if net.pending]
        if not waiting:
            return None
        net = self.rng.choice(waiting)
        member = net.pending.pop(self.rng.randrange(len(net.pending)))
        approvers = sorted(a for a, roles in net.held.items() if "custodian" in roles or net.approver_role in roles)
        event = self._seal(
            self.rng.choice(approvers),
            "membership.approved",
            {"v": 1, "member": self.publics[member], "reason": "welcome"},
            net.id,
        )
        net.members.add(member)
        return event

    def _grant(self) -> Any | None:
        net = self.rng.choice(self.networks)
        role = "custodian" if self.rng.random() < 0.1 else self.rng.choice(net.all_roles()[1:])
        candidates = [m for m in net.members if role not in net.held.get(m, ())]
        if not candidates:
            return None
        member = self.rng.choice(sorted(candidates))
        custodian = self.rng.choice(sorted(net.custodians))
        event = self._seal(
            custodian,
            "role.granted",
            {"v": 1, "member": self.publics[member], "role": role},
            net.id,
        )
        net.held.setdefault(member, set()).add(role)
        if role == "custodian":
            net.custodians.add(member)
        return event

    def _leave(self) -> Any | None:
        net = self.rng.choice(self.networks)
        leavers = [m for m in net.members if m not in net.custodians]
        if not leavers:
            return None
        member = self.rng.choice(sorted(leavers))
        event = self._seal(
            member,
            "membership.left",
            {"v": 1, "member": self.publics[member], "reason": self._text(0, 6)},
            net.id,
        )
        net.members.discard(member)
        net.held.pop(member, None)
        return event

    def _amend(self) -> Any | None:
        net = self.rng.choice(self.networks)
        roles = list(net.roles)
        spare = [r for r in ROLE_NAMES if r not in roles]
        if spare and self.rng.random() < 0.5:
            roles.append(self.rng.choice(spare))
        policy = net.policy
        if self.rng.random() < 0.2:
            policy = "approval" if policy == "open" else "open"
        purpose = self._text(10, 30)
        body = {
            "v": 1,
            "name": net.name,
            "purpose": purpose,
            "charter": {"membership": policy, "approver_role": net.approver_role, "roles": roles},
        }
        event = self._seal(self.rng.choice(sorted(net.custodians)), "network.charter_amended", body, net.id)
        net.roles, net.policy, net.purpose = roles, policy, purpose
        return event

    # -- the history ----------------------------------------------------------------------
    def events(self) -> Iterator[Any]:
        rng = self.rng
        authors = list(range(len(self.keys)))
        rng.shuffle(authors)
        early_networks = self.network_goal // 2
        # Everyone introduces themselves; the first networks appear along the way.
        for index, author in enumerate(authors):
            if self.emitted >= self.target:
                return
            yield self._profile(author)
            if len(self.networks) < early_networks and index % max(1, len(authors) // early_networks) == 0:
                yield self._create_network()
        while len(self.networks) < early_networks and self.emitted < self.target:
            yield self._create_network()
        actions = (
            (self._request, 30.0),
            (self._approve, 14.0),
            (lambda: self._profile(rng.randrange(len(self.keys))), 30.0),
            (self._leave, 12.0),
            (self._grant, 7.0),
            (self._amend, 0.5),
            (self._network_joins, 0.1),
        )
        doers = [doer for doer, _ in actions]
        weights = [weight for _, weight in actions]
        remaining = self.target - self.emitted
        new_network_every = max(1, remaining // max(1, self.network_goal - len(self.networks) + 1))
        while self.emitted < self.target:
            if len(self.networks) < self.network_goal and (self.target - self.emitted) % new_network_every == 0:
                yield self._create_network()
                continue
            event = rng.choices(doers, weights)[0]()
            if event is not None:
                yield event


def generate(path: Path, events: int, authors: int, seed: int) -> dict[str, int]:
    """Write `events` signed events, one wire JSON object per line; return the count per type."""
    generator = Generator(authors, events, seed)
    started = time.perf_counter()
    step = max(1, events // 20)
    with path.open("wb") as out:
        for count, event in enumerate(generator.events(), 1):
            out.write(event.wire() + b"\n")
            if count % step == 0 or count == events:
                rate = count / (time.perf_counter() - started)
                print(
                    f"\rsigning events: {count:,}/{events:,} ({rate:,.0f}/s)",
                    end="",
                    file=sys.stderr,
                )
    print(f" in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return dict(generator.types.most_common())


# -- phases (each runs in its own process) ---------------------------------------------------


def _wires(path: Path) -> list[bytes]:
    with path.open("rb") as source:
        return [line.rstrip(b"\n") for line in source]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def phase_bare(path: Path) -> dict[str, Any]:
    from multitude.ledger import open_event

    wires = _wires(path)
    cpu_started, started = time.process_time(), time.perf_counter()
    for wire in wires:
        open_event(wire)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"events": len(wires), "seconds": elapsed, "cpu_seconds": cpu}


def phase_schema(path: Path) -> dict[str, Any]:
    """Bare work plus body schema validation: what Node.submit does before any store call."""
    from multitude.domain import validate_body
    from multitude.ledger import open_event

    wires = _wires(path)
    cpu_started, started = time.process_time(), time.perf_counter()
    for wire in wires:
        event = open_event(wire)
        validate_body(event.type, event.body, event.network)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"events": len(wires), "seconds": elapsed, "cpu_seconds": cpu}


def phase_store(path: Path, url: str, batch: int, profile: str | None) -> dict[str, Any]:
    from multitude.node import Node
    from multitude.store import open_store

    wires = _wires(path)
    node = Node(open_store(url))
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu_started, started = time.process_time(), time.perf_counter()
    submitted = node.submit(wires, batch_size=batch)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # Node.submit checks signatures of later batches in a worker process: count its CPU too.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += children.ru_utime + children.ru_stime
    if profiler is not None and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    stored = node.store.count_events()
    node.close()
    statuses = collections.Counter(receipt.status for receipt in submitted.receipts)
    reasons = collections.Counter(receipt.reason for receipt in submitted.receipts if receipt.status != "applied")
    return {
        "events": len(wires),
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "stored": stored,
        "statuses": dict(statuses),
        "refused": len(submitted.refused),
        "refused_first": [list(item) for item in submitted.refused[:3]],
        "duplicates": submitted.duplicates,
        "reasons": reasons.most_common(5),
    }


def run_phase(args: argparse.Namespace) -> None:
    path = Path(args.wires)
    if args.phase == "bare":
        result = phase_bare(path)
    elif args.phase == "schema":
        result = phase_schema(path)
    else:
        result = phase_store(path, args.url, args.batch, args.profile)
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result))


def spawn(phase: str, wires: Path, *extra: str) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        phase,
        "--wires",
        str(wires),
        *extra,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"phase {phase} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- PostgreSQL schema -----------------------------------------------------------------------


def with_search_path(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def pg_schema(url: str, schema: str, create: bool) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
        if create:
            connection.execute(f"CREATE SCHEMA {schema}")
        else:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


# -- multitude --help ------------------------------------------------------------------------


def time_help() -> tuple[float | None, str]:
    script = Path(sys.executable).parent / "multitude"
    found = shutil.which("multitude") if not script.exists() else str(script)
    if not found:
        return None, "no `multitude` console script installed"
    times = []
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run([found, "--help"], capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"`multitude --help` failed (exit {done.returncode}): {last[:120]}"
    return statistics.median(times), f"median of 3 runs of {found} --help"


# -- the run ---------------------------------------------------------------------------------


def _rate(result: dict[str, Any]) -> float:
    return float(result["events"] / result["seconds"])


def _seconds(result: dict[str, Any]) -> str:
    return f"{result['seconds']:.2f} ({result['cpu_seconds']:.2f})"


def _cpu_ratio(result: dict[str, Any], bare: dict[str, Any]) -> float:
    return float(bare["cpu_seconds"]) / float(result["cpu_seconds"])


def _check_statuses(name: str, result: dict[str, Any]) -> None:
    statuses = result["statuses"]
    applied = statuses.get("applied", 0)
    if applied < 0.99 * result["events"]:
        print(
            f"WARNING: {name}: only {applied:,} of {result['events']:,} events applied; "
            f"not applied: {result['reasons']}; refused: {result['refused_first']}",
            file=sys.stderr,
        )


def main_run(args: argparse.Namespace) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(132, shutil.get_terminal_size().columns))
    workdir = Path(tempfile.mkdtemp(prefix="multitude-bench-"))
    figures: dict[str, Any] = {"events": args.events, "authors": args.authors, "batch": args.batch}
    try:
        wires = workdir / "events.jsonl"
        types = generate(wires, args.events, args.authors, args.seed)
        print(
            "event mix: " + ", ".join(f"{name} {count:,}" for name, count in types.items()),
            file=sys.stderr,
        )

        print("phase bare (open_event) ...", file=sys.stderr)
        bare = spawn("bare", wires)
        print("phase bare + body schema ...", file=sys.stderr)
        schema = spawn("schema", wires)
        print("phase sqlite ...", file=sys.stderr)
        sqlite_path = workdir / "bench.sqlite"
        sqlite_extra = ["--url", str(sqlite_path), "--batch", str(args.batch)]
        if args.profile:
            sqlite_extra += ["--profile", args.profile]
        sqlite = spawn("sqlite", wires, *sqlite_extra)
        _check_statuses("sqlite", sqlite)

        postgres: dict[str, Any] | None = None
        pg_note = "skipped (--skip-postgres)"
        if not args.skip_postgres:
            base = os.environ.get("MULTITUDE_BENCH_PG", DEFAULT_PG)
            schema_name = f"bench_{secrets.token_hex(4)}"
            print(f"phase postgres (schema {schema_name}) ...", file=sys.stderr)
            try:
                pg_schema(base, schema_name, create=True)
            except Exception as error:  # any failure to reach PostgreSQL: report it
                pg_note = f"skipped: cannot reach PostgreSQL ({error})"
            else:
                try:
                    url = with_search_path(base, schema_name)
                    postgres = spawn("postgres", wires, "--url", url, "--batch", str(args.batch))
                    _check_statuses("postgres", postgres)
                finally:
                    pg_schema(base, schema_name, create=False)
        help_s, help_note = time_help()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    bare_rate = _rate(bare)
    table = Table(
        title=f"Ingest of {args.events:,} signed events ({args.authors:,} authors, batches of {args.batch:,})"
    )
    for column in (
        "phase",
        "events/s",
        "seconds (cpu)",
        "ratio to bare",
        "goal",
        "cpu ratio",
        "peak MB",
        "applied / rejected / pending",
    ):
        table.add_column(column, justify="left" if column == "phase" else "right")
    table.add_row(
        "bare: decode + id hash + verify",
        f"{bare_rate:,.0f}",
        _seconds(bare),
        "1.00",
        "",
        "1.00",
        f"{bare['peak_mb']:.0f}",
        "",
    )
    table.add_row(
        "bare + body schema (info)",
        f"{_rate(schema):,.0f}",
        _seconds(schema),
        f"{_rate(schema) / bare_rate:.2f}",
        "",
        f"{_cpu_ratio(schema, bare):.2f}",
        f"{schema['peak_mb']:.0f}",
        "",
    )

    def store_row(name: str, result: dict[str, Any], goal: float) -> float:
        ratio = _rate(result) / bare_rate
        mark = "met" if ratio >= goal else "MISSED"
        statuses = result["statuses"]
        counts = " / ".join(f"{statuses.get(s, 0):,}" for s in ("applied", "rejected", "pending"))
        if result["refused"]:
            counts += f" (+{result['refused']:,} refused)"
        table.add_row(
            name,
            f"{_rate(result):,.0f}",
            _seconds(result),
            f"{ratio:.2f}",
            f">= {goal} {mark}",
            f"{_cpu_ratio(result, bare):.2f}",
            f"{result['peak_mb']:.0f}",
            counts,
        )
        return ratio

    sqlite_ratio = store_row("SQLite: Node.submit", sqlite, SQLITE_GOAL)
    postgres_ratio = store_row("PostgreSQL: Node.submit", postgres, POSTGRES_GOAL) if postgres else None
    console.print(table)
    if postgres is None:
        console.print(f"PostgreSQL: {pg_note}")
    if help_s is None:
        console.print(f"multitude --help: not timed: {help_note}")
    else:
        mark = "met" if help_s < HELP_GOAL_S else "MISSED"
        console.print(f"multitude --help: {help_s:.3f} s (goal < {HELP_GOAL_S} s: {mark}; {help_note})")

    peaks = [r["peak_mb"] for r in (bare, schema, sqlite, postgres) if r is not None]
    figures.update(
        {
            "bare_events_per_s": round(bare_rate, 1),
            "schema_events_per_s": round(_rate(schema), 1),
            "sqlite_events_per_s": round(_rate(sqlite), 1),
            "sqlite_ratio": round(sqlite_ratio, 3),
            "sqlite_cpu_ratio": round(_cpu_ratio(sqlite, bare), 3),
            "sqlite_applied": sqlite["statuses"].get("applied", 0),
            "postgres_events_per_s": round(_rate(postgres), 1) if postgres else None,
            "postgres_ratio": round(postgres_ratio, 3) if postgres_ratio is not None else None,
            "postgres_cpu_ratio": round(_cpu_ratio(postgres, bare), 3) if postgres else None,
            "postgres_applied": postgres["statuses"].get("applied", 0) if postgres else None,
            "bare_peak_mb": round(bare["peak_mb"], 1),
            "sqlite_peak_mb": round(sqlite["peak_mb"], 1),
            "postgres_peak_mb": round(postgres["peak_mb"], 1) if postgres else None,
            "peak_mb": round(max(peaks), 1),
            "help_s": round(help_s, 3) if help_s is not None else None,
            "sqlite_goal_met": sqlite_ratio >= SQLITE_GOAL,
            "postgres_goal_met": postgres_ratio >= POSTGRES_GOAL if postgres_ratio is not None else None,
        }
    )
    console.print(
        "ratio to bare compares wall-clock rates. Node.submit checks the signatures of later batches in a\n"
        "worker process while it stores the batch before, so it uses a second core; cpu ratio (bare CPU time\n"
        "/ CPU time of the phase, worker included) is what storing and folding cost in work done."
    )
    sys.stdout.flush()
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="events to generate (100,000)")
    parser.add_argument("--authors", type=int, default=1000, help="distinct author keys (1,000)")
    parser.add_argument(
        "--batch", type=int, default=5000, help="events per append batch (5,000, Node.submit's default)"
    )
    parser.add_argument("--skip-postgres", action="store_true", help="measure SQLite only")
    parser.add_argument("--seed", type=int, default=2025, help="seed of the generated history's shape")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the SQLite phase to FILE")
    # internal: run one measured phase in this process and print its figures as JSON
    parser.add_argument("--phase", choices=("bare", "schema", "sqlite", "postgres"), help=argparse.SUPPRESS)
    parser.add_argument("--wires", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args)
    else:
        main_run(args)


if __name__ == "__main__":
    main()
