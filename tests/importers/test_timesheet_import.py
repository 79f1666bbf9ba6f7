"""A CSV timesheet logged as work: Ana and Bo (two identities of one home, members of the Lab)
fill in a sheet with a few good rows and one of each kind of mistake. Through the importer and
through `multitude records timesheet`."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cli.cli_fixtures import Cli
from importers_fixtures import shown_events

from multitude.importers.contributors import ImportReport, RecordsError, Skipped
from multitude.importers.timesheet import Worked, import_timesheet, parse_timesheet, read_timesheet
from multitude.keyring import Keyring
from multitude.ledger import Keypair
from multitude.ledger.event import from_stored
from multitude.node import Node

TODAY = "2024-04-01"

SHEET = """\
date,person,hours,note,skill,tags
2024-03-01,ana,1h30m,Soldered the boards,electronics,hardware;boards
2024-03-01,bo,90m,Wrote the manual,,docs
01/03/2024,ana,1h,Date the wrong way round,,
2024-02-30,ana,1h,No such day,,
2024-03-02,bo,lots,Hours in words,,
2024-03-02,zed,2h,Nobody we know,,
2024-03-02,ana,30h,Too long a day,,
2024-03-03,ana,2h
2099-01-01,ana,1h,From the future,,
2024-03-04,bo,2.5,"Tested the sensor,
on two lines",testing,
2024-03-01,ana,1.5,Soldered the boards,,
"""

GOOD = [
    {"by": "ana", "day": "2024-03-01", "hours": "1.5", "note": "Soldered the boards", "skill": "electronics",
     "tags": ["boards", "hardware", "timesheet"]},
    {"by": "bo", "day": "2024-03-01", "hours": "1.5", "note": "Wrote the manual", "skill": "",
     "tags": ["docs", "timesheet"]},
    {"by": "bo", "day": "2024-03-04", "hours": "2.5", "note": "Tested the sensor,\non two lines", "skill": "testing",
     "tags": ["timesheet"]},
]

BAD = [
    Skipped("line 4", "bad date '01/03/2024': write it as YYYY-MM-DD"),
    Skipped("line 5", "bad date '2024-02-30': write it as YYYY-MM-DD"),
    Skipped("line 6", "bad duration: duration 'lots': write it like 1h30m, 90m, 2h, 1.5h or 1d"),
    Skipped("line 7", "unknown person 'zed'; map it to an identity this node holds"),
    Skipped("line 8", "30 hours is over the limit of 24 for one row"),
    Skipped("line 9", "has 3 fields; the header has 6"),
    Skipped("line 10", "date 2099-01-01 is in the future"),
    Skipped("line 13", "repeats line 2 (same day, person, hours and note)"),
]


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


def imported(home: Path, text: str = SHEET, identity: str = "ana", **options: Any) -> ImportReport:
    with Node.open(home, identity=identity) as node:
        return import_timesheet(node, "Lab", parse_timesheet(text, today=TODAY), **options)


def contributions(home: Path) -> list[dict[str, Any]]:
    with Node.open(home) as node:
        names = {Keyring(home).identity(name).public: name for name in ("ana", "bo")}
        found = []
        for row in node.contributions("Lab"):
            stored = node.store.events_by_id([row.contribution])[0]
            body = from_stored(stored.id, stored.payload, stored.sig).body
            found.append({"by": names.get(row.contributor, row.contributor), "day": row.day, "hours": row.hours,
                          "note": body.get("note", ""), "skill": row.skill, "tags": body["tags"]})
        return sorted(found, key=lambda entry: (entry["day"], entry["by"], entry["note"]))


def events_in(home: Path) -> int:
    with Node.open(home) as node:
        return node.store.count_events()


# -- reading ---------------------------------------------------------------------------------


def test_good_rows_are_read_with_their_line_and_bad_ones_with_why() -> None:
    sheet = parse_timesheet(SHEET, today=TODAY)

    assert sheet.rows[0] == Worked(2, "2024-03-01", "ana", "1.5", "Soldered the boards", "electronics", None,
                                   ("hardware", "boards"))
    assert [(row.line, row.person, row.hours) for row in sheet.rows] == [
        (2, "ana", "1.5"), (3, "bo", "1.5"), (7, "zed", "2"), (11, "bo", "2.5"), (13, "ana", "1.5")]
    assert [line for line, _ in sheet.unreadable] == [4, 5, 6, 8, 9, 10]
    assert len(sheet) == 11


def test_a_header_must_name_the_columns_it_needs_and_only_known_ones() -> None:
    with pytest.raises(RecordsError, match="needs a header naming the columns date, person, hours, note "
                                           r"\(missing: person\)"):
        parse_timesheet("date,who,hours,note\n2024-03-01,ana,1h,x\n")
    with pytest.raises(RecordsError, match="unknown or repeated columns \\(skil\\)"):
        parse_timesheet("date,person,hours,note,skil\n")
    with pytest.raises(RecordsError, match="needs a header"):
        parse_timesheet("")


def test_the_limit_of_hours_per_row_can_be_set() -> None:
    sheet = parse_timesheet("date,person,hours,note\n2024-03-01,ana,5h,Long day\n", max_hours=Decimal(4),
                            today=TODAY)

    assert sheet.unreadable == ((2, "5 hours is over the limit of 4 for one row"),)


def test_a_file_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00date")

    with pytest.raises(RecordsError, match="cannot read"):
        read_timesheet(tmp_path / "missing.csv")
    with pytest.raises(RecordsError, match="cannot read"):
        read_timesheet(tmp_path / "binary.csv")


# -- importing -------------------------------------------------------------------------------


def test_good_rows_become_work_and_every_bad_row_is_reported_by_line(home: Path) -> None:
    report = imported(home)

    assert report.imported == 3
    assert report.skipped == tuple(BAD)
    assert contributions(home) == GOOD


def test_running_again_logs_nothing_new(home: Path) -> None:
    imported(home)
    more = SHEET + "2024-03-05,ana,45m,Ordered parts,,\n"

    again = imported(home, more)

    assert again.imported == 1
    assert [item for item in again.skipped if item.reason == "already imported"] == [
        Skipped("line 2", "already imported"), Skipped("line 3", "already imported"),
        Skipped("line 11", "already imported"), Skipped("line 13", "already imported")]
    assert len(contributions(home)) == 4


def test_a_person_mapped_to_someone_whose_identity_is_not_here_is_skipped(home: Path) -> None:
    stranger = Keypair.generate().public

    report = imported(home, "date,person,hours,note\n2024-03-01,Cy Lee,1h,Painted\n2024-03-01,Ana,1h,Sorted\n",
                      mapping={"Cy Lee": stranger, "Ana": "ana"})

    assert report.skipped == (
        Skipped("line 2", "no identity here for Cy Lee; map it to an identity this node holds"),)
    assert [entry["by"] for entry in contributions(home)] == ["ana"]


def test_a_row_the_network_refuses_is_skipped_with_its_reason(home: Path) -> None:
    report = imported(home, "date,person,hours,note,tags\n2024-03-01,ana,1h,Sorted,Not A Tag!\n")

    assert report.imported == 0
    assert report.skipped[0].what == "line 2"
    assert "tags" in report.skipped[0].reason


def test_a_dry_run_logs_nothing(home: Path) -> None:
    before = events_in(home)

    report = imported(home, dry_run=True)

    assert (report.imported, report.skipped) == (3, tuple(BAD))
    assert events_in(home) == before


# -- the command -----------------------------------------------------------------------------


def test_records_timesheet_logs_good_rows_and_lists_the_rest(cli: Cli, cli_home: Path) -> None:
    sheet = cli_home.parent / "march.csv"
    sheet.write_text(SHEET.replace("2099-01-01", "2999-01-01"), encoding="utf-8")

    code, output = cli(cli_home, "--as", "ana", "records", "timesheet", "Lab", str(sheet), "--tag", "march")

    listed = " ".join(f"- {item.what}: {item.reason}" for item in BAD).replace("2099", "2999")
    assert code == 0, output
    assert output == f"Imported 3 contributions into Lab; skipped 8: {listed}"
    assert [entry["tags"] for entry in contributions(cli_home)] == [
        ["boards", "hardware", "march", "timesheet"], ["docs", "march", "timesheet"], ["march", "timesheet"]]

    code, again = cli(cli_home, "--as", "ana", "records", "timesheet", "Lab", str(sheet))
    assert code == 0
    assert again.startswith("Imported 0 contributions into Lab; skipped 11:")
    assert again.count(": already imported") == 4  # the three rows, and the one that repeated a row


def test_records_timesheet_fails_with_nothing_stored_on_a_bad_file_or_network(cli: Cli, cli_home: Path) -> None:
    headless = cli_home.parent / "headless.csv"
    headless.write_text("2024-03-01,ana,1h,Sorted\n")
    good = cli_home.parent / "good.csv"
    good.write_text("date,person,hours,note\n2024-03-01,ana,1h,Sorted\n")
    before = shown_events(cli, cli_home)

    missing = cli(cli_home, "--as", "ana", "records", "timesheet", "Lab", str(cli_home.parent / "nowhere.csv"))
    no_header = cli(cli_home, "--as", "ana", "records", "timesheet", "Lab", str(headless))
    no_network = cli(cli_home, "--as", "ana", "records", "timesheet", "Garden", str(good))
    no_one = cli(cli_home, "--as", "ana", "records", "timesheet", "Lab", str(good), "--map", "ana=nobody")

    assert missing[0] == 1 and "error: cannot read" in missing[1] and "nowhere.csv" in missing[1]
    assert no_header[0] == 1 and "needs a header naming the columns date, person, hours, note" in no_header[1]
    assert no_network == (1, "error: no network 'Garden' here (see `multitude network list`)")
    assert no_one == (1, "error: mapping ana=nobody: no agent 'nobody' known here")
    assert shown_events(cli, cli_home) == before
