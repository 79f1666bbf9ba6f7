"""Contribution accounting on the command line, told as the people of a small lab would use it:
logging work and having it validated, adopting a value equation, sharing an income and
explaining the split; and what each command says (exit 1, nothing written) when asked for
something it cannot do. The stories of work and of distribution run on SQLite and on
PostgreSQL alike."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from multitude.cli.app import app

LOGGED = re.compile(r"Logged ([0-9a-f]{12})\.")
EVENTS = re.compile(r"(\d+) shown of (\d+) events\.")

GOOD_EQUATION = """\
name = "Lab shares"
version = 1

[[bucket]]
name = "fund"
percent = 10
recipient = "network"

[[bucket]]
name = "makers"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  actions = ["work"]
  value = "value"
"""

BY_THE_HOUR = """\
name = "By the hour"
version = 1

[[bucket]]
name = "makers"
percent = 100
  [[bucket.rule]]
  actions = ["work"]
  value = "hours"
"""


# -- running the command ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str

    @property
    def flat(self) -> str:
        """Everything printed, spaces collapsed (as the `cli` fixture shows it)."""
        return " ".join((self.stdout + self.stderr).split())

    @property
    def error(self) -> str:
        return " ".join(self.stderr.split())


@dataclass(frozen=True)
class Shell:
    """`multitude --home HOME [--db URL] [--as WHO] …`, in process, raw output kept for tables."""

    home: Path
    store: tuple[str, ...] = ()

    def run(self, *args: str, who: str | None = None) -> Ran:
        identity = ("--as", who) if who else ()
        result = CliRunner().invoke(app, ["--home", str(self.home), *self.store, *identity, *args])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, who: str | None = None) -> str:
        ran = self.run(*args, who=who)
        assert ran.code == 0, ran.stdout + ran.stderr
        return ran.stdout

    def refused(self, *args: str, who: str | None = None) -> str:
        """Run a command that must fail: exit 1, nothing on the log; its error message, flat."""
        before = self.log()
        ran = self.run(*args, who=who)
        assert ran.code == 1, ran.stdout + ran.stderr
        assert ran.error.startswith("error: "), ran.stderr
        assert self.log() == before, f"`{' '.join(args)}` changed the log"
        return ran.error

    def log(self) -> str:
        return self.ok("log", "--limit", "0")

    def events(self) -> int:
        found = EVENTS.search(self.log())
        assert found is not None
        return int(found[2])


def tables(output: str) -> list[tuple[list[str], list[list[str]]]]:
    """The Rich tables in `output`, in order: (header cells, body rows as lists of cell texts)."""
    found: list[tuple[list[str], list[list[str]]]] = []
    for line in output.splitlines():
        text = line.strip()
        if not text.startswith(("┃", "│")):
            continue
        separator = text[0]
        cells = [cell.strip() for cell in text.strip(separator).split(separator)]
        if separator == "┃":
            found.append((cells, []))
        else:
            found[-1][1].append(cells)
    return found


def rows(output: str, index: int = 0) -> list[dict[str, str]]:
    """The body of the `index`th table of `output`, each row by column name."""
    header, body = tables(output)[index]
    return [dict(zip(header, row, strict=True)) for row in body]


def logged(output: str) -> str:
    found = LOGGED.search(output)
    assert found is not None, output
    return found[1]


# -- the lab ---------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """No --db (the home's SQLite file), or --db pointing at a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return ()
    return ("--db", str(request.getfixturevalue("pg_url")))


def _people(shell: Shell) -> Shell:
    """Ana, Bo, Cy and Dee, each an identity of one home with a profile."""
    for name in ("ana", "bo", "cy", "dee"):
        shell.ok("init", "--name", name)
        shell.ok("profile", "set", "--name", name.capitalize(), who=name)
    return shell


def _lab(shell: Shell) -> Shell:
    """Ana keeps the approval network Lab (EUR, peers validate); Bo and Cy are admitted, Dee is not."""
    created = shell.ok("network", "create", "Lab", "--membership", "approval", "--currency", "EUR",
                       "--validation", "peers", who="ana")
    assert "Network Lab created" in created
    for name in ("bo", "cy"):
        assert "Request to join sent" in shell.ok("network", "join", "Lab", who=name)
        assert "Admitted" in shell.ok("network", "approve", "Lab", name, who="ana")
    return shell


@pytest.fixture(scope="module")
def lab_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lab's home on SQLite, built once; each test gets a copy (making keys takes a while)."""
    return _lab(_people(Shell(tmp_path_factory.mktemp("template") / "home"))).home


@pytest.fixture
def lab(tmp_path: Path, lab_template: Path) -> Shell:
    home = tmp_path / "home"
    shutil.copytree(lab_template, home)
    return Shell(home)


@pytest.fixture
def any_lab(tmp_path: Path, backend: tuple[str, ...], lab_template: Path) -> Shell:
    """The lab, on each store adapter in turn (on PostgreSQL, told from the start)."""
    if not backend:
        home = tmp_path / "home"
        shutil.copytree(lab_template, home)
        return Shell(home)
    return _lab(_people(Shell(tmp_path / "home", backend)))


# -- 1. logging work and validating it -------------------------------------------------------


def test_bo_logs_work_and_ana_validates_it(any_lab: Shell) -> None:
    sh = any_lab
    count = sh.events()

    done = sh.ok("work", "Lab", "1h30m", "-m", "soldering", "--rate", "20", who="bo")

    contribution = logged(done)
    assert sh.events() == count + 1
    [row] = rows(sh.ok("contributions", "Lab"))
    assert row["id"] == contribution
    assert (row["by"], row["action"], row["hours"], row["value"], row["status"], row["note"]) == (
        "Bo", "work", "1.5", "30", "pending", "soldering")
    assert rows(sh.ok("contributions", "Lab", "--status", "validated")) == []

    assert "Approved" in sh.ok("validate", "Lab", contribution, who="ana")

    [row] = rows(sh.ok("contributions", "Lab"))
    assert (row["id"], row["status"]) == (contribution, "validated")
    assert [r["id"] for r in rows(sh.ok("contributions", "Lab", "--status", "validated", "--by", "bo"))] == [
        contribution]
    assert rows(sh.ok("contributions", "Lab", "--status", "pending")) == []
    assert sh.events() == count + 2


def test_durations_are_read_as_people_write_them(any_lab: Shell) -> None:
    sh = any_lab
    for duration in ("90m", "2h", "1.5h", "1d"):
        sh.ok("work", "Lab", duration, "-m", f"took {duration}", who="bo")

    hours = {row["note"]: row["hours"] for row in rows(sh.ok("contributions", "Lab", "--by", "bo"))}

    assert hours == {"took 90m": "1.5", "took 2h": "2", "took 1.5h": "1.5", "took 1d": "8"}


@pytest.mark.parametrize(
    ("duration", "problem"),
    [
        ("abc", "write it like 1h30m, 90m, 2h, 1.5h or 1d"),
        ("0m", "must be more than nothing"),
        ("-1h", "write it like 1h30m, 90m, 2h, 1.5h or 1d"),
    ],
    ids=["letters", "zero", "negative"],
)
def test_a_bad_duration_is_named_and_nothing_is_logged(any_lab: Shell, duration: str, problem: str) -> None:
    # `--` lets an argument start with a dash, as for any command line.
    message = any_lab.refused("work", "Lab", "-m", "oops", "--", duration, who="bo")

    assert message == f"error: duration {duration!r}: {problem}"
    assert rows(any_lab.ok("contributions", "Lab")) == []


def test_a_negative_duration_without_dashes_is_a_usage_error_and_logs_nothing(lab: Shell) -> None:
    before = lab.log()

    ran = lab.run("work", "Lab", "-1h", who="bo")

    assert ran.code == 2  # Click reads -1h as an option it does not know
    assert "No such option" in ran.flat
    assert lab.log() == before


# -- 2. value equations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ('name = "Broken\nversion = 1\n', "the document is not valid TOML"),
        (
            'name = "Greedy"\nversion = 1\n'
            '[[bucket]]\nname = "fund"\npercent = 60\nrecipient = "network"\n'
            '[[bucket]]\nname = "makers"\npercent = 60\n  [[bucket.rule]]\n  value = "value"\n',
            "the straight buckets take 120% of the income, more than 100%",
        ),
        (
            'name = "Greedy"\nversion = 1\n[[bucket]]\nname = "all"\npercent = 150\nrecipient = "network"\n',
            "bucket 1 (all).percent: 150 is not more than 0 and at most 100",
        ),
        (
            'name = "Typo"\nversion = 1\n[[bucket]]\nname = "makers"\npercent = 100\n'
            '  [[bucket.rule]]\n  actions = ["work"]\n  value = "hourz * 20"\n',
            "bucket 1 (makers), rule 1.value: unknown variable 'hourz'",
        ),
    ],
    ids=["not-toml", "straight-over-100", "bucket-over-100", "unknown-variable"],
)
def test_an_equation_that_cannot_work_is_refused_and_nothing_is_stored(
    lab: Shell, tmp_path: Path, document: str, problem: str
) -> None:
    file = tmp_path / "equation.toml"
    file.write_text(document, encoding="utf-8")

    checked = lab.refused("equation", "check", "Lab", str(file))
    adopted = lab.refused("equation", "adopt", "Lab", str(file), who="ana")

    assert problem in checked
    assert problem in adopted
    assert "adopted no value equation yet" in lab.refused("equation", "show", "Lab")


def test_an_equation_is_checked_adopted_shown_and_needs_a_higher_version(lab: Shell, tmp_path: Path) -> None:
    sh = lab
    file = tmp_path / "equation.toml"
    file.write_text(GOOD_EQUATION, encoding="utf-8")
    count = sh.events()

    assert sh.ok("equation", "check", "Lab", str(file)).strip() == "The equation can be adopted."
    assert sh.events() == count
    assert "only a custodian of the network may adopt a value equation" in sh.refused(
        "equation", "adopt", "Lab", str(file), who="bo")
    assert "Equation adopted" in sh.ok("equation", "adopt", "Lab", str(file), who="ana")
    assert sh.events() == count + 1

    shown = sh.ok("equation", "show", "Lab")
    assert shown.splitlines()[0].startswith("Lab shares version 1 (in force, digest ")
    assert GOOD_EQUATION.strip() in shown

    again = sh.refused("equation", "adopt", "Lab", str(file), who="ana")
    assert "the equation in force is version 1; a new one needs a higher version" in again

    file.write_text(GOOD_EQUATION.replace("version = 1", "version = 2"), encoding="utf-8")
    sh.ok("equation", "adopt", "Lab", str(file), who="ana")
    heads = sh.ok("equation", "show", "Lab").splitlines()[:2]
    assert heads[0].startswith("Lab shares version 1 (superseded, digest ")
    assert heads[1].startswith("Lab shares version 2 (in force, digest ")


# -- 3. sharing an income --------------------------------------------------------------------


def _worked_and_adopted(sh: Shell, tmp_path: Path) -> dict[str, str]:
    """Bo worked 1.5 h and Cy 2 h at 20 an hour, both validated by Ana; Bo's 8 h more are still
    pending. Ana adopted GOOD_EQUATION (10% to the fund, the rest by value of work)."""
    bo = logged(sh.ok("work", "Lab", "1h30m", "-m", "soldering", "--rate", "20", who="bo"))
    cy = logged(sh.ok("work", "Lab", "2h", "-m", "firmware", "--rate", "20", who="cy"))
    pending = logged(sh.ok("work", "Lab", "1d", "-m", "not yet seen", "--rate", "20", who="bo"))
    sh.ok("validate", "Lab", bo[:6], who="ana")
    sh.ok("validate", "Lab", cy[:8], who="ana")
    equation = tmp_path / "equation.toml"
    equation.write_text(GOOD_EQUATION, encoding="utf-8")
    sh.ok("equation", "adopt", "Lab", str(equation), who="ana")
    (tmp_path / "other.toml").write_text(BY_THE_HOUR, encoding="utf-8")
    return {"bo": bo, "cy": cy, "pending": pending}


def _split(output: str, index: int = 0) -> dict[str, str]:
    return {row["recipient"]: row["amount"] for row in rows(output, index)}


def test_a_dry_run_shows_the_split_and_records_nothing(any_lab: Shell, tmp_path: Path) -> None:
    sh = any_lab
    _worked_and_adopted(sh, tmp_path)
    before = sh.log()

    shown = sh.ok("distribute", "Lab", "--amount", "100", "--currency", "EUR", "--dry-run", who="ana")

    lines = rows(shown)
    assert sum(Decimal(row["amount"]) for row in lines) == Decimal("100.00")
    assert _split(shown) == {"Lab": "10.00", "Bo": "38.57", "Cy": "51.43"}
    assert {row["recipient"]: row["bucket"] for row in lines} == {"Lab": "fund", "Bo": "makers", "Cy": "makers"}
    assert "By Lab shares (version 1)" in shown
    assert "Total 100.00 EUR" in shown
    assert shown.strip().endswith("Nothing was recorded.")
    assert sh.log() == before


def test_compare_shows_both_splits_side_by_side_and_records_nothing(any_lab: Shell, tmp_path: Path) -> None:
    sh = any_lab
    _worked_and_adopted(sh, tmp_path)
    before = sh.log()

    shown = sh.ok("distribute", "Lab", "--amount", "100", "--currency", "EUR", "--compare",
                  str(tmp_path / "other.toml"), who="ana")

    assert len(tables(shown)) == 3
    assert "By Lab shares (version 1)" in shown
    assert f"By By the hour (version 1) ({tmp_path / 'other.toml'})" in " ".join(shown.split())
    assert _split(shown, 0) == {"Lab": "10.00", "Bo": "38.57", "Cy": "51.43"}
    assert _split(shown, 1) == {"Bo": "42.86", "Cy": "57.14"}
    side = rows(shown, 2)
    assert tables(shown)[2][0] == ["recipient", "Lab shares (version 1)", "By the hour (version 1)", "difference"]
    assert {row["recipient"]: row["difference"] for row in side} == {"Lab": "-10.00", "Bo": "+4.29", "Cy": "+5.71"}
    assert {row["recipient"]: row["Lab shares (version 1)"] for row in side} == {
        "Lab": "10.00", "Bo": "38.57", "Cy": "51.43"}
    assert "Side by side" in shown
    assert shown.strip().endswith("Nothing was recorded.")
    assert sh.log() == before


def test_a_distribution_is_recorded_explained_and_verified(any_lab: Shell, tmp_path: Path) -> None:
    sh = any_lab
    _worked_and_adopted(sh, tmp_path)
    count = sh.events()

    shown = sh.ok("distribute", "Lab", "--amount", "100", "--currency", "EUR", who="ana")

    found = re.search(r"Distribution recorded: ([0-9a-f]{64})", shown)
    assert found is not None, shown
    distribution = found[1]
    assert sh.events() == count + 2
    recent = {row["type"]: row["status"] for row in rows(sh.ok("log", "--limit", "2"))}
    assert recent == {"income.recorded": "applied", "distribution.recorded": "applied"}

    explained = sh.ok("explain", distribution[:8])
    flat = " ".join(explained.split())
    assert flat.startswith(f"Distribution {distribution[:12]} of 100 EUR in Lab, by equation ")
    assert "- Lab gets 10.00 EUR: bucket 'fund', kept: 10% straight to a fixed recipient" in flat
    assert ("- Bo gets 38.57 EUR: bucket 'makers', equity: 1 contribution valued 30 by 'value' "
            "(bucket 2 (makers), rule 1)") in flat
    assert ("- Cy gets 51.43 EUR: bucket 'makers', equity: 1 contribution valued 40 by 'value' "
            "(bucket 2 (makers), rule 1)") in flat
    assert len([line for line in explained.splitlines() if line.startswith("- ")]) == 3
    assert flat.endswith("The lines add up to 100.00 EUR.")

    only_bo = sh.ok("explain", distribution[:8], "--agent", "bo")
    bo_lines = [line for line in only_bo.splitlines() if line.startswith("- ")]
    assert len(bo_lines) == 1 and bo_lines[0].startswith("- Bo gets 38.57 EUR")
    assert "Cy" not in only_bo and "add up to" not in only_bo
    assert "This agent got nothing from this distribution." in sh.ok("explain", distribution, "--agent", "dee")

    verified = " ".join(sh.ok("verify").split())
    assert "1 distribution recomputed from the log: each gives what it recorded." in verified
    assert f"Intact: {count + 2} events" in verified


def test_an_income_recorded_first_is_distributed_by_its_id(lab: Shell, tmp_path: Path) -> None:
    sh = lab
    _worked_and_adopted(sh, tmp_path)
    recorded = sh.ok("income", "Lab", "35", "--currency", "EUR", "--source", "Sensors sold", who="ana")
    found = re.search(r"Income recorded: ([0-9a-f]{64})", recorded)
    assert found is not None, recorded
    count = sh.events()

    shown = sh.ok("distribute", "Lab", "--income", found[1][:10], who="ana")

    assert _split(shown) == {"Lab": "3.50", "Bo": "13.50", "Cy": "18.00"}
    assert sh.events() == count + 1
    assert "Nothing was recorded." not in shown
    again = sh.refused("distribute", "Lab", "--income", found[1][:10], who="ana")
    assert "already distributed" in again
    assert "1 distribution recomputed" in " ".join(sh.ok("verify").split())


# -- 4. what cannot be done ------------------------------------------------------------------


def test_an_unknown_network_is_named(lab: Shell) -> None:
    for args in (("work", "Atlantis", "1h"),
                 ("contributions", "Atlantis"),
                 ("distribute", "Atlantis", "--amount", "1", "--currency", "EUR", "--dry-run"),
                 ("income", "Atlantis", "5", "--currency", "EUR", "--source", "x")):
        assert "no network 'Atlantis' here" in lab.refused(*args, who="ana")


def test_an_income_in_a_currency_the_network_does_not_use_lists_those_it_uses(lab: Shell) -> None:
    lab.ok("network", "amend", "Lab", "--currency", "EUR", "--currency", "JPY:0", who="ana")

    for args in (("income", "Lab", "10", "--currency", "USD", "--source", "a grant"),
                 ("distribute", "Lab", "--amount", "10", "--currency", "USD"),
                 ("distribute", "Lab", "--amount", "10", "--currency", "USD", "--dry-run")):
        message = lab.refused(*args, who="ana")
        assert "the network does not use the currency USD (it uses: EUR, JPY)" in message


def test_distribute_wants_amount_with_currency_or_an_income(lab: Shell) -> None:
    assert lab.refused("distribute", "Lab", "--amount", "10", who="ana") == "error: --amount needs --currency"
    both = lab.refused("distribute", "Lab", "--amount", "10", "--currency", "EUR", "--income", "abcdef", who="ana")
    assert both == "error: give either --amount (with --currency) or --income"
    assert lab.refused("distribute", "Lab", who="ana") == both
    assert "no income 'abcdef' in this network" in lab.refused("distribute", "Lab", "--income", "abcdef", who="ana")


def test_distributing_before_any_equation_says_adopt_one_first_and_records_nothing(lab: Shell) -> None:
    logged(lab.ok("work", "Lab", "2h", "--rate", "20", who="bo"))
    before = lab.log()

    ran = lab.run("distribute", "Lab", "--amount", "100", "--currency", "EUR", who="ana")

    assert ran.code == 1
    assert ran.error == "error: the network has no value equation in force; adopt one first"
    assert "Distribution recorded" not in ran.stdout
    assert [row["type"] for row in rows(lab.ok("log", "--type", "income.recorded"))] == []
    assert lab.log() == before


def test_nobody_validates_or_flags_their_own_contribution(lab: Shell) -> None:
    mine = logged(lab.ok("work", "Lab", "2h", "-m", "my own", who="bo"))

    for verb in (("validate", "Lab", mine), ("flag", "Lab", mine, "looks fine to me")):
        message = lab.refused(*verb, who="bo")
        assert message == "error: a contributor cannot validate or flag their own contribution"
    assert [row["status"] for row in rows(lab.ok("contributions", "Lab"))] == ["pending"]
    assert "no contribution 'ffffff' in this network" in lab.refused("validate", "Lab", "ffffff", who="ana")


def test_a_non_member_cannot_log_work(lab: Shell) -> None:
    message = lab.refused("work", "Lab", "3h", "-m", "helping out", who="dee")

    assert message == "error: only a member of the network may log contributions to it"
    assert rows(lab.ok("contributions", "Lab")) == []


def test_amounts_with_more_decimals_than_the_currency_has_are_refused(lab: Shell) -> None:
    lab.ok("network", "amend", "Lab", "--currency", "EUR", "--currency", "JPY:0", who="ana")

    eur = lab.refused("income", "Lab", "10.005", "--currency", "EUR", "--source", "x", who="ana")
    jpy = lab.refused("income", "Lab", "1.5", "--currency", "JPY", "--source", "x", who="ana")
    transfer = lab.refused("contribute", "Lab", "transfer", "--amount", "1.001", "--currency", "EUR", who="bo")
    split = lab.refused("distribute", "Lab", "--amount", "10.005", "--currency", "EUR", "--dry-run", who="ana")

    assert eur == "error: EUR has 2 decimals; 10.005 has more"
    assert jpy == "error: JPY has 0 decimals; 1.5 has more"
    assert transfer == "error: EUR has 2 decimals; 1.001 has more"
    assert "10.005 is not a positive whole number of minor units (0.01)" in split


def test_only_a_custodian_records_income_or_distributes(lab: Shell, tmp_path: Path) -> None:
    _worked_and_adopted(lab, tmp_path)

    assert "only a custodian of the network may record income" in lab.refused(
        "income", "Lab", "10", "--currency", "EUR", "--source", "x", who="bo")
    assert "only a custodian of the network may record income" in lab.refused(
        "distribute", "Lab", "--amount", "10", "--currency", "EUR", who="bo")
