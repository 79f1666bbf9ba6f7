"""A CSV timesheet as `work` contributions: one per row, by the person it names.

The file has a header naming its columns: `date`, `person`, `hours` and `note` always; `skill`,
`rate`, `tags` and `process` if wanted, in any order. Dates are YYYY-MM-DD; hours are written
like `1h30m`, `90m`, `2.5` (hours) or `1d`; tags are separated by `;` or spaces. A person is an
identity this node holds, named as the node knows it (identity name, profile name, key or key
prefix) or through a mapping. Each row that cannot be logged is skipped with its line number
and why; a row already imported (same day, person, hours and note) is skipped too, so the same
file can be imported again after rows are added.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from multitude.domain.accounting.bodies import MAX_HOURS
from multitude.domain.accounting.quantities import canonical_decimal, parse_duration
from multitude.errors import NodeError
from multitude.importers.contributors import Contributors, ImportReport, Progress, RecordsError, Skipped, earlier_work

if TYPE_CHECKING:
    from multitude.node import Node

__all__ = ["COLUMNS", "OPTIONAL_COLUMNS", "Timesheet", "Worked", "import_timesheet", "parse_timesheet",
           "read_timesheet"]

COLUMNS = ("date", "person", "hours", "note")
OPTIONAL_COLUMNS = ("skill", "rate", "tags", "process")
DEFAULT_MAX_HOURS = Decimal(24)  # one row is one day's work; more is a typing mistake


@dataclass(frozen=True)
class Worked:
    """One row that reads well."""

    line: int
    day: str
    person: str
    hours: str  # canonical decimal
    note: str
    skill: str | None = None
    rate: str | None = None
    tags: tuple[str, ...] = ()
    process: str | None = None


@dataclass(frozen=True)
class Timesheet:
    """The rows of a timesheet that read well, and those that do not with why."""

    rows: tuple[Worked, ...]
    unreadable: tuple[tuple[int, str], ...]  # (line, why)

    def __len__(self) -> int:
        return len(self.rows) + len(self.unreadable)


def _is_day(text: str) -> bool:
    """YYYY-MM-DD and a day of the calendar (fromisoformat alone also takes 20240301)."""
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)) and date.fromisoformat(text) is not None
    except ValueError:
        return False


def _row(line: int, fields: Mapping[str, str], max_hours: Decimal, today: str) -> Worked | str:
    """A row, or why it cannot be taken."""
    day = fields["date"]
    if not _is_day(day):
        return f"bad date {day!r}: write it as YYYY-MM-DD"
    if day > today:
        return f"date {day} is in the future"
    if not fields["person"]:
        return "no person"
    try:
        hours = parse_duration(fields["hours"])
    except ValueError as error:
        return f"bad duration: {error}"
    if Decimal(hours) > max_hours:
        return f"{hours} hours is over the limit of {canonical_decimal(max_hours)} for one row"
    rate = fields.get("rate") or None
    if rate is not None:
        try:
            rate = canonical_decimal(rate, "rate")
        except ValueError as error:
            return f"bad {error}"
    tags = tuple(tag for tag in re.split(r"[;,\s]+", fields.get("tags", "")) if tag)
    return Worked(line, day, fields["person"], hours, fields["note"], fields.get("skill") or None, rate,
                  tags, fields.get("process") or None)


def parse_timesheet(text: str, *, max_hours: Decimal = DEFAULT_MAX_HOURS, today: str | None = None,
                    source: str = "the timesheet") -> Timesheet:
    """Read the CSV text of a timesheet; `today` (YYYY-MM-DD, default the UTC day) bounds dates.

    A header that lacks a column, or names one not known here, is an error: a misspelt `skil`
    would otherwise be dropped without a word.
    """
    if not Decimal(0) < max_hours <= MAX_HOURS:
        raise ValueError(f"the most hours one row may hold must be more than 0 and at most {MAX_HOURS}")
    today = today or datetime.now(UTC).date().isoformat()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        missing = [name for name in COLUMNS if name not in header]
        if missing:
            raise RecordsError(f"{source} needs a header naming the columns {', '.join(COLUMNS)} "
                               f"(missing: {', '.join(missing)})")
        unknown = [name for name in header if name not in COLUMNS + OPTIONAL_COLUMNS]
        if unknown or len(set(header)) != len(header):
            raise RecordsError(f"{source}: the header names unknown or repeated columns "
                               f"({', '.join(unknown) or 'repeated'}); known: {', '.join(COLUMNS + OPTIONAL_COLUMNS)}")
        rows: list[Worked] = []
        unreadable: list[tuple[int, str]] = []
        line = reader.line_num
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(field.strip() for field in record):
                continue  # blank lines, and the empty rows spreadsheets leave at the end
            if len(record) != len(header):
                unreadable.append((start, f"has {len(record)} fields; the header has {len(header)}"))
                continue
            read = _row(start, {name: field.strip() for name, field in zip(header, record, strict=True)},
                        max_hours, today)
            if isinstance(read, str):
                unreadable.append((start, read))
            else:
                rows.append(read)
    except csv.Error as error:
        raise RecordsError(f"{source} is not readable CSV (line {reader.line_num}): {error}") from None
    return Timesheet(tuple(rows), tuple(unreadable))


def read_timesheet(path: Path | str, *, max_hours: Decimal = DEFAULT_MAX_HOURS, today: str | None = None) -> Timesheet:
    """Read a timesheet file (UTF-8, with or without a byte-order mark)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RecordsError(f"cannot read {path}: {error}") from None
    return parse_timesheet(text, max_hours=max_hours, today=today, source=str(path))


def import_timesheet(node: Node, network: str, sheet: Timesheet, *, mapping: Mapping[str, str] | None = None,
                     tags: Iterable[str] = ("timesheet",), dry_run: bool = False,
                     on_progress: Progress | None = None) -> ImportReport:
    """Log each good row as the person's `work` in `network`; rows that cannot be read are
    reported as they are. With `dry_run`, nothing is logged; the report says what would have been.
    """
    net = node.network(network).network
    contributors = Contributors(node, mapping, resolve_names=True)
    known: dict[str, dict[tuple[str, str, str], str]] = {}  # agent -> (day, hours, note) -> why to skip it
    logged: list[str] = []
    skipped = list(sheet.unreadable)  # (line, why)
    would = 0
    if on_progress is not None and sheet.unreadable:
        on_progress(len(sheet.unreadable))
    for row in sheet.rows:
        signer = contributors.signer(row.person)
        if isinstance(signer, str):
            skipped.append((row.line, signer))
        else:
            if signer.agent not in known:
                known[signer.agent] = {(earlier.day, earlier.hours, str(body.get("note", ""))): "already imported"
                                       for earlier, body in earlier_work(node, net, signer.agent)}
            entry = (row.day, row.hours, row.note)
            if entry in known[signer.agent]:
                skipped.append((row.line, known[signer.agent][entry]))
            elif dry_run:
                would += 1
                known[signer.agent][entry] = f"repeats line {row.line} (same day, person, hours and note)"
            else:
                try:
                    logged.append(contributors.log_work(
                        signer, net, hours=row.hours, skill=row.skill, rate=row.rate, process=row.process,
                        happened=row.day, note=row.note, tags=(*tags, *row.tags)))
                except NodeError as error:  # refused by the schema or the network's rules: this row only
                    skipped.append((row.line, str(error)))
                else:
                    known[signer.agent][entry] = f"repeats line {row.line} (same day, person, hours and note)"
        if on_progress is not None:
            on_progress(1)
    reported = tuple(Skipped(f"line {line}", why) for line, why in sorted(skipped))
    return ImportReport(tuple(logged), reported, dry_run, would)
