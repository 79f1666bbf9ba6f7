"""A git repository's history as `work` contributions: one per commit, by its author.

The history is read with dulwich (pure Python; no `git` program is run). Effort is estimated,
since git does not record it: a fixed duration per commit, plus a duration per hundred changed
lines, capped per commit. A commit is credited on its author date (UTC day), with the first
line of its message as the note and the commit as evidence (`git:<sha>`, or a URL). Authors are
found by email through a mapping; merge commits, commits by people this node cannot sign for
and commits already imported are skipped, so an import can run again after new commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_UP, Decimal
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING

from dulwich.errors import NotGitRepository
from dulwich.objects import S_ISGITLINK, Blob, Commit, ObjectID
from dulwich.objectspec import parse_commit
from dulwich.patch import is_binary
from dulwich.repo import Repo

from multitude.domain.accounting.bodies import MAX_HOURS
from multitude.domain.accounting.quantities import canonical_decimal
from multitude.errors import NodeError
from multitude.importers.contributors import (
    Contributors,
    ImportReport,
    Progress,
    RecordsError,
    Signer,
    Skipped,
    earlier_work,
)

if TYPE_CHECKING:
    from multitude.node import Node

__all__ = ["Authored", "Effort", "import_commits", "read_history"]

NOTE_LIMIT = 2000  # the schema's limit on a contribution's note
_IDENTITY = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^>]*)>\s*$")
_SHA_AT_END = re.compile(r"(?<![0-9a-f])(?:[0-9a-f]{64}|[0-9a-f]{40})$")  # SHA-1 or SHA-256 repositories


@dataclass(frozen=True)
class Authored:
    """One commit, as much of it as an import needs."""

    sha: str
    email: str  # lower-cased: mail systems do not tell Ana@ from ana@
    author: str
    day: str  # the author date's UTC day, YYYY-MM-DD
    subject: str  # the first line of the message
    parents: int
    changed_lines: int | None  # lines added plus lines removed; None when not counted

    @property
    def short(self) -> str:
        return f"commit {self.sha[:12]}"


@dataclass(frozen=True)
class Effort:
    """How long a commit is taken to have taken, in hours: `per_commit`, plus `per_100_lines`
    for each hundred lines changed (rounded up to the hundredth of an hour), at most `cap`."""

    per_commit: Decimal = Decimal("0.5")
    per_100_lines: Decimal = Decimal(0)
    cap: Decimal = Decimal(4)

    def __post_init__(self) -> None:
        if self.per_commit < 0 or self.per_100_lines < 0:
            raise ValueError("effort per commit and per hundred lines cannot be negative")
        if not Decimal(0) < self.cap <= MAX_HOURS:
            raise ValueError(f"the most one commit may count must be more than 0 and at most {MAX_HOURS} hours")

    @property
    def counts_lines(self) -> bool:
        return self.per_100_lines > 0

    def hours(self, changed_lines: int | None) -> Decimal:
        by_lines = Decimal(0)
        if self.counts_lines and changed_lines:
            by_lines = (self.per_100_lines * changed_lines / 100).quantize(Decimal("0.01"), rounding=ROUND_UP)
        return min(self.per_commit + by_lines, self.cap)


def _text(raw: bytes, encoding: bytes | None) -> str:
    try:
        return raw.decode((encoding or b"utf-8").decode("ascii"), errors="replace")
    except LookupError:  # an encoding Python does not know
        return raw.decode("utf-8", errors="replace")


def _lines(repo: Repo, sha: ObjectID | None) -> list[bytes] | None:
    """The lines of a blob; None for binary content."""
    if sha is None:
        return []
    blob = repo.object_store[sha]
    if not isinstance(blob, Blob):
        return []
    data = blob.as_raw_string()
    return None if is_binary(data) else data.splitlines()


def _changed_lines(repo: Repo, commit: Commit) -> int:
    """Lines added plus lines removed against the first parent (against nothing for the first
    commit), like `git diff --numstat`; binary files and submodules count for nothing."""
    before = parse_commit(repo, commit.parents[0]).tree if commit.parents else None
    changed = 0
    for _paths, modes, shas in repo.object_store.tree_changes(before, commit.tree):
        if any(mode is not None and S_ISGITLINK(mode) for mode in modes):
            continue
        old, new = _lines(repo, shas[0]), _lines(repo, shas[1])
        if old is None or new is None:
            continue
        if not old or not new:
            changed += len(old) + len(new)
            continue
        matcher = SequenceMatcher(None, old, new, autojunk=False)
        changed += sum(i2 - i1 + j2 - j1 for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    return changed


def _day(commit: Commit) -> str:
    return datetime.fromtimestamp(commit.author_time, UTC).date().isoformat()


def _authored(repo: Repo, commit: Commit, count_lines: bool) -> Authored:
    identity = _text(commit.author, commit.encoding)
    match = _IDENTITY.match(identity)
    name, email = (match.group("name"), match.group("email")) if match else (identity, identity)
    message = _text(commit.message, commit.encoding).strip()
    subject = message.splitlines()[0].strip() if message else ""
    lines = _changed_lines(repo, commit) if count_lines and len(commit.parents) <= 1 else None
    return Authored(commit.id.decode("ascii"), email.strip().lower(), name, _day(commit), subject,
                    len(commit.parents), lines)


def read_history(path: Path | str, *, rev: str = "HEAD", since: str | None = None,
                 count_lines: bool = False) -> list[Authored]:
    """The commits reachable from `rev`, oldest first; only those authored on or after the day
    `since` (YYYY-MM-DD) if given. Changed lines are counted only with `count_lines`."""
    if since is not None:
        try:
            date.fromisoformat(since)
        except ValueError:
            raise RecordsError(f"since {since!r}: write the day as YYYY-MM-DD") from None
    try:
        repo = Repo(str(path))
    except (NotGitRepository, OSError) as error:
        raise RecordsError(f"{path} is not a git repository ({error})") from None
    try:
        try:
            head = parse_commit(repo, rev.encode())
        except (KeyError, ValueError) as error:
            raise RecordsError(f"no commit {rev!r} in {path} ({error})" if rev != "HEAD"
                               else f"{path} has no commits yet") from None
        history = [entry.commit for entry in repo.get_walker(include=[head.id], reverse=True)]
        return [_authored(repo, commit, count_lines) for commit in history
                if since is None or _day(commit) >= since]  # before counting lines, which takes time
    finally:
        repo.close()


def _note(subject: str) -> str:
    return subject if len(subject) <= NOTE_LIMIT else subject[: NOTE_LIMIT - 1] + "…"


def _already_imported(node: Node, network: str, agent: str) -> set[str]:
    """The commits named in the evidence of `agent`'s work in `network`, whatever URL they had."""
    shas: set[str] = set()
    for _row, body in earlier_work(node, network, agent):
        for link in body.get("evidence", ()):
            found = _SHA_AT_END.search(str(link))
            if found:
                shas.add(found.group())
    return shas


def _signer_or_reason(node: Node, network: str, commit: Authored, contributors: Contributors,
                      imported: dict[str, set[str]], effort: Effort) -> Signer | str:
    if commit.parents > 1:
        return "merge commit"
    signer = contributors.signer(commit.email)
    if isinstance(signer, str):
        return signer
    if signer.agent not in imported:
        imported[signer.agent] = _already_imported(node, network, signer.agent)
    if commit.sha in imported[signer.agent]:
        return "already imported"
    if effort.hours(commit.changed_lines) <= 0:
        return "no effort to credit: no lines changed"
    return signer


def import_commits(node: Node, network: str, commits: Iterable[Authored], *, mapping: Mapping[str, str],
                   effort: Effort | None = None, skill: str | None = None, url_prefix: str | None = None,
                   tags: Iterable[str] = ("git",), dry_run: bool = False,
                   on_progress: Progress | None = None) -> ImportReport:
    """Log each commit as its author's `work` in `network`.

    `mapping` maps authors' emails to agents (identity name, key, key prefix or profile name).
    The node signs as the author, so an author is credited only when this node holds their
    identity (the importing one, or another identity in its key ring). With `dry_run`, nothing
    is logged; the report says what would have been.
    """
    effort = effort or Effort()
    net = node.network(network).network
    contributors = Contributors(node, {email.strip().lower(): agent for email, agent in mapping.items()})
    imported: dict[str, set[str]] = {}  # agent -> shas already in the log
    logged: list[str] = []
    skipped: list[Skipped] = []
    would = 0
    for commit in commits:
        signer = _signer_or_reason(node, net, commit, contributors, imported, effort)
        if isinstance(signer, str):
            skipped.append(Skipped(commit.short, signer))
        elif dry_run:
            would += 1
            imported[signer.agent].add(commit.sha)
        else:
            evidence = f"{url_prefix}{commit.sha}" if url_prefix else f"git:{commit.sha}"
            try:
                logged.append(contributors.log_work(
                    signer, net, hours=canonical_decimal(effort.hours(commit.changed_lines), "hours"),
                    skill=skill, happened=commit.day, note=_note(commit.subject), evidence=[evidence],
                    tags=tags))
            except NodeError as error:  # refused by the schema or the network's rules: this commit only
                skipped.append(Skipped(commit.short, str(error)))
            else:
                imported[signer.agent].add(commit.sha)
        if on_progress is not None:
            on_progress(1)
    return ImportReport(tuple(logged), tuple(skipped), dry_run, would)
