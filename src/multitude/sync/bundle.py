"""Bundle files: events carried between nodes with no network at all (a USB stick).

A bundle is JSON Lines. The first line is a header naming the format, when it was written and
the *heads* of the node that wrote it (each author's highest seq and its id), so the other side
can answer with exactly what it lacks (`export --missing-from`). Every other line is one event.
A bundle is written to a temporary file beside the target and renamed into place, so there is
never half a bundle under its name. Reading checks each line on its own: a damaged line loses
that event only.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from multitude.ledger import CanonicalError, parse_json
from multitude.ledger.event import MAX_EVENT_BYTES, event_time, wire_bytes
from multitude.node import Node, Submitted
from multitude.store import EventFilter, EventRow

__all__ = ["FORMAT", "BundleError", "Exported", "Imported", "export_bundle", "import_bundle", "read_heads"]

FORMAT = "multitude-bundle/v1"


class BundleError(Exception):
    """A bundle cannot be written or read at all."""


@dataclass
class Exported:
    path: Path
    events: int


@dataclass
class Imported:
    submitted: Submitted
    header_problem: str | None = None
    lines: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)

    @property
    def added(self) -> int:
        return len(self.submitted.receipts)


# No line of a bundle is longer than this: an event is at most MAX_EVENT_BYTES once encoded,
# its JSON escapes can make it up to six times longer, and the header lists one head per author.
MAX_LINE = 8 * MAX_EVENT_BYTES
MAX_HEADER = 64 * 1024 * 1024


def _header(line: bytes) -> dict[str, tuple[int, str]]:
    """The heads a header names; ValueError when the line is not a header of this format."""
    try:
        header = parse_json(line)
    except CanonicalError as error:
        raise ValueError(str(error)) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} header")
    heads = header.get("heads")
    if not isinstance(heads, dict):
        raise ValueError("its heads are not an object of author: [seq, id]")
    result: dict[str, tuple[int, str]] = {}
    for author, head in heads.items():
        if not (isinstance(head, list) and len(head) == 2 and type(head[0]) is int and isinstance(head[1], str)):
            raise ValueError(f"the head of {author[:12]} is not [seq, id]")
        result[author] = (head[0], head[1])
    return result


def _read_line(handle: io.BufferedReader, limit: int) -> tuple[bytes, bool]:
    """One line (without its end), and whether it was cut short for being too long."""
    line = handle.readline(limit + 1)
    if len(line) > limit and not line.endswith(b"\n"):
        rest = line
        while rest and not rest.endswith(b"\n"):  # skip the rest of the over-long line
            rest = handle.readline(limit)
        return b"", True
    return line.rstrip(b"\r\n"), False


def read_heads(path: Path) -> dict[str, tuple[int, str]]:
    """The heads named in a bundle's header."""
    try:
        with path.open("rb") as handle:
            line, too_long = _read_line(handle, MAX_HEADER)
        if too_long:
            raise ValueError("the header line is too long")
        return _header(line)
    except FileNotFoundError:
        raise BundleError(f"no bundle at {path}") from None
    except OSError as error:
        raise BundleError(f"cannot read {path}: {error}") from error
    except ValueError as error:
        raise BundleError(f"{path} has no readable bundle header: {error}") from error


def _missing_from(row: EventRow, heads: dict[str, tuple[int, str]]) -> bool:
    """True when a node with these heads may lack the event (by chain position)."""
    head = heads.get(row.author)
    return head is None or row.seq > head[0] or (row.seq == head[0] and row.id != head[1])


def _network_and_context(node: Node, network: str, rows: list[EventRow]) -> list[EventRow]:
    """A network's events, its member networks' (all the way down), and the events of their
    people that are not scoped to a network (profiles, device links, the creation of the
    networks they keep), so that the receiving node can apply them all."""
    state = node.projector.state
    networks, todo = {network}, [network]
    while todo:
        current = todo.pop()
        for (net, member), row in state.memberships.items():
            if net == current and row.kind == "network" and member not in networks:
                networks.add(member)
                todo.append(member)
    selected = {row.id for row in rows if row.network in networks or row.id in networks}
    people = {row.author for row in rows if row.id in selected}
    people |= {member for (net, member) in state.memberships if net in networks}
    people |= {device.agent for key, device in state.devices.items() if key[0] in people}
    people |= {key[0] for key, device in state.devices.items() if device.agent in people}
    return [row for row in rows if row.id in selected or (row.network is None and row.author in people)]


def _write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # a bundle is meant to be handed on: readable as any new file
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def export_bundle(
    node: Node,
    path: Path,
    *,
    network: str | None = None,
    since: str | None = None,
    missing_from: Path | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Exported:
    """Write the node's events (all, or those a filter or the other side's heads select)."""
    their_heads = read_heads(missing_from) if missing_from is not None else None
    rows: list[EventRow] = list(node.store.events(EventFilter(since=since)))
    if network is not None:
        rows = _network_and_context(node, node.network(network).network, rows)
    if their_heads is not None:
        rows = [row for row in rows if _missing_from(row, their_heads)]
    header = {
        "format": FORMAT,
        "written": event_time(),
        "events": len(rows),
        "heads": {author: [seq, event_id] for author, (seq, event_id) in sorted(node.store.heads().items())},
    }

    def write(handle: IO[bytes]) -> None:
        handle.write(json.dumps(header, separators=(",", ":")).encode() + b"\n")
        for row in rows:
            handle.write(wire_bytes(row.id, row.sig, row.payload) + b"\n")
            if on_progress is not None:
                on_progress(1)

    try:
        _write_atomically(path, write)
    except OSError as error:
        raise BundleError(f"cannot write {path}: {error}") from error
    return Exported(path, len(rows))


def import_bundle(node: Node, path: Path, on_progress: Callable[[int], None] | None = None) -> Imported:
    """Check every event of a bundle on its own and append the intact ones (idempotent)."""
    header_problem: str | None = None
    numbers: list[int] = []
    too_long: list[tuple[int, str]] = []

    def events(handle: io.BufferedReader) -> Iterator[bytes]:
        nonlocal header_problem
        number = 0
        while True:
            line, cut = _read_line(handle, MAX_HEADER if number == 0 else MAX_LINE)
            number += 1
            if not line and not cut and handle.peek(1) == b"":
                if number == 1:
                    header_problem = "the file is empty"
                return
            if number == 1:
                if cut:
                    header_problem = "line 1 is too long to be a bundle header; reading the rest as events"
                    continue
                try:
                    _header(line)
                    continue
                except ValueError as error:
                    header_problem = f"line 1 is not a bundle header ({error}); reading the rest as events"
            if cut:
                too_long.append((number, f"event: longer than {MAX_LINE} bytes"))
            elif line.strip():
                numbers.append(number)
                yield line

    try:
        with path.open("rb") as handle:
            submitted = node.submit(events(handle), on_progress=on_progress)
    except FileNotFoundError:
        raise BundleError(f"no bundle at {path}") from None
    except OSError as error:
        raise BundleError(f"cannot read {path}: {error}") from error
    refused = sorted([(numbers[index - 1], why) for index, why in submitted.refused] + too_long)
    return Imported(submitted, header_problem, len(numbers) + len(too_long), refused)
