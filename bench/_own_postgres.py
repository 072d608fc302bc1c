"""A throwaway PostgreSQL server for a benchmark that must stop and start its database
(bench/db_outage.py): initdb in a temporary directory, its own free port on 127.0.0.1 and its
own socket directory, never the shared server on 5432. As root, initdb, pg_ctl and the
server run as the `postgres` user (else `nobody`): PostgreSQL refuses to run as root.

    with OwnPostgres() as pg:       # initdb + start; stopped and deleted on leaving
        url = pg.url("aktivist_outage")
        pg.stop_immediately()       # pg_ctl stop -m immediate: every backend killed
        pg.start()                  # crash recovery, then accepting connections again
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

SUPERUSER = "postgres"


def postgres_bindir() -> Path:
    """The newest /usr/lib/postgresql/*/bin with initdb, else the one on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise SystemExit("PostgreSQL's server binaries are needed: apt-get install postgresql")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unprivileged_account() -> pwd.struct_passwd | None:
    """The account to run PostgreSQL as when we are root; None when we are not."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise SystemExit("running as root, and neither a postgres nor a nobody account exists")


class OwnPostgres:
    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        self.account = _unprivileged_account()
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="aktivist-own-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.running = False
        if self.account is not None:
            os.chown(self.dir, self.account.pw_uid, self.account.pw_gid)

    # --- Lifecycle -------------------------------------------------------------------

    def __enter__(self) -> OwnPostgres:
        try:
            self.init()
            self.start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()

    def init(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-instructions",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# bench/_own_postgres.py\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.dir}'\n"
                "max_connections = 50\n"
                "shared_buffers = 64MB\n"
                "jit = off\n"
            )

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        self.running = True

    def stop_immediately(self) -> None:
        """The hard stop: the postmaster kills every backend at once, nothing is flushed
        beyond what was committed (the next start runs crash recovery)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.running = False

    def cleanup(self) -> None:
        """Stop the server if it runs and delete its directory; never raises."""
        if (self.data / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except (OSError, subprocess.CalledProcessError):
                pass
        self.running = False
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- Use -------------------------------------------------------------------------

    def url(self, database: str) -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _run(self, program: str, *args: str) -> None:
        options: dict[str, Any] = {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if self.account is not None:
            options = {
                "user": self.account.pw_uid,
                "group": self.account.pw_gid,
                "extra_groups": [],
            }
            env["HOME"] = str(self.dir)
        subprocess.run(
            [str(self.bindir / program), *args],
            check=True,
            cwd=self.dir,
            env=env,
            stdout=subprocess.DEVNULL,
            **options,
        )
