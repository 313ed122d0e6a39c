#!/usr/bin/env python
"""Benchmark: the screenings side — view-beacon ingestion under gunicorn on PostgreSQL, audience
totals at 10 k and 1 M stored views, HLS packaging against a bare ffmpeg stream copy.

Not a test: it asserts nothing about time. Run from the repository root:

    .venv/bin/python bench/screenings.py      # postgres://postgres@127.0.0.1:5432/reelwork_bench_screen

What it does, in one run so the ratios compare like with like (see bench/README.md, "screenings.py"):
1. A throwaway PostgreSQL database (its name must contain "bench": dropped and recreated), local
   storage in a temp dir; 40 approved films with a ready cut each (bulk rows).
2. HLS: a 60 s 1280x720 H.264/AAC clip (keyframe every 2 s, like a proxy) becomes film 1's proxy;
   ``media.showings.hls_package`` makes its rendition once (the task's whole work: ffmpeg, storage,
   row), then ``media.pipeline.hls`` and a bare ``ffmpeg -i in.mp4 -c copy -f hls`` (same fMP4
   segment options) run in turn, both niced through ``media.ffmpeg.run``.
3. Beacon: a cloud showing open now with film 1 programmed through the services, one viewer link;
   the production server (``scripts/serve web``: gunicorn with studio/gunicorn.conf.py,
   REELWORK_MODE=production) with one extra URL, an empty view (bench/server_urls.py). 32 client
   threads, each with its own connection and its own viewers, post ``/watch/<token>/seen`` and
   the empty view in alternating timed phases; events/s and p95. Then the OnlineView rows are
   checked against the viewers the clients sent (every viewer beacons twice; some viewer ids are
   shared by all clients at once, to race).
4. Totals: 200 cloud showings of the films (bulk rows), OnlineView rows COPYed in up to 10,000
   and then 1,000,000; ``screenings.totals.audience_totals`` and the page ``screening-totals``:
   query count (must not change) and median time; the sums checked against the row count.
5. Writes its block of bench/RESULTS.md and prints it.
"""

import argparse
import datetime as dt
import http.client
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))

import reporting  # noqa: E402  (bench/reporting.py, beside this script)
import web_list  # noqa: E402  (its throwaway-database helpers)

SECTION = "## Screenings: view beacon, audience totals, HLS packaging"
INTRO = ("Produced by `bench/screenings.py`; re-running it replaces its block. See bench/README.md for what "
         "each line measures.")
SECRET_KEY = "bench-screenings-secret-" + "s" * 40
FILMS = 40
EVENTS = 200
FILMS_PER_EVENT = 5
SHARED_VIEWERS = 4  # viewer ids every client sends at once, to race on the unique constraint
# The timed endpoints, in the order each round runs them: the baseline, the real beacon, the old path.
PATHS = {
    "empty": lambda token: f"/bench/empty/{token}/seen",
    "beacon": lambda token: f"/watch/{token}/seen",
    "before": lambda token: f"/bench/seen-before/{token}/seen",
}
LABELS = {
    "empty": "empty Django view (`bench/server_urls.py`, same middleware)",
    "beacon": "`POST /watch/<token>/seen` (the app in production: written behind in batches, `screenings.ingest`)",
    "before": "the beacon's previous path (`bench/server_urls.seen_before`: `open_token` + `view_count`)",
}
NS = uuid.UUID("5f0c6a62-3c61-4c1e-9d1c-0b0e5c2e1a10")
OK = (200, 201, 202)  # answers that took the beacon (202: accepted, written behind)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/reelwork_bench_screen")
    ap.add_argument("--clients", type=int, default=32, help="concurrent client threads in the beacon phase")
    ap.add_argument("--phase-seconds", type=float, default=15.0, help="length of one timed load phase")
    ap.add_argument("--rounds", type=int, default=2, help="empty/beacon phase pairs (alternating)")
    ap.add_argument("--servers", default="0x1,2x16",
                    help="gunicorn WORKERSxTHREADS, one beacon run each (0 workers: the config's default, 2 × cores + 1; "
                         "threads > 1: gunicorn's gthread worker)")
    ap.add_argument("--conn-max-age", default="", help="DATABASE_CONN_MAX_AGE of the server ('': the production default, 60 s)")
    ap.add_argument("--port", type=int, default=0, help="first port of the servers it starts (0: any free port)")
    ap.add_argument("--parts", default="hls,beacon,totals", help="what to run; RESULTS.md is written only when all three ran")
    ap.add_argument("--sizes", default="10000,1000000", help="stored OnlineView rows for the totals (ascending)")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per measurement (median)")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the HLS clip")
    ap.add_argument("--results", default=str(BENCH_DIR / "RESULTS.md"), help="markdown file to update ('' to skip)")
    ap.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL database and the temp dir")
    return ap.parse_args()


def main():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("the beacon phase is about PostgreSQL: give a postgres:// URL")
    began = time.perf_counter()
    tmpdir = Path(tempfile.mkdtemp(prefix="reelwork-bench-screenings-"))
    try:
        database_url = web_list.prepare_database(args.database_url, tmpdir)
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    os.environ.update({
        "DATABASE_URL": database_url, "DEBUG": "false", "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "SECRET_KEY": SECRET_KEY, "REELWORK_VAR_DIR": str(tmpdir / "var"), "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "studio.settings",
    })
    for name in ("REELWORK_S3", "REELWORK_MODE", "TASKS_BACKEND", "DATABASE_CONN_MAX_AGE"):
        os.environ.pop(name, None)
    try:
        run(args, tmpdir, began)
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            web_list.drop_database(database_url)
            shutil.rmtree(tmpdir, ignore_errors=True)
        else:
            print(f"kept: {database_url} (temp dir {tmpdir})")


# --- data ---------------------------------------------------------------------------------------


def make_films(world, n):
    """``n`` approved films of the world's units, each with a ready, accepted v1 cut (bulk rows)."""
    from django.db import transaction
    from django.utils import timezone

    import seedbulk
    from media.models import Cut
    from projects.models import Deliverable, Origin, State, Topic, VideoProject

    rng, now = world.rng, timezone.now()
    with transaction.atomic():
        topics = []
        for i in range(n):
            unit = world.units[i % len(world.units)]
            title = f"{rng.choice(seedbulk.PLACES)}的{rng.choice(seedbulk.PEOPLE)}（展播第{i + 1}号）"
            topics.append(Topic(call=world.call, unit=unit, title=title, logline=f"{title}。", genre=world.genres[i % len(world.genres)],
                                proposed_track=world.tracks["project"], pitched_by=world.producers[unit.pk]))
        Topic.objects.bulk_create(topics)
        films = VideoProject.objects.bulk_create([
            VideoProject(topic=t, unit=t.unit, genre=t.genre, track=world.tracks["project"], state=State.APPROVED,
                         origin=Origin.SELF_SELECTED) for t in topics])
        deliverables = Deliverable.objects.bulk_create([
            Deliverable(project=f, kind="cut", version=1, status=Deliverable.Status.ACCEPTED, note="定稿",
                        author=world.producers[f.unit_id], submitted_at=now) for f in films])
        Cut.objects.bulk_create([
            Cut(deliverable=d, original_key=f"cuts/{d.project_id}/v1/original/cut.mp4", original_name="cut.mp4", size=1,
                sha256="0" * 64, status=Cut.Status.READY, progress=1.0, qc_passed=True,
                probe={"duration": 600.0, "fps": 25.0, "width": 1920, "height": 1080}) for d in deliverables])
    return films


def make_clip(path: Path, seconds: float) -> Path:
    """A proxy-like clip: 1280x720 25 fps H.264 (x264 ultrafast, keyframe every 2 s) + AAC, fast-start MP4."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50", "-keyint_min", "50",
         "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-shortest", str(path)],
        check=True, timeout=600, stdin=subprocess.DEVNULL,
    )
    return path


# --- 3. HLS packaging -----------------------------------------------------------------------------


def bare_hls_command(src: Path, out: Path, segment_seconds: int) -> list[str]:
    """The plain stream copy, with the same fMP4 segment options as the app's."""
    from media import ffmpeg as ff

    return [ff.FFMPEG, "-nostdin", "-hide_banner", "-y", "-loglevel", "info", "-progress", "pipe:1", "-nostats",
            "-i", str(src), "-c", "copy", "-f", "hls", "-hls_time", str(segment_seconds), "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
            "-hls_segment_filename", str(out / "seg_%05d.m4s"), str(out / "index.m3u8")]


def hls_stats(film, clip, tmpdir, repeats, seconds):
    from media import ffmpeg as ff
    from media import pipeline, showings, storage
    from media.models import Rendition

    cut = showings.film_cut(film)
    key = storage.rendition_key(film.pk, cut.deliverable.version, "proxy.mp4")
    storage.put_file(key=key, path=clip)
    Rendition.objects.update_or_create(cut=cut, kind=Rendition.Kind.PROXY, defaults={"key": key, "size": clip.stat().st_size})
    t0 = time.perf_counter()
    outcome = showings.hls_package(cut_id=cut.pk)
    task_s = time.perf_counter() - t0
    if outcome != "ready":
        raise RuntimeError(f"hls_package ended {outcome!r}")
    probe = ff.probe(clip)
    segment = showings.segment_seconds()
    app, bare, segments = [], [], (0, 0)
    for i in range(repeats):
        order = ("app", "bare") if i % 2 == 0 else ("bare", "app")
        for which in order:
            out = tmpdir / f"hls-{which}-{i}"
            out.mkdir()
            t = time.perf_counter()
            if which == "app":
                package = pipeline.hls(clip, out, probe, segment_seconds=segment)
                app.append(time.perf_counter() - t)
                segments = (len(package.segments), segments[1])
                if not package.copied:
                    raise RuntimeError("the app encoded the proxy-like clip instead of copying it")
            else:
                ff.run(bare_hls_command(clip, out, segment), timeout=600, duration=seconds)
                bare.append(time.perf_counter() - t)
                segments = (segments[0], len(list(out.glob("seg_*.m4s"))))
            shutil.rmtree(out)
    return {"task_s": task_s, "app": app, "bare": bare, "segments": segments, "segment_seconds": segment,
            "clip_mb": clip.stat().st_size / 1e6}


# --- 1. the beacon under gunicorn -----------------------------------------------------------------


def start_server(tmpdir, port, workers, threads, conn_max_age, logfile):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(REELWORK_MODE="production", DJANGO_SETTINGS_MODULE="bench.server_settings", ALLOWED_HOSTS="127.0.0.1",
               SECURE_SSL_REDIRECT="false", REELWORK_ADDR=f"127.0.0.1:{port}", PY=sys.executable, LOG_LEVEL="WARNING",
               WEB_THREADS=str(threads))
    if conn_max_age != "":
        env["DATABASE_CONN_MAX_AGE"] = conn_max_age
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    proc = subprocess.Popen([str(ROOT / "scripts" / "serve"), "web"], cwd=ROOT, env=env, stdout=logfile,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"scripts/serve exited with {proc.returncode}; see {logfile.name}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    web_list.stop_server(proc)
    raise RuntimeError("gunicorn did not answer within 120 s")


class Client(threading.Thread):
    """One client: its own connection (reopened when the server closes it: gunicorn's sync
    workers close after each response) and its own viewers, each sending the beacon twice."""

    def __init__(self, index, port, token, phases):
        super().__init__(daemon=True)
        self.index, self.port, self.token, self.phases = index, port, token, phases
        self.sent = 0  # requests made so far (the viewer sequence continues across phases)
        self.results = {}  # phase name -> list of (latency s, status)
        self.counted = []  # viewer ids answered 201 (counted in the request: the previous path)
        self.queued = 0  # answers 202 (accepted, written behind: the app's beacon in production)
        self.viewers = set()  # viewer ids answered 200, 201 or 202
        self.errors = []

    def viewer(self, j):
        if j % 16 == 0:
            return uuid.uuid5(NS, f"shared-{(j // 16) % SHARED_VIEWERS}")
        return uuid.uuid5(NS, f"client-{self.index}-{j // 2}")

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for name, path_of, start_at, stop_at, kind in self.phases:
            beacon = kind != "empty"
            while time.monotonic() < start_at:
                time.sleep(0.01)
            out = self.results.setdefault(name, [])
            while time.monotonic() < stop_at:
                viewer = self.viewer(self.sent) if beacon else uuid.uuid5(NS, f"empty-{self.index}")
                headers = {"Host": "127.0.0.1", "Cookie": f"reelwork_viewer={viewer}", "Content-Length": "0"}
                t = time.perf_counter()
                try:
                    conn.request("POST", path_of(self.token), headers=headers)
                    response = conn.getresponse()
                    response.read()
                    if response.getheader("Connection", "").lower() == "close":
                        conn.close()
                except OSError as exc:
                    conn.close()
                    self.errors.append(repr(exc))
                    continue
                out.append((time.perf_counter() - t, response.status))
                if beacon:
                    self.sent += 1
                    if response.status in OK:
                        self.viewers.add(viewer)
                    if response.status == 201:
                        self.counted.append(viewer)
                    self.queued += response.status == 202
        conn.close()


def beacon_stats(args, tmpdir, token, event, workers, threads, port):
    from screenings.models import OnlineView

    log = open(tmpdir / f"server-{workers}x{threads}.log", "w+")
    proc = start_server(tmpdir, port, workers, threads, args.conn_max_age, log)
    try:
        # Warm-up (every worker imports the app on its first request), then alternating timed phases.
        plan = [(f"warm-{kind}", PATHS[kind], 3.0, kind) for kind in PATHS]
        for r in range(args.rounds):
            plan += [(f"{kind}-{r}", PATHS[kind], args.phase_seconds, kind) for kind in PATHS]
        phases, at = [], time.monotonic() + 0.5
        for name, path_of, seconds, kind in plan:
            phases.append((name, path_of, at, at + seconds, kind))
            at += seconds + 1.0  # a second's pause: requests in flight finish before the next phase
        clients = [Client(i, port, token, phases) for i in range(args.clients)]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        booted = sum(1 for line in log_lines(log) if "Booting worker" in line)
    finally:
        web_list.stop_server(proc)
        log.close()
    stats = {}
    for kind in PATHS:
        rounds = [[x for c in clients for x in c.results.get(f"{kind}-{r}", [])] for r in range(args.rounds)]
        statuses = {}
        for _, status in (x for rows in rounds for x in rows):
            statuses[status] = statuses.get(status, 0) + 1
        ok = sorted(lat for rows in rounds for lat, s in rows if s in OK)
        per_round = [sum(1 for _, s in rows if s in OK) / args.phase_seconds for rows in rounds]
        stats[kind] = {"n": len(ok), "statuses": statuses, "rps": len(ok) / (args.rounds * args.phase_seconds), "per_round": per_round,
                       "p50": 1000 * web_list.pct(ok, 50), "p95": 1000 * web_list.pct(ok, 95), "max": 1000 * ok[-1] if ok else 0}
    viewers = set().union(*(c.viewers for c in clients))
    counted = [v for c in clients for v in c.counted]
    # Read after the server stopped: its workers wrote what they had buffered on the way out.
    rows = list(OnlineView.objects.filter(event=event).values_list("viewer_id", flat=True))
    stats["check"] = {
        "viewers": len(viewers), "rows": len(rows), "counted_answers": len(counted), "queued_answers": sum(c.queued for c in clients),
        "ok": set(rows) == viewers and len(rows) == len(set(rows)) and len(counted) == len(set(counted)) and set(counted) <= set(rows),
        "errors": sum(len(c.errors) for c in clients), "error_sample": next((c.errors[0] for c in clients if c.errors), ""),
    }
    stats["workers"], stats["threads"] = workers or 2 * os.cpu_count() + 1, threads
    stats["restarts"] = booted - stats["workers"]
    return stats


def beacon_inprocess(token, repeats):
    """The beacon and the empty view through Django's test Client (one connection kept open):
    queries and median time of one request, new viewers each time (the rows are deleted again)."""
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext, override_settings

    from screenings.models import OnlineView

    out = {}
    with override_settings(ROOT_URLCONF="bench.server_urls"):
        client = TestClient()
        for name, path_of in PATHS.items():
            path = path_of(token)
            times = []
            for i in range(repeats + 1):
                client.cookies["reelwork_viewer"] = str(uuid.uuid4())
                with CaptureQueriesContext(connection) as captured:
                    t = time.perf_counter()
                    response = client.post(path)
                    took = time.perf_counter() - t
                if response.status_code not in (200, 201):
                    raise RuntimeError(f"{path} answered {response.status_code}: {response.content[:200]!r}")
                if i:
                    times.append(took)
            out[name] = {"queries": len(captured), "ms": 1000 * statistics.median(times)}
    OnlineView.objects.all().delete()
    return out


def log_lines(log):
    log.flush()
    log.seek(0)
    return log.read().splitlines()


# --- 2. totals ------------------------------------------------------------------------------------


def make_events(world, films):
    """``EVENTS`` cloud showings over the last three years, ``FILMS_PER_EVENT`` films each (bulk rows)."""
    from django.db import transaction
    from django.utils import timezone

    from screenings.models import Event, Slot

    rng, now = world.rng, timezone.now()
    with transaction.atomic():
        events = Event.objects.bulk_create([
            Event(kind=Event.Kind.CLOUD, title=f"“五华先锋”云展播 第{i + 1}期", platform="五华先锋", created_by=world.organiser,
                  starts_at=(start := now - dt.timedelta(days=rng.randint(10, 3 * 365))), ends_at=start + dt.timedelta(days=3))
            for i in range(EVENTS)])
        slots = Slot.objects.bulk_create([
            Slot(event=e, film=f, starts_at=e.starts_at, ends_at=e.ends_at)
            for e in events for f in rng.sample(films, FILMS_PER_EVENT)])
    return [(s.event_id, s.film_id, s.starts_at) for s in slots]


def add_views(pairs, n, rng):
    """COPY ``n`` OnlineView rows spread over the (event, film) pairs, each counted in its showing's window."""
    from django.db import connection

    from screenings.models import OnlineView

    table = connection.ops.quote_name(OnlineView._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} (event_id, film_id, viewer_id, counted_at) FROM STDIN") as copy:
            for _ in range(n):
                event_id, film_id, starts_at = pairs[rng.randrange(len(pairs))]
                copy.write_row((event_id, film_id, uuid.UUID(int=rng.getrandbits(128), version=4),
                                starts_at + dt.timedelta(seconds=rng.randrange(3 * 86400))))
        cursor.execute("ANALYZE")


def totals_stats(client, repeats):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from screenings.models import OnlineView
    from screenings.totals import audience_totals

    out = {}
    audience_totals()  # warm-up
    with CaptureQueriesContext(connection) as captured:
        totals = audience_totals()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        audience_totals()
        times.append(time.perf_counter() - t)
    rows = OnlineView.objects.count()
    sums = {name: sum(r.audience.online for r in getattr(totals, name)) for name in ("by_film", "by_event", "by_kind", "by_genre", "by_year")}
    out["function"] = {"queries": len(captured), "ms": 1000 * statistics.median(times), "rows": rows,
                       "ok": totals.overall.online == rows and all(v == rows for v in sums.values())}
    page = web_list.render_stats(client, reverse("screening-totals"), repeats)
    out["page"] = page
    return out


# --- run and report -------------------------------------------------------------------------------


def run(args, tmpdir, began):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client as TestClient
    from django.utils import timezone

    import seedbulk
    from screenings import links, services
    from screenings.models import Event, OnlineView, ViewRollup

    load_start = os.getloadavg()
    call_command("migrate", verbosity=0, interactive=False)
    world = seedbulk.make_world()
    films = make_films(world, FILMS)
    film = films[0]

    parts = set(args.parts.split(","))
    hls = None
    if "hls" in parts:
        print("HLS: making the clip …", flush=True)
        clip = make_clip(tmpdir / "proxy.mp4", args.seconds)
        hls = hls_stats(film, clip, tmpdir, args.repeats, args.seconds)
        print(f"HLS: task {hls['task_s']:.2f} s; pipeline.hls median {statistics.median(hls['app']):.2f} s, bare "
              f"{statistics.median(hls['bare']):.2f} s", flush=True)
    else:  # the beacon's link needs a rendition to open: a made-up one is enough, no file is read
        from media import showings
        from media.models import Rendition

        Rendition.objects.create(cut=showings.film_cut(film), kind=Rendition.Kind.HLS, key="bench/none/index.m3u8", size=1)

    now = timezone.now().replace(microsecond=0)
    beacons, inproc = [], None
    for n, server in enumerate(args.servers.split(",") if "beacon" in parts else []):
        workers, threads = (int(x) for x in server.split("x"))
        event = services.event_create(user=world.organiser, kind=Event.Kind.CLOUD, title=f"“五华先锋”云展播（基准 {server}）",
                                      platform="五华先锋", starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3))
        services.slot_add(event=event, user=world.organiser, film=film)
        link = services.link_create(event=event, user=world.organiser, film=film, label="基准")
        token = links.token_for(link)
        if not links.open_token(token).open:
            raise RuntimeError(f"the benchmark's link does not play: {links.open_token(token).status}")
        if inproc is None:
            inproc = beacon_inprocess(token, args.repeats * 4)
            print(f"beacon in-process: {inproc}", flush=True)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        connection.close()  # the server's workers have the database to themselves
        print(f"beacon ({server}): {args.clients} clients, {args.rounds} × "
              f"({args.phase_seconds:g} s per endpoint) …", flush=True)
        port = args.port + n if args.port else web_list.free_port()
        beacon = beacon_stats(args, tmpdir, token, event, workers, threads, port)
        beacons.append(beacon)
        print(f"beacon: {beacon['beacon']['rps']:.0f}/s p95 {beacon['beacon']['p95']:.0f} ms; empty {beacon['empty']['rps']:.0f}/s "
              f"p95 {beacon['empty']['p95']:.0f} ms; before {beacon['before']['rps']:.0f}/s; check {beacon['check']}", flush=True)

    totals = []
    if "totals" in parts:
        pairs = make_events(world, films)
        client = TestClient()
        client.force_login(world.office)
        rng = random.Random(20261203)
        from screenings import rollups

        fresh = rollups.ROLL_UP_EVERY
        for size in [int(s) for s in args.sizes.split(",")]:
            # All but the last ROLL_UP_EVERY views rolled up: the most the beacon leaves after the mark.
            t = time.perf_counter()
            # The beacon phases left views of their own: count what is there, not what was added.
            add_views(pairs, max(0, size - fresh - OnlineView.objects.count()), rng)
            loaded = time.perf_counter() - t
            t = time.perf_counter()
            rolled = rollups.views_roll_up()
            roll_s = time.perf_counter() - t
            add_views(pairs, fresh, rng)
            stats = totals_stats(client, args.repeats)
            stats["roll_up"] = {"rows": rolled, "s": roll_s, "fresh": fresh,
                                "rollup_rows": ViewRollup.objects.count()}
            totals.append((size, loaded, stats))
            print(f"totals at {size:,}: loaded in {loaded:.1f} s; roll-up of {rolled:,} in {roll_s:.1f} s; function q={stats['function']['queries']} "
                  f"{stats['function']['ms']:.0f} ms ok={stats['function']['ok']}; page q={stats['page'].get('queries')} "
                  f"{stats['page'].get('ms', 0):.0f} ms", flush=True)
    if parts != {"hls", "beacon", "totals"}:
        print(f"only {sorted(parts)} ran: RESULTS.md left as it was")
        return

    version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.splitlines()[0].split(" Copyright")[0]
    info = reporting.machine(f"Django {django.get_version()}", web_list.backend_label(), version, load_start=load_start)
    text = report(info, args, hls, beacons, inproc, totals, time.perf_counter() - began)
    print()
    print(text)
    if args.results:
        reporting.write_block(Path(args.results), section=SECTION, key="screenings", intro=INTRO, block=text)
        print(f"written to {args.results}")


def server_label(beacon) -> str:
    if beacon["threads"] > 1:
        return f"{beacon['workers']} gthread workers × {beacon['threads']} threads"
    return f"{beacon['workers']} sync workers"


def report(info, args, hls, beacons, inproc, totals, total_s):
    app, bare = statistics.median(hls["app"]), statistics.median(hls["bare"])
    lines = [
        f"{info} Whole run {total_s:.0f} s. The machine is shared (2 cores, CI and other sessions running: see the load "
        "average); the client threads, gunicorn and PostgreSQL share the same 2 cores, so read the ratios, not the "
        "absolute numbers.",
        "",
        f"**1. View beacon under gunicorn** (`scripts/serve web`, REELWORK_MODE=production, `DATABASE_CONN_MAX_AGE` "
        f"{args.conn_max_age or 'the production default, 60 s'}, PostgreSQL), {args.clients} client threads (Python "
        f"`http.client`, a connection each, reopened when the server closes it: sync workers close after every response, "
        f"gthread workers keep it alive), {args.rounds} rounds of {args.phase_seconds:g} s per endpoint, alternating, "
        "for each gunicorn set-up:",
        "",
        "| gunicorn | endpoint | requests/s (per round) | p50 ms | p95 ms | max ms | answers |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for beacon in beacons:
        for kind, s in ((k, beacon[k]) for k in PATHS):
            rounds = " / ".join(f"{x:.0f}" for x in s["per_round"])
            answers = ", ".join(f"{k}: {v:,}" for k, v in sorted(s["statuses"].items()))
            lines.append(f"| {server_label(beacon)} | {LABELS[kind]} | {s['rps']:.0f} ({rounds}) | {s['p50']:.0f} | "
                         f"{s['p95']:.0f} | {s['max']:.0f} | {answers} |")
    lines.append("")
    for beacon in beacons:
        b, e, w, check = beacon["beacon"], beacon["empty"], beacon["before"], beacon["check"]
        ratio = b["rps"] / e["rps"] if e["rps"] else float("nan")
        lines.append(
            f"- {server_label(beacon)}: beacon throughput = **{100 * ratio:.0f} %** of the empty view's (target ≥ 70 %: "
            f"{'met' if ratio >= 0.7 else 'NOT met'}); p95 {b['p95'] / e['p95']:.1f}× the empty view's; the previous path "
            f"{100 * w['rps'] / e['rps']:.0f} %, p95 {w['p95'] / e['p95']:.1f}×. "
            f"gunicorn restarted {beacon['restarts']} workers during the run (`max_requests` 2000 ± 200). "
            f"Correctness: {check['viewers']:,} distinct viewers answered, {check['rows']:,} OnlineView rows (read after the "
            f"server stopped), {check['queued_answers']:,} answers 202 (queued) from the beacon and "
            f"{check['counted_answers']:,} `counted: true` from the previous path — "
            f"{'every viewer answered has exactly one row' if check['ok'] else 'MISMATCH'}. Client errors: {check['errors']}"
            + (f" (e.g. {check['error_sample']})" if check["errors"] else "") + ".")
    lines += [
        "",
        f"Each viewer sent its beacon twice, and {SHARED_VIEWERS} viewer ids were "
        f"sent by all {args.clients} clients at once, to race on the unique constraint. In-process (test Client, one "
        f"connection kept open, outside production: each beacon written in its own request, one statement): the beacon runs {inproc['beacon']['queries']} queries in "
        f"{inproc['beacon']['ms']:.1f} ms, the previous path {inproc['before']['queries']} in {inproc['before']['ms']:.1f} ms, "
        f"the empty view {inproc['empty']['queries']} in {inproc['empty']['ms']:.1f} ms (medians). Both beacon paths "
        "write the same table: the correctness check covers both.",
        "",
        f"**2. Audience totals** ({EVENTS} cloud showings × {FILMS_PER_EVENT} of {FILMS} films, OnlineView rows COPYed in, "
        f"then `screenings.rollups.views_roll_up` (the task the beacon asks for every {totals[0][2]['roll_up']['fresh']:,} "
        f"views), then {totals[0][2]['roll_up']['fresh']:,} more views after its mark, the most the beacon leaves there; "
        f"`ANALYZE`d; median of {args.repeats}; the page as the office through the test Client, DEBUG off):",
        "",
        "| stored views | roll-up: views added, s, rows it holds | `audience_totals()` queries | ms | page queries | page ms | sums = rows |",
        "| ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for size, _, s in totals:
        f, p, r = s["function"], s["page"], s["roll_up"]
        lines.append(f"| {f['rows']:,} | {r['rows']:,}, {r['s']:.1f} s, {r['rollup_rows']:,} | {f['queries']} | {f['ms']:.0f} | "
                     f"{p.get('queries', p.get('error'))} | {p.get('ms', float('nan')):.0f} | {'yes' if f['ok'] else 'NO'} |")
    queries = {s["function"]["queries"] for _, _, s in totals} | {s["page"].get("queries") for _, _, s in totals}
    lines += [
        "",
        f"Query count {'constant' if len({s['function']['queries'] for _, _, s in totals}) == 1 and len({s['page'].get('queries') for _, _, s in totals}) == 1 else 'CHANGES'} "
        f"across sizes ({', '.join(str(q) for q in sorted(q for q in queries if q is not None))}).",
        "",
        f"**3. HLS packaging** of a {args.seconds:g} s 1280x720 25 fps H.264 (x264 ultrafast, keyframe every 2 s) + AAC clip "
        f"({hls['clip_mb']:.1f} MB), {hls['segment_seconds']} s fMP4 segments, both niced through `media.ffmpeg.run`, "
        f"{args.repeats} runs each in turn:",
        "",
        "| what | median s | min s | segments |",
        "| --- | ---: | ---: | ---: |",
        f"| `media.pipeline.hls` (stream copy) | {app:.2f} | {min(hls['app']):.2f} | {hls['segments'][0]} |",
        f"| bare `ffmpeg -i in.mp4 -c copy -f hls` (same segment options) | {bare:.2f} | {min(hls['bare']):.2f} | {hls['segments'][1]} |",
        f"| `media.showings.hls_package` once (probe, ffmpeg, files into local storage, the row) | {hls['task_s']:.2f} | | |",
        "",
        f"`pipeline.hls` / bare copy: **{app / bare:.2f}×** (medians), {min(hls['app']) / min(hls['bare']):.2f}× (minimums).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
