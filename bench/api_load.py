"""API load benchmark: the web node under concurrent clients, against a bare endpoint of the same framework.

Starts the real node as a separate process (`multitude --home TMP --db URL serve --port 0`) on a
fresh PostgreSQL schema (or a SQLite file), sets it up over HTTP (members sign up, each makes an API
token, one creates an open network with EUR and peer validation, the others join), then drives it
over loopback with concurrent asyncio clients (httpx), each request of the mix in turn:

- log: POST /api/v1/networks/{id}/contributions  {"action": "work", "hours": "1", "note": …}
- page: GET /n/{id}  (the network's web page, HTML)
- api: GET /api/v1/networks/{id}

Beside it, in the same run, the same client code drives a bare FastAPI app (one route answering a
constant) served by uvicorn with the node's server options in a process of its own: the same
requests, the same headers and bodies, only the answer differs. Two phases, each for both:

1. open loop: requests due at a fixed rate (--rate, spread over the clients) for --seconds;
   latency is counted from when a request was due, so a slow answer cannot hide behind a
   client that waited to send the next one (no coordinated omission);
2. closed loop: each client sends the next request as soon as the last is answered, for
   --seconds: logging throughput (contributions/s) against the bare endpoint's requests/s.

Each phase runs in --rounds rounds that alternate between the two servers (bare, node, node,
bare, …), so that whatever else the machine is doing weighs on both sides of the ratio alike.

Setup (sign-ups hash passwords with Argon2id) is not measured. Any answer other than 2xx/3xx and
any exception is an error; the first few are printed. Goals: no errors, p99 < 100 ms at 200
requests/s, logging throughput >= 1/3 of the bare endpoint's. Prints a table, then one JSON line
of figures as the last line of stdout.

    python bench/api_load.py [--clients 50] [--rate 200] [--seconds 20] [--max-requests 100000] [--rounds 4]
                             [--members 50] [--db sqlite|PATH|postgresql://…] [--profile FILE]

PostgreSQL: a new schema in $MULTITUDE_BENCH_PG, else postgresql://postgres@127.0.0.1:5432/test,
dropped at the end (as are the servers and the temporary home, on Ctrl-C or failure too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
P99_GOAL_MS = 100.0
RATE_GOAL = 200.0
RATIO_GOAL = 1 / 3
PASSWORD = "bench-password-long-enough"
KINDS = ("log", "page", "api")
SHOWN_ERRORS = 5
_OPEN = re.compile(r"Open (https?://\S+?/)\s")

_CLI = "from multitude.cli.app import main; main()"
# The node under cProfile, for --profile: the profile is written when the server stops (SIGINT).
_PROFILED = """
import cProfile, sys
from multitude.cli.app import main
out = sys.argv[1]
sys.argv = ["multitude", *sys.argv[2:]]
cProfile.run("main()", out)
"""


# -- the bare endpoint (runs in its own process: --bare-server) ------------------------------


def serve_bare() -> None:
    """One FastAPI route answering a constant, served as `multitude serve` serves the node."""
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def constant() -> dict[str, bool]:
        return {"ok": True}

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    # The options of src/multitude/cli/serve.py (keep them in step).
    config = uvicorn.Config(app, log_level="warning", server_header=False, access_log=False,
                            timeout_graceful_shutdown=5)
    print(f"Open http://localhost:{sock.getsockname()[1]}/ (bare endpoint)", flush=True)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


# -- servers as processes --------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) from /proc; 0 where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class Server:
    """A server process whose address is read from its 'Open http://…/' line."""

    def __init__(self, name: str, command: list[str], logs: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.out = logs / f"{name}.out"
        self.err = logs / f"{name}.err"
        with self.out.open("w") as out, self.err.open("w") as err:
            # A session of its own: Ctrl-C reaches this script only, which then stops the server.
            self.process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                            start_new_session=True, env=env)
        self.url = ""
        self.db_pids: list[int] = []  # the database server's processes working for this server, if local

    def tail(self) -> str:
        text = ""
        for path in (self.out, self.err):
            with suppress(OSError):
                text += path.read_text()[-2000:]
        return text.strip()

    def wait_ready(self, timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = _OPEN.search(self.out.read_text())
            if found:
                # Loopback by address: the server listens on 127.0.0.1, and "localhost" may try ::1 first.
                self.url = found.group(1).rstrip("/").replace("//localhost:", "//127.0.0.1:")
                return self.url
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited ({self.process.returncode}):\n{self.tail()}")
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} server printed no address in {timeout:.0f} s:\n{self.tail()}")

    def cpu(self) -> float:
        return _cpu_seconds(self.process.pid)

    def db_cpu(self) -> float:
        return sum(_cpu_seconds(pid) for pid in self.db_pids)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGINT)  # uvicorn's graceful stop (and the profile is written)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


# -- the store -------------------------------------------------------------------------------


def schema_url(base: str, schema: str) -> str:
    """`base` with its tables landing in `schema` (as tests/pg_schema.py does), and the schema as the
    connection's application name, by which the benchmark finds the node's server processes."""
    return f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}&application_name={schema}"


def backends(base: str, name: str) -> list[int]:
    """Process ids of the PostgreSQL server's processes serving connections named `name`."""
    import psycopg

    with psycopg.connect(base, autocommit=True, connect_timeout=10) as connection:
        rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", (name,)).fetchall()
    return [int(row[0]) for row in rows]


@contextmanager
def store(db: str | None, workdir: Path) -> Iterator[tuple[str, str, Callable[[], list[int]]]]:
    """(URL for --db, kind, the node's database server processes when they are on this machine):
    a fresh PostgreSQL schema, dropped afterwards, or a fresh SQLite file."""
    if db is None or db.startswith(("postgresql://", "postgres://")):
        import psycopg

        base = db or os.environ.get("MULTITUDE_BENCH_PG", DEFAULT_PG)
        schema = f"bench_api_{secrets.token_hex(4)}"
        with psycopg.connect(base, autocommit=True, connect_timeout=10) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        try:
            yield schema_url(base, schema), "postgresql", lambda: backends(base, schema)
        finally:
            with psycopg.connect(base, autocommit=True, connect_timeout=10) as connection:
                connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    else:
        path = workdir / "bench.sqlite" if db == "sqlite" else Path(db)
        if path.exists():
            raise SystemExit(f"{path} exists: the benchmark needs a fresh store")
        try:
            yield str(path), "sqlite", list
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


# -- clients ---------------------------------------------------------------------------------


@dataclass
class Member:
    name: str
    agent: str
    token: str


@dataclass
class Tally:
    """What one phase against one server measured."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    service: list[float] = field(default_factory=list)  # from the send, not from when it was due
    errors: int = 0
    messages: list[str] = field(default_factory=list)
    late: int = 0  # open loop: sent more than 10 ms after it was due
    dropped: int = 0  # open loop: never sent, the server having fallen behind by over --seconds
    seconds: float = 0.0
    server_cpu: float = 0.0
    db_cpu: float = 0.0
    client_cpu: float = 0.0
    machine_busy: float = 0.0

    def add(self, other: Tally) -> None:
        """Take in the figures of another round of the same phase."""
        for kind, values in other.latencies.items():
            self.latencies[kind].extend(values)
        self.service.extend(other.service)
        self.errors += other.errors
        self.messages.extend(other.messages[: SHOWN_ERRORS - len(self.messages)])
        self.late += other.late
        self.dropped += other.dropped
        busy = self.machine_busy * self.seconds + other.machine_busy * other.seconds
        self.seconds += other.seconds
        self.machine_busy = busy / self.seconds if self.seconds else 0.0
        self.server_cpu += other.server_cpu
        self.db_cpu += other.db_cpu
        self.client_cpu += other.client_cpu

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.messages) < SHOWN_ERRORS:
            self.messages.append(message)

    @property
    def all(self) -> list[float]:
        return [value for values in self.latencies.values() for value in values]

    @property
    def requests(self) -> int:
        return len(self.all) + self.errors

    def ok(self, kind: str) -> int:
        return len(self.latencies[kind])


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile in ms (None without values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank] * 1000


class Traffic:
    """The requests of the mix, for one member, against whichever server the client points at."""

    def __init__(self, network: str) -> None:
        self.network = network
        self.counter = 0

    def request(self, kind: str, member: Member) -> tuple[str, str, dict[str, str], Any]:
        headers = {"authorization": f"Bearer {member.token}"}
        if kind == "log":
            self.counter += 1
            body = {"action": "work", "hours": "1", "note": f"load test {self.counter} by {member.name}"}
            return "POST", f"/api/v1/networks/{self.network}/contributions", headers, body
        if kind == "page":
            return "GET", f"/n/{self.network}", {**headers, "accept": "text/html"}, None
        return "GET", f"/api/v1/networks/{self.network}", headers, None


def http_client(base: str, connections: int) -> Any:
    """An httpx client. The load gives each simulated client one of its own with one connection: a pool
    shared by many connections is scanned for every request (httpcore), which costs more CPU per request
    the more requests wait, and would make the client, not the server, the limit."""
    import httpx

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(30.0), trust_env=False,
                             follow_redirects=False)


async def send(client: Any, traffic: Traffic, kind: str, member: Member, tally: Tally, due: float) -> None:
    """One request; its latency counted from `due` into `tally`, or an error."""
    method, path, headers, body = traffic.request(kind, member)
    sent = time.perf_counter()
    try:
        response = await client.request(method, path, headers=headers, json=body)
        await response.aread()
    except Exception as error:  # any failure to get an answer is an error of the run
        tally.error(f"{method} {path}: {type(error).__name__}: {error}")
        return
    done = time.perf_counter()
    if not 200 <= response.status_code < 400:
        tally.error(f"{method} {path}: {response.status_code} {response.text[:200]}")
        return
    tally.latencies[kind].append(done - due)
    tally.service.append(done - sent)


@contextmanager
def measured(tally: Tally, server: Server) -> Iterator[None]:
    cpu, db_cpu, client_cpu, (busy, total) = server.cpu(), server.db_cpu(), time.process_time(), _machine_ticks()
    started = time.perf_counter()
    yield
    tally.seconds = time.perf_counter() - started
    tally.server_cpu = server.cpu() - cpu
    tally.db_cpu = server.db_cpu() - db_cpu
    tally.client_cpu = time.process_time() - client_cpu
    busy_after, total_after = _machine_ticks()
    tally.machine_busy = (busy_after - busy) / max(1, total_after - total)


async def open_loop(clients: list[Any], server: Server, traffic: Traffic, members: list[Member],
                    kinds: tuple[str, ...], rate: float, seconds: float, max_requests: int) -> Tally:
    """Requests due every 1/rate s, round-robin over the clients (each sends its own in turn).
    Requests still unsent at twice the planned length (+1 s) are dropped (counted), so that a
    server that cannot keep up does not make the run last for ever."""
    tally = Tally()
    total = max(1, min(int(rate * seconds), max_requests))
    start = time.perf_counter() + 0.2
    cutoff = start + 2 * total / rate + 1.0

    async def one_client(index: int) -> None:
        member = members[index % len(members)]
        slots = range(index, total, len(clients))
        for count, slot in enumerate(slots):
            due = start + slot / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            elif time.perf_counter() > cutoff:
                tally.dropped += len(slots) - count
                return
            elif wait < -0.010:
                tally.late += 1
            await send(clients[index], traffic, kinds[slot % len(kinds)], member, tally, due)

    with measured(tally, server):
        await asyncio.gather(*(one_client(index) for index in range(min(len(clients), total))))
    tally.seconds = time.perf_counter() - start  # from the first request due to the last answer
    return tally


async def closed_loop(clients: list[Any], server: Server, traffic: Traffic, members: list[Member], kind: str,
                      seconds: float, max_requests: int) -> Tally:
    """Each client sends `kind` again as soon as it is answered, until the time or the count is up."""
    tally = Tally()
    issued = 0
    deadline = time.perf_counter() + seconds

    async def one_client(index: int) -> None:
        nonlocal issued
        member = members[index % len(members)]
        while issued < max_requests and time.perf_counter() < deadline:
            issued += 1
            await send(clients[index], traffic, kind, member, tally, time.perf_counter())

    with measured(tally, server):
        await asyncio.gather(*(one_client(index) for index in range(len(clients))))
    return tally


async def warm_up(clients: list[Any], traffic: Traffic, members: list[Member], kinds: tuple[str, ...]) -> Tally:
    """Each client sends each kind once, unmeasured: connections opened, templates compiled."""
    tally = Tally()

    async def one_client(index: int) -> None:
        for kind in kinds:
            await send(clients[index], traffic, kind, members[index % len(members)], tally, time.perf_counter())

    await asyncio.gather(*(one_client(index) for index in range(len(clients))))
    return tally


# -- setup over HTTP -------------------------------------------------------------------------


def _expect(response: Any, status: int, what: str) -> Any:
    if response.status_code != status:
        raise RuntimeError(f"{what}: HTTP {response.status_code} (expected {status}): {response.text[:300]}")
    return response.json()


def _session_cookie(response: Any) -> str:
    """The session cookie, read from Set-Cookie: it is Secure, so a client keeps it for https only."""
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name.strip() == "multitude_session":
            return rest.split(";", 1)[0]
    raise RuntimeError("log in: no session cookie in the answer")


async def sign_up(base: str, index: int) -> Member:
    """Sign up, log in (with the cookie sent by hand) and make an API token, as a script would."""
    name = f"bench{index:03d}"
    async with http_client(base, 2) as client:
        _expect(await client.post("/api/v1/accounts", json={"name": name, "password": PASSWORD,
                                                            "display_name": f"Bench member {index}"}),
                201, f"sign up {name}")
        session = await client.post("/api/v1/session", json={"name": name, "password": PASSWORD})
        opened = _expect(session, 200, f"log in {name}")
        headers = {"cookie": f"multitude_session={_session_cookie(session)}", "x-csrf-token": opened["csrf"]}
        client.cookies.clear()
        token = _expect(await client.post("/api/v1/tokens", json={"label": "load benchmark", "days": 1},
                                          headers=headers), 201, f"API token of {name}")
    return Member(name, opened["agent"], token["token"])


async def set_up(base: str, count: int, concurrency: int) -> tuple[list[Member], str]:
    """`count` members with API tokens, and an open network (EUR, peer validation) they all belong to."""
    gate = asyncio.Semaphore(concurrency)

    async def gated(index: int) -> Member:
        async with gate:
            return await sign_up(base, index)

    members = list(await asyncio.gather(*(gated(index) for index in range(count))))
    founder = members[0]
    async with http_client(base, concurrency) as client:
        auth = {"authorization": f"Bearer {founder.token}"}
        network = _expect(await client.post("/api/v1/networks", headers=auth, json={
            "name": "Load bench", "purpose": "Concurrent clients logging work and reading the network's pages.",
            "membership": "open", "currencies": [{"code": "EUR", "decimals": 2}],
            "validation": {"policy": "peers", "approvals": 1}}), 201, "create the network")["network"]

        async def join(member: Member) -> None:
            async with gate:
                receipt = _expect(await client.post(f"/api/v1/networks/{network}/join", json={"note": "here to work"},
                                                    headers={"authorization": f"Bearer {member.token}"}),
                                  200, f"{member.name} joins")
            if receipt["status"] != "applied":
                raise RuntimeError(f"{member.name} joins: {receipt}")

        await asyncio.gather(*(join(member) for member in members[1:]))
    return members, network


async def probe(base: str, traffic: Traffic, member: Member, kinds: tuple[str, ...]) -> None:
    """Each kind of request once: a missing route stops the run here rather than as errors."""
    async with http_client(base, 1) as client:
        for kind in kinds:
            method, path, headers, body = traffic.request(kind, member)
            response = await client.request(method, path, headers=headers, json=body)
            if response.status_code in (404, 405) and kind == "log":
                raise SystemExit(f"{method} {path} answered {response.status_code}: the contributions route is "
                                 f"not there yet; measure the reads with --mix page,api --closed api")
            if not 200 <= response.status_code < 400:
                raise RuntimeError(f"{method} {path}: HTTP {response.status_code}: {response.text[:300]}")


# -- the run ---------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f}"


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


async def drive(args: argparse.Namespace, node: Server, bare: Server,
                db_pids: Callable[[], list[int]]) -> dict[str, Tally]:
    kinds = tuple(args.mix)
    print(f"setup: {args.members} members sign up (Argon2id), make API tokens, join a network ...", file=sys.stderr)
    started = time.perf_counter()
    members, network = await set_up(node.url, args.members, args.setup_concurrency)
    print(f"setup: {time.perf_counter() - started:.1f} s; network {network}", file=sys.stderr)
    traffic = Traffic(network)
    await probe(node.url, traffic, members[0], kinds)
    node.db_pids = [pid for pid in db_pids() if Path(f"/proc/{pid}/stat").exists()]
    results = {f"{name}_{phase}": Tally() for name in ("node", "bare") for phase in ("open", "closed")}
    async with AsyncExitStack() as stack:
        targets: list[tuple[Server, list[Any]]] = []
        for server in (bare, node):
            clients = [await stack.enter_async_context(http_client(server.url, 1)) for _ in range(args.clients)]
            targets.append((server, clients))
        for target, clients in targets:
            warm = await warm_up(clients, traffic, members, kinds)
            if warm.errors:
                print(f"{target.name}: warm-up errors: {warm.errors}; first: {warm.messages}", file=sys.stderr)
        # Rounds alternate between the servers (bare, node, node, bare, …), so that a change in what else
        # runs on the machine weighs on both alike.
        share, most = args.seconds / args.rounds, max(1, args.max_requests // args.rounds)
        for phase in ("open", "closed"):
            for turn in range(args.rounds):
                for target, clients in targets if turn % 2 == 0 else targets[::-1]:
                    what = f"{args.rate:g} requests/s" if phase == "open" else f"closed loop ({args.closed})"
                    print(f"{phase} loop, round {turn + 1}/{args.rounds}: {target.name}, {what} for {share:g} s",
                          file=sys.stderr)
                    if phase == "open":
                        tally = await open_loop(clients, target, traffic, members, kinds, args.rate, share, most)
                    else:
                        tally = await closed_loop(clients, target, traffic, members, args.closed, share, most)
                    results[f"{target.name}_{phase}"].add(tally)
    return results


def late(tally: Tally) -> str:
    return f"{tally.late:,}" + (f" (+{tally.dropped:,} dropped)" if tally.dropped else "")


def report(args: argparse.Namespace, db_kind: str, results: dict[str, Tally]) -> dict[str, Any]:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(170, shutil.get_terminal_size().columns))
    table = Table(title=f"Web node on {db_kind} under {args.clients} clients ({', '.join(args.mix)}), "
                        f"beside a bare FastAPI endpoint")
    for column in ("server", "phase", "requests", "answered/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
                   "p99 sent", "errors", "late", "CPU ms/req", "DB CPU ms/req", "client CPU", "all CPU"):
        table.add_column(column, justify="left" if column in ("server", "phase") else "right",
                         no_wrap=column in ("server", "phase"))
    for name in ("node", "bare"):
        for phase in ("open", "closed"):
            tally: Tally = results[f"{name}_{phase}"]
            done = len(tally.all)
            table.add_row(
                name, f"open {args.rate:g}/s" if phase == "open" else f"closed {args.closed}",
                f"{tally.requests:,}", f"{done / tally.seconds:,.1f}", _ms(percentile(tally.all, 0.50)),
                _ms(percentile(tally.all, 0.95)), _ms(percentile(tally.all, 0.99)), _ms(percentile(tally.all, 1.0)),
                _ms(percentile(tally.service, 0.99)), f"{tally.errors:,}", late(tally) if phase == "open" else "",
                f"{1000 * tally.server_cpu / max(1, done):.2f}",
                f"{1000 * tally.db_cpu / max(1, done):.2f}" if name == "node" and tally.db_cpu else "",
                f"{100 * tally.client_cpu / tally.seconds:.0f}%",
                f"{100 * tally.machine_busy:.0f}%")
    console.print(table)

    opened: Tally = results["node_open"]
    kinds = Table(title="Node, open loop, by kind of request")
    for column in ("kind", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        kinds.add_column(column, justify="left" if column == "kind" else "right")
    for kind in args.mix:
        values = opened.latencies[kind]
        kinds.add_row(kind, f"{len(values):,}", _ms(percentile(values, 0.5)), _ms(percentile(values, 0.95)),
                      _ms(percentile(values, 0.99)), _ms(percentile(values, 1.0)))
    console.print(kinds)

    errors = {name: results[name].messages for name in ("node_open", "node_closed", "bare_open", "bare_closed")
              if results[name].messages}
    for name, messages in errors.items():
        console.print(f"first errors ({name}):", highlight=False)
        for message in messages:
            console.print(f"  {message}", highlight=False, markup=False)

    closed, bare_closed = results["node_closed"], results["bare_closed"]
    closed_per_s = closed.ok(args.closed) / closed.seconds
    bare_per_s = len(bare_closed.all) / bare_closed.seconds
    ratio = closed_per_s / bare_per_s if bare_per_s else None
    p99 = percentile(opened.all, 0.99)
    total_errors = opened.errors + closed.errors
    achieved = len(opened.all) / opened.seconds
    p99_met = p99 is not None and p99 < P99_GOAL_MS and args.rate >= RATE_GOAL and not opened.dropped
    lines = [
        f"errors: {total_errors} (goal 0: {'met' if total_errors == 0 else 'MISSED'})"
        + (f"; {opened.dropped:,} requests never sent (the node fell behind)" if opened.dropped else ""),
        f"p99 at {args.rate:g} requests/s: {_ms(p99)} ms (goal < {P99_GOAL_MS:g} ms at {RATE_GOAL:g}/s: "
        f"{'met' if p99_met else 'MISSED'}; "
        f"{achieved:,.1f} answered/s)",
    ]
    if ratio is not None:
        lines.append(f"{args.closed} throughput {closed_per_s:,.1f}/s against bare {bare_per_s:,.1f}/s: ratio "
                     f"{ratio:.3f} (goal >= {RATIO_GOAL:.3f}: {'met' if ratio >= RATIO_GOAL else 'MISSED'})")
    bare_client = bare_closed.client_cpu / bare_closed.seconds if bare_closed.seconds else 0.0
    if bare_client >= 0.9:
        lines.append(f"(the bare endpoint's closed loop kept this client {100 * bare_client:.0f}% busy: its figure is "
                     f"what one Python client can send, a floor of what the bare server can answer)")
    for line in lines:
        console.print(line, highlight=False)
    console.print(
        "Latency runs from when a request was due (open loop; 'p99 sent': from when it was sent) or sent (closed\n"
        "loop) to the end of its answer. 'late': sent over 10 ms after it was due. 'CPU ms/req': the server\n"
        "process's CPU per answered request ('DB CPU': PostgreSQL's, for the node's connection); 'client CPU':\n"
        f"this client's share of one core; 'all CPU': the machine's (of {os.cpu_count()} cores), which the client,\n"
        "the node, the bare server, the database and anything else running share.",
        highlight=False)
    return {
        "requests_per_s": round(achieved, 1),
        "p50_ms": _round(percentile(opened.all, 0.50)),
        "p95_ms": _round(percentile(opened.all, 0.95)),
        "p99_ms": _round(p99),
        "errors": total_errors,
        "logging_per_s": round(closed_per_s, 1) if args.closed == "log" else None,
        "bare_per_s": round(bare_per_s, 1),
        "ratio_to_bare": _round(ratio, 3),
        "clients": args.clients,
        "rate": args.rate,
        "db": db_kind,
        "seconds": args.seconds,
        "mix": list(args.mix),
        "closed": args.closed,
        "p99_ms_by_kind": {kind: _round(percentile(opened.latencies[kind], 0.99)) for kind in args.mix},
        "bare_p99_ms": _round(percentile(results["bare_open"].all, 0.99)),
        "node_cpu_ms_per_closed_request": round(1000 * closed.server_cpu / max(1, closed.ok(args.closed)), 2),
        "db_cpu_ms_per_closed_request": round(1000 * closed.db_cpu / max(1, closed.ok(args.closed)), 2)
        if closed.db_cpu else None,
        "bare_errors": results["bare_open"].errors + bare_closed.errors,
        "dropped": opened.dropped,
        "contributions_logged": opened.ok("log") + closed.ok("log"),
    }


def _interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up as Ctrl-C does


def main_run(args: argparse.Namespace) -> None:
    signal.signal(signal.SIGTERM, _interrupted)
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"note: the machine's load average is {load:.1f} before the run; figures will be noisy",
              file=sys.stderr)
    workdir = Path(tempfile.mkdtemp(prefix="multitude-api-load-"))
    servers: list[Server] = []
    try:
        with store(args.db, workdir) as (url, db_kind, db_pids):
            try:
                script = Path(sys.executable).parent / "multitude"
                command = [str(script)] if script.exists() else [sys.executable, "-c", _CLI]
                if args.profile:
                    command = [sys.executable, "-c", _PROFILED, str(Path(args.profile).resolve())]
                env = {key: value for key, value in os.environ.items() if key != "MULTITUDE_DB"}
                node = Server("node", [*command, "--home", str(workdir / "home"), "--db", url, "serve", "--port",
                                       "0"], workdir, env)
                servers.append(node)
                bare = Server("bare", [sys.executable, str(Path(__file__).resolve()), "--bare-server"], workdir)
                servers.append(bare)
                print(f"node at {node.wait_ready()} ({db_kind}); bare endpoint at {bare.wait_ready()}",
                      file=sys.stderr)
                results = asyncio.run(drive(args, node, bare, db_pids))
            finally:
                for server in servers:
                    server.stop()
                if args.profile and servers:
                    print(f"profile of the node written to {args.profile}", file=sys.stderr)
        figures = report(args, db_kind, results)
        figures["load_before"] = round(load, 2)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.stdout.flush()
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--rate", type=float, default=200.0, help="open loop: requests per second in all (200)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each measured phase (20)")
    parser.add_argument("--max-requests", type=int, default=100_000,
                        help="at most this many requests a phase (100,000)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="each phase in this many rounds, alternating between the servers (4)")
    parser.add_argument("--members", type=int, default=50, help="members signed up, one per client at most (50)")
    parser.add_argument("--setup-concurrency", type=int, default=8, help="sign-ups at a time (8; Argon2id)")
    parser.add_argument("--db", help="sqlite (a fresh file), a SQLite path that does not exist yet, or a "
                                     "postgresql:// URL to make a fresh schema in (default: $MULTITUDE_BENCH_PG "
                                     f"or {DEFAULT_PG})")
    parser.add_argument("--mix", type=lambda text: tuple(text.split(",")), default=KINDS,
                        help="kinds of request the open loop cycles through: log,page,api (all)")
    parser.add_argument("--closed", choices=KINDS, default="log", help="what the closed loop sends (log)")
    parser.add_argument("--profile", metavar="FILE", help="run the node under cProfile; write its profile to FILE")
    parser.add_argument("--bare-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        serve_bare()
        return
    unknown = [kind for kind in args.mix if kind not in KINDS]
    if unknown or not args.mix:
        parser.error(f"--mix: kinds are {', '.join(KINDS)}")
    if min(args.clients, args.members, args.setup_concurrency, args.max_requests, args.rounds) < 1 or args.rate <= 0:
        parser.error("counts and the rate must be positive")
    try:
        main_run(args)
    except KeyboardInterrupt:
        print("interrupted: servers stopped, store and temporary files removed", file=sys.stderr)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
