"""The `multitude` command, driven in process with Typer's runner against real homes in tmp_path:
identities, profiles, a membership story told by two people sharing one home, the log and its
integrity, bundles between homes, the demo and sealed identities."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from multitude.cli.app import app
from multitude.keyring import Keyring
from multitude.node import Node

HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def run(
    home: Path, *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> Result:
    result = CliRunner().invoke(app, ["--home", str(home), *args], input=input, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def ok(home: Path, *args: str, **options: object) -> str:
    result = run(home, *args, **options)  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    return result.output


def flat(text: str) -> str:
    return " ".join(text.split())


def tables(output: str) -> dict[str, list[list[str]]]:
    """The Rich tables in `output`: first header cell -> body rows, as lists of cell texts."""
    found: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for line in output.splitlines():
        text = line.strip()
        if text.startswith(("┃", "│")):
            cells = [
                cell.strip() for cell in text.strip("┃│").split("┃" if text[0] == "┃" else "│")
            ]
            if text[0] == "┃":
                current = found.setdefault(cells[0], [])
            else:
                current.append(cells)
    return found


def table(output: str) -> list[list[str]]:
    """The body rows of the only (or first) table in `output`."""
    found = tables(output)
    return next(iter(found.values())) if found else []


def events_in(home: Path) -> int:
    with Node.open(home=home) as node:
        return node.store.count_events()


def public_key(home: Path, name: str) -> str:
    return Keyring(home).identity(name).public


# -- identities ------------------------------------------------------------------------------


def test_init_creates_an_identity_only_its_owner_can_read(tmp_path: Path) -> None:
    home = tmp_path / "home"

    output = ok(home, "init")

    key_file = home / "keys" / "default.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "keys").stat().st_mode) == 0o700
    public = public_key(home, "default")
    assert HEX64.findall(output) == [public]
    assert (home / "multitude.db").is_file()
    rows = table(ok(home, "identities"))
    assert rows == [["default", public, "no", "*"]]


def test_a_second_identity_is_listed_and_chosen_with_as(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "init")
    ok(home, "init", "--name", "x")

    rows = table(ok(home, "identities"))
    assert [row[:2] for row in rows] == [
        ["default", public_key(home, "default")],
        ["x", public_key(home, "x")],
    ]

    ok(home, "--as", "x", "profile", "set", "--name", "Xiomara")
    ok(home, "--as", "default", "profile", "set", "--name", "Dani")
    with Node.open(home=home) as node:
        named = {row.name: row.agent for row in node.agents()}
    assert named == {"Xiomara": public_key(home, "x"), "Dani": public_key(home, "default")}


def test_the_first_identity_stays_the_default_when_a_second_is_made(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "init")
    ok(home, "init", "--name", "x")

    rows = table(ok(home, "identities"))
    assert {row[0]: row[3] for row in rows} == {"default": "*", "x": ""}
    ok(home, "profile", "set", "--name", "Without As")
    with Node.open(home=home) as node:
        assert [row.agent for row in node.agents()] == [public_key(home, "default")]


def test_init_refuses_a_name_already_taken(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "init", "--name", "alice")
    before = (home / "keys" / "alice.key").read_bytes()

    result = run(home, "init", "--name", "alice")

    assert result.exit_code == 1
    assert "an identity named 'alice' already exists" in flat(result.stderr)
    assert (home / "keys" / "alice.key").read_bytes() == before
    assert [row[0] for row in table(ok(home, "identities"))] == ["alice"]


def test_init_refuses_a_name_that_is_not_a_file_name(tmp_path: Path) -> None:
    home = tmp_path / "home"

    result = run(home, "init", "--name", "../escape")

    assert result.exit_code == 1
    assert "identity name" in flat(result.stderr)
    assert not (tmp_path / "escape.key").exists()


def test_acting_before_any_identity_exists_says_what_to_do(tmp_path: Path) -> None:
    result = run(tmp_path / "home", "profile", "set", "--name", "Nobody")

    assert result.exit_code == 1
    assert "multitude init" in flat(result.stderr)


def test_profile_set_and_show(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "init", "--name", "alice")
    ok(home, "init", "--name", "bob")
    ok(
        home,
        "--as",
        "alice",
        "profile",
        "set",
        "--name",
        "Alice Moreau",
        "--about",
        "Grows tomatoes.",
        "--skill",
        "gardening",
        "--skill",
        "compost",
        "--location",
        "Lyon",
        "--link",
        "https://example.org/a",
    )

    mine = flat(ok(home, "--as", "alice", "profile", "show"))
    theirs = flat(ok(home, "--as", "bob", "profile", "show", "Alice Moreau"))

    for shown in (mine, theirs):
        assert f"Alice Moreau (person) {public_key(home, 'alice')}" in shown
        assert "about: Grows tomatoes." in shown
        assert "location: Lyon" in shown
        assert "skills: gardening, compost" in shown
        assert "links: https://example.org/a" in shown

    ok(home, "--as", "alice", "profile", "set", "--name", "Alice M.")
    assert "Alice M. (person)" in flat(ok(home, "--as", "alice", "profile", "show"))

    missing = run(home, "--as", "bob", "profile", "show")
    assert missing.exit_code == 1
    assert "has published no profile" in flat(missing.stderr)


# -- a membership story ----------------------------------------------------------------------


@pytest.fixture
def garden(tmp_path: Path) -> Path:
    """A home where Alice, Bob, Carol and Dan live; Alice keeps the approval network Garden."""
    home = tmp_path / "home"
    for name in ("alice", "bob", "carol", "dan"):
        ok(home, "init", "--name", name)
        ok(home, "--as", name, "profile", "set", "--name", name.capitalize())
    output = ok(
        home,
        "--as",
        "alice",
        "network",
        "create",
        "Garden",
        "--purpose",
        "A shared garden.",
        "--membership",
        "approval",
        "--role",
        "steward",
    )
    assert "Network Garden created" in flat(output)
    return home


def members(home: Path, network: str = "Garden") -> dict[str, str]:
    """Name -> roles, as `network show` lists the members."""
    rows = tables(ok(home, "network", "show", network)).get("member", [])
    return {row[0]: row[2] for row in rows}


def not_members(home: Path, network: str = "Garden") -> dict[str, tuple[str, str]]:
    """Name -> (status, reason) of those `network show` lists as not members."""
    rows = tables(ok(home, "network", "show", network)).get("not a member", [])
    return {row[0]: (row[2], row[3]) for row in rows}


def test_a_join_waits_for_approval_and_a_member_cannot_admit_themselves(garden: Path) -> None:
    home = garden
    sent = ok(home, "--as", "bob", "network", "join", "Garden", "--note", "I bring seeds.")
    assert "Request to join sent" in sent
    assert not_members(home) == {"Bob": ("requested", "I bring seeds.")}
    count = events_in(home)
    log_before = ok(home, "log")

    refused = run(home, "--as", "bob", "network", "approve", "Garden", "Bob")

    assert refused.exit_code == 1
    assert "only a member holding the custodian role may decide on admissions" in flat(
        refused.stderr
    )
    assert events_in(home) == count
    assert f"{count} shown of {count} events." in ok(home, "log")
    assert ok(home, "log") == log_before
    assert "Bob" not in members(home)

    assert "Admitted" in ok(
        home, "--as", "alice", "network", "approve", "Garden", "Bob", "--note", "Welcome"
    )
    assert members(home) == {"Alice": "custodian", "Bob": ""}
    assert events_in(home) == count + 1
    with Node.open(home=home) as node:
        garden_id = node.network("Garden").network
    assert table(ok(home, "network", "list")) == [
        ["Garden", garden_id[:12], "approval", "2", "A shared garden."]
    ]


def test_decline_remove_leave_and_roles(garden: Path) -> None:
    home = garden
    for name in ("bob", "carol", "dan"):
        ok(home, "--as", name, "network", "join", "Garden")
    ok(home, "--as", "alice", "network", "approve", "Garden", "Bob")
    ok(home, "--as", "alice", "network", "approve", "Garden", "Dan")
    assert "Declined" in ok(
        home,
        "--as",
        "alice",
        "network",
        "decline",
        "Garden",
        "Carol",
        "--reason",
        "We are full this season.",
    )

    assert "Granted steward" in ok(
        home, "--as", "alice", "role", "grant", "Garden", "Bob", "steward"
    )
    assert members(home) == {"Alice": "custodian", "Bob": "steward", "Dan": ""}
    unknown_role = run(home, "--as", "alice", "role", "grant", "Garden", "Dan", "mayor")
    assert unknown_role.exit_code == 1
    assert "the charter has no role 'mayor'" in flat(unknown_role.stderr)
    not_custodian = run(home, "--as", "bob", "role", "grant", "Garden", "Dan", "steward")
    assert not_custodian.exit_code == 1
    assert "only a custodian of the network may grant roles" in flat(not_custodian.stderr)

    assert "Revoked steward" in ok(
        home, "--as", "alice", "role", "revoke", "Garden", "Bob", "steward"
    )
    assert members(home)["Bob"] == ""

    assert "Removed" in ok(
        home,
        "--as",
        "alice",
        "network",
        "remove",
        "Garden",
        "Dan",
        "--reason",
        "Never came to a work day.",
    )
    assert "Left" in ok(home, "--as", "bob", "network", "leave", "Garden", "--note", "Moving away.")

    assert members(home) == {"Alice": "custodian"}
    assert not_members(home) == {
        "Bob": ("left", "Moving away."),
        "Carol": ("declined", "We are full this season."),
        "Dan": ("removed", "Never came to a work day."),
    }
    last_custodian = run(home, "--as", "alice", "network", "leave", "Garden")
    assert last_custodian.exit_code == 0  # alone, the last custodian may go
    with Node.open(home=home) as node:
        assert node.members("Garden") == []


def test_an_open_network_admits_at_once(garden: Path) -> None:
    home = garden
    ok(home, "--as", "alice", "network", "create", "Compost", "--membership", "open")

    assert "Joined" in ok(home, "--as", "carol", "network", "join", "Compost")
    assert members(home, "Compost") == {"Alice": "custodian", "Carol": ""}


def test_an_unknown_network_is_an_error_not_a_crash(garden: Path) -> None:
    result = run(garden, "network", "show", "Atlantis")

    assert result.exit_code == 1
    assert "no network 'Atlantis' here" in flat(result.stderr)


# -- the log and its integrity ---------------------------------------------------------------


@pytest.fixture
def demo_home(tmp_path: Path) -> Path:
    home = tmp_path / "demo"
    output = ok(home, "demo")
    assert "Verified" in output
    return home


def test_log_shows_rejected_events_with_their_reason(demo_home: Path) -> None:
    output = ok(demo_home, "log", "--status", "rejected")

    rows = table(output)
    assert len(rows) == 1
    _, _, author, kind, network, status = rows[0]
    assert (author, kind, network) == ("Giovanni Russo", "membership.approved", "Plaza Camp")
    assert status == "rejected: only a member holding the facilitator role may decide on admissions"
    assert f"1 shown of {events_in(demo_home)} events." in output


def test_log_filters_by_type_and_network(demo_home: Path) -> None:
    rows = table(ok(demo_home, "log", "--type", "role.granted", "--network", "Open Sensor Lab"))

    assert [row[3] for row in rows] == ["role.granted", "role.granted"]
    assert {row[4] for row in rows} == {"Open Sensor Lab"}


def test_verify_digest_and_rebuild_on_an_intact_node(demo_home: Path) -> None:
    verified = ok(demo_home, "verify")
    assert f"Intact: {events_in(demo_home)} events" in flat(verified)

    digest = ok(demo_home, "digest").strip()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    with Node.open(home=demo_home) as node:
        assert node.digest() == digest

    rebuilt = flat(ok(demo_home, "rebuild"))
    assert f"digest {digest}" in rebuilt
    assert ok(demo_home, "digest").strip() == digest
    ok(demo_home, "verify")


def test_export_and_import_between_two_homes(garden: Path, tmp_path: Path) -> None:
    ok(garden, "--as", "bob", "network", "join", "Garden")
    ok(garden, "--as", "alice", "network", "approve", "Garden", "Bob")
    bundle = tmp_path / "stick" / "garden.bundle"
    count = events_in(garden)

    assert f"Wrote {count} events" in flat(ok(garden, "export", str(bundle)))

    other = tmp_path / "other"
    first = flat(ok(other, "import", str(bundle)))
    assert (
        f"{count} events read: {count} added ({count} applied), 0 already held, 0 refused." in first
    )
    assert ok(other, "digest") == ok(garden, "digest")
    assert members(other) == {"Alice": "custodian", "Bob": ""}

    again = flat(ok(other, "import", str(bundle)))
    assert f"{count} events read: 0 added (none new), {count} already held, 0 refused." in again
    assert ok(other, "digest") == ok(garden, "digest")
    ok(other, "verify")


def test_importing_a_damaged_bundle_exits_1_and_names_the_lines(
    garden: Path, tmp_path: Path
) -> None:
    bundle = tmp_path / "garden.bundle"
    ok(garden, "export", str(bundle))
    lines = bundle.read_bytes().splitlines(keepends=True)
    bundle.write_bytes(b"".join(lines) + b"garbage\n")
    other = tmp_path / "other"

    result = run(other, "import", str(bundle))

    assert result.exit_code == 1
    shown = flat(result.output)
    assert f"refused line {len(lines) + 1}: event: not valid JSON" in shown
    assert f"{len(lines) - 1} added" in shown
    assert ok(other, "digest") == ok(garden, "digest")


def test_export_since_a_date_in_the_future_writes_no_events(garden: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "later.bundle"

    assert "Wrote 0 events" in ok(garden, "export", str(bundle), "--since", "2999-01-01")
    bad = run(garden, "export", str(tmp_path / "x.bundle"), "--since", "next tuesday")
    assert bad.exit_code == 1
    assert "is not a date" in flat(bad.stderr)


def test_export_missing_from_answers_with_what_the_other_home_lacks(
    garden: Path, tmp_path: Path
) -> None:
    first = tmp_path / "first.bundle"
    ok(garden, "export", str(first))
    other = tmp_path / "other"
    ok(other, "import", str(first))
    ok(other, "init", "--name", "erin")
    ok(other, "profile", "set", "--name", "Erin")
    ok(garden, "--as", "bob", "network", "join", "Garden")
    theirs = tmp_path / "theirs.bundle"
    ok(other, "export", str(theirs))

    answer = tmp_path / "answer.bundle"
    assert "Wrote 1 events" in ok(garden, "export", str(answer), "--missing-from", str(theirs))
    assert "1 added" in ok(other, "import", str(answer))
    assert "Bob" in not_members(other)


# -- the demo --------------------------------------------------------------------------------


def test_demo_fresh_twice_starts_again_each_time(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    ok(home, "demo", "--fresh")
    count = events_in(home)
    ok(home, "--as", "ana", "network", "create", "Extra")
    assert events_in(home) == count + 1

    output = ok(home, "demo", "--fresh")

    assert "Verified" in output
    assert events_in(home) == count
    assert "Extra" not in [row[0] for row in table(ok(home, "network", "list"))]
    assert "already loaded" in ok(home, "demo")
    assert events_in(home) == count


def test_demo_fresh_refuses_to_wipe_a_home_it_did_not_make(tmp_path: Path) -> None:
    home = tmp_path / "mine"
    ok(home, "init", "--name", "me")
    key = (home / "keys" / "me.key").read_bytes()

    result = run(home, "demo", "--fresh")

    assert result.exit_code == 1
    assert "holds a node of your own" in flat(result.stderr)
    assert (home / "keys" / "me.key").read_bytes() == key


def test_looking_at_the_demo_in_my_home_does_not_let_fresh_wipe_it_later(tmp_path: Path) -> None:
    """`demo` in a home made by `init` must not mark it as the demo's, or --fresh deletes my key."""
    home = tmp_path / "mine"
    ok(home, "init", "--name", "me")
    ok(home, "profile", "set", "--name", "Me")
    key = (home / "keys" / "me.key").read_bytes()
    run(home, "demo")

    run(home, "demo", "--fresh")

    assert (home / "keys" / "me.key").read_bytes() == key
    with Node.open(home=home) as node:
        assert "Me" in [row.name for row in node.agents()]


# -- sealed identities -----------------------------------------------------------------------


def test_a_sealed_identity_needs_its_passphrase(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "init", "--name", "sealed", "--passphrase", input="pw\npw\n")
    assert table(ok(home, "identities"))[0][2] == "yes"
    secret = json.loads((home / "keys" / "sealed.key").read_text())["secret"]
    assert "seed" not in secret and "box" in secret  # the seed is not kept in clear

    ok(
        home,
        "--as",
        "sealed",
        "profile",
        "set",
        "--name",
        "Sam",
        env={"MULTITUDE_PASSPHRASE": "pw"},
    )
    with Node.open(home=home) as node:
        assert [(row.name, row.agent) for row in node.agents()] == [
            ("Sam", public_key(home, "sealed"))
        ]
    count = events_in(home)

    wrong = run(
        home,
        "--as",
        "sealed",
        "profile",
        "set",
        "--name",
        "Mallory",
        env={"MULTITUDE_PASSPHRASE": "guess"},
    )
    assert wrong.exit_code == 1
    assert "wrong passphrase" in flat(wrong.stderr)

    none = run(home, "--as", "sealed", "profile", "set", "--name", "Mallory")
    assert none.exit_code == 1
    assert "sealed with a passphrase" in flat(none.stderr)
    assert events_in(home) == count


def test_a_passphrase_must_be_typed_the_same_twice(tmp_path: Path) -> None:
    home = tmp_path / "home"

    result = run(home, "init", "--name", "sealed", "--passphrase", input="pw\nwp\npw\npw\n")

    assert result.exit_code == 0
    assert "do not match" in result.output.lower() or "don't match" in result.output.lower()
    ok(
        home,
        "--as",
        "sealed",
        "profile",
        "set",
        "--name",
        "Sam",
        env={"MULTITUDE_PASSPHRASE": "pw"},
    )
