"""The `siep` command: migrate, seed, load, withdraw, info, serve."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.errors import AppError, StoreUnavailableError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from app.settings import Settings

cli = typer.Typer(
    help="SIEP-Perú: estadísticas penitenciarias georreferenciadas.", no_args_is_help=True
)
db_cli = typer.Typer(help="Store schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
geodata_cli = typer.Typer(help="Boundaries and places.", no_args_is_help=True)
cli.add_typer(geodata_cli, name="geodata")


def _settings() -> Settings:
    """The settings from the environment. Imported here, as everything else: a worker process
    of the server imports this module again (the parent's main module), and it should load
    only typer for it (docs/reliability.md, "Memory")."""
    from app.settings import Settings

    return Settings()


def _engine(settings: Settings, may_create: bool = False) -> Engine:
    """The configured store. An embedded store is checked against its marker first (missing,
    unreadable or replaced: StoreUnavailableError) and created only when `may_create`."""
    from app.store.engine import make_engine
    from app.store.marker import missing_store_message, read_marker, sqlite_path

    url = settings.effective_database_url
    path = sqlite_path(url)
    if path is None:
        return make_engine(url)
    marker = read_marker(path)
    if marker is None:
        if not may_create and not path.exists():
            raise StoreUnavailableError(
                f"no store at {path}: create it with `siep serve` or `siep seed`"
            )
        return make_engine(url, may_create=may_create)
    if not path.exists():
        raise StoreUnavailableError(missing_store_message(path, marker))
    engine = make_engine(url, may_create=False)
    _check_identity(engine, path, marker.store_id)
    return engine


def _check_identity(engine: Engine, path: Path, expected: str) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from app.store.marker import replaced_store_message
    from app.store.migrate import upgrade
    from app.store.version import read_store_state

    try:
        upgrade(engine)
        found = read_store_state(engine).store_id
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
        raise StoreUnavailableError(
            f"the store {path} (store {expected}) is unreadable or corrupt ({detail}): "
            "restore it from a backup"
        ) from exc
    if found != expected:
        raise StoreUnavailableError(replaced_store_message(path, expected, found))


def _mark_store(settings: Settings, engine: Engine) -> None:
    """Write the embedded store's marker (once): from now on it must not vanish silently."""
    from app.store.marker import read_marker, sqlite_path, write_marker
    from app.store.version import read_store_state

    path = sqlite_path(settings.effective_database_url)
    if path is not None and read_marker(path) is None:
        write_marker(path, read_store_state(engine).store_id)


def _fail(exc: AppError) -> None:
    typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the store's schema to the latest revision."""
    from app.store.migrate import upgrade

    settings = _settings()
    upgrade(_engine(settings, may_create=True))
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

    settings = _settings()
    engine = _engine(settings, may_create=True)
    upgrade(engine)
    if if_empty and is_seeded(engine):
        typer.echo("store already holds data; nothing to do")
        return
    try:
        version = run_seed(engine, settings.data_dir, indicator_rows(CORE_REGISTRY), progress=True)
    except AppError as exc:
        _fail(exc)
    _mark_store(settings, engine)
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
    """Validate and load a tidy observations file (docs/data-format.md) in one transaction.

    The file is streamed (read twice: every row validated, then written), with progress bars
    on a terminal; its size and row count are bounded by SIEP_LOAD_MAX_BYTES and
    SIEP_LOAD_MAX_ROWS."""
    from app.store.ingest.datasets import DatasetMeta, LoadInput, load_dataset
    from app.store.ingest.table import LoadLimits

    settings = _settings()
    meta = DatasetMeta(
        name or file.stem,
        title,
        source_document,
        source_table,
        description,
        loaded_by,
        is_complete=not partial,
    )
    limits = LoadLimits(settings.load_max_bytes, settings.load_max_rows)
    started = time.monotonic()
    with BarProgress() as progress:
        try:
            result = load_dataset(
                _engine(settings),
                LoadInput(file, file.name, limits, progress),
                file.name,
                meta,
                replace=replace,
            )
        except AppError as exc:
            progress.close()
            _fail(exc)
    typer.echo(
        f"loaded {result.row_count} rows as dataset {result.dataset_id} in "
        f"{time.monotonic() - started:.1f} s; data version {result.data_version}; "
        f"sha256 {result.checksum_sha256[:12]}"
    )


class BarProgress:
    """A load's progress as tqdm bars on stderr, one per phase; drawn only when stderr is a
    terminal (tqdm's disable=None), so logs and pipes stay clean."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __enter__(self) -> BarProgress:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def begin(self, phase: str, total: int | None, unit: str) -> None:
        from tqdm import tqdm

        self.close()
        self.bar = tqdm(
            total=total,
            desc=phase,
            unit=unit,
            unit_scale=True,
            unit_divisor=1024 if unit == "B" else 1000,
            disable=None,
            file=sys.stderr,
        )

    def advance(self, amount: int) -> None:
        if self.bar is not None:
            self.bar.update(amount)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@cli.command()
def withdraw(name: Annotated[str, typer.Argument(help="Dataset name")]) -> None:
    """Stop serving a dataset (it stays in the history)."""
    from app.store.ingest.datasets import withdraw_dataset

    try:
        version = withdraw_dataset(_engine(_settings()), name)
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
        result = import_unit_polygons(_engine(_settings()), file, level, code_field)
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

    catalog = build_catalog(_engine(_settings()))
    typer.echo(f"backend: {catalog.backend}\ndata version: {catalog.version}")
    for key, value in catalog.counts().items():
        typer.echo(f"{key}: {value}")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (SIEP_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (SIEP_PORT)")] = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Migrate, load the shipped data into a new store, and serve HTTP (bounded: see
    docs/reliability.md). Refuses to start over a missing, corrupt or replaced store."""
    settings = _settings()
    if host is not None:
        settings = settings.model_copy(update={"host": host})
    if port is not None:
        settings = settings.model_copy(update={"port": port})
    try:
        _prepare_served_store(settings)
    except AppError as exc:
        _fail(exc)
    except Exception as exc:  # noqa: BLE001 - one line here, the trace in the log
        _fail_with_trace(settings, exc)
    _run_server(settings, workers)


def _prepare_served_store(settings: Settings) -> None:
    """Migrate; seed a store that is new here (no marker); never seed over a marked one."""
    from app.store.marker import read_marker, sqlite_path
    from app.store.migrate import upgrade

    path = sqlite_path(settings.effective_database_url)
    is_marked = path is not None and read_marker(path) is not None
    engine = _engine(settings, may_create=not is_marked)
    upgrade(engine)
    if settings.seed_on_start and not is_marked:
        _seed_if_empty(settings, engine)
    _mark_store(settings, engine)
    engine.dispose()


def _seed_if_empty(settings: Settings, engine: Engine) -> None:
    """Load the shipped dataset into an empty store (the loading code is imported only here,
    not at every start of a marked store)."""
    from app.stats.indicators import CORE_REGISTRY, indicator_rows
    from app.store.ingest.seed import is_seeded
    from app.store.ingest.seed import seed as run_seed

    if not is_seeded(engine):
        typer.echo("empty store: loading the shipped dataset")
        run_seed(engine, settings.data_dir, indicator_rows(CORE_REGISTRY), progress=True)


def _fail_with_trace(settings: Settings, exc: Exception) -> None:
    import logging

    log_path = settings.var_dir / "siep-serve.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path)
    logger = logging.getLogger("app.cli")
    logger.addHandler(handler)
    logger.error("siep serve could not start", exc_info=exc)
    logger.removeHandler(handler)
    handler.close()
    typer.secho(
        f"error: could not start ({exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}); "
        f"full trace in {log_path}",
        fg=typer.colors.RED,
        err=True,
    )
    raise typer.Exit(code=1)


def _run_server(settings: Settings, workers: int) -> None:
    import functools

    import uvicorn

    from app.http_server import GuardedH11Protocol, connection_limits, head_bytes, log_config

    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "http": functools.partial(GuardedH11Protocol, limits=connection_limits(settings)),
        "h11_max_incomplete_event_size": head_bytes(settings),
        "timeout_keep_alive": settings.keep_alive_s,
        "limit_concurrency": settings.max_connections,
        "access_log": settings.access_log,
        "log_config": log_config(),
        "log_level": "info",
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }
    if workers > 1:
        uvicorn.run("app.asgi:app", workers=workers, **options)
    else:
        from app.main import create_app

        uvicorn.run(create_app(settings), **options)


def main() -> None:
    try:
        cli()
    except AppError as exc:  # pragma: no cover - commands handle their own
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
