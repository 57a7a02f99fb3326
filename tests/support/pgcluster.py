"""A throwaway PostgreSQL 15 + PostGIS cluster for tests and benchmarks.

Installs `postgresql-15-postgis-3` with apt when it is missing and we run as root, runs initdb
as the `postgres` user (initdb refuses root) in a temporary folder, listens on 127.0.0.1 on a
free port, and is stopped (and deleted) by `stop()`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")


class ClusterUnavailableError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_installed() -> None:
    """apt-get install PostGIS if it is missing and we are root; raise if it cannot be had."""
    if (PG_BIN / "initdb").exists() and POSTGIS_CONTROL.exists():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ClusterUnavailableError("PostGIS is not installed and we cannot apt-get install")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "postgresql-15-postgis-3"], check=True, env=env
    )
    if not POSTGIS_CONTROL.exists():
        raise ClusterUnavailableError("postgresql-15-postgis-3 did not install")


@dataclass
class Cluster:
    datadir: Path
    port: int
    as_postgres: bool

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(a) for a in args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-Atc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    def create_database(self, name: str, template: str | None = None) -> str:
        clause = f" TEMPLATE {template}" if template else ""
        self.psql(f'CREATE DATABASE "{name}"{clause}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def start(self) -> None:
        self._run(
            PG_BIN / "pg_ctl",
            "-D",
            self.datadir,
            "-l",
            self.datadir / "server.log",
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.datadir, "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        # stop + start (not `pg_ctl restart`): start logs to a file, so no pipe is held open.
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_cluster() -> Cluster:
    ensure_installed()
    root = Path(tempfile.mkdtemp(prefix="siep-pg-"))
    datadir = root / "data"
    as_postgres = os.geteuid() == 0
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(datadir, _free_port(), as_postgres)
    cluster._run(
        PG_BIN / "initdb",
        "-D",
        datadir,
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    with (datadir / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nport = {cluster.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{root}'\nfsync = off\nsynchronous_commit = off\n"
            "full_page_writes = off\nmax_connections = 200\nshared_buffers = 128MB\n"
        )
    cluster.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            cluster.psql("SELECT 1")
            break
        except subprocess.CalledProcessError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    cluster.psql("CREATE DATABASE siep_template")
    cluster.psql("CREATE EXTENSION postgis", database="siep_template")
    return cluster
