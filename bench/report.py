#!/usr/bin/env python
"""Benchmark: the annual report for a year of 1,000 and then 10,000 projects with 100,000 and
then 1,000,000 online views — query count (must not change with the size) and time of the one
report function, the page, the API and the XLSX export, against the office's project list page
measured in the same run.

Not a test: it asserts nothing about time. Run from the repository root:

    .venv/bin/python bench/report.py      # postgres://postgres@127.0.0.1:5432/reelwork_bench_report

What it does (see bench/README.md, "report.py"):
1. A throwaway PostgreSQL database (its name must contain "bench": dropped and recreated).
2. Per size, ``bench/seedbulk.py`` adds projects to this year's call (its mix of states, tracks,
   genres; milestones met, late and open; timelines), then, as bulk rows: every project that
   reached panel review gets a cut in one of 20 closed sessions of a five-member panel (two
   groups), a submitted scorecard per member on the shipped rubric and the office's decision (a
   quarter returned once first); the films shown (approved, screening, archived) are programmed
   into 100 cloud showings of this year; OnlineView rows are COPYed in (each in its showing's
   window, this year) up to 10 % of the size × 1,000 … i.e. 1,000,000 at 10,000 projects; a
   course showing with a headcount per 10 films. ``ANALYZE``.
3. In-process, as the office through Django's test Client (DEBUG off): ``reports.report.annual_report``
   (queries, median time), the page ``/reports/<year>/``, ``/api/reports/<year>/`` and the XLSX
   export (``web_list.render_stats``: queries, median wall time, bytes), and the baseline, the
   project list ``/projects/`` of the same database. The report's audience total is checked
   against the OnlineView and headcount rows.
4. Writes its block of bench/RESULTS.md and prints it.
"""

import datetime as dt
import os
import random
import statistics
import time
import uuid

import common  # first: it puts the repository on sys.path
import web_list  # its render_stats

SECTION = "## Annual report: a year of 10,000 projects and 1,000,000 views"
INTRO = ("Produced by `bench/report.py`; re-running it replaces its block. See bench/README.md for what each "
         "line measures.")
SECRET_KEY = "bench-report-secret-" + "r" * 40
SESSIONS, EVENTS, MEMBERS = 20, 100, 5
SHOWN = ("approved", "screening", "archived")
REVIEWED = ("panel_review", "approved", "screening", "archived")


def parse_args():
    ap = common.parser(__doc__, database_url="postgres://postgres@127.0.0.1:5432/reelwork_bench_report")
    ap.add_argument("--sizes", default="1000,10000", help="projects of the year (ascending)")
    ap.add_argument("--views-per-project", type=int, default=100, help="online views stored per project of the year")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per measurement (median)")
    return ap.parse_args()


def main():
    args = parse_args()
    began = time.perf_counter()
    with common.throwaway(args, prefix="report", env={"SECRET_KEY": SECRET_KEY}):
        run(args, began)


# --- data ---------------------------------------------------------------------------------------


class Panels:
    """The panel, its members and sessions, made once; cards added for each new batch of projects."""

    def __init__(self, world):
        from django.contrib.auth.models import Group, User

        from reviews.models import Criterion, Member, Panel, Rubric, Session

        self.world = world
        self.rubric = Rubric.objects.get(code="standard")
        self.criteria = list(Criterion.objects.filter(rubric=self.rubric))
        panel = Panel.objects.create(name="基准评审组", created_by=world.office)
        group = Group.objects.get(name="panelist")
        self.members = []
        for i in range(MEMBERS):
            user = User.objects.create(username=f"bench_panelist_{i}")
            user.groups.add(group)
            self.members.append(Member.objects.create(panel=panel, user=user, group=("expert", "leader", "grassroots")[i % 3]))
        self.sessions = [Session.objects.create(panel=panel, title=f"基准评审会 第{i + 1}次", rubric=self.rubric, phase="closed",
                                                created_by=world.office) for i in range(SESSIONS)]
        self.done = set()

    def add(self):
        from django.db import transaction
        from django.utils import timezone

        from media.models import Cut
        from projects.models import Deliverable, VideoProject
        from reviews.models import Decision, Entry, Score, Scorecard

        rng, now = self.world.rng, timezone.now()
        projects = [p for p in VideoProject.objects.filter(state__in=REVIEWED, topic__call=self.world.call).only("pk", "unit_id", "state")
                    if p.pk not in self.done]
        with transaction.atomic():
            # Versions from 11: seedbulk's projects waiting at the panel gate may hold a submitted v1 already.
            rounds = [(p, v) for p in projects for v in ((11, 12) if rng.random() < 0.25 else (11,))]
            deliverables = Deliverable.objects.bulk_create([
                Deliverable(project=p, kind="cut", version=v, status=Deliverable.Status.SUBMITTED, author=self.world.office,
                            submitted_at=now) for p, v in rounds], batch_size=2000)
            cuts = Cut.objects.bulk_create([
                Cut(deliverable=d, original_key=f"cuts/{d.project_id}/v{d.version}/original/cut.mp4", original_name="cut.mp4",
                    size=1, sha256="0" * 64, status=Cut.Status.READY, progress=1.0, qc_passed=True) for d in deliverables],
                batch_size=2000)
            entries = Entry.objects.bulk_create([
                Entry(session=self.sessions[(i + v) % SESSIONS], project=p, cut=c, position=i)
                for i, ((p, v), c) in enumerate(zip(rounds, cuts))], batch_size=2000)
            cards = Scorecard.objects.bulk_create([Scorecard(entry=e, member=m, submitted_at=now) for e in entries for m in self.members],
                                                  batch_size=2000)
            Score.objects.bulk_create([
                Score(card=card, criterion=c, passed=True) if c.is_veto else
                Score(card=card, criterion=c, value=rng.randint(max(c.min_score, c.max_score // 2), c.max_score))
                for card in cards for c in self.criteria], batch_size=5000)
            last = {}
            for p, v in rounds:
                last[p.pk] = max(v, last.get(p.pk, 0))
            Decision.objects.bulk_create([
                Decision(entry=e, verdict="pass" if v == last[p.pk] else "revise", proposed="pass" if v == last[p.pk] else "revise",
                         confirmed_by=self.world.office) for e, (p, v) in zip(entries, rounds)], batch_size=2000)
        self.done.update(p.pk for p in projects)
        return len(entries), len(cards)


def add_showings(world, events, views: int, rng):
    """Programme the year's shown films not yet programmed into the cloud showings, a course
    showing with a headcount per ten of them, and COPY ``views`` OnlineView rows."""
    from django.db import connection, transaction

    from projects.models import VideoProject
    from screenings.models import Event, InPersonCount, OnlineView, Slot, Venue

    films = list(VideoProject.objects.filter(state__in=SHOWN, topic__call=world.call, slots__isnull=True).values_list("pk", flat=True))
    venue = Venue.objects.get_or_create(name="基准 党群服务中心", defaults={"capacity": 300})[0]
    with transaction.atomic():
        Slot.objects.bulk_create([Slot(event=events[i % len(events)], film_id=f, starts_at=events[i % len(events)].starts_at,
                                 ends_at=events[i % len(events)].ends_at) for i, f in enumerate(films)], batch_size=2000)
        for i, film in enumerate(films[::10]):
            start = events[i % len(events)].starts_at
            course = Event.objects.create(kind=Event.Kind.COURSE, title=f"基准培训 {film}", venue=venue, roster_size=80,
                                          starts_at=start, ends_at=start + dt.timedelta(hours=3), created_by=world.organiser)
            slot = Slot.objects.create(event=course, film_id=film, venue=venue, starts_at=start, ends_at=start + dt.timedelta(hours=1))
            InPersonCount.objects.create(slot=slot, headcount=rng.randint(30, 80), recorded_by=world.organiser)
    pairs = [(s.event_id, s.film_id, s.starts_at) for s in Slot.objects.filter(event__in=events).only("event_id", "film_id", "starts_at")]
    table = connection.ops.quote_name(OnlineView._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} (event_id, film_id, viewer_id, counted_at) FROM STDIN") as copy:
            for _ in range(views):
                event_id, film_id, starts_at = pairs[rng.randrange(len(pairs))]
                copy.write_row((event_id, film_id, uuid.UUID(int=rng.getrandbits(128), version=4),
                                starts_at + dt.timedelta(seconds=rng.randrange(2 * 86400))))
    common.analyze()


def make_events(world):
    from django.utils import timezone

    from screenings.models import Event

    today = timezone.localdate()
    first = dt.date(today.year, 1, 1)
    span = max((today - first).days - 3, 1)
    return Event.objects.bulk_create([
        Event(kind=Event.Kind.CLOUD, title=f"“五华先锋”云展播 第{i + 1}期", platform="五华先锋", created_by=world.organiser,
              starts_at=(start := timezone.make_aware(dt.datetime.combine(first + dt.timedelta(days=span * i // EVENTS), dt.time(8)))),
              ends_at=start + dt.timedelta(days=2))
        for i in range(EVENTS)])


# --- measure --------------------------------------------------------------------------------------


def report_stats(client, year, repeats):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from reports.report import annual_report
    from reports.selectors import Scope
    from screenings.models import InPersonCount, OnlineView

    annual_report(Scope(year))  # warm-up
    with CaptureQueriesContext(connection) as captured:
        report = annual_report(Scope(year))
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        annual_report(Scope(year))
        times.append(time.perf_counter() - t)
    figures = {row.key: row.values["this"] for row in report.section("summary").tables[0].rows}
    online = OnlineView.objects.filter(counted_at__year=year).count()
    heads = sum(InPersonCount.objects.filter(current=True, slot__starts_at__year=year).values_list("headcount", flat=True))
    out = {"function": {"queries": len(captured), "ms": 1000 * statistics.median(times), "films": figures["films"],
                        "audience": figures["audience"], "ok": figures["online"] == online and figures["in_person"] == heads,
                        "cards": figures["cards"]}}
    for key, url in (("page", reverse("report", args=[year])), ("api", reverse("api-report", args=[year])),
                     ("xlsx", reverse("report-export", args=[year, "xlsx"])), ("list", reverse("project-list"))):
        stats = web_list.render_stats(client, url, repeats)
        out[key] = {k: stats.get(k) for k in ("queries", "ms", "bytes", "error")}
    return out


def run(args, began):
    common.setup_django()
    from django.test import Client
    from django.utils import timezone

    import seedbulk
    from screenings.models import OnlineView

    load_start = os.getloadavg()
    world = seedbulk.make_world()
    panels = Panels(world)
    events = make_events(world)
    client = Client()
    client.force_login(world.office)
    rng = random.Random(20261203)
    year = timezone.localdate().year
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        t = time.perf_counter()
        seedbulk.add_projects(world, size - world.made)
        entries, cards = panels.add()
        add_showings(world, events, size * args.views_per_project - OnlineView.objects.count(), rng)
        loaded = time.perf_counter() - t
        stats = report_stats(client, year, args.repeats)
        stats["loaded_s"], stats["size"], stats["views"] = loaded, size, OnlineView.objects.count()
        results.append(stats)
        f = stats["function"]
        print(f"{size:,} projects, {stats['views']:,} views (loaded in {loaded:.0f} s): report q={f['queries']} {f['ms']:.0f} ms "
              f"ok={f['ok']}; page q={stats['page']['queries']} {stats['page']['ms']:.0f} ms; list q={stats['list']['queries']} "
              f"{stats['list']['ms']:.0f} ms", flush=True)
    info = common.django_machine(load_start=load_start)
    text = report(info, args, results, time.perf_counter() - began)
    common.write_results(args, section=SECTION, key="report", intro=INTRO, text=text)


def report(info, args, results, total_s):
    lines = [
        f"{info} Whole run {total_s:.0f} s. The machine is shared (2 cores, other sessions running: see the load average); "
        "read the ratios against the project list, measured in the same run on the same database, more than the milliseconds.",
        "",
        f"In-process as the office (Django test Client, DEBUG off), median of {args.repeats} after a warm-up. The year's "
        f"projects come from `bench/seedbulk.py`; every project that reached panel review has 1–2 cuts in {SESSIONS} closed "
        f"sessions with {MEMBERS} submitted scorecards each; the shown films are in {EVENTS} cloud showings of this year with "
        "OnlineView rows COPYed in, and a course showing with a headcount per ten films.",
        "",
        "| projects | stored views | scorecards | `annual_report()` queries | ms | page queries | page ms | page KB | API ms | XLSX ms "
        "| project list queries | list ms | page ÷ list | audience checked |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in results:
        f, p, a, x, li = s["function"], s["page"], s["api"], s["xlsx"], s["list"]
        ratio = p["ms"] / li["ms"] if p.get("ms") and li.get("ms") else float("nan")
        lines.append(f"| {s['size']:,} | {s['views']:,} | {f['cards']:,} | {f['queries']} | {f['ms']:.0f} | {p.get('queries')} | "
                     f"{p.get('ms', float('nan')):.0f} | {(p.get('bytes') or 0) / 1024:.0f} | {a.get('ms', float('nan')):.0f} | "
                     f"{x.get('ms', float('nan')):.0f} | {li.get('queries')} | {li.get('ms', float('nan')):.0f} | {ratio:.1f}× | "
                     f"{'yes' if f['ok'] else 'NO'} |")
    constant = all(len({s[k]["queries"] if k != "function" else s[k]["queries"] for s in results}) == 1
                   for k in ("function", "page", "api", "xlsx"))
    growth = results[-1]["function"]["ms"] / results[0]["function"]["ms"] if len(results) > 1 else float("nan")
    size_ratio = results[-1]["size"] / results[0]["size"] if len(results) > 1 else float("nan")
    lines += [
        "",
        f"Query count {'constant' if constant else 'CHANGES'} across sizes (function, page, API, XLSX). "
        f"`annual_report()` time ×{growth:.1f} for ×{size_ratio:.0f} projects and views: no query per project, but the "
        "database groups every milestone, score and view of the year (see the note below for where the time goes).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
