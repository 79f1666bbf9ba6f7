"""Value equations, incomes and distributions as the API and pages show them: the equation in
force and its versions, where a document is wrong, splits (previews and recorded ones) with the
reason for every line, incomes and distributions in the order they were recorded.

Amounts are the exact decimal strings the node keeps; nothing here computes a payout (the node
and domain.accounting do), it only adds up lines and names recipients.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from multitude.accounts import Preview
from multitude.api.problems import Invalid, NotFound
from multitude.api.views.networks import EquationOut
from multitude.domain.accounting.distribution import Line
from multitude.domain.accounting.explanation import explanation
from multitude.domain.accounting.quantities import canonical_decimal
from multitude.domain.accounting.rows import DistributionRow, IncomeRow, PayoutRow
from multitude.domain.accounting.rules import currency_of
from multitude.domain.networks.rules import charter_of
from multitude.domain.rules import Rejected
from multitude.domain.state import NetworkRow
from multitude.errors import NodeError, Refused
from multitude.node import Node, Receipt
from multitude.store import STATUS_SPEC

__all__ = [
    "AmountText",
    "DistributionOut",
    "DistributionSummary",
    "EquationsOut",
    "IncomeOut",
    "RecipientTotal",
    "SplitLineOut",
    "SplitOut",
    "adopt_document",
    "check_document",
    "distribution_out",
    "distribution_summaries",
    "equation_invalid",
    "equation_place",
    "equations_of",
    "income_of",
    "incomes_of",
    "money_in",
    "preview_amount",
    "split_out",
]

AmountText = Annotated[str, Field(pattern=r"^\s*[0-9]{1,18}(\.[0-9]{1,12})?\s*$", max_length=40,
                                  description="an exact decimal as text, e.g. \"100\" or \"12.50\"")]
_LARGEST = Decimal("1E18")


class AdoptedEquation(EquationOut):
    digest: str
    in_force: bool


class EquationsOut(BaseModel):
    network: str
    in_force: EquationOut | None
    versions: list[AdoptedEquation]  # every version adopted, in version order


class SplitLineOut(BaseModel):
    """One line of a split: an amount to a recipient, by which network's equation, and why."""

    line: int  # from 1, in the order the split gives them
    recipient: str
    name: str
    amount: str
    network: str  # the network whose equation paid it (the top one, or a member network)
    network_name: str
    bucket: str  # "" for what no bucket paid out, which the network keeps
    claim: str  # equity | debt | once | recipient | kept
    reason: str  # how it was reached: the rule, its formula and the contributions it counted
    explanation: str  # the line's reason as one sentence, as `multitude explain` says it


class RecipientTotal(BaseModel):
    recipient: str
    name: str
    amount: str


class SplitOut(BaseModel):
    """A split computed on current data; nothing was recorded."""

    network: str
    amount: str
    currency: str
    equation: str  # the equation's name and version, or why there is none
    total: str  # the lines add up to the amount, exactly
    totals: list[RecipientTotal]  # largest first, then by name
    lines: list[SplitLineOut]
    result_digest: str


class IncomeOut(BaseModel):
    income: str
    network: str
    amount: str
    currency: str
    source: str
    paid_for: str  # "resource Kit", "process Batch", "plan p1", or ""
    distribution: str | None  # the distribution that split it, once there is one
    recorded: str  # when (the event's time)


class EquationRef(BaseModel):
    equation: str
    name: str
    version: int


class DistributionSummary(BaseModel):
    distribution: str
    network: str
    income: str
    source: str
    amount: str
    currency: str
    equation: EquationRef
    recorded: str


class DistributionOut(BaseModel):
    distribution: str
    network: str
    network_name: str
    amount: str
    currency: str
    recorded: str
    income: IncomeOut
    equation: EquationRef
    total: str
    totals: list[RecipientTotal]  # of every line, largest first, then by name
    lines: list[SplitLineOut]  # by line number; only `agent`'s when narrowed
    agent: str | None  # the member the lines are narrowed to


# -- equations -----------------------------------------------------------------------------

def equations_of(node: Node, row: NetworkRow) -> EquationsOut:
    versions = [AdoptedEquation(equation=eq.equation, name=eq.name, version=eq.version, document=eq.document,
                                digest=eq.digest, in_force=bool(eq.in_force))
                for eq in node.equations(row.network)]
    current = next((EquationOut(equation=v.equation, name=v.name, version=v.version, document=v.document)
                    for v in versions if v.in_force), None)
    return EquationsOut(network=row.network, in_force=current, versions=versions)


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_IN_BUCKET = re.compile(r"bucket (\d+)(?: \((?:[^()]|\([^()]*\))*\))?(?:, rule (\d+))?(?:\.(\w+))?")
_NAMED_BUCKET = re.compile(r"bucket ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")")
_TOP_KEY = re.compile(r"equation\.(\w+)")
_BUCKET = re.compile(r"^\s*\[\[\s*bucket\s*\]\]")
_RULE = re.compile(r"^\s*\[\[\s*bucket\s*\.\s*rule\s*\]\]")
_HEADER = re.compile(r"^\s*\[")


def _key_line(lines: Sequence[str], start: int, key: str) -> int | None:
    """The line (from 1) of `key = …` in the table beginning at index `start`."""
    wanted = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for index in range(start, len(lines)):
        if index > start and _HEADER.match(lines[index]):
            return None
        if wanted.match(lines[index]):
            return index + 1
    return None


def _nth(lines: Sequence[str], pattern: re.Pattern[str], count: int, start: int = 0,
         stop: re.Pattern[str] | None = None) -> int | None:
    seen = 0
    for index in range(start, len(lines)):
        if stop is not None and index > start and stop.match(lines[index]):
            return None
        if pattern.match(lines[index]):
            seen += 1
            if seen == count:
                return index
    return None


def equation_place(document: str, message: str) -> tuple[int | None, int | None]:
    """Where in `document` the problem `message` lies: (line, column) from 1, each None when
    unknown. TOML errors say it themselves; the equation's own errors name a bucket (by number
    or name), a rule and a key, found here in the document as written."""
    lines = document.splitlines()
    found = _TOML_AT.search(message)
    if found:
        return int(found.group(1)), int(found.group(2))
    if "(at end of document)" in message:
        return max(len(lines), 1), None
    found = _IN_BUCKET.search(message)
    if found:
        bucket = _nth(lines, _BUCKET, int(found.group(1)))
        if bucket is None:
            return None, None
        table = bucket
        if found.group(2):
            table = _nth(lines, _RULE, int(found.group(2)), bucket, stop=_BUCKET) or bucket
        key = _key_line(lines, table, found.group(3)) if found.group(3) else None
        return key or table + 1, None
    found = _NAMED_BUCKET.search(message)
    if found:
        name = ast.literal_eval(found.group(1))
        for number, text in enumerate(lines, 1):
            try:
                if tomllib.loads(text.strip()).get("name") == name:
                    return number, None
            except tomllib.TOMLDecodeError:
                continue
        return None, None
    found = _TOP_KEY.match(message)
    if found:
        first_table = next((i for i, text in enumerate(lines) if _HEADER.match(text)), len(lines))
        return _key_line(lines[:first_table], 0, found.group(1)), None
    return None, None


def equation_invalid(document: str, message: str) -> Invalid:
    """A document the node refused, as a 422 whose field says where: `document:12:5`
    (line and column), `document:12`, or `document` when the place is not known."""
    line, column = equation_place(document, message)
    if line is None:
        return Invalid(message, "document")
    if "(at line" not in message:
        message = f"{message} (at line {line})"
    return Invalid(message, f"document:{line}" + (f":{column}" if column else ""))


def check_document(node: Node, row: NetworkRow, document: str) -> None:
    """Whether `document` could be adopted here now; Invalid saying where it is wrong if not."""
    try:
        node.check_equation(row.network, document)
    except NodeError as error:
        raise equation_invalid(document, str(error)) from None


def adopt_document(node: Node, row: NetworkRow, document: str) -> Receipt:
    """Adopt `document` as `node`'s identity (Refused unless a custodian); Invalid saying where
    it is wrong when it cannot be adopted."""
    try:
        receipt: Receipt = node.adopt_equation(row.network, document)
    except Refused:
        raise
    except NodeError as error:
        raise equation_invalid(document, str(error)) from None
    return receipt


def preview_amount(node: Node, row: NetworkRow, amount: str, currency: str | None,
                   document: str | None = None) -> SplitOut:
    """The split of `amount` on current data, by the equation in force or by `document` (checked
    first as adoption would check it: the sandbox shows only what could be adopted)."""
    exact, code = money_in(row, amount, currency)
    if document is not None:
        check_document(node, row, document)
    try:
        return split_out(node, node.preview_split(row.network, exact, code, document))
    except NodeError as error:
        if document is None:
            raise
        raise equation_invalid(document, str(error)) from None


# -- amounts -------------------------------------------------------------------------------

_PLAIN_AMOUNT = re.compile(r"\s*[0-9]{1,18}(\.[0-9]{1,12})?\s*", re.ASCII)


def money_in(row: NetworkRow, amount: str, currency: str | None) -> tuple[str, str]:
    """An amount the network can account in, as (canonical amount, currency code); the currency
    is the network's first one when none is given. Invalid, naming the field, otherwise."""
    currencies = charter_of(row).currencies
    code = (currency or "").strip() or (currencies[0].code if currencies else "")
    if not code:
        raise Invalid(f"{row.name} uses no currency yet; a custodian adds one to its charter", "currency")
    try:
        chosen = currency_of(charter_of(row), code)
    except Rejected as error:
        raise Invalid(str(error), "currency") from None
    if not _PLAIN_AMOUNT.fullmatch(amount):  # what the API's pattern allows, for the pages' forms too
        raise Invalid(f"amount: {amount.strip()[:40]!r} is not an amount such as 100 or 12.50", "amount")
    try:
        exact = canonical_decimal(amount, "amount")
    except ValueError as error:
        raise Invalid(str(error), "amount") from None
    if Decimal(exact) == 0:
        raise Invalid("amount: must be more than 0", "amount")
    if Decimal(exact) >= _LARGEST:
        raise Invalid(f"amount: {exact} is too large", "amount")
    if len(exact.partition(".")[2]) > chosen.decimals:
        raise Invalid(f"amount: {chosen.code} has {chosen.decimals} decimals; {exact} has more", "amount")
    return exact, chosen.code


# -- splits --------------------------------------------------------------------------------

def _line_out(node: Node, number: int, line: Line | PayoutRow) -> SplitLineOut:
    amount = format(line.amount, "f") if isinstance(line.amount, Decimal) else line.amount
    return SplitLineOut(line=number, recipient=line.recipient, name=node.name_of(line.recipient), amount=amount,
                        network=line.network, network_name=node.name_of(line.network), bucket=line.bucket,
                        claim=line.claim, reason=line.basis,
                        explanation=explanation(line.bucket, line.claim, line.basis))


def _totals(node: Node, lines: Iterable[SplitLineOut]) -> tuple[str, list[RecipientTotal]]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        sums[line.recipient] += Decimal(line.amount)
    named = [RecipientTotal(recipient=who, name=node.name_of(who), amount=format(amount, "f"))
             for who, amount in sums.items()]
    named.sort(key=lambda total: (-Decimal(total.amount), total.name, total.recipient))
    return format(sum(sums.values(), Decimal(0)), "f"), named


def split_out(node: Node, preview: Preview) -> SplitOut:
    lines = [_line_out(node, number, line) for number, line in enumerate(preview.split.lines, 1)]
    total, totals = _totals(node, lines)
    return SplitOut(network=preview.network, amount=format(preview.amount, "f"), currency=preview.currency,
                    equation=preview.equation, total=total, totals=totals, lines=lines,
                    result_digest=preview.split.result_digest)


# -- incomes and distributions -------------------------------------------------------------

def _recorded(node: Node, ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    """(position in the projection, event time) of recorded events."""
    return {row[0]: (row[6] or 0, row[4] or "") for row in node.store.rows_in(STATUS_SPEC, "event", list(ids))}


def _paid_for(node: Node, row: IncomeRow) -> str:
    state = node.projector.state
    if row.resource:
        resource = state.resources.get((row.resource,))
        return f"resource {resource.name if resource else row.resource[:12]}"
    if row.process:
        process = state.processes.get((row.process,))
        return f"process {process.name if process else row.process[:12]}"
    return f"plan {row.plan}" if row.plan else ""


def _income_out(node: Node, row: IncomeRow, recorded: str) -> IncomeOut:
    return IncomeOut(income=row.income, network=row.network, amount=row.amount, currency=row.currency,
                     source=row.source, paid_for=_paid_for(node, row), distribution=row.distribution or None,
                     recorded=recorded)


def incomes_of(node: Node, network: str) -> list[IncomeOut]:
    """A network's incomes in the order they were recorded."""
    rows = node.incomes(network)
    recorded = _recorded(node, (row.income for row in rows))
    return [_income_out(node, row, recorded.get(row.income, (0, ""))[1]) for row in rows]


def income_of(node: Node, network: str, ref: str) -> IncomeRow:
    """An income of the network by id or id prefix; 404 otherwise."""
    node.incomes(network)  # brings the projection up to date
    try:
        return node.income(network, ref)
    except NodeError as error:
        raise NotFound(str(error)) from None


def _equation_ref(node: Node, row: DistributionRow) -> EquationRef:
    found = node.equation_row(row.network, row.equation)
    return EquationRef(equation=row.equation, name=found.name if found else "", version=found.version if found else 0)


def distribution_summaries(node: Node, network: str) -> list[DistributionSummary]:
    """A network's distributions in the order they were recorded."""
    rows = node.distributions(network)
    recorded = _recorded(node, (row.distribution for row in rows))
    state = node.projector.state
    return [DistributionSummary(distribution=row.distribution, network=row.network, income=row.income,
                                source=state.incomes[(row.income,)].source if (row.income,) in state.incomes else "",
                                amount=row.amount, currency=row.currency, equation=_equation_ref(node, row),
                                recorded=recorded.get(row.distribution, (0, ""))[1])
            for row in rows]


def distribution_out(node: Node, row: DistributionRow, agent: str | None = None) -> DistributionOut:
    """A distribution with every line and its reason; `agent` (already resolved) narrows the lines."""
    every = [_line_out(node, line.line, line) for line in node.payout_lines(row.distribution)]
    total, totals = _totals(node, every)
    recorded = _recorded(node, (row.distribution, row.income))
    income = _income_out(node, node.income(row.network, row.income), recorded.get(row.income, (0, ""))[1])
    return DistributionOut(
        distribution=row.distribution, network=row.network, network_name=node.name_of(row.network),
        amount=row.amount, currency=row.currency, recorded=recorded.get(row.distribution, (0, ""))[1],
        income=income, equation=_equation_ref(node, row), total=total, totals=totals,
        lines=[line for line in every if agent is None or line.recipient == agent], agent=agent)
