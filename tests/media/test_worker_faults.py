"""The fault test: twenty times (ten on the database backend), a worker is killed with SIGKILL at a
random moment of a transcode while another worker is up beside it (three run; each killed one is
replaced, and no kill comes before another is ready). In the end every cut is ready or failed with
a reason, none is left processing, what is served for a ready cut is whole (no half-written
rendition of a killed attempt), a failed cut serves nothing, and no ffmpeg (nor anything else of a
killed worker's process groups) is left running.

The moments come from ``random.Random(seed)``; the seed is printed and named in every failure.
Replay one with ``REELWORK_FAULT_SEED=<seed>`` (the moments repeat; the machine's timing does not).
On Redis (django-tasks-rq: RQ workers and ``media_sweep``) and on the database backend
(``media_worker``, whose sweep runs in a thread of each worker). On PostgreSQL only: three worker
processes, the sweep and the test write one database at once, as a scaled-out deployment does (the
embedded SQLite default runs one worker). Runs once on CI, in its own step."""

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from media import services
from media.models import Cut, Rendition
# Imported here, under the session's backend, as the app imports it: a task is declared with its
# backend's task class, and the first import must not fall inside the Redis variant's settings.
from media.tasks import process_cut  # noqa: F401
from projects.models import State
from tests.support.clips import FFMPEG, ffprobe_streams, make_mpeg4_clip
from tests.support.workers import (
    alive,
    children,
    ffmpeg_reading,
    in_groups,
    kill_ffmpeg_reading,
    parent,
    process_group,
    shared_database,
    start,
    stop,
    wait_for,
)

pytestmark = [
    pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'",
                       reason="workers writing one database at once: runs on PostgreSQL (DATABASE_URL), as CI does"),
]

# Twenty on Redis, the deployment that scales out; ten on the database backend, whose lease and
# sweep are the same code (media.claims) and only the worker differs.
ROUNDS = {"redis": 20, "database": 10}
# Three workers: when one is killed, another is always up beside it while the replacement starts.
WORKERS = 3
# Cuts to start with, and how many more the test uploads whenever fewer than FEED_BELOW wait or
# are being processed (each round costs an attempt, and the workers finish others meanwhile).
CUTS, FEED, FEED_BELOW = 8, 2, 2
CLIP_SECONDS = 4
MAX_ATTEMPTS = 3
SEED = int(os.environ.get("REELWORK_FAULT_SEED") or random.SystemRandom().randrange(1, 2**31))

COMMANDS = {
    # RQ's workers know nothing of leases: the sweep runs beside them, as in a deployment.
    "redis": (["rqworker", "media", "--with-scheduler"], ["media_sweep"]),
    # The database worker runs the sweep in a thread of its own.
    "database": (["media_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2", "--queue-name", "media"], None),
}


@pytest.fixture(params=["redis", "database"])
def backend(request):
    fixture = "redis_tasks" if request.param == "redis" else "database_tasks"
    return request.param, request.getfixturevalue(fixture)


@pytest.fixture
def local_storage(tmp_path, settings):
    var = tmp_path / "var"
    location = var / "storage"
    location.mkdir(parents=True)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}}}
    settings.MEDIA_ROOT = location
    return var


def claims() -> dict:
    """All cuts as {id: (status, attempts, claimed_by)}, as the workers last committed them."""
    return {pk: tuple(rest) for pk, *rest in Cut.objects.values_list("pk", "status", "attempts", "claimed_by")}


# What a worker logs once it is ready for work (the log lines carry the process's pid in brackets).
READY = ("started with PID", "Starting worker")


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        found += kids
        todo += kids
    return found


def test_workers_killed_at_random_moments_of_a_transcode_lose_nothing(
    backend, make_project, producer_a, tmp_path, local_storage, client
):
    name, tasks_env = backend
    total = ROUNDS[name]
    work, sweep_command = COMMANDS[name]
    location = local_storage / "storage"
    print(f"fault test on {name}: seed {SEED} (replay with REELWORK_FAULT_SEED={SEED})")
    rng = random.Random(SEED)
    project = make_project(State.PRODUCTION)
    clip = make_mpeg4_clip(tmp_path / "clip.avi", seconds=CLIP_SECONDS)

    def upload(count):
        return [services.cut_import(project=project, user=producer_a, path=clip).pk for _ in range(count)]

    cut_ids = upload(CUTS)
    url, _read, _sync_back = shared_database(tmp_path)
    env = {**os.environ, **tasks_env, "DATABASE_URL": url, "REELWORK_VAR_DIR": str(local_storage),
           "REELWORK_LEASE_SECONDS": "2", "REELWORK_SWEEP_SECONDS": "1", "REELWORK_RETRY_AFTER_SECONDS": "0",
           "REELWORK_MAX_ATTEMPTS": str(MAX_ATTEMPTS), "REELWORK_S3_ENDPOINT_URL": "",
           # A killed worker's scratch directory is never cleaned up by it: keep it in the test's.
           "TMPDIR": str(tmp_path)}
    log_path = tmp_path / "workers.log"
    workers = [start(work, env, log_path) for _ in range(WORKERS)]
    up: set[int] = set()
    sweep = start(sweep_command, env, log_path) if sweep_command else None
    killed_groups: set[int] = set()
    rounds = []

    def about(what=""):
        return (f"{what}\nseed {SEED} (replay with REELWORK_FAULT_SEED={SEED}); rounds (cut, attempt, "
                f"moment s): {rounds}\nworker log:\n{log_path.read_text()[-3000:]}")

    def ready_workers() -> set[int]:
        if any(proc.pid not in up for proc in workers):
            for line in log_path.read_text(errors="replace").splitlines():
                if any(mark in line for mark in READY):
                    up.update(proc.pid for proc in workers if f"[{proc.pid}]" in line)
        return {proc.pid for proc in workers if proc.pid in up and proc.poll() is None}

    def held():
        """(cut, attempt, claimed_by, its worker) of a cut a live worker of ours is processing while
        another is up beside it; the one on its latest attempt first, so that some cuts use up their
        attempts and fail."""
        ready = ready_workers()
        live = {proc.pid: proc for proc in workers if proc.poll() is None and ready - {proc.pid}}
        found = []
        for cut_id, (status, attempts, by) in claims().items():
            if status != "processing" or not by:
                continue
            pid = int(by.rpartition("/")[2])
            # An RQ work horse is a child of its worker; the database worker processes in itself.
            holder = live.get(pid) or live.get(parent(pid) or -1)
            if holder is not None:
                found.append((cut_id, attempts, by, holder))
        return max(found, key=lambda claim: claim[1]) if found else None

    clock = [time.monotonic()]

    def lap(what):
        now = time.monotonic()
        print(f"{what}: {now - clock[0]:.1f} s")
        clock[0] = now

    lap("cuts imported")
    try:
        # How long one attempt takes here and now: the kill moments are drawn over that span.
        first = wait_for("a first claim", held, log_path)
        began = time.monotonic()
        wait_for("the first cut to be processed", lambda: claims()[first[0]][0] in ("ready", "failed"), log_path)
        span = time.monotonic() - began
        print(f"one attempt took {span:.2f} s: moments drawn in [0, {span:.2f}) s after a claim is seen")
        redraws = 0

        def fed_and_held():
            # The queue is kept fed while waiting: cuts fed once before the wait can all be done
            # (an attempt takes under a second here) before a replacement worker is up beside them.
            if sum(status in ("queued", "processing") for status, *_ in claims().values()) < FEED_BELOW:
                cut_ids.extend(upload(FEED))
            return held()

        while len(rounds) < total:
            cut_id, attempt, by, holder = wait_for("a cut being processed beside another worker", fed_and_held, log_path)
            moment = rng.uniform(0, span)
            time.sleep(moment)
            if claims()[cut_id] != ("processing", attempt, by) or holder.poll() is not None:
                # The attempt ended before the moment came: draw another for the next claim.
                redraws += 1
                assert redraws < 10 * total, about("the attempts end before any moment drawn")
                continue
            victims = [holder.pid, *_descendants(holder.pid)]
            groups = {group for group in map(process_group, victims) if group is not None}
            os.killpg(holder.pid, signal.SIGKILL)  # the worker's own group; its horse and ffmpeg have theirs
            holder.wait(timeout=30)
            rounds.append((cut_id, attempt, round(moment, 2)))
            killed_groups |= groups
            workers.remove(holder)
            workers.append(start(work, env, log_path))  # two workers up again, as an operator's supervisor would
            # Whatever the killed worker ran dies with it: its horse, that horse's ffmpeg, their groups.
            wait_for(f"round {len(rounds)}: the killed worker's processes to die",
                     lambda: not any(alive(pid) for pid in victims) and not in_groups(groups), log_path)
        lap("rounds")
        print(f"{total} rounds, {redraws} moments drawn after their attempt had ended: {rounds}")
        wait_for("every cut to end ready or failed",
                 lambda: all(status in ("ready", "failed") for status, *_ in claims().values()), log_path, limit=300)
        lap("every cut ended")
        # Every attempt has ended: nothing may still encode, nothing of a killed worker may remain.
        assert ffmpeg_reading(location) == [], about("ffmpeg still running after every cut ended")
        assert in_groups(killed_groups) == [], about("processes of killed workers' groups still running")
    finally:
        for proc in [*workers, *([sweep] if sweep else [])]:
            stop(proc)
        kill_ffmpeg_reading(location)

    cuts = Cut.objects.filter(pk__in=cut_ids).prefetch_related("renditions")
    assert cuts.count() == len(cut_ids)
    assert not cuts.filter(status__in=[Cut.Status.PROCESSING, Cut.Status.QUEUED]).exists(), about()
    interrupted = {cut_id for cut_id, _attempt, _moment in rounds}
    assert cuts.filter(pk__in=interrupted).exclude(attempts=1).exists(), about("no kill cost an attempt")
    client.force_login(producer_a)
    for cut in cuts:
        assert 1 <= cut.attempts <= MAX_ATTEMPTS, about(f"cut {cut.pk}: {cut.attempts} attempts")
        if cut.status == Cut.Status.FAILED:
            with translation.override("en"):
                assert cut.failure_code and cut.failure, about(f"cut {cut.pk} failed without a reason")
            assert not cut.renditions.exists(), about(f"failed cut {cut.pk} has renditions")
            assert client.get(reverse("cut-file", args=[cut.pk, "proxy.mp4"])).status_code == 404
            assert "Processing failed:" in client.get(reverse("cut-detail", args=[cut.pk])).text
            continue
        _served_whole(client, cut, tmp_path, about, decode=cut.pk in interrupted)
    lap("served renditions checked")
    outcomes = {status: cuts.filter(status=status).count() for status in (Cut.Status.READY, Cut.Status.FAILED)}
    print(f"outcomes: {outcomes}; attempts handed back: {log_path.read_text().count('lease expired on attempt')}")


def _served_whole(client, cut: Cut, tmp_path: Path, about, *, decode: bool) -> None:
    """A ready cut serves every rendition whole: the bytes the view sends are the stored file, of
    the size recorded when the cut was marked ready, and (for a cut with a killed attempt, whose
    files that attempt may have begun) the proxy decodes to the end."""
    kinds = {r.kind: r for r in cut.renditions.all()}
    assert set(kinds) == {Rendition.Kind.PROXY, Rendition.Kind.POSTER, Rendition.Kind.SPRITE, Rendition.Kind.THUMBS}, \
        about(f"cut {cut.pk}: renditions {sorted(kinds)}")
    for name, kind in (("proxy.mp4", "proxy"), ("poster.jpg", "poster"), ("sprite.jpg", "sprite"), ("sprite.vtt", "thumbs")):
        response = client.get(reverse("cut-file", args=[cut.pk, name]))
        assert response.status_code == 200, about(f"cut {cut.pk}: {name} answered {response.status_code}")
        body = b"".join(response.streaming_content)
        assert len(body) == kinds[kind].size, about(f"cut {cut.pk}: {name} is {len(body)} bytes, recorded {kinds[kind].size}")
        if name == "proxy.mp4" and decode:
            proxy = tmp_path / f"served-{cut.pk}.mp4"
            proxy.write_bytes(body)
            duration = float(ffprobe_streams(proxy)["format"]["duration"])
            assert abs(duration - CLIP_SECONDS) < 0.5, about(f"cut {cut.pk}: the proxy lasts {duration} s")
            decoded = subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-xerror", "-i", str(proxy), "-f", "null", "-"],
                                     capture_output=True, text=True, timeout=60)
            assert decoded.returncode == 0 and not decoded.stderr, about(f"cut {cut.pk}: {decoded.stderr[-500:]}")
            proxy.unlink()
        elif name == "sprite.vtt":
            assert body.startswith(b"WEBVTT"), about(f"cut {cut.pk}: {body[:40]!r}")
