"""A throwaway PostgreSQL server for the tests, from the machine's own binaries.

The binaries (``initdb``, ``pg_ctl``, ``postgres``) are looked for on ``PATH``, then in
``/usr/lib/postgresql/*/bin`` (newest first). The server lives in a temporary folder: its data,
its log and its unix socket, with no TCP listener, so it clashes with no other server; it runs
without fsync (a test database need not survive a power cut) and is stopped at the end of the
session. ``initdb`` refuses to run as root, so as root the folder is given to the ``postgres``
user (else ``nobody``) and the server runs as that user through ``runuser``.

The whole suite runs on PostgreSQL with ``BUILDING_BOT_TEST_DATABASE=postgres`` in the environment
(:func:`switched_on`): every config the tests make (``tests.conftest.make_config``) then names a new
database of one server shared by the session (:func:`shared_server`), copied from a template
with the migrations applied, instead of a SQLite file.

``python -m tests.postgres`` says where the binaries are, or why none were found (exit status 2):
``make test-postgres`` asks it first, so a machine without them fails with that line rather than
skipping the tests.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

SWITCH = "BUILDING_BOT_TEST_DATABASE"
TEMPLATE = "building_bot_template"
BINARIES = ("initdb", "pg_ctl", "postgres")
VERSIONED = Path("/usr/lib/postgresql")
SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "listen_addresses=")
DURABLE_SETTINGS = ("listen_addresses=",)


class NoPostgres(RuntimeError):
    """No PostgreSQL binaries on this machine (the message says where they were looked for)."""


def find_binaries() -> Path:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += sorted(VERSIONED.glob("*/bin"), key=lambda p: _version(p.parent.name), reverse=True)
    for folder in candidates:
        if all((folder / name).is_file() for name in BINARIES):
            return folder
    raise NoPostgres(
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or in /usr/lib/postgresql/*/bin: "
        "install them (Debian: apt-get install postgresql) to run the PostgreSQL tests"
    )


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


class PostgresServer:
    """One running server; :meth:`new_database` gives each test an empty database of its own."""

    def __init__(self, bindir: Path, root: Path, port: int, run_as: list[str]) -> None:
        self.bindir, self.root, self.port, self._run_as = bindir, root, port, run_as
        self._names = itertools.count(1)
        self._template_made = False

    @classmethod
    @contextmanager
    def start(cls, *, durable: bool = False) -> Iterator[PostgresServer]:
        """A new server; ``durable``: with fsync and synchronous commits, as in production (the
        benchmarks), not the tests' fast settings."""
        bindir = find_binaries()
        root = Path(tempfile.mkdtemp(prefix="building-bot-pg-"))
        run_as: list[str] = []
        if os.geteuid() == 0:
            user = _unprivileged_user()
            os.chown(root, user.pw_uid, user.pw_gid)
            run_as = ["runuser", "-u", user.pw_name, "--"]
        server = cls(bindir, root, _free_port(), run_as)
        try:
            server._run("initdb", "-D", str(root / "data"), "-U", "postgres", "--auth=trust", "--no-sync",
                        "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
            settings = DURABLE_SETTINGS if durable else SETTINGS
            options = " ".join([f"-k {root}", f"-p {server.port}", *(f"-c {setting}" for setting in settings)])
            server._run("pg_ctl", "-D", str(root / "data"), "-l", str(root / "log"), "-o", options, "-w", "-s", "start")
            yield server
        finally:
            if (root / "data" / "postmaster.pid").exists():
                server._run("pg_ctl", "-D", str(root / "data"), "-m", "immediate", "-s", "stop")
            shutil.rmtree(root, ignore_errors=True)

    def _run(self, binary: str, *args: str) -> None:
        done = subprocess.run([*self._run_as, str(self.bindir / binary), *args], capture_output=True, text=True)
        if done.returncode != 0:
            log = self.root / "log"
            detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{binary} failed ({done.returncode}): {done.stderr.strip()}\n{detail}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.root}&port={self.port}"

    def new_database(self, *, migrated: bool = False) -> str:
        """The URL of a new database: empty, or (``migrated``) with the schema of every migration."""
        name = f"test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            if migrated and not self._template_made:
                conn.execute(f"CREATE DATABASE {TEMPLATE}")
                from storage import postgres

                with postgres.connect(self.url(TEMPLATE)) as template:
                    postgres.apply_migrations(template)
                self._template_made = True
            conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {TEMPLATE}" if migrated else ""))
        return self.url(name)


def switched_on() -> bool:
    """Does this run put the tests' databases on PostgreSQL (``BUILDING_BOT_TEST_DATABASE=postgres``)?"""
    return os.environ.get(SWITCH, "") == "postgres"


_shared: list[PostgresServer] = []


def shared_server() -> PostgresServer:
    """The session's one server, started at first use and stopped when the process ends."""
    if not _shared:
        starting = PostgresServer.start()
        _shared.append(starting.__enter__())
        atexit.register(starting.__exit__, None, None, None)
    return _shared[0]


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise NoPostgres("running as root, and neither a 'postgres' nor a 'nobody' user to run the server as")


def _free_port() -> int:
    """A port number no other server uses (it only names the socket: nothing listens on TCP)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    try:
        print(f"PostgreSQL binaries: {find_binaries()}")
    except NoPostgres as missing:
        print(f"make test-postgres: {missing}", file=sys.stderr)
        sys.exit(2)
