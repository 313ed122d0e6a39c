"""A short-timeout connection to a queue's Redis, for what reads queue state while users wait
(the health check, the cluster page): a Redis that is gone must answer "fail" within seconds,
where the workers' own connections block on Redis for minutes on purpose."""

import contextlib


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
