"""HLS renditions of films for showings: which cut of a film is shown, packaging it once (the
``package_hls`` task), and the stored playlist read back so screenings can hand each viewer URLs
of their own.

The HLS rendition of a cut is made the first time the film is programmed into a cloud showing and
reused by every later event. It lives under ``cuts/<project>/v<version>/hls/`` (``index.m3u8``,
``init.mp4``, ``seg_00000.m4s`` …); the ``Rendition`` row (kind ``hls``, key = the playlist) is
written only after every file is stored, the playlist last, so nothing ever reads a package that
is half written.

This module knows cuts and storage, not events or viewers: ``screenings`` asks for a package
(``hls_request``) and rewrites the playlist (``hls_playlist`` names the files, ``hls_file_key``
finds one).
"""

import logging
import re
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction

from media import claims, ffmpeg, pipeline, storage, uploads
from media.models import Cut, Rendition

log = logging.getLogger(__name__)

HLS_DIR = "hls"
# A package is small next to the proxy and a stream copy runs at disk speed; an encode (a source
# whose codecs can't be copied) is bounded by the ffmpeg wrapper's own timeout. A claim outlives
# neither: a worker that dies holds the cut at most this long.
PACKAGING_LIMIT_SECONDS = 3 * 3600
_FILE_NAME = re.compile(r"^(?:init\.mp4|seg_\d{5,}\.m4s)$")
_URI_ATTR = re.compile(r'URI="([^"]+)"')


def segment_seconds() -> int:
    value = getattr(settings, "REELWORK_HLS_SEGMENT_SECONDS", 6)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        raise ValueError(f"REELWORK_HLS_SEGMENT_SECONDS must be 1..60 seconds, not {value!r}")
    return value


def film_cut(project) -> Cut | None:
    """The cut a film is shown from: its latest version whose previews are ready (the one the
    panel approved; later versions cannot exist once a film is approved)."""
    return (Cut.objects.filter(deliverable__project_id=project.pk, status=Cut.Status.READY)
            .select_related("deliverable").order_by("-deliverable__version").first())


def hls_of(cut: Cut | None) -> Rendition | None:
    if cut is None:
        return None
    return cut.renditions.filter(kind=Rendition.Kind.HLS).first()


def hls_request(*, project) -> Cut | None:
    """Have the film's HLS rendition made, once the caller's transaction commits, unless it exists.
    Returns the cut it will be made from (None: the film has no ready cut, nothing to do)."""
    cut = film_cut(project)
    if cut is None or hls_of(cut) is not None:
        return cut
    cut_id = cut.pk
    # As processing is queued (``claims.cut_enqueue``): after the commit, the task's id noted on the
    # cut, a queue that does not answer logged rather than raised into the saved showing.
    transaction.on_commit(lambda: claims.hls_enqueue(cut_id))
    return cut


def _source(cut: Cut):
    """(what ffmpeg reads, its probe): the proxy, or the original when there is no proxy."""
    proxy = cut.renditions.filter(kind=Rendition.Kind.PROXY).first()
    if proxy is not None:
        size = proxy.size or (storage.head(key=proxy.key) or {}).get("size", 0)
        return storage.ffmpeg_input(key=proxy.key), uploads.probe_stored(key=proxy.key, size=size)
    probe = ffmpeg.Probe.from_dict(cut.probe) if cut.probe else uploads.probe_stored(key=cut.original_key, size=cut.size)
    return storage.ffmpeg_input(key=cut.original_key), probe


def hls_package(*, cut_id: int) -> str:
    """Make and store the HLS rendition of cut ``cut_id``: "ready", "exists" (made before),
    "busy" (another worker is making it), "gone" (no such cut) or "not_ready" (no previews yet).

    Safe to run twice: a finished package is not made again, and a claim in the shared cache
    keeps two workers from making it at once (were both to run, they would write the same files
    under the same names, each replacing whole files). Raises the ffmpeg wrapper's and the
    storage wrapper's errors; the task logs them and the next request (a new link) asks again.
    """
    cut = Cut.objects.filter(pk=cut_id).select_related("deliverable").first()
    if cut is None:
        return "gone"
    if cut.status != Cut.Status.READY:
        return "not_ready"
    if hls_of(cut) is not None:
        return "exists"
    claim, token = f"media:hls-packaging:{cut_id}", uuid.uuid4().hex
    if not cache.add(claim, token, timeout=PACKAGING_LIMIT_SECONDS):
        return "busy"
    try:
        source, probe = _source(cut)
        with tempfile.TemporaryDirectory(prefix="reelwork-hls-") as tmp:
            package = pipeline.hls(source, Path(tmp), probe, segment_seconds=segment_seconds())
            total = 0
            playlist_key = None
            for path in package.files:  # the playlist last
                key = storage.rendition_key(cut.deliverable.project_id, cut.deliverable.version, f"{HLS_DIR}/{path.name}")
                storage.put_file(key=key, path=path)
                total += path.stat().st_size
                playlist_key = key
        try:
            with transaction.atomic():
                Rendition.objects.update_or_create(cut=cut, kind=Rendition.Kind.HLS,
                                                   defaults={"key": playlist_key, "size": total})
        except IntegrityError:  # a run whose claim had expired wrote the row first: the same files
            pass
        log.info("cut %s: HLS packaged (%s, %d segments, %d bytes)", cut_id,
                 "stream copy" if package.copied else "encoded", len(package.segments), total)
        return "ready"
    finally:
        if cache.get(claim) == token:
            cache.delete(claim)


def hls_playlist(rendition: Rendition) -> str:
    """The stored playlist's text (a few KB; cached: every viewer's playlist is rewritten from it).
    The cache key holds the package's size, so a package made again is read afresh."""
    cache_key = f"media:hls-playlist:{rendition.pk}:{rendition.size}"
    text = cache.get(cache_key)
    if text is None:
        with storage.open_stream(key=rendition.key) as stream:
            text = stream.read().decode("utf-8")
        cache.set(cache_key, text, timeout=24 * 3600)
    return text


def playlist_files(text: str) -> list[str]:
    """The file names a stored playlist refers to: the init segment (``EXT-X-MAP``) and every
    media segment, in order."""
    names = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-MAP:"):
            names += _URI_ATTR.findall(line)
        elif line and not line.startswith("#"):
            names.append(line)
    return names


def rewrite_playlist(text: str, url_for) -> str:
    """``text`` with every file it names replaced by ``url_for(name)``: the viewer's own URLs."""
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#EXT-X-MAP:"):
            out.append(_URI_ATTR.sub(lambda m: f'URI="{url_for(m.group(1))}"', stripped))
        elif stripped and not stripped.startswith("#"):
            out.append(url_for(stripped))
        else:
            out.append(stripped)
    return "\n".join(out) + "\n"


def is_package_file(name: str) -> bool:
    """A name the packager writes (``init.mp4``, ``seg_00042.m4s``): nothing else is served."""
    return bool(_FILE_NAME.match(name))


def hls_file_key(rendition: Rendition, name: str) -> str:
    """The stored key of the package file ``name`` (checked by :func:`is_package_file`)."""
    if not is_package_file(name):
        raise ValueError(f"not a file of an HLS package: {name!r}")
    return rendition.key.rsplit("/", 1)[0] + "/" + name
