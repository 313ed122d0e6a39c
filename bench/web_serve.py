#!/usr/bin/env python
"""Benchmark: the office's project list and dashboard at 10,000 projects under the production server.

Not a test: it asserts nothing about time. Run from the repository root:

    .venv/bin/python bench/web_serve.py                      # postgres://postgres@127.0.0.1:5432/reelwork_bench_serve
    .venv/bin/python bench/web_serve.py --compare 7f468aa    # and an older version beside it, same run

What it does (see bench/README.md, "web_serve.py"):
1. A throwaway database (PostgreSQL by default; its name must contain "bench": dropped and recreated),
   migrated, 10,000 projects from bench/seedbulk.py, ANALYZE.
2. In-process, for this tree (and the ``--compare`` tree, in a child process of its own): each page
   with Django's test Client as the office user, DEBUG=false: queries, CPU ms (process_time) and wall
   ms, median and minimum of ``--repeats``.
3. The real server: `scripts/serve web` (gunicorn, studio/gunicorn.conf.py, REELWORK_MODE=production,
   ``--workers`` sync workers) with ``bench.server_settings`` (the app's URLs plus an empty view,
   bench/server_urls.py) for each tree. ``--clients`` threads, a new connection per request, run timed
   phases: the empty view, the list, its page 50, the dashboard; each round runs every tree, the
   order alternating between rounds. Ratios are against the empty view of the same server in the
   same round.
4. Writes its block into bench/RESULTS.md and prints it.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
# The app imported by this process: the repository this script is in, or (the child that measures an
# older version in-process) the tree named by REELWORK_TREE.
ROOT = Path(os.environ.get("REELWORK_TREE") or BENCH_DIR.parent)
sys.path.insert(0, str(ROOT))
sys.path.append(str(BENCH_DIR))

import reporting  # noqa: E402  (bench/reporting.py, beside this script)

SECTION = "## Web under gunicorn: project list and dashboard at 10,000 projects"
INTRO = ("Produced by `bench/web_serve.py`; re-running it replaces its block. See bench/README.md for what "
         "each line measures.")
SECRET_KEY = "bench-web-serve-secret-" + "w" * 40
EMPTY = ("empty view", "/bench/empty/x/seen")  # bench/server_urls.empty: the same middleware, no database
# The baseline of web_list.py's runserver figures, for comparing with them (there the list ran at 19 % of it).
LOGIN = ("login page", "/accounts/login/")
# The ceiling of any signed-in page: the session and user lookups, then an empty answer.
SIGNED_IN = ("signed-in empty view", "/bench/signed-in/")
PAGES = [("list", "/projects/"), ("list p50", "/projects/?page=50"), ("dashboard", "/")]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/reelwork_bench_serve")
    ap.add_argument("--projects", type=int, default=10_000)
    ap.add_argument("--compare", default="", help="a git ref measured beside this tree in the same run (e.g. 7f468aa)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (WEB_CONCURRENCY)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    ap.add_argument("--max-requests", type=int, default=0,
                    help="gunicorn max_requests for the run (0: no recycling; -1: studio/gunicorn.conf.py's 2000 ± 200)")
    ap.add_argument("--phase-seconds", type=float, default=15.0)
    ap.add_argument("--warmup-seconds", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=15, help="in-process requests per page (median, min)")
    ap.add_argument("--port", type=int, default=0, help="first port to listen on (0: free ones); the compare tree uses the next")
    ap.add_argument("--results", default=str(BENCH_DIR / "RESULTS.md"), help="markdown file to update ('' to skip)")
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--inprocess", default="", help=argparse.SUPPRESS)  # the child: print in-process stats as JSON
    return ap.parse_args()


# --- in-process -------------------------------------------------------------------------------------


def inprocess(repeats: int) -> dict:
    """Queries, CPU and wall time of each page in this process (the tree of ROOT)."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(User.objects.filter(groups__name="office").first())
    out = {}
    for label, url in [EMPTY, SIGNED_IN, LOGIN] + PAGES:
        for _ in range(3):
            client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        queries = len(captured.captured_queries)  # now: the next request's reset_queries empties the log
        cpu, wall = [], []
        for _ in range(repeats):
            c0, w0 = time.process_time(), time.perf_counter()
            client.get(url)
            cpu.append(1000 * (time.process_time() - c0))
            wall.append(1000 * (time.perf_counter() - w0))
        out[label] = {"status": response.status_code, "queries": queries,
                      "rows": response.content.count(b"<tr data-project="), "bytes": len(response.content),
                      "cpu": statistics.median(cpu), "cpu_min": min(cpu), "wall": statistics.median(wall)}
    return out


def inprocess_in(tree: Path, repeats: int) -> dict:
    env = {**os.environ, "REELWORK_TREE": str(tree), "DJANGO_SETTINGS_MODULE": "bench.server_settings"}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--inprocess", str(repeats)], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"in-process run in {tree} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the server -------------------------------------------------------------------------------------


def extract(ref: str, into: Path) -> Path:
    """The tree of ``ref`` (git archive, no checkout), using this repository's virtualenv."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True, timeout=120).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True, timeout=120)
    (into / ".venv").symlink_to((ROOT / ".venv").resolve())
    # The bench's own URLs (its baselines) are this version's in both trees, so both serve the same ones.
    shutil.copy(BENCH_DIR / "server_urls.py", into / "bench" / "server_urls.py")
    return into


def start_server(tree: Path, port: int, workers: int, max_requests: int, var_dir: Path, logfile):
    import web_list

    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "REELWORK_TREE"}}
    env.update(REELWORK_MODE="production", DJANGO_SETTINGS_MODULE="bench.server_settings", ALLOWED_HOSTS="127.0.0.1",
               SECURE_SSL_REDIRECT="false", REELWORK_ADDR=f"127.0.0.1:{port}", PY=sys.executable, LOG_LEVEL="WARNING",
               WEB_CONCURRENCY=str(workers), REELWORK_VAR_DIR=str(var_dir))
    if max_requests >= 0:
        # GUNICORN_CMD_ARGS overrides the config file. A worker recycled after the empty view's thousands
        # of requests re-imports Django during the next phase (seconds on a busy machine): it lands on
        # whichever page comes next, not on the page that caused it.
        env["GUNICORN_CMD_ARGS"] = f"--max-requests {max_requests} --max-requests-jitter 0"
    proc = subprocess.Popen([str(tree / "scripts" / "serve"), "web"], cwd=tree, env=env, stdout=logfile,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"scripts/serve in {tree} exited with {proc.returncode}; see {logfile.name}")
        try:
            if web_list.fetch(port, "/healthz", None, timeout=10)[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    web_list.stop_server(proc)
    raise RuntimeError("gunicorn did not answer within 120 s")


def phase(port, path, cookie, clients, warmup, seconds):
    """``clients`` threads GET ``path`` for ``warmup`` + ``seconds``; only the last ``seconds`` count."""
    import web_list

    start = time.monotonic() + warmup
    stop = start + seconds
    results, errors = [], []
    lock = threading.Lock()

    def client():
        while (now := time.monotonic()) < stop:
            t0 = time.perf_counter()
            try:
                status, size, _ = web_list.fetch(port, path, cookie, timeout=60)
            except OSError as exc:
                with lock:
                    errors.append(repr(exc))
                continue
            if now < start:
                continue
            with lock:
                if status == 200:
                    results.append((time.perf_counter() - t0, size))
                else:
                    errors.append(status)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = max(time.monotonic() - start, 1e-9)  # requests in flight at ``stop`` finish: count their time
    latencies = sorted(x for x, _ in results)
    return {"n": len(latencies), "errors": len(errors), "wall": wall, "latencies": latencies,
            "bytes": int(statistics.median([s for _, s in results])) if results else 0}


def summary(phases):
    import web_list

    latencies = sorted(x for p in phases for x in p["latencies"])
    n, wall = sum(p["n"] for p in phases), sum(p["wall"] for p in phases)
    return {"n": n, "errors": sum(p["errors"] for p in phases), "rps": n / wall,
            "p50": 1000 * web_list.pct(latencies, 50), "p95": 1000 * web_list.pct(latencies, 95),
            "max": 1000 * latencies[-1] if latencies else float("nan"), "bytes": phases[0]["bytes"]}


# --- main -------------------------------------------------------------------------------------------


def main():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    args = parse_args()
    if args.inprocess:
        print(json.dumps(inprocess(int(args.inprocess))))
        return
    import web_list

    began, load_start = time.perf_counter(), os.getloadavg()
    tmpdir = Path(tempfile.mkdtemp(prefix="reelwork-bench-serve-"))
    try:
        database_url = web_list.prepare_database(args.database_url, tmpdir)
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    os.environ.update({"DATABASE_URL": database_url, "DEBUG": "false", "ALLOWED_HOSTS": "testserver,127.0.0.1",
                       "SECRET_KEY": SECRET_KEY, "REELWORK_VAR_DIR": str(tmpdir / "var"), "LOG_LEVEL": "WARNING",
                       "DJANGO_SETTINGS_MODULE": "studio.settings"})
    for name in ("REELWORK_S3", "REELWORK_MODE", "TASKS_BACKEND", "DATABASE_CONN_MAX_AGE", "REELWORK_TREE"):
        os.environ.pop(name, None)
    try:
        run(args, tmpdir, began, load_start)
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            web_list.drop_database(database_url)
            shutil.rmtree(tmpdir, ignore_errors=True)
        else:
            print(f"kept: {database_url} (temp dir {tmpdir})")


def run(args, tmpdir, began, load_start):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    import seedbulk
    import web_list

    call_command("migrate", verbosity=0, interactive=False)
    world = seedbulk.make_world()
    t0 = time.perf_counter()
    made = seedbulk.add_projects(world, args.projects)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # as a live database has planner statistics (see web_list.py)
    seeded = f"{args.projects:,} projects ({made['milestones']:,} milestones) in {time.perf_counter() - t0:.0f} s"
    print(seeded, flush=True)
    client = Client()
    client.force_login(world.office)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    backend = web_list.backend_label()
    connection.close()  # the servers have the database to themselves

    trees = [("this", ROOT)]
    if args.compare:
        trees.append((args.compare, extract(args.compare, tmpdir / "compare")))
    inproc = {}
    for name, tree in trees:
        inproc[name] = inprocess_in(tree, args.repeats)
        print(f"in-process {name}: {json.dumps(inproc[name])}", flush=True)

    ports = {name: (args.port + i if args.port else web_list.free_port()) for i, (name, _) in enumerate(trees)}
    procs, logs, loads = {}, {}, {name: {} for name, _ in trees}
    try:
        for name, tree in trees:
            logs[name] = open(tmpdir / f"server-{len(logs)}.log", "w+")
            procs[name] = start_server(tree, ports[name], args.workers, args.max_requests, tmpdir / f"var-{len(procs)}", logs[name])
            status, _, location = web_list.fetch(ports[name], PAGES[0][1], cookie)
            if status != 200:
                raise RuntimeError(f"{name}: GET /projects/ -> {status} {location} (session cookie not accepted?)")
        for rnd in range(args.rounds):
            order = trees if rnd % 2 == 0 else trees[::-1]
            for name, _ in order:
                for label, url in [EMPTY, SIGNED_IN, LOGIN] + PAGES:
                    p = phase(ports[name], url, cookie, args.clients, args.warmup_seconds, args.phase_seconds)
                    loads[name].setdefault(label, []).append(p)
                    print(f"round {rnd + 1} {name:>8} {url:<22} n={p['n']:>5} err={p['errors']} {p['n'] / p['wall']:6.1f} req/s "
                          f"p95={1000 * web_list.pct(p['latencies'], 95):6.0f} ms", flush=True)
    finally:
        for proc in procs.values():
            web_list.stop_server(proc)
    restarts = {}
    for name, log in logs.items():
        log.seek(0)
        text = log.read()
        restarts[name] = text.count("Booting worker") - args.workers
        if "Traceback" in text:
            print(f"server log of {name} has tracebacks:\n" + "\n".join(text.splitlines()[-20:]))
        log.close()

    info = reporting.machine(f"Django {django.get_version()}", backend, f"gunicorn {gunicorn_version()}", load_start=load_start)
    text = report(info, args, seeded, trees, inproc, loads, restarts, time.perf_counter() - began)
    print()
    print(text)
    if args.results:
        reporting.write_block(Path(args.results), section=SECTION, key="web_serve", intro=INTRO, block=text)
        print(f"written to {args.results}")


def gunicorn_version():
    try:
        import gunicorn

        return gunicorn.__version__
    except ImportError:
        return "?"


def report(info, args, seeded, trees, inproc, loads, restarts, total_s):
    names = [name for name, _ in trees]
    title = {"this": "this version", **{n: f"`{n}`" for n in names if n != "this"}}
    lines = [info, "", f"Data: {seeded}. Office user, logged in by session cookie.", ""]
    lines += [f"**In-process** (Django test Client, DEBUG=false, {args.repeats} requests per page after 3 warm-ups, "
              "CPU = `time.process_time` of the web process, which excludes the database server's):", "",
              "| version | page | status | queries | table rows | KiB | CPU ms median | CPU ms min | wall ms median |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in names:
        for label, url in [EMPTY, SIGNED_IN, LOGIN] + PAGES:
            s = inproc[name][label]
            lines.append(f"| {title[name]} | `{url}` | {s['status']} | {s['queries']} | {s['rows']} | {s['bytes'] / 1024:.0f} | "
                         f"{s['cpu']:.1f} | {s['cpu_min']:.1f} | {s['wall']:.1f} |")
    lines += ["", f"**Under gunicorn** (`scripts/serve web`, REELWORK_MODE=production, {args.workers} sync workers, "
              f"CONN_MAX_AGE 60 as production defaults; "
              + ("workers not recycled (`--max-requests 0`)" if args.max_requests == 0 else
                 "max_requests as configured" if args.max_requests < 0 else f"max_requests {args.max_requests}")
              + f"), {args.clients} client threads on the same machine, a new connection "
              f"per request; {args.rounds} rounds of {args.phase_seconds:.0f} s per page after {args.warmup_seconds:.0f} s "
              "of warm-up, the versions taking turns (only one server under load at a time). Ratios are against the "
              "empty view of the same server; the ratio per round shows the spread.", "",
              "| version | page | requests | errors | req/s | p50 ms | p95 ms | max ms | KiB | throughput / empty view | per round | p95 / empty view's | throughput / login page | throughput / signed-in empty view |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    for name in names:
        base, login, signed = (summary(loads[name][page[0]]) for page in (EMPTY, LOGIN, SIGNED_IN))
        for label, url in [EMPTY, SIGNED_IN, LOGIN] + PAGES:
            s = summary(loads[name][label])
            rounds = " / ".join(f"{(p['n'] / p['wall']) / (e['n'] / e['wall']):.0%}" for p, e in zip(loads[name][label], loads[name][EMPTY[0]]))
            lines.append(f"| {title[name]} | `{url}` | {s['n']} | {s['errors']} | {s['rps']:.1f} | {s['p50']:.0f} | {s['p95']:.0f} | "
                         f"{s['max']:.0f} | {s['bytes'] / 1024:.0f} | {s['rps'] / base['rps']:.0%} | {rounds} | {s['p95'] / base['p95']:.1f}× | "
                         f"{s['rps'] / login['rps']:.0%} | {s['rps'] / signed['rps']:.0%} |")
    if any(restarts.values()):
        lines += ["", "gunicorn restarted workers during the run (`max_requests`): "
                  + ", ".join(f"{title[n]} {r}" for n, r in restarts.items()) + "."]
    lines += ["", f"Whole run: {total_s:.0f} s.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
