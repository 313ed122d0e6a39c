"""The HLS rendition of a film for cloud showings: made by the media task on the film's first
programming into a cloud showing (real ffmpeg on a 4 s 320x240 H.264/AAC clip), stored through the
storage wrapper (local and S3), reused by every later event, never there half written."""

import re

import pytest
from django_tasks_db.models import DBTaskResult

from media import pipeline, showings, storage
from media import ffmpeg as ff
from media.models import Rendition
from media.tasks import package_hls
from screenings import services
from screenings.models import Event
from tests.support.clips import ffprobe_streams, make_mpeg4_clip
from tests.support.screenings import give_proxy, open_window


def _cloud(organiser, title="云展播"):
    starts_at, ends_at = open_window()
    return services.event_create(user=organiser, kind=Event.Kind.CLOUD, title=title, platform="五华先锋",
                                 starts_at=starts_at, ends_at=ends_at)


def _queued_packagings(cut):
    return DBTaskResult.objects.filter(task_path="media.tasks.package_hls", args_kwargs__args=[cut.pk]).count()


def _stored(key):
    with storage.open_stream(key=key) as stream:
        return stream.read()


def _check_package(cut, duration=4.0):
    rendition = cut.renditions.get(kind=Rendition.Kind.HLS)
    assert rendition.key == f"cuts/{cut.deliverable.project_id}/v{cut.deliverable.version}/hls/index.m3u8"
    playlist = _stored(rendition.key).decode()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and "#EXT-X-ENDLIST" in playlist
    names = showings.playlist_files(playlist)
    assert names[0] == "init.mp4" and len(names) >= 3, names  # 1 s keyframes, 1 s segments: several
    assert sum(float(d) for d in re.findall(r"#EXTINF:([\d.]+)", playlist)) == pytest.approx(duration, abs=0.2)
    sizes = [len(_stored(showings.hls_file_key(rendition, name))) for name in names]
    assert all(sizes) and rendition.size == sum(sizes) + len(playlist.encode())
    return rendition


def test_the_first_programming_into_a_cloud_showing_packages_the_film_once(
        storage_dir, organiser, film, proxy_clip, short_segments, django_capture_on_commit_callbacks, tmp_path):
    cut = give_proxy(film, proxy_clip)
    with django_capture_on_commit_callbacks(execute=True):
        services.slot_add(event=_cloud(organiser), user=organiser, film=film)
    assert _queued_packagings(cut) == 1
    assert not cut.renditions.filter(kind=Rendition.Kind.HLS).exists()  # queued, not made in the request

    assert package_hls.call(cut.pk) == "ready"
    rendition = _check_package(cut)
    # A stream copy of the proxy: the same codecs, the same picture size.
    local = storage_dir / rendition.key
    streams = {s["codec_type"]: s for s in ffprobe_streams(local)["streams"]}
    assert streams["video"]["codec_name"] == "h264" and (streams["video"]["width"], streams["video"]["height"]) == (320, 240)
    assert streams["audio"]["codec_name"] == "aac"

    # Every later event reuses it: nothing queued, nothing made again.
    with django_capture_on_commit_callbacks(execute=True):
        services.slot_add(event=_cloud(organiser, "第二场云展播"), user=organiser, film=film)
    assert _queued_packagings(cut) == 1
    assert package_hls.call(cut.pk) == "exists"
    assert cut.renditions.filter(kind=Rendition.Kind.HLS).count() == 1


def test_a_film_week_or_course_does_not_package_the_film(storage_dir, organiser, film, proxy_clip, film_week, cinema,
                                                         django_capture_on_commit_callbacks):
    from tests.support.screenings import at

    cut = give_proxy(film, proxy_clip)
    with django_capture_on_commit_callbacks(execute=True):
        services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(1, "19:00"), ends_at=at(1, "21:00"))
    assert _queued_packagings(cut) == 0


def test_packaging_to_the_s3_bucket(s3_settings, storage_dir, organiser, film, proxy_clip, short_segments):
    cut = give_proxy(film, proxy_clip)
    services.slot_add(event=_cloud(organiser), user=organiser, film=film)
    assert package_hls.call(cut.pk) == "ready"
    rendition = _check_package(cut)
    assert storage.head(key=rendition.key) is not None
    assert not any(storage_dir.rglob("*.m4s")), "S3 mode must not write the package to local files"


def test_a_second_worker_leaves_a_package_being_made_alone(storage_dir, film, proxy_clip):
    from django.core.cache import cache

    cut = give_proxy(film, proxy_clip)
    cache.add(f"media:hls-packaging:{cut.pk}", "another worker", timeout=60)
    assert package_hls.call(cut.pk) == "busy"
    assert not cut.renditions.filter(kind=Rendition.Kind.HLS).exists()
    cache.delete(f"media:hls-packaging:{cut.pk}")
    assert package_hls.call(cut.pk) == "ready"


def test_a_missing_cut_is_not_an_error(db):
    assert package_hls.call(987654) == "gone"


def test_a_failed_packaging_leaves_no_rendition_and_a_new_link_asks_again(
        storage_dir, organiser, film, tmp_path, django_capture_on_commit_callbacks):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 2000)  # looks like an MP4, holds nothing
    cut = give_proxy(film, broken)
    event = _cloud(organiser)
    services.slot_add(event=event, user=organiser, film=film)
    assert package_hls.call(cut.pk) == "failed"
    assert not cut.renditions.filter(kind=Rendition.Kind.HLS).exists()
    assert not list(storage_dir.rglob("index.m3u8"))
    with django_capture_on_commit_callbacks(execute=True):
        services.link_create(event=event, user=organiser, film=film)
    assert _queued_packagings(cut) == 1


def test_a_source_whose_codecs_cannot_be_copied_is_encoded(tmp_path):
    src = make_mpeg4_clip(tmp_path / "old.avi", seconds=3)
    probe = ff.probe(src)
    assert not pipeline.hls_copyable(probe)

    package = pipeline.hls(src, tmp_path / "hls", probe, segment_seconds=1)

    assert not package.copied and package.playlist.exists() and len(package.segments) >= 2
    streams = {s["codec_type"]: s["codec_name"] for s in ffprobe_streams(package.playlist)["streams"]}
    assert streams == {"video": "h264", "audio": "aac"}
    assert package.files[-1] == package.playlist  # stored last


def test_the_packaging_is_queued_as_processing_is_noted_on_the_cut_and_not_again_while_it_waits(
        storage_dir, organiser, film, proxy_clip, django_capture_on_commit_callbacks):
    cut = give_proxy(film, proxy_clip)
    event = _cloud(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        services.slot_add(event=event, user=organiser, film=film)
    cut.refresh_from_db()
    queued = DBTaskResult.objects.get(task_path="media.tasks.package_hls", args_kwargs__args=[cut.pk])
    assert cut.hls_task_id == str(queued.pk)

    # New viewer links while it waits on the queue: no second task.
    for label in ("社区一", "社区二"):
        with django_capture_on_commit_callbacks(execute=True):
            services.link_create(event=event, user=organiser, film=film, label=label)
    assert _queued_packagings(cut) == 1

    # The task is gone from the queue (Redis lost it; here: it ran and failed): the next link queues it again.
    DBTaskResult.objects.filter(pk=queued.pk).update(status="FAILED")
    with django_capture_on_commit_callbacks(execute=True):
        services.link_create(event=event, user=organiser, film=film, label="社区三")
    assert _queued_packagings(cut) == 2
    cut.refresh_from_db()
    assert cut.hls_task_id != str(queued.pk)


def test_a_queue_that_does_not_answer_leaves_the_showing_saved(
        storage_dir, organiser, film, proxy_clip, django_capture_on_commit_callbacks, settings, redis_tasks, caplog):
    import socket

    from tests.support.task_backends import rq_settings

    cut = give_proxy(film, proxy_clip)
    with socket.socket() as probe:  # a port nothing listens on: Redis away
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    for name, value in rq_settings(f"redis://127.0.0.1:{closed}/0").items():
        setattr(settings, name, value)
    with django_capture_on_commit_callbacks(execute=True):
        slot = services.slot_add(event=_cloud(organiser), user=organiser, film=film)
    assert slot.pk is not None
    assert f"cut {cut.pk}: could not be queued (ConnectionError" in caplog.text
    cut.refresh_from_db()
    assert cut.hls_task_id == ""
