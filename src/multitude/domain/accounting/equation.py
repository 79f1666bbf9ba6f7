"""Value equations: the TOML document a network adopts, read into buckets, filters and rules.

An equation is refused with a message that names the bucket and rule at fault; it is never
"repaired" (a bucket over 100% is an error, not a bucket that silently grows). Formulas are
read by `formula`, never evaluated with Python's eval. What the equation does to an income is
in `distribution`.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import itertools
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from multitude.domain.accounting.bodies import ACTIONS
from multitude.domain.accounting.formula import Formula, FormulaError, parse
from multitude.domain.accounting.quantities import EXACT

__all__ = [
    "CLAIMS",
    "VARIABLES",
    "Bucket",
    "Equation",
    "EquationError",
    "Filter",
    "Rule",
    "parse_equation",
]

# What a rule's formula may use, and of which type; each is known for every contribution.
VARIABLES: Mapping[str, str] = {
    "action": "text",
    "hours": "number",  # effort or duration; 0 when the action has none
    "quantity": "number",  # units consumed or produced, value cited; 0 when none
    "value": "number",  # the contribution's own value: hours × rate, use × value per unit of use,
    #                    quantity × value per unit, the value cited, the money transferred
    "rate": "number",
    "percent": "number",
    "value_per_unit": "number",
    "value_per_unit_of_use": "number",
    "days_ago": "number",  # whole days between the contribution and the distribution
    "skill": "text",
    "spec": "text",  # the resource specification of the resource used, consumed or cited
}
CLAIMS = ("equity", "debt", "once")
_MODES = ("straight", "remaining")
_MAX_VERSION = 1_000_000
_TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")  # as contributions write them
_FILTER_KEYS = ("actions", "specs", "tags", "skills", "roles", "from", "until")


class EquationError(ValueError):
    """Why an equation cannot be adopted; the message names the place in the document."""


@dataclass(frozen=True)
class Filter:
    """Which contributions a bucket or rule looks at; None means any."""

    actions: frozenset[str] | None = None
    specs: frozenset[str] | None = None
    tags: tuple[frozenset[str], ...] = ()  # for each set, at least one of its tags
    skills: frozenset[str] | None = None
    roles: tuple[frozenset[str], ...] = ()  # for each set, the contributor holds at least one of its roles
    since: str | None = None  # first day counted, YYYY-MM-DD
    until: str | None = None  # last day counted

    def narrowed(self, other: Filter) -> Filter:
        """Both filters at once: a contribution must match each."""

        def both(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
            return b if a is None else a if b is None else a & b

        since = max((d for d in (self.since, other.since) if d), default=None)
        until = min((d for d in (self.until, other.until) if d), default=None)
        return Filter(both(self.actions, other.actions), both(self.specs, other.specs),
                      self.tags + other.tags, both(self.skills, other.skills),
                      self.roles + other.roles, since, until)

    def holds(self, roles_held: Callable[[str], bool]) -> bool:
        """Whether a contributor for whom `roles_held(role)` answers passes the roles filter."""
        return all(any(roles_held(role) for role in wanted) for wanted in self.roles)


@dataclass(frozen=True)
class Rule:
    """How a bucket values the contributions that match: a formula, and the kind of claim it makes."""

    where: str  # e.g. "bucket 2 (contributors), rule 1"
    filter: Filter
    formula: Formula
    claim: str  # equity | debt | once
    cap_per_agent: Decimal | None


@dataclass(frozen=True)
class Bucket:
    name: str
    percent: Decimal
    mode: str  # straight: of the income | remaining: of what earlier buckets left
    recipient: str | None  # "network", an agent or a member network; None when rules decide
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Equation:
    name: str
    version: int
    buckets: tuple[Bucket, ...]
    digest: str  # SHA-256 of the document as adopted

    def formulas(self) -> list[Rule]:
        return [rule for bucket in self.buckets for rule in bucket.rules]


def _number(value: Any, where: str, places: int, largest: Decimal) -> Decimal:
    """A number of at most `places` decimals and below `largest`."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise EquationError(f"{where}: expected a number, got {value!r}")
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise EquationError(f"{where}: {value!r} is not a number") from None
    if not number.is_finite():
        raise EquationError(f"{where}: {value!r} is not a finite number")
    if number.copy_abs() >= largest:  # comparisons are exact; abs() would round in the caller's context
        raise EquationError(f"{where}: {value} is too large (at most {largest:.0E})")
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # a finite number
    exponent += len(digits) - len("".join(map(str, digits)).rstrip("0") or "0")  # trailing zeros are not decimals
    if number and exponent < -places:
        raise EquationError(f"{where}: {value} has more than {places} decimals")
    return number


def _names(value: Any, where: str, allowed: tuple[str, ...] | None = None) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        raise EquationError(f"{where}: expected a non-empty list of names")
    if allowed is not None:
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise EquationError(f"{where}: unknown {', '.join(map(repr, unknown))} (known: {', '.join(allowed)})")
    return frozenset(value)


def _day(value: Any, where: str) -> str:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # not a date: refused below
            return datetime.date.fromisoformat(value).isoformat()
    raise EquationError(f"{where}: expected a date like 2026-05-01")


def _filter(table: Mapping[str, Any], where: str) -> Filter:
    found = {key: table[key] for key in _FILTER_KEYS if key in table}
    since = _day(found["from"], f"{where}.from") if "from" in found else None
    until = _day(found["until"], f"{where}.until") if "until" in found else None
    if since and until and since > until:
        raise EquationError(f"{where}: 'from' {since} is after 'until' {until}")

    def names(key: str, allowed: tuple[str, ...] | None = None) -> frozenset[str] | None:
        return _names(found[key], f"{where}.{key}", allowed) if key in found else None

    tags, roles = names("tags"), names("roles")
    for tag in sorted(tags or ()):
        if not _TAG.match(tag):
            raise EquationError(f"{where}.tags: {tag!r} is not a tag (lower-case letters, digits, - and _)")
    return Filter(names("actions", ACTIONS), names("specs"), (tags,) if tags else (), names("skills"),
                  (roles,) if roles else (), since, until)


def _keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise EquationError(f"{where}: unknown key {', '.join(map(repr, unknown))} (known: {', '.join(allowed)})")


_RULE_KEYS = ("value", "claim", "cap_per_agent", *_FILTER_KEYS)
_BUCKET_KEYS = ("name", "percent", "mode", "recipient", "rule", "filter")


def _rule(table: Any, where: str, bucket_filter: Filter) -> Rule:
    if not isinstance(table, dict):
        raise EquationError(f"{where}: expected a table")
    _keys(table, _RULE_KEYS, where)
    if "value" not in table or not isinstance(table["value"], str):
        raise EquationError(f"{where}: needs value = \"a formula\", e.g. value = \"hours * 20\"")
    try:
        formula = parse(table["value"], VARIABLES)
    except FormulaError as error:
        raise EquationError(f"{where}.value: {error}") from None
    claim = table.get("claim", "equity")
    if claim not in CLAIMS:
        raise EquationError(f"{where}.claim: {claim!r} is not one of {', '.join(CLAIMS)}")
    cap = None
    if "cap_per_agent" in table:
        cap = _number(table["cap_per_agent"], f"{where}.cap_per_agent", 12, Decimal("1E18"))
        if cap <= 0:
            raise EquationError(f"{where}.cap_per_agent: must be more than 0")
    narrowed = bucket_filter.narrowed(_filter(table, where))
    if narrowed.since and narrowed.until and narrowed.since > narrowed.until:
        raise EquationError(f"{where}: its dates and its bucket's dates have no day in common")
    for field in ("actions", "specs", "skills"):
        if getattr(narrowed, field) == frozenset():
            raise EquationError(f"{where}: its {field} and its bucket's {field} have none in common")
    return Rule(where, narrowed, formula, claim, cap)


def _bucket(table: Any, index: int) -> Bucket:
    where = f"bucket {index}"
    if not isinstance(table, dict):
        raise EquationError(f"{where}: expected a table")
    _keys(table, _BUCKET_KEYS, where)
    name = table.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 60:
        raise EquationError(f"{where}: needs a name (at most 60 characters)")
    where = f"bucket {index} ({name})"
    if "percent" not in table:
        raise EquationError(f"{where}: needs percent")
    percent = _number(table["percent"], f"{where}.percent", 6, Decimal(1000))
    if not Decimal(0) < percent <= 100:
        raise EquationError(f"{where}.percent: {percent} is not more than 0 and at most 100")
    mode = table.get("mode", "straight")
    if mode not in _MODES:
        raise EquationError(f"{where}.mode: {mode!r} is not one of {', '.join(_MODES)}")
    recipient = table.get("recipient")
    rules = table.get("rule", [])
    if not isinstance(rules, list):
        raise EquationError(f"{where}.rule: write rules as [[bucket.rule]] tables")
    if (recipient is None) == (not rules):
        raise EquationError(f"{where}: give either a recipient or rules ([[bucket.rule]]), not both or neither")
    if recipient is not None and not (recipient == "network" or (isinstance(recipient, str) and _is_id(recipient))):
        raise EquationError(f"{where}.recipient: {recipient!r} is neither \"network\" nor an agent or network id")
    filter_table = table.get("filter", {})
    if not isinstance(filter_table, dict):
        raise EquationError(f"{where}.filter: expected a table")
    _keys(filter_table, _FILTER_KEYS, f"{where}.filter")
    bucket_filter = _filter(filter_table, f"{where}.filter")
    parsed = tuple(_rule(rule, f"{where}, rule {n}", bucket_filter) for n, rule in enumerate(rules, 1))
    return Bucket(name, percent, mode, recipient, parsed)


def _is_id(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def parse_equation(document: str) -> Equation:
    """Read and check an equation document; raise EquationError naming what is wrong."""
    try:
        data = tomllib.loads(document, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise EquationError(f"the document is not valid TOML: {error}") from None
    except RecursionError:
        raise EquationError("the document nests tables or arrays too deeply") from None
    _keys(data, ("name", "version", "bucket"), "equation")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        raise EquationError("equation: needs a name (at most 120 characters)")
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= _MAX_VERSION:
        raise EquationError(f"equation.version: expected a whole number from 1 to {_MAX_VERSION}")
    tables = data.get("bucket")
    if not isinstance(tables, list) or not tables:
        raise EquationError("equation: needs at least one bucket ([[bucket]])")
    if len(tables) > 32:
        raise EquationError("equation: at most 32 buckets")
    buckets = tuple(_bucket(table, index) for index, table in enumerate(tables, 1))
    names = [bucket.name for bucket in buckets]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise EquationError(f"equation: bucket names must differ ({', '.join(repeated)} repeats)")
    for earlier, later in itertools.pairwise(buckets):
        if earlier.mode == "remaining" and later.mode == "straight":
            raise EquationError(f"bucket {later.name!r} takes a straight share after the remaining bucket "
                                f"{earlier.name!r}; put straight buckets first, as what remains is shared last")
    straight = Decimal(0)
    for bucket in buckets:
        if bucket.mode == "straight":
            straight = EXACT.add(straight, bucket.percent)
    if straight > 100:
        raise EquationError(f"equation: the straight buckets take {straight}% of the income, more than 100%")
    if sum(len(b.rules) for b in buckets) > 64:
        raise EquationError("equation: at most 64 rules in all")
    return Equation(name, version, buckets, hashlib.sha256(document.encode()).hexdigest())
