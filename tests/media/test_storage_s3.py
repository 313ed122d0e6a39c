"""media.storage against a real S3 API server (Ceph RGW on 127.0.0.1, see tests/support/s3.py).

Browsers upload parts with plain HTTP PUTs to presigned URLs, so the tests do exactly that with
urllib/http.client: nothing here mocks boto3.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from media import storage
from tests.support import ROOT
from tests.support.clips import make_clip, require_encoder
from tests.support.http import http_request
from tests.support.s3 import TEST_ORIGIN

MiB = 1024 * 1024
NAME = "第二版 样片.mp4"


pytestmark = pytest.mark.usefixtures("english")


def put_part(key, upload_id, number, data, **kwargs):
    url = storage.multipart_part_url(key=key, upload_id=upload_id, part_number=number, **kwargs)
    return http_request("PUT", url, data)


def test_a_multipart_upload_through_presigned_part_urls_resumes_and_completes(s3_settings, tmp_path):
    key = storage.cut_key(7, 2, NAME)
    assert key == "cuts/7/v2/original/第二版 样片.mp4"
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(MiB + 123)]
    data = b"".join(parts)
    upload_id = storage.multipart_start(key=key, content_type="video/mp4")

    # The browser sends parts 1 and 3, then the connection drops before part 2.
    for number in (1, 3):
        status, headers, _ = put_part(key, upload_id, number, parts[number - 1])
        assert status == 200 and headers["ETag"]
    # Back online, it asks which parts the server has and sends only the missing one.
    held = storage.multipart_parts(key=key, upload_id=upload_id)
    assert [(p["PartNumber"], p["Size"]) for p in held] == [(1, 5 * MiB), (3, MiB + 123)]
    assert held[0]["ETag"] == hashlib.md5(parts[0]).hexdigest()
    assert put_part(key, upload_id, 2, parts[1])[0] == 200
    assert storage.head(key=key) is None  # nothing visible under the final key before completion

    storage.multipart_complete(key=key, upload_id=upload_id, parts=storage.multipart_parts(key=key, upload_id=upload_id))

    assert storage.head(key=key)["size"] == len(data)
    assert storage.head(key=key)["etag"].endswith("-3")
    assert storage.sha256(key=key) == hashlib.sha256(data).hexdigest()
    assert storage.download_to(key=key, path=tmp_path / "copy.mp4") == len(data)
    assert (tmp_path / "copy.mp4").read_bytes() == data
    assert storage.multipart_part_size(size=len(data)) == storage.CHUNK_SIZE


def test_a_tampered_part_url_is_refused(s3_settings):
    key = storage.cut_key(7, 3, "tampered.mp4")
    upload_id = storage.multipart_start(key=key, content_type="video/mp4")
    url = storage.multipart_part_url(key=key, upload_id=upload_id, part_number=1)
    signature = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Signature"][0]
    one_char_changed = url.replace(signature, signature[:-1] + ("0" if signature[-1] != "0" else "1"))
    other_part = re.sub(r"([?&])partNumber=1(?=&|$)", r"\g<1>partNumber=2", url)
    assert other_part != url

    assert http_request("PUT", one_char_changed, b"x" * 1000)[0] == 403
    assert http_request("PUT", other_part, b"x" * 1000)[0] == 403
    assert storage.multipart_parts(key=key, upload_id=upload_id) == []
    assert http_request("PUT", url, b"x" * 1000)[0] == 200  # the untouched URL works
    storage.multipart_abort(key=key, upload_id=upload_id)


def test_an_expired_url_is_refused(s3_settings):
    key = storage.cut_key(7, 4, "expired.mp4")
    storage.save(key=key, content=b"finished film")
    upload_id = storage.multipart_start(key=key + ".next", content_type="video/mp4")
    part_url = storage.multipart_part_url(key=key + ".next", upload_id=upload_id, part_number=1, expires=1)
    get_url = storage.presigned_get(key=key, expires=1)
    time.sleep(2.5)

    assert http_request("PUT", part_url, b"x" * 1000)[0] == 403
    assert http_request("GET", get_url)[0] == 403
    assert storage.multipart_parts(key=key + ".next", upload_id=upload_id) == []
    assert http_request("GET", storage.presigned_get(key=key, expires=60))[2] == b"finished film"
    storage.multipart_abort(key=key + ".next", upload_id=upload_id)


def test_an_aborted_upload_leaves_no_object(s3_settings):
    key = storage.cut_key(8, 1, "aborted.mp4")
    upload_id = storage.multipart_start(key=key, content_type="video/mp4")
    url = storage.multipart_part_url(key=key, upload_id=upload_id, part_number=1)
    assert http_request("PUT", url, os.urandom(MiB))[0] == 200

    storage.multipart_abort(key=key, upload_id=upload_id)
    storage.multipart_abort(key=key, upload_id=upload_id)  # twice is fine

    assert storage.head(key=key) is None
    # The upload is gone, its URLs with it. (A small body: the server answers before reading it.)
    assert http_request("PUT", url, b"x" * 100)[0] == 404
    with pytest.raises(storage.StorageError) as refused:
        storage.multipart_parts(key=key, upload_id=upload_id)
    assert "Start the upload again" in refused.value.message
    assert "list_parts" in refused.value.detail and upload_id in refused.value.detail  # for the log


def test_completing_with_a_part_the_server_never_got_is_refused(s3_settings):
    key = storage.cut_key(8, 2, "gap.mp4")
    upload_id = storage.multipart_start(key=key, content_type="video/mp4")
    status, headers, _ = put_part(key, upload_id, 1, os.urandom(5 * MiB))
    with pytest.raises(storage.StorageError) as refused:
        storage.multipart_complete(key=key, upload_id=upload_id, parts=[
            {"PartNumber": 1, "ETag": headers["ETag"]}, {"PartNumber": 2, "ETag": "0" * 32},
        ])
    assert "Resume the upload" in refused.value.message
    assert storage.head(key=key) is None
    storage.multipart_abort(key=key, upload_id=upload_id)


def test_a_byte_range_reads_only_those_bytes(s3_settings):
    key = storage.rendition_key(9, 1, "proxy.mp4")
    data = os.urandom(3 * MiB + 17)
    storage.save(key=key, content=data)

    with storage.open_stream(key=key, first_byte=MiB - 5, last_byte=2 * MiB + 5) as stream:
        assert stream.read() == data[MiB - 5 : 2 * MiB + 6]
    # What a <video> element does while seeking: a Range GET on the presigned URL.
    status, headers, body = http_request("GET", storage.presigned_get(key=key), headers={"Range": "bytes=100-199"})
    assert status == 206 and body == data[100:200]
    assert headers["Content-Range"] == f"bytes 100-199/{len(data)}"


def test_a_read_resumes_where_the_connection_dropped(s3_settings):
    key = storage.rendition_key(9, 2, "proxy.mp4")
    data = os.urandom(4 * MiB)
    storage.save(key=key, content=data)
    with storage.open_stream(key=key) as stream:
        first = stream.read(MiB + 3)
        stream.body.close()  # the connection drops mid-object
        rest = stream.read()
    assert first + rest == data


def test_files_are_saved_under_chinese_names_and_originals_are_never_overwritten(s3_settings, tmp_path):
    key = storage.cut_key(10, 1, "../../「第二版 样片」.mp4")
    assert key == "cuts/10/v1/original/「第二版 样片」.mp4"
    storage.save(key=key, content=b"v1")
    with pytest.raises(storage.StorageError):
        storage.save(key=key, content=b"overwritten")
    assert b"".join(storage.iter_chunks(key=key)) == b"v1"
    assert storage.storage().exists(key)

    vtt = tmp_path / "thumbs.vtt"
    for text in ("WEBVTT\n", "WEBVTT\n\n00:00.000 --> 00:01.000\nsprite.jpg#xywh=0,0,160,90\n"):
        vtt.write_text(text)
        storage.put_file(key=storage.rendition_key(10, 1, "thumbs.vtt"), path=vtt)  # regenerated: replaced
    status, headers, body = http_request("GET", storage.presigned_get(key=storage.rendition_key(10, 1, "thumbs.vtt")))
    assert body.decode() == vtt.read_text() and headers["Content-Type"] == "text/vtt"

    storage.delete(key=key)
    storage.delete(key=key)  # deleting what is gone is fine
    assert storage.head(key=key) is None


def test_browsers_on_the_site_may_put_parts_across_origins(s3_settings):
    key = storage.cut_key(11, 1, "cors.mp4")
    upload_id = storage.multipart_start(key=key, content_type="video/mp4")
    url = storage.multipart_part_url(key=key, upload_id=upload_id, part_number=1)
    status, headers, _ = http_request("OPTIONS", url, headers={"Origin": TEST_ORIGIN, "Access-Control-Request-Method": "PUT"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] in (TEST_ORIGIN, "*")
    status, headers, _ = http_request("PUT", url, b"x", headers={"Origin": TEST_ORIGIN})
    assert status == 200 and "etag" in headers.get("Access-Control-Expose-Headers", "").lower()
    storage.multipart_abort(key=key, upload_id=upload_id)


def test_ffmpeg_reads_an_object_through_a_presigned_url(s3_settings, tmp_path):
    require_encoder("libx264")
    clip = make_clip(tmp_path / "x.mp4", seconds=1, size="160x120")
    key = storage.cut_key(12, 1, NAME)
    storage.put_file(key=key, path=clip)
    url = storage.ffmpeg_input(key=key)
    assert url.startswith("http://127.0.0.1")

    # Without fast-start the index sits at the end of the file: ffprobe must seek with Range requests.
    probe = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", url],
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=True)
    info = json.loads(probe.stdout)
    assert {s["codec_name"] for s in info["streams"]} == {"h264", "aac"}
    assert float(info["format"]["duration"]) == pytest.approx(1.0, abs=0.1)
    decode = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-ss", "0.5", "-i", url, "-f", "null", "-"],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert decode.returncode == 0, decode.stderr


# Linux carries ru_maxrss across exec: a child exec'd straight from pytest would start at pytest's
# peak and hide its own. LAUNCHER is a small Python that starts the real child.
LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"
MEMORY_CHILD = r"""
import hashlib, http.client, json, resource, sys, urllib.parse
import django
from django.conf import settings
settings.configure(REELWORK_S3=json.loads(sys.argv[1]))
django.setup()
from media import storage

key, size, download = sys.argv[2], int(sys.argv[3]), sys.argv[4]
storage.head(key=key)  # imports, client and connection pool warm
try:  # forget the peak of start-up (imports): measure only what the transfer adds
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

part_size = storage.multipart_part_size(size=size)
upload_id = storage.multipart_start(key=key, content_type="video/mp4")
digest = hashlib.sha256()
for number, start in enumerate(range(0, size, part_size), 1):
    length = min(part_size, size - start)
    url = urllib.parse.urlsplit(storage.multipart_part_url(key=key, upload_id=upload_id, part_number=number))
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    connection.putrequest("PUT", url.path + "?" + url.query, skip_accept_encoding=True)
    connection.putheader("Content-Length", str(length))
    connection.endheaders()
    for offset in range(start, start + length, 1 << 20):  # generated, 1 MiB at a time, like a browser's Blob.slice
        block = (hashlib.sha256(str(offset).encode()).digest() * 32768)[: min(1 << 20, start + length - offset)]
        digest.update(block)
        connection.send(block)
    response = connection.getresponse()
    response.read()
    assert response.status == 200, response.status
    connection.close()
storage.multipart_complete(key=key, upload_id=upload_id, parts=storage.multipart_parts(key=key, upload_id=upload_id))
assert storage.head(key=key)["size"] == size
assert storage.sha256(key=key) == digest.hexdigest()
assert storage.download_to(key=key, path=download) == size
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
storage.delete(key=key)
print(json.dumps({"baseline_kib": baseline, "peak_kib": peak}))
"""


def test_a_200_mb_upload_hash_and_download_keep_memory_flat(s3_server, tmp_path):
    size = 200 * MiB
    child = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, "-c", MEMORY_CHILD, json.dumps(s3_server), storage.cut_key(13, 1, "big.mp4"), str(size),
         str(tmp_path / "big.mp4")],
        capture_output=True, text=True, timeout=300, cwd=ROOT, stdin=subprocess.DEVNULL,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    assert Path(tmp_path / "big.mp4").stat().st_size == size
    result = json.loads(child.stdout.strip().splitlines()[-1])
    growth_mib = (result["peak_kib"] - result["baseline_kib"]) / 1024
    print(f"\nS3 200 MiB multipart upload + sha256 + download: peak RSS {result['peak_kib'] / 1024:.1f} MiB, "
          f"baseline {result['baseline_kib'] / 1024:.1f} MiB, growth {growth_mib:.1f} MiB")
    assert growth_mib < 64


def test_storage_failures_say_what_to_do_and_keep_the_detail(s3_settings):
    s3_settings["secret_key"] = "not-the-secret"
    with pytest.raises(storage.StorageError) as refused:
        storage.head(key="cuts/1/v1/proxy.mp4")
    assert "Tell the administrator" in refused.value.message
    assert "SignatureDoesNotMatch" in refused.value.detail or "403" in refused.value.detail


def test_half_configured_s3_settings_fail_loudly(settings):
    settings.REELWORK_S3 = {"endpoint_url": "http://127.0.0.1:7480", "bucket": "reelwork"}
    with pytest.raises(ImproperlyConfigured, match="access_key, secret_key, region, addressing_style"):
        storage.s3_enabled()
    settings.REELWORK_S3 = None
    assert storage.s3_enabled() is False
    with pytest.raises(storage.StorageError):
        storage.multipart_start(key="cuts/1/v1/original/a.mp4", content_type="video/mp4")


def test_the_default_storage_reads_the_same_s3_settings_as_the_client(s3_settings, settings):
    # What Django's own default storage writes (a storyboard frame, say) is in the bucket the
    # rest of media.storage reads, and from one settings dict: there is no second copy to drift.
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "media.storage.s3_backend.ReelworkS3Storage"}}
    name = default_storage.save("frames/第1镜.jpg", ContentFile(b"frame"))
    assert storage.head(key=name)["size"] == 5
    assert b"".join(storage.iter_chunks(key=name)) == b"frame"
    storage.delete(key=name)
    assert not default_storage.exists(name)
