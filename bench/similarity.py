#!/usr/bin/env python
"""Benchmark: the live homogeneity check (避免同质化) against 10,000 earlier topics.

Not a test: it asserts nothing about time. Run from the repository root:

    .venv/bin/python bench/similarity.py                       # SQLite file in a fresh temp dir
    .venv/bin/python bench/similarity.py --database-url postgres://postgres@127.0.0.1:5432/reelwork_bench_sim

What it does (see bench/README.md, "similarity.py"):
1. A throwaway database (web_list's), ``seedbulk.make_world()``, then N synthetic topics (title,
   logline, local elements; bulk rows) made from the field's subjects, deeds, objects and places.
2. Keystrokes: P pitches are "typed" one character at a time (title, then the first 30 characters
   of the logline); every prefix is one request, as the pitch form's debounced JS sends it at worst.
   Measured per keystroke, interleaved so that a change of load hits all alike:
   * **today's** implementation (the bigram method before issue 13, read from git at
     ``--before``): ``closest(title, Topic.objects.values_list("pk", "title"))``, what its service did;
   * the **new** service, ``services.topic_similar`` (the index kept by ``projects.homogeneity``);
   * the **new** endpoint through Django's test Client as a producer (``GET /api/topics/similar/``,
     access check, the matches' units and years, the highlighted pieces).
3. The index's cost: the first check (building it), a check after one new topic (the weights and
   norms are recomputed), memory of the index (tracemalloc while it is built) and of jieba's
   dictionary, peak RSS.
4. Writes its block of bench/RESULTS.md and prints it.
"""

import argparse
import gc
import importlib.util
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))

import reporting  # noqa: E402
import web_list  # noqa: E402

# The commit before issue 13's work: projects/similarity.py as it was (character bigrams, every
# candidate re-normalised on every call).
BEFORE = "7f468aa"

SUBJECTS = ["老支书", "驻村第一书记", "村支书", "老党员", "党员医生", "退役军人", "大学生村官", "网格员", "党员教师",
            "非遗传承人", "快递小哥", "党员律师", "返乡青年", "女村支书", "党员护林员", "社区党组织", "党员志愿者",
            "党员突击队", "红色物业", "党员邮递员", "养蜂人", "菜农", "电商主播", "护水人", "老兵", "乡村教师"]
DEEDS = ["带领村民种植", "带头发展", "义务守护", "开办", "直播销售", "帮助群众修建", "推广", "创办", "守护",
         "调解", "服务", "坚守", "探索", "打造", "宣讲", "整治"]
OBJECTS = ["蓝莓", "花椒", "核桃", "茶叶", "中药材", "高原花卉", "肉牛", "民宿", "水渠", "烈士陵园", "老旧小区",
           "四点半课堂", "合作社", "乡村旅游", "垃圾分类", "党建地图", "农民夜校", "有声图书馆", "山区公路",
           "邻里纠纷", "生活污水", "防汛堤坝", "养老食堂", "电梯加装", "滇池湿地", "红色影院"]
PLACES = ["", "", "曙光社区", "西山区", "金马街道", "官渡古镇", "翠湖边", "吴井街道", "富民县", "东川区", "护国街道",
          "华山街道", "大观街道", "莲华街道", "红云街道", "龙翔街道", "丰宁街道", "普吉街道", "黑林铺", "西翥街道"]
TAILS = ["", "", "的故事", "记", "：一个人的坚守", "三十年", "的新路子", "——来自基层的报告", "的日记", "的一天"]
LOGLINES = ["{s}在{p}{d}{o}，{n}年来带动{k}户群众增收。", "讲述{s}{d}{o}的经历，展现基层党员的担当。",
            "{p}的{s}克服困难{d}{o}，让群众得到实惠。", "{s}扎根{p}，用{n}年时间{d}{o}。"]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", default="", help="default: SQLite file in a fresh temp dir")
    ap.add_argument("--topics", type=int, default=10000, help="earlier topics in the database")
    ap.add_argument("--pitches", type=int, default=12, help="pitches typed keystroke by keystroke")
    ap.add_argument("--before", default=BEFORE, help="commit whose projects/similarity.py is today's implementation")
    ap.add_argument("--results", default=str(BENCH_DIR / "RESULTS.md"), help="markdown file to update ('' to skip)")
    ap.add_argument("--keep-db", action="store_true")
    return ap.parse_args()


def synthetic(rng, i):
    s, d, o, p = rng.choice(SUBJECTS), rng.choice(DEEDS), rng.choice(OBJECTS), rng.choice(PLACES)
    title = f"{p}{s}{d}{o}{rng.choice(TAILS)}"[:120]
    logline = rng.choice(LOGLINES).format(s=s, d=d, o=o, p=p or "村里", n=rng.randint(2, 40), k=rng.randint(5, 300))
    local = " ".join(x for x in ["五华元素", p] if x)
    return title, logline, local


def load_before(commit):
    source = subprocess.run(["git", "show", f"{commit}:projects/similarity.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp(prefix="reelwork-sim-before-")) / "similarity_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("similarity_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def rss_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    args = parse_args()
    tmpdir = Path(tempfile.mkdtemp(prefix="reelwork-bench-sim-"))
    try:
        database_url = web_list.prepare_database(args.database_url, tmpdir)
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    os.environ.update({
        "DATABASE_URL": database_url, "DEBUG": "false", "ALLOWED_HOSTS": "testserver",
        "REELWORK_VAR_DIR": str(tmpdir / "var"), "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "studio.settings",
    })
    try:
        run(args)
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            web_list.drop_database(database_url)
            shutil.rmtree(tmpdir, ignore_errors=True)
        else:
            print(f"kept: {database_url} (temp dir {tmpdir})")


def run(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    import seedbulk
    from projects import homogeneity, services, similarity
    from projects.models import Topic

    load_start = os.getloadavg()
    call_command("migrate", verbosity=0, interactive=False)
    world = seedbulk.make_world()
    rng = random.Random(20261203)
    t0 = time.perf_counter()
    rows = []
    for i in range(args.topics):
        title, logline, local = synthetic(rng, i)
        unit = rng.choice(world.units)
        rows.append(Topic(call=world.call, unit=unit, title=title, logline=logline, local_elements=local,
                          genre=rng.choice(world.genres), proposed_track=world.tracks["project"],
                          pitched_by=world.producers[unit.pk]))
    Topic.objects.bulk_create(rows, batch_size=2000)
    seed_s = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    before = load_before(args.before)

    # jieba's dictionary, loaded once per process, measured on its own. Memory as resident-set
    # growth (tracemalloc would slow the 10,000-topic build many times over).
    gc.collect()
    rss0 = rss_mib()
    t0 = time.perf_counter()
    similarity._segmenter()
    jieba_s = time.perf_counter() - t0
    gc.collect()
    jieba_mb = rss_mib() - rss0

    rss0 = rss_mib()
    t0 = time.perf_counter()
    services.topic_similar(title="老支书带领村民种植花椒")
    build_s = time.perf_counter() - t0
    gc.collect()
    index_mb = rss_mib() - rss0
    n_index = len(homogeneity.index())
    # Cross-check on a tenth of the topics with tracemalloc (exact Python allocations).
    sample = similarity.Index(homogeneity.vocabulary())
    few = list(Topic.objects.values_list("pk", "title", "logline", "local_elements")[: max(1, args.topics // 10)])
    tracemalloc.start()
    for pk, title_, logline_, local_ in few:
        sample.add(pk, title_, logline_, local_)
    sample.search(similarity.Topic.of(sample.vocabulary, "老支书"))
    sample_mb = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del sample
    print(f"index built: {n_index} topics in {build_s:.1f} s", file=sys.stderr, flush=True)

    client = Client()
    producer = next(iter(world.producers.values()))
    client.force_login(producer)
    url = reverse("api-topic-similar")
    client.get(url, {"title": "老支书", "call": world.call.pk})  # warm-up

    pitches = [synthetic(rng, -1) for _ in range(args.pitches)]
    keystrokes = []
    for title, logline, local in pitches:
        keystrokes += [(title[:k], "") for k in range(1, len(title) + 1)]
        keystrokes += [(title, logline[:k]) for k in range(2, min(30, len(logline)) + 1, 2)]
    times = {"before": [], "service": [], "endpoint": []}
    found = {"before": 0, "service": 0, "endpoint": 0}
    for i, (title, logline) in enumerate(keystrokes):
        if i % 20 == 0:
            print(f"keystroke {i}/{len(keystrokes)}", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        m = before.closest(title, Topic.objects.values_list("pk", "title"))
        times["before"].append(time.perf_counter() - t0)
        found["before"] += len(m)
        t0 = time.perf_counter()
        m = services.topic_similar(title=title, logline=logline)
        times["service"].append(time.perf_counter() - t0)
        found["service"] += len(m)
        t0 = time.perf_counter()
        r = client.get(url, {"title": title, "logline": logline, "call": world.call.pk})
        times["endpoint"].append(time.perf_counter() - t0)
        assert r.status_code == 200, r.content
        found["endpoint"] += len(r.json())

    # A new pitch changes every weight: the next check recomputes them.
    title, logline, local = pitches[0]
    t0 = time.perf_counter()
    services.topic_pitch(user=producer, call=world.call, unit=producer.units.get(), title=title, logline=logline,
                         genre=world.genres[0], proposed_track=world.tracks["project"], local_elements=local)
    pitch_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    services.topic_similar(title="老支书带领村民种植花椒")
    after_new_s = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    ms = lambda s: f"{s * 1000:.1f}"  # noqa: E731
    table = ["| per keystroke | p50 ms | p95 ms | max ms | × today's p95 | matches shown per keystroke |",
             "|---|---:|---:|---:|---:|---:|"]
    base95 = pct(times["before"], 0.95)
    labels = {"before": f"today's `closest` over `values_list` (bigrams, {args.before})",
              "service": "new `services.topic_similar` (index)", "endpoint": "new `GET /api/topics/similar/` (test Client, producer)"}
    for key in ("before", "service", "endpoint"):
        t = times[key]
        table.append(f"| {labels[key]} | {ms(statistics.median(t))} | {ms(pct(t, 0.95))} | {ms(max(t))} | "
                     f"{pct(t, 0.95) / base95:.3f} | {found[key] / len(t):.2f} |")
    block = "\n".join([
        "### " + ("PostgreSQL" if connection.vendor == "postgresql" else "SQLite"),
        "",
        reporting.machine(f"Django {django.get_version()}", f"{connection.vendor}", load_start=load_start),
        "",
        f"Data: {args.topics:,} synthetic earlier topics (bulk rows in {seed_s:.1f} s); {len(keystrokes)} keystrokes "
        f"= {args.pitches} pitches typed one character at a time (title, then the logline's first 30 characters "
        "in steps of two), each request timed in turn for the three rows below.",
        "",
        *table,
        "",
        f"- Index: built on the first check in {build_s:.2f} s ({n_index:,} topics: segmenting every title, "
        f"logline and local elements); the process grew by **{index_mb:.0f} MiB** (resident set; tracemalloc on "
        f"a tenth of the topics: {sample_mb:.1f} MiB, ×10 ≈ {sample_mb * 10:.0f} MiB). jieba's dictionary: "
        f"{jieba_s:.2f} s to load, {jieba_mb:.0f} MiB resident, once per process. Peak RSS of the process "
        f"{rss_mb:.0f} MiB.",
        f"- A new pitch (`services.topic_pitch`, its own check included) took {pitch_s * 1000:.0f} ms; the next "
        f"check, which recomputes every weight and norm, {after_new_s * 1000:.0f} ms.",
        f"- Target p95 ≤ 50 ms per keystroke request: new endpoint p95 {ms(pct(times['endpoint'], 0.95))} ms.",
    ])
    print(block)
    if args.results:
        reporting.write_block(
            Path(args.results), section="## Homogeneity check: live check against 10,000 topics",
            key=f"similarity:{connection.vendor}",
            intro="Produced by `bench/similarity.py`; a re-run replaces the block of its database backend.",
            block=block,
        )


if __name__ == "__main__":
    main()
