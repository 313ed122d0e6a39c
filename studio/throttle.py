"""Throttles: failed sign-ins and anonymous API calls answer 429 with Retry-After.

Failed sign-ins (the login page, a wrong API token) are counted per client address and per
username. A blocked client is refused *before* its password is hashed: the point is that guessing
costs the attacker time, not the server a PBKDF2 run per guess. The counts live in Django's cache
(``settings.CACHES``, shared by every web process).
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle, BaseThrottle


def client_address(request) -> str:
    """The caller's address, trusting as many X-Forwarded-For hops as REELWORK_NUM_PROXIES says."""
    return BaseThrottle().get_ident(request) or "unknown"


def _key(kind: str, ident: str) -> str:
    return "reelwork:signin-failures:%s:%s" % (kind, hashlib.sha256(ident.encode()).hexdigest())


def _idents(request, username: str):
    yield _key("address", client_address(request)), settings.REELWORK_SIGNIN_FAILURES_PER_ADDRESS
    if username:
        yield _key("username", username.strip().casefold()), settings.REELWORK_SIGNIN_FAILURES_PER_USERNAME


def _recent(key: str, now: float) -> list[float]:
    window = settings.REELWORK_SIGNIN_FAILURE_WINDOW
    return [t for t in cache.get(key, []) if t > now - window]


def signin_wait(request, username: str = "") -> int:
    """Seconds until this address (and username) may try again; 0 when it may now."""
    now, wait = time.time(), 0.0
    for key, limit in _idents(request, username):
        failures = _recent(key, now)
        if len(failures) >= limit:
            wait = max(wait, failures[-limit] + settings.REELWORK_SIGNIN_FAILURE_WINDOW - now)
    return math.ceil(wait)


def signin_failed(request, username: str = "") -> None:
    # get-then-set can lose a count when two failures race; the limit stays within a few tries.
    now = time.time()
    for key, limit in _idents(request, username):
        cache.set(key, [*_recent(key, now), now][-limit:], settings.REELWORK_SIGNIN_FAILURE_WINDOW)


class AnonymousApiThrottle(AnonRateThrottle):
    """DRF's per-address throttle for callers without credentials, its rate read from settings
    when used (DRF reads DEFAULT_THROTTLE_RATES once, at import)."""

    def get_rate(self):
        return settings.REELWORK_ANON_API_RATE
