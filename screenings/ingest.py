"""View beacons written behind, in batches: the production path on PostgreSQL.

A cloud showing's viewers send one beacon each, and under load a database round trip per beacon
was what the beacon cost beyond an empty Django view (bench/RESULTS.md, screenings). With
``settings.REELWORK_VIEW_BUFFER_MS`` above 0 (the production default on PostgreSQL), the beacon
checks what needs no database — the token's signature and stamped expiry, the viewer cookie — and
hands the view to this process's buffer (``offer``); a thread writes the buffer every that many
milliseconds in one statement (``flush``). That statement makes the same checks the one-beacon
statement makes (``links.countable_sql``: nonce, not revoked, not expired, a cloud showing, its
film's slot open at the time the beacon came) and the same ``INSERT … ON CONFLICT DO NOTHING`` on
the per-viewer unique constraint, so a view still counts once per viewer, event and film, however
the beacons race, whichever process they reach.

What it changes, and what it risks:

* The beacon answers 202 (accepted): whether this viewer was counted before is known at the
  flush, not in the request. The page does not need it.
* A revocation stops counting at the next flush (at most ``REELWORK_VIEW_BUFFER_MS`` later), not
  with the very next beacon.
* A web process killed outright (SIGKILL, or its machine gone) loses the beacons of its last
  interval. A process that exits normally (gunicorn recycling a worker, a restart, SIGTERM)
  writes its buffer first (``atexit``). Either way no view is half-written or doubled.

Off (0, the default elsewhere): each beacon is written in its own request, as
``services.view_count_by_link`` does.
"""

import atexit
import logging
import os
import threading
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from screenings import links

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Beacon:
    link_id: int
    nonce: str
    viewer_id: uuid.UUID
    at: object  # the aware datetime the beacon came


# The most beacons a process holds while the database is away (about 10 MB); past it the oldest go,
# with a line in the log: a statistic is not worth the web process's memory.
MAX_PENDING = 100_000

_lock = threading.Lock()
_pending: list[Beacon] = []
_writer = None  # (process id, stop event, thread) of the writer; a forked child starts its own


def enabled() -> bool:
    return settings.REELWORK_VIEW_BUFFER_MS > 0 and connection.vendor == "postgresql"


def offer(claim: links.Claim, viewer_id: uuid.UUID, at=None) -> None:
    """Queue one beacon of ``claim``'s link for the next flush."""
    global _writer
    beacon = Beacon(claim.link_id, claim.nonce, viewer_id, at or timezone.now())
    with _lock:
        _pending.append(beacon)
        if _writer is None or _writer[0] != os.getpid():
            stop = threading.Event()
            thread = threading.Thread(target=_write_forever, args=(stop,), name="view-beacons", daemon=True)
            _writer = (os.getpid(), stop, thread)
            thread.start()


def stop_writer() -> None:
    """Stop this process's writer thread and wait for it (what is buffered stays, for ``flush``)."""
    global _writer
    with _lock:
        writer, _writer = _writer, None
    if writer is not None and writer[0] == os.getpid():
        writer[1].set()
        writer[2].join(timeout=10)


def pending() -> int:
    with _lock:
        return len(_pending)


# One statement per flush: the buffered beacons as rows (unnest), each kept when its link counted
# at the time it came (the same condition as one beacon's), one row per viewer, event and film.
_FLUSH_SQL = f"""
WITH b AS (SELECT * FROM unnest(%(links)s::bigint[], %(nonces)s::text[], %(viewers)s::uuid[], %(ats)s::timestamptz[])
           AS b(link, nonce, viewer, at)),
ok AS (SELECT DISTINCT ON (c.event_id, c.film_id, b.viewer) c.event_id, c.film_id, b.viewer, b.at
       FROM b CROSS JOIN LATERAL ({links.countable_sql("b.link", "b.nonce", "b.at")}) c
       ORDER BY c.event_id, c.film_id, b.viewer, b.at)
INSERT INTO screenings_onlineview (event_id, film_id, viewer_id, counted_at)
SELECT event_id, film_id, viewer, at FROM ok
ON CONFLICT (event_id, film_id, viewer_id) DO NOTHING RETURNING id
"""


def flush() -> int:
    """Write what is buffered, in one statement; the number of views it counted. On a failure the
    beacons go back to the buffer for the next flush, and the error is raised."""
    from screenings import rollups

    with _lock:
        batch = _pending[:]
        _pending.clear()
    if not batch:
        return 0
    params = {"links": [b.link_id for b in batch], "nonces": [b.nonce for b in batch],
              "viewers": [b.viewer_id for b in batch], "ats": [b.at for b in batch]}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_FLUSH_SQL, params)
            ids = [row[0] for row in cursor.fetchall()]
    except Exception:
        with _lock:
            _pending[:0] = batch
            if (over := len(_pending) - MAX_PENDING) > 0:
                del _pending[:over]
                log.error("dropped the %s oldest buffered view beacons: the database is not taking them", over)
        raise
    for view_id in ids:
        rollups.maybe_roll_up(view_id)
    return len(ids)


def _write_forever(stop: threading.Event) -> None:
    while not stop.wait(max(settings.REELWORK_VIEW_BUFFER_MS, 10) / 1000):
        try:
            flush()
        except Exception:
            log.exception("could not write %s buffered view beacons; trying again", pending())
            connection.close()  # a broken connection is opened afresh next time
    connection.close()


@atexit.register
def _write_before_exit() -> None:
    if _writer is not None and _writer[0] == os.getpid() and pending():
        try:
            flush()
        except Exception:
            log.exception("could not write the buffered view beacons before exiting")
