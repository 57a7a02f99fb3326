"""The statistics engine's shortcuts give the rows of its full queries."""

from __future__ import annotations

from app.stats.engine import Scope, stats_engine, stored_query
from tests.support.catalogs import Row, SmallCatalogs, Table

HISTORY = Table(
    [
        Row("population", "EP-LURIGANCHO", "2024-11", 8900),
        Row("population", "EP-LURIGANCHO", "2024-12", 9000),
        Row("population", "EP-SJL-ANEXO", "2024-12", 500),
        Row("population", "EP-CALLAO", "2024-12", 3000),
        Row("population", "OR-LIMA", "2024-12", 12000),
    ],
    source_table="Cuadro 1",
)
SECOND = Table([Row("population", "EP-SJL-ANEXO", "2024-11", 480)], source_table="Cuadro 2")


def test_a_slice_without_published_rows_reads_the_rollup_alone(
    small_catalogs: SmallCatalogs,
) -> None:
    engine = stats_engine(small_catalogs.build(HISTORY, SECOND))
    assert ("population", "oficina_regional", "") in engine.published_slices
    assert ("population", "departamento", "") not in engine.published_slices
    for scope in (
        Scope("departamento", ""),
        Scope("departamento", "", period="2024-12"),
        Scope("provincia", "", place="1501"),
    ):
        full = engine.query(*stored_query("population", scope, True))
        alone = engine.query(*stored_query("population", scope, True, published=False))
        assert len(alone) > 0
        order = ["period", "place"]
        full = full.sort_values(order).reset_index(drop=True)
        alone = alone.sort_values(order).reset_index(drop=True)
        assert list(alone.columns) == list(full.columns)
        assert (
            alone.astype(object)
            .where(alone.notna(), None)
            .equals(full.astype(object).where(full.notna(), None))
        )


def test_summed_source_lists_are_read_once_by_hash(small_catalogs: SmallCatalogs) -> None:
    engine = stats_engine(small_catalogs.build(HISTORY, SECOND))
    scope = Scope("departamento", "", place="15")
    raw = engine.query(*stored_query("population", scope, True, published=False))
    by_key = engine.summed_sources("population", scope, raw["sum_sources_key"])
    tables = {
        period: [s["table"] for s in by_key[int(key)]]
        for period, key in zip(raw["period"], raw["sum_sources_key"], strict=True)
    }
    # November sums rows of both tables, December of the first only.
    assert tables == {"2024-11": ["Cuadro 1", "Cuadro 2"], "2024-12": ["Cuadro 1"]}
    assert set(engine.source_lists) == {int(k) for k in raw["sum_sources_key"]}
