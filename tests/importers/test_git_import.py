"""A git history logged as work: a real repository built with dulwich in tmp_path, in which Ana
and Bo (two identities of one home, both members of the Lab) and Cy (no identity here) commit,
and a side branch is merged. Through the importer and through `multitude records git`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cli.cli_fixtures import Cli
from dulwich.objects import Blob, Commit, Tree
from dulwich.repo import Repo
from importers_fixtures import shown_events

from multitude.importers.contributors import ImportReport, RecordsError, Skipped
from multitude.importers.git import Effort, import_commits, read_history
from multitude.keyring import Keyring
from multitude.ledger import Keypair
from multitude.ledger.event import from_stored
from multitude.node import Node

PEOPLE = {"ana@example.org": "ana", "bo@example.org": "bo"}
NO_IDENTITY = "no identity here for {}; map it to an identity this node holds"


@dataclass
class History:
    """A repository and the shas of its story, by what happened."""

    path: Path
    shas: dict[str, str]

    def commit(self, name: str, files: dict[str, str], author: str, when: str, message: str,
               parents: list[str] | None = None) -> str:
        """Commit a snapshot of `files` on top of `parents` (default: HEAD) and move HEAD to it."""
        repo = Repo(str(self.path))
        try:
            tree = Tree()
            for path, content in sorted(files.items()):
                blob = Blob.from_string(content.encode())
                repo.object_store.add_object(blob)
                tree.add(path.encode(), 0o100644, blob.id)
            repo.object_store.add_object(tree)
            commit = Commit()
            commit.tree = tree.id
            if parents is None:
                parents = [repo.head().decode()] if self.shas else []
            commit.parents = [sha.encode() for sha in parents]
            commit.author = commit.committer = author.encode()
            moment = datetime.fromisoformat(when)
            commit.author_time = commit.commit_time = int(moment.timestamp())
            offset = moment.utcoffset()
            commit.author_timezone = commit.commit_timezone = int(offset.total_seconds()) if offset else 0
            commit.encoding = b"UTF-8"
            commit.message = message.encode()
            repo.object_store.add_object(commit)
            repo.refs[b"HEAD"] = commit.id
        finally:
            repo.close()
        self.shas[name] = commit.id.decode()
        return self.shas[name]


BOARD = "".join(f"pin {n}\n" for n in range(10))
SENSOR = "".join(f"reading {n}\n" for n in range(300))


@pytest.fixture
def history(tmp_path: Path) -> History:
    """Ana starts the firmware (10 lines); Bo adds a sensor (300 lines) late on 2 March UTC,
    already 3 March where he lives; Cy fixes a line on a branch Ana merges."""
    Repo.init(str(tmp_path / "firmware"), mkdir=True).close()
    story = History(tmp_path / "firmware", {})
    story.commit("skeleton", {"board.txt": BOARD}, "Ana <ana@example.org>", "2024-03-01T10:00:00+00:00",
                 "Add the board skeleton\n\nPins as on the schematic.\n")
    story.commit("sensor", {"board.txt": BOARD, "sensor.txt": SENSOR}, "Bo <Bo@Example.org>",
                 "2024-03-03T01:30:00+02:00", "Read the soil sensor\n")
    story.commit("fix", {"board.txt": BOARD.replace("pin 3", "pin 33"), "sensor.txt": SENSOR},
                 "Cy <cy@example.org>", "2024-03-04T09:00:00+00:00", "Fix pin 3\n", [story.shas["sensor"]])
    story.commit("docs", {"board.txt": BOARD, "sensor.txt": SENSOR, "README": "Firmware\n"},
                 "Ana <ana@example.org>", "2024-03-04T12:00:00+00:00", "Write a README\n", [story.shas["sensor"]])
    story.commit("merge", {"board.txt": BOARD.replace("pin 3", "pin 33"), "sensor.txt": SENSOR,
                           "README": "Firmware\n"},
                 "Ana <ana@example.org>", "2024-03-05T08:00:00+00:00", "Merge branch 'fix'\n",
                 [story.shas["docs"], story.shas["fix"]])
    return story


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """Ana and Bo, two identities of one home; Ana's open network the Lab, which Bo joined."""
    path = tmp_path / "home"
    keyring = Keyring(path)
    keyring.create("ana")
    keyring.create("bo")
    with Node.open(path, identity="ana") as node:
        node.create_network("Lab", currencies={"EUR": 2})
    with Node.open(path, identity="bo") as node:
        node.request_membership("Lab")
    return path


def imported(home: Path, history: History, identity: str = "ana", **options: Any) -> ImportReport:
    options.setdefault("mapping", PEOPLE)
    with Node.open(home, identity=identity) as node:
        commits = read_history(history.path, count_lines=bool(options.get("effort", Effort()).counts_lines))
        return import_commits(node, "Lab", commits, **options)


def contributions(home: Path) -> list[dict[str, Any]]:
    """The Lab's contributions as a member would read them: who, when, how long, what, proof."""
    with Node.open(home) as node:
        names = {Keyring(home).identity(name).public: name for name in ("ana", "bo")}
        found = []
        for row in node.contributions("Lab"):
            body = from_stored(*_stored(node, row.contribution)).body
            found.append({"by": names.get(row.contributor, row.contributor), "day": row.day, "hours": row.hours,
                          "action": row.action, "note": body.get("note", ""), "evidence": body["evidence"],
                          "tags": body["tags"]})
        return sorted(found, key=lambda entry: (entry["day"], entry["by"], entry["note"]))


def _stored(node: Node, event: str) -> tuple[str, bytes, str]:
    row = node.store.events_by_id([event])[0]
    return row.id, row.payload, row.sig


def events_in(home: Path) -> int:
    with Node.open(home) as node:
        return node.store.count_events()


# -- the importer ----------------------------------------------------------------------------


def test_each_commit_becomes_work_by_its_author_on_its_utc_day(home: Path, history: History) -> None:
    report = imported(home, history)

    sha = history.shas
    assert report.imported == 3
    assert contributions(home) == [
        {"by": "ana", "day": "2024-03-01", "hours": "0.5", "action": "work", "note": "Add the board skeleton",
         "evidence": [f"git:{sha['skeleton']}"], "tags": ["git"]},
        {"by": "bo", "day": "2024-03-02", "hours": "0.5", "action": "work", "note": "Read the soil sensor",
         "evidence": [f"git:{sha['sensor']}"], "tags": ["git"]},
        {"by": "ana", "day": "2024-03-04", "hours": "0.5", "action": "work", "note": "Write a README",
         "evidence": [f"git:{sha['docs']}"], "tags": ["git"]},
    ]


def test_unmapped_authors_and_merges_are_skipped_with_why(home: Path, history: History) -> None:
    report = imported(home, history)

    assert report.skipped == (
        Skipped(f"commit {history.shas['fix'][:12]}", NO_IDENTITY.format("cy@example.org")),
        Skipped(f"commit {history.shas['merge'][:12]}", "merge commit"),
    )


def test_an_author_mapped_to_someone_whose_identity_is_not_here_is_skipped(home: Path, history: History) -> None:
    stranger = Keypair.generate().public

    report = imported(home, history, mapping={**PEOPLE, "cy@example.org": stranger})

    assert Skipped(f"commit {history.shas['fix'][:12]}", NO_IDENTITY.format("cy@example.org")) in report.skipped
    assert [entry["by"] for entry in contributions(home)] == ["ana", "bo", "ana"]


def test_an_author_who_is_not_a_member_is_skipped_with_the_networks_reason(home: Path, history: History) -> None:
    Keyring(home).create("cy")

    report = imported(home, history, mapping={**PEOPLE, "cy@example.org": "cy"})

    assert Skipped(f"commit {history.shas['fix'][:12]}",
                   "only a member of the network may log contributions to it") in report.skipped
    assert report.imported == 3


def test_an_author_whose_identity_is_sealed_imports_their_commits_themselves(home: Path, history: History) -> None:
    Keyring(home).create("cy", passphrase="soil")
    with Node.open(home, identity="cy", passphrase="soil") as node:
        node.request_membership("Lab")
    everyone = {**PEOPLE, "cy@example.org": "cy"}

    by_ana = imported(home, history, mapping=everyone)
    with Node.open(home, identity="cy", passphrase="soil") as node:
        by_cy = import_commits(node, "Lab", read_history(history.path), mapping=everyone)

    fix = f"commit {history.shas['fix'][:12]}"
    assert Skipped(fix, "the identity 'cy' that signs for cy@example.org is sealed with a passphrase; "
                        "import as that identity to log its records") in by_ana.skipped
    assert by_cy.imported == 1
    assert [item.reason for item in by_cy.skipped] == ["already imported"] * 3 + ["merge commit"]


def test_a_mapping_that_names_no_one_fails_before_anything_is_logged(home: Path, history: History) -> None:
    before = events_in(home)

    with pytest.raises(RecordsError, match=r"mapping cy@example\.org=nobody: no agent 'nobody' known here"):
        imported(home, history, mapping={**PEOPLE, "cy@example.org": "nobody"})

    assert events_in(home) == before


def test_running_again_imports_only_the_commits_made_since(home: Path, history: History) -> None:
    imported(home, history)
    again = imported(home, history)
    history.commit("later", {"board.txt": BOARD, "sensor.txt": SENSOR, "README": "Firmware v2\n"},
                   "Ana <ana@example.org>", "2024-03-06T10:00:00+00:00", "Bump the version\n")

    after_new_commit = imported(home, history, url_prefix="https://codeberg.org/lab/firmware/commit/")

    assert again.imported == 0
    assert [item.reason for item in again.skipped].count("already imported") == 3
    assert after_new_commit.imported == 1
    assert [item.reason for item in after_new_commit.skipped].count("already imported") == 3
    assert contributions(home)[-1]["evidence"] == [f"https://codeberg.org/lab/firmware/commit/{history.shas['later']}"]
    assert len(contributions(home)) == 4


def test_effort_by_changed_lines_rounds_up_and_stops_at_the_cap(home: Path, history: History) -> None:
    by_lines = Effort(per_commit=Decimal(0), per_100_lines=Decimal("0.25"), cap=Decimal("0.5"))

    imported(home, history, effort=by_lines, skill="programming")

    # 10 lines: 0.025 h, rounded up to 0.03; 300 lines: 0.75 h, capped at 0.5; the README: 1 line.
    assert [(entry["note"], entry["hours"]) for entry in contributions(home)] == [
        ("Add the board skeleton", "0.03"), ("Read the soil sensor", "0.5"), ("Write a README", "0.01")]
    with Node.open(home) as node:
        assert {row.skill for row in node.contributions("Lab")} == {"programming"}


def test_effort_adds_a_base_per_commit_to_the_lines() -> None:
    effort = Effort(per_commit=Decimal("0.5"), per_100_lines=Decimal("0.25"), cap=Decimal(4))

    assert [effort.hours(lines) for lines in (0, 10, 300, 10_000)] == [
        Decimal("0.5"), Decimal("0.53"), Decimal("1.25"), Decimal(4)]
    with pytest.raises(ValueError, match="at most 1000 hours"):
        Effort(cap=Decimal(1001))


def test_a_dry_run_logs_nothing_and_says_what_it_would(home: Path, history: History) -> None:
    before = events_in(home)

    report = imported(home, history, dry_run=True)

    assert (report.imported, report.logged, len(report.skipped)) == (3, (), 2)
    assert events_in(home) == before


def test_a_long_first_line_is_cut_to_fit_a_note(home: Path, history: History) -> None:
    history.commit("long", {"board.txt": "x\n"}, "Ana <ana@example.org>", "2024-03-06T10:00:00+00:00",
                   "A" * 3000 + "\n\nbody")

    imported(home, history)

    note = contributions(home)[-1]["note"]
    assert (len(note), note[-1]) == (2000, "…")


def test_what_is_not_a_repository_with_commits_cannot_be_read(tmp_path: Path) -> None:
    Repo.init(str(tmp_path / "empty"), mkdir=True).close()
    (tmp_path / "plain").mkdir()

    with pytest.raises(RecordsError, match="is not a git repository"):
        read_history(tmp_path / "plain")
    with pytest.raises(RecordsError, match="has no commits yet"):
        read_history(tmp_path / "empty")


def test_since_keeps_only_what_was_authored_from_that_day(history: History) -> None:
    assert [commit.subject for commit in read_history(history.path, since="2024-03-04")] == [
        "Fix pin 3", "Write a README", "Merge branch 'fix'"]


# -- the command -----------------------------------------------------------------------------


def test_records_git_logs_the_commits_and_reports_each_one_skipped(cli: Cli, cli_home: Path,
                                                                  history: History) -> None:
    mapping = cli_home.parent / "people.toml"
    mapping.write_text('"ana@example.org" = "ana"\n')

    code, output = cli(cli_home, "--as", "ana", "records", "git", "Lab", str(history.path),
                       "--map-file", str(mapping), "--map", "Bo@example.org=bo", "--per-100-lines", "15m",
                       "--tag", "firmware")

    fix, merge = history.shas["fix"][:12], history.shas["merge"][:12]
    assert code == 0, output
    assert output == (f"Imported 3 contributions into Lab; skipped 2: "
                      f"- commit {fix}: {NO_IDENTITY.format('cy@example.org')} - commit {merge}: merge commit")
    assert [(entry["by"], entry["hours"], entry["tags"]) for entry in contributions(cli_home)] == [
        ("ana", "0.03", ["firmware", "git"]), ("bo", "0.75", ["firmware", "git"]), ("ana", "0.01", ["firmware", "git"])]

    code, again = cli(cli_home, "--as", "ana", "records", "git", "Lab", str(history.path),
                      "--map-file", str(mapping), "--map", "bo@example.org=bo")
    assert code == 0
    assert again.startswith("Imported 0 contributions into Lab; skipped 5:")
    assert again.count(": already imported") == 3


def test_records_git_fails_with_nothing_stored_on_a_bad_path_or_network(cli: Cli, cli_home: Path,
                                                                       history: History) -> None:
    before = shown_events(cli, cli_home)

    not_a_repository = cli(cli_home, "--as", "ana", "records", "git", "Lab", str(cli_home.parent / "nowhere"))
    no_network = cli(cli_home, "--as", "ana", "records", "git", "Garden", str(history.path))
    bad_mapping = cli(cli_home, "--as", "ana", "records", "git", "Lab", str(history.path), "--map", "ana")
    bad_effort = cli(cli_home, "--as", "ana", "records", "git", "Lab", str(history.path), "--per-commit", "ages")

    assert not_a_repository[0] == 1 and "is not a git repository" in not_a_repository[1]
    assert no_network == (1, "error: no network 'Garden' here (see `multitude network list`)")
    assert bad_mapping == (1, "error: --map 'ana': write it as PERSON=AGENT, e.g. ana@example.org=ana")
    assert bad_effort[0] == 1 and "--per-commit: duration 'ages'" in bad_effort[1]
    assert shown_events(cli, cli_home) == before


def test_records_git_dry_run(cli: Cli, cli_home: Path, history: History) -> None:
    before = shown_events(cli, cli_home)

    code, output = cli(cli_home, "--as", "ana", "records", "git", "Lab", str(history.path), "--dry-run",
                       "--map", "ana@example.org=ana")

    assert code == 0
    assert output.startswith("Would import 2 contributions into Lab; skipped 3:")
    assert output.endswith("Nothing was logged.")
    assert shown_events(cli, cli_home) == before
