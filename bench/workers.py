#!/usr/bin/env python
"""Benchmark: cuts processed per minute by 1, 2 and 3 RQ workers on Redis (django-tasks-rq), on
PostgreSQL and local storage, the same batch of generated clips for every worker count.

Not a test: it asserts nothing about time. Run from the repository root:

    .venv/bin/python bench/workers.py    # postgres://…/reelwork_bench_faults, redis://127.0.0.1:6379/10

What it does (see bench/README.md, "workers.py"):
1. A throwaway PostgreSQL database (its name must contain "bench": dropped and recreated), a Redis
   database of its own (emptied before and after; refused if it holds keys it did not write), local
   storage in a temp dir; one MPEG-4 Part 2 clip (not browser-ready: every cut is transcoded, as a
   phone or camera file is), generated once.
2. For each round and each worker count (1, 2, 3, …; the order alternates between rounds): a fresh
   batch of ``--cuts`` cuts of that clip (bulk rows, each with its own copy of the original),
   ``--workers-max`` … workers started with ``scripts/serve worker media`` (RQ's worker with the
   app's worker class) and waited for until Redis lists them, then every cut's ``process_cut``
   enqueued at once; timed from the enqueue to the last cut READY. Cuts per minute, the speed-up
   over one worker, how busy the machine's CPUs were (``/proc/stat``) and the load average.
3. Writes its block of bench/RESULTS.md and prints it.
"""

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import common  # first: it puts the repository on sys.path
from common import ROOT

SECTION = "## Workers: cuts processed per minute on Redis"
INTRO = ("Produced by `bench/workers.py`; re-running it replaces its block. See bench/README.md for what "
         "each line measures.")
SECRET_KEY = "bench-workers-secret-" + "w" * 40
MARK = "reelwork:bench:workers"  # the key this script leaves in its Redis database while it runs


def parse_args():
    ap = common.parser(__doc__, database_url="postgres://postgres@127.0.0.1:5432/reelwork_bench_faults")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/10", help="a Redis database of the bench's own (emptied)")
    ap.add_argument("--workers", default="1,2,3", help="worker counts to measure")
    ap.add_argument("--cuts", type=int, default=12, help="cuts in each batch")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the clip")
    ap.add_argument("--size", default="640x360", help="picture size of the clip")
    ap.add_argument("--rounds", type=int, default=1, help="rounds over the worker counts (alternating order)")
    return ap.parse_args()


def main():
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("workers share one database: give a postgres:// URL")
    import redis

    queue_db = redis.Redis.from_url(args.redis_url)
    if queue_db.dbsize() and not queue_db.exists(MARK):
        sys.exit(f"{args.redis_url} holds keys this script did not write: give it a Redis database of its own")
    queue_db.flushdb()
    queue_db.set(MARK, "1")
    env = {"SECRET_KEY": SECRET_KEY, "TASKS_BACKEND": "django_tasks_rq.RQBackend", "REELWORK_REDIS_URL": args.redis_url,
           "PY": sys.executable}
    try:
        with common.throwaway(args, prefix="workers", env=env) as box:
            run(args, box.tmpdir)
    finally:
        queue_db.flushdb()


# --- data ---------------------------------------------------------------------------------------


def make_clip(path: Path, seconds: float, size: str) -> Path:
    """MPEG-4 Part 2 + MP2 in AVI (as tests/support/clips.make_mpeg4_clip): processing transcodes it."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
         "-c:v", "mpeg4", "-q:v", "5", "-c:a", "mp2", "-b:a", "128k", "-shortest", str(path)],
        check=True, timeout=300, stdin=subprocess.DEVNULL)
    return path


def make_batch(world, clip: Path, probe, n: int, label: str) -> list[int]:
    """``n`` films in production with a queued v1 cut each, every original a copy of ``clip`` (bulk rows)."""
    from django.db import transaction

    from media import storage
    from media.models import Cut
    from projects.models import Deliverable, Origin, State, Topic, VideoProject

    with transaction.atomic():
        topics = Topic.objects.bulk_create([
            Topic(call=world.call, unit=world.units[i % len(world.units)], title=f"工作进程基准 {label} 第{i + 1}号",
                  logline="基准。", genre=world.genres[i % len(world.genres)], proposed_track=world.tracks["project"],
                  pitched_by=world.producers[world.units[i % len(world.units)].pk]) for i in range(n)])
        films = VideoProject.objects.bulk_create([
            VideoProject(topic=t, unit=t.unit, genre=t.genre, track=world.tracks["project"], state=State.PRODUCTION,
                         origin=Origin.SELF_SELECTED) for t in topics])
        deliverables = Deliverable.objects.bulk_create([
            Deliverable(project=f, kind="cut", version=1, note="基准", author=world.producers[f.unit_id]) for f in films])
        cuts = Cut.objects.bulk_create([
            Cut(deliverable=d, original_key=storage.cut_key(d.project_id, 1, clip.name), original_name=clip.name,
                size=clip.stat().st_size, sha256="0" * 64, probe=probe.as_dict()) for d in deliverables])
    for cut in cuts:
        storage.put_file(key=cut.original_key, path=clip)
    return [cut.pk for cut in cuts]


# --- measurement --------------------------------------------------------------------------------


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def start_workers(count: int, logs: Path) -> list[subprocess.Popen]:
    procs = []
    for i in range(count):
        with open(logs / f"worker-{count}-{i}.log", "ab") as log:
            procs.append(subprocess.Popen([str(ROOT / "scripts" / "serve"), "worker", "media"], cwd=ROOT,
                                          stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True))
    return procs


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a worker and of every child it has reaped (RQ waits for each work horse, the
    horse for its ffmpeg): read while it is still running."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime


def stop_workers(procs) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def wait(what, predicate, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise SystemExit(f"gave up waiting for {what}")


def measure(count: int, cut_ids: list[int], logs: Path) -> dict:
    import django_rq
    from rq import Worker

    from media import claims
    from media.models import Cut

    procs = start_workers(count, logs)
    try:
        connection = django_rq.get_connection("media")
        wait(f"{count} workers to register", lambda: len(Worker.all(connection=connection)) >= count, 300)
        load_before, (busy0, total0) = os.getloadavg(), cpu_jiffies()
        began = time.monotonic()
        for pk in cut_ids:
            claims.cut_enqueue(pk)
        pending = Cut.objects.filter(pk__in=cut_ids).exclude(status__in=[Cut.Status.READY, Cut.Status.FAILED])
        wait(f"{len(cut_ids)} cuts to be processed", lambda: not pending.exists(), 3600)
        elapsed = time.monotonic() - began
        busy1, total1 = cpu_jiffies()
        time.sleep(1)  # the last horse reaped
        ours = sum(tree_cpu_seconds(proc.pid) for proc in procs)
    finally:
        stop_workers(procs)
        wait("the workers to leave Redis", lambda: not Worker.all(connection=django_rq.get_connection("media")), 120)
    statuses = list(Cut.objects.filter(pk__in=cut_ids).values_list("status", flat=True))
    return {"workers": count, "seconds": elapsed, "per_minute": len(cut_ids) / elapsed * 60,
            "ready": statuses.count(Cut.Status.READY), "failed": statuses.count(Cut.Status.FAILED),
            "cpu_busy": (busy1 - busy0) / max(1, total1 - total0), "load": (load_before, os.getloadavg()),
            "cpu_per_cut": ours / len(cut_ids), "cores_ours": ours / elapsed}


def run(args, tmpdir):
    common.setup_django()
    import seedbulk
    from media import ffmpeg

    load_start, began = os.getloadavg(), time.monotonic()
    world = seedbulk.make_world()
    clip = make_clip(tmpdir / "bench-clip.avi", args.seconds, args.size)
    probe = ffmpeg.probe(str(clip), size=clip.stat().st_size)
    logs = tmpdir / "logs"
    logs.mkdir()
    counts = [int(x) for x in args.workers.split(",")]
    runs = []
    for round_no in range(args.rounds):
        for count in counts if round_no % 2 == 0 else counts[::-1]:
            cut_ids = make_batch(world, clip, probe, args.cuts, f"r{round_no + 1}w{count}")
            result = measure(count, cut_ids, logs)
            runs.append(result)
            print(f"round {round_no + 1}, {count} worker(s): {result['per_minute']:.1f} cuts/min "
                  f"({result['seconds']:.1f} s, CPU busy {result['cpu_busy']:.0%}, ours {result['cores_ours']:.2f} cores, "
                  f"load {result['load'][0][0]:.2f} → {result['load'][1][0]:.2f})", flush=True)
    common.write_results(args, section=SECTION, key="workers", intro=INTRO,
                         text=report(args, runs, probe, load_start, time.monotonic() - began))


def report(args, runs, probe, load_start, total_s) -> str:
    from django.db import connection

    counts = sorted({r["workers"] for r in runs})
    rate = {c: statistics.median(r["per_minute"] for r in runs if r["workers"] == c) for c in counts}
    base = rate[counts[0]] / counts[0]
    ffmpeg_version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    info = common.machine(f"PostgreSQL {connection.pg_version // 10000}", ffmpeg_version.split(" Copyright")[0],
                             load_start=load_start)
    lines = [
        info + f" Whole run {total_s:.0f} s. The machine is shared with other sessions (see the load average): "
        "read the ratios within the run, not the absolute numbers.",
        "",
        f"A batch of {args.cuts} cuts of one {args.seconds:.0f} s {probe.width}x{probe.height} MPEG-4 Part 2 + MP2 clip "
        f"(not browser-ready: each is transcoded to the H.264 proxy with QC, poster and sprite), PostgreSQL, local "
        "storage, Redis; `scripts/serve worker media` × N, timed from enqueuing the batch to the last cut ready.",
        "",
        "| workers | round | cuts/min | seconds | ready / failed | CPU s per cut | cores used by the workers | machine CPU busy | load avg (1 min) before → after |",
        "| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for i, r in enumerate(runs):
        lines.append(f"| {r['workers']} | {i // len(counts) + 1} | {r['per_minute']:.1f} | {r['seconds']:.1f} | "
                     f"{r['ready']} / {r['failed']} | {r['cpu_per_cut']:.2f} | {r['cores_ours']:.2f} | {r['cpu_busy']:.0%} | {r['load'][0][0]:.2f} → {r['load'][1][0]:.2f} |")
    lines += ["", "Speed-up over one worker (medians): " + ", ".join(
        f"{c} workers **{rate[c] / rate[counts[0]]:.2f}×** (linear would be {c / counts[0]:.0f}×, "
        f"{rate[c] / (base * c):.0%} of it)" for c in counts[1:]) + f"; the machine has {os.cpu_count()} cores."]
    per_core = {c: statistics.median(r["per_minute"] / r["cores_ours"] for r in runs if r["workers"] == c) for c in counts}
    cpu_per_cut = statistics.median(r["cpu_per_cut"] for r in runs)
    lines += ["", "Cuts per minute per core the workers got (medians): " + ", ".join(
        f"{c} worker{'s' if c > 1 else ''} {per_core[c]:.0f}" for c in counts)
        + f". CPU per cut (median of all runs): {cpu_per_cut:.2f} s, so {os.cpu_count()} whole cores process at most "
        f"~{os.cpu_count() * 60 / cpu_per_cut:.0f} cuts/min of this clip, whatever the number of workers."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
