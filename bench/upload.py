#!/usr/bin/env python
"""Cut upload benchmark: a ~600 MB video to the S3 API server and to local storage. Not a test: it
measures and writes RESULTS.md.

    .venv/bin/python bench/upload.py [--size-mb 600] [--repeats 2] [--workers 4] [--sweep 8,10]
                                     [--results bench/RESULTS.md] [--keep]

Targets (from the issue): the app's upload to the S3 API server reaches ≥ 80 % of the throughput of
boto3's own ``upload_file`` to the same endpoint in the same run, and the app's peak RSS grows by
< 64 MB during an upload (the local chunked path too).

Every upload runs in a child process of its own (this file with ``--child``), so its RSS is its
alone: the parent samples ``/proc/<pid>/status`` every 20 ms, the child resets its high-water mark
(``/proc/self/clear_refs``) right before the upload and reports ``VmHWM`` after it. The app's runs
use a copy of a throwaway SQLite database (migrated, one showcase project in production) and, in S3
mode, a fresh bucket created with ``storage.ensure_bucket``; everything is deleted at the end.
See bench/README.md ("upload.py").
"""

import datetime as dt
import fcntl
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import common  # first: it puts the repository on sys.path
from common import ROOT
from media.storage.bucket import empty_bucket  # needs no Django set-up

SECTION = "## Upload (bench/upload.py)"
INTRO = ("Produced by `bench/upload.py`; re-running it replaces the block below (the current code at run time). "
         "See bench/README.md for what each line measures.")
TARGET_RATIO = 0.80
TARGET_RSS_MB = 64.0
SERVER_SCRIPT = ROOT / "scripts" / "s3-server.sh"
FILE_NAME = "bench-cut.mp4"
MB = 1e6  # throughput and RSS in MB = 10^6 bytes throughout
SAMPLE_SECONDS = 0.02
CHILD_TIMEOUT = 1800


# ============================================================================ child process


class Marks:
    """Monotonic timestamps (CLOCK_MONOTONIC is system-wide: the parent's samples line up) and the
    process's CPU seconds at named points."""

    def __init__(self):
        self.t: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.parts: list[tuple[int, float, float]] = []
        self.totals: dict[str, float] = {}  # seconds inside each wrapped function, summed over its calls

    def mark(self, name: str, *, first: bool = False):
        if first and name in self.t:
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.t[name] = time.monotonic()
        self.cpu[name] = usage.ru_utime + usage.ru_stime

    def wrap(self, module, attribute: str, label: str):
        """Time every call of ``module.attribute`` (first start, last end), leaving the code as it is."""
        original = getattr(module, attribute)

        def timed(*args, **kwargs):
            self.mark(label + ":start", first=True)
            began = time.monotonic()
            try:
                return original(*args, **kwargs)
            finally:
                self.mark(label + ":end")
                self.totals[label] = self.totals.get(label, 0.0) + time.monotonic() - began

        setattr(module, attribute, timed)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False when the kernel refused."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _status_kb("VmHWM") <= _status_kb("VmRSS") + 256


def child(spec: dict) -> dict:
    import gc

    marks = Marks()
    mode = spec["mode"]
    path = spec["path"]
    result: dict = {"mode": mode}
    if mode == "boto3":
        import boto3
        from boto3.s3.transfer import TransferConfig

        s3 = boto3.client("s3", endpoint_url=spec["endpoint_url"], aws_access_key_id=spec["access_key"],
                          aws_secret_access_key=spec["secret_key"], region_name=spec["region"])
        s3.head_bucket(Bucket=spec["bucket"])  # credentials, endpoint and a first connection, as the app has them
        config = TransferConfig() if not spec.get("max_concurrency") else TransferConfig(max_concurrency=spec["max_concurrency"])
        result["transfer_config"] = {"multipart_chunksize": config.multipart_chunksize, "max_concurrency": config.max_concurrency,
                                     "multipart_threshold": config.multipart_threshold}
        run = lambda: s3.upload_file(path, spec["bucket"], spec["key"], Config=config)  # noqa: E731
    elif mode == "copyfile":
        def run():
            shutil.copyfile(path, spec["target"])
            if spec.get("fsync"):
                fd = os.open(spec["target"], os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
    else:
        import django

        django.setup()
        if mode == "setup":
            return child_setup(spec)
        from django.conf import settings
        from django.contrib.auth.models import User

        from media import ffmpeg, services, storage, uploads, uploads_direct, uploads_local
        from media.models import Upload
        from projects.models import VideoProject

        project = VideoProject.objects.get(pk=spec["project_id"])
        user = User.objects.get(pk=spec["user_id"])
        s3_mode = storage.s3_enabled()
        assert s3_mode == (mode == "s3"), f"storage mode is {'S3' if s3_mode else 'local'} in a {mode} run"
        if s3_mode:
            storage.client().head_bucket(Bucket=settings.REELWORK_S3["bucket"])
        for module, attribute, label in [
            (uploads, "upload_start", "upload_start"),
            (uploads_direct, "upload_direct_complete", "upload_direct_complete"),
            (uploads_direct, "upload_direct_verify", "upload_direct_verify"),
            (uploads_local, "upload_local_receive", "upload_local_receive"),
            (uploads_local, "upload_local_finish", "upload_local_finish"), (uploads, "cut_register_upload", "register"),
            (storage, "part_digests", "part_digests"), (storage, "local_sha256", "local_sha256"),
            (storage, "local_finalize", "local_finalize"), (storage, "local_append", "local_append"),
            (ffmpeg, "probe", "ffprobe"),
        ]:
            marks.wrap(module, attribute, label)
        put_part = storage.multipart_put_file_part

        def timed_part(**kwargs):
            began = time.monotonic()
            try:
                return put_part(**kwargs)
            finally:
                marks.parts.append((kwargs["part_number"], began, time.monotonic()))

        storage.multipart_put_file_part = timed_part
        result["chunk_size"] = storage.upload_chunk_bytes()
        result["workers"] = spec.get("workers")

        def run():
            kwargs = {"workers": spec["workers"]} if s3_mode else {}
            cut = services.cut_import(project=project, user=user, path=path, **kwargs)
            upload = Upload.objects.get(cut=cut)
            result.update(cut_id=cut.pk, cut_status=cut.status, size=cut.size, key=cut.original_key,
                          parts=upload.parts_total if s3_mode else None,
                          duration=float(cut.probe.get("duration") or 0), video=cut.probe.get("video_codec", ""))

    gc.collect()
    result["peak_reset"] = _reset_peak()
    result["pre_rss_kb"] = _status_kb("VmRSS")
    marks.mark("begin")
    run()
    marks.mark("end")
    result["hwm_kb"] = _status_kb("VmHWM")
    result["post_rss_kb"] = _status_kb("VmRSS")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["children_cpu_s"] = children.ru_utime + children.ru_stime
    result["threads"] = threading.active_count()
    result["marks"] = marks.t
    result["cpu"] = marks.cpu
    result["part_times"] = marks.parts
    result["totals"] = marks.totals
    return result


def child_setup(spec: dict) -> dict:
    """Migrate the throwaway database and create what an upload needs: a producer and a showcase
    project (showcase skips script and storyboard) approved into production, through the services."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.utils import timezone

    from projects import services
    from projects.models import Genre, Membership, Origin, State, TopicCall, Track, Unit

    call_command("migrate", verbosity=0, interactive=False)
    unit = Unit.objects.create(name="华山街道", code="huashan")
    office = User.objects.create_user(username="office")
    office.groups.set(Group.objects.filter(name="office"))
    producer = User.objects.create_user(username="producer")
    producer.groups.set(Group.objects.filter(name="producer"))
    Membership.objects.create(user=producer, unit=unit)
    today = timezone.localdate()
    call = TopicCall.objects.create(year=today.year, theme="上传基准", opens_on=today - dt.timedelta(days=10),
                                    closes_on=today + dt.timedelta(days=30))
    genre, track = Genre.objects.get(code="exemplary"), Track.objects.get(code="showcase")
    topic = services.topic_pitch(user=producer, call=call, unit=unit, title="上传基准样片", logline="基准。",
                                 genre=genre, proposed_track=track)
    project = topic.project
    services.project_plan(project=project, user=office, genre=genre, track=track, origin=Origin.SELF_SELECTED,
                          deadline=today + dt.timedelta(days=120))
    services.project_fire(project=project, user=office, name="approve", reason="同意")
    project.refresh_from_db()
    assert project.state == State.PRODUCTION, project.state
    out = {"project_id": project.pk, "user_id": producer.pk}
    from media import storage

    if storage.s3_enabled():
        out["lifecycle"] = storage.ensure_bucket()
    return out


def child_main(argv):
    spec = json.loads(argv[0])
    result = child(spec)
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


# ============================================================================ parent


class Server:
    """The S3 API server of scripts/s3-server.sh: started when it isn't running (and stopped again at
    the end, unless a test session is using it), held with the same shared lock the tests use."""

    def __init__(self):
        data = Path(os.environ.get("REELWORK_S3_DATA") or Path(tempfile.gettempdir()) / "reelwork-s3")
        self.data = data
        self.warned = False
        self.lock_path = data.with_name(data.name + ".sessions.lock")
        self.lock = None
        self.started_here = False
        self.env: dict[str, str] = {}

    def script(self, *args, timeout):
        return subprocess.run([str(SERVER_SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, cwd=ROOT)

    def __enter__(self):
        self.lock = os.open(self.lock_path, os.O_RDONLY | os.O_CREAT, 0o666)
        fcntl.flock(self.lock, fcntl.LOCK_SH)
        if self.script("status", timeout=60).returncode != 0:
            print("starting the S3 server (scripts/s3-server.sh start) …", flush=True)
            result = self.script("start", timeout=900)
            if result.returncode != 0:
                sys.exit(f"scripts/s3-server.sh start failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
            self.started_here = True
        for line in self.script("env", timeout=30).stdout.splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            self.env[name] = shlex.split(value)[0] if value else ""
        self.collect_garbage()  # what earlier runs and test sessions deleted
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.lock, fcntl.LOCK_UN)
        if self.started_here:
            try:
                fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print("the S3 server stays up: a test session is using it", flush=True)
            else:
                self.script("stop", timeout=120)
                fcntl.flock(self.lock, fcntl.LOCK_UN)
        os.close(self.lock)

    def collect_garbage(self):
        """Free the space of deleted objects now. Ceph RGW only queues a deleted object's data for
        garbage collection, which runs after ``rgw_gc_obj_min_wait`` (2 hours): without this, a
        dozen 600 MB uploads (plus a test session) fill the server's 20 GiB OSD, and then every
        request hangs. Uses the cluster's own admin tool and configuration (scripts/s3-server.sh)."""
        conf = self.data / "ceph.conf"
        if not shutil.which("radosgw-admin") or not conf.exists():
            if not self.warned:
                print("radosgw-admin or the server's ceph.conf is missing: deleted uploads keep their space "
                      "for 2 hours", flush=True)
                self.warned = True
            return
        try:
            result = subprocess.run(["radosgw-admin", "-c", str(conf), "gc", "process", "--include-all"],
                                    capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            print("radosgw-admin gc process took more than 10 minutes", flush=True)
            return
        if result.returncode != 0:
            print(f"radosgw-admin gc process failed (exit {result.returncode}): {result.stderr[-500:]}", flush=True)

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.env["REELWORK_S3_ENDPOINT_URL"],
                            aws_access_key_id=self.env["REELWORK_S3_ACCESS_KEY"],
                            aws_secret_access_key=self.env["REELWORK_S3_SECRET_KEY"],
                            region_name=self.env["REELWORK_S3_REGION"])


def server_pids() -> list[int]:
    """The S3 server's daemons (radosgw, ceph-osd, ceph-mon), from scripts/s3-server.sh's pid files."""
    run = Path(os.environ.get("REELWORK_S3_DATA") or Path(tempfile.gettempdir()) / "reelwork-s3") / "run"
    pids = []
    for name in ("client.rgw.a", "osd.0", "mon.a"):
        try:
            pids.append(int((run / f"{name}.pid").read_text().strip()))
        except (OSError, ValueError):
            pass
    return pids


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by the processes ``pids`` (those still running)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICK


def run_child(spec: dict, env: dict, server: list[int] = ()) -> dict:
    """Run one measurement in a child process, sampling its RSS (and the S3 server's CPU time)
    every 20 ms from here."""
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            env=env, cwd=ROOT)
    samples: list[tuple[float, int, float]] = []
    stop = threading.Event()

    def sample():
        status = f"/proc/{proc.pid}/status"
        while not stop.is_set():
            try:
                with open(status) as f:
                    text = f.read()
            except OSError:
                return
            for line in text.splitlines():
                if line.startswith("VmRSS:"):
                    samples.append((time.monotonic(), int(line.split()[1]), cpu_seconds(server)))
                    break
            stop.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise RuntimeError(f"child {spec['mode']} took more than {CHILD_TIMEOUT} s:\n{err[-3000:]}") from None
    finally:
        stop.set()
        sampler.join()
    line = next((line for line in reversed(out.splitlines()) if line.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"child {spec['mode']} failed (exit {proc.returncode}):\n{err[-3000:]}")
    result = json.loads(line.removeprefix("RESULT "))
    marks = result.get("marks", {})
    if "begin" in marks:
        window = [kb for t, kb, _ in samples if marks["begin"] <= t <= marks["end"]]
        result["sampled_peak_kb"] = max(window, default=0)
        result["samples"] = len(window)
        # The server's CPU seconds at each mark: from the sample nearest to it.
        result["server_cpu"] = {name: min(samples, key=lambda s: abs(s[0] - t))[2] if samples else 0.0
                                for name, t in marks.items()}
    return result


def make_video(tmp: Path, size_mb: float) -> tuple[Path, float]:
    """A real H.264 + AAC MP4 of about ``size_mb`` MB: lossless x264 (ultrafast, qp 0) of testsrc2
    at 1280x720 with temporal noise, which does not compress. A 1 s calibration clip gives the bytes
    per second; the real clip is made as long as the target size needs."""

    def encode(path: Path, seconds: float):
        subprocess.run(
            ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
             "-f", "lavfi", "-i", f"testsrc2=d={seconds:.2f}:s=1280x720:r=25", "-f", "lavfi", "-i", f"sine=f=440:d={seconds:.2f}",
             "-vf", "noise=alls=60:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-shortest", str(path)],
            check=True, timeout=1800, stdin=subprocess.DEVNULL,
        )

    began = time.monotonic()
    probe = tmp / "calibrate.mp4"
    encode(probe, 2)
    per_second = probe.stat().st_size / 2
    probe.unlink()
    path = tmp / FILE_NAME
    encode(path, max(0.2, size_mb * MB / per_second))
    return path, time.monotonic() - began


def machine_note(load_start) -> str:
    try:
        ceph = subprocess.run(["radosgw", "--version"], capture_output=True, text=True, timeout=30).stdout.split("(")[0].strip()
    except OSError:
        ceph = "radosgw (version unknown)"
    import boto3
    import botocore

    return common.machine(
        f"boto3 {boto3.__version__} / botocore {botocore.__version__}",
        f"S3 server: {ceph} (scripts/s3-server.sh, single OSD on 127.0.0.1, same machine)",
        load_start=load_start,
    )


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child_main(sys.argv[2:])
    parser = common.parser(__doc__, keep_help="keep the temp dir (video, databases, local storage)")
    parser.add_argument("--size-mb", type=float, default=600, help="size of the test video in MB (default 600)")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each measurement; the fastest is kept (default 2)")
    parser.add_argument("--workers", type=int, default=4, help="cut_import(workers=…) for the headline S3 run (default 4, "
                        "the app's default)")
    parser.add_argument("--sweep", default="8,10", help="further worker counts to measure the S3 path with ('' = none)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed boto3 uploads before the measured ones (default 1)")
    parser.add_argument("--no-local", action="store_true", help="skip the local chunked path")
    args = parser.parse_args()
    sweep = [int(w) for w in args.sweep.split(",") if w.strip() and int(w) != args.workers]

    began = time.monotonic()
    load_start = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="reelwork-bench-upload-"))
    bucket = f"reelwork-bench-{uuid.uuid4().hex[:12]}"
    report: dict = {"args": vars(args), "sweep": sweep}
    with Server() as server:
        s3 = server.client()
        try:
            report.update(bench(tmp, args, sweep, server, s3, bucket))
        finally:
            try:
                empty_bucket(s3, bucket, delete=True)
            except Exception as exc:  # noqa: BLE001 (report, don't hide the benchmark's own error)
                print(f"could not remove the bucket {bucket}: {exc!r}", flush=True)
            if args.keep_db:
                print(f"kept {tmp}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    report["whole_run_s"] = time.monotonic() - began
    report["machine"] = machine_note(load_start)
    common.write_results(args, section=SECTION, key="upload", intro=INTRO, text=render(report, args))


def child_env(tmp: Path, name: str, *, s3: dict | None, bucket: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELWORK_S3_") and k not in ("DATABASE_URL",)}
    env.update(DJANGO_SETTINGS_MODULE="studio.settings", DATABASE_URL=f"sqlite:///{tmp / (name + '.sqlite3')}",
               REELWORK_VAR_DIR=str(tmp / f"var-{name}"), REELWORK_MODE="development", DEBUG="false",
               LOG_LEVEL="WARNING", TASKS_BACKEND="django_tasks_db.DatabaseBackend", PYTHONUNBUFFERED="1")
    if s3:
        env.update({k: v for k, v in s3.items() if k.startswith("REELWORK_S3_")})
        env["REELWORK_S3_BUCKET"] = bucket
        env.pop("REELWORK_S3_PUBLIC_ENDPOINT_URL", None)
    return env


def bench(tmp: Path, args, sweep, server: Server, s3, bucket: str) -> dict:
    out: dict = {"bucket": bucket}
    print(f"making a ~{args.size_mb:g} MB video …", flush=True)
    video, took = make_video(tmp, args.size_mb)
    out["size"] = video.stat().st_size
    out["generate_s"] = took
    print(f"  {video.name}: {out['size'] / MB:.1f} MB in {took:.0f} s", flush=True)

    print("throwaway database and bucket (migrate, one showcase project in production, ensure_bucket) …", flush=True)
    setup = run_child({"mode": "setup", "path": ""}, child_env(tmp, "template", s3=server.env, bucket=bucket))
    out["setup"] = setup
    template = tmp / "template.sqlite3"
    counter = iter(range(1, 10_000))

    def app(mode: str, workers: int | None = None) -> dict:
        name = f"run{next(counter)}"
        shutil.copyfile(template, tmp / f"{name}.sqlite3")
        env = child_env(tmp, name, s3=server.env if mode == "s3" else None, bucket=bucket)
        try:
            result = run_child({"mode": mode, "path": str(video), "workers": workers,
                                "project_id": setup["project_id"], "user_id": setup["user_id"]}, env,
                               server_pids() if mode == "s3" else [])
        finally:
            if mode == "s3":
                empty_bucket(s3, bucket)
                server.collect_garbage()
            shutil.rmtree(tmp / f"var-{name}", ignore_errors=True)
            (tmp / f"{name}.sqlite3").unlink(missing_ok=True)
        return result

    def boto3_run(max_concurrency: int | None = None) -> dict:
        spec = {"mode": "boto3", "path": str(video), "bucket": bucket, "key": f"boto3/{uuid.uuid4().hex}/{FILE_NAME}",
                "endpoint_url": server.env["REELWORK_S3_ENDPOINT_URL"], "access_key": server.env["REELWORK_S3_ACCESS_KEY"],
                "secret_key": server.env["REELWORK_S3_SECRET_KEY"], "region": server.env["REELWORK_S3_REGION"],
                "max_concurrency": max_concurrency}
        try:
            result = run_child(spec, child_env(tmp, "boto3", s3=None), server_pids())
            head = s3.head_object(Bucket=bucket, Key=spec["key"])
            assert head["ContentLength"] == out["size"], head["ContentLength"]
        finally:
            empty_bucket(s3, bucket)
            server.collect_garbage()
        return result

    def show(label, r, phase=("begin", "end")):
        seconds = r["marks"][phase[1]] - r["marks"][phase[0]]
        print(f"  {label}: {seconds:.2f} s, {out['size'] / MB / seconds:.0f} MB/s, RSS +"
              f"{(r['hwm_kb'] - r['pre_rss_kb']) * 1024 / MB:.1f} MB", flush=True)

    for i in range(args.warmup):
        print(f"warm-up upload {i + 1} of {args.warmup} (not counted) …", flush=True)
        show("boto3 upload_file, default TransferConfig", boto3_run())
    # Every round runs every variant, so a busy spell on the shared machine hits them alike.
    out["boto3"], out["boto3_c"], out["app"] = [], [], {w: [] for w in [args.workers, *sweep]}
    for i in range(args.repeats):
        print(f"S3, round {i + 1} of {args.repeats} …", flush=True)
        out["boto3"].append(boto3_run())
        show("boto3 upload_file, default TransferConfig", out["boto3"][-1])
        out["boto3_c"].append(boto3_run(max_concurrency=args.workers))
        show(f"boto3 upload_file, max_concurrency={args.workers}", out["boto3_c"][-1])
        for workers in out["app"]:
            out["app"][workers].append(app("s3", workers))
            show(f"app cut_import workers={workers}, upload phase", out["app"][workers][-1], ("begin", "upload_direct_complete:end"))
            show(f"app cut_import workers={workers}, with verification", out["app"][workers][-1])
    if not args.no_local:
        out["copy"], out["copy_fsync"], out["local"] = [], [], []
        for i in range(args.repeats):
            print(f"local, round {i + 1} of {args.repeats} …", flush=True)
            target = tmp / "copy.mp4"
            try:
                out["copy"].append(run_child({"mode": "copyfile", "path": str(video), "target": str(target)},
                                             child_env(tmp, "copy", s3=None)))
                show("shutil.copyfile", out["copy"][-1])
                target.unlink()
                out["copy_fsync"].append(run_child({"mode": "copyfile", "path": str(video), "target": str(target),
                                                    "fsync": True}, child_env(tmp, "copy", s3=None)))
                show("shutil.copyfile + fsync", out["copy_fsync"][-1])
            finally:
                target.unlink(missing_ok=True)
            out["local"].append(app("local"))
            show("app cut_import, local chunked", out["local"][-1])
    return out


# ============================================================================ report


def seconds(r: dict, start: str = "begin", end: str = "end") -> float:
    return r["marks"][end] - r["marks"][start]


def cpu(r: dict, start: str = "begin", end: str = "end") -> float:
    return r["cpu"][end] - r["cpu"][start]


def growth_mb(r: dict) -> float:
    """Peak RSS growth during the upload: the larger of VmHWM (reset right before) and the 20 ms
    samples, minus the RSS right before the upload."""
    peak = max(r["hwm_kb"] if r.get("peak_reset") else 0, r.get("sampled_peak_kb", 0))
    return (peak - r["pre_rss_kb"]) * 1024 / MB


def server_cpu(r: dict, start: str = "begin", end: str = "end") -> float:
    return r["server_cpu"][end] - r["server_cpu"][start]


def fastest(runs: list[dict], start="begin", end="end") -> dict:
    return min(runs, key=lambda r: seconds(r, start, end))


def options(args) -> str:
    """The command-line options of this run that differ from the defaults."""
    defaults = {"size_mb": 600, "repeats": 2, "workers": 4, "sweep": "8,10", "warmup": 1, "no_local": False}
    out = ""
    for name, default in defaults.items():
        value = getattr(args, name)
        if value != default:
            flag = "--" + name.replace("_", "-")
            out += f" {flag}" if value is True else f" {flag} {shlex.quote(str(value)) if isinstance(value, str) else f'{value:g}'}"
    return out


def median(values):
    return statistics.median(values)


def render(r: dict, args) -> str:
    size = r["size"]
    up = ("begin", "upload_direct_complete:end")

    def rate(s):
        return size / MB / s

    def verdict(ok):
        return "**met**" if ok else "**not met**"

    def runs_list(runs, start="begin", end="end"):
        return ", ".join(f"{seconds(x, start, end):.2f}" for x in runs)

    b = fastest(r["boto3"])
    b_s = seconds(b)
    bc = fastest(r["boto3_c"])
    w = args.workers
    a_runs = r["app"][w]
    a_up = fastest(a_runs, *up)
    a_all = fastest(a_runs)
    ratio_up = b_s / seconds(a_up, *up)
    ratio_all = b_s / seconds(a_all)
    b_med = median([seconds(x) for x in r["boto3"]])
    ratio_up_med = b_med / median([seconds(x, *up) for x in a_runs])
    rss_s3 = max(growth_mb(x) for x in a_runs)
    boto_rss = max(growth_mb(x) for x in r["boto3"])
    tc = b["transfer_config"]
    n = args.repeats
    lines = [
        r["machine"],
        "",
        f"File: {size / MB:.1f} MB real video (testsrc2 1280x720 25 fps with temporal noise, lossless x264 ultrafast "
        f"`-qp 0` + AAC in MP4, {a_all.get('duration', 0):.1f} s; made in {r['generate_s']:.0f} s, not counted), in the page "
        f"cache (24 GB RAM), read from a temp dir. MB = 10^6 bytes, for throughput and RSS alike. Each measurement runs in a "
        f"child process of its own; times are the fastest of {n} runs (all runs listed). boto3 and the app's runs "
        f"alternate, in one bucket made for this run (`storage.ensure_bucket`), emptied after every run and deleted at the "
        f"end. The S3 server runs on the same {os.cpu_count()} cores as the client, so client CPU competes with it.",
        "",
        "| measure | result | target | met? |",
        "|---|---:|---|---|",
        f"| boto3 `upload_file`, default `TransferConfig` ({tc['multipart_chunksize'] // 2**20} MiB parts, "
        f"{tc['max_concurrency']} threads), baseline (runs {runs_list(r['boto3'])} s) | {rate(b_s):.0f} MB/s "
        f"({b_s:.2f} s) | | |",
        f"| app S3 upload phase: `services.cut_import(workers={w})` from the call until `upload_direct_complete` returns "
        f"(`upload_start` + {a_up.get('parts')} parts of {a_up['chunk_size'] // 2**20} MiB + list parts + complete; runs "
        f"{runs_list(a_runs, *up)} s) | {rate(seconds(a_up, *up)):.0f} MB/s ({seconds(a_up, *up):.2f} s) = "
        f"**{ratio_up:.0%} of boto3** (medians: {ratio_up_med:.0%}) | ≥ {TARGET_RATIO:.0%} of boto3 | "
        f"{verdict(ratio_up >= TARGET_RATIO)} |",
        f"| app S3 whole `cut_import(workers={w})`: upload + read-back verification (head, one GET hashing every part and the whole file) + ffprobe + "
        f"register (runs {runs_list(a_runs)} s) | {rate(seconds(a_all)):.0f} MB/s ({seconds(a_all):.2f} s) = "
        f"{ratio_all:.0%} of boto3's upload | (second ratio, no target) | |",
        f"| app S3 peak RSS growth, `cut_import(workers={w})` (largest of {n} runs: "
        f"{', '.join(f'{growth_mb(x):.1f}' for x in a_runs)} MB) | {rss_s3:.1f} MB | < {TARGET_RSS_MB:g} MB | "
        f"{verdict(rss_s3 < TARGET_RSS_MB)} |",
    ]
    if "local" in r:
        c = fastest(r["copy"])
        cf = fastest(r["copy_fsync"])
        loc = fastest(r["local"])
        rss_local = max(growth_mb(x) for x in r["local"])
        lines += [
            f"| local baseline: `shutil.copyfile` of the same file in the same file system (runs {runs_list(r['copy'])} s) "
            f"| {rate(seconds(c)):.0f} MB/s ({seconds(c):.2f} s) | | |",
            f"| app local chunked: whole `services.cut_import` without S3 (hash pass, {loc['chunk_size'] // 2**20} MiB "
            f"chunks through `upload_local_receive`, SHA-256 re-read, ffprobe, fsync + link into place; runs "
            f"{runs_list(r['local'])} s) | {rate(seconds(loc)):.0f} MB/s ({seconds(loc):.2f} s) = "
            f"{seconds(c) / seconds(loc):.0%} of copyfile, {seconds(cf) / seconds(loc):.0%} of copyfile + fsync "
            f"({rate(seconds(cf)):.0f} MB/s, runs {runs_list(r['copy_fsync'])} s) | (no throughput target) | |",
            f"| app local chunked peak RSS growth (largest of {n} runs: "
            f"{', '.join(f'{growth_mb(x):.1f}' for x in r['local'])} MB) | {rss_local:.1f} MB | < {TARGET_RSS_MB:g} MB | "
            f"{verdict(rss_local < TARGET_RSS_MB)} |",
        ]
    lines += ["", "**S3: worker count and where the time goes** (fastest run per row, except the medians; upload phase as "
              "above; client CPU = user + system seconds of the uploading process during the upload phase, from "
              "`getrusage`; server CPU = the same for radosgw + ceph-osd + ceph-mon, sampled from `/proc` every 20 ms; "
              "RSS growth = peak during the whole `cut_import` minus RSS right before it):", "",
              "| client | runs s (upload phase) | upload MB/s | vs boto3 | median vs boto3's median | client CPU s | "
              "server CPU s | whole cut_import MB/s | read-back MB/s | ffprobe s | peak RSS growth MB |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines.append(f"| boto3 `upload_file`, default ({tc['max_concurrency']} threads) | {runs_list(r['boto3'])} | "
                 f"{rate(b_s):.0f} | 100% | 100% | {cpu(b):.1f} | {server_cpu(b):.1f} | | | | {boto_rss:.1f} |")
    bc_s = seconds(bc)
    lines.append(f"| boto3 `upload_file`, `max_concurrency={w}` | {runs_list(r['boto3_c'])} | {rate(bc_s):.0f} | "
                 f"{b_s / bc_s:.0%} | {b_med / median([seconds(x) for x in r['boto3_c']]):.0%} | {cpu(bc):.1f} | "
                 f"{server_cpu(bc):.1f} | | | | "
                 f"{max(growth_mb(x) for x in r['boto3_c']):.1f} |")
    for workers, runs in sorted(r["app"].items()):
        best = fastest(runs, *up)
        whole = fastest(runs)
        verify_s = seconds(whole, "part_digests:start", "part_digests:end")
        lines.append(
            f"| app `cut_import(workers={workers})` | {runs_list(runs, *up)} | {rate(seconds(best, *up)):.0f} | "
            f"{b_s / seconds(best, *up):.0%} | {b_med / median([seconds(x, *up) for x in runs]):.0%} | "
            f"{cpu(best, *up):.1f} | {server_cpu(best, *up):.1f} | "
            f"{rate(seconds(whole)):.0f} | {rate(verify_s):.0f} | "
            f"{seconds(whole, 'ffprobe:start', 'ffprobe:end'):.2f} | {max(growth_mb(x) for x in runs):.1f} |")
    # Phase breakdown of the headline run
    parts = sorted(a_all["part_times"])
    latencies = sorted(e - s for _, s, e in parts)
    m = a_all["marks"]
    phases = [
        ("upload_start (DB row + create multipart upload)", seconds(a_all, "upload_start:start", "upload_start:end")),
        (f"{len(parts)} parts, {w} at a time", m["upload_direct_complete:start"] - m["upload_start:end"]),
        ("upload_direct_complete (list parts, complete multipart, DB)", seconds(a_all, "upload_direct_complete:start", "upload_direct_complete:end")),
        (f"upload_direct_verify: head + read-back with per-part and whole-file SHA-256 (`storage.part_digests`, one GET, "
         f"client CPU {cpu(a_all, 'part_digests:start', 'part_digests:end'):.1f} s)",
         seconds(a_all, "part_digests:start", "part_digests:end")),
        ("upload_direct_verify: ffprobe (over a presigned URL)", seconds(a_all, "ffprobe:start", "ffprobe:end")),
        ("upload_direct_verify: register the cut (DB)", seconds(a_all, "register:start", "register:end")),
    ]
    lines += ["", f"Phases of the fastest whole `cut_import(workers={w})` run ({seconds(a_all):.2f} s): "
              + "; ".join(f"{label} {s:.2f} s" for label, s in phases)
              + f". Part PUT latency (one `upload_part` each): median {latencies[len(latencies) // 2]:.2f} s, "
              f"max {latencies[-1]:.2f} s, i.e. {a_all['chunk_size'] / MB / latencies[len(latencies) // 2]:.0f} MB/s per "
              "connection."]
    if "local" in r:
        loc = fastest(r["local"])
        lm = loc["marks"]
        lines += ["", f"Phases of the fastest local run ({seconds(loc):.2f} s): hash pass over the file "
                  f"{lm['upload_start:start'] - lm['begin']:.2f} s; chunks appended through `upload_local_receive` "
                  f"{lm['upload_local_finish:start'] - lm['upload_local_receive:start']:.2f} s "
                  f"({rate(lm['upload_local_finish:start'] - lm['upload_local_receive:start']):.0f} MB/s), of which "
                  f"{loc['totals']['local_append']:.2f} s inside `storage.local_append` (write + the per-chunk SHA-256 of "
                  f"`upload_local_receive`) and {loc['totals']['upload_local_receive'] - loc['totals']['local_append'] - loc['totals']['upload_local_finish']:.2f} s in the rest "
                  "of `upload_local_receive` (the `received` UPDATE, one SQLite commit per chunk); `upload_local_finish`: SHA-256 "
                  f"re-read {seconds(loc, 'local_sha256:start', 'local_sha256:end'):.2f} s, ffprobe "
                  f"{seconds(loc, 'ffprobe:start', 'ffprobe:end'):.2f} s, register + fsync + link "
                  f"{seconds(loc, 'register:start', 'register:end'):.2f} s. Reference: `shutil.copyfile` + fsync "
                  f"{seconds(fastest(r['copy_fsync'])):.2f} s ({rate(seconds(fastest(r['copy_fsync']))):.0f} MB/s)."]
    lines += ["", "RSS: sampled from `/proc/<pid>/status` every 20 ms by the parent and `VmHWM` of the child (reset with "
              "`/proc/self/clear_refs` right before the upload), the larger of the two, minus `VmRSS` right before "
              "the upload (after `django.setup()`, the imports and a first S3 request). ffprobe runs as its own "
              "process and is not counted. Pre-upload RSS of the app's child: "
              f"{a_all['pre_rss_kb'] * 1024 / MB:.0f} MB (S3), "
              + (f"{fastest(r['local'])['pre_rss_kb'] * 1024 / MB:.0f} MB (local); " if "local" in r else "")
              + f"of the boto3 child {b['pre_rss_kb'] * 1024 / MB:.0f} MB.",
              "",
              f"Reproduce: `.venv/bin/python bench/upload.py{options(args)}` (whole run {r['whole_run_s']:.0f} s; starts `scripts/s3-server.sh` when it is not running "
              "and stops it again afterwards)."]
    return "\n".join(lines)



if __name__ == "__main__":
    main()
