"""scripts/lb.py, the cluster's balancer: connections go round-robin to the backends that accept
them, and a client gets a 503 when none does."""

import http.client
import http.server
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _backend(name: str):
    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _get(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/")
    response = conn.getresponse()
    answer = response.status, response.read().decode()
    conn.close()
    return answer


@pytest.fixture
def balancer():
    procs = []

    def start(*backends):
        port = _free_port()
        argv = [sys.executable, str(ROOT / "scripts" / "lb.py"), "--listen", f"127.0.0.1:{port}"]
        for backend in backends:
            argv += ["--backend", f"127.0.0.1:{backend}"]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        deadline = time.monotonic() + 20  # a guard against a hung start, not a timing assertion
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                time.sleep(0.05)
        pytest.fail("scripts/lb.py did not listen")

    yield start
    for proc in procs:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_it_hands_connections_to_each_backend_in_turn_and_skips_one_that_is_down(balancer):
    one, two = _backend("one"), _backend("two")
    port = balancer(one.server_port, _free_port(), two.server_port)
    answers = [_get(port) for _ in range(6)]
    assert {status for status, _ in answers} == {200}
    assert sorted(body for _, body in answers) == ["one"] * 3 + ["two"] * 3
    one.shutdown()
    two.shutdown()


def test_it_answers_503_when_no_backend_accepts(balancer):
    port = balancer(_free_port())
    assert _get(port)[0] == 503
