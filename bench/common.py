"""What every benchmark in bench/ sets up the same way, in one place.

A script imports it before anything of the project's (``import common`` finds it: a script's own folder
is the first entry of ``sys.path``); importing it puts the repository root on ``sys.path`` (unless a
project tree is there already). Then:

- ``common.parser(__doc__, database_url=…)``: an ``argparse`` parser with the flags every benchmark
  has (``--results``, ``--keep-db``, and ``--database-url`` when the script uses a database);
- ``with common.throwaway(args, prefix=…) as box:``: a SIGTERM that unwinds, a temp dir, a fresh
  database (SQLite file in the temp dir, or a PostgreSQL database whose name contains ``bench``,
  dropped and recreated), the environment the app reads (``DEBUG`` off, ``var/`` in the temp dir, local
  storage); on the way out the database is dropped and the temp dir removed unless ``--keep-db``;
- ``common.setup_django()``: ``django.setup()`` and ``migrate``;
- ``common.analyze()``: planner statistics after a bulk load (PostgreSQL);
- ``common.machine(…)`` / ``common.django_machine(…)``: the "Run: …" line describing the machine, and
  ``common.write_block(…)``: the script's block in RESULTS.md.
"""

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# Put this repository first unless the importing script already put a project tree on the path
# (web_serve.py's child measures an older tree, named by REELWORK_TREE, with these scripts).
if not any((Path(entry or ".") / "manage.py").is_file() for entry in sys.path):
    sys.path.insert(0, str(ROOT))

RESULTS = BENCH_DIR / "RESULTS.md"
HEADER = "# Benchmark results\n\nWritten by the scripts in bench/ (see bench/README.md).\n"
# Environment a benchmark's own settings would otherwise inherit from the shell (S3, production mode,
# another task backend, persistent connections); a script adds the ones it does want back.
FOREIGN_ENV = ("REELWORK_S3", "REELWORK_S3_ENDPOINT_URL", "REELWORK_MODE", "TASKS_BACKEND", "TASKS_QUEUES",
               "DATABASE_CONN_MAX_AGE")


# --- arguments -----------------------------------------------------------------------------------


def parser(doc: str, *, database_url: str | None = None, keep_help: str = "keep the temp dir and the database"):
    """A parser described by the first line of ``doc`` with ``--results`` and ``--keep-db``, and with
    ``--database-url`` (default ``database_url``; ``''`` is a SQLite file in a fresh temp dir) unless
    ``database_url`` is None."""
    ap = argparse.ArgumentParser(description=doc.strip().split("\n")[0])
    if database_url is not None:
        ap.add_argument("--database-url", default=database_url,
                        help=f"default: {database_url or 'a SQLite file in a fresh temp dir'} (dropped and recreated: "
                             "its name must contain 'bench')")
    ap.add_argument("--results", default=str(RESULTS), help="markdown file to update ('' to skip)")
    ap.add_argument("--keep-db", "--keep", dest="keep_db", action="store_true", help=keep_help)
    return ap


# --- the throwaway database ------------------------------------------------------------------------


def prepare_database(url: str, tmpdir: Path) -> str:
    """Return the DATABASE_URL to use; the database it names is empty and exists."""
    if not url:
        return f"sqlite:///{tmpdir / 'reelwork-bench.sqlite3'}"
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if parsed.scheme.startswith("sqlite"):
        path = Path(parsed.path[1:] if parsed.path.startswith("//") else parsed.path)
        if path.exists():
            if "bench" not in path.name:
                sys.exit(f"refusing to delete {path}: a throwaway benchmark database's name must contain 'bench'")
            path.unlink()
        return url
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"unsupported database URL: {url}")
    if "bench" not in name:
        sys.exit(f"refusing to use PostgreSQL database {name!r}: it is dropped and recreated, its name must contain 'bench'")
    import psycopg
    from psycopg import sql

    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url


def drop_database(url: str):
    parsed = urlparse(url)
    if parsed.scheme.startswith("postgres") or parsed.scheme == "pgsql":
        import psycopg
        from psycopg import sql

        with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(parsed.path.lstrip("/"))))


@dataclass(frozen=True)
class Box:
    database_url: str  # "" when the script asked for no database
    tmpdir: Path
    env: dict  # what was put into os.environ (for a server the script starts)


@contextmanager
def throwaway(args, *, prefix: str, env: dict | None = None, database: bool = True):
    """A temp dir and (``database``) a fresh database from ``args.database_url``, the app's environment
    pointed at them (plus ``env``; ``FOREIGN_ENV`` removed unless ``env`` sets it); on the way out
    (SIGTERM included, e.g. from ``timeout``) the connections closed, the database dropped and the temp
    dir removed, or kept with ``args.keep_db``."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    tmpdir = Path(tempfile.mkdtemp(prefix=f"reelwork-bench-{prefix}-"))
    try:
        database_url = prepare_database(args.database_url, tmpdir) if database else ""
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    values = {
        "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "REELWORK_VAR_DIR": str(tmpdir / "var"),
        "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "studio.settings",
        **({"DATABASE_URL": database_url} if database else {}), **(env or {}),
    }
    for name in FOREIGN_ENV:
        if name not in values:
            os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield Box(database_url, tmpdir, values)
    finally:
        if args.keep_db:
            print(f"kept: {database_url or '(no database)'} (temp dir {tmpdir})")
        else:
            if database:
                if "django" in sys.modules:
                    from django.db import connections

                    connections.close_all()
                drop_database(database_url)
            shutil.rmtree(tmpdir, ignore_errors=True)


def setup_django(*, migrate: bool = True):
    """``django.setup()`` on the environment ``throwaway`` made, then ``migrate`` (timed)."""
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        t0 = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"migrate: {time.perf_counter() - t0:.1f} s", flush=True)


def analyze():
    """Planner statistics after a bulk load, on PostgreSQL: fresh bulk-loaded tables have none until
    autovacuum gets to them, a live database has them; without them PostgreSQL misestimates and even
    JIT-compiles small queries."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


# --- the report ------------------------------------------------------------------------------------


def machine(*extras: str, load_start=None) -> str:
    """``Run: <when> · nproc · CPU · RAM · Python · <extras> · load average …`` (the load at the end is
    read now)."""
    cpu, mem = platform.processor() or "unknown", ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, AttributeError):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    if load_start is not None:
        load = f"{' '.join(f'{x:.2f}' for x in load_start)} at the start, {load}"
    parts = [f"Run: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}", f"nproc {os.cpu_count()}", f"CPU {cpu}",
             *([mem] if mem else []), f"Python {platform.python_version()}", *extras, f"load average {load} at the end"]
    return " · ".join(parts) + "."


def backend_label() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            return f"PostgreSQL {cur.fetchone()[0].split()[0]}"
    return connection.vendor


def django_machine(*extras: str, load_start=None) -> str:
    """``machine`` with the Django version and the database backend first among the extras."""
    import django

    return machine(f"Django {django.get_version()}", backend_label(), *extras, load_start=load_start)


def write_block(path: Path, *, section: str, key: str, intro: str, block: str) -> None:
    """Put ``block`` between ``<!-- key:start -->`` and ``<!-- key:end -->`` in ``path``: in place of
    the previous block of that key, else at the end of ``section`` (a ``## `` heading), else in a new
    section with ``intro`` at the end of the file."""
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    marked = f"{start}\n{block.rstrip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    if start in text and end in text:
        text = text[: text.index(start)] + marked + text[text.index(end) + len(end):]
    elif section in text:
        at = text.index(section) + len(section)
        following = text.find("\n## ", at)
        following = len(text) if following == -1 else following
        text = text[:following].rstrip() + "\n\n" + marked + "\n" + text[following:]
    else:
        text = text.rstrip() + f"\n\n{section}\n\n{intro}\n\n{marked}\n"
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def write_results(args, *, section: str, key: str, intro: str, text: str) -> None:
    """Print ``text`` and, unless ``--results ''``, write it as the script's block."""
    print()
    print(text)
    if args.results:
        write_block(Path(args.results), section=section, key=key, intro=intro, block=text)
        print(f"written to {args.results}")
