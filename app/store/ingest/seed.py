"""Load the whole shipped dataset (geodata/) in one transaction: places, then every dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, func, select
from tqdm import tqdm

from app.errors import LoadError
from app.store.ingest.datasets import DatasetMeta, record_load, write_dataset
from app.store.ingest.places import write_places
from app.store.models import Dataset
from app.store.version import bump_version


@dataclass(frozen=True)
class ManifestEntry:
    file: Path
    meta: DatasetMeta
    load_order: int


def read_manifest(data_dir: Path) -> list[ManifestEntry]:
    """The datasets of geodata/datasets.yaml, in load order (later wins on conflicts)."""
    path = data_dir / "datasets.yaml"
    if not path.exists():
        return []
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    items: list[dict[str, Any]] = raw["datasets"] if isinstance(raw, dict) else raw
    entries = []
    for position, item in enumerate(items):
        file = data_dir / item["file"]
        entries.append(
            ManifestEntry(
                file=file,
                meta=DatasetMeta(
                    name=item.get("name") or Path(item["file"]).stem,
                    title=item["title"],
                    source_document=item.get("source_document") or "",
                    source_table=item.get("source_table") or "",
                    description=item.get("description") or "",
                    loaded_by="siep seed",
                    is_complete=bool(item.get("complete", True)),
                ),
                load_order=int(item.get("load_order", position)),
            )
        )
    return sorted(entries, key=lambda e: e.load_order)


def is_seeded(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.scalar(select(func.count()).select_from(Dataset)))


def seed(
    engine: Engine, data_dir: Path, indicators: list[dict[str, Any]], *, progress: bool = False
) -> int:
    """Replace places and load every dataset of the manifest; all or nothing."""
    entries = read_manifest(data_dir)
    with engine.begin() as conn:
        write_places(conn, data_dir, indicators)
        loaded = []
        for entry in tqdm(entries, desc="datasets", disable=not progress, unit="file"):
            try:
                result = write_dataset(conn, entry.file, entry.file.name, entry.meta, replace=True)
            except LoadError as exc:
                raise LoadError(f"{entry.file.name}: {exc.message}") from exc
            loaded.append((entry.meta, result))
        version = bump_version(conn)
        for meta, result in loaded:
            record_load(conn, version, meta, result)
        return version
