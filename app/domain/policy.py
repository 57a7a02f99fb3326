"""Política Nacional Penitenciaria indicators: baseline, expected and obtained values by year,
progress and traffic light.

Progress is computed as the follow-up reports print it: obtained / expected × 100 (seed 003
prints 92 % for 34 % obtained vs 37 % expected and 40 % for 14 % vs 34.9 %; seed 000 prints
68.8 % for 5.5 % vs 8.0 % and 94 % for 33 % vs 35 %). The reports' footnote formula
(obtained − baseline) / (expected − baseline) is undefined whenever expected equals the
baseline, which is the case for every 2020 row, so it is not what the printed figures use.
The documents print no traffic light; this project's semáforo is: verde ≥ 90 %, ámbar ≥ 60 %,
rojo < 60 %, gris without data; for indicators where lower is better ("mejor si baja") it is
taken on expected / obtained instead.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from app.catalog.snapshot import Catalog
from app.codes import parse_dimensions
from app.domain.params import check_lang
from app.exports.download import Download
from app.sources import citation, citations, document_label

GREEN_MIN_PCT = 90.0
AMBER_MIN_PCT = 60.0


def progress_pct(expected: float | None, obtained: float | None) -> float | None:
    if expected is None or obtained is None or expected == 0:
        return None
    return obtained / expected * 100.0


def traffic_light(expected: float | None, obtained: float | None, lower_is_better: bool) -> str:
    if expected is None or obtained is None:
        return "gris"
    if lower_is_better:
        attainment = (
            100.0 if obtained <= expected else (expected / obtained * 100.0 if obtained else 0.0)
        )
    else:
        attainment = (
            (obtained / expected * 100.0) if expected else (100.0 if obtained >= expected else 0.0)
        )
    if attainment >= GREEN_MIN_PCT:
        return "verde"
    return "ambar" if attainment >= AMBER_MIN_PCT else "rojo"


def _value(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def policy_indicators(catalog: Catalog, lang: str) -> Download:
    lang = check_lang(lang)
    declared = catalog.indicators[catalog.indicators["aggregation"] == "none"]
    obs = catalog.observations
    rows: list[dict[str, Any]] = []
    items = []
    for ind in declared.itertuples():
        mine = obs[(obs["indicator"] == ind.code) & (obs["place_code"] == "PE")]
        lower_is_better = "baja" in str(ind.description or "")
        by_year: dict[str, dict[str, Any]] = {}
        for r in mine.itertuples():
            series = parse_dimensions(str(r.dimensions)).get("series", "obtained")
            year = by_year.setdefault(str(r.period), {"year": str(r.period), "sources": []})
            year[series] = _value(r.value)
            if isinstance(r.note, str) and r.note:
                year.setdefault("notes", {})[series] = r.note
            year["sources"].append(
                {
                    "series": series,
                    "document": document_label(r.source_document),
                    "locator": str(r.source_locator),
                    "citation": citation(str(r.source_document), "", str(r.source_locator)),
                }
            )
        baseline = next(
            (y.get("baseline") for y in by_year.values() if y.get("baseline") is not None), None
        )
        years = []
        for key in sorted(by_year):
            y = by_year[key]
            expected, obtained = y.get("expected"), y.get("obtained")
            progress = progress_pct(expected, obtained)
            entry = {
                "year": key,
                "baseline": y.get("baseline"),
                "expected": expected,
                "obtained": obtained,
                "progress_pct": None if progress is None else round(progress, 1),
                "traffic_light": traffic_light(expected, obtained, lower_is_better),
                "notes": y.get("notes", {}),
                "sources": y["sources"],
            }
            years.append(entry)
            rows.append(
                {
                    "code": ind.code,
                    "label": ind.label_en if lang == "en" else ind.label_es,
                    "unit": ind.unit,
                    **{k: v for k, v in entry.items() if k not in ("notes", "sources")},
                }
            )
        items.append(
            {
                "code": ind.code,
                "label": ind.label_en if lang == "en" else ind.label_es,
                "unit": ind.unit,
                "objective": str(ind.description or "").split(" ")[0],
                "lower_is_better": lower_is_better,
                "baseline": baseline,
                "years": years,
            }
        )
    body = {
        "method": {
            "progress_pct": "obtained / expected × 100 (as printed in the policy reports)",
            "traffic_light": f"verde >= {GREEN_MIN_PCT:g} %, ambar >= {AMBER_MIN_PCT:g} %, rojo below, gris without data",
        },
        "data_version": catalog.version,
        "indicators": items,
    }
    table = pd.DataFrame(
        rows,
        columns=[
            "code",
            "label",
            "unit",
            "year",
            "baseline",
            "expected",
            "obtained",
            "progress_pct",
            "traffic_light",
        ],
    )
    return Download(
        title="Política Nacional Penitenciaria al 2030: indicadores"
        if lang == "es"
        else "National Penitentiary Policy 2030: indicators",
        filename="siep_policy_indicators",
        table=table,
        json_body=body,
        lang=lang,
        sources=citations(obs[obs["indicator"].isin(declared.index)]),
    )
