"""The tally contract: a contributions table kept in the store (`Tallies`, answered in SQL) gives
the same groups as the in-memory definition (`tally` over a dict) for every query, on every
store adapter; `StoredTable` behaves as a mapping; and a fold through the projector (rows kept
in the store) pays what the pure fold pays.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import replace
from decimal import Context, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from story import Ledger, entries, fold, payouts, person

from multitude.domain.accounting.bodies import ACTIONS
from multitude.domain.accounting.equation import Filter
from multitude.domain.accounting.quantities import PICO, canonical_decimal
from multitude.domain.accounting.rows import ContributionRow, PayoutRow
from multitude.domain.accounting.tally import Group, TallyQuery, group_order, tally
from multitude.projection import Projector, state_digest
from multitude.projection.stored import StoredTable, Tallies
from multitude.projection.tables import FINGERPRINT, STATE_SPECS
from multitude.store import Store, TableSpec

SPECS_BY_NAME = {spec.name: spec for spec in STATE_SPECS}
CONTRIBUTIONS = SPECS_BY_NAME["contributions"]
PAYOUTS = SPECS_BY_NAME["payouts"]
_WIDE = Context(prec=200)  # to build exact decimals for the strategies

NETWORKS = ("n" * 64, "m" * 64, "k" * 64)
STATUSES = ("validated", "pending", "flagged")
AGENTS = ("a" * 64, "b" * 64, "c" * 64)
RESOURCES = (None, "r1", "r2")  # None: the contribution names none
PROCESSES = (None, "p1", "p2")
ASKED_RESOURCES = ("", "r1", "r2", "r3")  # what a query may ask for ("" names no row)
ASKED_PROCESSES = ("", "p1", "p2", "p3")
SPECS = ("", "wood", "steel")
SKILLS = ("", "cook", "code")
# Tags as contributions carry them (the body's Tag pattern: [a-z0-9][a-z0-9_-]*), chosen so that
# one differs from another only where LIKE reads a wildcard (`_` matches any one character).
ROW_TAGS = ("a", "b", "a-b", "a_b", "ab", "x1")
# Tags as an equation asks for them (equation._names accepts any non-empty string).
QUERY_TAGS = (*ROW_TAGS, "a_", "A", "%")
DAYS = tuple((datetime.date(2026, 4, 28) + datetime.timedelta(days=n)).isoformat() for n in range(8))
COLUMNS = ContributionRow._fields


def _value(whole: int, pico: int) -> str:
    text: str = canonical_decimal(_WIDE.add(Decimal(whole), _WIDE.divide(Decimal(pico), Decimal(PICO))))
    return text


_WHOLE = st.one_of(st.integers(0, 1000), st.integers(0, 10**15 - 1), st.integers(0, 10**18))
_PICO = st.one_of(st.just(0), st.integers(0, PICO - 1), st.sampled_from([1, PICO // 2, PICO - 1]))
_NETWORK = st.sampled_from((*NETWORKS, NETWORKS[0], NETWORKS[0]))  # most in one, so groups fill
_ROW_TAGS = st.lists(st.sampled_from(ROW_TAGS), unique=True, max_size=3)


def _contribution(whole: int, pico: int, micro: int, resource: str | None, contributor: str, held_by_resource: bool,
                  tags: list[str], rest: tuple[Any, ...]) -> ContributionRow:
    network, action, quantity, rate, percent, per_unit, per_use, skill, spec, process, plan, day, status, approvals, \
        flags = rest
    return ContributionRow(
        network=network,
        contribution="",  # numbered by `contributions`
        contributor=contributor,
        holder=f"resource:{resource or 'r0'}" if held_by_resource else contributor,
        action=action,
        hours=canonical_decimal(Decimal(micro).scaleb(-6)),
        quantity=quantity,
        value=_value(whole, pico),
        value_high=whole // 10**9,
        value_low=whole % 10**9,
        value_pico=pico,
        hours_micro=micro,
        rate=rate,
        percent=percent,
        value_per_unit=per_unit,
        value_per_unit_of_use=per_use,
        skill=skill,
        spec=spec,
        resource=resource,
        process=process,
        plan=plan,
        tags="," + ",".join(sorted(tags)) + "," if tags else "",
        day=day,
        status=status,
        approvals=approvals,
        flags=flags,
        event="",
    )


_CONTRIBUTION = st.builds(
    _contribution,
    _WHOLE,
    _PICO,
    st.integers(0, 1000 * 10**6),
    st.sampled_from(RESOURCES),
    st.sampled_from(AGENTS),
    st.booleans(),
    _ROW_TAGS,
    st.tuples(
        _NETWORK,
        st.sampled_from(ACTIONS),
        st.sampled_from(("0", "1", "2.5")),
        st.sampled_from(("0", "20", "12.25")),
        st.sampled_from(("0", "10")),
        st.sampled_from(("0", "3")),
        st.sampled_from(("0", "0.5")),
        st.sampled_from(SKILLS),
        st.sampled_from(SPECS),
        st.sampled_from(PROCESSES),
        st.sampled_from(("", "plan")),
        st.sampled_from(DAYS),
        st.sampled_from((*STATUSES, "validated", "validated")),  # most count, so groups fill
        st.integers(0, 2),
        st.integers(0, 1),
    ),
)


def _numbered(rows: list[ContributionRow]) -> list[ContributionRow]:
    return [row._replace(contribution=f"{n:064x}", event=f"{n:064x}") for n, row in enumerate(rows)]


contributions = st.lists(_CONTRIBUTION, max_size=25).map(_numbered)


def _any_of(values: tuple[str, ...]) -> st.SearchStrategy[frozenset[str] | None]:
    return st.one_of(st.none(), st.frozensets(st.sampled_from(values), max_size=len(values)))


_QUERY_TAG = st.sampled_from(QUERY_TAGS)
_DAY = st.one_of(st.none(), st.sampled_from(DAYS))
_FILTER = st.builds(
    Filter,
    actions=_any_of(ACTIONS),
    specs=_any_of(SPECS),
    tags=st.lists(st.frozensets(st.deferred(lambda: _QUERY_TAG), min_size=1, max_size=3), max_size=2).map(tuple),
    skills=_any_of(SKILLS),
    since=_DAY,
    until=_DAY,
)


def _comparable(query: TallyQuery) -> TallyQuery:
    """Groups are sorted, and None (no process, no resource) does not sort among names: a query
    grouped by process or resource asks for contributions that name one (as rollup does)."""
    if "process" in query.columns and query.process is None:
        query = replace(query, process=frozenset(ASKED_PROCESSES))
    if "resource" in query.columns and query.resource is None:
        query = replace(query, resource=frozenset(ASKED_RESOURCES))
    return query


queries = st.builds(
    TallyQuery,
    network=_NETWORK,
    filter=_FILTER,
    columns=st.lists(st.sampled_from(COLUMNS), unique=True, max_size=4).map(tuple),
    process=_any_of(ASKED_PROCESSES),
    resource=_any_of(ASKED_RESOURCES),
    sums=st.lists(st.sampled_from(("value", "hours")), unique=True, max_size=2).map(tuple),
    by_contributor=st.booleans(),
).map(_comparable)


def _prepared(store: Store) -> Tallies:
    store.prepare_projection(STATE_SPECS, FINGERPRINT)
    return Tallies(store, CONTRIBUTIONS, ContributionRow)


def _written(store: Store, rows: list[ContributionRow]) -> Tallies:
    store.clear_projection([CONTRIBUTIONS])
    table = Tallies(store, CONTRIBUTIONS, ContributionRow)
    with store.batch():
        for row in rows:
            table[(row.network, row.contribution)] = row
        table.write()
    return table


def _in_memory(rows: list[ContributionRow], query: TallyQuery) -> list[Group]:
    groups: list[Group] = sorted(tally({(row.network, row.contribution): row for row in rows}, query),
                                 key=group_order)
    return groups


def _assert_same(found: Iterable[Group], wanted: Iterable[Group], query: TallyQuery) -> None:
    stored, expected = sorted(found, key=group_order), sorted(wanted, key=group_order)

    def shape(groups: list[Group]) -> list[tuple[Any, ...]]:
        return [(g.holder, g.contributor, g.action, g.values, g.count) for g in groups]

    assert shape(stored) == shape(expected), query
    for got, want in zip(stored, expected, strict=True):
        assert len(got.sums) == len(want.sums) == len(query.sums), query
        for summed, a, b in zip(query.sums, got.sums, want.sums, strict=True):
            assert a == b, (summed, a, b, got, query)


# -- 1. the SQL tally is the in-memory tally ---------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])  # explaining runs thousands
@given(rows=contributions, asked=st.lists(queries, min_size=1, max_size=5))
def test_the_stored_tally_is_the_in_memory_tally(store: Store, rows: list[ContributionRow],
                                                 asked: list[TallyQuery]) -> None:
    store.prepare_projection(STATE_SPECS, FINGERPRINT)
    table = _written(store, rows)
    for query in asked:
        _assert_same(table.tally(query), _in_memory(rows, query), query)


def _row(number: int, value: str = "1", *, network: str = NETWORKS[0], tags: str = "", hours: str = "1",
         status: str = "validated", action: str = "work", contributor: str = AGENTS[0],
         process: str | None = None) -> ContributionRow:
    whole, pico = divmod(int(_WIDE.multiply(Decimal(value), Decimal(PICO))), PICO)
    micro = int(Decimal(hours).scaleb(6))
    return ContributionRow(network, f"{number:064x}", contributor, contributor, action, hours, "0", value,
                           *divmod(whole, 10**9), pico, micro, "0", "0", "0", "0", "", "", None, process, "", tags,
                           DAYS[0], status, 0, 0, f"{number:064x}")


def test_sums_keep_every_digit_of_large_values(store: Store) -> None:
    """Money one contributes has up to 15 digits and 12 decimals; a group of a few such values
    has more than the 28 significant digits of Python's default decimal context."""
    store.prepare_projection(STATE_SPECS, FINGERPRINT)
    rows = [_row(n, "999999999999999.999999999999") for n in range(12)]
    table = _written(store, rows)
    query = TallyQuery(NETWORKS[0], Filter(), (), sums=("value",))
    expected = _in_memory(rows, query)
    assert expected[0].sums == (Decimal("11999999999999999.999999999988"),)
    _assert_same(table.tally(query), expected, query)


@pytest.mark.parametrize(("asked", "stored"), [("a_b", "a-b"), ("a_", "ab"), ("A", "a"), ("%", "b")])
def test_a_tag_filter_matches_the_tag_itself_only(store: Store, asked: str, stored: str) -> None:
    """LIKE reads `_` and `%` as wildcards (and SQLite's LIKE ignores case); a tag filter asks for
    the tag as written, as the in-memory tally does."""
    store.prepare_projection(STATE_SPECS, FINGERPRINT)
    rows = [_row(1, tags=f",{stored},")]
    table = _written(store, rows)
    query = TallyQuery(NETWORKS[0], Filter(tags=(frozenset({asked}),)), ("tags",), sums=("value",))
    assert _in_memory(rows, query) == []
    _assert_same(table.tally(query), [], query)


@pytest.mark.parametrize("asked", [{"process": frozenset()}, {"resource": frozenset()},
                                   {"process": frozenset({"p1"}), "resource": frozenset()}])
def test_a_query_for_no_process_or_resource_finds_nothing(store: Store, asked: dict[str, frozenset[str]]) -> None:
    """An empty any-of set matches no contribution (the SQL reads it as `1 = 0`)."""
    store.prepare_projection(STATE_SPECS, FINGERPRINT)
    rows = [_row(1, process="p1"), _row(2)]
    table = _written(store, rows)
    query = TallyQuery(NETWORKS[0], Filter(), (), sums=("value",), **asked)
    assert _in_memory(rows, query) == []
    _assert_same(table.tally(query), [], query)


# -- 2. sums past the database's integers --------------------------------------------------------


def test_sqlite_sums_past_64_bit_integers_exactly(sqlite_url: str) -> None:
    from multitude.store import open_store

    store = open_store(sqlite_url)
    try:
        store.prepare_projection(STATE_SPECS, FINGERPRINT)
        # one group (holder, contributor, action) past 2**63
        rows = [_row(n, str(4 * 10**18), hours="1000", process="p0") for n in range(3)]
        rows.append(_row(3, "2", contributor=AGENTS[1]))
        assert sum(row.value_high * 10**9 + row.value_low for row in rows[:3]) > 2**63
        table = _written(store, rows)
        for columns in ((), ("day",), ("contributor", "hours")):
            for by_contributor in (True, False):
                query = TallyQuery(NETWORKS[0], Filter(), columns, sums=("value", "hours"),
                                   by_contributor=by_contributor)
                _assert_same(table.tally(query), _in_memory(rows, query), query)
        whole = TallyQuery(NETWORKS[0], Filter(), (), sums=("value",))
        assert [(g.contributor, g.count, g.sums) for g in sorted(table.tally(whole), key=group_order)] == [
            (AGENTS[0], 3, (Decimal(12 * 10**18),)), (AGENTS[1], 1, (Decimal(2),))
        ]
        # the fallback keeps the WHERE: what it leaves out is not summed
        only = TallyQuery(NETWORKS[0], Filter(actions=frozenset({"work"})), (), process=frozenset({"p0"}),
                          sums=("value",))
        assert [(g.contributor, g.count, g.sums) for g in table.tally(only)] == [(AGENTS[0], 3, (12 * 10**18,))]
        _assert_same(table.tally(only), _in_memory(rows, only), only)
        none = TallyQuery(NETWORKS[0], Filter(actions=frozenset({"use"})), (), sums=("value",))
        assert list(table.tally(none)) == []
    finally:
        store.close()


def test_sqlite_sums_past_64_bit_integers_keep_their_decimals(sqlite_url: str) -> None:
    from multitude.store import open_store

    store = open_store(sqlite_url)
    try:
        store.prepare_projection(STATE_SPECS, FINGERPRINT)
        rows = [_row(n, f"{4 * 10**18}.000000000001") for n in range(3)]
        table = _written(store, rows)
        query = TallyQuery(NETWORKS[0], Filter(), (), sums=("value",))
        expected = _in_memory(rows, query)
        assert expected[0].sums == (Decimal("12000000000000000000.000000000003"),)
        _assert_same(table.tally(query), expected, query)
    finally:
        store.close()


# -- 3. StoredTable is a MutableMapping ------------------------------------------------------------


def test_a_stored_table_behaves_as_a_mutable_mapping(store: Store) -> None:
    table = _prepared(store)
    one, two, three = _row(1), _row(2, "2.5"), _row(3, network=NETWORKS[1])
    key = (one.network, one.contribution)
    with pytest.raises(KeyError):
        table[key]
    assert table.get(key) is None
    assert key not in table
    assert len(table) == 0
    with store.batch():
        for row in (one, two, three):
            table[(row.network, row.contribution)] = row
        assert table[key] == one  # read back before it is written
        assert key in table
        table.write()
    assert store.rows(CONTRIBUTIONS, {"contribution": one.contribution}) == [tuple(one)]
    fresh = Tallies(store, CONTRIBUTIONS, ContributionRow)
    assert fresh[key] == one and isinstance(fresh[key], ContributionRow)
    assert fresh.get((three.network, three.contribution)) == three
    assert len(fresh) == 3
    assert sorted(fresh) == sorted((r.network, r.contribution) for r in (one, two, three))
    assert sorted(fresh.items()) == sorted(((r.network, r.contribution), r) for r in (one, two, three))
    assert sorted(fresh.select(network=NETWORKS[0])) == sorted([one, two])
    assert fresh.select(network=NETWORKS[2]) == []

    with store.batch():
        fresh[key] = one._replace(status="flagged")
        del fresh[(two.network, two.contribution)]
        assert (two.network, two.contribution) not in fresh
        with pytest.raises(KeyError):
            fresh[(two.network, two.contribution)]
        with pytest.raises(KeyError):
            del fresh[(two.network, two.contribution)]
        with pytest.raises(KeyError):
            del fresh[(NETWORKS[2], "0" * 64)]
        fresh.write()
    assert sorted(store.rows(CONTRIBUTIONS)) == sorted([tuple(one._replace(status="flagged")), tuple(three)])
    assert len(fresh) == 2
    again = Tallies(store, CONTRIBUTIONS, ContributionRow)
    assert (two.network, two.contribution) not in again
    assert again[key].status == "flagged"
    assert again.pop(key).status == "flagged"
    with store.batch():
        again.write()
    assert store.rows(CONTRIBUTIONS) == [tuple(three)]


def test_a_row_set_then_deleted_before_a_write_is_never_stored(store: Store) -> None:
    table = _prepared(store)
    row = _row(1)
    with store.batch():
        table[(row.network, row.contribution)] = row
        del table[(row.network, row.contribution)]
        table.write()
    assert store.rows(CONTRIBUTIONS) == []
    assert (row.network, row.contribution) not in table


def test_a_stored_table_writes_on_its_own_when_many_rows_wait(store: Store) -> None:
    store.prepare_projection(STATE_SPECS, FINGERPRINT)
    table = StoredTable(store, CONTRIBUTIONS, ContributionRow, limit=5)
    rows = [_row(n) for n in range(12)]
    with store.batch():
        for row in rows:
            table[(row.network, row.contribution)] = row
        assert len(store.rows(CONTRIBUTIONS)) >= 10  # before any explicit write
        assert len(table.dirty) < 5
        table.write()
    assert sorted(store.rows(CONTRIBUTIONS)) == sorted(tuple(row) for row in rows)
    # Reading many rows keeps at most about `limit` of them cached.
    reader = StoredTable(store, CONTRIBUTIONS, ContributionRow, limit=5)
    for row in rows:
        assert reader[(row.network, row.contribution)] == row
    assert len(reader.cache) <= 5


def test_forget_drops_unwritten_rows(store: Store) -> None:
    table = _prepared(store)
    kept, dropped = _row(1), _row(2)
    with store.batch():
        table[(kept.network, kept.contribution)] = kept
        table.write()
    table[(dropped.network, dropped.contribution)] = dropped
    del table[(kept.network, kept.contribution)]
    table.forget()
    assert not table.dirty and not table.cache
    assert (dropped.network, dropped.contribution) not in table
    assert table[(kept.network, kept.contribution)] == kept
    assert len(table) == 1
    assert store.rows(CONTRIBUTIONS) == [tuple(kept)]


# -- 4. the projector's fold (rows in the store) pays what the pure fold pays ---------------------

ana, ben, cleo, dan = person("ana"), person("ben"), person("cleo"), person("dan")

EQUATION = """
name = "Tallied"
version = 1

[[bucket]]
name = "fund"
percent = 10
recipient = "network"

[[bucket]]
name = "loans"
percent = 30
  [[bucket.rule]]
  actions = ["transfer"]
  value = "value"
  claim = "debt"

[[bucket]]
name = "builders"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  actions = ["work"]
  tags = ["build", "fix"]
  value = "value * 2"
  [[bucket.rule]]
  actions = ["work", "deliverService"]
  skills = ["cook"]
  value = "hours"
  [[bucket.rule]]
  actions = ["transfer"]
  value = "value * 4"
"""


def _story() -> tuple[Ledger, str, list[str]]:
    story = Ledger()
    lab = story.camp(ana, "Lab")
    for key in (ben, cleo, dan):
        story.join(key, lab)
    story.work(ben, lab, "10", rate="20", tags=["build"])
    story.work(cleo, lab, "5.5", rate="12.25", skill="cook", tags=["fix", "kitchen"])
    story.work(dan, lab, "2.25", rate="30", tags=["b_ild"])
    story.sign(dan, "contribution.logged", lab, action="deliverService", hours="3", skill="cook")
    story.give(ana, lab, "transfer", amount="100.5", currency="EUR")
    story.work(ben, lab, "2.333333", rate="30.123457", tags=["build"])  # a value with 12 decimals
    story.adopt(ana, lab, EQUATION)
    first = story.distribute(ana, lab, story.income(ana, lab, "1000")).id
    story.work(ben, lab, "1.5", rate="20", tags=["fix"])
    story.give(cleo, lab, "transfer", amount="20", currency="EUR")
    second = story.distribute(ana, lab, story.income(ana, lab, "333.33")).id
    return story, lab, [first, second]


def _payout_rows(rows: list[tuple[Any, ...]]) -> list[PayoutRow]:
    return sorted(PayoutRow(*row) for row in rows)


def _table(store: Store, spec: TableSpec) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in store.rows(spec))


def test_the_projector_pays_what_the_pure_fold_pays(store: Store) -> None:
    story, _, distributions = _story()
    state, statuses = fold(story.events)
    assert set(statuses.values()) == {"applied"}, statuses
    expected = sorted(state.payouts.values())
    assert {payouts(state, d) != {} for d in distributions} == {True}

    projector = Projector(store)
    for event in story.events:  # one at a time, each folded onto what is stored
        report = projector.append(entries([event]))
        assert report.statuses[event.id][1] == "applied", report.statuses[event.id]
    folded = _payout_rows(store.rows(PAYOUTS))
    assert folded == expected
    assert sorted(projector.select("payouts")) == expected
    for name in ("contributions", "distributions", "claims", "incomes"):
        assert _table(store, SPECS_BY_NAME[name]) == sorted(tuple(r) for r in state.table(name).values()), name
    digest = state_digest(store)

    projector.rebuild()
    assert _payout_rows(store.rows(PAYOUTS)) == expected
    assert state_digest(store) == digest

    at_once = Projector(store)
    at_once.rebuild()
    assert state_digest(store) == digest


def test_the_projector_agrees_with_the_pure_fold_on_a_value_past_64_bit_integers(store: Store) -> None:
    """A consume of 999999999999 units at 999999999999999 each is valid by the bodies' patterns
    (Quantity x Price) and has a value of 27 whole digits: the pure fold applies it, so the
    projector must come to the same state (or both must refuse it)."""
    story = Ledger()
    lab = story.camp(ana, "Lab")
    story.join(ben, lab)
    gold = story.sign(ana, "resource.created", lab, name="Gold", spec="gold", value_per_unit="999999999999999").id
    consumed = story.give(ben, lab, "consume", resource=gold, quantity="999999999999")
    state, statuses = fold(story.events)
    projector = Projector(store)
    report = projector.append(entries(story.events))
    assert report.statuses[consumed][1] == statuses[consumed].split(":")[0]
    assert _table(store, CONTRIBUTIONS) == sorted(tuple(r) for r in state.contributions.values())
