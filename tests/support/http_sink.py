"""A real HTTP server for webhook and SMS-gateway tests, in its own process.

    python -m tests.support.http_sink PORT LOGFILE [FAIL_FIRST]

Answers 500 to the first FAIL_FIRST requests, then 200; appends every request (path, headers,
JSON body, the status it got) to LOGFILE as a JSON line.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path


class HttpSink:
    """Start/stop the server from a test and read what it received."""

    def __init__(self, directory: Path, fail_first: int = 0):
        self.log = directory / "http-sink.jsonl"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.fail_first = fail_first
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HttpSink:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.http_sink", str(self.port), str(self.log),
             str(self.fail_first)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("http sink did not start")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(10)

    def requests(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]


def serve(port: int, log: Path, fail_first: int) -> None:
    count = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            count["n"] += 1
            status = 500 if count["n"] <= fail_first else 200
            with log.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"path": self.path, "headers": dict(self.headers),
                                         "body": json.loads(body or b"null"), "status": status},
                                        ensure_ascii=False) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    HTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
