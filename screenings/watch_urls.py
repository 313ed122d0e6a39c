"""The viewer's side of a cloud showing: no account, the signed token is the key.

Mounted first in ``studio/urls.py``: the view beacon is the busiest route of a showing, and Django
tries the patterns in order, so every pattern ahead of these would be tried on each beacon (about
0.35 ms per request over the ~80 app patterns; see bench/RESULTS.md, screenings).
"""

from django.urls import path

from screenings import watch

urlpatterns = [
    path("watch/<str:token>/seen", watch.watch_seen, name="watch-seen"),
    path("watch/<str:token>/", watch.watch, name="watch"),
    path("watch/<str:token>/index.m3u8", watch.watch_playlist, name="watch-playlist"),
    path("watch/file/<str:signed>/", watch.watch_file, name="watch-file"),
]
