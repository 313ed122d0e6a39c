"""A short-timeout connection to a queue's Redis, for what reads queue state while users wait
(the health check, the cluster page): a Redis that is gone must answer "fail" within seconds,
where the workers' own connections block on Redis for minutes on purpose."""

import contextlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def with_timeouts(url: str, *, connect: float, read: float) -> str:
    """``url`` with redis-py's ``socket_connect_timeout`` and ``socket_timeout`` (seconds) as query
    arguments, unless it names them already: django-rq builds its connections from the URL alone.
    Without them a web process that queues a task waits for an unreachable Redis as long as the
    operating system lets a connect hang (minutes). RQ workers raise ``socket_timeout`` to what
    their blocking reads need (``rq.worker.BaseWorker._set_connection``)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("socket_connect_timeout", f"{connect:g}")
    query.setdefault("socket_timeout", f"{read:g}")
    return urlunsplit(parts._replace(query=urlencode(query)))


@contextlib.contextmanager
def quick_redis(queue_name: str, timeout: float = 2):
    import django_rq
    import redis

    pool = django_rq.get_connection(queue_name).connection_pool
    quick = redis.ConnectionPool(connection_class=pool.connection_class,
                                 **{**pool.connection_kwargs, "socket_timeout": timeout, "socket_connect_timeout": timeout})
    try:
        yield redis.Redis(connection_pool=quick)
    finally:
        quick.disconnect()
