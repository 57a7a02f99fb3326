"""The `siep` command: migrate, seed, load, withdraw, info, serve."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from app.errors import AppError
from app.settings import Settings

cli = typer.Typer(
    help="SIEP-Perú: estadísticas penitenciarias georreferenciadas.", no_args_is_help=True
)
db_cli = typer.Typer(help="Store schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
geodata_cli = typer.Typer(help="Boundaries and places.", no_args_is_help=True)
cli.add_typer(geodata_cli, name="geodata")


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from app.store.engine import make_engine

    return make_engine(settings.effective_database_url)


def _fail(exc: AppError) -> None:
    typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the store's schema to the latest revision."""
    from app.store.migrate import upgrade

    settings = Settings()
    upgrade(_engine(settings))
    typer.echo(f"schema up to date ({settings.effective_database_url.split('@')[-1]})")


@cli.command()
def seed(
    if_empty: Annotated[bool, typer.Option(help="Do nothing if datasets are loaded.")] = False,
) -> None:
    """Load the shipped dataset (geodata/): places, indicators and every dataset; all or nothing."""
    from app.stats.indicators import CORE_REGISTRY, indicator_rows
    from app.store.ingest.seed import is_seeded
    from app.store.ingest.seed import seed as run_seed
    from app.store.migrate import upgrade

    settings = Settings()
    engine = _engine(settings)
    upgrade(engine)
    if if_empty and is_seeded(engine):
        typer.echo("store already holds data; nothing to do")
        return
    try:
        version = run_seed(engine, settings.data_dir, indicator_rows(CORE_REGISTRY), progress=True)
    except AppError as exc:
        _fail(exc)
    typer.echo(f"shipped dataset loaded; data version {version}")


@cli.command()
def load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX")],
    title: Annotated[str, typer.Option(help="Dataset title, e.g. 'Población penal, enero 2025'")],
    name: Annotated[
        str | None, typer.Option(help="Unique dataset name (default: file stem)")
    ] = None,
    source_document: Annotated[str, typer.Option(help="Source document or URL")] = "",
    source_table: Annotated[str, typer.Option(help="Table title as printed")] = "",
    description: Annotated[str, typer.Option()] = "",
    replace: Annotated[bool, typer.Option(help="Supersede a dataset of the same name")] = False,
    loaded_by: Annotated[str, typer.Option(help="Who loads it (kept in the history)")] = "cli",
    partial: Annotated[
        bool,
        typer.Option(
            help="The file lists only some establishments: serve them, but never sum them "
            "into regional or national totals."
        ),
    ] = False,
) -> None:
    """Validate and load a tidy observations file (docs/data-format.md) in one transaction."""
    from app.store.ingest.datasets import DatasetMeta, load_dataset

    settings = Settings()
    meta = DatasetMeta(
        name or file.stem,
        title,
        source_document,
        source_table,
        description,
        loaded_by,
        is_complete=not partial,
    )
    try:
        result = load_dataset(
            _engine(settings), file.read_bytes(), file.name, meta, replace=replace
        )
    except AppError as exc:
        _fail(exc)
    typer.echo(
        f"loaded {result.row_count} rows as dataset {result.dataset_id}; "
        f"data version {result.data_version}; sha256 {result.checksum_sha256[:12]}"
    )


@cli.command()
def withdraw(name: Annotated[str, typer.Argument(help="Dataset name")]) -> None:
    """Stop serving a dataset (it stays in the history)."""
    from app.store.ingest.datasets import withdraw_dataset

    try:
        version = withdraw_dataset(_engine(Settings()), name)
    except AppError as exc:
        _fail(exc)
    typer.echo(f"dataset '{name}' withdrawn; data version {version}")


@geodata_cli.command("import")
def geodata_import(
    file: Annotated[
        Path, typer.Argument(exists=True, help="Shapefile (.shp or .zip), GPKG, GeoJSON")
    ],
    level: Annotated[str, typer.Option(help="departamento, provincia or distrito")] = "distrito",
    code_field: Annotated[str, typer.Option(help="Field holding the UBIGEO code")] = "UBIGEO",
) -> None:
    """Load official polygons (e.g. INEI's district shapefile) for existing units."""
    from app.store.ingest.boundaries import import_unit_polygons

    try:
        result = import_unit_polygons(_engine(Settings()), file, level, code_field)
    except AppError as exc:
        _fail(exc)
    typer.echo(f"{result.updated} {level} polygons imported; data version {result.data_version}")
    if result.unknown_codes:
        shown = ", ".join(result.unknown_codes[:10])
        typer.echo(f"{len(result.unknown_codes)} codes not in the store were skipped: {shown}")


@cli.command()
def info() -> None:
    """Backend, data version and counts of the configured store."""
    from app.catalog.build import build_catalog

    catalog = build_catalog(_engine(Settings()))
    typer.echo(f"backend: {catalog.backend}\ndata version: {catalog.version}")
    for key, value in catalog.counts().items():
        typer.echo(f"{key}: {value}")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (SIEP_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (SIEP_PORT)")] = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Migrate, load the shipped data into an empty store, and serve HTTP."""
    import uvicorn

    from app.stats.indicators import CORE_REGISTRY, indicator_rows
    from app.store.ingest.seed import is_seeded
    from app.store.ingest.seed import seed as run_seed
    from app.store.migrate import upgrade

    settings = Settings()
    if host is not None:
        settings = settings.model_copy(update={"host": host})
    if port is not None:
        settings = settings.model_copy(update={"port": port})
    engine = _engine(settings)
    upgrade(engine)
    if settings.seed_on_start and not is_seeded(engine):
        typer.echo("empty store: loading the shipped dataset")
        run_seed(engine, settings.data_dir, indicator_rows(CORE_REGISTRY), progress=True)
    engine.dispose()
    if workers > 1:
        uvicorn.run(
            "app.asgi:app",
            host=settings.host,
            port=settings.port,
            workers=workers,
            http="h11",
            log_level="info",
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
    else:
        from app.main import create_app

        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level="info",
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )


def main() -> None:
    try:
        cli()
    except AppError as exc:  # pragma: no cover - commands handle their own
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
