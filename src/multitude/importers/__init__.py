"""Importers: records people already keep (a git history, a timesheet) logged as contributions.

Each importer (`git`, `timesheet`) reads its records without touching the node, then logs them
through the node and returns a report (`contributors`). Importers import no front end (no
typer, no rich): progress goes out through a callback.
"""
