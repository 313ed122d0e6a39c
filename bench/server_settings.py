"""Settings of the server `bench/screenings.py` starts: the production settings as they are, with
one URLconf more (``bench/server_urls.py``: the app's URLs and an empty view beside them). Used by
the benchmark only, through ``DJANGO_SETTINGS_MODULE=bench.server_settings``."""

from studio.settings import *  # noqa: F403 - the real settings, unchanged

ROOT_URLCONF = "bench.server_urls"
