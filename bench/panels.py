#!/usr/bin/env python
"""Benchmark: the panel's results board as a session grows, and a comment's frame thumbnail.

Not a test: it asserts nothing about time. Run from the repository root:

    .venv/bin/python bench/panels.py                      # SQLite file in a fresh temp dir
    .venv/bin/python bench/panels.py --database-url postgres://postgres@127.0.0.1:5432/reelwork_panels_bench

What it does (see bench/README.md, "panels.py"):
1. A throwaway database (web_list's: a SQLite file in a temp dir, or a PostgreSQL database whose
   name contains "bench", dropped and recreated) and local storage in the same temp dir.
2. 50 films in panel review with a submitted cut each, 15 panelists (two of them members of a
   producing unit, so excluded from its films), and one session per shape (cuts, members, comments
   per cut): (10, 5, 5), (50, 15, 0), (50, 15, 20), (25, 9, 40); scorecards (a few drafts),
   comments (a quarter of them replies, some with drawings), a declared conflict, decisions and
   rectification items on every fifth cut.
3. Per shape: ``reviews.board.session_board`` itself, then the page ``panel-board`` and the CSV and
   XLSX exports through Django's test Client as the office: SQL queries (must not change with the
   shape) and the median time.
4. A 60 s 1280x720 clip is uploaded and processed by the app's own pipeline (a real proxy made by
   ffmpeg), then ``media.services.cut_frame_thumbnail`` runs at N comment times against a bare
   ``ffmpeg -ss T -i proxy -frames:v 1`` on the same proxy at the same times, interleaved.
5. Writes its block of bench/RESULTS.md (per database backend) and prints it.
"""

import io
import os
import random
import statistics
import subprocess
import time

import common  # first: it puts the repository on sys.path
import web_list  # its per-request measurement

SHAPES = [(10, 5, 5), (50, 15, 0), (50, 15, 20), (25, 9, 40)]  # (cuts, members, comments per cut)
SECTION = "## Panels: results board and frame thumbnails"
INTRO = ("Produced by `bench/panels.py`; re-running it replaces the block of its database backend. "
         "See bench/README.md for what each line measures.")


def parse_args():
    ap = common.parser(__doc__, database_url="")
    ap.add_argument("--repeats", type=int, default=7, help="timed runs per measurement (median reported)")
    ap.add_argument("--thumbs", type=int, default=40, help="comment times to make a frame thumbnail at")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the clip for the thumbnails")
    return ap.parse_args()


# --- data ---------------------------------------------------------------------------------------


def make_films(world, n):
    """``n`` films of the world's units in panel review, each with a processed, submitted v1 cut
    (as the pipeline leaves it: a 10-minute 1080p25 probe; the board reads no file)."""
    from django.db import transaction
    from django.utils import timezone

    import seedbulk
    from media.models import Cut
    from projects.models import Deliverable, Origin, State, Topic, VideoProject

    rng, now = world.rng, timezone.now()
    with transaction.atomic():
        topics, projects = [], []
        for i in range(n):
            unit = world.units[i % len(world.units)]
            title = f"{rng.choice(seedbulk.PLACES)}的{rng.choice(seedbulk.PEOPLE)}（评审第{i + 1}号）"
            topics.append(Topic(call=world.call, unit=unit, title=title, logline=f"{title}。", genre=world.genres[i % len(world.genres)],
                                proposed_track=world.tracks["project"], pitched_by=world.producers[unit.pk]))
        Topic.objects.bulk_create(topics)
        for topic in topics:
            projects.append(VideoProject(topic=topic, unit=topic.unit, genre=topic.genre, track=world.tracks["project"],
                                         state=State.PANEL_REVIEW, origin=Origin.SELF_SELECTED))
        VideoProject.objects.bulk_create(projects)
        deliverables = Deliverable.objects.bulk_create([
            Deliverable(project=p, kind="cut", version=1, status=Deliverable.Status.SUBMITTED, note="第一版",
                        author=world.producers[p.unit_id], submitted_at=now) for p in projects])
        Cut.objects.bulk_create([
            Cut(deliverable=d, original_key=f"cuts/{d.project_id}/v1/original/cut.mp4", original_name="cut.mp4", size=1,
                sha256="0" * 64, status=Cut.Status.READY, progress=1.0, qc_passed=True,
                probe={"duration": 600.0, "fps": 25.0, "width": 1920, "height": 1080}) for d in deliverables])
    return projects


def make_panelists(world, n=15):
    from django.contrib.auth.models import Group, User

    from projects.models import Membership

    group = Group.objects.get(name="panelist")
    users = []
    for i in range(n):
        user = User.objects.create_user(username=f"bench_panelist_{i:02d}", first_name=f"评委{i + 1:02d}")
        user.groups.add(group)
        users.append(user)
    # Two sit in producing units: the board shows them excluded from those units' films.
    for user, unit in ((users[2], world.units[0]), (users[6], world.units[1])):
        Membership.objects.create(user=user, unit=unit)
    return users


GROUPS = ["expert", "expert", "leader", "grassroots", "expert", "leader", "grassroots"]


def make_session(world, films, panelists, shape, rubric, rng):
    """A panel of ``members`` panelists and a session over ``cuts`` films, scored and commented."""
    from django.utils import timezone

    from reviews import rules, services
    from reviews.models import Comment, Criterion, Decision, Entry, Item, Score, Scorecard

    cuts, members, per_cut = shape
    office, now = world.office, timezone.now()
    panel = services.panel_create(user=office, name=f"基准评审组 {cuts}×{members}×{per_cut}")
    seats = [services.member_add(panel=panel, user=office, member_user=u, group=GROUPS[i % len(GROUPS)])
             for i, u in enumerate(panelists[:members])]
    session = services.session_open(panel=panel, user=office, title=f"基准评审 {cuts}×{members}×{per_cut}", rubric=rubric,
                                    weights={"expert": 50, "leader": 30, "grassroots": 20})
    entries = [services.entry_add(session=session, user=office, project=p) for p in films[:cuts]]
    services.recusal_record(entry=entries[0], user=office, member=seats[0], reason="编导是其亲属")
    session = services.session_start_scoring(session=session, user=office)

    criteria = list(Criterion.objects.filter(rubric=rubric))
    bias = {m.pk: rng.gauss(0, 5) for m in seats}
    cards, scores, counts = [], [], {"cards": 0, "drafts": 0, "comments": 0, "excluded": 0}
    entries = list(Entry.objects.filter(session=session).select_related("project", "project__unit", "session")
                   .prefetch_related("recusals"))
    judging = {}
    for entry in entries:
        quality = rng.uniform(55, 92)
        judging[entry.pk] = [m for m in seats if not rules.exclusion(entry, m)]
        counts["excluded"] += len(seats) - len(judging[entry.pk])
        for m in judging[entry.pk]:
            roll = rng.random()
            if roll < 0.05:
                continue  # not opened yet
            draft = roll < 0.10
            card = Scorecard(entry=entry, member=m, submitted_at=None if draft else now, remark="" if rng.random() < 0.7 else "节奏可再紧凑")
            cards.append(card)
            for c in criteria:
                if draft and rng.random() < 0.5:
                    continue
                if c.is_veto:
                    scores.append((card, Score(criterion=c, passed=rng.random() > (0.2 if quality < 60 else 0.01))))
                else:
                    value = min(c.max_score, max(c.min_score, round((quality + bias[m.pk] + rng.gauss(0, 6)) / 5) / 2))
                    scores.append((card, Score(criterion=c, value=value)))
            counts["drafts" if draft else "cards"] += 1
    Scorecard.objects.bulk_create(cards)
    for card, score in scores:
        score.card = card
    Score.objects.bulk_create([s for _, s in scores])

    top, replies = [], []
    for entry in entries:
        authors = [m.user for m in judging[entry.pk]] + [office]
        n_top = per_cut - per_cut // 4
        for _ in range(n_top):
            frame = rng.randrange(0, 600 * 25 - 300)
            ranged = rng.random() < 0.4
            drawn = rng.random() < 0.3
            top.append(Comment(entry=entry, author=rng.choice(authors), body="此处字幕与解说不一致，请核对。", frame=frame,
                               end_frame=frame + rng.randint(25, 250) if ranged else None, private=rng.random() < 0.8,
                               resolved=rng.random() < 0.1,
                               drawing={"shapes": [{"type": "rect", "points": [[0.2, 0.2], [0.6, 0.5]], "color": "#e53935"}]} if drawn else None))
    Comment.objects.bulk_create(top)
    by_entry = {}
    for c in top:
        by_entry.setdefault(c.entry_id, []).append(c)
    for entry in entries:
        parents = by_entry.get(entry.pk, [])
        for _ in range(per_cut // 4):
            parent = rng.choice(parents)
            replies.append(Comment(entry=entry, author=rng.choice([m.user for m in judging[entry.pk]]), parent=parent,
                                   body="同意。", private=parent.private))
    Comment.objects.bulk_create(replies)
    counts["comments"] = len(top) + len(replies)

    # Every fifth cut decided (alternately passed and returned); a return's open comments are items.
    decisions, items = [], []
    for i, entry in enumerate(entries[::5]):
        verdict = "pass" if i % 2 == 0 else "revise"
        decisions.append(Decision(entry=entry, verdict=verdict, proposed=verdict, confirmed_by=office, weighted_mean=80.0))
        if verdict == "revise":
            items += [Item(project=entry.project, comment=c) for c in by_entry.get(entry.pk, []) if not c.resolved]
    Decision.objects.bulk_create(decisions)
    Item.objects.bulk_create(items)
    counts.update(decisions=len(decisions), items=len(items), criteria=len(criteria))
    return session, counts


# --- measurement --------------------------------------------------------------------------------


def board_stats(session_pk, office_pk, repeats):
    """``session_board`` as the page calls it: a session and a user read afresh (their caches of
    seats and roles start empty, as in a request), neither read counted nor timed."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews import access, board

    def fresh():
        office = User.objects.get(pk=office_pk)
        return access.get_session_for_office(office, session_pk), office

    session, office = fresh()
    board.session_board(session, office)  # warm-up
    session, office = fresh()
    with CaptureQueriesContext(connection) as captured:
        result = board.session_board(session, office)
    times = []
    for _ in range(repeats):
        session, office = fresh()
        t0 = time.perf_counter()
        board.session_board(session, office)
        times.append(time.perf_counter() - t0)
    return {"queries": len(captured.captured_queries), "ms": 1000 * statistics.median(times), "board": result,
            "sql": [q["sql"] for q in captured.captured_queries]}


def check_outputs(shape, counts, stats, films):
    """What the board and the exports hold matches what was made (a faster board must still say
    the same): one row per cut, every comment counted, every submitted score and every comment in
    the CSV and the XLSX."""
    from openpyxl import load_workbook

    cuts, members, per_cut = shape
    result = stats["board"]["board"]
    problems = []
    if len(result.rows) != cuts:
        problems.append(f"board has {len(result.rows)} rows for {cuts} cuts")
    if any(row.comments != per_cut for row in result.rows):
        problems.append("a row's comment count differs from the comments made")
    page = stats["page"].get("body", b"").decode()
    if any(f.topic.title not in page for f in films[:cuts]):
        problems.append("a film is missing from the page")
    score_rows = counts["cards"] * counts["criteria"]
    csv_lines = stats["csv"].get("body", b"").decode("utf-8-sig").strip().splitlines()
    # Scores header + rows, a blank line, comments header + rows.
    if len(csv_lines) != 1 + score_rows + 1 + 1 + counts["comments"]:
        problems.append(f"CSV has {len(csv_lines)} lines, expected {3 + score_rows + counts['comments']}")
    book = load_workbook(io.BytesIO(stats["xlsx"].get("body", b"")), read_only=True)
    sheets = [sum(1 for _ in ws.iter_rows()) - 1 for ws in book.worksheets]
    if sheets != [cuts, score_rows, counts["comments"]]:
        problems.append(f"XLSX sheets hold {sheets} rows, expected {[cuts, score_rows, counts['comments']]}")
    return problems


def make_proxy_cut(world, tmpdir, seconds):
    """A film in production gets a 60 s 1280x720 MPEG-4 Part 2 cut (not browser-ready), uploaded
    with ``cut_import`` and processed by the task: the proxy is the app's own transcode."""
    import ffmpeg as ffmpeg_args

    from media import ffmpeg as ff
    from media import services as media_services
    from media.models import Cut, Rendition
    from media.tasks import process_cut
    from projects.models import Origin, State, Topic, VideoProject

    src = tmpdir / "film.avi"
    ff.run(ff.command(ffmpeg_args.output(
        ffmpeg_args.input(f"testsrc2=size=1280x720:rate=25:duration={seconds}", f="lavfi"),
        ffmpeg_args.input(f"sine=frequency=440:sample_rate=48000:duration={seconds}", f="lavfi"),
        str(src), **{"c:v": "mpeg4", "q:v": 5, "c:a": "mp2", "b:a": "128k", "shortest": None},
    )), duration=seconds, timeout=600)
    unit = world.units[0]
    producer = world.producers[unit.pk]
    topic = Topic.objects.create(call=world.call, unit=unit, title="缩略图基准样片", logline="基准。", genre=world.genres[0],
                                 proposed_track=world.tracks["project"], pitched_by=producer)
    project = VideoProject.objects.create(topic=topic, unit=unit, genre=topic.genre, track=world.tracks["project"],
                                          state=State.PRODUCTION, origin=Origin.SELF_SELECTED)
    t0 = time.perf_counter()
    cut = media_services.cut_import(project=project, user=producer, path=src, note="基准")
    outcome = process_cut.call(cut.pk)
    took = time.perf_counter() - t0
    if outcome != "ready":
        raise RuntimeError(f"processing the thumbnail clip ended {outcome!r}")
    cut = Cut.objects.get(pk=cut.pk)
    proxy = cut.renditions.get(kind=Rendition.Kind.PROXY)
    return cut, proxy, took


def thumbnail_stats(cut, proxy, tmpdir, n, seconds, rng):
    """The app's thumbnail (rendition lookup, storage check, niced ffmpeg with an input seek and a
    320 px scale, the JPEG stored) against a bare seek on the same local proxy file, niced the same
    way so the load of a shared machine hits both alike; interleaved, alternating which goes first."""
    from media import pipeline, storage
    from media import services as media_services
    from media.ffmpeg import runner

    path = storage.ffmpeg_input(key=proxy.key)
    times = sorted(round(rng.uniform(0, seconds - 0.2), 3) for _ in range(n))
    bare_dir = tmpdir / "bare"
    bare_dir.mkdir()

    def app(i, t):
        t0 = time.perf_counter()
        key = media_services.cut_frame_thumbnail(cut=cut, seconds=t, name=f"bench-{i}.jpg")
        took = time.perf_counter() - t0
        assert key and storage.head(key=key) is not None
        return took

    def bare(i, t, *filters):
        out = bare_dir / f"{i}{'-scaled' if filters else ''}.jpg"
        t0 = time.perf_counter()
        subprocess.run([*runner.NICE, "ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", f"{t:.3f}", "-i", path, "-frames:v", "1",
                        *filters, str(out)], check=True, stdin=subprocess.DEVNULL, timeout=60)
        took = time.perf_counter() - t0
        assert out.stat().st_size > 0
        return took

    # The app's own output settings, bare: what is left of the difference is the app's overhead.
    scaled = ("-vf", f"scale={pipeline.FRAME_THUMB_WIDTH}:-2,setsar=1", "-q:v", "4")
    runs = {"app": app, "bare": bare, "bare_scaled": lambda i, t: bare(i, t, *scaled)}
    for run in runs.values():  # warm-up: page cache, imports
        run(-1, times[0])
    out = {name: [] for name in runs}
    order = list(runs)
    for i, t in enumerate(times):
        for name in order[i % 3:] + order[:i % 3]:  # each goes first in turn
            out[name].append(runs[name](i, t))
    out["times"] = times
    return out


# --- report -------------------------------------------------------------------------------------


def report(info, rows, thumbs, proxy_info, args, total_s, db_label):
    lines = [f"### {db_label}", "", info, ""]
    lines += [
        "**Results board per session** (office user; `session_board` with the session and user read afresh each run; "
        f"page and exports through Django's test Client, DEBUG=false; median of {args.repeats} runs after a warm-up; "
        "queries from CaptureQueriesContext):", "",
        "| cuts × members × comments per cut | scorecards (drafts) | comments | `session_board` queries | ms | page queries | ms | KiB "
        "| CSV queries | ms | XLSX queries | ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for shape, counts, stats, _problems in rows:
        b, p, c, x = stats["board"], stats["page"], stats["csv"], stats["xlsx"]
        lines.append(
            f"| {shape[0]} × {shape[1]} × {shape[2]} | {counts['cards']} ({counts['drafts']}) | {counts['comments']} "
            f"| {b['queries']} | {b['ms']:.1f} | {p.get('queries', 'error')} | {p.get('ms', 0):.1f} | {p.get('bytes', 0) / 1024:.0f} "
            f"| {c.get('queries', 'error')} | {c.get('ms', 0):.1f} | {x.get('queries', 'error')} | {x.get('ms', 0):.1f} |")
    lines.append("")
    for label, key in (("`session_board`", "board"), ("the page", "page"), ("the CSV", "csv"), ("the XLSX", "xlsx")):
        counts = [stats[key].get("queries") for _, _, stats, _ in rows]
        lines.append(f"- Queries of {label}: {' / '.join(map(str, counts))} — "
                     + ("constant in cuts, members and comments." if len(set(counts)) == 1 else "**NOT constant**."))
    big = next(stats for shape, _, stats, _ in rows if shape == (50, 15, 20))
    lines.append(f"- At 50 × 15 × 20 the page takes {big['page']['ms']:.0f} ms "
                 f"({big['page']['sql_ms']:.0f} ms of it inside SQL execute) and creates "
                 f"{sum(big['page']['instances'].values()):,} model instances "
                 f"({', '.join(f'{n:,} {m}' for m, n in sorted(big['page']['instances'].items(), key=lambda kv: -kv[1])[:4])}).")
    problems = [f"{s}: {p}" for s, _, _, ps in rows for p in ps]
    lines.append("- Contents checked (one row per cut, comment counts, every score and comment in the CSV and the XLSX): "
                 + ("all agree." if not problems else "**" + "; ".join(problems) + "**"))
    apps, bares, scaled = thumbs["app"], thumbs["bare"], thumbs["bare_scaled"]
    ratio = statistics.median(apps) / statistics.median(bares)
    lines += [
        "",
        f"**Frame thumbnail per comment**: {proxy_info} `media.services.cut_frame_thumbnail` at {len(apps)} random times "
        "(each a new name, so none is served from storage) against a bare `ffmpeg -ss T -i proxy.mp4 -frames:v 1 out.jpg` "
        "on the same local file at the same times, interleaved; both under `nice -n 19` as `media.ffmpeg.run` runs ffmpeg.",
        "",
        "| | median ms | min ms | max ms | total s |",
        "|---|---:|---:|---:|---:|",
        f"| `cut_frame_thumbnail` | {1000 * statistics.median(apps):.0f} | {1000 * min(apps):.0f} | {1000 * max(apps):.0f} | {sum(apps):.2f} |",
        f"| bare `ffmpeg -ss` | {1000 * statistics.median(bares):.0f} | {1000 * min(bares):.0f} | {1000 * max(bares):.0f} | {sum(bares):.2f} |",
        f"| bare, with the app's `-vf scale=320:-2,setsar=1 -q:v 4` | {1000 * statistics.median(scaled):.0f} | {1000 * min(scaled):.0f} "
        f"| {1000 * max(scaled):.0f} | {sum(scaled):.2f} |",
        "",
        f"- Ratio of medians: **{ratio:.2f}×** the bare seek (ratio of totals {sum(apps) / sum(bares):.2f}×, of minimums "
        f"{min(apps) / min(bares):.2f}×); {statistics.median(apps) / statistics.median(scaled):.2f}× the bare seek with the app's "
        f"output settings. The app's own part (Python, database, storage), as the median of the paired differences at the same "
        f"times: {1000 * statistics.median(a - b for a, b in zip(apps, scaled)):+.0f} ms per thumbnail.",
        "",
        f"Whole run: {total_s:.0f} s.",
        "",
    ]
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------------


def main():
    args = parse_args()
    began = time.perf_counter()
    with common.throwaway(args, prefix="panels") as box:  # local storage in the temp dir
        run(args, box.tmpdir, began)


def run(args, tmpdir, began):
    common.setup_django()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    import seedbulk
    from media import ffmpeg as ff
    from media import storage
    from reviews.models import Rubric

    load_start = os.getloadavg()
    world = seedbulk.make_world()
    rng = random.Random(20261203)
    rubric = Rubric.objects.get(code="standard")
    films = make_films(world, max(s[0] for s in SHAPES))
    panelists = make_panelists(world)
    common.analyze()
    client = Client()
    client.force_login(world.office)

    rows = []
    for shape in SHAPES:
        t0 = time.perf_counter()
        session, counts = make_session(world, films, panelists, shape, rubric, rng)
        seeded = time.perf_counter() - t0
        stats = {"board": board_stats(session.pk, world.office.pk, args.repeats)}
        for key, url in (("page", reverse("panel-board", args=[session.pk])),
                         ("csv", reverse("panel-export", args=[session.pk, "csv"])),
                         ("xlsx", reverse("panel-export", args=[session.pk, "xlsx"]))):
            stats[key] = web_list.render_stats(client, url, args.repeats)
        problems = check_outputs(shape, counts, stats, films)
        rows.append((shape, counts, stats, problems))
        print(f"{shape}: seeded in {seeded:.1f} s {counts}; board q={stats['board']['queries']} {stats['board']['ms']:.1f} ms; "
              + "; ".join(f"{k} q={stats[k].get('queries')} {stats[k].get('ms', 0):.1f} ms" for k in ("page", "csv", "xlsx"))
              + (f"; PROBLEMS {problems}" if problems else ""), flush=True)
    (tmpdir / "board-queries.txt").write_text("\n".join(q[:400] for q in rows[-1][2]["board"]["sql"]) + "\n")

    print("thumbnails: making the proxy …", flush=True)
    cut, proxy, processed_s = make_proxy_cut(world, tmpdir, args.seconds)
    proxy_probe = ff.probe(storage.ffmpeg_input(key=proxy.key))
    proxy_info = (f"a {args.seconds:.0f} s {cut.probe.get('width')}x{cut.probe.get('height')} MPEG-4 Part 2 clip uploaded with "
                  f"`cut_import` and processed by `process_cut` in {processed_s:.1f} s; its proxy (the app's transcode) is "
                  f"{proxy_probe.width}x{proxy_probe.height} H.264, {proxy.size / 1e6:.1f} MB;")
    thumbs = thumbnail_stats(cut, proxy, tmpdir, args.thumbs, args.seconds, rng)
    print(f"thumbnails: app median {1000 * statistics.median(thumbs['app']):.0f} ms, bare median "
          f"{1000 * statistics.median(thumbs['bare']):.0f} ms", flush=True)

    info = common.django_machine(f"database `{connection.settings_dict['NAME']}`" if connection.vendor == "postgresql"
                                 else "database: a SQLite file in a temp dir", load_start=load_start)
    text = report(info, rows, thumbs, proxy_info, args, time.perf_counter() - began,
                  "SQLite" if connection.vendor == "sqlite" else "PostgreSQL")
    common.write_results(args, section=SECTION, key=f"panels:{connection.vendor}", intro=INTRO, text=text)


if __name__ == "__main__":
    main()
