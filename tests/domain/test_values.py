"""The domain layer on small catalogs: what every front publishes comes from one place."""

from __future__ import annotations

import cloudpickle
from shapely.geometry import Polygon

from app.domain.catalogue import datasets_of
from app.domain.choropleth import ChoroplethParams, build_choropleth, choropleth_download
from app.domain.periods import layer_default_period, layer_periods
from app.domain.values import published_values
from app.layers import default_layers
from app.stats.aggregate import registry_for
from app.stats.classify import MISSING_COLOR, SUPPRESSED_COLOR, classify, place_colors
from app.stats.geography import geometry_json
from app.stats.suppress import SuppressionPolicy
from tests.support.catalogs import Row, SmallCatalogs, Table

POLICY = SuppressionPolicy.from_text(5, "departamento")
TB = Table(
    [
        Row("tb_cases", "EP-LURIGANCHO", "2024", 3),
        Row("tb_cases", "EP-CALLAO", "2024", 12),
        Row("population", "EP-LURIGANCHO", "2024-12", 9000),
        Row("population", "EP-CALLAO", "2024-12", 3000),
    ],
    source_table="Casos de TB",
)


def test_published_values_withhold_small_sensitive_counts(small_catalogs: SmallCatalogs) -> None:
    catalog = small_catalogs.build(TB)
    tb_cases = registry_for(catalog)["tb_cases"]
    values = published_values(catalog, tb_cases, "departamento", "2024", POLICY).frame
    assert (
        values.at["15", "status"] == "suppressed" and values.at["15", "suppressed_range"] == "1-4"
    )
    assert values["value"].isna()["15"] and values.at["07", "value"] == 12
    # The rate follows its numerator; levels outside the policy keep the count.
    rate = published_values(
        catalog, registry_for(catalog)["tb_rate"], "departamento", "2024", POLICY
    )
    assert rate.frame.at["15", "status"] == "suppressed"
    est = published_values(catalog, tb_cases, "establishment", "2024", POLICY).frame
    assert est.at["EP-LURIGANCHO", "value"] == 3


def test_place_colors_grey_out_withheld_and_missing_places() -> None:
    classification = classify([1.0, 2.0, None, None], "equal_interval", 2)
    colors = place_colors(classification, "Blues", ["ok", "ok", "suppressed", "missing"])
    assert colors[2:] == [SUPPRESSED_COLOR, MISSING_COLOR]
    assert colors[0] != colors[1] and MISSING_COLOR not in colors[:2]


def test_an_establishment_layer_has_the_periods_of_its_own_kind(
    small_catalogs: SmallCatalogs,
) -> None:
    catalog = small_catalogs.build(
        Table(
            [
                Row("population", "EML-SJL", "2024-06", 40),
                Row("population", "EP-LURIGANCHO", "2024-06", 9000),
                Row("population", "EP-LURIGANCHO", "2024-12", 9100),
            ]
        )
    )
    layers = default_layers()
    eml = layers.get("establecimientos_medio_libre")
    ep = layers.get("establecimientos_penitenciarios")
    assert eml is not None and ep is not None
    assert layer_periods(catalog, eml, "population") == ("2024-06",)
    assert layer_default_period(catalog, eml, "population") == "2024-06"
    assert layer_periods(catalog, ep, "population") == ("2024-06", "2024-12")
    assert layer_default_period(catalog, ep, "capacity") is None


def test_datasets_of_an_indicator_are_those_holding_its_inputs(
    small_catalogs: SmallCatalogs,
) -> None:
    capacity = Table([Row("capacity", "EP-CALLAO", "2024-12", 2000)], source_table="Capacidad")
    catalog = small_catalogs.build(TB, capacity)
    registry = registry_for(catalog)

    def tables(code: str) -> set[str]:
        return set(datasets_of(catalog, registry[code].inputs)["source_table"])

    assert tables("tb_rate") == {"Casos de TB"}
    assert tables("overpopulation") == {"Casos de TB", "Capacidad"}
    assert tables("capacity") == {"Capacidad"}


def test_geometry_json_has_lists_and_no_empty_geometry() -> None:
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 0)])
    assert geometry_json(square) == {
        "type": "Polygon",
        "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]],
    }
    assert geometry_json(None) is None and geometry_json(Polygon()) is None


def test_a_choropleth_picture_job_carries_no_domain_module(small_catalogs: SmallCatalogs) -> None:
    """The picture of a choropleth download is `app.exports.mapimage.map_image` bound to the
    map's data: pickled for a report worker it names no module of the domain layer or the
    catalog (loading them, with DuckDB and SQLAlchemy, cost every report worker ~40 MB)."""
    catalog = small_catalogs.build(TB)
    params = ChoroplethParams(indicator="population", period="2024-12")
    download = choropleth_download(build_choropleth(catalog, params, POLICY), with_tables=False)
    assert download.image is not None
    payload = cloudpickle.dumps(download.image)
    assert b"app.exports.mapimage" in payload
    assert b"app.domain" not in payload and b"app.catalog" not in payload
