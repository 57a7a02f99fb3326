"""The statistics engine: the figures of one catalog snapshot in a DuckDB database.

Built in memory once per snapshot (app/stats/snapshot_cache.py), or, for a catalog loaded
from a persisted snapshot, its database file opened read-only (app/catalog/persist.py). The
observations, the places of each level and the establishment → place groups are copied into
DuckDB, and the sums of establishment figures for every indicator × level × place × period ×
dimensions are computed in one GROUP BY (table `rollup`). Every question is then one SQL query with a period filter
(a map), a place filter (a series) or neither (the periods with data): never a Python loop over
periods. The rules themselves are documented in app/stats/aggregate.py. Read-only after build;
each query runs on its own cursor, so threads may query at once. After a plain load, a copy of
the previous snapshot's file is brought up to date for the (indicator, period) pairs the load
touched (`update_stats`, called by app/catalog/update.py) instead of being computed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import duckdb
import pandas as pd

from app.catalog.persist import open_stats
from app.catalog.snapshot import Catalog
from app.sources import describe
from app.stats.geography import AGGREGATE_LEVELS, establishment_group, place_names
from app.stats.snapshot_cache import per_snapshot

Source = tuple[str, str, str, str]  # dataset, document, table, locator

_SCHEMA = """
CREATE TABLE obs (
    indicator VARCHAR, place_type VARCHAR, place_code VARCHAR, period VARCHAR, dims VARCHAR,
    value DOUBLE, note VARCHAR, is_complete BOOLEAN,
    dataset VARCHAR, document VARCHAR, source_table VARCHAR, locator VARCHAR
);
CREATE TABLE names (level VARCHAR, place VARCHAR);
CREATE TABLE grp (level VARCHAR, est VARCHAR, place VARCHAR);
"""

# Figures of complete datasets summed over the establishments of each place (the rule that
# a published figure wins is applied at query time, where the published rows are at hand).
# `{scope}` limits the sums to some (indicator, period) pairs when a snapshot is updated.
_ROLLUP_SELECT = """
SELECT o.indicator, g.level, g.place, o.period, o.dims,
       sum(o.value) AS value, count(*) AS n_establishments,
       list(DISTINCT [o.dataset, o.document, o.source_table]) AS sources
FROM obs o JOIN grp g ON g.est = o.place_code {scope}
WHERE o.place_type = 'establishment' AND o.is_complete AND o.value IS NOT NULL
GROUP BY ALL
ORDER BY o.indicator, g.level, o.dims, g.place, o.period
"""
_ROLLUP = "CREATE TABLE rollup AS " + _ROLLUP_SELECT.format(scope="")
_CHANGED = "JOIN changed c ON c.indicator = o.indicator AND c.period = o.period"


def source_dict(source: Iterable[str]) -> dict[str, str]:
    """A source as the API writes it: the publication, table, locator, citation and trace
    (see app/sources.py)."""
    dataset, document, table, locator = (*source, "")[:4]
    return describe(dataset, document, table, locator)


def summed_sources(*lists: Iterable[Sequence[str]]) -> list[dict[str, str]]:
    """Distinct (dataset, document, table) of summed rows, by document and table; the
    locator is left empty (a sum has no single line)."""
    distinct = {tuple(s) for items in lists for s in items}
    ordered = sorted(distinct, key=lambda t: (t[1], t[2], t[0]))
    return [source_dict((*s, "")) for s in ordered]


@dataclass(frozen=True)
class StatsEngine:
    """The DuckDB database of one snapshot, and the (indicator, place type, period) triples
    that carry at least one value (under any dimensions)."""

    database: duckdb.DuckDBPyConnection
    valued_periods: frozenset[tuple[str, str, str]]
    # Described source lists of the rollup by hash, filled as they are met (a few per dataset).
    source_lists: dict[int, list[dict[str, str]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def query(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        cursor = self.database.cursor()
        try:
            return cursor.execute(sql, params).df()
        finally:
            cursor.close()

    @cached_property
    def published_slices(self) -> frozenset[tuple[str, str, str]]:
        """The (indicator, level, dimensions) that have rows published for a place above the
        establishments (read once per snapshot): any other stored query needs the rollup only."""
        rows = self.query(
            "SELECT DISTINCT indicator, place_type, dims FROM obs "
            "WHERE place_type <> 'establishment'",
            {},
        )
        return frozenset(zip(rows["indicator"], rows["place_type"], rows["dims"], strict=True))

    def summed_sources(
        self, indicator: str, scope: Scope, keys: Iterable[int]
    ) -> dict[int, list[dict[str, str]]]:
        """The described sources (`summed_sources`) of the rollup's lists of `indicator` in
        `scope` by their hash (`sum_sources_key` of a `stored_query`). A list is read the
        first time its hash is met, then kept for the snapshot: the 64-bit hash names a list
        (two lists of one scope with one hash are refused, never mixed up)."""
        wanted = {int(k) for k in keys}
        if not wanted <= self.source_lists.keys():
            sql = f"""SELECT DISTINCT hash(sources) AS key, sources FROM rollup
                WHERE indicator = $indicator AND level = $level AND dims = $dims
                {scope.filters("period", "place")}"""
            found = self.query(sql, {**scope.params(), "indicator": indicator})
            if found["key"].duplicated().any():
                raise RuntimeError(f"two source lists of '{indicator}' share a hash")
            for key, listed in zip(found["key"], found["sources"], strict=True):
                self.source_lists[int(key)] = summed_sources(listed)
        return {k: self.source_lists[k] for k in wanted}

    def periods_with_value(self, sql: str, params: dict[str, Any], condition: str) -> list[str]:
        """The distinct periods of the rows of a `stored_query` or `derived_query` (aliased
        `r`) that meet `condition` at a place of the level."""
        wrapped = f"""SELECT DISTINCT r.period FROM ({sql}) r
            JOIN names n ON n.level = $level AND n.place = r.place WHERE {condition}"""
        return [str(p) for p in self.query(wrapped, params)["period"]]


def stats_engine(catalog: Catalog) -> StatsEngine:
    """The engine of `catalog`, built on first use and dropped with the snapshot."""
    return per_snapshot(catalog, "stats_engine", lambda: _build(catalog))


# Copied straight from the catalog's frame by DuckDB (no intermediate pandas copy: at a
# million rows a Python-side conversion tripled the peak memory of a snapshot swap).
_COPY_OBSERVATIONS = """
INSERT INTO obs SELECT
    coalesce(indicator, ''), coalesce(place_type, ''), coalesce(place_code, ''),
    coalesce(period, ''), coalesce(dimensions, ''), TRY_CAST(value AS DOUBLE),
    coalesce(note, ''), coalesce(TRY_CAST(dataset_is_complete AS BOOLEAN), FALSE),
    coalesce(dataset_title, ''), coalesce(source_document, ''), coalesce(source_table, ''),
    coalesce(source_locator, '')
FROM incoming
"""
OBSERVATION_COLUMNS = [
    "indicator",
    "place_type",
    "place_code",
    "period",
    "dimensions",
    "value",
    "note",
    "dataset_is_complete",
    "dataset_title",
    "source_document",
    "source_table",
    "source_locator",
]


def _place_rows(catalog: Catalog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(names: level, place) for every level and (grp: level, est, place) for the aggregate
    levels, keeping only groups that are places of the level (a sum for an unknown place
    would never be shown)."""
    names, groups = [], []
    for level in (*AGGREGATE_LEVELS, "establishment"):
        codes = place_names(catalog, level).index
        names.append(pd.DataFrame({"level": level, "place": codes.astype(object)}))
        if level in AGGREGATE_LEVELS:
            group = establishment_group(catalog, level)
            group = group[group.isin(codes)]
            groups.append(
                pd.DataFrame(
                    {
                        "level": level,
                        "est": group.index.astype(str).astype(object),
                        "place": group.astype(str).astype(object).to_numpy(),
                    }
                )
            )
    return pd.concat(names, ignore_index=True), pd.concat(groups, ignore_index=True)


def _build(catalog: Catalog) -> StatsEngine:
    if catalog.persisted is not None:
        database = open_stats(catalog.persisted)
    else:
        database = duckdb.connect(":memory:")
        _compute(database, catalog)
    valued = database.execute(
        "SELECT DISTINCT indicator, place_type, period FROM obs WHERE value IS NOT NULL"
    ).fetchall()
    return StatsEngine(database, frozenset((str(i), str(t), str(p)) for i, t, p in valued))


def _compute(database: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    """Fill the tables from the catalog's frames and compute the rollup."""
    database.execute(_SCHEMA)
    names, groups = _place_rows(catalog)
    _insert_observations(database, catalog.observations)
    for table, frame in (("names", names), ("grp", groups)):
        database.register("incoming", frame)
        database.execute(f"INSERT INTO {table} SELECT * FROM incoming")
        database.unregister("incoming")
    database.execute(_ROLLUP)


def _insert_observations(database: duckdb.DuckDBPyConnection, observations: pd.DataFrame) -> None:
    database.register("incoming", observations[OBSERVATION_COLUMNS])
    try:
        database.execute(_COPY_OBSERVATIONS)
    finally:
        database.unregister("incoming")


def update_stats(
    database: duckdb.DuckDBPyConnection, changed: pd.DataFrame, observations: pd.DataFrame
) -> None:
    """Bring the tables of a snapshot up to date after a load that changed only the served
    figures of the (indicator, period) pairs in `changed`: their `obs` rows are replaced by
    `observations` (the new served rows of those pairs) and their sums computed again. The
    places are those of the snapshot (a change of places is a rebuild, not an update)."""
    database.register("changed", changed[["indicator", "period"]].drop_duplicates())
    try:
        database.execute("BEGIN TRANSACTION")
        for table in ("obs", "rollup"):
            database.execute(
                f"DELETE FROM {table} t USING changed c "
                "WHERE t.indicator = c.indicator AND t.period = c.period"
            )
        _insert_observations(database, observations)
        database.execute("INSERT INTO rollup " + _ROLLUP_SELECT.format(scope=_CHANGED))
        database.execute("COMMIT")
    finally:
        database.unregister("changed")


@dataclass(frozen=True)
class Scope:
    """Which rows a query returns: one indicator at one level and dimensions, optionally
    for one period (a map) and/or one place (a series)."""

    level: str
    dims: str
    period: str | None = None
    place: str | None = None

    def filters(self, period_column: str, place_column: str) -> str:
        parts = []
        if self.period is not None:
            parts.append(f"AND {period_column} = $period")
        if self.place is not None:
            parts.append(f"AND {place_column} = $place")
        return " ".join(parts)

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"level": self.level, "dims": self.dims}
        if self.period is not None:
            params["period"] = self.period
        if self.place is not None:
            params["place"] = self.place
        return params


def stored_query(
    indicator: str, scope: Scope, use_rollup: bool, published: bool = True
) -> tuple[str, dict[str, Any]]:
    """Published rows of a stored indicator beside the establishment sums of the same place
    and period (a full join: either side may be missing). `published=False` (the scope has
    no published row: `StatsEngine.published_slices`) reads the sums alone, with the same
    columns (a third of the query's time was the scan of the observations for nothing)."""
    if use_rollup and not published:
        sql = f"""SELECT period, place, NULL::DOUBLE AS pub_value, NULL::VARCHAR AS note,
               NULL::VARCHAR AS dataset, NULL::VARCHAR AS document,
               NULL::VARCHAR AS source_table, NULL::VARCHAR AS locator, value AS sum_value,
               n_establishments, hash(sources) AS sum_sources_key
        FROM rollup WHERE indicator = $indicator AND level = $level AND dims = $dims
        {scope.filters("period", "place")}"""
        return sql, {**scope.params(), "indicator": indicator}
    rollup = (
        f"""SELECT period, place, value, n_establishments, sources FROM rollup
        WHERE indicator = $indicator AND level = $level AND dims = $dims
        {scope.filters("period", "place")}"""
        if use_rollup
        else "SELECT NULL::VARCHAR AS period, NULL::VARCHAR AS place, NULL::DOUBLE AS value, "
        "NULL::BIGINT AS n_establishments, NULL::VARCHAR[][] AS sources LIMIT 0"
    )
    # The summed sources are one of a few distinct lists: a row carries the list's hash
    # (`sum_sources_key`, see `StatsEngine.summed_sources`), not the list (sending the list on
    # every row cost more than the rest of a 440-month series).
    sql = f"""
    WITH pub AS (
        SELECT period, place_code AS place, value, note, dataset, document, source_table, locator
        FROM obs WHERE indicator = $indicator AND place_type = $level AND dims = $dims
        {scope.filters("period", "place_code")}
    ), agg AS ({rollup})
    SELECT coalesce(pub.period, agg.period) AS period, coalesce(pub.place, agg.place) AS place,
           pub.value AS pub_value, pub.note, pub.dataset, pub.document, pub.source_table,
           pub.locator, agg.value AS sum_value, agg.n_establishments,
           hash(agg.sources) AS sum_sources_key
    FROM pub FULL JOIN agg ON pub.period = agg.period AND pub.place = agg.place
    """
    return sql, {**scope.params(), "indicator": indicator}


def derived_query(
    numerator: str,
    denominator: str,
    numerator_dims: str,
    scope: Scope,
    denominator_periods: dict[str, list[str]],
) -> tuple[str, dict[str, Any]]:
    """Numerator and denominator published at the level (`pub_*`) beside their sums over the
    establishments of each place that report both (`sum_*`), and each input's own sum over
    the establishments of the place (`num_sum*`, `den_sum*`: what a published figure of the
    other input is divided by or into). `denominator_periods[period]` ranks the denominator
    periods to use, best first: a published denominator is taken at the best one the place
    has (`pub_den_period`), summed ones at the first. The periods are those keys:
    `scope.period` is not used."""
    scope = Scope(scope.level, scope.dims, None, scope.place)
    place = scope.filters("o.period", "o.place_code")
    sql = f"""
    WITH dmap AS (
        SELECT unnest($periods) AS period, unnest($den_periods) AS den_period,
               unnest($ranks) AS rank
    ), num_pub AS (
        SELECT o.period, o.place_code AS place, o.value,
               [o.dataset, o.document, o.source_table, o.locator] AS src
        FROM obs o JOIN dmap d ON o.period = d.period AND d.rank = 0
        WHERE o.indicator = $numerator AND o.place_type = $level AND o.dims = $num_dims
          AND o.value IS NOT NULL {place}
    ), den_pub AS (
        SELECT d.period, o.place_code AS place, arg_min(o.value, d.rank) AS value,
               arg_min([o.dataset, o.document, o.source_table, o.locator], d.rank) AS src,
               arg_min(d.den_period, d.rank) AS den_period
        FROM obs o JOIN dmap d ON o.period = d.den_period
        WHERE o.indicator = $denominator AND o.place_type = $level AND o.dims = $dims
          AND o.value IS NOT NULL {place}
        GROUP BY d.period, o.place_code
    ), pub AS (
        SELECT coalesce(n.period, d.period) AS period, coalesce(n.place, d.place) AS place,
               n.value AS num, d.value AS den, n.src AS nsrc, d.src AS dsrc,
               d.den_period
        FROM num_pub n FULL JOIN den_pub d ON n.period = d.period AND n.place = d.place
    ), num_est AS (
        SELECT o.period, o.place_code AS est, o.value,
               [o.dataset, o.document, o.source_table] AS src
        FROM obs o JOIN dmap d ON o.period = d.period AND d.rank = 0
        WHERE o.indicator = $numerator AND o.place_type = 'establishment' AND o.is_complete
          AND o.dims = $num_dims AND o.value IS NOT NULL
    ), den_est AS (
        SELECT d.period, o.place_code AS est, o.value,
               [o.dataset, o.document, o.source_table] AS src
        FROM obs o JOIN dmap d ON o.period = d.den_period AND d.rank = 0
        WHERE o.indicator = $denominator AND o.place_type = 'establishment' AND o.is_complete
          AND o.dims = $dims AND o.value IS NOT NULL
    ), paired AS (
        SELECT n.period, g.place, sum(n.value) AS num, sum(d.value) AS den,
               count(*) AS n_establishments,
               list(DISTINCT n.src) AS nsrc, list(DISTINCT d.src) AS dsrc
        FROM num_est n JOIN den_est d ON n.period = d.period AND n.est = d.est
        JOIN grp g ON g.est = n.est
        WHERE g.level = $level {scope.filters("n.period", "g.place")}
        GROUP BY n.period, g.place
    ), num_sum AS (
        SELECT d.period, r.place, r.value, r.n_establishments, r.sources
        FROM rollup r JOIN dmap d ON r.period = d.period AND d.rank = 0
        WHERE r.indicator = $numerator AND r.level = $level AND r.dims = $num_dims
          {scope.filters("d.period", "r.place")}
    ), den_sum AS (
        SELECT d.period, r.place, r.value, r.n_establishments, r.sources
        FROM rollup r JOIN dmap d ON r.period = d.den_period AND d.rank = 0
        WHERE r.indicator = $denominator AND r.level = $level AND r.dims = $dims
          {scope.filters("d.period", "r.place")}
    )
    SELECT coalesce(p.period, s.period) AS period, coalesce(p.place, s.place) AS place,
           p.num AS pub_num, p.den AS pub_den, p.nsrc AS pub_nsrc, p.dsrc AS pub_dsrc,
           p.den_period AS pub_den_period,
           s.num AS sum_num, s.den AS sum_den, s.n_establishments,
           s.nsrc AS sum_nsrc, s.dsrc AS sum_dsrc,
           ns.value AS num_sum, ns.n_establishments AS num_sum_n, ns.sources AS num_sum_src,
           ds.value AS den_sum, ds.n_establishments AS den_sum_n, ds.sources AS den_sum_src
    FROM pub p FULL JOIN paired s ON p.period = s.period AND p.place = s.place
    LEFT JOIN num_sum ns ON ns.period = p.period AND ns.place = p.place
    LEFT JOIN den_sum ds ON ds.period = p.period AND ds.place = p.place
    """
    periods = [
        (p, d, rank)
        for p, ranked in denominator_periods.items()
        for rank, d in enumerate(ranked or [None])
    ]
    params = {
        **scope.params(),
        "numerator": numerator,
        "denominator": denominator,
        "num_dims": numerator_dims,
        "periods": [p for p, _, _ in periods],
        "den_periods": [d for _, d, _ in periods],
        "ranks": [r for _, _, r in periods],
    }
    return sql, params
