#!/usr/bin/env python3
"""A small TCP load balancer for ``scripts/cluster.sh``: one port in front of several web
processes, connections handed out round-robin, a backend that refuses a connection skipped for
the next one. Standard library only (asyncio), so trying the cluster here installs nothing.

It balances connections, not requests (a kept-alive connection stays on its backend), and adds no
headers: the web processes see the client's connection as the balancer's (127.0.0.1). In a real
deployment nginx, HAProxy or the cloud's balancer stands here, terminates TLS, sets
``X-Forwarded-Proto`` and polls ``/healthz`` on each web process.

    scripts/lb.py --listen 127.0.0.1:8800 --backend 127.0.0.1:8801 --backend 127.0.0.1:8802
"""

import argparse
import asyncio
import itertools
import logging
import signal

log = logging.getLogger("lb")
CONNECT_TIMEOUT = 3


def address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
        except OSError:
            pass


class Balancer:
    def __init__(self, backends: list[tuple[str, int]]):
        self.backends = backends
        self.turn = itertools.cycle(range(len(backends)))

    async def connect(self):
        """The next backend in turn that accepts a connection; None when none does."""
        for _ in range(len(self.backends)):
            host, port = self.backends[next(self.turn)]
            try:
                return await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
            except (OSError, asyncio.TimeoutError) as exc:
                log.warning("backend %s:%s: %s", host, port, exc)
        return None

    async def handle(self, client_reader, client_writer) -> None:
        upstream = await self.connect()
        if upstream is None:
            client_writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await client_writer.drain()
            client_writer.close()
            return
        up_reader, up_writer = upstream
        try:
            await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))
        finally:
            for writer in (up_writer, client_writer):
                writer.close()


async def serve(listen: tuple[str, int], backends: list[tuple[str, int]]) -> None:
    balancer = Balancer(backends)
    server = await asyncio.start_server(balancer.handle, *listen, reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("listening on %s:%s, backends %s", *listen, ", ".join(f"{h}:{p}" for h, p in backends))
    async with server:
        await stop.wait()
    log.info("stopped")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", type=address, required=True)
    parser.add_argument("--backend", type=address, action="append", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s lb %(levelname)s %(message)s")
    asyncio.run(serve(args.listen, args.backend))


if __name__ == "__main__":
    main()
