"""`multitude records git` and `multitude records timesheet`: records people already keep,
logged as contributions. The work is done by multitude.importers; this module parses options,
shows progress and prints the report."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from multitude.cli.accounting import Net
from multitude.cli.context import console, fail, opened, plain, progress

if TYPE_CHECKING:
    from multitude.importers.contributors import ImportReport

__all__ = ["register"]

records_app = typer.Typer(help="Import records people already keep: a git history, a timesheet.",
                          no_args_is_help=True)

Mapped = Annotated[list[str] | None, typer.Option(
    "--map", help="PERSON=AGENT: who a person of the records is here (identity name, key or prefix; repeat).")]
MappingFile = Annotated[Path | None, typer.Option(
    "--map-file", help='A TOML file of "PERSON" = "AGENT" lines, read before --map.')]
Tags = Annotated[list[str] | None, typer.Option("--tag", help="A tag to add to every contribution (repeat).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check everything, log nothing.")]


def _hours(text: str, option: str, *, zero: bool = False) -> Decimal:
    from multitude.domain.accounting.quantities import parse_duration

    if zero and text.strip() in ("0", "0h", "0m"):
        return Decimal(0)
    try:
        return Decimal(parse_duration(text))
    except ValueError as error:
        raise fail(f"{option}: {error}") from None


def _mapping(pairs: list[str] | None, file: Path | None) -> dict[str, str]:
    from multitude.importers.contributors import load_mapping

    mapping = load_mapping(file) if file is not None else {}
    for pair in pairs or ():
        person, sign, agent = pair.rpartition("=")
        if not sign or not person.strip() or not agent.strip():
            raise fail(f"--map {pair!r}: write it as PERSON=AGENT, e.g. ana@example.org=ana")
        mapping[person.strip()] = agent.strip()
    return mapping


def _report(report: ImportReport, network: str) -> None:
    verb = "Would import" if report.dry_run else "Imported"
    count = f"{report.imported} contribution{'' if report.imported == 1 else 's'}"
    skipped = f"skipped {len(report.skipped)}:" if report.skipped else "skipped none."
    console.print(f"{verb} {count} into {plain(network)}; {skipped}", highlight=False)
    for item in report.skipped:
        console.print(f"- {plain(item.what)}: {plain(item.reason)}", highlight=False)
    if report.dry_run:
        console.print("Nothing was logged.")


@records_app.command("git")
def git(
    ctx: typer.Context,
    network: Net,
    repository: Annotated[Path, typer.Argument(help="The git repository (its working tree or a bare one).")],
    mapped: Mapped = None,
    mapping_file: MappingFile = None,
    per_commit: Annotated[str | None, typer.Option(
        help="Effort counted for each commit (default 30m, or 0 when --per-100-lines is given).")] = None,
    per_100_lines: Annotated[str | None, typer.Option(
        "--per-100-lines", help="Effort counted for each hundred lines added or removed, e.g. 15m.")] = None,
    most: Annotated[str, typer.Option("--max-per-commit", help="The most one commit counts for.")] = "4h",
    skill: Annotated[str | None, typer.Option(help="The skill the work took, e.g. programming.")] = None,
    url_prefix: Annotated[str | None, typer.Option(
        help="Evidence is this followed by the commit's sha (default git:<sha>), "
             "e.g. https://codeberg.org/lab/firmware/commit/")] = None,
    rev: Annotated[str, typer.Option(help="Import the history of this branch, tag or commit.")] = "HEAD",
    since: Annotated[str | None, typer.Option(help="Only commits authored on or after this day, YYYY-MM-DD.")] = None,
    tag: Tags = None,
    dry_run: DryRun = False,
) -> None:
    """Log each commit as `work` by its author (merge commits are skipped).

    Authors are credited only if this node holds their identity: map their emails with --map or --map-file.
    Commits already imported are skipped, so it can run again after new commits.
    """
    from multitude.importers.git import Effort, import_commits, read_history

    by_lines = _hours(per_100_lines, "--per-100-lines", zero=True) if per_100_lines else Decimal(0)
    base = _hours(per_commit, "--per-commit", zero=True) if per_commit else Decimal(0 if by_lines else "0.5")
    try:
        effort = Effort(base, by_lines, _hours(most, "--max-per-commit"))
    except ValueError as error:
        raise fail(str(error)) from None
    with opened(ctx, signing=True) as node:
        name = node.network(network).name
        mapping = _mapping(mapped, mapping_file)
        commits = read_history(repository, rev=rev, since=since, count_lines=effort.counts_lines)
        with progress("Importing commits", len(commits)) as advance:
            report = import_commits(node, network, commits, mapping=mapping, effort=effort, skill=skill,
                                    url_prefix=url_prefix, tags=("git", *(tag or ())), dry_run=dry_run,
                                    on_progress=advance)
        _report(report, name)


@records_app.command("timesheet")
def timesheet(
    ctx: typer.Context,
    network: Net,
    file: Annotated[Path, typer.Argument(help="A CSV file with the header date,person,hours,note "
                                              "(and optionally skill,rate,tags,process).")],
    mapped: Mapped = None,
    mapping_file: MappingFile = None,
    most: Annotated[str, typer.Option("--max-per-row", help="Rows of more hours than this are skipped.")] = "24h",
    tag: Tags = None,
    dry_run: DryRun = False,
) -> None:
    """Log each row of a timesheet as `work` by the person it names.

    A person is an identity this node holds, by its name here or through --map or --map-file.
    Rows that cannot be logged are listed with their line and why; rows already imported are skipped.
    """
    from multitude.importers.timesheet import import_timesheet, read_timesheet

    limit = _hours(most, "--max-per-row")
    with opened(ctx, signing=True) as node:
        name = node.network(network).name
        mapping = _mapping(mapped, mapping_file)
        try:
            sheet = read_timesheet(file, max_hours=limit)
        except ValueError as error:
            raise fail(str(error)) from None
        with progress("Importing rows", len(sheet)) as advance:
            report = import_timesheet(node, network, sheet, mapping=mapping, tags=("timesheet", *(tag or ())),
                                      dry_run=dry_run, on_progress=advance)
        _report(report, name)


def register(app: typer.Typer) -> None:
    app.add_typer(records_app, name="records")
