#!/usr/bin/env python
"""Benchmark: the office's project list (/projects/) and dashboard (/) as the data grows.

Not a test: it asserts nothing about time. Run from the repository root:

    .venv/bin/python bench/web_list.py                       # throwaway SQLite in a temp dir
    .venv/bin/python bench/web_list.py --database-url postgres://postgres@127.0.0.1:5432/reelwork_bench

What it does (see bench/README.md):
1. Creates a fresh database (SQLite temp file, or drops and recreates a PostgreSQL database whose
   name must contain "bench"), runs migrate.
2. Bulk-creates projects (bench/seedbulk.py) in steps: 100, 1,000, 10,000.
3. At each size renders /projects/, /projects/?page=50 and / in-process with Django's test Client
   (force_login as an "office" user) and records SQL queries (CaptureQueriesContext), SQL time,
   wall time (median of a few renders), response bytes and table rows rendered.
4. At the largest size starts the app under `manage.py runserver --noreload` (DEBUG=false) on a free
   127.0.0.1 port and fires a bounded number of requests from concurrent threads at each page, with
   GET /accounts/login/ on the same server as the baseline; reports p50/p95/max and throughput.
5. Writes a markdown section to bench/RESULTS.md (replacing only its own section for this
   database backend) and prints it.
"""

import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import common
from common import ROOT, backend_label, drop_database, prepare_database  # noqa: F401  (web_serve.py and others use them from here)

PAGES = [("list", "/projects/"), ("list p50", "/projects/?page=50"), ("dashboard", "/")]
BASELINE = ("baseline", "/accounts/login/")


def parse_args():
    ap = common.parser(__doc__, database_url="", keep_help="keep the SQLite temp dir / PostgreSQL database")
    ap.add_argument("--sizes", default="100,1000,10000", help="project counts to measure at (ascending)")
    ap.add_argument("--repeats", type=int, default=5, help="in-process renders per page and size (median reported)")
    ap.add_argument("--threads", type=int, default=8, help="concurrent clients in the load phase")
    ap.add_argument("--requests", type=int, default=200, help="requests per page in the load phase (upper bound)")
    ap.add_argument("--max-seconds", type=float, default=40.0, help="time cap per page in the load phase")
    ap.add_argument("--no-load", action="store_true", help="skip the real-server load phase")
    ap.add_argument("--no-whatif", action="store_true", help="skip the what-if measurements of proposed fixes")
    return ap.parse_args()


# --- in-process measurement ---------------------------------------------------------------------


def render_stats(client, url, repeats):
    """Queries, SQL time, median wall time, bytes, rows and model instances of one page.

    A page that raises is recorded (``error``) instead of stopping the run.
    """
    from django.db import connection
    from django.db.models.signals import post_init
    from django.test.utils import CaptureQueriesContext

    try:
        client.get(url)  # warm-up: template compile, caches
    except Exception as exc:  # noqa: BLE001 - report, don't crash
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"}
    sql_seconds = [0.0]
    instances = {}

    timed_queries = []

    def timed(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - t0
            sql_seconds[0] += took
            timed_queries.append((sql, params, took))

    def count_instance(sender, **kwargs):
        instances[sender.__name__] = instances.get(sender.__name__, 0) + 1

    post_init.connect(count_instance, weak=False)
    try:
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed):
            response = client.get(url)
    finally:
        post_init.disconnect(count_instance)
    queries = list(captured.captured_queries)  # copy now: the next request's reset_queries empties the log
    if response.status_code != 200:
        return {"error": f"HTTP {response.status_code}"}
    body = response.content
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - t0)
    return {
        "queries": len(queries),
        "sql_ms": 1000 * sql_seconds[0],  # time inside cursor.execute() (an execute_wrapper); SQLite fetches lazily after it
        "ms": 1000 * statistics.median(times),
        "bytes": len(body),
        "rows": body.count(b"<tr data-project="),
        "instances": instances,
        "sql": [q["sql"] for q in queries],
        "sql_timed": timed_queries,
        "body": body,
    }


def dashboard_sections(body: bytes) -> dict:
    """The counts in the dashboard's section headings, e.g. ``<h2 id="late">Late (12)</h2>``.

    Headings without an id are taken in page order as late, at risk (the older template)."""
    found = re.findall(rb'<h2(?: id="(\w+)")?>[^<(]*\((\d+)\)</h2>', body)
    if found and all(key for key, _ in found):
        return {key.decode(): int(n) for key, n in found}
    return dict(zip(["late", "warn"], (int(n) for _, n in found)))


def reference_counts(user) -> dict:
    """Late / at-risk / awaiting-review computed the slow, obvious way: every open project and its
    milestones classified in Python with the app's own schedule functions. Used to check that the
    dashboard's headings say the same, whatever the view does internally."""
    from django.utils import timezone

    import whatif
    from projects import access, schedule
    from projects.models import Deliverable
    from projects.models.workflow import GATE_KIND, OPEN_STATES

    today, calendar = timezone.localdate(), schedule.WorkCalendar.load()
    rows = whatif.classified(access.projects_visible_to(user).filter(state__in=OPEN_STATES), today, calendar)
    submitted = set(Deliverable.objects.filter(status="submitted").values_list("project_id", "kind"))
    return {
        "open": len(rows),
        "milestones": sum(len(p.milestones.all()) for p in rows),
        "late": sum(p.rag == schedule.RED for p in rows),
        "warn": sum(p.rag == schedule.YELLOW for p in rows),
        "gate": sum(p.state in GATE_KIND for p in rows),
        "awaiting": sum(p.state in GATE_KIND and (p.pk, GATE_KIND[p.state]) in submitted for p in rows),
    }


def slowest_query(stats):
    """The slowest SQL of a page's captured request; on PostgreSQL also its EXPLAIN ANALYZE
    planning / execution / JIT times (JIT kicks in on high cost estimates, e.g. correlated subqueries)."""
    from django.db import connection

    if "error" in stats or not stats.get("sql_timed"):
        return None
    sql, params, seconds = max(stats["sql_timed"], key=lambda q: q[2])
    out = {"ms": 1000 * seconds, "sql": sql[:160] + ("…" if len(sql) > 160 else "")}
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cur.fetchone()[0][0]
        jit = plan.get("JIT", {}).get("Timing", {})
        out["explain"] = (f"planning {plan['Planning Time']:.1f} ms, execution {plan['Execution Time']:.1f} ms"
                          + (f", of which JIT {jit.get('Total', 0):.1f} ms ({plan['JIT']['Functions']} functions)" if jit else ", no JIT"))
        if jit:
            from django.db import transaction

            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET LOCAL jit = off")
                cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                plan = cur.fetchone()[0][0]
            out["explain"] += f"; with jit=off: execution {plan['Execution Time']:.1f} ms"
    return out


# --- real server + load ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env, port, logfile):
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see {logfile.name}")
        try:
            status, _, _ = fetch(port, BASELINE[1], None)
            if status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("server did not answer within 60 s")


def stop_server(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the process group we started (start_new_session)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def fetch(port, path, cookie, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Connection": "close"}
        if cookie:
            headers["Cookie"] = cookie
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return response.status, len(body), response.getheader("Location")
    finally:
        conn.close()


def load(port, path, cookie, threads, total, max_seconds):
    """``total`` GETs of ``path`` from ``threads`` threads; stops early after ``max_seconds``."""
    for _ in range(2):  # warm-up
        fetch(port, path, cookie)
    lock = threading.Lock()
    issued = [0]
    latencies, errors, sizes = [], [], []
    stop_at = time.monotonic() + max_seconds

    def worker():
        while True:
            with lock:
                if issued[0] >= total or time.monotonic() >= stop_at:
                    return
                issued[0] += 1
            t0 = time.perf_counter()
            try:
                status, size, _ = fetch(port, path, cookie)
            except OSError as exc:
                with lock:
                    errors.append(repr(exc))
                continue
            elapsed = time.perf_counter() - t0
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                    sizes.append(size)
                else:
                    errors.append(status)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "n": len(latencies),
        "errors": len(errors),
        "wall": wall,
        "rps": len(latencies) / wall if wall else 0.0,
        "p50": 1000 * pct(latencies, 50),
        "p95": 1000 * pct(latencies, 95),
        "max": 1000 * latencies[-1] if latencies else float("nan"),
        "bytes": int(statistics.median(sizes)) if sizes else 0,
        "capped": len(latencies) + len(errors) < total,
    }


def pct(sorted_values, p):
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-p * len(sorted_values) // 100))
    return sorted_values[int(rank) - 1]


# --- report ---------------------------------------------------------------------------------------


def fmt_int(n):
    return f"{n:,}"


def report(info, sizes_stats, dash_detail, plans, slowest, load_stats, what, args, seed_log, total_s):
    from django.db import connection

    lines = [f"### {'SQLite' if connection.vendor == 'sqlite' else 'PostgreSQL'}", "", info, ""]
    lines.append("Data: " + "; ".join(seed_log) + ".")
    lines += ["", "**Per request, in-process** (Django test Client, office user, DEBUG=false, median of "
              f"{args.repeats} renders after a warm-up, 3 at 10,000; SQL from CaptureQueriesContext; objects = model instances "
              "created during the request, from post_init):", ""]
    lines.append("| projects | page | SQL queries | SQL execute ms | total ms | KiB | table rows | objects |")
    lines.append("|---:|---|---:|---:|---:|---:|---:|---:|")
    for size, stats in sizes_stats:
        for label, url in PAGES:
            s = stats[label]
            if "error" in s:
                lines.append(f"| {fmt_int(size)} | `{url}` | **error: {s['error']}** | | | | | |")
                continue
            objects = sum(s["instances"].values())
            lines.append(
                f"| {fmt_int(size)} | `{url}` | {s['queries']} | {s['sql_ms']:.1f} | {s['ms']:.1f} | {s['bytes'] / 1024:.0f} | {s['rows']} | {fmt_int(objects)} |"
            )
    lines.append("")
    last = sizes_stats[-1]
    verdict = []
    for label, url in PAGES:
        ok = [(size, stats[label]) for size, stats in sizes_stats if "error" not in stats[label]]
        failed = [size for size, stats in sizes_stats if "error" in stats[label]]
        if failed:
            verdict.append(f"`{url}` **fails** at {', '.join(fmt_int(n) for n in failed)} projects ({sizes_stats[[n for n, _ in sizes_stats].index(failed[0])][1][label]['error']})")
        counts = [s["queries"] for _, s in ok]
        if len(ok) >= 2:
            (n0, a), (n1, b) = ok[0], ok[-1]
            g = n1 / n0
            limit = max(2.0, g ** 0.5)  # ×10 at ×100 projects: a bounded page doesn't drift that far
            objects = (sum(b["instances"].values()) or 1) / (sum(a["instances"].values()) or 1)
            scales = max(b["ms"] / a["ms"], b["bytes"] / a["bytes"], objects) > limit
            sql_scales = b["sql_ms"] / max(a["sql_ms"], 0.5) > limit and b["sql_ms"] > 20
            verdict.append(
                f"`{url}`: queries {' / '.join(map(str, counts))} (" + ("constant" if len(set(counts)) == 1 else "**NOT constant**")
                + f"); time ×{b['ms'] / a['ms']:.1f} ({a['ms']:.0f} → {b['ms']:.0f} ms), bytes ×{b['bytes'] / a['bytes']:.1f}, "
                f"objects {fmt_int(sum(a['instances'].values()))} → {fmt_int(sum(b['instances'].values()))} for ×{g:,.0f} projects: "
                + ("**grows with the number of projects**" if scales else "bounded")
                + (f"; but its SQL time grows: ×{b['sql_ms'] / max(a['sql_ms'], 0.5):.0f} ({a['sql_ms']:.0f} → {b['sql_ms']:.0f} ms), "
                   "**the SQL work is proportional to the number of projects**" if sql_scales else "")
            )
    if any("TEMP B-TREE" in line or "Sort" in line for line in plans):
        verdict.append("the list's page query sorts the whole visible table (no index serves ORDER BY created_at DESC, id DESC), "
                       "so its SQL time grows with the table and with the page number")
    lines += [f"- {v}." for v in verdict]
    for size, d in dash_detail:
        ref, head = d["reference"], d["headings"]
        if not head:
            lines.append(f"- Dashboard at {fmt_int(size)}: {fmt_int(ref['open'])} open projects, {fmt_int(ref['milestones'])} of their milestones; page failed.")
            continue
        agree = all(head.get(k) == ref[k] for k in head if k in ref)
        shown = ", ".join(f"{k} {v}" for k, v in head.items())
        lines.append(
            f"- Dashboard at {fmt_int(size)}: {fmt_int(ref['open'])} open projects with {fmt_int(ref['milestones'])} milestones in the database; "
            f"the request created {', '.join(f'{fmt_int(n)} {m}' for m, n in sorted(d['instances'].items(), key=lambda kv: -kv[1])[:3]) or 'no'} objects "
            f"and rendered {d['rows']} table rows; headings say {shown}. Reference (every open project classified in Python): "
            f"late {ref['late']}, at risk {ref['warn']}, awaiting review {ref['awaiting']} with a submitted deliverable "
            f"({ref['gate']} in a gate state). Headings " + ("agree." if agree else "**DISAGREE** with the reference.")
        )
    if slowest:
        lines.append(f"- Slowest query of the dashboard at {fmt_int(last[0])}: {slowest['ms']:.1f} ms"
                     + (f"; EXPLAIN ANALYZE: {slowest['explain']}" if slowest.get("explain") else "")
                     + f" — `{slowest['sql']}`")
    if plans:
        lines += ["", "Query plan of the list's page query at the largest size (`/projects/`, ORDER BY created_at DESC, id DESC LIMIT 50):", "", "```"]
        lines += plans
        lines.append("```")
    if load_stats:
        lines += [
            "",
            f"**Under concurrent load** at {fmt_int(sizes_stats[-1][0])} projects: `manage.py runserver --noreload` (threaded, DEBUG=false, "
            f"CONN_MAX_AGE=0 as the app defaults) on 127.0.0.1; {args.threads} client threads, new connection per request, "
            f"at most {args.requests} requests or {args.max_seconds:.0f} s per page (whichever first; requests in flight then still finish), "
            f"after 2 warm-up requests; logged in as the office user by session cookie. Baseline: `GET {BASELINE[1]}` on the same server.",
            "",
            "| page | requests | errors | p50 ms | p95 ms | max ms | req/s | KiB | p50 / baseline p50 | p95 / baseline p95 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        base = load_stats[BASELINE[0]]
        for label, url in [BASELINE] + PAGES:
            s = load_stats.get(label)
            if s is None:
                continue
            capped = " (time cap)" if s["capped"] else ""
            lines.append(
                f"| `{url}` | {s['n']}{capped} | {s['errors']} | {s['p50']:.0f} | {s['p95']:.0f} | {s['max']:.0f} | {s['rps']:.1f} | "
                f"{s['bytes'] / 1024:.0f} | {s['p50'] / base['p50']:.1f}× | {s['p95'] / base['p95']:.1f}× |"
            )
    if what:
        ix, d = what["index"], what["dashboard"]
        lines += [
            "",
            f"**What-if, on the throwaway database at {fmt_int(sizes_stats[-1][0])} projects** (bench/whatif.py; prototypes of fixes, see bench/README.md):",
            "",
            (f"- List page query alone (select_related, no prefetch), median of 7: an index already serves its order "
             f"(`{ix['already'].strip()}`): page 1 {ix['now']['page 1']:.1f} ms, page 50 {ix['now']['page 50']:.1f} ms." if "already" in ix else
             f"- List page query alone (select_related, no prefetch), median of 7: page 1 {ix['before']['page 1']:.1f} → {ix['after']['page 1']:.1f} ms, "
             f"page 50 {ix['before']['page 50']:.1f} → {ix['after']['page 50']:.1f} ms with an index on `(created_at DESC, id DESC)` "
             f"(plan then: `{ix['plan_after'].strip()}`)."),
            f"- Dashboard sections from one bounded milestone query ({fmt_int(d['candidates'])} (project, due, warn) tuples) plus an EXISTS count, "
            f"50 full rows fetched per section: {d['sql_ms']:.0f} ms for counts + rows, against {d['python_ms']:.0f} ms to load and classify "
            f"every open project in Python; same late and at-risk sets: {'yes' if d['same_sets'] else 'NO'} "
            f"(late {d['sql']['late']}, at risk {d['sql']['warn']}, awaiting review {d['sql']['awaiting']}); fetched rows correct: {'yes' if d['rows_ok'] else 'NO'}.",
        ]
    lines += ["", f"Whole run: {total_s:.0f} s.", ""]
    return "\n".join(lines)


SECTION = "## Web: office list and dashboard at 10,000 projects"
INTRO = "Produced by `bench/web_list.py`; re-running it replaces the block of its database backend."


# --- main -----------------------------------------------------------------------------------------


def main():
    args = parse_args()
    began = time.perf_counter()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    # On SIGTERM (e.g. `timeout`) it unwinds normally: stops the server, drops the throwaway database.
    with common.throwaway(args, prefix="web-list") as box:
        run(args, sizes, box.tmpdir, box.env, began)


def run(args, sizes, tmpdir, env, began):
    common.setup_django()
    from django.db import connection
    from django.test import Client

    import seedbulk
    from projects import access, views

    world = seedbulk.make_world()
    client = Client()
    client.force_login(world.office)

    sizes_stats, dash_detail, seed_log = [], [], []
    for size in sizes:
        t0 = time.perf_counter()
        made = seedbulk.add_projects(world, size - world.made)
        common.analyze()
        took = time.perf_counter() - t0
        seed_log.append(f"{fmt_int(size)} projects (+{fmt_int(made['projects'])} with {fmt_int(made['milestones'])} milestones, "
                        f"{fmt_int(made['transitions'])} transitions, {fmt_int(made['deliverables'])} submitted deliverables in {took:.1f} s)")
        print(f"seeded {size} projects: {made} in {took:.1f} s", flush=True)
        repeats = args.repeats if size < 10_000 else max(3, args.repeats - 2)
        stats = {label: render_stats(client, url, repeats) for label, url in PAGES}
        sizes_stats.append((size, stats))
        dashboard = stats["dashboard"]
        dash_detail.append((size, {
            "reference": reference_counts(world.office),
            "headings": dashboard_sections(dashboard["body"]) if "error" not in dashboard else {},
            "instances": dashboard.get("instances", {}),
            "rows": dashboard.get("rows"),
        }))
        for label, url in PAGES:
            s = stats[label]
            if "error" in s:
                print(f"  {size:>6} {url:<22} ERROR {s['error']}", flush=True)
                continue
            print(f"  {size:>6} {url:<22} queries={s['queries']:>3} sql={s['sql_ms']:8.1f} ms total={s['ms']:8.1f} ms "
                  f"bytes={s['bytes']:>9,} rows={s['rows']} objects={s['instances']}", flush=True)

    # Evidence for the reader: the SQL of the largest dashboard, and the list's plan.
    with open(tmpdir / "dashboard-queries.txt", "w") as f:
        for q in sizes_stats[-1][1]["dashboard"].get("sql", []):
            f.write(q[:400] + ("…" if len(q) > 400 else "") + "\n")
    slowest = slowest_query(sizes_stats[-1][1]["dashboard"])
    if slowest:
        print(f"slowest dashboard query: {slowest['ms']:.1f} ms {slowest.get('explain', '')}", flush=True)
    # The list's page query as projects/views.py builds it (the slice, then the table's columns).
    page_qs = access.projects_visible_to(world.office).order_by("-created_at", "-pk")[:50].values(
        "pk", "state", "next_due", "next_warn", **views.TABLE_COLUMNS)
    try:
        plans = page_qs.explain().splitlines()
        if len(plans) > 8:  # PostgreSQL: the top of the plan shows whether it sorts or walks an index
            plans = plans[:8] + ["  …"]
    except Exception as exc:  # explain is best effort
        plans = [f"(explain failed: {exc})"]

    load_stats = {}
    if not args.no_load:
        from django.conf import settings

        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        connection.close()
        port = free_port()
        server_env = {**os.environ, **env, "ALLOWED_HOSTS": "127.0.0.1", "PYTHONUNBUFFERED": "1"}
        log_path = tmpdir / "server.log"
        with open(log_path, "w") as logfile:
            proc = start_server(server_env, port, logfile)
            try:
                status, _, location = fetch(port, "/projects/", cookie)
                if status in (301, 302, 403):
                    raise RuntimeError(f"session cookie not accepted: GET /projects/ -> {status} {location}")
                for label, url in [BASELINE] + PAGES:
                    s = load(port, url, cookie, args.threads, args.requests, args.max_seconds)
                    load_stats[label] = s
                    print(f"  load {url:<22} n={s['n']:>3} err={s['errors']} p50={s['p50']:7.0f} ms p95={s['p95']:7.0f} ms "
                          f"max={s['max']:7.0f} ms {s['rps']:6.1f} req/s", flush=True)
            finally:
                stop_server(proc)
        errors = [line for line in log_path.read_text().splitlines() if "Traceback" in line or "Error" in line]
        if errors:
            print(f"server log has errors ({log_path}):\n" + "\n".join(errors[:10]))

    import whatif

    what = {}
    if not args.no_whatif:
        what["index"] = whatif.list_index(world.office)
        what["dashboard"] = whatif.dashboard_bounded(world.office)
        print(f"what-if: {what}", flush=True)

    text = report(common.django_machine(), sizes_stats, dash_detail, plans, slowest, load_stats, what, args, seed_log,
                  time.perf_counter() - began)
    common.write_results(args, section=SECTION, key=f"web_list:{connection.vendor}", intro=INTRO, text=text)


if __name__ == "__main__":
    main()
