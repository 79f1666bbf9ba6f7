"""The demo's accounting as a newcomer would explore it: previews, comparisons, explanations,
and what a produced resource is worth."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from cli_fixtures import Cli

LAB = "Open Sensor Lab"
KITS = "Air-quality sensor kits, batch 1"


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cli_fixtures import run_cli

    home = tmp_path_factory.mktemp("demo")
    code, output = run_cli(home, "demo")
    assert code == 0, output
    assert "3 distributions recomputed from the log" in output
    return home


def _events(cli: Cli, home: Path) -> str:
    code, output = cli(home, "log", "--limit", "0")
    assert code == 0
    return output


def test_the_demo_previews_and_compares_a_split_without_recording_it(cli: Cli, demo_home: Path) -> None:
    before = _events(cli, demo_home)
    code, output = cli(demo_home, "distribute", LAB, "--amount", "1000", "--currency", "EUR", "--dry-run",
                       "--compare", str(demo_home / "lab-equation-1.toml"))
    assert code == 0, output
    assert "Total 1000.00 EUR" in output and "Side by side" in output and "Nothing was recorded." in output
    assert _events(cli, demo_home) == before


def test_every_demo_distribution_is_explained_line_by_line(cli: Cli, demo_home: Path) -> None:
    code, log = cli(demo_home, "log", "--type", "distribution.recorded")
    assert code == 0
    distributions = re.findall(r"\b[0-9a-f]{12}\b", log)
    assert len(distributions) == 3
    for distribution in distributions:
        code, output = cli(demo_home, "explain", distribution)
        assert code == 0, output
        amounts = [Decimal(a) for a in re.findall(r"gets (\d+\.\d\d) EUR", output)]
        total = re.search(r"The lines add up to (\d+\.\d\d) EUR", output)
        assert total is not None and sum(amounts) == Decimal(total.group(1))
    code, output = cli(demo_home, "explain", distributions[0], "--agent", "ivo")
    assert code == 0
    assert "Ivo Petrov gets" in output and "Jun Tanaka" not in output
    assert "through process 'Batch 1: twenty air-quality sensors'" in output  # the kits' sale rolls up
    assert "through resource 'Sensor PCBs'" in output  # the boards bought with Ivo's loan


def test_a_produced_resource_shows_what_went_into_it(cli: Cli, demo_home: Path) -> None:
    code, output = cli(demo_home, "resource", "show", LAB, KITS)
    assert code == 0, output
    assert "produced by the network's processes" in output
    assert "Worth 3065: what went into it" in output
    assert "resource Sensor PCBs" in output and "Ivo Petrov" in output
    code, output = cli(demo_home, "resource", "list", LAB)
    assert code == 0 and "Prusa 3D printer" in output and "lent or given" in output
    code, output = cli(demo_home, "resource", "show", LAB, "Nothing of the sort")
    assert code == 1 and "no resource 'Nothing of the sort'" in output


def test_the_demo_lists_its_incomes_and_what_each_paid_for(cli: Cli, demo_home: Path) -> None:
    code, output = cli(demo_home, "incomes", LAB)
    assert code == 0, output
    assert "1200 EUR" in output and f"resource {KITS}" in output and "800 EUR" in output
    assert "not yet distributed" not in output
